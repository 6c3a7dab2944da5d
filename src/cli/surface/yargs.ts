import type { Argv, Options, PositionalOptions } from 'yargs';
import type { CommandDecl, OptionDecl, PositionalDecl } from './types.js';

// The declared surface handed to yargs, which parses by it.

function option(o: OptionDecl, global: boolean): Options {
  return {
    type: o.type,
    describe: o.describe,
    ...(global && { global: true }),
    ...(o.default !== undefined && { default: o.default }),
    ...(o.alias && { alias: [...o.alias] }),
    // One value per flag: yargs would otherwise take the words after it as more values.
    ...(o.repeatable && { nargs: 1 }),
    ...(o.array && { array: true }),
    ...(o.required && { demandOption: true }),
    ...(o.hidden && { hidden: true }),
    ...(o.group && { group: o.group }),
  };
}

export function addOptions(y: Argv, options: Readonly<Record<string, OptionDecl>>, global = false): Argv {
  for (const [name, o] of Object.entries(options)) y = y.option(name, option(o, global));
  return y;
}

const positional = (p: PositionalDecl): PositionalOptions => ({
  type: 'string',
  describe: p.describe,
  ...(p.variadic && { array: true }),
  ...(p.choices && { choices: [...p.choices] }),
  ...(p.default !== undefined && { default: p.default }),
});

/** A built-in command's positionals, options and epilogue; `hide` names the global options left out of its help. */
export function addCommand(c: Argv, decl: CommandDecl, hide: readonly string[]): Argv {
  for (const p of decl.positionals ?? []) c = c.positional(p.name, positional(p));
  c = addOptions(c, decl.options ?? {});
  if (decl.noGlobals) for (const g of hide) c = c.hide(g);
  return decl.epilogue ? c.epilogue(decl.epilogue) : c;
}
