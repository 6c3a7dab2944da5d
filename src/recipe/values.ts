import { getCI, type Json } from '../protocol/codec.js';
import { Redactor, type Message } from '../session/mask.js';
import { isObject } from '../util/object.js';

// ${...} interpolation, dotted paths, and the matchers of `expect` and `where`.

const NO_VALUES = new Redactor();

export class StepError extends Error {
  /** The key of the step the failure is about (`expect`, `send` ...), for the carets. */
  key?: string;
  /** `said` keeps the frame values it quotes apart from its words: the runner masks each its own way. */
  constructor(readonly said: Message, readonly expected?: unknown, readonly actual?: unknown) {
    super(NO_VALUES.message(said));
  }

  about(key: string): this {
    this.key ??= key;
    return this;
  }
}

/** The value at a dotted path (`data.URN`, `Agents.0.Agent`); keys match case-insensitively (ERRATA 6). */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObject(cur)) cur = getCI(cur, part);
    else return undefined;
  }
  return cur;
}

const VAR = /\$\{([^}]+)\}/g;

/** The names a string's `${...}` refer to, as written. */
export function namesIn(text: string): string[] {
  return [...text.matchAll(VAR)].map((m) => m[1]);
}

/**
 * Replaces `${name}`, `${row.X}` and `${env.NAME}` anywhere in a value. A string that is exactly one
 * `${...}` takes the variable's own value and type (a number stays a number).
 */
export function interpolate(value: unknown, scope: Json): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    if (whole) return lookup(whole[1], scope);
    return value.replace(VAR, (_, name: string) => {
      const v = lookup(name, scope);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, scope));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, scope)]));
  return value;
}

function lookup(name: string, scope: Json): unknown {
  const v = valueAt(scope, name.trim());
  if (v === undefined) throw new StepError(`\${${name}} is not defined (vars, captures, row fields and env.NAME are)`);
  return v;
}

const OPERATORS = ['$regex', '$exists', '$type', '$gt', '$gte', '$lt', '$lte', '$ne', '$oneOf'];
const isMatcher = (v: unknown): v is Json => isObject(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => OPERATORS.includes(k));

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Equal, allowing a number and its decimal string (ERRATA 7: SIDs and RIDs may come as strings). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'string') return String(a) === b;
  if (typeof a === 'string' && typeof b === 'number') return a === String(b);
  return a === b;
}

function operator(op: string, arg: unknown, actual: unknown): boolean {
  switch (op) {
    case '$regex': return typeof actual === 'string' || typeof actual === 'number' ? new RegExp(String(arg)).test(String(actual)) : false;
    case '$exists': return (actual !== undefined) === (arg !== false);
    case '$type': return typeOf(actual) === arg;
    case '$gt': return Number(actual) > Number(arg);
    case '$gte': return Number(actual) >= Number(arg);
    case '$lt': return Number(actual) < Number(arg);
    case '$lte': return Number(actual) <= Number(arg);
    case '$ne': return !same(arg, actual);
    case '$oneOf': return Array.isArray(arg) && arg.some((x) => same(x, actual));
    default: return false;
  }
}

/**
 * The first place where `actual` does not contain `expected` (a subset match), or undefined when it
 * does. Matchers: { $regex }, { $exists }, { $type }, { $gt/$gte/$lt/$lte }, { $ne }, { $oneOf }.
 */
export function mismatch(expected: unknown, actual: unknown, at = ''): { at: string; expected: unknown; actual: unknown } | undefined {
  if (isMatcher(expected)) {
    for (const [op, arg] of Object.entries(expected)) if (!operator(op, arg, actual)) return { at, expected, actual };
    return undefined;
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return { at, expected, actual };
    for (const [k, v] of Object.entries(expected)) {
      const m = mismatch(v, getCI(actual, k), at ? `${at}.${k}` : k);
      if (m) return m;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return { at, expected, actual };
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], `${at}.${i}`);
      if (m) return m;
    }
    return undefined;
  }
  return same(expected, actual) ? undefined : { at, expected, actual };
}
