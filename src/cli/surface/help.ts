import { REQUESTS, VERBS } from '../../protocol/catalogue.js';
import { allCommands, globalOptions, negatable, type Command } from './commands.js';
import { YARGS_OPTIONS } from './globals.js';
import type { OptionDecl, Section } from './types.js';

// `aapi --help`: the commands by what they are for, the verbs by the spec's own sections, as gh
// lists its commands; a command's own `--help` is yargs', from the same declarations.

const ABOUT = 'aapi: the Genius Agent API from the command line. A session per profile that stays logged in, one command per verb of the spec, recipes, batches and a simulator.';

const SECTIONS: Record<Section, string> = { session: 'Session commands', scenarios: 'Scenarios and batches', tools: 'Tools' };

const EXAMPLES = [
  'aapi sim --port 8787 &',
  'aapi login --server ws://127.0.0.1:8787 --agent demo --extension 8600001 --tenant demo --campaign outbound',
  'aapi go-available --live 1 && aapi wait NowInCall',
  'aapi run --sim recipes/standard-cycle.json5',
  'aapi batch run-query --query-number 1 --input urns.csv --output out.jsonl',
];

const LEARN_MORE: [string, string][] = [
  ['aapi <command> --help', 'a command\'s options; a verb\'s keys, as the spec describes them'],
  ['docs/commands.md', 'every verb with its keys, every event, every error'],
];

/** `text` in lines of at most `width` columns, every line but the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export function topHelp(columns: number | undefined): string {
  const width = Math.min(110, columns ?? 100);
  const commands = allCommands();
  const globals: [string, OptionDecl][] = [...Object.entries(globalOptions()), ['version', YARGS_OPTIONS.version]];
  const column = 2 + Math.max(...commands.map((c) => c.name.length), ...globals.map(([n]) => n.length + 2), ...LEARN_MORE.map(([t]) => t.length)) + 2;
  const row = (name: string, text: string) => `  ${name.padEnd(column - 2)}${wrap(text, width, column)}`;
  const list = (title: string, of: readonly Command[]) => [title, ...of.map((c) => row(c.name, c.summary)), ''];
  const groups = [...new Set(VERBS.map((v) => REQUESTS[v].group))];
  const flag = (name: string, o: OptionDecl) => (negatable(o) ? `--[no-]${name}` : `--${name}`);
  return [
    wrap(ABOUT, width, 0),
    '',
    'Usage: aapi <command> [options]',
    '',
    ...list(SECTIONS.session, commands.filter((c) => c.section === 'session')),
    ...groups.flatMap((g) => list(`AAPI verbs: ${g}`, commands.filter((c) => c.section === g))),
    ...list(SECTIONS.scenarios, commands.filter((c) => c.section === 'scenarios')),
    ...list(SECTIONS.tools, commands.filter((c) => c.section === 'tools')),
    'Global options',
    ...globals.map(([name, o]) => row(flag(name, o), o.describe)),
    '',
    'Examples',
    ...EXAMPLES.map((e) => `  $ ${e}`),
    '',
    'Learn more',
    ...LEARN_MORE.map(([t, text]) => row(t, text)),
    '',
  ].join('\n');
}
