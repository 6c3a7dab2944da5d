import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { StartReport, StartSession } from '../../daemon/context.js';
import { dial, DialError } from '../../daemon/dial.js';
import { forward } from '../../daemon/forward.js';
import { PROFILE_NAME, profilePaths, type ProfilePaths } from '../../daemon/paths.js';
import { readCa } from '../ca.js';
import { CliError, EXIT, usageError } from '../../util/exit.js';
import type { IO } from '../../util/io.js';
import { PASSWORD_WAYS, readPassword, refusePasswordFlag } from '../password.js';
import type { CommandEnv } from '../main.js';
import { MAX_DURATION_MS } from '../../util/duration.js';

export interface LoginArgs {
  server?: string;
  agent?: string;
  extension?: string;
  tenant?: string;
  campaign?: string;
  secondFactor?: string;
  storeDevice?: number;
  passwordStdin?: boolean;
  password?: string;
  insecure?: boolean;
  /** --ca FILE. */
  ca?: string;
}

/** The simulator's default address: what a new user without a dialler talks to. */
export const DEFAULT_SERVER = 'ws://127.0.0.1:8787';

/** The password, or exit 2 naming the ways to give one. */
async function password(args: LoginArgs, io: IO): Promise<string> {
  refusePasswordFlag(args.password);
  const given = await readPassword(args.passwordStdin === true, io);
  if (given === undefined) throw usageError(`no password: ${PASSWORD_WAYS}`);
  return given;
}

function readReport(pipe: Readable, ms: number): Promise<StartReport | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(undefined), ms);
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(text.slice(0, nl)) as StartReport);
        } catch {
          resolve(undefined);
        }
      }
    });
    pipe.on('end', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

/** The running daemon's `status --json`, or undefined when none answers. */
async function existing(env: CommandEnv): Promise<{ agent: string; SID: number } | undefined> {
  let out = '';
  const code = await forward(
    profilePaths(env.profile, env.io.env),
    { argv: ['status', '--json', '--profile', env.profile], env: {}, cwd: process.cwd(), tty: { stdin: false, stdout: false, stderr: false } },
    { stdout: (s) => (out += s), stderr: () => {} },
  );
  // A daemon that cannot be used (another version, one that cannot prove itself): say why, start none.
  if (code instanceof DialError) throw new CliError(code.message, EXIT.connection);
  if (code !== EXIT.ok) return undefined;
  try {
    return JSON.parse(out) as { agent: string; SID: number };
  } catch {
    return undefined;
  }
}

// The server lives long: with the optimising compiler (no --lite-mode) a batch job inside it runs at
// full speed; a small young generation keeps its resident memory low, and --expose-gc lets it collect
// a job's garbage when the job ends (after a 100,000-row job: 87 -> 70 MB, bench/batch).
// AAPI_DAEMON_NODE_OPTIONS replaces these flags.
export const daemonNodeFlags = (env: NodeJS.ProcessEnv) =>
  quietV8(env.AAPI_DAEMON_NODE_OPTIONS !== undefined ? env.AAPI_DAEMON_NODE_OPTIONS.split(/\s+/).filter(Boolean) : ['--max-semi-space-size=1', '--expose-gc']);

/**
 * V8 turns WebAssembly off under --jitless and --lite-mode, and says so on stderr (the server's log,
 * before any line of ours); turned off in the first place, it is turned off silently.
 */
const quietV8 = (flags: string[]) => (flags.some((f) => /^--(jitless|lite[-_]mode)$/.test(f)) ? [...flags, '--no-expose-wasm'] : flags);

/** Set by scripts/build-exe.mjs in the bundle of the standalone executables (Node SEA). */
declare const __AAPI_SEA__: boolean | undefined;

/** The program and arguments that run this CLI again (a script under node, or a standalone executable). */
function self(io: IO): [string, string[]] {
  // A standalone executable is the whole CLI and takes no node flags; its argv[1] is not a script
  // (Node sets it to argv[0] as typed, which may be a bare name found on PATH).
  if (typeof __AAPI_SEA__ !== 'undefined' && __AAPI_SEA__) return [process.execPath, []];
  const entry = io.env.AAPI_ENTRY ?? process.argv[1];
  return entry && entry !== process.execPath ? [process.execPath, [...daemonNodeFlags(io.env), entry]] : [process.execPath, []];
}

export async function login(args: LoginArgs, env: CommandEnv): Promise<number> {
  const { io, profile } = env;
  if (!PROFILE_NAME.test(profile)) throw usageError(`profile names are letters, digits, ".", "_" and "-", got ${JSON.stringify(profile)}`);
  const agent = args.agent ?? io.env.AAPI_AGENT;
  if (!agent) throw usageError('no agent: give --agent or set AAPI_AGENT');
  if (!!args.tenant !== !!args.campaign) throw usageError('--tenant and --campaign go together');
  const server = args.server ?? io.env.AAPI_SERVER ?? DEFAULT_SERVER;
  if (!/^wss?:\/\//.test(server)) {
    // The simulator prints its control URL (http://) right under its WebSocket URL.
    const hint = /^https?:\/\//.test(server) ? 'the simulator\'s second line is its control URL: --server takes its first line, the ws:// URL' : undefined;
    throw new CliError(`--server must be a ws:// or wss:// URL, got ${JSON.stringify(server)}`, EXIT.usage, hint);
  }
  const ca = readCa(args.ca, io);

  const running = await existing(env);
  if (running) {
    if (running.agent !== agent) throw usageError(`profile ${profile} is logged in as ${running.agent}: \`aapi logout\` first, or use --profile`);
    return printSid(env, running.SID);
  }

  const request: StartSession = {
    url: server, agent, password: await password(args, io),
    extension: args.extension ?? io.env.AAPI_EXTENSION ?? '',
    tenant: args.tenant, campaign: args.campaign, secondFactor: args.secondFactor, storeDevice: args.storeDevice,
    insecure: args.insecure, ca, timeoutMs: env.timeoutMs,
  };
  const paths = profilePaths(profile, io.env);
  const report = (await startInServer(paths, request, io.interrupted)) ?? (await startServer(paths, request, io, env.timeoutMs));
  // Ctrl-C: the server hears this login go away before its answer, and logs the session off again.
  if (report === 'interrupted') throw new CliError(`login cancelled: profile ${profile} is not logged in`, EXIT.interrupted);
  if (!report) throw new CliError(`the session server did not start; see ${paths.serverLog}`, EXIT.connection);
  if (report.ok) return printSid(env, report.sid);
  if (report.running) {
    // Another login of this profile won the race: its session is ours.
    const other = await existing(env);
    if (other && other.agent === agent) return printSid(env, other.SID);
  }
  io.stderr.write(`aapi: ${report.error}\n`);
  if (report.hint) io.stderr.write(`hint: ${report.hint}\n`);
  return report.exitCode;
}

/** The running server opens the profile's session; undefined when no server runs. */
async function startInServer(paths: ProfilePaths, request: StartSession, interrupted: Promise<void>): Promise<StartReport | 'interrupted' | undefined> {
  let report: StartReport | 'interrupted' | undefined;
  try {
    const socket = await dial(paths, { profile: paths.profile, start: request }, (f) => {
      if (f.report) report = f.report as StartReport;
    });
    await new Promise<void>((resolve) => {
      socket.on('error', () => {});
      socket.on('close', () => resolve());
      void interrupted.then(() => {
        report ??= 'interrupted';
        socket.destroy();
      });
    });
  } catch (err) {
    if (err instanceof DialError && (err.failure.kind === 'absent' || err.failure.kind === 'dead')) return undefined;
    if (err instanceof DialError) throw new CliError(err.message, EXIT.connection);
    throw err;
  }
  return report ?? { ok: false, exitCode: EXIT.connection, error: 'the session server closed the connection without an answer' };
}

/** Starts the session server, detached, with this profile's session its first; its report, or undefined. */
async function startServer(paths: ProfilePaths, request: StartSession, io: IO, timeoutMs: number): Promise<StartReport | 'interrupted' | undefined> {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(paths.serverLog, 'a', 0o600);
  const { AAPI_PASSWORD: _secret, ...childEnv } = { ...process.env, ...io.env };
  const [program, prefix] = self(io);
  // The log's first line of this start is ours, whatever Node or V8 may print as the server starts.
  writeSync(logFd, `${new Date().toISOString()} starting the session server for profile ${paths.profile}: ${[program, ...prefix].join(' ')}\n`);
  // Detached from this terminal and these pipes, so `SID=$(aapi login ...)` returns at once.
  const child = spawn(program, [...prefix, '__server', paths.profile], {
    detached: true, stdio: ['pipe', logFd, logFd, 'pipe'], env: childEnv, windowsHide: true,
  });
  closeSync(logFd);
  child.stdin!.end(JSON.stringify(request));
  const statusPipe = child.stdio[3] as Readable;
  // Longer than the session's own first request may take; still a delay a timer can hold.
  const report = await Promise.race([readReport(statusPipe, Math.min(timeoutMs + 5000, MAX_DURATION_MS)), io.interrupted.then(() => 'interrupted' as const)]);
  statusPipe.destroy();
  child.unref();
  // Another login started a server first: ours gave way, and that one opens the session.
  if (report && report !== 'interrupted' && !report.ok && report.running) return startInServer(paths, request, io.interrupted);
  return report;
}

function printSid(env: CommandEnv, sid: number): number {
  if (env.opts.json) env.out.json({ profile: env.profile, SID: sid });
  else env.out.line(String(sid));
  return EXIT.ok;
}
