import type { Json } from '../protocol/codec.js';
import { dial, DialError } from './dial.js';
import type { ProfilePaths } from './paths.js';
import type { ForwardedCall } from './wire.js';

// The caller's side of a forwarded command line. Kept to built-in modules so the thin client starts fast.

export type Forwarded = number | 'absent' | DialError;

/**
 * Runs a command line in the profile's daemon, its output streamed back; resolves with the exit code,
 * 'absent' when there is no session (or only a dead daemon's lock), or the DialError that says why
 * the daemon there cannot be used.
 */
export async function forward(paths: ProfilePaths, call: ForwardedCall, out: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<Forwarded> {
  let code: number | undefined;
  let local = false;
  const onFrame = (f: Json) => {
    // The server handed the command back: it is one that runs in the caller's own process.
    if (f.local === true) local = true;
    if (typeof f.o === 'string') out.stdout(f.o);
    if (typeof f.e === 'string') out.stderr(f.e);
    if (typeof f.x === 'number') code = f.x;
    // Refused after the handshake: the request itself was bad (a command line over the line limit).
    if (typeof f.refused === 'string' && code === undefined) {
      out.stderr(`aapi: the session server refused this command: ${f.refused}\n`);
      code = 2;
    }
  };
  let socket;
  try {
    socket = await dial(paths, { profile: paths.profile, call }, onFrame);
  } catch (err) {
    if (!(err instanceof DialError)) throw err;
    return err.failure.kind === 'absent' || err.failure.kind === 'dead' ? 'absent' : err;
  }
  return new Promise((resolve) => {
    socket.on('error', () => {});
    socket.on('close', () => resolve(local ? 'absent' : (code ?? 3)));
  });
}
