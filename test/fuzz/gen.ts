import { eventNames } from '../../src/cli/commands/completion.js';
import { allCommands, flagsOf, globalOptions, positionalOf, type Command, type Flag, type Values } from '../../src/cli/surface/commands.js';
import { REQUESTS, VERBS } from '../../src/protocol/catalogue.js';
import type { Rng } from './rng.js';

// Random inputs for the fuzz tests, derived from what the CLI declares (src/cli/surface/, which
// yargs parses by) and from the catalogue: a new command, verb, flag or key is fuzzed without a
// change here.

const GLOBAL_FLAGS = flagsOf(globalOptions());

const deep = (n: number) => `{a:${'['.repeat(n)}${']'.repeat(n)}}`;

/** Values that have broken parsers somewhere: numbers at the edges, durations past a timer's reach, JSON5 half-written or too deep. */
const NASTY = [
  '', ' ', '0', '-1', '1', '2', '007', '1.5', '-0', '1e3', '1e400', 'NaN', 'Infinity', '2147483647', '2147483648', '9007199254740993',
  'true', 'false', 'null', 'undefined', 'x', 'K=V', 'a=b=c', '=', 'URN=1001', 'data.URN=1', 'a.b.c=1', '{', '}', '[', ']', '{}', '[]',
  '{URN: "1001"}', '{a: {b: 1}}', '[1,2,3]', '[1,"x"]', '1,2,3', ',', '"', "'", '\\', '${x}', '${env.HOME}', '%s', '日本語', '🙂',
  '\u202e', 'a\nb', '\t', '500ms', '30s', '2m', '1h', '596h', '600h', '99999999999h', '0ms', '-5s', '5 sec', 'ws://127.0.0.1:1',
  'wss://localhost:1', 'http://x', '/', '/tmp', '.', '..', '-', '--', '-x', 'x'.repeat(5000), deep(10), deep(70), deep(5000),
];

export function nasty(rng: Rng): string {
  if (rng.chance(0.15)) return String(rng.int(2 ** 31) - 2 ** 30);
  if (rng.chance(0.1)) return String.fromCharCode(...Array.from({ length: 1 + rng.int(12) }, () => 32 + rng.int(95)));
  return rng.pick(NASTY);
}

/** A value for a flag or a positional that completes to `values`: mostly a sensible one, sometimes not. */
function valueFor(rng: Rng, values: Values | undefined, files: readonly string[]): string {
  if (rng.chance(0.3)) return nasty(rng);
  if (values === 'file') return rng.pick(files);
  if (values === 'profile') return rng.pick(['default', 'other', 'a.b_c-d', 'bad name', '../x']);
  if (values === 'event') return rng.pick(eventNames());
  if (values === 'verb') return rng.pick(VERBS.map((v) => (rng.chance(0.5) ? REQUESTS[v].cli : v)));
  if (Array.isArray(values)) return rng.pick(values);
  return nasty(rng);
}

function flagWords(rng: Rng, f: Flag, files: readonly string[]): string[] {
  const name = `--${f.name}`;
  if (f.value === undefined) {
    // A switch; given a value now and then.
    return rng.chance(0.8) ? [name] : rng.chance(0.5) ? [`--no-${f.name}`] : [`${name}=${nasty(rng)}`];
  }
  if (rng.chance(0.1)) return [name]; // its value left out
  const value = valueFor(rng, f.value, files);
  return rng.chance(0.2) ? [`${name}=${value}`] : [name, value];
}

/** The word that names a command: its name, an alias, or a verb's spec name in any case. */
function commandWord(rng: Rng, c: Command): string {
  if (c.aliases.length && rng.chance(0.4)) {
    const alias = rng.pick(c.aliases);
    return rng.chance(0.5) ? alias : rng.chance(0.5) ? alias.toLowerCase() : alias.toUpperCase();
  }
  return c.name;
}

/**
 * A command line for one of `commands`: its positional, a few of its own and the global flags, and
 * now and then a word it does not know.
 */
export function randomArgv(rng: Rng, commands: readonly Command[], files: readonly string[]): string[] {
  const c = rng.pick(commands);
  const argv = [commandWord(rng, c)];
  const positional = positionalOf(c);
  if (positional !== undefined && rng.chance(0.85)) argv.push(valueFor(rng, positional, files));
  const flags = [...flagsOf(c.options), ...GLOBAL_FLAGS.filter((f) => f.name !== 'help' || rng.chance(0.05))];
  for (let n = rng.int(5); n > 0 && flags.length; n--) argv.push(...flagWords(rng, rng.pick(flags), files));
  if (rng.chance(0.1)) argv.push(rng.pick(['--no-such-flag', 'extra', '-z', '--', '--=', nasty(rng)]));
  // Options before the command, as users also write them.
  if (rng.chance(0.1)) argv.unshift(...flagWords(rng, rng.pick(GLOBAL_FLAGS.filter((f) => f.name !== 'help')), files));
  return argv;
}

export const commandsToFuzz = (skip: readonly string[]) => allCommands().filter((c) => !skip.includes(c.name));

const KEY_VALUES: unknown[] = [0, 1, -1, 2 ** 31, 1.5, '', 'x', '1001', true, false, null, [], [1, 2], ['a'], {}, { URN: '1001' }, { a: { b: 1 } }];

/** A value of JSON5 text: random keys and values, every JSON5 spelling, comments. */
function json5Value(rng: Rng, v: unknown, depth = 0): string {
  if (Array.isArray(v)) return `[${v.map((x) => json5Value(rng, x, depth + 1)).join(', ')}${rng.chance(0.2) ? ',' : ''}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => `${rng.chance(0.5) && /^[A-Za-z_$][\w$]*$/.test(k) ? k : rng.chance(0.5) ? `'${k}'` : JSON.stringify(k)}: ${json5Value(rng, x, depth + 1)}`);
    return `{${rng.chance(0.1) ? ' /* c */' : ''} ${entries.join(', ')}${rng.chance(0.2) ? ',' : ''} }`;
  }
  if (typeof v === 'string' && rng.chance(0.3)) return `'${v.replace(/[\\']/g, '\\$&')}'`;
  if (typeof v === 'number' && rng.chance(0.1)) return rng.pick(['0x10', '+1', '.5', 'Infinity', 'NaN', '-0']);
  return JSON.stringify(v) ?? 'null';
}

/** A message for `aapi send`: a request of the catalogue (or not) with keys of its own (or not), as JSON5 text, maybe broken. */
export function randomMessage(rng: Rng): string {
  const verb = rng.pick(VERBS);
  const spec = REQUESTS[verb];
  const msg: Record<string, unknown> = {};
  if (rng.chance(0.95)) msg.type = rng.chance(0.8) ? (rng.chance(0.8) ? verb : verb.toLowerCase()) : rng.pick(KEY_VALUES.concat(['Nope', 'GetTenantz']));
  for (const key of spec.keys) if (rng.chance(0.6)) msg[key.wire] = rng.chance(0.5) ? rng.pick(KEY_VALUES) : nasty(rng);
  if (rng.chance(0.3)) msg.RID = rng.pick(KEY_VALUES.concat([12345]));
  if (rng.chance(0.2)) msg.SID = rng.pick(KEY_VALUES);
  if (rng.chance(0.1)) msg[nasty(rng)] = nasty(rng);
  let text = json5Value(rng, msg);
  if (rng.chance(0.1)) {
    // Nested deep, beyond the limit or not; now and then never closed.
    const d = rng.chance(0.3) ? 20_000 : 1 + rng.int(300);
    text = text.replace(/^\{/, `{x: ${'['.repeat(d)}${']'.repeat(rng.chance(0.8) ? d : 0)}, `);
  }
  if (rng.chance(0.2)) text = mutate(rng, text, 1 + rng.int(3));
  return text;
}

const TOKENS = ['{', '}', '[', ']', ',', ':', '"', "'", '//', '/*', '*/', '${', '}', '\\', '\n', ' ', '0', '-1', '1e999', 'null', 'true', '"x"', '"600h"', '"10ms"', '[[[[[[[[', 'steps', 'send', 'expectEvent', 'within', 'sleep', 'forEach', 'with', '$regex', '"("', '\u2028', '\uFEFF'];

/** `text` with `n` random edits: bytes or tokens inserted, deleted, repeated or swapped. */
export function mutate(rng: Rng, text: string, n: number): string {
  let s = text;
  for (let k = 0; k < n; k++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(6)) {
      case 0: s = s.slice(0, at) + rng.pick(TOKENS) + s.slice(at); break;
      case 1: s = s.slice(0, at) + s.slice(at + 1 + rng.int(8)); break;
      case 2: s = s.slice(0, at) + String.fromCharCode(rng.int(128)) + s.slice(at + 1); break;
      case 3: { const piece = s.slice(at, at + 1 + rng.int(40)); s = s.slice(0, at) + piece + piece + s.slice(at); break; }
      case 4: { // a token of the text itself, moved elsewhere
        const words = s.match(/"[^"\n]*"|[\w$.]+|[^\s\w]/g) ?? [''];
        const w = rng.pick(words);
        s = s.slice(0, at) + w + s.slice(at);
        break;
      }
      default: s = s.slice(0, at) + rng.pick(NASTY.filter((x) => x.length < 100)) + s.slice(at);
    }
  }
  return s;
}

/** `text` with `n` of its string or number literals swapped for others (its own, or nasty ones): still JSON5, most of the time. */
export function mutateValues(rng: Rng, text: string, n: number): string {
  const literal = /"(?:[^"\\\n]|\\.)*"|-?\b\d+(?:\.\d+)?\b/g;
  const own = text.match(literal) ?? [];
  let s = text;
  for (let k = 0; k < n; k++) {
    const spots = [...s.matchAll(literal)];
    if (!spots.length) break;
    const spot = rng.pick(spots);
    const by = rng.chance(0.6) && own.length ? rng.pick(own) : rng.chance(0.5) ? JSON.stringify(nasty(rng)) : String(rng.int(400) - 100);
    s = s.slice(0, spot.index) + by + s.slice(spot.index + spot[0].length);
  }
  return s;
}
