import { REQUESTS, VERBS } from '../../protocol/catalogue.js';
import type { Group } from '../../protocol/types.js';
import { BUILTIN_COMMANDS } from './builtins.js';
import { GLOBAL_OPTIONS, YARGS_OPTIONS } from './globals.js';
import type { Builtin } from './routing.js';
import type { CommandDecl, Completes, OptionDecl, PositionalDecl, Section } from './types.js';
import { verbOptions } from './verbs.js';

// Every command a user may type, built-in or verb, in one shape: what help, completion,
// did-you-mean, the fuzzer and the docs read.

export interface Command {
  name: string;
  /** Other names: a verb's spec name. */
  aliases: readonly string[];
  summary: string;
  /** Where `aapi --help` lists it. */
  section: Section | Group;
  positionals: readonly PositionalDecl[];
  options: Readonly<Record<string, OptionDecl>>;
}

/** The built-in commands a user may type, in the table's order (not the session server's own entry point). */
function builtinCommands(): Command[] {
  return (Object.entries(BUILTIN_COMMANDS) as [Builtin, CommandDecl][]).flatMap(([name, d]) =>
    d.section ? [{ name, aliases: [], summary: d.summary, section: d.section, positionals: d.positionals ?? [], options: d.options ?? {} }] : []);
}

/** One command per verb, in the catalogue's order. */
export function verbCommands(): Command[] {
  return VERBS.map((verb) => {
    const spec = REQUESTS[verb];
    return { name: spec.cli, aliases: [verb], summary: spec.summary, section: spec.group, positionals: [], options: verbOptions(spec) };
  });
}

export const allCommands = (): Command[] => [...builtinCommands(), ...verbCommands()];

/** The options every command takes, yargs' own `--help` included. */
export const globalOptions = (): Record<string, OptionDecl> => ({ ...GLOBAL_OPTIONS, help: YARGS_OPTIONS.help });

/** The options a user may see: in help, completion and suggestions. */
export const visibleOptions = (options: Readonly<Record<string, OptionDecl>>): [string, OptionDecl][] =>
  Object.entries(options).filter(([, o]) => !o.hidden);

/** A switch on by default is turned off as `--no-NAME` (yargs takes that spelling of any switch). */
export const negatable = (o: OptionDecl): boolean => o.type === 'boolean' && o.default === true;

/** The command and its positionals as yargs and the docs write them: `wait <event>`, `jobs [action] [id]`, `run <files..>`. */
export function commandLine(name: string, positionals: readonly PositionalDecl[]): string {
  const word = (p: PositionalDecl) => `${p.name}${p.variadic ? '..' : ''}`;
  return [name, ...positionals.map((p) => (p.optional ? `[${word(p)}]` : `<${word(p)}>`))].join(' ');
}

/** What a flag's value or a positional completes to: as declared, else any text. */
export type Values = Completes | 'any';

export interface Flag {
  name: string;
  describe: string;
  /** undefined: a switch that takes no value. */
  value?: Values;
  repeatable: boolean;
}

/** The flags of declared options as a user types them: the visible ones, `--no-NAME` for a switch on by default. */
export function flagsOf(options: Readonly<Record<string, OptionDecl>>): Flag[] {
  return visibleOptions(options).flatMap(([name, o]) => {
    const flag: Flag = { name, describe: o.describe, value: o.type === 'boolean' ? undefined : o.completes ?? 'any', repeatable: o.repeatable === true || o.array === true };
    return negatable(o) ? [flag, { ...flag, name: `no-${name}`, describe: `the opposite of --${name}` }] : [flag];
  });
}

/** What the first positional of a command completes to, when it takes one. */
export function positionalOf(c: Command): Values | undefined {
  const p = c.positionals[0];
  return p && (p.completes ?? p.choices ?? 'any');
}
