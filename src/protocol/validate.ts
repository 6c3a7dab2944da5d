import { absentValue } from './catalogue.js';
import { getCI, toInt, type Json } from './codec.js';
import type { KeySpec, RequestSpec } from './types.js';
import { isObject } from '../util/object.js';

export type Mode = 'strict' | 'tolerant';

export interface Validated {
  /** The request's keys by wire name, coerced (tolerant mode) and with absent keys filled. */
  values: Json;
  problems: string[];
}

function show(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Nested too deeply to print (a hostile frame): say what it is instead of failing.
    return Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Checks one value against its key. Tolerant mode accepts what the Windows Test Client sends:
 * integers and booleans as strings, digit strings as numbers (ERRATA 7 and 14).
 */
export function checkValue(key: KeySpec, raw: unknown, mode: Mode): { value?: unknown; problem?: string } {
  const tolerant = mode === 'tolerant';
  let value: unknown = raw;
  switch (key.type) {
    case 'integer': {
      const n = tolerant ? toInt(raw) : Number.isInteger(raw) ? (raw as number) : undefined;
      if (n === undefined) return { problem: `must be an integer, got ${show(raw)}` };
      value = n;
      break;
    }
    case 'string':
      if (tolerant && typeof raw === 'number' && Number.isFinite(raw)) value = String(raw);
      else if (typeof raw !== 'string') return { problem: `must be a string, got ${show(raw)}` };
      break;
    case 'boolean':
      if (tolerant && (raw === 'true' || raw === 'false')) value = raw === 'true';
      else if (tolerant && (raw === 0 || raw === 1)) value = raw === 1;
      else if (typeof raw !== 'boolean') return { problem: `must be true or false, got ${show(raw)}` };
      break;
    case 'keyValue':
      if (!isObject(raw)) return { problem: `must be an object of names to values, got ${show(raw)}` };
      for (const [k, v] of Object.entries(raw)) {
        if (v !== null && typeof v === 'object') return { problem: `must hold plain values, but ${k} is ${show(v)}` };
      }
      break;
    case 'intArray': {
      if (!Array.isArray(raw)) return { problem: `must be an array of integers, got ${show(raw)}` };
      const ints = raw.map((x) => (tolerant ? toInt(x) : Number.isInteger(x) ? (x as number) : undefined));
      if (ints.some((x) => x === undefined)) return { problem: `must be an array of integers, got ${show(raw)}` };
      value = ints;
      break;
    }
    case 'stringArray':
      if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) return { problem: `must be an array of strings, got ${show(raw)}` };
      break;
    case 'objectArray':
      if (!Array.isArray(raw) || raw.some((x) => !isObject(x))) return { problem: `must be an array of objects, got ${show(raw)}` };
      break;
    case 'json':
      break;
  }
  if (typeof value === 'number') {
    if (key.min !== undefined && value < key.min) return { problem: `must be at least ${key.min}, got ${value}` };
    if (key.max !== undefined && value > key.max) return { problem: `must be at most ${key.max}, got ${value}` };
  }
  if (key.closed && key.choices && !key.choices.some((c) => c.value === value)) {
    return { problem: `must be one of ${key.choices.map((c) => show(c.value)).join(', ')}, got ${show(raw)}` };
  }
  return { value };
}

/**
 * Validates a request message against its catalogue entry. Keys are matched by their spec spelling,
 * or case-insensitively in tolerant mode. Missing `required` keys are problems; other missing keys
 * take their default or empty value. Strict mode also refuses keys the spec does not document.
 */
export function validateRequest(spec: RequestSpec, msg: Json, mode: Mode): Validated {
  const values: Json = {};
  const problems: string[] = [];
  const known = new Set(['type', 'RID', 'SID', ...spec.keys.map((k) => k.wire)]);
  for (const key of spec.keys) {
    const raw = mode === 'tolerant' ? getCI(msg, key.wire) : msg[key.wire];
    if (raw === undefined || (raw === null && mode === 'tolerant')) {
      if (key.required) problems.push(`${spec.type}.${key.wire} is required`);
      else if (!key.optional) values[key.wire] = absentValue(key);
      continue;
    }
    const { value, problem } = checkValue(key, raw, mode);
    if (problem) problems.push(`${spec.type}.${key.wire} ${problem}`);
    else values[key.wire] = value;
  }
  if (mode === 'strict') {
    for (const k of Object.keys(msg)) if (!known.has(k)) problems.push(`${spec.type} has no key ${k}`);
  }
  return { values, problems };
}

/**
 * The one key of a request that nobody can fill in for the caller: the RID of a request that answers
 * an event (Acknowledge), which is that event's own (ERRATA 9 and 20). Undefined when it is given,
 * or the request needs none given.
 */
export function missingRid(spec: RequestSpec, msg: Json): string | undefined {
  if (!spec.rid || spec.success.kind !== 'none' || getCI(msg, 'RID') !== undefined) return undefined;
  return `${spec.type}.RID is required: the RID of the event it acknowledges`;
}
