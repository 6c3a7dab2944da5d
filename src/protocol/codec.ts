import { REQUESTS, resolveEvent, resolveVerb, absentValue } from './catalogue.js';
import type { EventName, RequestSpec, Verb } from './types.js';
import { isObject } from '../util/object.js';

// Strict in what we send, tolerant in what we accept (ERRATA preamble).

export type Json = Record<string, unknown>;

export type FrameResult = { ok: true; value: Json } | { ok: false; reason: string };

/**
 * Parses one frame. A frame without its outer braces is accepted (ERRATA 17: the spec's C# example
 * strips them before sending).
 */
export function parseFrame(text: string): FrameResult {
  // The usual frame, a JSON object as it is, goes straight through; anything else takes the tolerant path.
  if (text.charCodeAt(0) === 0x7b) {
    try {
      const value: unknown = JSON.parse(text);
      if (isObject(value)) return { ok: true, value };
    } catch {
      // below
    }
  }
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'empty frame' };
  const candidate = /^[{[]/.test(trimmed) ? trimmed : `{${trimmed}}`;
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  if (!isObject(value)) {
    return { ok: false, reason: 'a frame must be a JSON object' };
  }
  return { ok: true, value };
}

/** An integer from a number or a decimal string (ERRATA 7: SID and RID may come as strings). */
export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Case-insensitive key lookup, for the spec's `Response`/`response` (ERRATA 6). */
export function getCI(msg: Json, key: string): unknown {
  if (key in msg) return msg[key];
  const lower = key.toLowerCase();
  // Every message is searched for keys it lacks (SID, RID, event): compare lengths before folding case.
  for (const k of Object.keys(msg)) if (k.length === lower.length && k.toLowerCase() === lower) return msg[k];
  return undefined;
}

export type Incoming =
  | { kind: 'event'; event: EventName | string; rid: number | undefined; sessionIndex: number; msg: Json }
  | { kind: 'error'; rid: number | undefined; errorNumber: number | undefined; msg: Json }
  | { kind: 'response'; rid: number | undefined; msg: Json };

/** Classifies a message from the server, tolerating the spec's variations (ERRATA 5, 6, 7, 13). */
export function classify(msg: Json): Incoming {
  const rid = toInt(getCI(msg, 'RID'));
  const eventName = getCI(msg, 'event');
  if (typeof eventName === 'string') {
    return {
      kind: 'event',
      event: resolveEvent(eventName) ?? eventName,
      rid,
      sessionIndex: toInt(getCI(msg, 'sessionIndex')) ?? 0,
      msg,
    };
  }
  const response = getCI(msg, 'Response');
  if (typeof response === 'string' && response.toUpperCase() === 'ERROR') {
    return { kind: 'error', rid, errorNumber: toInt(getCI(msg, 'ErrorNumber')), msg };
  }
  return { kind: 'response', rid, msg };
}

/** Whether a (non-error) response is the verb's success (ERRATA 6, 8, 19). */
export function isSuccess(spec: RequestSpec, msg: Json): boolean {
  const response = getCI(msg, 'Response');
  if (typeof response === 'string' && response.toUpperCase() === 'ERROR') return false;
  switch (spec.success.kind) {
    case 'ok': return typeof response === 'string' && response.toUpperCase() === 'OK';
    case 'status': return getCI(msg, spec.success.key) === spec.success.value;
    case 'payload': return getCI(msg, spec.success.key) !== undefined;
    case 'none': return true;
  }
}

export interface EncodeOptions {
  rid?: number;
  sid?: number;
}

/**
 * Builds the wire message of a request: type, RID, SID, then every documented key in the spec's
 * order, the user's value or the documented empty value (ERRATA 10). Optional keys only when given.
 */
export function encodeRequest(verb: Verb, values: Json, opts: EncodeOptions = {}): Json {
  const spec = REQUESTS[verb];
  const out: Json = { type: spec.type };
  if (spec.rid && opts.rid !== undefined) out.RID = opts.rid;
  if (spec.sid && opts.sid !== undefined) out.SID = opts.sid;
  for (const key of spec.keys) {
    if (values[key.wire] !== undefined) out[key.wire] = values[key.wire];
    else if (!key.optional) out[key.wire] = absentValue(key);
  }
  return out;
}

/** The verb named by a request's `type`, in any case. */
export function requestVerb(msg: Json): Verb | undefined {
  const type = getCI(msg, 'type');
  return typeof type === 'string' ? resolveVerb(type) : undefined;
}
