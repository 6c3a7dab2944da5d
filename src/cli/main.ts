import yargs, { type Argv } from 'yargs';
import { RUN_LOCALLY, type DaemonContext, type ServerControl } from '../daemon/context.js';
import { parseDuration } from './duration.js';
import { parseSize } from './size.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../session/errors.js';
import { COMMAND_RUNS, commandIndex, runsLocally, type Builtin } from './surface/routing.js';
import { BUILTIN_COMMANDS, FILE_REPORTERS_NAMES } from './surface/builtins.js';
import { GLOBAL_OPTIONS } from './surface/globals.js';
import { allCommands, commandLine, flagsOf, globalOptions } from './surface/commands.js';
import { addCommand, addOptions } from './surface/yargs.js';
import { topHelp } from './surface/help.js';
import { CliError, EXIT } from '../util/exit.js';
import { processIO, type IO } from '../util/io.js';
import { Printer } from './output.js';
import { fromSessionError } from './session-errors.js';
import { registerVerbs } from './commands/verb.js';
import { REQUESTS, resolveVerb } from '../protocol/catalogue.js';
import { didYouMean, didYouMeanFlag } from '../util/suggest.js';
import { constantFlags } from './commands/batch-flags.js';

declare const __AAPI_VERSION__: string;
/** For the thin client: the one way into the full CLI (its password prompt, for `authenticate`). */
export { readPassword } from './password.js';

export const VERSION = typeof __AAPI_VERSION__ === 'string' ? __AAPI_VERSION__ : '0.0.0-dev';

/** What every command gets: its I/O, the daemon when it runs inside one, and the global options. */
export interface CommandEnv {
  io: IO;
  daemon?: DaemonContext;
  /** The session server, when the command runs inside it (whatever its profile). */
  server?: ServerControl;
  profile: string;
  timeoutMs: number;
  /** The largest request frame the command may send (--max-frame). */
  maxFrameBytes: number;
  opts: { json?: boolean };
  out: Printer;
  /** The exit code the command chose. */
  code: number;
}

type Args = Record<string, unknown>;

/** A repeatable flag's values: one value per flag, so `--var a=b FILE` leaves FILE to the command. */
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Fills the environment's globals from the parsed flags (env vars as the contract names them). */
function globals(env: CommandEnv, args: Args): void {
  env.profile = String(args.profile ?? (env.io.env.AAPI_PROFILE || 'default'));
  const timeout = (args.timeout as string | undefined) ?? env.io.env.AAPI_TIMEOUT;
  env.timeoutMs = timeout ? parseDuration(timeout, args.timeout !== undefined ? '--timeout' : 'AAPI_TIMEOUT') : 30_000;
  const maxFrame = (args.maxFrame as string | undefined) ?? env.io.env.AAPI_MAX_FRAME;
  env.maxFrameBytes = maxFrame ? parseSize(maxFrame, args.maxFrame !== undefined ? '--max-frame' : 'AAPI_MAX_FRAME') : DEFAULT_MAX_FRAME_BYTES;
  env.opts = { json: args.json === true };
  env.out = new Printer(env.io, { json: args.json === true, color: args.color !== false });
}

/** The global options mean nothing to the simulator: still accepted, but not in its help. */
const CLIENT_OPTIONS = Object.keys(GLOBAL_OPTIONS);

type Handler = (a: Args, env: CommandEnv) => Promise<number> | number;

/** --report-junit FILE ...: the reports `aapi run` writes beside --reporter's. */
function reportFiles(a: Args): Partial<Record<(typeof FILE_REPORTERS_NAMES)[number], string>> {
  return Object.fromEntries(FILE_REPORTERS_NAMES.map((name) => [name, a[`report-${name}`]] as const).filter(([, file]) => file !== undefined).map(([name, file]) => [name, String(file)]));
}

/** What each built-in command does, loaded only when it runs; BUILTIN_COMMANDS declares the rest. */
const HANDLERS: { readonly [C in Exclude<Builtin, '__server'>]-?: Handler } = {
  sim: async (a, env) => {
    const { runSim } = await import('./commands/sim.js');
    const latencyMs = a.latency === undefined ? undefined : parseDuration(String(a.latency), '--latency');
    return runSim({
      host: a.host as string, port: a.port, tls: a.tls as boolean, fixture: a.fixture as string | undefined, controlPort: a.controlPort,
      certOut: a.certOut as string | undefined, latencyMs, allowOrigins: list(a.allowOrigin), stringIds: a.stringIds === true, verbose: a.verbose === true,
    }, env.io);
  },
  proxy: async (a, env) => {
    const { runProxy } = await import('./commands/proxy.js');
    const { readCa } = await import('./ca.js');
    return runProxy({
      upstream: a.upstream as string | undefined, host: String(a.host), port: a.port, tls: a.tls === true, certOut: a.certOut as string | undefined,
      insecure: a.insecure === true, ca: readCa(a.ca, env.io), log: a.log as string | undefined, record: a.record as string | undefined,
      reporter: String(a.reporter), out: a.out as string | undefined, once: a.once === true, json: a.json === true, color: a.color !== false,
      ackWithinMs: parseDuration(String(a.ackWithin), '--ack-within'), keepAliveWithinMs: parseDuration(String(a.keepaliveWithin), '--keepalive-within'),
      allowOrigins: list(a.allowOrigin),
    }, env.io);
  },
  login: async (a, env) => {
    const { login } = await import('./commands/login.js');
    return login({ ...a, server: a.server as string | undefined } as never, env);
  },
  logout: async (a, env) => (await import('./commands/session.js')).logout(env, a.all === true),
  status: async (a, env) => (await import('./commands/session.js')).status(env, a.all === true),
  events: async (a, env) => (await import('./commands/session.js')).events(env, a.since as number, a.follow === true),
  wait: async (a, env) => (await import('./commands/session.js')).wait(env, a.event as string, list(a.where)),
  send: async (a, env) => (await import('./commands/session.js')).sendRaw(env, a.message as string),
  run: async (a, env) => (await import('./commands/run.js')).run({
    files: (a.files as string[]).map(String), vars: list(a.var), reporter: String(a.reporter),
    out: a.out as string | undefined, sim: a.sim === true, check: a.check === true,
    server: a.server as string | undefined, insecure: a.insecure === true, ca: a.ca as string | undefined, control: a.control as string | undefined,
    verbose: a.verbose === true, reports: reportFiles(a),
  }, env),
  batch: async (a, env) => {
    const flags: Record<string, unknown> = {};
    for (const f of constantFlags()) if (a[f] !== undefined) flags[f] = a[f];
    return (await import('./commands/batch.js')).batch({
      verb: String(a.verb), input: String(a.input), output: String(a.output), concurrency: a.concurrency as number,
      resume: a.resume === true, retryUnknown: a.retryUnknown === true, profiles: a.profiles as string | undefined, detach: a.detach === true, flags,
    }, env);
  },
  jobs: async (a, env) => {
    const jobs = await import('./commands/jobs.js');
    const id = (a.id as string | undefined) ?? '';
    if (a.action === 'list') return jobs.listJobs(env);
    if (!id) throw new CliError(`name the job: aapi jobs ${String(a.action)} ID`, EXIT.usage);
    return a.action === 'wait' ? jobs.waitJob(env, id) : jobs.stopJob(env, id);
  },
  console: async (a, env) => (await import('./commands/console.js')).consoleCommand({ ...a, attach: a.attach === true } as never, env),
  completion: async (a, env) => (await import('./commands/completion.js')).completion(a.shell as string | undefined, env),
};

/** The session server itself: it is no command of a session, so no global option applies to it. */
async function serve(a: Args): Promise<void> {
  // Everything the server may run, loaded now: a later rebuild of dist/ cannot take it away.
  await Promise.all([import('./commands/session.js'), import('./commands/jobs.js'), import('./commands/batch.js'), import('ora')]);
  const { runServer } = await import('../daemon/daemon.js');
  await runServer(String(a.profile), (argv, io, daemon, server) => main(argv, io, daemon, server));
}

function build(argv: string[], env: CommandEnv): Argv {
  const run = (fn: (args: Args) => Promise<number> | number) => async (args: Args) => {
    globals(env, args);
    env.code = await fn(args);
  };
  let y: Argv = addOptions(yargs(argv)
    .scriptName('aapi')
    .version(VERSION)
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, env.io.tty.columns ?? 100)), GLOBAL_OPTIONS, true);
  for (const name of Object.keys(BUILTIN_COMMANDS) as Builtin[]) {
    const decl = BUILTIN_COMMANDS[name];
    y = y.command({
      command: commandLine(name, decl.positionals ?? []),
      describe: decl.section ? decl.description : false,
      builder: (c: Argv) => addCommand(c, decl, CLIENT_OPTIONS),
      handler: name === '__server' ? serve : run((a) => HANDLERS[name](a, env)),
    });
  }
  // A command line the thin client took for the server's (a flag's value before the command) that
  // is a local command: handed back to the caller, which runs it in its own process.
  if (env.server) {
    y = y.middleware((a) => {
      if (runsLocally(String(a._[0]))) throw new RunLocally();
    });
  }
  y = registerVerbs(y, env, run);
  y = y
    .demandCommand(1, 'Name a command; `aapi --help` lists them.')
    .recommendCommands()
    .fail((msg, err) => {
      // A command's own failure comes through here too; yargs' own (a flag left without its value) is a YError.
      if (err && err.name !== 'YError') throw err;
      throw new CliError(unknownCommand(argv) ?? (msg ? `${msg}${unknownFlag(msg, argv)}` : err?.message), EXIT.usage);
    });
  skipHelpCache(y);
  return y;
}

type YargsInternals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };

/**
 * Before running a command's handler, yargs renders that command's whole help and keeps it, in case
 * the handler asks for it (showHelp); none of ours does (failures are one line, through `fail`).
 * The rendering measures every word's width: half the daemon's time for a one-liner, so it is skipped.
 * `--help` itself is unaffected. Should yargs move the method, this does nothing.
 */
function skipHelpCache(y: Argv): void {
  const usage = (y as unknown as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** `unknown command "go-avail"; did you mean "go-available"?` when the first word names no command. */
function unknownCommand(argv: string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  if (!first || Object.hasOwn(COMMAND_RUNS, first) || resolveVerb(first)) return undefined;
  return `unknown command ${JSON.stringify(first)}${didYouMean(first, allCommands().map((c) => c.name))}`;
}

/** `Unknown argument: outcom` → `; did you mean --outcome?`, from the options of the command given and the global ones. */
function unknownFlag(msg: string, argv: string[]): string {
  const unknown = /^Unknown arguments?: ([^,]+)/.exec(msg)?.[1];
  if (!unknown) return '';
  const word = argv[commandIndex(argv)];
  const own = allCommands().find((c) => c.name === word)?.options ?? {};
  return didYouMeanFlag(unknown, [...flagsOf(own), ...flagsOf(globalOptions())].map((f) => f.name));
}

/** `aapi goavailable`, `aapi GOAVAILABLE`: the spec's name in any case is the verb's command (CONTRACT). */
function canonicalVerb(argv: string[]): string[] {
  const i = commandIndex(argv);
  const verb = i < 0 || Object.hasOwn(COMMAND_RUNS, argv[i]) ? undefined : resolveVerb(argv[i]);
  return verb ? [...argv.slice(0, i), REQUESTS[verb].cli, ...argv.slice(i + 1)] : argv;
}

class RunLocally extends Error {}

/** Runs one `aapi` command line; returns its exit code. Output goes only to `io`. */
/** `--input -` (standard input): yargs takes a lone `-` for a positional word, so it is given as `--input=-`. */
const stdinValue = (argv: string[]) => argv.flatMap((a, i) => (a === '-' && argv[i - 1] === '--input' ? [] : a === '--input' && argv[i + 1] === '-' ? ['--input=-'] : [a]));

export async function main(argv: string[], io: IO, daemon?: DaemonContext, server?: ServerControl): Promise<number> {
  argv = canonicalVerb(stdinValue(argv));
  // The commands by section, with examples: written here, as yargs lists commands in one flat list.
  if (commandIndex(argv) < 0 && argv.includes('--help')) {
    io.stdout.write(topHelp(io.tty.columns));
    return EXIT.ok;
  }
  const env: CommandEnv = { io, daemon, server, profile: 'default', timeoutMs: 30_000, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, opts: {}, out: new Printer(io, {}), code: EXIT.ok };
  try {
    await build(argv, env).parseAsync(argv, {}, (_err, _argv, output) => {
      if (output) io.stdout.write(`${output}\n`);
    });
    return env.code;
  } catch (err) {
    if (err instanceof RunLocally) return RUN_LOCALLY;
    const e = err instanceof CliError ? err : fromSessionError(err);
    if (e) {
      io.stderr.write(`aapi: ${e.message}\n`);
      if (e.hint) io.stderr.write(`hint: ${e.hint}\n`);
      return e.exitCode;
    }
    io.stderr.write(`aapi: unexpected failure: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT.failed;
  }
}

export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2), processIO());
  process.exitCode = code;
  // A finished one-shot command does not wait for stray handles.
  // Exit only once what was written has left: a large report piped to a slow reader is not cut.
  const drained = (s: NodeJS.WriteStream) => (s.writableLength > 0 ? new Promise((r) => s.once('drain', r)) : undefined);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  setImmediate(() => process.exit(code));
}
