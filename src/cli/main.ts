import yargs, { type Argv } from 'yargs';
import { RUN_LOCALLY, type DaemonContext, type ServerControl } from '../daemon/context.js';
import { parseDuration } from './duration.js';
import { parseSize } from './size.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../session/errors.js';
import { LOCAL_COMMANDS } from './local-commands.js';
import { CliError, EXIT } from '../util/exit.js';
import { processIO, type IO } from '../util/io.js';
import { Printer } from './output.js';
import { fromSessionError } from './session-errors.js';
import { registerVerbs } from './commands/verb.js';
import { REQUESTS, resolveVerb, VERBS } from '../protocol/catalogue.js';
import { didYouMean, didYouMeanFlag } from '../util/suggest.js';
import { constantFlags } from './commands/batch-flags.js';

declare const __AAPI_VERSION__: string;
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

type Options = { key: Record<string, unknown>; hiddenOptions: string[] };
/** The global options of a client: still accepted by the simulator, which has no use for them, but not in its help. */
const CLIENT_OPTIONS = ['server', 'profile', 'json', 'timeout', 'max-frame', 'insecure', 'ca', 'color'];
const hideClientOptions = (c: Argv) => CLIENT_OPTIONS.reduce((y, o) => y.hide(o), c);

function build(argv: string[], env: CommandEnv): Argv {
  const run = (fn: (args: Args) => Promise<number> | number) => async (args: Args) => {
    globals(env, args);
    env.code = await fn(args);
  };
  // The command's own flags, read only should one be unknown (for a did-you-mean).
  let parsing: Argv | undefined;
  let y: Argv = yargs(argv)
    .scriptName('aapi')
    .version(VERSION)
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, env.io.tty.columns ?? 100))
    .option('server', { type: 'string', describe: 'wss://host or ws://host:port of the AAPI (env AAPI_SERVER)', global: true })
    .option('profile', { type: 'string', describe: 'which session to use (env AAPI_PROFILE; default "default")', global: true })
    .option('json', { type: 'boolean', describe: 'one JSON object per line on stdout, nothing else', global: true })
    .option('timeout', { type: 'string', describe: 'how long to wait for a response: 500ms, 30s, 2m (env AAPI_TIMEOUT; default 30s)', global: true })
    .option('max-frame', { type: 'string', describe: 'refuse to send a request whose frame is larger: 256k, 1m, 2MiB, or bytes (env AAPI_MAX_FRAME; default 1MiB)', global: true })
    .option('insecure', { type: 'boolean', describe: 'accept a self-signed TLS certificate (the simulator\'s)', global: true })
    .option('ca', { type: 'string', describe: 'also trust the certificate authorities in this PEM file for wss:// (env AAPI_CA)', global: true })
    .option('color', { type: 'boolean', describe: 'colour output; --no-color for plain text (env NO_COLOR)', default: true, global: true })
    // yargs hands a middleware the instance parsing the command (its types do not say so).
    .middleware(((_a: Args, current: Argv) => void (parsing = current)) as never, true)
    .command('sim', 'Run a local Genius dialler simulator. Line 1 of stdout: its URL; line 2: its control endpoint.',
      (c) => hideClientOptions(c)
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
        .option('port', { type: 'number', default: 8787, describe: 'port to listen on; 0 picks a free one' })
        .option('tls', { type: 'boolean', default: false, describe: 'serve wss:// with a self-signed certificate made at start (TLS 1.2+)' })
        .option('fixture', { type: 'string', describe: 'JSON5 file of agents, campaigns, records, queries, templates and timings, merged over the built-in one' })
        .option('control-port', { type: 'number', default: 0, describe: 'loopback port of the HTTP control endpoint; 0 picks a free one' })
        .option('cert-out', { type: 'string', describe: 'with --tls: write the certificate (PEM) to this file, for clients to trust' })
        .option('latency', { type: 'string', describe: 'delay every frame the simulator sends by this much, as a network would: 2ms, 50ms (default: none)' })
        .option('string-ids', { type: 'boolean', describe: 'write RID and SID as decimal strings in every answer and event, as the real dialler does (fixture: stringIds)' })
        .option('allow-origin', { type: 'string', nargs: 1, describe: 'let in the WebSocket of a browser application served from this origin (https://app.example.com:8443); repeatable. Without it, a request with an Origin is refused' }),
      run(async (a) => {
        const { runSim } = await import('./commands/sim.js');
        const latencyMs = a.latency === undefined ? undefined : parseDuration(String(a.latency), '--latency');
        return runSim({
          host: a.host as string, port: a.port, tls: a.tls as boolean, fixture: a.fixture as string | undefined, controlPort: a.controlPort,
          certOut: a.certOut as string | undefined, latencyMs, allowOrigins: list(a.allowOrigin), stringIds: a.stringIds === true,
        }, env.io);
      }))
    .command('login', 'Authenticate an agent and hold the profile\'s session in the session server (started if need be); prints the SID.',
      (c) => c
        .option('agent', { type: 'string', describe: 'agent name (env AAPI_AGENT)' })
        .option('extension', { type: 'string', describe: 'extension or DDI of the agent\'s phone (env AAPI_EXTENSION)' })
        .option('tenant', { type: 'string', describe: 'connect to this tenant\'s campaign after authenticating (with --campaign)' })
        .option('campaign', { type: 'string', describe: 'the campaign to connect to (with --tenant)' })
        .option('second-factor', { type: 'string', describe: 'the 6-digit code, when two-factor authentication asks for it (error 107)' })
        .option('store-device', { type: 'number', describe: 'remember this device for N days after the second factor' })
        .option('password-stdin', { type: 'boolean', describe: 'read the password from stdin (else AAPI_PASSWORD, else a masked prompt)' })
        .option('password', { type: 'string', hidden: true, describe: 'insecure: shows in `ps`' }),
      run(async (a) => {
        const { login } = await import('./commands/login.js');
        return login({ ...a, server: a.server as string | undefined } as never, env);
      }))
    .command('logout', 'Log off and end the profile\'s session; the session server ends with its last one.',
      (c) => c.option('all', { type: 'boolean', describe: 'every profile logs off, and the session server ends' }),
      run(async (a) => (await import('./commands/session.js')).logout(env, a.all === true)))
    .command('status', 'The session: server, agent, SID, state (LoggedOut, Authenticated, Unavailable, Waiting, Calling, InCall, Wrapping), open sessions.',
      (c) => c.option('all', { type: 'boolean', describe: 'every profile\'s session in one table (agent, SID, state, connection)' }),
      run(async (a) => (await import('./commands/session.js')).status(env, a.all === true)))
    .command('events', 'Print the events recorded in the profile\'s event log.',
      (c) => c
        .option('follow', { alias: 'f', type: 'boolean', describe: 'keep printing new events until interrupted' })
        .option('since', { type: 'number', default: 0, describe: 'only events after this sequence number' }),
      run(async (a) => (await import('./commands/session.js')).events(env, a.since as number, a.follow === true)))
    .command('wait <event>', 'Wait for the first matching event after this profile\'s previous command; exit 4 on timeout.',
      (c) => c
        .positional('event', { type: 'string', describe: 'event name (NowInCall, ChatMessage ...)' })
        .option('where', { type: 'string', nargs: 1, describe: 'KEY=VALUE the event must have; dots reach nested keys (data.URN=1234); repeatable' }),
      run(async (a) => (await import('./commands/session.js')).wait(env, a.event as string, list(a.where))))
    .command('send <message>', 'Send any message (a JSON5 object); RID and SID are filled in unless given.',
      (c) => c.positional('message', { type: 'string', describe: 'e.g. \'{type: "GetTenants"}\'' }),
      run(async (a) => (await import('./commands/session.js')).sendRaw(env, a.message as string)))
    .command('run <files..>', 'Run recipes: JSON5 scenarios of requests and expected events. Exit 0 all passed, 1 a step failed, 2 not a valid recipe.',
      (c) => c
        .positional('files', { type: 'string', array: true, describe: 'recipe files (.json5)' })
        .option('var', { type: 'string', nargs: 1, describe: 'NAME=VALUE, overriding the recipe\'s vars; repeatable' })
        .option('reporter', { type: 'string', default: 'pretty', describe: 'pretty, junit, tap or json' })
        .option('out', { type: 'string', describe: 'write the report to this file' })
        .option('sim', { type: 'boolean', default: false, describe: 'run against a fresh embedded simulator' })
        .option('check', { type: 'boolean', default: false, describe: 'only validate the recipes; send nothing' })
        .option('control', { type: 'string', describe: 'the control URL of an `aapi sim` (its second line), for control steps' }),
      run(async (a) => (await import('./commands/run.js')).run({
        files: (a.files as string[]).map(String), vars: list(a.var), reporter: String(a.reporter),
        out: a.out as string | undefined, sim: a.sim === true, check: a.check === true,
        server: a.server as string | undefined, insecure: a.insecure === true, ca: a.ca as string | undefined, control: a.control as string | undefined,
      }, env)))
    .command('batch <verb>', 'Send one request per input row (CSV or JSONL), pipelined; one JSONL output line per row; resumable.',
      (c) => {
        c.positional('verb', { type: 'string', describe: 'the request of every row (run-query, new-record, get-record ...)' })
          .option('input', { type: 'string', demandOption: true, describe: 'rows: a CSV with a header, or JSONL (.jsonl); - for standard input; columns are request keys; Parameters.X, values.X, data.X fill nested objects' })
          .option('output', { type: 'string', demandOption: true, describe: 'JSONL results, one line per row: {"row":N,"ok":true,"response":{...}} or {"row":N,"ok":false,"error":{...}}' })
          .option('concurrency', { type: 'number', default: 8, describe: 'requests in flight at once on each session' })
          .option('resume', { type: 'boolean', default: false, describe: 'skip the rows the output already answers' })
          .option('retry-unknown', { type: 'boolean', default: false, describe: 'with --resume: send again the rows whose fate is unknown (not idempotent for NewRecord!)' })
          .option('profiles', { type: 'string', describe: 'share the rows among these profiles\' sessions: a,b,c' })
          .option('detach', { type: 'boolean', default: false, describe: 'leave the job running in the session server and print its id (`aapi jobs` lists it)' });
        for (const flag of constantFlags()) c.option(flag, { type: 'string', array: true, hidden: true });
        return c.epilogue('Constant keys for every row come from the verb\'s own flags, e.g. `aapi batch run-query --query-number 1 --input urns.csv --output out.jsonl`.');
      },
      run(async (a) => {
        const flags: Record<string, unknown> = {};
        for (const f of constantFlags()) if (a[f] !== undefined) flags[f] = a[f];
        return (await import('./commands/batch.js')).batch({
          verb: String(a.verb), input: String(a.input), output: String(a.output), concurrency: a.concurrency as number,
          resume: a.resume === true, retryUnknown: a.retryUnknown === true, profiles: a.profiles as string | undefined, detach: a.detach === true, flags,
        }, env);
      }))
    .command('jobs [action] [id]', 'The batch jobs of the session server: list them, `wait ID` (its progress, then its exit code), `stop ID` (as Ctrl-C).',
      (c) => c
        .positional('action', { type: 'string', choices: ['list', 'wait', 'stop'], default: 'list', describe: 'list (the default), wait or stop' })
        .positional('id', { type: 'string', describe: 'the job, as `aapi batch --detach` printed it' }),
      run(async (a) => {
        const jobs = await import('./commands/jobs.js');
        const id = (a.id as string | undefined) ?? '';
        if (a.action === 'list') return jobs.listJobs(env);
        if (!id) throw new CliError(`name the job: aapi jobs ${String(a.action)} ID`, EXIT.usage);
        return a.action === 'wait' ? jobs.waitJob(env, id) : jobs.stopJob(env, id);
      }))
    .command('console', 'The interactive replacement for the Windows API Test Client: pick a command, fill its keys, see every frame.',
      (c) => c
        .option('record', { type: 'string', describe: 'write the session as a recipe (JSON5) that `aapi run` replays' })
        .option('attach', { type: 'boolean', default: false, describe: 'use the profile\'s live session from `aapi login` instead of a connection of its own' })
        .option('agent', { type: 'string', describe: 'log in as this agent at start (env AAPI_AGENT); the password from AAPI_PASSWORD or a masked prompt. Without it the console starts logged out' })
        .option('extension', { type: 'string', describe: 'with --agent: the extension or DDI of the agent\'s phone (env AAPI_EXTENSION)' })
        .option('tenant', { type: 'string', describe: 'with --agent: connect to this tenant\'s campaign after authenticating (with --campaign)' })
        .option('campaign', { type: 'string', describe: 'with --agent: the campaign to connect to (with --tenant)' })
        .option('second-factor', { type: 'string', describe: 'with --agent: the 6-digit code, when two-factor authentication asks for it (error 107)' }),
      run(async (a) => (await import('./commands/console.js')).consoleCommand({ ...a, attach: a.attach === true } as never, env)))
    .command('completion [shell]', 'Print a bash or zsh completion script: eval "$(aapi completion bash)".',
      (c) => c.positional('shell', { type: 'string', describe: 'bash or zsh (default: from $SHELL)' }),
      run(async (a) => (await import('./commands/completion.js')).completion(a.shell as string | undefined, env)))
    .command('__server <profile>', false, {}, async (a) => {
      // Everything the server may run, loaded now: a later rebuild of dist/ cannot take it away.
      await Promise.all([import('./commands/session.js'), import('./commands/jobs.js'), import('./commands/batch.js'), import('ora')]);
      const { runServer } = await import('../daemon/daemon.js');
      await runServer(String(a.profile), (argv, io, daemon, server) => main(argv, io, daemon, server));
    });
  // A command line the thin client took for the server's (a flag's value before the command) that
  // is a local command: handed back to the caller, which runs it in its own process.
  if (env.server) {
    y = y.middleware((a) => {
      if (LOCAL_COMMANDS.has(String(a._[0]))) throw new RunLocally();
    });
  }
  y = registerVerbs(y, env, run);
  y = y
    .demandCommand(1, 'Name a command; `aapi --help` lists them.')
    .recommendCommands()
    .fail((msg, err) => {
      // A command's own failure comes through here too; yargs' own (a flag left without its value) is a YError.
      if (err && err.name !== 'YError') throw err;
      throw new CliError(unknownCommand(argv) ?? (msg ? `${msg}${unknownFlag(msg, parsing)}` : err?.message), EXIT.usage);
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

const COMMANDS = ['sim', 'login', 'logout', 'status', 'events', 'wait', 'send', 'run', 'batch', 'jobs', 'console', 'completion'];

/** `unknown command "go-avail"; did you mean "go-available"?` when the first word names no command. */
function unknownCommand(argv: string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  if (!first || COMMANDS.includes(first) || resolveVerb(first)) return undefined;
  return `unknown command ${JSON.stringify(first)}${didYouMean(first, [...COMMANDS, ...VERBS.map((v) => REQUESTS[v].cli)])}`;
}

/** `Unknown argument: outcom` → `; did you mean --outcome?`, from the flags of the command being parsed. */
function unknownFlag(msg: string, current: Argv | undefined): string {
  const unknown = /^Unknown arguments?: ([^,]+)/.exec(msg)?.[1];
  if (!unknown || !current) return '';
  const { key, hiddenOptions } = (current as unknown as { getOptions(): Options }).getOptions();
  return didYouMeanFlag(unknown, Object.keys(key).filter((k) => !hiddenOptions.includes(k)));
}

const VALUED = new Set(['--server', '--profile', '--timeout', '--max-frame', '--ca']);

/** `aapi goavailable`, `aapi GOAVAILABLE`: the spec's name in any case is the verb's command (CONTRACT). */
function canonicalVerb(argv: string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    if (VALUED.has(argv[i])) i++;
    else if (argv[i] === '--') break;
    else if (!argv[i].startsWith('-')) {
      const verb = COMMANDS.includes(argv[i]) ? undefined : resolveVerb(argv[i]);
      return verb ? [...argv.slice(0, i), REQUESTS[verb].cli, ...argv.slice(i + 1)] : argv;
    }
  }
  return argv;
}

class RunLocally extends Error {}

/** Runs one `aapi` command line; returns its exit code. Output goes only to `io`. */
/** `--input -` (standard input): yargs takes a lone `-` for a positional word, so it is given as `--input=-`. */
const stdinValue = (argv: string[]) => argv.flatMap((a, i) => (a === '-' && argv[i - 1] === '--input' ? [] : a === '--input' && argv[i + 1] === '-' ? ['--input=-'] : [a]));

export async function main(argv: string[], io: IO, daemon?: DaemonContext, server?: ServerControl): Promise<number> {
  argv = canonicalVerb(stdinValue(argv));
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
