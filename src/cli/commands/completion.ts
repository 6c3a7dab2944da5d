import { EVENTS, EVENTS_TABLE, REQUESTS, VERBS } from '../../protocol/catalogue.js';
import type { KeySpec } from '../../protocol/types.js';
import { EXIT, usageError } from '../../util/exit.js';
import { flagKeys, flagOf, stdinFlags } from '../../protocol/flags.js';
import type { CommandEnv } from '../main.js';

// `aapi completion [bash|zsh]`: a completion script for the shell, generated from the catalogue (verbs,
// their flags and documented values, event names) and the built-in commands; profile names are read
// from the profiles folder when TAB is pressed, so the script never runs `aapi` itself.
//
//   bash:  eval "$(aapi completion bash)"         (in ~/.bashrc), or save it in /etc/bash_completion.d/aapi
//   zsh:   aapi completion zsh > "${fpath[1]}/_aapi"   (then compinit), or  source <(aapi completion zsh)

/** What a flag's value (or a command's positional) completes to: nothing special, files, a list of words ... */
export type Values = 'any' | 'file' | 'profile' | 'event' | 'verb' | readonly string[];

export interface FlagSpec {
  name: string;
  describe: string;
  /** undefined: a switch that takes no value. */
  value?: Values;
  /** May be given more than once. */
  repeatable?: boolean;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  describe: string;
  flags: FlagSpec[];
  positional?: Values;
}

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

const any: Values = 'any';

/** The options every command takes (main.ts's globals, and yargs' own). */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'server', describe: 'wss://host or ws://host:port of the AAPI', value: any },
  { name: 'profile', describe: 'which session to use', value: 'profile' },
  { name: 'json', describe: 'one JSON object per line on stdout' },
  { name: 'timeout', describe: 'how long to wait for a response: 500ms, 30s, 2m', value: any },
  { name: 'max-frame', describe: 'the largest request frame to send: 256k, 1m, 2MiB', value: any },
  { name: 'insecure', describe: 'accept a self-signed TLS certificate' },
  { name: 'ca', describe: 'also trust the certificate authorities in this PEM file', value: 'file' },
  { name: 'color', describe: 'colour output' },
  { name: 'no-color', describe: 'plain text' },
  { name: 'help', describe: 'show help' },
];

/** The built-in commands and their own flags, as main.ts defines them (test/docs.test.ts keeps them in step). */
export const BUILTIN_COMMANDS: CommandSpec[] = [
  {
    name: 'sim', aliases: [], describe: 'Run a local Genius dialler simulator',
    flags: [
      { name: 'host', describe: 'address to listen on', value: any },
      { name: 'port', describe: 'port to listen on; 0 picks a free one', value: any },
      { name: 'tls', describe: 'serve wss:// with a self-signed certificate' },
      { name: 'fixture', describe: 'JSON5 fixture merged over the built-in one', value: 'file' },
      { name: 'control-port', describe: 'loopback port of the HTTP control endpoint', value: any },
      { name: 'cert-out', describe: 'write the certificate (PEM) to this file', value: 'file' },
      { name: 'latency', describe: 'delay every frame it sends by this much (20ms)', value: any },
      { name: 'string-ids', describe: 'RID and SID as strings, as the real dialler writes them' },
      { name: 'allow-origin', describe: 'let in a browser application from this origin', value: any, repeatable: true },
    ],
  },
  {
    name: 'login', aliases: [], describe: 'Authenticate an agent and start the session daemon',
    flags: [
      { name: 'agent', describe: 'agent name', value: any },
      { name: 'extension', describe: 'extension or DDI of the agent\'s phone', value: any },
      { name: 'tenant', describe: 'tenant to connect to (with --campaign)', value: any },
      { name: 'campaign', describe: 'campaign to connect to (with --tenant)', value: any },
      { name: 'second-factor', describe: 'the 6-digit code', value: any },
      { name: 'store-device', describe: 'remember this device for N days', value: any },
      { name: 'password-stdin', describe: 'read the password from stdin' },
    ],
  },
  { name: 'logout', aliases: [], describe: 'Log off and end the profile\'s session', flags: [{ name: 'all', describe: 'every profile logs off, and the session server ends' }] },
  { name: 'status', aliases: [], describe: 'The session: server, agent, SID, state, open sessions', flags: [{ name: 'all', describe: 'every profile\'s session in one table' }] },
  {
    name: 'events', aliases: [], describe: 'Print the events recorded in the event log',
    flags: [
      { name: 'follow', describe: 'keep printing new events' },
      { name: 'since', describe: 'only events after this sequence number', value: any },
    ],
  },
  {
    name: 'wait', aliases: [], describe: 'Wait for the first matching event', positional: 'event',
    flags: [{ name: 'where', describe: 'KEY=VALUE the event must have (repeatable)', value: any, repeatable: true }],
  },
  { name: 'send', aliases: [], describe: 'Send any message (a JSON5 object)', flags: [], positional: any },
  {
    name: 'run', aliases: [], describe: 'Run recipes (JSON5 scenarios)', positional: 'file',
    flags: [
      { name: 'var', describe: 'NAME=VALUE, overriding the recipe\'s vars', value: any, repeatable: true },
      { name: 'reporter', describe: 'pretty, junit, tap or json', value: ['pretty', 'junit', 'tap', 'json'] },
      { name: 'out', describe: 'write the report to this file', value: 'file' },
      { name: 'sim', describe: 'run against a fresh embedded simulator' },
      { name: 'check', describe: 'only validate the recipes' },
      { name: 'control', describe: 'the control URL of an `aapi sim`', value: any },
    ],
  },
  {
    name: 'batch', aliases: [], describe: 'Send one request per input row (CSV or JSONL)', positional: 'verb',
    flags: [
      { name: 'input', describe: 'rows: CSV with a header, or JSONL', value: 'file' },
      { name: 'output', describe: 'JSONL results, one line per row', value: 'file' },
      { name: 'concurrency', describe: 'requests in flight at once on each session', value: any },
      { name: 'resume', describe: 'skip the rows the output already answers' },
      { name: 'retry-unknown', describe: 'with --resume: send again the rows whose fate is unknown' },
      { name: 'profiles', describe: 'share the rows among these profiles\' sessions: a,b,c', value: any },
      { name: 'detach', describe: 'leave the job running in the session server and print its id' },
    ],
  },
  { name: 'jobs', aliases: [], describe: 'The batch jobs of the session server: list, wait ID, stop ID', flags: [], positional: ['list', 'wait', 'stop'] },
  {
    name: 'console', aliases: [], describe: 'The interactive replacement for the API Test Client',
    flags: [
      { name: 'record', describe: 'write the session as a recipe', value: 'file' },
      { name: 'attach', describe: 'use the profile\'s live session' },
      { name: 'agent', describe: 'log in as this agent at start', value: any },
      { name: 'extension', describe: 'with --agent: the agent\'s extension', value: any },
      { name: 'tenant', describe: 'with --agent: connect to this tenant (with --campaign)', value: any },
      { name: 'campaign', describe: 'with --agent: the campaign to connect to', value: any },
      { name: 'second-factor', describe: 'with --agent: the 6-digit code', value: any },
    ],
  },
  { name: 'completion', aliases: [], describe: 'Print a shell completion script (bash, zsh)', flags: [], positional: SHELLS },
];

/** The words a key's value may be given as: the names of its choices, else a closed list of values. */
function valuesOf(key: KeySpec): Values {
  if (!key.choices) return any;
  const names = key.choices.flatMap((c) => c.names ?? []);
  if (names.length) return names;
  return key.closed ? key.choices.map((c) => String(c.value)) : any;
}

/** One command per verb, its flags from the catalogue. */
export function verbCommands(): CommandSpec[] {
  return VERBS.map((verb) => {
    const spec = REQUESTS[verb];
    const flags: FlagSpec[] = flagKeys(spec).map((key) => ({
      name: flagOf(key),
      describe: key.description,
      value: key.type === 'boolean' ? undefined : valuesOf(key),
      repeatable: key.type === 'keyValue' || key.type === 'intArray',
    }));
    for (const { name, describe } of stdinFlags(spec)) flags.push({ name, describe });
    if (spec.rid) flags.push({ name: 'rid', describe: 'send this RID instead of a fresh one', value: any });
    return { name: spec.cli, aliases: [verb], describe: spec.summary, flags };
  });
}

export function allCommands(): CommandSpec[] {
  return [...BUILTIN_COMMANDS, ...verbCommands()];
}

/** Every event name a user may type: wire names and aliases. */
export function eventNames(): string[] {
  return EVENTS.flatMap((e) => [e, ...EVENTS_TABLE[e].aliases]);
}

// ---- bash -------------------------------------------------------------------------------------

const words = (list: readonly string[]) => list.join(' ');

/** The shell snippet (one command) that fills COMPREPLY for a `Values`, with `$cur` the word being completed. */
function bashValues(v: Values): string {
  if (v === 'file') return '{ compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); }';
  if (v === 'profile') return 'COMPREPLY=($(compgen -W "$(_aapi_profiles)" -- "$cur"))';
  if (v === 'event') return 'COMPREPLY=($(compgen -W "$_aapi_events" -- "$cur"))';
  if (v === 'verb') return 'COMPREPLY=($(compgen -W "$_aapi_verbs" -- "$cur"))';
  if (v === 'any') return 'COMPREPLY=()';
  return `COMPREPLY=($(compgen -W "${words(v)}" -- "$cur"))`;
}

function bash(commands: CommandSpec[]): string {
  const verbs = verbCommands().map((c) => c.name);
  const names = (c: CommandSpec) => [c.name, ...c.aliases];
  const out: string[] = [
    '# bash completion for aapi, from `aapi completion bash`.',
    '# Load it with:  eval "$(aapi completion bash)"   (e.g. in ~/.bashrc),',
    '# or save it:    aapi completion bash > /etc/bash_completion.d/aapi',
    '',
    `_aapi_commands="${words(commands.map((c) => c.name))}"`,
    `_aapi_verbs="${words(verbs)}"`,
    `_aapi_events="${words(eventNames())}"`,
    `_aapi_global_flags="${words(GLOBAL_FLAGS.map((f) => `--${f.name}`))}"`,
    '',
    '# Profiles: those with a folder under $AAPI_HOME/profiles (else XDG_STATE_HOME), and live sockets.',
    '_aapi_profiles() {',
    '  local state run p',
    '  if [[ -n $AAPI_HOME ]]; then state=$AAPI_HOME/profiles; run=$AAPI_HOME/run',
    '  else state=${XDG_STATE_HOME:-$HOME/.local/state}/aapi/profiles',
    '    if [[ -n $XDG_RUNTIME_DIR ]]; then run=$XDG_RUNTIME_DIR/aapi; else run=${TMPDIR:-/tmp}/aapi-$(id -u); fi',
    '  fi',
    '  { for p in "$state"/*/; do [[ -d $p ]] && p=${p%/} && echo "${p##*/}"; done',
    '    for p in "$run"/*.sock; do [[ -S $p ]] && p=${p%.sock} && echo "${p##*/}"; done; } 2>/dev/null | sort -u',
    '}',
    '',
    '# The own flags of command $1.',
    '_aapi_flags() {',
    '  case $1 in',
  ];
  for (const c of commands) {
    if (c.flags.length) out.push(`    ${names(c).join('|')}) echo "${words(c.flags.map((f) => `--${f.name}`))}" ;;`);
  }
  out.push(
    '  esac',
    '}',
    '',
    '# Completes the value of flag $1 of command $2; fails when the flag takes no value.',
    '# With a third argument it only says whether the flag takes a value.',
    '_aapi_flag_value() {',
    '  case "$2 $1" in',
  );
  // Patterns are "COMMAND --FLAG": a command's own flags first, then the global ones for any command.
  const byValue = new Map<string, string[]>();
  for (const c of commands) {
    for (const f of c.flags) {
      if (!f.value) continue;
      const snippet = bashValues(f.value);
      byValue.set(snippet, [...(byValue.get(snippet) ?? []), ...names(c).map((n) => `"${n} --${f.name}"`)]);
    }
  }
  const arm = (patterns: string, snippet: string) => `    ${patterns}) [[ -n $3 ]] || ${snippet} ;;`;
  for (const [snippet, patterns] of byValue) out.push(arm(patterns.join('|'), snippet));
  for (const f of GLOBAL_FLAGS) if (f.value) out.push(arm(`*" --${f.name}"`, bashValues(f.value)));
  out.push('    *) return 1 ;;', '  esac', '}', '');
  out.push('# Completes the positional argument of command $1.', '_aapi_positional() {', '  case $1 in');
  for (const c of commands) if (c.positional) out.push(`    ${names(c).join('|')}) ${bashValues(c.positional)} ;;`);
  out.push('    *) COMPREPLY=() ;;', '  esac', '}', '');
  out.push(
    '_aapi() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd="" verb="" i w nargs=0',
    '  # The command is the first word that is not a flag or the value of a global flag; after it, the',
    '  # words that are not flags or flag values are its positional arguments (batch: the first is the verb).',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    case $w in',
    '      --server|--profile|--timeout) ((i += 1)) ;;',
    '      -*) ;;',
    '      *)',
    '        if [[ -z $cmd ]]; then cmd=$w',
    '        elif ! _aapi_flag_value "${COMP_WORDS[i-1]}" "$cmd" check && ! _aapi_flag_value "${COMP_WORDS[i-1]}" "${verb:-_}" check; then',
    '          ((nargs += 1)); [[ -z $verb ]] && verb=$w',
    '        fi ;;',
    '    esac',
    '  done',
    '  COMPREPLY=()',
    '  if [[ $prev == --* && $COMP_CWORD -gt 1 ]]; then',
    '    _aapi_flag_value "$prev" "${cmd:-_}" && return 0',
    '    [[ $cmd == batch && -n $verb ]] && _aapi_flag_value "$prev" "$verb" && return 0',
    '  fi',
    '  if [[ -z $cmd ]]; then',
    '    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$_aapi_global_flags --version" -- "$cur"))',
    '    else COMPREPLY=($(compgen -W "$_aapi_commands" -- "$cur")); fi',
    '    return 0',
    '  fi',
    '  if [[ $cur == -* ]]; then',
    '    local flags="$(_aapi_flags "$cmd") $_aapi_global_flags"',
    '    # batch VERB: the verb\'s own flags give constant keys for every row.',
    '    [[ $cmd == batch && -n $verb ]] && flags="$flags $(_aapi_flags "$verb")"',
    '    COMPREPLY=($(compgen -W "$flags" -- "$cur"))',
    '    return 0',
    '  fi',
    '  if [[ $cmd == run ]] || ((nargs == 0)); then _aapi_positional "$cmd"; fi',
    '  return 0',
    '}',
    'complete -o default -F _aapi aapi aapi-linux-x64',
    '',
  );
  return out.join('\n');
}

// ---- zsh --------------------------------------------------------------------------------------

/** Text for zsh: one short line; inside single quotes; no brackets (they end an _arguments explanation). */
function zshText(text: string, max = 70): string {
  let t = text.replace(/\s+/g, ' ').trim();
  const stop = t.search(/[.;](\s|$)/);
  if (stop > 0) t = t.slice(0, stop);
  if (t.length > max) t = `${t.slice(0, max - 1).replace(/\s+\S*$/, '')}...`;
  return t.replace(/\[/g, '(').replace(/\]/g, ')').replace(/'/g, '\'\\\'\'');
}

/** `name:description` for _describe: a colon in the name would split it. */
const zshItem = (name: string, describe: string) => `'${name.replace(/:/g, '\\:')}:${zshText(describe)}'`;

function zshAction(v: Values): string {
  if (v === 'file') return '_files';
  if (v === 'profile') return '_aapi_profiles';
  if (v === 'event') return '_aapi_events';
  if (v === 'verb') return '_aapi_verbs';
  if (v === 'any') return ' ';
  return `(${v.join(' ')})`;
}

/** An _arguments spec: `--flag[explanation]` or `--flag[explanation]:message:action`, `*` when repeatable. */
function zshFlag(f: FlagSpec): string {
  const spec = `${f.repeatable ? '*' : ''}--${f.name}[${zshText(f.describe).replace(/:/g, '\\:')}]`;
  return f.value ? `'${spec}:${f.name}:${zshAction(f.value)}'` : `'${spec}'`;
}

function zsh(commands: CommandSpec[]): string {
  const verbs = verbCommands();
  const builtins = commands.filter((c) => !verbs.some((v) => v.name === c.name));
  const aliasOf = (alias: string) => EVENTS.find((n) => EVENTS_TABLE[n].aliases.includes(alias));
  const out: string[] = [
    '#compdef aapi aapi-linux-x64',
    '# zsh completion for aapi, from `aapi completion zsh`.',
    '# Install it:  aapi completion zsh > "${fpath[1]}/_aapi"   (then start a new zsh, or run compinit),',
    '# or load it:  source <(aapi completion zsh)                (after compinit, e.g. in ~/.zshrc)',
    '',
    '# Profiles: those with a folder under $AAPI_HOME/profiles (else XDG_STATE_HOME), and live sockets.',
    '_aapi_profiles() {',
    '  local state run',
    '  local -a profiles',
    '  if [[ -n $AAPI_HOME ]]; then state=$AAPI_HOME/profiles; run=$AAPI_HOME/run',
    '  else state=${XDG_STATE_HOME:-$HOME/.local/state}/aapi/profiles',
    '    if [[ -n $XDG_RUNTIME_DIR ]]; then run=$XDG_RUNTIME_DIR/aapi; else run=${TMPDIR:-/tmp}/aapi-$(id -u); fi',
    '  fi',
    '  profiles=(${state}/*(N/:t) ${run}/*.sock(N=:t:r))',
    '  profiles=(${(u)profiles})',
    '  _describe -t profiles \'profile\' profiles',
    '}',
    '',
    '_aapi_events() {',
    `  local -a events=(${eventNames().map((e) => {
      const spec = EVENTS.find((n) => n === e);
      return zshItem(e, spec ? EVENTS_TABLE[spec].summary : `the same as ${aliasOf(e)}`);
    }).join(' ')})`,
    '  _describe -t events \'event\' events',
    '}',
    '',
    '_aapi_verbs() {',
    `  local -a verbs=(${verbs.map((c) => zshItem(c.name, c.describe)).join(' ')})`,
    '  _describe -t verbs \'verb\' verbs',
    '}',
    '',
    '# The _arguments specs of verb $1\'s flags, in $reply.',
    '_aapi_verb_specs() {',
    '  reply=()',
    '  case $1 in',
  ];
  for (const c of verbs) out.push(`    ${[c.name, ...c.aliases].join('|')}) reply=(${c.flags.map(zshFlag).join(' ')}) ;;`);
  out.push(
    '  esac',
    '}',
    '',
    '_aapi() {',
    '  local curcontext="$curcontext" state line ret=1',
    '  local -a globals own reply',
    '  typeset -A opt_args',
    `  globals=(${GLOBAL_FLAGS.map(zshFlag).join(' ')})`,
    '  _arguments -C $globals \'--version[show the version]\' \'1:command:->command\' \'*::arg:->args\' && ret=0',
    '  case $state in',
    '    command)',
    `      local -a commands=(${commands.map((c) => zshItem(c.name, c.describe)).join(' ')})`,
    '      _describe -t commands \'aapi command\' commands && ret=0',
    '      ;;',
    '    args)',
    '      curcontext="${curcontext%:*}-$line[1]:"',
    '      case $line[1] in',
  );
  for (const c of builtins) {
    const own = c.flags.map(zshFlag);
    if (c.positional) {
      const action = zshAction(c.positional);
      if (c.name === 'run') own.push(`'*:recipe:${action}'`);
      else own.push(`'1:${c.positional === 'event' ? 'event' : c.positional === 'verb' ? 'verb' : 'argument'}:${action}'`);
    }
    // batch VERB takes the verb's own flags as constant keys for every row.
    const extra = c.name === 'batch' ? '; _aapi_verb_specs $line[2]; own+=($reply)' : '';
    out.push(`        ${c.name}) own=(${own.join(' ')})${extra} ;;`);
  }
  out.push(
    '        *) _aapi_verb_specs $line[1]; own=($reply) ;;',
    '      esac',
    '      _arguments $globals $own && ret=0',
    '      ;;',
    '  esac',
    '  return ret',
    '}',
    '',
    '# Autoloaded from $fpath: complete now; sourced: register.',
    'if [[ $zsh_eval_context[-1] == loadautofunc ]]; then',
    '  _aapi "$@"',
    'else',
    '  compdef _aapi aapi aapi-linux-x64',
    'fi',
    '',
  );
  return out.join('\n');
}

export function completionScript(shell: Shell): string {
  const commands = allCommands();
  return shell === 'bash' ? bash(commands) : zsh(commands);
}

/** The shell to write for when none is named: the login shell's, else bash. */
function guessShell(env: NodeJS.ProcessEnv): Shell {
  const name = (env.SHELL ?? '').split('/').pop();
  return name === 'zsh' ? 'zsh' : 'bash';
}

export function completion(shell: string | undefined, env: CommandEnv): number {
  const chosen = shell ?? guessShell(env.io.env);
  if (!(SHELLS as readonly string[]).includes(chosen)) throw usageError(`aapi completion knows ${SHELLS.join(' and ')}, not ${JSON.stringify(chosen)}`);
  env.io.stdout.write(completionScript(chosen as Shell));
  return EXIT.ok;
}
