// The shape of the protocol catalogue. Every other layer reads these entries, so a verb, event or
// error missing from the catalogue must fail `tsc`: the tables are typed as mapped types over the
// unions below (see requests.ts, events.ts, errors.ts).

export const VERBS = [
  'Authenticate', 'GetTenants', 'GetCampaigns', 'Connect', 'Logoff', 'KeepAlive', 'GetWebRTC',
  'GoAvailable', 'GoUnavailable', 'Disposition', 'StartWrap', 'ManualDial', 'PauseRecording',
  'ResumeRecording', 'ToggleHold', 'GetRecord', 'NewRecord', 'RunQuery', 'MultiSale', 'GetAgents',
  'TransferCall', 'TogglePark', 'TransferOutcome', 'Acknowledge', 'SendMail', 'SendSMS', 'Keypress',
  'TagCall', 'ChapterMark', 'GetMessageID', 'GetMessageHistory', 'SendChatMessage',
] as const;
export type Verb = (typeof VERBS)[number];

export const EVENTS = [
  'NowAvailable', 'NowUnavailable', 'NowWrapping', 'NowWaiting', 'NowRecording', 'NowPaused',
  'NowInCall', 'NowLoggedOff', 'NowCalling', 'TransferUpdate', 'ChatReceived', 'ChatTyping',
] as const;
export type EventName = (typeof EVENTS)[number];

export const ERROR_CODES = [
  99, 100, 101, 102, 103, 104, 105, 106, 107, 110, 111, 112, 113, 114, 120, 121, 150, 151, 160, 161,
  198, 199, 200, 201, 202, 210, 220, 300, 301, 310, 311, 320, 321, 322, 323, 324, 330, 331, 340,
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The agent's state as the events tell it (CONTRACT, `aapi status`); `Authenticated`: authenticated
 * but not connected to a campaign (no event says so: the Authenticate response does).
 */
export type AgentState = 'LoggedOut' | 'Authenticated' | 'Unavailable' | 'Waiting' | 'Calling' | 'InCall' | 'Wrapping';

/**
 * How a key travels on the wire.
 * - `keyValue`: the spec's "Key-Value pair array", a JSON object of names to scalar values.
 * - `intArray`: a JSON array of integers (GetMessageHistory's messageList).
 * - `json`: any JSON value (response payloads such as RunQuery's `Data`).
 */
export type KeyType = 'string' | 'integer' | 'boolean' | 'keyValue' | 'intArray' | 'stringArray' | 'objectArray' | 'json';

export type Scalar = string | number | boolean;
export type KeyValue = Record<string, Scalar | null>;
export type WireValue = Scalar | null | KeyValue | number[] | string[] | Record<string, unknown>[] | unknown;

export interface Choice {
  value: Scalar;
  /** Words a user may type instead of the value (ERRATA 14: `blind`, `queue` ...). */
  names?: readonly string[];
  meaning: string;
}

export interface KeySpec {
  /** The spec's exact spelling on the wire. */
  wire: string;
  type: KeyType;
  description: string;
  /** "Optional" in the spec: sent only when given (ERRATA 10). */
  optional?: boolean;
  /**
   * The server refuses a request that lacks this key (error 99). Other keys, when missing, take
   * their `default` or their empty value: the spec's own examples omit keys (GoAvailable with no
   * live/offline/interactive, Disposition with no sessionIndex).
   */
  required?: boolean;
  /** What the server assumes when the key is absent ("If no SessionIndex is supplied ... 0 is assumed"). */
  default?: Scalar;
  /** Documented values and what they mean. */
  choices?: readonly Choice[];
  /** With choices: only those values are valid. Without: choices only explain some values in a range. */
  closed?: boolean;
  min?: number;
  max?: number;
  /** A password, a code or a DeviceID (it skips the second factor): shown as [Masked] in every frame shown or written. */
  secret?: boolean;
  /** The command-line flag, when not the kebab-case of the wire name (`--param` for Parameters). */
  flag?: string;
  /** Never a flag (it would show in `ps`): read from this environment variable instead. */
  env?: string;
}

/** How a response says "done" (ERRATA 6, 8 and 19). */
export type Success =
  | { kind: 'ok' }                            // Response/response: OK
  | { kind: 'status'; key: string; value: string } // Connect: status: Connected
  | { kind: 'payload'; key: string }          // the payload key is the result; no Response key
  | { kind: 'none' };                         // KeepAlive and Acknowledge get no reply (ERRATA 9)

export type Group =
  | 'Connecting and Authentication'
  | 'Availability and Call Flow'
  | 'Data'
  | 'Transfers'
  | 'Miscellaneous';

export interface RequestSpec<V extends Verb = Verb> {
  type: V;
  /** kebab-case command name (`go-available`). */
  cli: string;
  group: Group;
  summary: string;
  description: string;
  /** Whether the request carries a RID (KeepAlive does not: ERRATA 9). */
  rid: boolean;
  /** Whether the request carries a SID (Authenticate does not). */
  sid: boolean;
  keys: readonly KeySpec[];
  success: Success;
  /** Keys of the successful response, for help, docs and the simulator. */
  response: readonly KeySpec[];
  /** Error numbers this verb can be answered with beyond 99/198/199. */
  errors: readonly ErrorCode[];
  /** How the project resolves a contradiction of the spec about this verb (ERRATA n). */
  note?: string;
  /**
   * The agent states (of the live call, SessionIndex 0) in which the dialler certainly refuses this
   * request, and the error it answers: what `aapi proxy` warns a client of before the answer comes.
   */
  refusedIn?: readonly { states: readonly AgentState[]; error: ErrorCode }[];
  /**
   * The key-value key that a batch row's column naming no key of the verb goes into: a CSV of
   * records has a `URN` column, which RunQuery takes as `Parameters.URN`.
   */
  otherColumns?: string;
}

export interface EventSpec<E extends EventName = EventName> {
  event: E;
  /** Names a user may also use for it (ERRATA 5: ChatMessage). */
  aliases: readonly string[];
  summary: string;
  keys: readonly KeySpec[];
  /** The agent state this event announces, when it announces one. */
  state?: AgentState;
  /** Whether the event is about one session and so carries `sessionIndex` (ERRATA 13). */
  perSession: boolean;
  note?: string;
}

export type ErrorLevel = 'Critical' | 'Serious' | 'Warning';

/**
 * What an error tells a client to do beyond reporting it: `authFailed`, the credentials will not do
 * and trying again will not help; `reauthenticate`, the SID is gone, so authenticate and resend;
 * `requestLimit`, the agent may send no more of these until the limit is reset.
 */
export type ErrorMeaning = 'authFailed' | 'reauthenticate' | 'requestLimit';

export interface ErrorSpec<C extends ErrorCode = ErrorCode> {
  number: C;
  level: ErrorLevel;
  /** The spec's ErrorMessage text, as the server sends it. */
  message: string;
  /** What it means, from the spec's Information column. */
  information: string;
  /** What the user can do about it. */
  hint: string;
  /**
   * Better hints for what an ErrorDetail says, first match wins: one error number covers several
   * causes (99: a malformed message, or a request the agent's state does not allow yet).
   */
  byDetail?: readonly { detail: RegExp; hint: string }[];
  /** Set when no AAPI verb can produce it, with why (the simulator cannot produce it either). */
  unreachable?: string;
  means?: ErrorMeaning;
}
