import type { ERRORS } from './errors.js';
import type { EVENTS_TABLE } from './events.js';
import type { REQUESTS } from './requests.js';
import type { Choice, ErrorCode, EventName, KeySpec, KeyValue, Scalar, Verb } from './types.js';

// The type of every request, response and event, derived from the catalogue's literal entries: a key
// added to or changed in requests.ts or events.ts changes these types, and there is no second list
// to forget.

type Requests = typeof REQUESTS;
type Events = typeof EVENTS_TABLE;

/** Any value JSON can carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

interface WireTypes {
  string: string;
  integer: number;
  boolean: boolean;
  keyValue: KeyValue;
  intArray: number[];
  stringArray: string[];
  objectArray: Record<string, JsonValue>[];
  json: JsonValue;
}

/** A key's value: one of its choices when the catalogue closes them (TransferType), else its wire type. */
export type ValueOf<K extends KeySpec> =
  K extends { closed: true; choices: readonly (infer C extends Choice)[] } ? C['value'] : WireTypes[K['type']];

type Simplify<T> = { [P in keyof T]: T[P] } & {};

/** An object of the keys `Needed`, required, and `Other`, optional. */
type Fields<Needed extends KeySpec, Other extends KeySpec> = Simplify<
  { [P in Needed as P['wire']]: ValueOf<P> } & { [P in Other as P['wire']]?: ValueOf<P> }
>;

type RequestKey<V extends Verb> = Requests[V]['keys'][number];
type ResponseKey<V extends Verb> = Requests[V]['response'][number];
type EventKey<E extends EventName> = Events[E]['keys'][number];

/** The wire names of the keys a request cannot be sent without. */
export type RequiredKeyOf<V extends Verb> = Extract<RequestKey<V>, { required: true }>['wire'];

/**
 * The values of a request: the keys marked required must be given; the session fills the others
 * with their default or documented empty value (ERRATA 10). A verb without keys takes none.
 */
export type RequestOf<V extends Verb> = [RequestKey<V>] extends [never]
  ? Record<string, never>
  : Fields<Extract<RequestKey<V>, { required: true }>, Exclude<RequestKey<V>, { required: true }>>;

/**
 * A request's values once validated against its entry (src/protocol/validate.ts), as the simulator's
 * handlers get them: every key there, the absent ones filled, except the spec's Optional ones. Of
 * several verbs, the values of any one of them (distributed: not every verb's keys at once).
 */
export type ValidatedRequestOf<V extends Verb> = V extends Verb
  ? Fields<Exclude<RequestKey<V>, { optional: true }>, Extract<RequestKey<V>, { optional: true }>>
  : never;

/** How the verb's successful response says so (ERRATA 6, 8, 19); RID is the request's own. */
type Envelope<S> =
  S extends { kind: 'none' } ? unknown
  : { RID: number } & (
    S extends { kind: 'ok' } ? { Response: 'OK'; response?: undefined } | { response: 'OK'; Response?: undefined }
    : S extends { kind: 'status'; key: infer K extends string; value: infer X } ? { [P in K]: X }
    : unknown);

/**
 * A successful response: its envelope and payload keys. KeepAlive and Acknowledge get none, so
 * their promise resolves with an empty object (ERRATA 9).
 */
export type ResponseOf<V extends Verb> = Requests[V]['success'] extends { kind: 'none' }
  ? Record<string, never>
  : Simplify<Envelope<Requests[V]['success']> & Fields<Exclude<ResponseKey<V>, { optional: true }>, Extract<ResponseKey<V>, { optional: true }>>>;

/** An event's name on the wire and the other names it is known by (ERRATA 5: ChatMessage). */
type NamesOf<E extends EventName> = E | Events[E]['aliases'][number];

/** Every name an event may be given by: its wire name or an alias. */
export type EventNameOrAlias = NamesOf<EventName>;

/** The event a name stands for (`ChatMessage` is `ChatReceived`). */
export type CanonicalEvent<N extends EventNameOrAlias> = { [E in EventName]: N extends NamesOf<E> ? E : never }[EventName];

/**
 * One event, under either of its names: its RID (to acknowledge it with) and documented keys. A key
 * with a default may be missing (ERRATA 13: a missing sessionIndex is 0).
 */
export type EventOf<E extends EventName> = {
  [N in NamesOf<E>]: Simplify<{ event: N; RID: number } & Fields<Exclude<EventKey<E>, { default: Scalar }>, Extract<EventKey<E>, { default: Scalar }>>>
}[NamesOf<E>];

/** Any event, discriminated by `event`. */
export type AapiEvent = { [E in EventName]: EventOf<E> }[EventName];

/** An error's catalogue entry, with the level and message the server sends. */
export type ErrorEntry<C extends ErrorCode = ErrorCode> = (typeof ERRORS)[C];
