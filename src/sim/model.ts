import type { Json } from '../protocol/codec.js';
import type { AgentState, KeyValue } from '../protocol/types.js';
import { SYSTEM_CLOCK, type Clock, type Timer } from './clock.js';
import { Outbox } from './outbox.js';

// The simulated dialler's state: an agent's line (what the dialler knows of a logged-in agent, which
// outlives any one SID so that re-authenticating after a drop carries on), its calls and sessions.

export type CallKind = 'live' | 'interactive' | 'offline';
export type CallPhase = 'Calling' | 'InCall' | 'Wrapping';

export interface Transfer {
  /** '0' blind with connect (warm), '1' blind, '2' conference. */
  type: '0' | '1' | '2';
  /** '0' agent or extension, '1' external number, '2' queue. */
  to: '0' | '1' | '2';
  recipient: string;
  status: 'offered' | 'connected';
  parked: { client: boolean; recipient: boolean };
  /** When the recipient is an agent of this simulator: its line and the index the call arrives on. */
  recipientLine?: AgentLine;
  recipientIndex?: number;
  timer?: Timer;
}

export interface Call {
  index: number;
  kind: CallKind;
  phase: CallPhase;
  /** A manual call made from Unavailable (not a follow-on). */
  manual: boolean;
  urn?: string;
  data: KeyValue;
  tel: string;
  calltype: number;
  queuenumber: number;
  campaign: string;
  transferIn: boolean;
  sessionID: string;
  uniquecallid: string;
  recording: boolean;
  hold: boolean;
  transfer?: Transfer;
  multiSale: Record<string, number>;
  tags: string[];
  chapters: string[];
  dtmf: string[];
  chat: { direction: string; message: string }[];
  timer?: Timer;
}

export interface Conn {
  ip: string;
  send(msg: Json): void;
  close(): void;
  sids: Set<number>;
}

export interface SimSession {
  sid: number;
  agent: string;
  ip: string;
  lastSeen: number;
  conn: Conn | null;
  /** Logoff was answered: only the Acknowledge of NowLoggedOff is still accepted. */
  loggingOff: boolean;
}

export interface Limits {
  live: number;
  interactive: number;
  offline: number;
}

export class AgentLine {
  session: SimSession | null = null;
  readonly outbox: Outbox;
  extension = '';
  tenant: string | null = null;
  campaign: string | null = null;
  available = false;
  pendingUnavailable = false;
  limits: Limits = { live: 1, interactive: 0, offline: 0 };
  readonly calls = new Map<number, Call>();
  requestsUsed = 0;
  presentTimer: Timer | null = null;
  private readonly timers = new Set<Timer>();

  constructor(readonly name: string, firstRid: number, private readonly clock: Clock = SYSTEM_CLOCK) {
    this.outbox = new Outbox(firstRid);
  }

  get connected(): boolean {
    return this.campaign !== null;
  }

  get live(): Call | undefined {
    return this.calls.get(0);
  }

  /** The agent's state as its events tell it: the live call decides, then availability. */
  get state(): AgentState {
    if (!this.connected) return this.session ? 'Authenticated' : 'LoggedOut';
    const live = this.live;
    if (live) return live.phase;
    return this.available ? 'Waiting' : 'Unavailable';
  }

  emit(event: string, fields: Json = {}): void {
    this.outbox.push(event, fields);
  }

  /** Runs `fn` after `ms`, unless the line is reset first. */
  later(ms: number, fn: () => void): Timer {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  cancel(t: Timer | undefined | null): void {
    if (!t) return;
    this.clock.clearTimeout(t);
    this.timers.delete(t);
  }

  freeIndex(): number | undefined {
    for (let i = 1; i <= 9; i++) if (!this.calls.has(i)) return i;
    return undefined;
  }

  countKind(kind: CallKind): number {
    let n = 0;
    for (const c of this.calls.values()) if (c.kind === kind) n++;
    return n;
  }

  /** Logs the agent out of the dialler: every call and timer ends. */
  reset(): void {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    this.presentTimer = null;
    this.calls.clear();
    this.tenant = null;
    this.campaign = null;
    this.available = false;
    this.pendingUnavailable = false;
    this.limits = { live: 1, interactive: 0, offline: 0 };
  }
}

/** The NowInCall fields of a call, in the spec's order. */
export function inCallFields(call: Call): Json {
  return {
    campaign: call.campaign,
    calltype: call.calltype,
    tel: call.tel,
    transfer: call.transferIn,
    sessionID: call.sessionID,
    queuenumber: call.queuenumber,
    data: call.data,
    uniquecallid: call.uniquecallid,
    sessionIndex: call.index,
  };
}
