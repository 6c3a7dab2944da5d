import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Json } from '../protocol/codec.js';
import type { JobSpec } from '../batch/job.js';
import type { StartSession } from './context.js';
import { isObject } from '../util/object.js';

// Everything a client and a session daemon say to each other over the daemon's socket (a named pipe
// on Windows), as tmux declares its own in tmux-protocol.h: the version, the handshake and the
// frames, as one union, and the one reader of the newline-delimited JSON they travel in. Kept to
// built-in modules: the thin client loads it on every call.
//
// The handshake comes before anything else, so that a process squatting on the socket's name learns
// nothing (no argv, no environment, no password) and a stray client is refused:
//   client → {hello, v, nonce}            a fresh nonce
//   server → {welcome, v, nonce, proof}   proof = HMAC(secret, "server" + the client's nonce)
//   client → {proof, ...request}          proof = HMAC(secret, "client" + the server's nonce)
// The secret is in the daemon's lock file, which only the user can read (trust.ts).

/** Bumped whenever a frame changes: a client and a daemon of different versions refuse each other. */
export const PROTOCOL = 3;
/** The longest line either side accepts; a longer one gets an error and the connection is closed. */
export const MAX_LINE = 1 << 20;
/** A connection that has not finished its handshake within this long is closed. */
export const HANDSHAKE_MS = 5000;

export interface Hello { hello: 'aapi'; v: number; nonce: string }
export interface Welcome { welcome: 'aapi'; v: number; nonce: string; proof: string; instance: string }
/** The server's last word before it closes: another version, a failed proof, a malformed line. */
export interface Refused { refused: string; v?: number }

/** A command line run in the server for a profile, its output streamed back as {o}, {e}, then {x}. */
export interface CallRequest {
  profile: string;
  call: {
    argv: string[];
    /** Only the variables the command may read; never a password (see `forwardedEnv`). */
    env: Record<string, string>;
    cwd: string;
    tty: { stdin: boolean; stdout: boolean; stderr: boolean; columns?: number };
  };
}
/** The request pipe of batch jobs, on a profile's session: then {id, msg} lines each way (pipe.ts). */
export interface PipeRequest { profile: string; pipe: { timeoutMs: number; events: boolean } }
/**
 * `aapi batch`'s: run a job in the server, on the sessions of `job.profiles`. Answered {accepted: id},
 * then (unless `detach`) {progress: summary} as it goes and {done: result} or {failed} at its end. A
 * {stop: true} line from the client, or the client going away, stops it as Ctrl-C does.
 */
export interface BatchRequest { profile: string; batch: JobSpec & { detach: boolean } }
/** `aapi login`'s: open a session for a profile (the password in it goes nowhere else); answered {report}. */
export interface StartRequest { start: StartSession & { profile: string } }
/** Only the handshake: proves who answers (a lock's liveness check). */
export interface ProbeRequest { probe: true }
export type Request = (CallRequest | PipeRequest | StartRequest | BatchRequest | ProbeRequest) & { proof: string };

/** Frames of a call's answer. */
export type CallFrame = { o: string } | { e: string } | { x: number };

export type ForwardedCall = CallRequest['call'];

const hmac = (secret: string, side: 'server' | 'client', nonce: string) =>
  createHmac('sha256', secret).update(`aapi-${side}:${nonce}`).digest('base64url');

export const nonce = () => randomBytes(18).toString('base64url');

export function proofOf(secret: string, side: 'server' | 'client', theirNonce: string): string {
  return hmac(secret, side, theirNonce);
}

export function proves(secret: string, side: 'server' | 'client', myNonce: string, proof: unknown): boolean {
  if (typeof proof !== 'string') return false;
  const want = Buffer.from(hmac(secret, side, myNonce));
  const got = Buffer.from(proof);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A parsed line that is a JSON object, or undefined (`null`, an array, a number, garbage). */
export function objectOf(line: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return isObject(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits a stream into lines, each byte scanned once (a line arriving in many chunks is not
 * re-scanned from its start on every chunk), and refuses a line longer than `max`.
 */
export class LineReader {
  private buffer = '';
  private stopped = false;

  /** `onLines` gets the whole lines of each chunk together (a batch sends the requests of one chunk in one write). */
  constructor(
    private readonly onLines: (lines: string[]) => void,
    private readonly onTooLong: () => void,
    private readonly max = MAX_LINE,
  ) {}

  push(chunk: string): void {
    if (this.stopped) return;
    let from = this.buffer.length;
    let text = this.buffer + chunk;
    let start = 0;
    let nl: number;
    const lines: string[] = [];
    while ((nl = text.indexOf('\n', from)) >= 0) {
      if (nl - start > this.max) {
        if (lines.length) this.onLines(lines);
        return this.tooLong();
      }
      lines.push(text.slice(start, nl));
      start = from = nl + 1;
    }
    text = start === 0 ? text : text.slice(start);
    if (text.length > this.max) {
      if (lines.length) this.onLines(lines);
      return this.tooLong();
    }
    this.buffer = text;
    if (lines.length) this.onLines(lines);
  }

  /** Stops reading: nothing after this reaches onLine. */
  stop(): void {
    this.stopped = true;
    this.buffer = '';
  }

  private tooLong(): void {
    this.stop();
    this.onTooLong();
  }
}

/** One frame as its line. */
export const line = (frame: object): string => `${JSON.stringify(frame)}\n`;

// The environment a forwarded command may read. AAPI_PASSWORD goes only with the one verb that
// sends it (Authenticate), and only after the handshake; nothing else of the caller's goes over.
const FORWARDED_ENV = /^(AAPI_(?!PASSWORD$)|NO_COLOR$|FORCE_COLOR$|TERM$|COLUMNS$)/;

export function forwardedEnv(env: NodeJS.ProcessEnv, withPassword: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && FORWARDED_ENV.test(k)) out[k] = v;
  if (withPassword && env.AAPI_PASSWORD !== undefined) out.AAPI_PASSWORD = env.AAPI_PASSWORD;
  return out;
}
