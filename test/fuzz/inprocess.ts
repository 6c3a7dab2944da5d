import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { DaemonContext } from '../../src/daemon/context.js';
import { profilePaths } from '../../src/daemon/paths.js';
import { EventLog } from '../../src/session/event-log.js';
import { Session } from '../../src/session/session.js';
import { mergeFixture } from '../../src/sim/fixture.js';
import { startSimulator, type Simulator } from '../../src/sim/server.js';

// The CLI driven in-process, as the session server runs each one-liner, on a real session with a
// real embedded simulator: hundreds of command lines a second, where spawning the binary manages a
// few. The context is what the server gives a command (src/daemon/daemon.ts), its session a real one.

export interface Outcome {
  code: number | null;
  /** stdout and stderr together, and any warning the process emitted meanwhile. */
  out: string;
}

export interface InProcess {
  home: string;
  sim: Simulator;
  run(argv: string[], opts?: { input?: string; interruptMs?: number }): Promise<Outcome>;
  close(): Promise<void>;
}

/** No command may take longer than this, however it was called: one that does has hung. */
const HUNG_MS = 20_000;

export async function inProcess(name: string): Promise<InProcess> {
  const home = mkdtempSync(join(tmpdir(), `aapi-fuzz-${name}-`));
  // Random Authenticates fail by the hundred: the demo agent must not be banned for them.
  const sim = await startSimulator({ port: 0, fixture: mergeFixture({ timings: { banAfter: 1e9, ipBanAfter: 1e9 } }) });
  const log = new EventLog(join(home, 'events.jsonl'));
  const open = () => Session.open({
    url: sim.url, agent: 'demo', password: 'demo', extension: '8600001', tenant: 'demo', campaign: 'outbound',
    record: (event) => void log.append(event),
  });
  const ctx: DaemonContext = {
    profile: 'default', paths: profilePaths('default', { AAPI_HOME: home }), session: await open(), log, waitMark: log.lastSeq,
    connection: { state: 'connected', since: new Date().toISOString() }, ended: new Promise<void>(() => {}),
    shutdown: async (_why, logoff) => {
      if (logoff) await ctx.session.logoff().catch(() => {});
      ctx.session.close();
    },
  };
  return {
    home,
    sim,
    async run(argv, opts = {}) {
      // A fuzzed Logoff, logout or takeover of the agent ends the session: the next command gets a new one, as after `aapi login`.
      if (!ctx.session.isOpen) ctx.session = await open();
      return runCli(argv, { AAPI_HOME: home, AAPI_SERVER: sim.url, NO_COLOR: '1' }, { ...opts, daemon: ctx });
    },
    async close() {
      ctx.session.close();
      await sim.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * One `aapi` command line, in-process, with its own streams and environment; interrupted (as by
 * Ctrl-C) after `interruptMs`; `daemon`: run as the session server runs it for a profile.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, opts: { input?: string; interruptMs?: number; daemon?: DaemonContext } = {}): Promise<Outcome> {
  // What the process warns of meanwhile is the command's: a TimeoutOverflowWarning is a duration no timer could hold.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  let out = '';
  const sink = () => new PassThrough().on('data', (d) => (out += d));
  const stdin = new PassThrough();
  stdin.end(opts.input ?? '');
  let interrupt!: NodeJS.Timeout;
  const interrupted = new Promise<void>((resolve) => (interrupt = setTimeout(resolve, opts.interruptMs ?? 300)));
  const io = { stdout: sink(), stderr: sink(), stdin, interrupted, env, tty: { stdin: false, stdout: false, stderr: false } };
  let hung!: NodeJS.Timeout;
  const code = await Promise.race([
    main(argv, io, opts.daemon),
    new Promise<null>((resolve) => (hung = setTimeout(() => resolve(null), HUNG_MS))),
  ]);
  clearTimeout(interrupt);
  clearTimeout(hung);
  // Let what was written reach `out`, and a warning be emitted (on the next tick).
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  return { code, out: out + warnings.join('\n') };
}
