import { mask } from './mask.js';

// The SENT/RECEIVED line of the Windows API Test Client, as the console, `aapi run --verbose` and
// `aapi sim --verbose` all print it: one format, so a log read in one place reads the same elsewhere.

export type Direction = 'sent' | 'received';

/** A frame as it went over the wire: parsed when it was JSON, else its text. */
export type WireFrame = Record<string, unknown> | string;

/** Wall-clock time of day to the millisecond, as the console's log shows it. */
export const clockOf = (t: Date) => t.toISOString().slice(11, 23);

// Its text is never shown: with no keys to go by, a secret in it could not be masked.
const notJson = (text: string) => `(a frame that is not JSON, ${Buffer.byteLength(text)} bytes)`;

/** `SENT: {...}` / `RECEIVED: {...}`, secret keys [Masked]. */
export const frameText = (dir: Direction, frame: WireFrame) =>
  `${dir === 'sent' ? 'SENT' : 'RECEIVED'}: ${typeof frame === 'string' ? notJson(frame) : JSON.stringify(mask(frame))}`;

/** One log line: time, whose traffic it is when there are several (a session, an agent), the frame. */
export const frameLine = (time: Date, dir: Direction, frame: WireFrame, who?: string) =>
  `${clockOf(time)} ${who ? `${who} ` : ''}${frameText(dir, frame)}`;

/** The text of a frame read back as a WireFrame. */
export function wireFrame(text: string): WireFrame {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : text;
  } catch {
    return text;
  }
}
