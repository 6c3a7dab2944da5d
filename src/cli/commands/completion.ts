import { EVENTS, EVENTS_TABLE } from '../../protocol/catalogue.js';
import { EXIT, usageError } from '../../util/exit.js';
import type { CommandEnv } from '../main.js';
import { SHELLS } from '../surface/builtins.js';
import { allCommands, flagsOf, globalOptions, positionalOf, verbCommands, type Command, type Flag, type Values } from '../surface/commands.js';
import { YARGS_OPTIONS } from '../surface/globals.js';
import { VALUED_GLOBALS } from '../surface/routing.js';

// `aapi completion [bash|zsh]`: a completion script for the shell, generated from the declared
// surface (src/cli/surface/: every command, built-in or verb, its flags and what their values
// complete to) and the catalogue's event names; profile names are read from the profiles folder
// when TAB is pressed, so the script never runs `aapi` itself.
//
//   bash:  eval "$(aapi completion bash)"         (in ~/.bashrc), or save it in /etc/bash_completion.d/aapi
//   zsh:   aapi completion zsh > "${fpath[1]}/_aapi"   (then compinit), or  source <(aapi completion zsh)

const GLOBAL_FLAGS = flagsOf(globalOptions());

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

function bash(commands: Command[]): string {
  const verbs = verbCommands().map((c) => c.name);
  const names = (c: Command) => [c.name, ...c.aliases];
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
    const flags = flagsOf(c.options);
    if (flags.length) out.push(`    ${names(c).join('|')}) echo "${words(flags.map((f) => `--${f.name}`))}" ;;`);
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
    for (const f of flagsOf(c.options)) {
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
  for (const c of commands) {
    const values = positionalOf(c);
    if (values) out.push(`    ${names(c).join('|')}) ${bashValues(values)} ;;`);
  }
  out.push('    *) COMPREPLY=() ;;', '  esac', '}', '');
  out.push(
    '_aapi() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd="" verb="" i w nargs=0',
    '  # The command is the first word that is not a flag or the value of a global flag; after it, the',
    '  # words that are not flags or flag values are its positional arguments (batch: the first is the verb).',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    case $w in',
    `      ${VALUED_GLOBALS.map((o) => `--${o}`).join('|')}) ((i += 1)) ;;`,
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
    `  if [[ " ${words(commands.filter((c) => c.positionals[0]?.variadic).map((c) => c.name))} " == *" $cmd "* ]] || ((nargs == 0)); then _aapi_positional "$cmd"; fi`,
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
function zshFlag(f: Flag): string {
  const spec = `${f.repeatable ? '*' : ''}--${f.name}[${zshText(f.describe).replace(/:/g, '\\:')}]`;
  return f.value ? `'${spec}:${f.name}:${zshAction(f.value)}'` : `'${spec}'`;
}

function zsh(commands: Command[]): string {
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
    `  local -a verbs=(${verbs.map((c) => zshItem(c.name, c.summary)).join(' ')})`,
    '  _describe -t verbs \'verb\' verbs',
    '}',
    '',
    '# The _arguments specs of verb $1\'s flags, in $reply.',
    '_aapi_verb_specs() {',
    '  reply=()',
    '  case $1 in',
  ];
  for (const c of verbs) out.push(`    ${[c.name, ...c.aliases].join('|')}) reply=(${flagsOf(c.options).map(zshFlag).join(' ')}) ;;`);
  out.push(
    '  esac',
    '}',
    '',
    '_aapi() {',
    '  local curcontext="$curcontext" state line ret=1',
    '  local -a globals own reply',
    '  typeset -A opt_args',
    `  globals=(${GLOBAL_FLAGS.map(zshFlag).join(' ')})`,
    `  _arguments -C $globals ${zshFlag(flagsOf({ version: YARGS_OPTIONS.version })[0])} '1:command:->command' '*::arg:->args' && ret=0`,
    '  case $state in',
    '    command)',
    `      local -a commands=(${commands.map((c) => zshItem(c.name, c.summary)).join(' ')})`,
    '      _describe -t commands \'aapi command\' commands && ret=0',
    '      ;;',
    '    args)',
    '      curcontext="${curcontext%:*}-$line[1]:"',
    '      case $line[1] in',
  );
  for (const c of builtins) {
    const own = flagsOf(c.options).map(zshFlag);
    const values = positionalOf(c);
    if (values) own.push(`'${c.positionals[0].variadic ? '*' : '1'}:${c.positionals[0].name}:${zshAction(values)}'`);
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

type Shell = (typeof SHELLS)[number];

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
