import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { EXIT } from '../cli/exit.js';
import type { IO } from '../cli/io.js';
import type { Json } from '../protocol/codec.js';
import { AapiError, ConnectFailed } from '../session/errors.js';
import { EventLog } from '../session/event-log.js';
import { Session } from '../session/session.js';
import { accept } from './accept.js';
import type { DaemonContext, StartReport, StartRequest } from './context.js';
import { alive, dial, DialError, readLock, type LockRecord } from './dial.js';
import { profilePaths, type ProfilePaths } from './paths.js';
import { servePipe } from './pipe.js';
import { checkSocketPath, ensureRunDir } from './trust.js';
import { line, PROTOCOL, type CallRequest } from './wire.js';

// The per-profile daemon: it holds the authenticated session and runs the commands that callers
// forward over its socket, in-process, with their output streamed back.

type RunCommand = (argv: string[], io: IO, daemon: DaemonContext) => Promise<number>;

const log = (paths: ProfilePaths, text: string) => {
  try {
    writeFileSync(paths.log, `${new Date().toISOString()} ${text}\n`, { flag: 'a', mode: 0o600 });
  } catch {
    // the log is a courtesy
  }
};

const win = process.platform === 'win32';

/**
 * One daemon per profile: a lock file (0600, in the private run directory) recording its PID, a
 * random instance id, its socket and the handshake's secret. A lock whose process is gone, or whose
 * PID the system has since given to another process (no daemon of that instance answers), is stale
 * and taken over; one still logging in (not listening yet, before its deadline) is not.
 */
async function acquireLock(paths: ProfilePaths, record: LockRecord): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(paths.lock, 'wx', 0o600);
      writeSync(fd, JSON.stringify(record));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await stale(paths))) return false;
      rmSync(paths.lock, { force: true });
    }
  }
  return false;
}

async function stale(paths: ProfilePaths): Promise<boolean> {
  const lock = readLock(paths.lock);
  if (!lock) return true;
  if (lock.kind === 'old') return !alive(lock.pid);
  // Being written this very moment by another starter: not ours to take.
  if (lock.kind === 'unreadable') return Date.now() - statSync(paths.lock).mtimeMs > 5000;
  if (!alive(lock.record.pid)) return true;
  try {
    const socket = await dial(paths, { probe: true }, () => {});
    socket.destroy();
    return false;
  } catch (err) {
    const kind = err instanceof DialError ? err.failure.kind : 'dead';
    return kind === 'dead' || kind === 'untrusted';
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => (text += d));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

function readDevice(paths: ProfilePaths): string | undefined {
  try {
    return (JSON.parse(readFileSync(paths.device, 'utf8')) as { deviceId?: string }).deviceId;
  } catch {
    return undefined;
  }
}

/** Entry point of `aapi __daemon PROFILE`: stdin carries the StartRequest, fd 3 takes the StartReport. */
export async function runDaemon(profile: string, runCommand: RunCommand): Promise<never> {
  const paths = profilePaths(profile);
  let reported = false;
  const report = (r: StartReport) => {
    if (reported) return;
    reported = true;
    try {
      writeSync(3, `${JSON.stringify(r)}\n`);
      closeSync(3);
    } catch {
      // the starter went away; the daemon carries on, or exits, regardless
    }
  };
  let req: StartRequest;
  try {
    req = JSON.parse(await readStdin()) as StartRequest;
  } catch {
    report({ ok: false, exitCode: EXIT.usage, error: 'the daemon was started without its request' });
    process.exit(EXIT.usage);
  }
  try {
    ensureRunDir(paths.runDir);
    checkSocketPath(paths.socket);
  } catch (err) {
    report({ ok: false, exitCode: EXIT.connection, error: (err as Error).message });
    process.exit(EXIT.connection);
  }
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  // Windows: a pipe name nobody can guess, per start, so a squatter cannot be there first.
  const record: LockRecord = {
    v: PROTOCOL, pid: process.pid, instance: randomBytes(12).toString('hex'),
    socket: win ? `\\\\.\\pipe\\aapi-${randomBytes(16).toString('hex')}` : paths.socket,
    secret: randomBytes(32).toString('base64url'),
    startBy: Date.now() + (req.timeoutMs ?? 30_000) + 10_000,
  };
  if (!(await acquireLock(paths, record))) {
    report({ ok: false, exitCode: EXIT.usage, error: `profile ${profile} already has a session`, running: true });
    process.exit(0);
  }
  // The lock goes first: from then on no client takes this daemon for alive. A named pipe is no file
  // to remove (it goes with its server); a Unix socket is, once we are sure it is one.
  const removeSocket = () => {
    if (win) return;
    try {
      if (lstatSync(paths.socket).isSocket()) rmSync(paths.socket, { force: true });
    } catch {
      // already gone
    }
  };
  const cleanup = () => {
    rmSync(paths.lock, { force: true });
    removeSocket();
  };
  // Holding the lock, any socket left here is a dead daemon's (kill -9 leaves it behind).
  removeSocket();
  rmSync(paths.lastExit, { force: true });
  const eventLog = new EventLog(paths.events);
  let session: Session;
  try {
    session = await Session.open({
      url: req.url, agent: req.agent, password: req.password, extension: req.extension,
      tenant: req.tenant, campaign: req.campaign, secondFactor: req.secondFactor, storeDevice: req.storeDevice,
      deviceId: readDevice(paths), insecure: req.insecure, timeoutMs: req.timeoutMs, keepAliveMs: req.keepAliveMs,
      record: (event) => void eventLog.append(event),
    });
  } catch (err) {
    cleanup();
    const e = err as Error;
    const aapi = e instanceof AapiError ? e : undefined;
    report({
      ok: false,
      exitCode: aapi && !aapi.isAuthFailure ? EXIT.failed : EXIT.connection,
      error: e.message,
      hint: aapi?.hint ?? (e instanceof ConnectFailed ? 'is the server running? `aapi sim` starts a local one' : undefined),
    });
    process.exit(aapi && !aapi.isAuthFailure ? EXIT.failed : EXIT.connection);
  }
  req.password = '';
  if (session.deviceId) writeFileSync(paths.device, JSON.stringify({ deviceId: session.deviceId }), { mode: 0o600 });
  log(paths, `session ${session.sid} open for agent ${req.agent} on ${req.url}`);

  let server: Server;
  let finishing = false;
  /** Why the daemon is on its way out at the user's request: NowLoggedOff is then expected. */
  let leaving: string | null = null;
  const finish = async (why: string, code: number) => {
    if (finishing) return;
    finishing = true;
    log(paths, `ending: ${why}`);
    writeFileSync(paths.lastExit, JSON.stringify({ time: new Date().toISOString(), why }), { mode: 0o600 });
    session.close();
    cleanup();
    server?.close();
    setTimeout(() => process.exit(code), 50).unref();
  };

  const daemon: DaemonContext = {
    profile, paths, session, log: eventLog, waitMark: eventLog.lastSeq,
    shutdown: async (why, logoff) => {
      leaving = why;
      if (logoff) await session.logoff().catch(() => {});
      // The caller's answer goes out first; the daemon ends just after.
      setTimeout(() => void finish(why, 0), 20);
    },
  };
  session.on('reconnecting', ({ attempt, delayMs }) => log(paths, `connection lost; reconnecting (attempt ${attempt}, in ${delayMs} ms)`));
  session.on('reconnected', ({ sid }) => log(paths, `reconnected: session ${sid}`));
  session.on('event', (ev: Json) => {
    if (ev.event === 'NowLoggedOff' && !leaving) void finish('the server logged the agent off (NowLoggedOff)', 0);
  });
  session.on('closed', (reason) => {
    if (reason) void finish(`the session ended: ${reason.message}`, EXIT.connection);
  });

  const fault = (err: unknown) => log(paths, `fault: ${(err as Error)?.stack ?? String(err)}`);
  server = createServer((socket) =>
    accept(socket, record.secret, record.instance, {
      call: (call, sock) => serveCall(sock, call, daemon, runCommand),
      pipe: (p, sock) => servePipe(sock, daemon, p.timeoutMs, p.events === true),
    }, fault),
  );
  server.on('error', fault);
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(record.socket, () => resolve());
    });
  } catch (err) {
    cleanup();
    session.close();
    report({ ok: false, exitCode: EXIT.connection, error: `cannot listen on ${record.socket}: ${(err as Error).message}` });
    process.exit(EXIT.connection);
  } finally {
    process.umask(previous);
  }
  if (!win) chmodSync(paths.socket, 0o600);
  report({ ok: true, sid: session.sid, agent: req.agent, server: req.url });
  process.on('SIGTERM', () => void finish('stopped (SIGTERM)', 0));
  process.on('SIGINT', () => void finish('stopped (SIGINT)', 0));
  return new Promise<never>(() => {});
}

/** Runs one forwarded command line with its output streamed back as frames. */
function serveCall(socket: Socket, call: CallRequest['call'], daemon: DaemonContext, runCommand: RunCommand): void {
  let gone!: () => void;
  const interrupted = new Promise<void>((resolve) => (gone = resolve));
  socket.on('error', () => gone());
  socket.on('close', () => gone());
  const frame = (f: Json) => {
    if (!socket.destroyed) socket.write(line(f));
  };
  const stream = (key: 'o' | 'e') =>
    new Writable({
      write(chunk, _enc, done) {
        frame({ [key]: chunk.toString() });
        done();
      },
    });
  const stdin = new PassThrough();
  stdin.end();
  const io: IO = { stdout: stream('o'), stderr: stream('e'), stdin, env: call.env, tty: call.tty, interrupted };
  runCommand(call.argv, io, daemon)
    .catch(() => EXIT.failed)
    .then((code) => {
      frame({ x: code });
      socket.end();
    });
}
