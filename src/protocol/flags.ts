import { absentValue } from './catalogue.js';
import type { Json } from './codec.js';
import type { KeySpec, RequestSpec } from './types.js';
import { checkValue } from './validate.js';
import { usageError } from '../util/exit.js';
import { Json5Error, parseJson5 } from '../util/json5.js';
import { splitKeyValue } from '../util/key-value.js';
import { isObject } from '../util/object.js';

// Command-line flags derived from the catalogue's keys, and their values turned back into request keys.

/** `telNumber` → `tel-number`, `QueryNumber` → `query-number`, `messageID` → `message-id`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export const flagOf = (key: KeySpec): string => key.flag ?? kebab(key.wire);

/** The keys a user gives as flags (a password never is: it would show in `ps`). */
export const flagKeys = (spec: RequestSpec): KeySpec[] => spec.keys.filter((k) => !k.env);

/** The keys from the environment (the password), each of which may come on stdin instead: `--password-stdin`. */
export const stdinFlags = (spec: RequestSpec): { key: KeySpec; name: string; describe: string }[] =>
  spec.keys.filter((k) => k.env).map((key) => ({
    key, name: `${flagOf(key)}-stdin`, describe: `read ${key.wire} from stdin (else ${key.env}, else a masked prompt on a terminal)`,
  }));

function typeWords(key: KeySpec): string {
  switch (key.type) {
    case 'keyValue': return 'K=V, repeatable, or a JSON5 object';
    case 'intArray': return 'integers: 1,2,3';
    default: return key.type;
  }
}

/** The help line of a key: the spec's description, its values, and what is sent when it is left out. */
export function describeKey(key: KeySpec): string {
  const parts = [key.description];
  if (key.choices) {
    parts.push(key.choices.map((c) => `${JSON.stringify(c.value)}${c.names ? ` (${c.names.join(', ')})` : ''}: ${c.meaning}`).join('; '));
  }
  if (key.required) parts.push('[required]');
  else if (key.optional) parts.push('[optional: sent only when given]');
  else parts.push(`[default: ${JSON.stringify(absentValue(key))}]`);
  parts.push(`(${key.wire}: ${typeWords(key)})`);
  return parts.join(' ');
}

function keyValueFrom(key: KeySpec, label: string, items: unknown[]): Json {
  const out: Json = {};
  for (const item of items) {
    const text = String(item).trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = parseJson5(text);
      } catch (err) {
        if (!(err instanceof Json5Error)) throw err;
        throw usageError(`${label}: malformed JSON5: ${err.message}`);
      }
      if (!isObject(parsed)) throw usageError(`${label} must be an object`);
      Object.assign(out, parsed);
      continue;
    }
    const [name, value] = splitKeyValue(text, `${label} takes KEY=VALUE or a JSON5 object`);
    out[name] = value;
  }
  return out;
}

/** A flag's value as the key's type, with choices given by name accepted (ERRATA 14: `blind`, `queue`). */
function fromFlag(spec: RequestSpec, key: KeySpec, raw: unknown): unknown {
  const label = `${spec.type}.${key.wire}`;
  const items = Array.isArray(raw) ? raw : [raw];
  let value: unknown = items.at(-1);
  if (key.type === 'keyValue') value = keyValueFrom(key, `--${flagOf(key)}`, items);
  else if (key.type === 'intArray') {
    const text = items.map(String).join(',').trim();
    if (text.startsWith('[')) {
      try {
        value = parseJson5(text);
      } catch {
        throw usageError(`${label} must be a list of integers, got ${JSON.stringify(text)}`);
      }
    } else value = text === '' ? [] : text.split(',').map((s) => s.trim());
  } else if (key.type === 'string' || key.type === 'integer') {
    const byName = key.choices?.find((c) => c.names?.includes(String(value).toLowerCase()));
    if (byName) value = byName.value;
  }
  const { value: checked, problem } = checkValue(key, value, 'tolerant');
  if (problem) throw usageError(`${label} ${problem}`);
  return checked;
}

/**
 * The request keys of a verb from parsed flags (by flag name) and the environment; exits 2 on a bad
 * or missing value. Keys left out are not set here: encodeRequest fills their empty values.
 */
export function valuesFromArgs(spec: RequestSpec, args: Record<string, unknown>, env: NodeJS.ProcessEnv): Json {
  const values: Json = {};
  for (const key of spec.keys) {
    if (key.env) {
      const v = env[key.env];
      if (v !== undefined) values[key.wire] = v;
      else if (key.required) throw usageError(`${spec.type}.${key.wire} comes from ${key.env}, which is not set`);
      continue;
    }
    const raw = args[flagOf(key)];
    if (raw === undefined) {
      if (key.required) throw usageError(`missing --${flagOf(key)} (${spec.type}.${key.wire} is required)`);
      continue;
    }
    values[key.wire] = fromFlag(spec, key, raw);
  }
  return values;
}
