import { REQUESTS, errorSpec, resolveEvent, resolveVerb } from '../protocol/catalogue.js';
import { classify, getCI, parseFrame, toInt, type Json } from '../protocol/codec.js';
import type { KeySpec, RequestSpec, Verb } from '../protocol/types.js';
import { checkValue } from '../protocol/validate.js';
import { applyAuthenticated, applyEvent, initialView, type AgentView } from '../session/agent-state.js';
import { mask, Redactor } from '../session/mask.js';
import { RULES, type RuleId, type Severity } from './rules.js';

// The rule engine: what one client connection says, and what the server answers it, checked against
// the catalogue. It keeps no frame beyond the first offending one of each rule, and the bookkeeping
// of what is unanswered and unacknowledged: its memory does not grow with the traffic.

export interface Violation {
  rule: RuleId;
  severity: Severity;
  count: number;
  /** What the first offence was, in words. */
  message: string;
  /** The first offending frame, masked (its text, when it was no JSON). */
  frame?: unknown;
  source: string;
}

export interface CheckOptions {
  /** An event acknowledged after this long is late (default 5 s). */
  ackWithinMs: number;
  /** A client silent for longer than this has missed a KeepAlive (the spec's 30 s). */
  keepAliveWithinMs: number;
}

export const DEFAULT_CHECKS: CheckOptions = { ackWithinMs: 5_000, keepAliveWithinMs: 30_000 };

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
/** The text of an unreadable frame shown: enough to recognise it. */
const SHOWN = 200;

interface Awaited {
  verb: Verb;
  /** Answers still due on the RID: more than one when it was reused. */
  due: number;
  /** The error the agent's state made certain, counted when the answer is not a success. */
  refused?: { message: string; frame: Json };
}

const typeOnly = (key: KeySpec): KeySpec => ({ ...key, choices: undefined, closed: undefined, min: undefined, max: undefined });

export class ClientChecker {
  private readonly found = new Map<RuleId, Violation>();
  private readonly awaited = new Map<number, Awaited>();
  /** Events unacknowledged, by RID, in the order they came. */
  private readonly unacked = new Map<number, { at: number; frame: Json }>();
  private readonly acked = new Set<number>();
  private readonly sids = new Set<number>();
  private view: AgentView = initialView();
  private lastClientAt: number;
  private silenceReported = false;
  /**
   * Secrets the client sent, to mask them in a frame that could not be read and in the words of a
   * message (a password of the wrong type is quoted in it). Shared with the connection's log.
   */
  constructor(
    private readonly opts: CheckOptions = DEFAULT_CHECKS,
    private readonly now: () => number = Date.now,
    private readonly red: Redactor = new Redactor(),
  ) {
    this.lastClientAt = now();
  }

  /** A frame the client sent. */
  fromClient(text: string, binary = false): void {
    this.checkSilence();
    this.lastClientAt = this.now();
    this.silenceReported = false;
    if (binary) return this.report('not-json', 'a binary frame: the AAPI speaks JSON text', this.unreadable(text));
    const parsed = parseFrame(text);
    if (!parsed.ok) return this.report('not-json', `the frame is ${parsed.reason}`, this.unreadable(text));
    const msg = parsed.value;
    this.red.learn(msg);
    if (!text.trimStart().startsWith('{')) this.report('braceless-frame', 'the frame has no outer braces', msg);
    const type = getCI(msg, 'type');
    const verb = typeof type === 'string' ? resolveVerb(type) : undefined;
    if (!verb || type !== REQUESTS[verb].type || !('type' in msg)) {
      const meant = verb ? `; the spec spells it ${JSON.stringify(REQUESTS[verb].type)}` : '';
      this.report('unknown-type', type === undefined ? 'the frame has no `type`' : `${JSON.stringify(type)} is no AAPI request${meant}`, msg);
      // Misspelt, it may still be answered (the simulator reads any case): that answer is awaited.
      const rid = verb && toInt(getCI(msg, 'RID'));
      if (verb && rid !== undefined) this.awaited.set(rid, { verb, due: (this.awaited.get(rid)?.due ?? 0) + 1 });
      return;
    }
    const spec = REQUESTS[verb];
    this.checkKeys(spec, msg);
    this.checkSid(spec, msg);
    if (verb === 'Acknowledge') return this.acknowledged(msg);
    const rid = this.checkRid(spec, msg);
    if (rid === undefined || spec.success.kind === 'none') return;
    const before = this.awaited.get(rid);
    if (before) this.report('rid-reused', `RID ${rid} is still awaiting the answer to ${before.verb}`, msg);
    this.awaited.set(rid, { verb, due: (before?.due ?? 0) + 1, refused: this.refusal(spec, msg) });
  }

  /** A frame the server sent the client. */
  fromServer(text: string): void {
    const parsed = parseFrame(text);
    if (!parsed.ok) return;
    const c = classify(parsed.value);
    if (c.kind === 'event') {
      if (!resolveEvent(String(c.event))) this.report('server-unknown-event', `${JSON.stringify(c.event)} is no event of the spec`, parsed.value);
      this.view = applyEvent(this.view, parsed.value);
      if (c.rid !== undefined) this.unacked.set(c.rid, { at: this.now(), frame: parsed.value });
      return;
    }
    const awaited = c.rid === undefined ? undefined : this.awaited.get(c.rid);
    if (!awaited) {
      if (c.kind === 'response') this.report('server-unexpected-answer', `an answer on RID ${c.rid ?? '(none)'}, which no request awaits`, parsed.value);
      return;
    }
    if (--awaited.due === 0) this.awaited.delete(c.rid!);
    if (c.kind === 'error') {
      if (awaited.refused) this.report('state-refused', awaited.refused.message, awaited.refused.frame);
      return;
    }
    if (awaited.verb === 'Authenticate') {
      const sid = toInt(getCI(parsed.value, 'SID'));
      if (sid !== undefined) this.sids.add(sid);
      this.view = applyAuthenticated(this.view);
    }
  }

  /** Time passing: a silence too long is reported while it lasts. */
  tick(): void {
    this.checkSilence();
  }

  /** The connection is over: what was never acknowledged (and due), or refused without an answer yet. */
  end(): void {
    this.checkSilence();
    for (const [rid, e] of this.unacked) {
      if (this.now() - e.at > this.opts.ackWithinMs) this.report('ack-missing', `${String(getCI(e.frame, 'event'))} (RID ${rid}) was never acknowledged`, e.frame);
    }
    for (const a of this.awaited.values()) if (a.refused) this.report('state-refused', a.refused.message, a.refused.frame);
    this.unacked.clear();
    this.awaited.clear();
  }

  /** The verb a request sent with this RID awaits the answer of. */
  awaiting(rid: number | undefined): Verb | undefined {
    return rid === undefined ? undefined : this.awaited.get(rid)?.verb;
  }

  violations(): Violation[] {
    return [...this.found.values()];
  }

  private report(rule: RuleId, message: string, frame?: unknown): void {
    const seen = this.found.get(rule);
    if (seen) seen.count++;
    else this.found.set(rule, { rule, severity: RULES[rule].severity, source: RULES[rule].source, count: 1, message: this.red.text(message), frame: typeof frame === 'string' ? frame : mask(frame) });
  }

  private unreadable(text: string): string {
    return this.red.line(text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text).text;
  }

  private checkKeys(spec: RequestSpec, msg: Json): void {
    for (const key of spec.keys) {
      const raw = msg[key.wire];
      if (raw === undefined) {
        if (key.required) this.report('key-required', `${spec.type}.${key.wire} is missing`, msg);
        // Keys with a default are left out by the spec's own examples (GoAvailable, Disposition).
        else if (!key.optional && key.default === undefined) this.report('key-missing', `${spec.type}.${key.wire} is missing`, msg);
        continue;
      }
      // null is the spec's own "no value" (ERRATA 10) for a key that is not required.
      if (raw === null && !key.required) continue;
      const strict = checkValue(typeOnly(key), raw, 'strict');
      if (strict.problem) {
        const loose = checkValue(typeOnly(key), raw, 'tolerant');
        this.report(loose.problem ? 'key-type' : 'key-type-loose', `${spec.type}.${key.wire} ${strict.problem}`, msg);
        continue;
      }
      const { problem } = checkValue(key, raw, 'strict');
      if (problem) this.report('value-not-documented', `${spec.type}.${key.wire} ${problem}`, msg);
    }
  }

  /** The request's RID when it has a valid one. */
  private checkRid(spec: RequestSpec, msg: Json): number | undefined {
    if (!spec.rid) return undefined;
    const raw = getCI(msg, 'RID');
    if (raw === undefined) {
      this.report('rid-missing', `${spec.type} has no RID`, msg);
      return undefined;
    }
    const rid = toInt(raw);
    if (rid === undefined || rid < INT32.min || rid > INT32.max) {
      this.report('rid-not-int32', `${spec.type}.RID is ${JSON.stringify(raw)}`, msg);
      return undefined;
    }
    return rid;
  }

  private checkSid(spec: RequestSpec, msg: Json): void {
    if (!spec.sid) return;
    const raw = getCI(msg, 'SID');
    if (raw === undefined) return this.report('sid-missing', `${spec.type} has no SID`, msg);
    const sid = toInt(raw);
    if (sid !== undefined && this.sids.has(sid)) return;
    const issued = this.sids.size ? `the SID issued on this connection is ${[...this.sids].join(' or ')}` : 'no SID was issued on this connection yet';
    this.report('sid-wrong', `${spec.type}.SID is ${JSON.stringify(raw)}: ${issued}`, msg);
  }

  private acknowledged(msg: Json): void {
    const raw = getCI(msg, 'RID');
    const rid = toInt(raw);
    if (rid === undefined) return this.report(raw === undefined ? 'rid-missing' : 'rid-not-int32', `Acknowledge.RID is ${raw === undefined ? 'missing: it is the RID of the event acknowledged' : JSON.stringify(raw)}`, msg);
    const e = this.unacked.get(rid);
    if (!e) return this.report(this.acked.has(rid) ? 'ack-twice' : 'ack-unknown', `Acknowledge of RID ${rid}, ${this.acked.has(rid) ? 'acknowledged before' : 'which no event carried'}`, msg);
    const [oldest] = this.unacked.keys();
    if (oldest !== rid) this.report('ack-out-of-order', `RID ${rid} acknowledged before RID ${oldest}, received earlier`, msg);
    const after = this.now() - e.at;
    if (after > this.opts.ackWithinMs) this.report('ack-late', `${String(getCI(e.frame, 'event'))} acknowledged after ${(after / 1000).toFixed(1)} s`, msg);
    this.unacked.delete(rid);
    this.acked.add(rid);
  }

  /** The error the dialler will certainly answer, from the catalogue's `refusedIn` and the state the events told. */
  private refusal(spec: RequestSpec, msg: Json): Awaited['refused'] {
    if ((toInt(getCI(msg, 'sessionIndex')) ?? 0) !== 0) return undefined;
    const hit = spec.refusedIn?.find((r) => r.states.includes(this.view.state));
    if (!hit) return undefined;
    const e = errorSpec(hit.error);
    return { message: `${spec.type} while the agent is ${this.view.state}: the dialler answers ${hit.error}${e ? ` ${e.message}` : ''}`, frame: msg };
  }

  /** A client silent past the KeepAlive period, once authenticated, reported once per silence. */
  private checkSilence(): void {
    if (this.silenceReported || this.sids.size === 0) return;
    const quiet = this.now() - this.lastClientAt;
    if (quiet <= this.opts.keepAliveWithinMs) return;
    this.silenceReported = true;
    this.report('keepalive-missing', `no message from the client for ${(quiet / 1000).toFixed(1)} s`);
  }
}
