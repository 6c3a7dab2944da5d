import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../../src/daemon/dial.js';
import { AAPI_BIN, runAapi, spawnSim, type Run, type SimProcess } from './spawn.js';

// A test file's world for end-to-end tests of the real `aapi` binary: its own AAPI_HOME, the
// simulators it started, the profiles it logged in, and the cleanup of every process it started
// (detached session daemons included), by PID.

/** The PID a daemon's lock file records (its JSON record; a bare number in the design before it). */
export function lockPid(text: string): number {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'number' ? v : Number((v as { pid?: unknown }).pid);
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value or `ms` pass; resolves with that value (or the last one). */
export async function until<T>(fn: () => T | Promise<T>, ms = 10_000, every = 50): Promise<T> {
  const end = Date.now() + ms;
  let value = await fn();
  while (!value && Date.now() < end) {
    await sleep(every);
    value = await fn();
  }
  return value;
}

export { alive };

/** SIGTERM, then SIGKILL when the process is still there after `graceMs`. */
export async function terminate(pid: number, graceMs = 3000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await until(() => !alive(pid), graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  await until(() => !alive(pid), graceMs);
}

/** Each stdout line parsed as JSON (stdout is not a TTY in tests: one JSON object per line). */
export function jsonLines(text: string): Record<string, any>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, any>);
}

export function json(run: Run): Record<string, any> {
  const lines = jsonLines(run.stdout);
  if (lines.length !== 1) throw new Error(`expected one JSON line, got: ${JSON.stringify(run)}`);
  return lines[0];
}

export interface SimState {
  agents: Record<string, { state: string; sid: number | null; connected: boolean; calls: Record<string, any>[]; limits: Record<string, number> } & Record<string, any>>;
  received: Record<string, number>;
  records: number;
  messages: number;
  dispositions: Record<string, any>[];
  callbacks: Record<string, any>[];
  sessions: number;
}

/** A simulator's control endpoint. */
export class Control {
  constructor(readonly sim: SimProcess) {}

  async state(): Promise<SimState> {
    const res = await fetch(`${this.sim.controlUrl}/state`);
    return (await res.json()) as SimState;
  }

  async post(op: string, body: object = {}): Promise<Record<string, any>> {
    const res = await fetch(`${this.sim.controlUrl}/${op}`, { method: 'POST', body: JSON.stringify(body) });
    const out = (await res.json()) as Record<string, any>;
    if (res.status !== 200) throw new Error(`control ${op} ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(out)}`);
    return out;
  }
}

/** A long-running `aapi` (events --follow, wait): its output so far, and a way to wait for a line. */
export class Running {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d) => (this.stdout += d));
    proc.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = once(proc, 'close').then(([code]) => code as number | null);
  }

  async line(match: RegExp, ms = 15_000): Promise<string> {
    const found = await until(() => this.stdout.split('\n').find((l) => match.test(l)), ms);
    if (!found) throw new Error(`no line matching ${match} within ${ms} ms; stdout: ${this.stdout} stderr: ${this.stderr}`);
    return found;
  }
}

export interface LoginOptions {
  profile?: string;
  agent?: string;
  password?: string;
  extension?: string;
  tenant?: string;
  campaign?: string;
  stdin?: boolean;
  extra?: string[];
}

export class World {
  readonly home: string;
  /** Fixture files live here, never under AAPI_HOME (the secrets test reads every file there). */
  readonly scratch: string;
  private readonly sims: SimProcess[] = [];
  private readonly running: Running[] = [];
  readonly profiles = new Set<string>();

  constructor(name: string) {
    this.home = mkdtempSync(join(tmpdir(), `aapi-e2e-${name}-home-`));
    this.scratch = mkdtempSync(join(tmpdir(), `aapi-e2e-${name}-scratch-`));
  }

  /** The environment of every `aapi` run: this world's AAPI_HOME, and nothing inherited that changes behaviour. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      AAPI_HOME: this.home, AAPI_PROFILE: undefined, AAPI_SERVER: undefined, AAPI_PASSWORD: undefined, AAPI_AGENT: undefined,
      AAPI_EXTENSION: undefined, AAPI_TIMEOUT: undefined, AAPI_ENTRY: undefined, AAPI_CA: undefined, FORCE_COLOR: undefined, NO_COLOR: '1',
      ...extra,
    };
  }

  aapi(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; ms?: number; cwd?: string } = {}): Promise<Run> {
    return runAapi(args, { env: this.env(opts.env), input: opts.input, ms: opts.ms ?? 60_000, cwd: opts.cwd });
  }

  /** Starts `aapi ARGS` without waiting for it (stopped in cleanup). */
  start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
    const proc = spawn(process.execPath, [AAPI_BIN, ...args], { env: { ...process.env, ...this.env(env) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = new Running(proc);
    this.running.push(r);
    return r;
  }

  /**
   * A simulator on free ports; `fixture` (an object written as a JSON5 file) is merged over the
   * built-in one; `flags` are more of `aapi sim`'s (`--string-ids`).
   */
  async sim(fixture?: object, flags: string[] = []): Promise<{ sim: SimProcess; control: Control }> {
    const args = [...flags];
    if (fixture) {
      const file = join(this.scratch, `fixture-${this.sims.length}.json5`);
      writeFileSync(file, JSON.stringify(fixture));
      args.push('--fixture', file);
    }
    const sim = await spawnSim(args);
    this.sims.push(sim);
    return { sim, control: new Control(sim) };
  }

  async login(sim: SimProcess, o: LoginOptions = {}): Promise<Run> {
    const profile = o.profile ?? 'default';
    this.profiles.add(profile);
    const args = ['login', '--server', sim.url, '--profile', profile, '--agent', o.agent ?? 'demo', '--extension', o.extension ?? '8600001'];
    if (o.tenant) args.push('--tenant', o.tenant, '--campaign', o.campaign ?? 'outbound');
    if (o.stdin) args.push('--password-stdin');
    args.push(...(o.extra ?? []));
    const password = o.password ?? 'demo';
    return this.aapi(args, o.stdin ? { input: `${password}\n` } : { env: { AAPI_PASSWORD: password } });
  }

  /** Where a profile's files are; the socket and lock are the session server's, shared by every profile. */
  paths(profile = 'default') {
    return {
      runDir: join(this.home, 'run'),
      socket: join(this.home, 'run', 'aapi.sock'),
      lock: join(this.home, 'run', 'aapi.lock'),
      stateDir: join(this.home, 'profiles', profile),
      events: join(this.home, 'profiles', profile, 'events.jsonl'),
    };
  }

  /** The PID in the session server's lock file: the server holding the profile's session. */
  daemonPid(profile = 'default'): number | undefined {
    try {
      const pid = lockPid(readFileSync(this.paths(profile).lock, 'utf8'));
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every PID found in run/*.lock. */
  lockPids(): number[] {
    const dir = join(this.home, 'run');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.lock'))
      .map((f) => this.daemonPid(f.slice(0, -'.lock'.length)))
      .filter((p): p is number => p !== undefined);
  }

  /**
   * Session daemons of this world that no lock names (one that lost its lock, or is still starting):
   * processes running `__server` with this AAPI_HOME in their environment. Linux only (/proc).
   */
  strayDaemons(): number[] {
    if (!existsSync('/proc/self/environ')) return [];
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (!cmdline.includes('__server')) continue;
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
        if (environ.includes(`AAPI_HOME=${this.home}`)) out.push(Number(entry));
      } catch {
        // gone, or not ours to read
      }
    }
    return out;
  }

  /** After each test: stop what it started, log out of every profile, and end every daemon by PID. */
  async cleanup(): Promise<void> {
    for (const r of this.running.splice(0)) {
      if (r.proc.pid !== undefined && r.proc.exitCode === null && r.proc.signalCode === null) await terminate(r.proc.pid);
    }
    for (const profile of this.profiles) await this.aapi(['logout', '--profile', profile], { ms: 15_000 }).catch(() => undefined);
    this.profiles.clear();
    for (const pid of new Set([...this.lockPids(), ...this.strayDaemons()])) await terminate(pid);
    for (const sim of this.sims.splice(0)) await sim.stop();
  }

  /** After the file: cleanup, then remove AAPI_HOME and the scratch folder. */
  async dispose(): Promise<void> {
    await this.cleanup();
    rmSync(this.home, { recursive: true, force: true });
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Fast simulator timings for tests; calls are presented only through the control endpoint. */
export const MANUAL_TIMINGS = { presentMs: 3_600_000, talkMs: 0, dialMs: 50, transferMs: 0, chatReplyMs: 0 };
