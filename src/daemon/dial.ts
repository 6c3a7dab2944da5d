import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Json } from '../protocol/codec.js';
import type { ProfilePaths } from './paths.js';
import { checkRunDir, checkSocket, Untrusted } from './trust.js';
import { HANDSHAKE_MS, LineReader, line, nonce, objectOf, PROTOCOL, proofOf, proves, type Request } from './wire.js';

// The client's way to a session daemon: the lock file says which socket (a random pipe name on
// Windows) and holds the shared secret; the run directory and the socket are checked before
// connecting; then the handshake, both ways, before the request goes out. Kept to built-in modules.

/** What the daemon's lock file records (written 0600 in the private run directory). */
export interface LockRecord {
  v: number;
  pid: number;
  /** Random per start: a PID the system gave to another process since is never mistaken for the daemon. */
  instance: string;
  socket: string;
  secret: string;
  /** Until when a daemon that is not listening yet is still starting (logging in), in epoch ms. */
  startBy: number;
}

export type Lock = { kind: 'record'; record: LockRecord } | { kind: 'old'; pid: number } | { kind: 'unreadable' };

/** The lock as found: undefined when there is none; `old` is a daemon of the design before the handshake (its PID alone). */
export function readLock(path: string): Lock | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (/^\d+$/.test(text.trim())) return { kind: 'old', pid: Number(text) };
  const r = objectOf(text) as Partial<LockRecord> | undefined;
  if (r && typeof r.pid === 'number' && typeof r.secret === 'string' && typeof r.socket === 'string' && typeof r.instance === 'string') {
    return { kind: 'record', record: r as LockRecord };
  }
  return { kind: 'unreadable' };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/** A process that has exited but not been reaped by its parent still answers kill(0) on Linux. */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself hold any character.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Why no daemon could be reached; `absent` means there is simply no session for the profile. */
export type DialFailure =
  | { kind: 'absent' }
  | { kind: 'starting'; pid: number }
  | { kind: 'dead'; pid: number }
  | { kind: 'old'; pid: number }
  | { kind: 'version'; pid: number; v: number | undefined }
  | { kind: 'untrusted'; message: string };

export class DialError extends Error {
  constructor(readonly failure: DialFailure) {
    super(describe(failure));
  }
}

function describe(f: DialFailure): string {
  switch (f.kind) {
    case 'absent': return 'no session';
    case 'starting': return `the session daemon (PID ${f.pid}) is still logging in: try again in a moment`;
    case 'dead': return `the session daemon (PID ${f.pid}) is gone (killed, or it crashed): log in again`;
    case 'old': return `an older aapi's session daemon (PID ${f.pid}) holds this profile: end it (\`kill ${f.pid}\`), then log in again`;
    case 'version': return `the session daemon (PID ${f.pid}) speaks protocol ${f.v ?? 'unknown'}, this aapi speaks ${PROTOCOL} (an upgrade while it ran): end it (\`kill ${f.pid}\`), then log in again`;
    case 'untrusted': return f.message;
  }
}

/** Not listening (yet, or any more): starting while its deadline has not passed and its process lives. */
const notListening = (r: LockRecord): DialFailure => (alive(r.pid) && Date.now() < r.startBy ? { kind: 'starting', pid: r.pid } : { kind: 'dead', pid: r.pid });

/**
 * Connects to the profile's daemon, proves both ways that each side knows the secret, sends the
 * request and hands every later line to `onFrame`. Rejects with DialError; never sends anything
 * but a nonce to a socket that has not proved itself.
 */
export function dial(paths: ProfilePaths, request: Omit<Request, 'proof'>, onFrame: (frame: Json) => void): Promise<Socket> {
  let lock: Lock;
  try {
    lock = readLockChecked(paths);
  } catch (err) {
    return Promise.reject(err);
  }
  if (lock.kind !== 'record') return Promise.reject(new DialError(lock.kind === 'old' ? { kind: 'old', pid: lock.pid } : { kind: 'absent' }));
  const r = lock.record;
  try {
    if (process.platform !== 'win32' && r.socket !== paths.socket) throw new Untrusted(`refusing the lock ${paths.lock}: it names a socket outside the session directory`);
    if (!checkSocket(r.socket)) return Promise.reject(new DialError(notListening(r)));
  } catch (err) {
    return Promise.reject(err instanceof Untrusted ? new DialError({ kind: 'untrusted', message: err.message }) : err);
  }
  return new Promise((resolve, reject) => {
    const socket = connect(r.socket);
    const mine = nonce();
    let welcomed = false;
    const fail = (f: DialFailure) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new DialError(f));
    };
    const timer = setTimeout(() => fail({ kind: 'untrusted', message: `${r.socket} did not answer the handshake within ${HANDSHAKE_MS} ms` }), HANDSHAKE_MS);
    const onLine = (text: string) => {
        const frame = objectOf(text);
        if (welcomed) {
          if (frame) onFrame(frame);
          return;
        }
        if (!frame) return fail({ kind: 'untrusted', message: `${r.socket} answered something that is not aapi's session daemon` });
        if (frame.refused !== undefined || (frame.welcome === 'aapi' && frame.v !== PROTOCOL)) {
          return fail(frame.refused === 'version' || frame.v !== PROTOCOL ? { kind: 'version', pid: r.pid, v: frame.v as number | undefined } : { kind: 'untrusted', message: `the session daemon refused this client: ${String(frame.refused)}` });
        }
        if (frame.welcome !== 'aapi' || frame.instance !== r.instance || !proves(r.secret, 'server', mine, frame.proof)) {
          return fail({ kind: 'untrusted', message: `${r.socket} could not prove it is this profile's session daemon: nothing was sent to it` });
        }
        welcomed = true;
        clearTimeout(timer);
        socket.write(line({ ...request, proof: proofOf(r.secret, 'client', String(frame.nonce)) }));
        resolve(socket);
    };
    const reader = new LineReader(
      (lines) => {
        for (const l of lines) onLine(l);
      },
      () => fail({ kind: 'untrusted', message: `${r.socket} sent a line longer than aapi's limit` }),
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => reader.push(chunk));
    socket.once('connect', () => socket.write(line({ hello: 'aapi', v: PROTOCOL, nonce: mine })));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (welcomed) return;
      fail(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? notListening(r) : { kind: 'dead', pid: r.pid });
    });
    socket.on('close', () => {
      if (!welcomed) fail({ kind: 'untrusted', message: `${r.socket} closed the connection during the handshake` });
    });
  });
}

/** The lock, after the run directory it sits in has been checked; `unreadable` when there is no session. */
export function readLockChecked(paths: ProfilePaths): Lock {
  try {
    if (!checkRunDir(paths.runDir)) return { kind: 'unreadable' };
  } catch (err) {
    if (err instanceof Untrusted) throw new DialError({ kind: 'untrusted', message: err.message });
    throw err;
  }
  const lock = readLock(paths.lock);
  if (lock) return lock;
  // No server: perhaps a daemon of the design before it, one per profile, still running (where
  // /proc tells, only a process that is one: a PID the system gave away since is none of ours).
  const old = readLock(paths.oldLock);
  if (old?.kind === 'old' && alive(old.pid) && isOldDaemon(old.pid)) return old;
  return { kind: 'unreadable' };
}

/** Whether `pid` runs an aapi daemon of the design before the one server; true where that cannot be told. */
function isOldDaemon(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('__daemon');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self');
  }
}
