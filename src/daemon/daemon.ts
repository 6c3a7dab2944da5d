import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { OutputWriteError } from '../batch/output.js';
import { EXIT } from '../util/exit.js';
import type { IO } from '../util/io.js';
import type { Json } from '../protocol/codec.js';
import { AapiError, ConnectFailed } from '../session/errors.js';
import { EventLog } from '../session/event-log.js';
import { Session } from '../session/session.js';
import { accept } from './accept.js';
import { RUN_LOCALLY, type DaemonContext, type ServerControl, type StartReport, type StartSession } from './context.js';
import { alive, dial, DialError, readLock, type LockRecord } from './dial.js';
import { profilePaths, type ProfilePaths } from './paths.js';
import { Jobs, SessionLane } from './jobs.js';
import { servePipe } from './pipe.js';
import { checkSocketPath, ensureRunDir } from './trust.js';
import { line, PROTOCOL, type BatchRequest, type CallRequest } from './wire.js';

// The session server: one process per user (per AAPI_HOME) holding every profile's session, as
// tmux's server holds every session. The first `aapi login` starts it; later logins add a session
// over its socket; it runs the commands that callers forward, in-process, with their output streamed
// back; it ends when its last session does. One profile's failure ends that profile only.

type RunCommand = (argv: string[], io: IO, daemon: DaemonContext | undefined, server: ServerControl) => Promise<number>;

const win = process.platform === 'win32';

const append = (file: string, text: string) => {
  try {
    writeFileSync(file, `${new Date().toISOString()} ${text}\n`, { flag: 'a', mode: 0o600 });
  } catch {
    // the log is a courtesy
  }
};

/**
 * One server: a lock file (0600, in the private run directory) recording its PID, a random instance
 * id, its socket and the handshake's secret. A lock whose process is gone, or whose PID the system
 * has since given to another process (no server of that instance answers), is stale and taken over;
 * one still starting (not listening yet, before its deadline) is not.
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

/** The dialler a URL names, as the server compares them: its host resolved, and its port. */
async function diallerOf(url: string): Promise<string> {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'wss:' ? '443' : '80');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  try {
    // ::ffff:127.0.0.1 is 127.0.0.1 by another name.
    return `${(await lookup(host)).address.replace(/^::ffff:/i, '')}:${port}`;
  } catch {
    return `${host.toLowerCase()}:${port}`;
  }
}

/** Entry point of `aapi __server PROFILE`: stdin carries the first profile's start, fd 3 takes its report. */
export async function runServer(first: string, runCommand: RunCommand): Promise<never> {
  const paths = profilePaths(first);
  const log = (text: string) => append(paths.serverLog, text);
  let reported = false;
  /** Whether the first login heard the report: false when it went away (Ctrl-C, its timeout) before. */
  const report = (r: StartReport): boolean => {
    if (reported) return true;
    reported = true;
    try {
      writeSync(3, `${JSON.stringify(r)}\n`);
      closeSync(3);
      return true;
    } catch {
      return false;
    }
  };
  let req: StartSession;
  try {
    req = JSON.parse(await readStdin()) as StartSession;
  } catch {
    report({ ok: false, exitCode: EXIT.usage, error: 'the session server was started without its request' });
    process.exit(EXIT.usage);
  }
  try {
    ensureRunDir(paths.runDir);
    checkSocketPath(paths.socket);
  } catch (err) {
    report({ ok: false, exitCode: EXIT.connection, error: (err as Error).message });
    process.exit(EXIT.connection);
  }
  // Windows: a pipe name nobody can guess, per start, so a squatter cannot be there first.
  const record: LockRecord = {
    v: PROTOCOL, pid: process.pid, instance: randomBytes(12).toString('hex'),
    socket: win ? `\\\\.\\pipe\\aapi-${randomBytes(16).toString('hex')}` : paths.socket,
    secret: randomBytes(32).toString('base64url'),
    startBy: Date.now() + (req.timeoutMs ?? 30_000) + 10_000,
  };
  if (!(await acquireLock(paths, record))) {
    report({ ok: false, exitCode: EXIT.usage, error: 'a session server is already running', running: true });
    process.exit(EXIT.ok);
  }
  // The lock goes first: from then on no client takes this server for alive. A named pipe is no file
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
  // Holding the lock, any socket left here is a dead server's (kill -9 leaves it behind).
  removeSocket();
  const fault = (err: unknown) => log(`fault: ${(err as Error)?.stack ?? String(err)}`);
  // A bug in one session's handling is logged, never the end of every other session.
  process.on('uncaughtException', fault);
  process.on('unhandledRejection', fault);

  const profiles = new Map<string, DaemonContext>();
  /** Profiles being logged in, by name: a second start of one waits for nothing, it is refused. */
  const starting = new Map<string, { agent: string; dialler: string }>();
  let server: Server | undefined;
  let ending = false;
  const endServer = (why: string) => {
    if (ending) return;
    ending = true;
    log(`ending: ${why}`);
    cleanup();
    server?.close();
    setTimeout(() => process.exit(EXIT.ok), 50).unref();
  };

  /** Ends the server when it holds no session and none is being opened: it lives for its sessions. */
  const endIfEmpty = (why: string) => {
    if (profiles.size === 0 && starting.size === 0) endServer(why);
  };

  async function start(name: string, r: StartSession): Promise<StartReport> {
    if (ending) return { ok: false, exitCode: EXIT.connection, error: 'the session server is ending: log in again' };
    if (profiles.has(name) || starting.has(name)) return { ok: false, exitCode: EXIT.usage, error: `profile ${name} already has a session`, running: true };
    // Reserved before anything is awaited: a second start of this profile meanwhile is refused.
    starting.set(name, { agent: r.agent, dialler: '' });
    try {
      return await open(name, r);
    } catch (err) {
      fault(err);
      return { ok: false, exitCode: EXIT.failed, error: `the session could not be opened: ${(err as Error).message}` };
    } finally {
      starting.delete(name);
      endIfEmpty(`no session left (profile ${name} did not start)`);
    }
  }

  async function open(name: string, r: StartSession): Promise<StartReport> {
    const p = profilePaths(name);
    const dialler = await diallerOf(r.url);
    starting.set(name, { agent: r.agent, dialler });
    // One agent in two profiles would steal the dialler's line from itself on every request.
    for (const [other, d] of [...[...profiles].map(([k, v]) => [k, { agent: v.session.agent, dialler: (v as Held).dialler }] as const), ...starting]) {
      if (other !== name && d.agent === r.agent && d.dialler === dialler) {
        return { ok: false, exitCode: EXIT.usage, error: `agent ${r.agent} is already logged in on ${r.url} under profile ${other}: one agent, one profile (\`aapi logout --profile ${other}\` first)` };
      }
    }
    mkdirSync(p.stateDir, { recursive: true, mode: 0o700 });
    rmSync(p.lastExit, { force: true });
    const eventLog = new EventLog(p.events);
    let session: Session;
    try {
      session = await Session.open({
        url: r.url, agent: r.agent, password: r.password, extension: r.extension,
        tenant: r.tenant, campaign: r.campaign, secondFactor: r.secondFactor, storeDevice: r.storeDevice,
        deviceId: readDevice(p), insecure: r.insecure, ca: r.ca, timeoutMs: r.timeoutMs, keepAliveMs: r.keepAliveMs,
        record: (event) => void eventLog.append(event),
      });
    } catch (err) {
      const e = err as Error;
      const aapi = e instanceof AapiError ? e : undefined;
      return {
        ok: false,
        exitCode: aapi && !aapi.isAuthFailure ? EXIT.failed : EXIT.connection,
        error: e.message,
        hint: aapi?.hint ?? (e instanceof ConnectFailed ? e.hint : undefined),
      };
    } finally {
      r.password = '';
    }
    if (ending) {
      session.close();
      return { ok: false, exitCode: EXIT.connection, error: 'the session server is ending: log in again' };
    }
    if (session.deviceId) writeFileSync(p.device, JSON.stringify({ deviceId: session.deviceId }), { mode: 0o600 });
    const plog = (text: string) => append(p.log, text);
    plog(`session ${session.sid} open for agent ${r.agent} on ${r.url}`);

    let finished = false;
    let ended!: () => void;
    const endedP = new Promise<void>((r) => (ended = r));
    /** Why the profile is on its way out at the user's request: NowLoggedOff is then expected. */
    let leaving: string | null = null;
    const finish = (why: string) => {
      if (finished) return;
      finished = true;
      plog(`ending: ${why}`);
      writeFileSync(p.lastExit, JSON.stringify({ time: new Date().toISOString(), why }), { mode: 0o600 });
      session.close();
      ended();
      if (profiles.get(name) === ctx) profiles.delete(name);
      endIfEmpty(`the last session ended (profile ${name}: ${why})`);
    };
    const ctx: Held = {
      profile: name, paths: p, session, log: eventLog, waitMark: eventLog.lastSeq, dialler, ended: endedP,
      connection: { state: 'connected', since: new Date().toISOString() },
      shutdown: async (why, logoff) => {
        leaving = why;
        if (logoff) await session.logoff().catch(() => {});
        // The caller's answer goes out first; the profile ends just after.
        setTimeout(() => finish(why), 20);
      },
    };
    session.on('reconnecting', ({ attempt, delayMs, reason }) => {
      const since = ctx.connection.state === 'reconnecting' ? ctx.connection.since : new Date().toISOString();
      ctx.connection = { state: 'reconnecting', since, attempts: attempt, lastError: reason };
      plog(`connection lost; reconnecting (attempt ${attempt}, in ${delayMs} ms)`);
    });
    session.on('reconnected', ({ sid }) => {
      ctx.connection = { state: 'connected', since: new Date().toISOString() };
      plog(`reconnected: session ${sid} (authenticated again)`);
    });
    session.on('reauthenticated', ({ sid }) => plog(`the SID was no longer valid (198): authenticated again, session ${sid}`));
    session.on('event', (ev: Json) => {
      if (ev.event === 'NowLoggedOff' && !leaving) finish('the server logged the agent off (NowLoggedOff)');
    });
    session.on('closed', (reason) => {
      if (reason) finish(`the session ended: ${reason.message}`);
    });
    profiles.set(name, ctx);
    return { ok: true, sid: session.sid, agent: r.agent, server: r.url };
  }

  const jobs = new Jobs();
  const control: ServerControl = {
    pid: process.pid,
    jobs,
    profiles: () => [...profiles.values()],
    logoutAll: async (why) => {
      const names = [...profiles.keys()];
      await Promise.all([...profiles.values()].map((d) => d.shutdown(why, true)));
      // Nothing to wait for (no session, or only ones still being opened): the server ends all the same.
      if (names.length === 0) setTimeout(() => endServer(why), 20);
      return names;
    },
  };

  /**
   * A login whose caller went away before hearing its answer (Ctrl-C, its own timeout): the user was
   * told it did not happen, so the session it opened is logged off again.
   */
  const abandoned = (name: string, rep: StartReport) => {
    if (!rep.ok) return;
    log(`profile ${name}: its login was abandoned by its caller; logging off`);
    void profiles.get(name)?.shutdown('login cancelled by its caller (Ctrl-C or its timeout)', true);
  };

  server = createServer((socket) =>
    accept(socket, record.secret, record.instance, {
      call: (profile, call, sock) => serveCall(sock, call, profiles.get(profile), control, runCommand),
      pipe: (profile, p, sock) => {
        const d = profiles.get(profile);
        if (!d) {
          sock.end(line({ refused: 'no session', profile }));
          return () => {};
        }
        return servePipe(sock, d, p.timeoutMs, p.events === true);
      },
      batch: (_profile, spec, sock) => serveBatch(sock, spec, profiles, jobs, fault),
      start: (profile, r, sock) => {
        let gone = false;
        sock.on('close', () => (gone = true));
        void start(profile, r).then((rep) => {
          if (gone) return abandoned(profile, rep);
          sock.end(line({ report: rep }));
        }, (err) => {
          fault(err);
          sock.end(line({ report: { ok: false, exitCode: EXIT.failed, error: (err as Error).message } }));
        });
      },
    }, fault),
  );
  server.on('error', fault);
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(record.socket, () => resolve());
    });
  } catch (err) {
    cleanup();
    report({ ok: false, exitCode: EXIT.connection, error: `cannot listen on ${record.socket}: ${(err as Error).message}` });
    process.exit(EXIT.connection);
  } finally {
    process.umask(previous);
  }
  if (!win) chmodSync(paths.socket, 0o600);
  log(`started (PID ${process.pid}) for profile ${first}`);
  // Listening before the first session is open: a second login meanwhile finds the server, not a
  // lock without a socket, and opens its own session beside this one.
  const firstReport = await start(first, req);
  if (!report(firstReport)) abandoned(first, firstReport);
  if (!firstReport.ok) {
    cleanup();
    process.exit(firstReport.exitCode);
  }
  // A Windows server has no console: these never reach it there, and logout is its clean end.
  process.on('SIGTERM', () => void control.logoutAll('stopped (SIGTERM)'));
  process.on('SIGINT', () => void control.logoutAll('stopped (SIGINT)'));
  return new Promise<never>(() => {});
}

/** A profile's context as the server keeps it: with the dialler it is logged in on. */
interface Held extends DaemonContext {
  dialler: string;
}

/** Runs one forwarded command line with its output streamed back as frames. */
function serveCall(socket: Socket, call: CallRequest['call'], daemon: DaemonContext | undefined, control: ServerControl, runCommand: RunCommand): void {
  let gone!: () => void;
  const interrupted = new Promise<void>((resolve) => (gone = resolve));
  socket.on('error', () => gone());
  socket.on('close', () => gone());
  // The profile's session ending (logout, NowLoggedOff) stops its commands as their caller going would.
  void daemon?.ended.then(() => gone());
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
  runCommand(call.argv, io, daemon, control)
    .catch(() => EXIT.failed)
    .then((code) => {
      frame(code === RUN_LOCALLY ? { local: true } : { x: code });
      socket.end();
    });
}

/** Throttles a job's progress frames to its watcher: ten a second are plenty for a progress bar. */
const PROGRESS_MS = 100;

/** Starts a batch job on the named profiles' sessions; streams its progress and end unless detached. */
function serveBatch(socket: Socket, spec: BatchRequest['batch'], profiles: Map<string, DaemonContext>, jobs: Jobs, fault: (err: unknown) => void): (lines: string[]) => void {
  const missing = spec.profiles.find((p) => !profiles.has(p));
  if (missing) {
    socket.end(line({ failed: { message: `no session for profile ${missing}: run \`aapi login${missing === 'default' ? '' : ` --profile ${missing}`}\``, exitCode: EXIT.connection } }));
    return () => {};
  }
  // Two jobs writing one output would each resend what the other sent: one at a time.
  const busy = jobs.list().find((j) => j.state === 'running' && j.spec.output === spec.output);
  if (busy) {
    socket.end(line({ failed: { message: `job ${busy.id} is writing ${spec.output}: wait for it (\`aapi jobs wait ${busy.id}\`) or stop it first`, exitCode: EXIT.usage } }));
    return () => {};
  }
  const { detach, ...jobSpec } = spec;
  const lanes = spec.profiles.map((p) => new SessionLane(p, profiles.get(p)!.session, spec.timeoutMs, spec.maxFrameBytes));
  const job = jobs.start(jobSpec, lanes, (err) => {
    if (err instanceof OutputWriteError) return { message: `${err.message}; what it holds is kept: --resume carries on`, exitCode: EXIT.failed };
    fault(err);
    return { message: `the job failed: ${(err as Error).message}`, exitCode: EXIT.failed };
  });
  socket.write(line({ accepted: job.id }));
  if (detach) {
    socket.end();
    return () => {};
  }
  let last = 0;
  const stopWatching = job.watch(() => {
    if (job.state === 'running') {
      const now = performance.now();
      if (now - last < PROGRESS_MS) return;
      last = now;
      if (!socket.destroyed) socket.write(line({ progress: job.summary }));
      return;
    }
    stopWatching();
    socket.end(line(job.state === 'done' ? { done: job.result } : { failed: job.error }));
  });
  // The client gone (closed, killed): the job stops as Ctrl-C would stop it; nothing answered is lost.
  socket.on('close', () => {
    if (job.state === 'running') job.stop();
  });
  return (lines) => {
    try {
      if (lines.some((l) => /"stop":true/.test(l))) job.stop();
    } catch (err) {
      fault(err);
    }
  };
}
