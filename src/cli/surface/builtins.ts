import { PROXY_REPORTERS } from '../../proxy/report.js';
import { rulesHelp } from '../../proxy/rules.js';
import { FILE_REPORTERS, REPORTERS } from '../../recipe/report.js';
import { constantFlags } from '../commands/batch-flags.js';
import type { Builtin } from './routing.js';
import type { CommandDecl, OptionDecl } from './types.js';

// The built-in commands: everything but the verbs, which come from the protocol catalogue. Their
// handlers are in main.ts; where each runs is in ./routing.ts, and the mapped type makes this
// table declare exactly those commands.

/** The formats `aapi run --report-FORMAT FILE` writes beside --reporter's. */
export const FILE_REPORTERS_NAMES = Object.keys(FILE_REPORTERS) as (keyof typeof FILE_REPORTERS)[];

/** The shells `aapi completion` writes a script for. */
export const SHELLS = ['bash', 'zsh'] as const;

/** Login and the console's `--agent` log in alike; `with` says so on the console, where logging in is optional. */
const loginOptions = (withAgent: string): Record<string, OptionDecl> => ({
  extension: { type: 'string', describe: `${withAgent}the extension or DDI of the agent's phone (env AAPI_EXTENSION)` },
  tenant: { type: 'string', describe: `${withAgent}connect to this tenant's campaign after authenticating (with --campaign)` },
  campaign: { type: 'string', describe: `${withAgent}the campaign to connect to (with --tenant)` },
  'second-factor': { type: 'string', describe: `${withAgent}the 6-digit code, when two-factor authentication asks for it (error 107)` },
});

/** A batch's constant keys for every row are the verb's own flags: accepted, documented in the epilogue. */
const constantKeys = (): Record<string, OptionDecl> =>
  Object.fromEntries([...constantFlags()].map((flag) => [flag, { type: 'string', describe: '', array: true, hidden: true }]));

export const BUILTIN_COMMANDS: { readonly [C in Builtin]-?: CommandDecl } = {
  login: {
    section: 'session',
    summary: 'Authenticate an agent and hold its session in the session server',
    description: 'Authenticate an agent and hold the profile\'s session in the session server (started if need be); prints the SID.',
    options: {
      agent: { type: 'string', describe: 'agent name (env AAPI_AGENT)' },
      ...loginOptions(''),
      'store-device': { type: 'number', describe: 'remember this device for N days after the second factor' },
      'password-stdin': { type: 'boolean', describe: 'read the password from stdin (else AAPI_PASSWORD, else a masked prompt)' },
      password: { type: 'string', hidden: true, describe: 'insecure: shows in `ps`' },
    },
  },
  logout: {
    section: 'session',
    summary: 'Log off and end the profile\'s session',
    description: 'Log off and end the profile\'s session; the session server ends with its last one.',
    options: { all: { type: 'boolean', describe: 'every profile logs off, and the session server ends' } },
  },
  status: {
    section: 'session',
    summary: 'The session: server, agent, SID, state, open sessions',
    description: 'The session: server, agent, SID, state (LoggedOut, Authenticated, Unavailable, Waiting, Calling, InCall, Wrapping), open sessions.',
    options: { all: { type: 'boolean', describe: 'every profile\'s session in one table (agent, SID, state, connection)' } },
  },
  events: {
    section: 'session',
    summary: 'Print the events recorded in the event log',
    description: 'Print the events recorded in the profile\'s event log.',
    options: {
      follow: { type: 'boolean', alias: ['f'], describe: 'keep printing new events until interrupted' },
      since: { type: 'number', default: 0, describe: 'only events after this sequence number' },
    },
  },
  wait: {
    section: 'session',
    summary: 'Wait for the first matching event; exit 4 on timeout',
    description: 'Wait for the first matching event after this profile\'s previous command; exit 4 on timeout.',
    positionals: [{ name: 'event', describe: 'event name (NowInCall, ChatMessage ...)', completes: 'event' }],
    options: { where: { type: 'string', repeatable: true, describe: 'KEY=VALUE the event must have; dots reach nested keys (data.URN=1234); repeatable' } },
  },
  send: {
    section: 'session',
    summary: 'Send any message (a JSON5 object)',
    description: 'Send any message (a JSON5 object); RID and SID are filled in unless given.',
    positionals: [{ name: 'message', describe: 'e.g. \'{type: "GetTenants"}\'' }],
  },
  run: {
    section: 'scenarios',
    summary: 'Run recipes: JSON5 scenarios of requests and expected events',
    description: 'Run recipes: JSON5 scenarios of requests and expected events. Exit 0 all passed, 1 a step failed, 2 not a valid recipe.',
    positionals: [{ name: 'files', variadic: true, describe: 'recipe files (.json5)', completes: 'file' }],
    options: {
      var: { type: 'string', repeatable: true, describe: 'NAME=VALUE, overriding the recipe\'s vars; repeatable' },
      reporter: { type: 'string', default: 'pretty', completes: REPORTERS, describe: `${REPORTERS.slice(0, -1).join(', ')} or ${REPORTERS.at(-1)}` },
      out: { type: 'string', completes: 'file', describe: 'write the report to this file' },
      ...Object.fromEntries(FILE_REPORTERS_NAMES.map((name) => [`report-${name}`, { type: 'string', completes: 'file', describe: `also write the ${name === 'html' ? 'HTML report (steps and a timeline of the frames)' : `${({ junit: 'JUnit', tap: 'TAP', json: 'JSON' } as Record<string, string>)[name] ?? name} report`} to this file` } satisfies OptionDecl])),
      verbose: { type: 'boolean', alias: ['v'], describe: 'print every frame sent and received on stderr, between the steps, passwords masked' },
      sim: { type: 'boolean', default: false, describe: 'run against a fresh embedded simulator' },
      check: { type: 'boolean', default: false, describe: 'only validate the recipes; send nothing' },
      control: { type: 'string', describe: 'the control URL of an `aapi sim` (its second line), for control steps' },
    },
  },
  batch: {
    section: 'scenarios',
    summary: 'Send one request per input row (CSV or JSONL)',
    description: 'Send one request per input row (CSV or JSONL), pipelined; one JSONL output line per row; resumable.',
    positionals: [{ name: 'verb', describe: 'the request of every row (run-query, new-record, get-record ...)', completes: 'verb' }],
    options: {
      input: { type: 'string', required: true, completes: 'file', describe: 'rows: a CSV with a header, or JSONL (.jsonl); - for standard input; columns are request keys; Parameters.X, values.X, data.X fill nested objects' },
      output: { type: 'string', required: true, completes: 'file', describe: 'JSONL results, one line per row: {"row":N,"ok":true,"response":{...}} or {"row":N,"ok":false,"error":{...}}' },
      concurrency: { type: 'number', default: 8, describe: 'requests in flight at once on each session' },
      resume: { type: 'boolean', default: false, describe: 'skip the rows the output already answers' },
      'retry-unknown': { type: 'boolean', default: false, describe: 'with --resume: send again the rows whose fate is unknown (not idempotent for NewRecord!)' },
      profiles: { type: 'string', describe: 'share the rows among these profiles\' sessions: a,b,c' },
      detach: { type: 'boolean', default: false, describe: 'leave the job running in the session server and print its id (`aapi jobs` lists it)' },
      ...constantKeys(),
    },
    epilogue: 'Constant keys for every row come from the verb\'s own flags, e.g. `aapi batch run-query --query-number 1 --input urns.csv --output out.jsonl`.',
  },
  jobs: {
    section: 'scenarios',
    summary: 'The batch jobs of the session server: list, wait ID, stop ID',
    description: 'The batch jobs of the session server: list them, `wait ID` (its progress, then its exit code), `stop ID` (as Ctrl-C).',
    positionals: [
      { name: 'action', optional: true, choices: ['list', 'wait', 'stop'], default: 'list', describe: 'list (the default), wait or stop' },
      { name: 'id', optional: true, describe: 'the job, as `aapi batch --detach` printed it' },
    ],
  },
  console: {
    section: 'tools',
    summary: 'The interactive replacement for the API Test Client',
    description: 'The interactive replacement for the Windows API Test Client: pick a command, fill its keys, see every frame.',
    options: {
      record: { type: 'string', completes: 'file', describe: 'write the session as a recipe (JSON5) that `aapi run` replays' },
      attach: { type: 'boolean', default: false, describe: 'use the profile\'s live session from `aapi login` instead of a connection of its own' },
      agent: { type: 'string', describe: 'log in as this agent at start (env AAPI_AGENT); the password from AAPI_PASSWORD or a masked prompt. Without it the console starts logged out' },
      ...loginOptions('with --agent: '),
    },
  },
  sim: {
    section: 'tools',
    summary: 'Run a local Genius dialler simulator',
    description: 'Run a local Genius dialler simulator. Line 1 of stdout: its URL; line 2: its control endpoint.',
    noGlobals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
      port: { type: 'number', default: 8787, describe: 'port to listen on; 0 picks a free one' },
      tls: { type: 'boolean', default: false, describe: 'serve wss:// with a self-signed certificate made at start (TLS 1.2+)' },
      fixture: { type: 'string', completes: 'file', describe: 'JSON5 file of agents, campaigns, records, queries, templates and timings, merged over the built-in one' },
      'control-port': { type: 'number', default: 0, describe: 'loopback port of the HTTP control endpoint; 0 picks a free one' },
      'cert-out': { type: 'string', completes: 'file', describe: 'with --tls: write the certificate (PEM) to this file, for clients to trust' },
      latency: { type: 'string', describe: 'delay every frame the simulator sends by this much, as a network would: 2ms, 50ms (default: none)' },
      'string-ids': { type: 'boolean', describe: 'write RID and SID as decimal strings in every answer and event, as the real dialler does (fixture: stringIds)' },
      verbose: { type: 'boolean', alias: ['v'], describe: 'log every frame received and sent on stderr, per agent, passwords masked' },
      'allow-origin': { type: 'string', repeatable: true, describe: 'let in the WebSocket of a browser application served from this origin (https://app.example.com:8443); repeatable. Without it, a request with an Origin is refused' },
    },
  },
  proxy: {
    section: 'tools',
    summary: 'An AAPI-aware WebSocket proxy that checks what a client sends',
    description: 'An AAPI-aware WebSocket proxy: passes every frame unchanged, logs it decoded, checks what each client sends, and reports at the end. Line 1 of stdout: its URL.',
    options: {
      upstream: { type: 'string', describe: 'the AAPI to forward each client to: ws://127.0.0.1:8787, wss://host' },
      host: { type: 'string', default: '127.0.0.1', describe: 'address to listen on' },
      port: { type: 'number', default: 8788, describe: 'port to listen on; 0 picks a free one' },
      tls: { type: 'boolean', default: false, describe: 'serve wss:// with a self-signed certificate made at start (TLS 1.2+)' },
      'cert-out': { type: 'string', completes: 'file', describe: 'with --tls: write the certificate (PEM) to this file, for clients to trust' },
      log: { type: 'string', completes: 'file', describe: 'keep every frame, masked, as JSON lines (time, direction, connection, decoded) in this file' },
      record: { type: 'string', completes: 'file', describe: 'write the first client\'s session as a recipe (JSON5) that `aapi run` replays' },
      reporter: { type: 'string', default: 'pretty', completes: PROXY_REPORTERS, describe: `the conformance report: ${PROXY_REPORTERS.join(', ')}` },
      out: { type: 'string', completes: 'file', describe: 'write the report to this file (else stderr)' },
      once: { type: 'boolean', default: false, describe: 'end when the first client has disconnected' },
      'ack-within': { type: 'string', default: '5s', describe: 'an event acknowledged later than this is late' },
      'keepalive-within': { type: 'string', default: '30s', describe: 'a client silent for longer has missed a KeepAlive' },
      'allow-origin': { type: 'string', repeatable: true, describe: 'let in the WebSocket of a browser application served from this origin; repeatable' },
    },
    epilogue: `The checks of what each client sends (rule, severity, where in the spec or ERRATA it comes from):\n${rulesHelp()}\n\nExit 0 when no error-level rule was broken, 1 when one was, 3 when the upstream could not be reached.`,
  },
  completion: {
    section: 'tools',
    summary: 'Print a shell completion script (bash, zsh)',
    description: 'Print a bash or zsh completion script: eval "$(aapi completion bash)".',
    positionals: [{ name: 'shell', optional: true, completes: SHELLS, describe: `${SHELLS.join(' or ')} (default: from $SHELL)` }],
  },
  __server: {
    summary: 'The session server (started by `aapi login`)',
    description: 'The session server, which holds every profile\'s session; `aapi login` starts it.',
    positionals: [{ name: 'profile', describe: 'the profile of the first session' }],
  },
};
