// The rules a client of the AAPI is checked against, as data: each with its severity and where it
// comes from (a section of the spec, or an ERRATA item). `error`: the dialler refuses it, or the
// protocol breaks; `warning`: the spec asks for it, but a dialler tolerates it. What the spec itself
// shows or ERRATA accepts (RID and SID as decimal strings, keys with a default left out) is no rule.

export type Severity = 'error' | 'warning';

export interface Rule {
  severity: Severity;
  /** The spec's section, or the ERRATA item, the rule comes from. */
  source: string;
  explain: string;
}

export const RULES = {
  'not-json': { severity: 'error', source: 'Message format', explain: 'a frame must be one JSON object in a text frame; the dialler answers error 99' },
  'braceless-frame': { severity: 'warning', source: 'ERRATA 17', explain: 'a JSON object without its outer braces, as the spec\'s C# example sends it: the dialler accepts it, no other reader does' },
  'unknown-type': { severity: 'error', source: 'Message format', explain: '`type` must name an AAPI request in the spec\'s spelling; the dialler answers error 99' },
  'key-required': { severity: 'error', source: 'ERRATA 10', explain: 'a key the dialler cannot do without is missing; it answers error 99' },
  'key-missing': { severity: 'warning', source: 'ERRATA 10', explain: 'every documented key is to be sent, with null, 0 or "" when there is no value' },
  'key-type': { severity: 'error', source: 'Message format', explain: 'a key of the wrong JSON type (a string for an integer, an object for a string); the dialler answers error 99' },
  'key-type-loose': { severity: 'warning', source: 'Message format', explain: 'a number or a boolean written as a string: integers and booleans are not quoted' },
  'value-not-documented': { severity: 'error', source: 'the request\'s table', explain: 'a value outside the documented choices or range of its key' },
  'rid-missing': { severity: 'error', source: 'RequestID (RID)', explain: 'a request without a RID cannot be matched with its answer' },
  'rid-not-int32': { severity: 'error', source: 'RequestID (RID)', explain: 'a RID is a 32-bit integer (a decimal string is accepted: ERRATA 7)' },
  'rid-reused': { severity: 'error', source: 'RequestID (RID)', explain: 'a RID reused while the request first sent with it is unanswered: the answers cannot be told apart' },
  'sid-missing': { severity: 'error', source: 'SessionID (SID)', explain: 'every request after Authenticate carries the SID it issued; the dialler answers error 198' },
  'sid-wrong': { severity: 'error', source: 'SessionID (SID)', explain: 'the SID is not one Authenticate issued on this connection; the dialler answers error 198 or 199' },
  'ack-late': { severity: 'warning', source: 'Acknowledge', explain: 'an event acknowledged late holds back the events queued behind it' },
  'ack-twice': { severity: 'warning', source: 'Acknowledge', explain: 'an event acknowledged twice' },
  'ack-out-of-order': { severity: 'warning', source: 'Acknowledge', explain: 'an event acknowledged before one received earlier' },
  'ack-unknown': { severity: 'warning', source: 'Acknowledge', explain: 'an Acknowledge whose RID no event carried' },
  'ack-missing': { severity: 'error', source: 'ERRATA 20', explain: 'an event never acknowledged: the dialler sends no further event until it is' },
  'keepalive-missing': { severity: 'warning', source: 'KeepAlive', explain: 'no message for longer than the KeepAlive period (30 s): the dialler forgets an idle SID' },
  'state-refused': { severity: 'error', source: 'the request\'s section; Standard cycle', explain: 'a request the agent\'s state, as the events told it, makes certain to fail' },
  'server-unexpected-answer': { severity: 'warning', source: 'RequestID (RID)', explain: 'the server answered a RID no request awaits (the real dialler is the authority)' },
  'server-unknown-event': { severity: 'warning', source: 'API events', explain: 'the server sent an event the spec does not describe (the real dialler is the authority)' },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

/** The rules as `--help` lists them: one line each. */
export function rulesHelp(): string {
  return RULE_IDS.map((id) => `  ${id} (${RULES[id].severity}; ${RULES[id].source}): ${RULES[id].explain}`).join('\n');
}
