import type { ChalkInstance } from 'chalk';
import { errorSpec, REQUESTS, resolveEvent, resolveVerb } from '../protocol/catalogue.js';
import { classify, getCI, parseFrame } from '../protocol/codec.js';
import type { Verb } from '../protocol/types.js';
import { mask, type Redactor } from '../session/mask.js';
import type { Direction } from './server.js';

// One frame as the log shows and keeps it: decoded against the catalogue (the verb, the event, the
// error with its catalogue text), secrets masked by key, and the text of a frame that is no JSON
// masked by what the connection's client has sent as secrets.

export type FrameKind = 'request' | 'response' | 'event' | 'error' | 'unreadable';

export interface FrameEntry {
  time: string;
  connection: number;
  direction: Direction;
  kind: FrameKind;
  /** `GoAvailable`, `NowInCall`, `ERROR 320 Serious: Cannot disposition, agent is not in wrap`, `answer to GetTenants`. */
  decoded: string;
  /** The frame, masked; or, when it is no JSON object, `text`. */
  frame?: unknown;
  text?: string;
  binary?: true;
}

/** How much of a frame that is no JSON the log keeps. */
const SHOWN = 200;

export function frameEntry(
  at: Date, connection: number, direction: Direction, data: Buffer, binary: boolean, red: Redactor, awaiting: (rid: number | undefined) => Verb | undefined,
): FrameEntry {
  const base = { time: at.toISOString(), connection, direction };
  const text = data.toString();
  const parsed = binary ? undefined : parseFrame(text);
  if (!parsed?.ok) {
    const shown = red.line(text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text).text;
    return { ...base, kind: 'unreadable', decoded: binary ? `binary frame of ${data.length} bytes` : 'not JSON', text: shown, ...(binary ? { binary: true as const } : {}) };
  }
  const msg = parsed.value;
  const frame = mask(msg);
  if (direction === 'sent') {
    const type = getCI(msg, 'type');
    const verb = typeof type === 'string' ? resolveVerb(type) : undefined;
    return { ...base, kind: 'request', decoded: verb ? REQUESTS[verb].type : `unknown type ${JSON.stringify(type ?? null)}`, frame };
  }
  const c = classify(msg);
  if (c.kind === 'event') return { ...base, kind: 'event', decoded: resolveEvent(String(c.event)) ?? `undocumented event ${JSON.stringify(c.event)}`, frame };
  if (c.kind === 'error') {
    const spec = c.errorNumber === undefined ? undefined : errorSpec(c.errorNumber);
    return { ...base, kind: 'error', decoded: `ERROR ${c.errorNumber ?? '?'}${spec ? ` ${spec.level}: ${spec.message}` : ''}`, frame };
  }
  const verb = awaiting(c.rid);
  return { ...base, kind: 'response', decoded: verb ? `answer to ${verb}` : 'answer', frame };
}

const COLOURS: Record<FrameKind, keyof ChalkInstance> = { request: 'cyan', response: 'green', event: 'magenta', error: 'red', unreadable: 'yellow' };

/** `12:00:01.250 #1 SENT: {...}  GoAvailable`, as the Test Client's log, coloured by kind. */
export function logLine(e: FrameEntry, chalk: ChalkInstance): string {
  const body = e.text !== undefined ? e.text : JSON.stringify(e.frame);
  const paint = chalk[COLOURS[e.kind]] as ChalkInstance;
  return `${chalk.dim(`${e.time.slice(11, 23)} #${e.connection}`)} ${paint(`${e.direction === 'sent' ? 'SENT' : 'RECEIVED'}: ${body}`)}  ${chalk.dim(e.decoded)}`;
}
