// The shape of the CLI's surface as data: every built-in command and option (./builtins.ts,
// ./globals.ts) and every verb's (./verbs.ts, from the protocol catalogue). yargs, `--help`, the
// completion scripts, did-you-mean and docs/commands.md are all made from these.

/** What a value completes to on Tab: files, a profile, an event or verb name, or one of a few words. */
export type Completes = 'file' | 'profile' | 'event' | 'verb' | readonly string[];

export interface OptionDecl {
  /** `boolean`: a switch, which takes no value. */
  type: 'string' | 'number' | 'boolean';
  describe: string;
  default?: string | number | boolean;
  /** Other spellings: `-f`, the spec's own key (`--telNumber`, `--RID`). */
  alias?: readonly string[];
  /** Left out: any text. */
  completes?: Completes;
  /** Given once per value; the word after the value is not one (`--var a=b FILE` leaves FILE to the command). */
  repeatable?: true;
  /** Takes the words after it as more values too (a verb's list and key-value keys). */
  array?: true;
  required?: true;
  /** Accepted, but in no help, completion or suggestion. */
  hidden?: true;
  /** The heading of its section in the command's help. */
  group?: string;
}

/** A word after the command, always text. */
export interface PositionalDecl {
  name: string;
  describe: string;
  /** `[name]` rather than `<name>`. */
  optional?: true;
  /** One or more: `<files..>`. */
  variadic?: true;
  completes?: Completes;
  /** Enforced: any other word is refused. */
  choices?: readonly string[];
  default?: string;
}

/** Where `aapi --help` lists a built-in command; verbs are listed by their catalogue group. */
export type Section = 'session' | 'scenarios' | 'tools';

export interface CommandDecl {
  /** One line: the list in `aapi --help`, the completion menus. */
  summary: string;
  /** The command's own `--help`. */
  description: string;
  /** Undefined: in no help or completion (the session server's own entry point). */
  section?: Section;
  positionals?: readonly PositionalDecl[];
  options?: Readonly<Record<string, OptionDecl>>;
  /** The global options mean nothing to it: left out of its help (still accepted). */
  noGlobals?: true;
  epilogue?: string;
}
