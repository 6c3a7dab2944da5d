import { ERRORS as ERROR_ENTRIES, type ErrorTable } from './errors.js';
import { EVENTS_TABLE as EVENT_ENTRIES, type EventTable } from './events.js';
import { REQUESTS as REQUEST_ENTRIES, type RequestTable } from './requests.js';
import {
  ERROR_CODES, EVENTS, VERBS,
  type ErrorCode, type ErrorMeaning, type ErrorSpec, type EventName, type EventSpec, type KeySpec, type RequestSpec, type Verb,
} from './types.js';

// The tables typed as their shapes, for code that reads any entry alike: their literal types, from
// which messages.ts derives each request's, response's and event's type, would make every
// `REQUESTS[verb]` a union of 32 distinct entries.
export const REQUESTS: RequestTable = REQUEST_ENTRIES;
export const EVENTS_TABLE: EventTable = EVENT_ENTRIES;
export const ERRORS: ErrorTable = ERROR_ENTRIES;
export type { ErrorTable, EventTable, RequestTable };

const fold = (name: string) => name.toLowerCase().replace(/[-_\s]/g, '');

const verbByName = new Map<string, Verb>();
for (const verb of VERBS) {
  verbByName.set(fold(verb), verb);
  verbByName.set(fold(REQUESTS[verb].cli), verb);
}

const eventByName = new Map<string, EventName>();
for (const event of EVENTS) {
  eventByName.set(fold(event), event);
  for (const alias of EVENTS_TABLE[event].aliases) eventByName.set(fold(alias), event);
}

/** A verb from its spec name in any case or its kebab-case name (`GoAvailable`, `goavailable`, `go-available`). */
export function resolveVerb(name: string): Verb | undefined {
  return verbByName.get(fold(name));
}

/** An event from its wire name or an alias, in any case (ERRATA 5: ChatMessage is ChatReceived). */
export function resolveEvent(name: string): EventName | undefined {
  return eventByName.get(fold(name));
}

export function isErrorCode(n: number): n is ErrorCode {
  return (ERROR_CODES as readonly number[]).includes(n);
}

export function errorSpec(n: number): ErrorSpec | undefined {
  return isErrorCode(n) ? ERRORS[n] : undefined;
}

/** Whether error `n` tells a client `what` (its entry's `means`): a number the catalogue lacks tells nothing. */
export function errorMeans(n: number | undefined, what: ErrorMeaning): boolean {
  return n !== undefined && errorSpec(n)?.means === what;
}

/** What to do about error `n`, the ErrorDetail that came with it considered. */
export function errorHint(n: number, detail?: unknown): string | undefined {
  const spec = errorSpec(n);
  const text = typeof detail === 'string' ? detail : '';
  return spec?.byDetail?.find((d) => d.detail.test(text))?.hint ?? spec?.hint;
}

export function requestSpec(verb: Verb): RequestSpec {
  return REQUESTS[verb];
}

export function eventSpec(event: EventName): EventSpec {
  return EVENTS_TABLE[event];
}

/** The documented empty value of a key (ERRATA 10): "", 0, false, {} or []. */
export function emptyValue(key: KeySpec): unknown {
  switch (key.type) {
    case 'string': return '';
    case 'integer': return 0;
    case 'boolean': return false;
    case 'keyValue': return {};
    case 'intArray': case 'stringArray': case 'objectArray': return [];
    case 'json': return null;
  }
}

/** What a request key is worth when the sender left it out: its default, else its empty value. */
export function absentValue(key: KeySpec): unknown {
  return key.default !== undefined ? key.default : emptyValue(key);
}

export function secretKeys(): Set<string> {
  const out = new Set<string>();
  for (const verb of VERBS) for (const k of [...REQUESTS[verb].keys, ...REQUESTS[verb].response]) if (k.secret) out.add(k.wire);
  return out;
}

/** The environment variables secret keys are read from (AAPI_PASSWORD). */
export function secretEnvVars(): Set<string> {
  const out = new Set<string>();
  for (const verb of VERBS) for (const k of REQUESTS[verb].keys) if (k.secret && k.env) out.add(k.env);
  return out;
}

export { VERBS, EVENTS, ERROR_CODES };
