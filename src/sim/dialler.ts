import { randomInt } from 'node:crypto';
import { REQUESTS } from '../protocol/catalogue.js';
import { getCI, parseFrame, requestVerb, toInt, type Json } from '../protocol/codec.js';
import type { ValidatedRequestOf } from '../protocol/messages.js';
import { VERBS, type KeyValue, type Verb } from '../protocol/types.js';
import { validateRequest } from '../protocol/validate.js';
import { SYSTEM_CLOCK, type Clock, type Timer } from './clock.js';
import { errorFrame, SimError } from './errors.js';
import type { Fixture } from './fixture.js';
import { HANDLERS, type SessionCtx } from './handlers.js';
import { AgentLine, type Conn, type SimSession } from './model.js';
import { RecentLog } from './recent-log.js';

const LOG_LIMIT = 10_000;
const FIRST_URN = 5001;

/** Frames larger than this are refused with error 99 (the socket itself refuses far larger ones). */
export const MAX_FRAME_BYTES = 256 * 1024;

export interface StoredMessage {
  ID: number;
  channel: 'email' | 'sms';
  sender: string;
  recipientsTo: string[];
  recipientsCc: string[];
  subject: string;
  body: string;
  attachments: { filename: string; data: string; inline: boolean }[];
}

export interface Failures {
  count: number;
  bannedUntil: number;
}

/**
 * The simulated dialler: fixture, agents' lines, SIDs, the record and message stores, and the
 * dispatch of every request frame to its handler. It knows nothing of sockets: a connection is a
 * `Conn` that can send a JSON object.
 */
export class Dialler {
  readonly sessions = new Map<number, SimSession>();
  readonly lines = new Map<string, AgentLine>();
  readonly records = new Map<string, KeyValue>();
  readonly messages = new Map<number, StoredMessage>();
  /** The newest 10,000 callbacks requested and dispositions made (control.state() shows them). */
  readonly callbacks = new RecentLog<Json>(LOG_LIMIT);
  readonly dispositions = new RecentLog<Json>(LOG_LIMIT);
  readonly agentFailures = new Map<string, Failures>();
  readonly ipFailures = new Map<string, Failures>();
  readonly devices = new Map<string, { agent: string; until: number }>();
  /** Requests received, by verb: what tests count to prove nothing was sent twice. */
  readonly received: Record<Verb, number> = Object.fromEntries(VERBS.map((v) => [v, 0])) as Record<Verb, number>;
  /** Observes each event as it is written, with the time its predecessor was acknowledged. */
  onEventSent: ((event: Json, ackedAt: number | null) => void) | null = null;
  /** Where each campaign is in its list of records. */
  readonly cursors = new Map<string, number>();
  /** Request limits set through the control API, over the fixture's (220). */
  readonly requestLimits = new Map<string, number>();
  nextUrn = FIRST_URN;
  nextMessageId = 1;
  private nextCallId = 1;
  private corked: [Conn, Json][] | null = null;
  private readonly sweeper: Timer;

  constructor(readonly fixture: Fixture, readonly clock: Clock = SYSTEM_CLOCK) {
    this.loadRecords();
    const every = Math.max(50, Math.min(1000, fixture.timings.sidIdleMs / 4));
    this.sweeper = clock.setInterval(() => this.expireIdle(), every);
  }

  /** The simulator's time (bans, stored devices, idle SIDs): the clock's, so that tests can advance it. */
  now(): number {
    return this.clock.now();
  }

  private loadRecords(): void {
    for (const [urn, data] of Object.entries(this.fixture.records)) this.records.set(urn, { ...data });
  }

  /**
   * The world as the fixture starts it, without a new process: no agent logged in (silently: their
   * connections are dropped by the caller), no SID, the fixture's records, no messages, bans, devices
   * or limits, every log and counter empty.
   */
  reset(): void {
    for (const line of [...this.lines.values()]) this.removeLine(line);
    this.expireAll();
    this.records.clear();
    this.loadRecords();
    for (const store of [this.messages, this.agentFailures, this.ipFailures, this.devices, this.cursors, this.requestLimits]) store.clear();
    this.callbacks.clear();
    this.dispositions.clear();
    for (const verb of VERBS) this.received[verb] = 0;
    this.nextUrn = FIRST_URN;
    this.nextMessageId = 1;
    this.nextCallId = 1;
  }

  close(): void {
    this.clock.clearInterval(this.sweeper);
    for (const line of this.lines.values()) line.reset();
  }

  /** Handles one frame received on `conn`: every reply and event it causes is sent before this returns. */
  handleFrame(conn: Conn, text: string): void {
    this.corked = [];
    try {
      const reply = this.dispatch(conn, text);
      if (reply) conn.send(reply);
    } finally {
      const queued = this.corked;
      this.corked = null;
      for (const [c, msg] of queued) c.send(msg);
    }
  }

  /** Sends now, or just after the reply being prepared: an answer precedes the events it causes. */
  deliver(conn: Conn, msg: Json): void {
    if (this.corked) this.corked.push([conn, msg]);
    else conn.send(msg);
  }

  private dispatch(conn: Conn, text: string): Json | null {
    const parsed = parseFrame(text);
    const size = Buffer.byteLength(text);
    if (size > MAX_FRAME_BYTES) {
      // Answered with the frame's own RID when it has one: with RID 0 the client could not match the
      // answer to its request, and would wait out its timeout not knowing whether it was carried out.
      const rid = parsed.ok ? toInt(getCI(parsed.value, 'RID')) ?? 0 : 0;
      return errorFrame(rid, 99, `frame of ${size} bytes is over the limit of ${MAX_FRAME_BYTES}`);
    }
    if (!parsed.ok) return errorFrame(0, 99, parsed.reason);
    const msg = parsed.value;
    const rid = toInt(getCI(msg, 'RID'));
    const verb = requestVerb(msg);
    if (!verb) {
      const type = getCI(msg, 'type');
      return errorFrame(rid ?? 0, 99, type === undefined ? 'the message has no "type"' : `unknown type ${JSON.stringify(type)}`);
    }
    const spec = REQUESTS[verb];
    this.received[verb]++;
    const silent = !spec.rid; // nothing to answer it on (ERRATA 9), not even an error
    if (spec.rid && rid === undefined) return errorFrame(0, 99, `${verb} needs a RID`);
    const answer = (code: 99 | 198 | 199, detail?: string) => (silent ? null : errorFrame(rid ?? 0, code, detail));

    let session: SimSession | null = null;
    if (spec.sid) {
      const sid = toInt(getCI(msg, 'SID'));
      session = sid === undefined ? null : this.sessions.get(sid) ?? null;
      if (!session) return answer(198, sid === undefined ? `${verb} needs a SID` : undefined);
      if (session.ip !== conn.ip) return answer(199);
      if (session.loggingOff && verb !== 'Acknowledge') return answer(198, 'the session has logged off');
      session.lastSeen = this.now();
      if (session.conn !== conn) this.bind(session, conn);
    }

    const { values, problems } = validateRequest(spec, msg, 'tolerant');
    if (problems.length > 0) return answer(99, problems.join('; '));

    let fields: Json | void;
    try {
      if (verb === 'Authenticate') {
        // Validated against the same catalogue entry the type is derived from.
        fields = HANDLERS.Authenticate({ d: this, conn, rid: rid!, values: values as ValidatedRequestOf<'Authenticate'> });
      } else {
        const line = this.lines.get(session!.agent)!;
        const ctx: SessionCtx = { d: this, conn, rid: rid ?? 0, values, session: session!, line };
        fields = (HANDLERS[verb] as (ctx: SessionCtx) => Json | void)(ctx);
      }
    } catch (err) {
      if (err instanceof SimError) return errorFrame(rid ?? 0, err.code, err.detail);
      throw err;
    }
    const extra = fields ?? {};
    switch (spec.success.kind) {
      case 'none': return null;
      case 'ok': return { Response: 'OK', RID: rid, ...extra };
      case 'status': return { RID: rid, [spec.success.key]: spec.success.value, ...extra };
      case 'payload': return { RID: rid, ...extra };
    }
  }

  /** Starts a session for `agent` on `conn`; an earlier session of the same agent is superseded. */
  openSession(conn: Conn, agent: string): SimSession {
    let sid: number;
    do sid = randomInt(1, 0x7fffffff); while (this.sessions.has(sid));
    const session: SimSession = { sid, agent, ip: conn.ip, lastSeen: this.now(), conn: null, loggingOff: false };
    this.sessions.set(sid, session);
    let line = this.lines.get(agent);
    if (!line) {
      line = new AgentLine(agent, randomInt(1, 0x3fffffff), this.clock);
      line.outbox.onSent = (event, ackedAt) => this.onEventSent?.(event, ackedAt);
      this.lines.set(agent, line);
    }
    if (line.session) this.forget(line.session);
    line.session = session;
    this.bind(session, conn);
    return session;
  }

  private bind(session: SimSession, conn: Conn): void {
    session.conn?.sids.delete(session.sid);
    session.conn = conn;
    conn.sids.add(session.sid);
    const line = this.lines.get(session.agent);
    if (line?.session === session) line.outbox.attach((msg) => this.deliver(conn, msg));
  }

  /** The SID is no longer known (198); the agent's line stays, for a new session to take over. */
  forget(session: SimSession): void {
    this.sessions.delete(session.sid);
    session.conn?.sids.delete(session.sid);
    const line = this.lines.get(session.agent);
    if (line?.session === session) {
      line.session = null;
      line.outbox.detach();
    }
  }

  /** Logs the agent out of the dialler and forgets its line. */
  removeLine(line: AgentLine): void {
    line.reset();
    line.outbox.clear();
    if (line.session) this.forget(line.session);
    this.lines.delete(line.name);
  }

  connectionClosed(conn: Conn): void {
    for (const sid of [...conn.sids]) {
      const session = this.sessions.get(sid);
      if (!session) continue;
      if (session.loggingOff) {
        const line = this.lines.get(session.agent);
        if (line?.session === session) this.removeLine(line);
        else this.forget(session);
        continue;
      }
      session.conn = null;
      const line = this.lines.get(session.agent);
      if (line?.session === session) line.outbox.detach();
    }
    conn.sids.clear();
  }

  expireAll(): void {
    for (const session of [...this.sessions.values()]) this.forget(session);
  }

  private expireIdle(): void {
    const limit = this.now() - this.fixture.timings.sidIdleMs;
    for (const session of [...this.sessions.values()]) if (session.lastSeen < limit) this.forget(session);
  }

  newCallIds(): { sessionID: string; uniquecallid: string } {
    const n = this.nextCallId++;
    return { sessionID: `SIM-${String(n).padStart(6, '0')}`, uniquecallid: `${Date.now().toString(36)}-${n}` };
  }

  lineOf(agent: string): AgentLine | undefined {
    return this.lines.get(agent);
  }
}

