// The part of the CLI's surface that the thin client (src/client.ts) routes by: where each built-in
// command runs, and which global options take a value. It loads this on every call, so it has no
// imports and no descriptions; the full declaration is in ./builtins.ts and ./globals.ts, whose
// types make them declare exactly these names (a command or option added here alone fails tsc).

/**
 * `local`: in the caller's own process (it reads the caller's terminal, files or standard input, or
 * starts processes of its own). `server`: in the session server, which holds the sessions. Verbs
 * run in the server. The thin client itself runs no command: it only hands each to one of the two.
 */
export type Runs = 'local' | 'server';

export const COMMAND_RUNS = {
  login: 'local',
  logout: 'server',
  status: 'server',
  events: 'server',
  wait: 'server',
  send: 'server',
  run: 'local',
  batch: 'local',
  jobs: 'server',
  console: 'local',
  sim: 'local',
  proxy: 'local',
  completion: 'local',
  __server: 'local',
} as const satisfies Record<string, Runs>;

export type Builtin = keyof typeof COMMAND_RUNS;

/** The global options that take a value: the word after one is that value, not the command. */
export const VALUED_GLOBALS = ['server', 'profile', 'timeout', 'max-frame', 'ca'] as const;

export type ValuedGlobal = (typeof VALUED_GLOBALS)[number];

const valued = new Set<string>(VALUED_GLOBALS.map((o) => `--${o}`));

/** Where the command word is: the first word that is neither an option nor a valued global's value; -1 for none. */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    if (valued.has(argv[i])) i++;
    else if (!argv[i].startsWith('-')) return i;
  }
  return -1;
}

export const runsLocally = (command: string): boolean => Object.hasOwn(COMMAND_RUNS, command) && COMMAND_RUNS[command as Builtin] === 'local';
