import { flagOf } from '../protocol/flags.js';
import { encodeRequest, type Json } from '../protocol/codec.js';
import type { KeySpec, RequestSpec } from '../protocol/types.js';
import { checkValue } from '../protocol/validate.js';

// A row's fields as a request: a column is a request key (spec spelling, flag spelling, or any case);
// `Parameters.X`, `values.X` and `data.X` fill nested objects, and so does a column that is no key
// of the verb, into the catalogue's `otherColumns` key; flags give constant keys.

function findKey(spec: RequestSpec, name: string): KeySpec | undefined {
  const lower = name.toLowerCase();
  return spec.keys.find((k) => k.wire === name || flagOf(k) === name || k.wire.toLowerCase() === lower);
}

/** Where a column's value goes: a key of the verb, or one entry (`field`) of a key-value key. */
interface Target {
  key: KeySpec;
  field?: string;
}

function findTarget(spec: RequestSpec, column: string): Target | undefined {
  const dot = column.indexOf('.');
  if (dot >= 0) {
    const key = findKey(spec, column.slice(0, dot));
    return key?.type === 'keyValue' ? { key, field: column.slice(dot + 1) } : undefined;
  }
  const key = findKey(spec, column);
  if (key) return { key };
  if (column === '') return undefined;
  const other = spec.otherColumns === undefined ? undefined : findKey(spec, spec.otherColumns);
  return other && { key: other, field: column };
}

// Every row names the same few columns: each is looked up once per verb.
const known = new WeakMap<RequestSpec, Map<string, Target | undefined>>();

function targetOf(spec: RequestSpec, column: string): Target | undefined {
  let names = known.get(spec);
  if (!names) known.set(spec, (names = new Map()));
  if (names.has(column)) return names.get(column);
  const target = findTarget(spec, column);
  if (names.size < 1000) names.set(column, target); // a JSONL file may hold any number of stray names
  return target;
}

/** The column names that are no key of the verb (checked once, before anything is sent). */
export function unknownColumns(spec: RequestSpec, columns: string[]): string[] {
  return columns.filter((c) => !targetOf(spec, c));
}

/** `URN → Parameters.URN` for each bare column the verb's `otherColumns` key takes in. */
export function mappedColumns(spec: RequestSpec, columns: string[]): string[] {
  return columns.flatMap((c) => {
    const t = targetOf(spec, c);
    return t?.field !== undefined && !c.includes('.') ? [`${c} → ${t.key.wire}.${t.field}`] : [];
  });
}

/** What a column that is no key of the verb could have been: `; did you mean Parameters.URN?`. */
export function columnHint(spec: RequestSpec, column: string): string {
  if (column.includes('.')) return '';
  const nested = spec.keys.filter((k) => k.type === 'keyValue').map((k) => `${k.wire}.${column}`);
  return nested.length ? ` (a nested value is written ${nested.join(' or ')})` : '';
}

/** A CSV cell holding a list: `1,2,3` or `[1,2,3]` (checked against the key's type afterwards). */
function listCell(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return t === '' ? [] : t.split(',').map((s) => s.trim());
}

export function rowRequest(spec: RequestSpec, fields: Record<string, unknown>, constants: Json): { msg?: Json; error?: string } {
  const values: Json = { ...constants };
  for (const [column, raw] of Object.entries(fields)) {
    const target = targetOf(spec, column);
    if (!target) return { error: `${column} is not a key of ${spec.type}${columnHint(spec, column)}` };
    const { key, field } = target;
    // An empty CSV cell leaves the key out: it then gets its documented empty value.
    if (raw === '' && key.type !== 'string') continue;
    if (field !== undefined) values[key.wire] = { ...((values[key.wire] as Json) ?? {}), [field]: raw };
    else values[key.wire] = key.type === 'intArray' && typeof raw === 'string' ? listCell(raw) : raw;
  }
  for (const key of spec.keys) {
    const v = values[key.wire];
    if (v === undefined) {
      if (key.required) return { error: `${spec.type}.${key.wire} is required` };
      continue;
    }
    const { value, problem } = checkValue(key, v, 'tolerant');
    if (problem) return { error: `${spec.type}.${key.wire} ${problem}` };
    values[key.wire] = value;
  }
  return { msg: encodeRequest(spec.type, values) };
}
