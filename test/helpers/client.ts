import WebSocket from 'ws';
import type { Json } from '../../src/protocol/codec.js';
import type { Clock, Timer } from '../../src/sim/clock.js';
import { startSimulator, type Simulator, type SimOptions } from '../../src/sim/server.js';
import { mergeFixture, type Fixture, type Timings } from '../../src/sim/fixture.js';

// A deliberately plain WebSocket client for the simulator's tests: it speaks the wire format
// directly (no session engine), so the tests see exactly what the simulator sends.

export class RawClient {
  readonly events: Json[] = [];
  readonly frames: Json[] = [];
  private readonly waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private rid = 1000;
  private readonly authRids = new Set<number>();
  sid: number | undefined;
  autoAck = true;
  /** Observes every frame this client sends (parsed; raw text that is not a JSON object is not reported). */
  onSent: ((msg: Json) => void) | null = null;
  /** Observes each reply that `request` resolves with, beside the request it answers. */
  onReply: ((request: Json, reply: Json) => void) | null = null;
  /** Resolves with the close code when the connection closes, whoever closes it. */
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    // A socket torn down by the simulator must not become an uncaught 'error' in the test run.
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Json;
      this.frames.push(msg);
      // Take the new SID at once: an event may follow the reply in the same read, before `login` resumes.
      if (typeof msg.RID === 'number' && this.authRids.delete(msg.RID) && msg.Response === 'OK' && typeof msg.SID === 'number') this.sid = msg.SID;
      if (typeof msg.event === 'string') {
        this.events.push(msg);
        if (this.autoAck) this.ack(msg.RID as number);
      }
      for (const w of [...this.waiters]) {
        if (w.match(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.resolve(msg);
        }
      }
    });
  }

  static async connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, opts);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  sendRaw(text: string): void {
    this.report(text);
    this.ws.send(text);
  }

  /** Sends one JSON object as it is: no RID or SID is added. */
  send(msg: Json): void {
    this.onSent?.(msg);
    this.ws.send(JSON.stringify(msg));
  }

  /** KeepAlive with this client's SID (or the one given): no RID, and no reply is expected (ERRATA 9). */
  keepAlive(sid: number | undefined = this.sid): void {
    this.send({ type: 'KeepAlive', SID: sid });
  }

  private report(text: string): void {
    if (!this.onSent) return;
    try {
      const msg: unknown = JSON.parse(text);
      if (msg !== null && typeof msg === 'object' && !Array.isArray(msg)) this.onSent(msg as Json);
    } catch {
      // not JSON: nothing to report
    }
  }

  /** Waits for the first frame (already received or to come) that matches. */
  waitFor(match: (m: Json) => boolean, ms = 5000, what = 'a matching frame', from = 0): Promise<Json> {
    const seen = this.frames.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.findIndex((w) => w.timer === timer), 1);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, ms);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  /**
   * Sends a request (RID and SID filled in) and resolves with the reply carrying its RID. A numeric
   * RID among `fields` is sent as given and awaited (an Acknowledge with a wrong RID, say).
   */
  async request(type: string, fields: Json = {}, ms = 5000): Promise<Json> {
    const rid = typeof fields.RID === 'number' ? fields.RID : ++this.rid;
    const msg: Json = { type, RID: rid, ...(this.sid !== undefined ? { SID: this.sid } : {}), ...fields };
    const reply = this.waitFor((m) => m.RID === rid && m.event === undefined, ms, `the reply to ${type}`);
    if (type === 'Authenticate') this.authRids.add(rid);
    this.send(msg);
    const answer = await reply;
    this.onReply?.(msg, answer);
    return answer;
  }

  ack(rid: number): void {
    this.send({ type: 'Acknowledge', RID: rid, SID: this.sid });
  }

  /** The frames received since `from` (an index into frames, such as an earlier frames.length). */
  framesSince(from: number): Json[] {
    return this.frames.slice(from);
  }

  /** The next event of that name arriving after `mark` (an index into events). */
  event(name: string, ms = 5000, mark = 0, where: (m: Json) => boolean = () => true): Promise<Json> {
    const start = this.frames.indexOf(this.events[mark]);
    return this.waitFor((m) => m.event === name && where(m), ms, `event ${name}`, mark < this.events.length ? start : this.frames.length);
  }

  get mark(): number {
    return this.events.length;
  }

  async login(agent = 'demo', password = 'demo', extension = '8600001', extra: Json = {}): Promise<Json> {
    const r = await this.request('Authenticate', { Agent: agent, Password: password, extension, ...extra });
    if (r.Response === 'OK') this.sid = r.SID as number;
    return r;
  }

  /** Authenticate and Connect to tenant demo, campaign outbound. */
  async connectAgent(agent = 'demo', extension = '8600001'): Promise<void> {
    const a = await this.login(agent, 'demo', extension);
    if (a.Response !== 'OK') throw new Error(`login failed: ${JSON.stringify(a)}`);
    const c = await this.request('Connect', { tenant: 'demo', campaign: 'outbound' });
    if (c.status !== 'Connected') throw new Error(`connect failed: ${JSON.stringify(c)}`);
    await this.event('NowUnavailable');
  }

  close(): void {
    for (const w of this.waiters) clearTimeout(w.timer);
    this.ws.terminate();
  }
}

interface ManualTimer {
  due: number;
  /** The period of an interval; null for a one-shot timer. */
  every: number | null;
  fn: () => void;
  seq: number;
}

/**
 * A clock that stands still until the test advances it (`startTestSim({}, {}, { clock })`): bans, stored
 * devices, idle SIDs and the simulator's call timers then happen when the test says, however slow the
 * machine, instead of a real timer the test must outwait.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(timer: Timer): void {
    this.timers.delete(timer as ManualTimer);
  }

  clearInterval(timer: Timer): void {
    this.timers.delete(timer as ManualTimer);
  }

  /**
   * Moves time on by `ms`, running every timer that falls due on the way, in the order of their due
   * times (then of their creation), each with now() at its due time; what they send is on its way when
   * this returns.
   */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) {
        if (timer.due <= end && (!next || timer.due < next.due || (timer.due === next.due && timer.seq < next.seq))) next = timer;
      }
      if (!next) break;
      this.t = next.due;
      if (next.every === null) this.timers.delete(next);
      else next.due += next.every;
      next.fn();
    }
    this.t = end;
  }

  private add(fn: () => void, ms: number, every: number | null): ManualTimer {
    const timer: ManualTimer = { due: this.t + Math.max(0, ms), every, fn, seq: this.seq++ };
    this.timers.add(timer);
    return timer;
  }
}

/** Timings short enough for tests, long enough to observe each state. */
export const FAST: Partial<Timings> = { presentMs: 20, talkMs: 0, dialMs: 20, transferMs: 0, chatReplyMs: 0 };

export async function startTestSim(timings: Partial<Timings> = {}, extra: Partial<Fixture> = {}, opts: SimOptions = {}): Promise<Simulator> {
  return startSimulator({ port: 0, fixture: mergeFixture({ ...extra, timings: { ...FAST, ...timings } }), ...opts });
}

/**
 * Simulators and clients a test starts, closed together in afterEach: `const h = new Harness();
 * afterEach(() => h.cleanup());`.
 */
export class Harness {
  private readonly sims: Simulator[] = [];
  private readonly clients: RawClient[] = [];

  async sim(timings: Partial<Timings> = {}, extra: Partial<Fixture> = {}, opts: SimOptions = {}): Promise<Simulator> {
    const s = await startTestSim(timings, extra, opts);
    this.sims.push(s);
    return s;
  }

  async client(url: string, opts: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const c = await RawClient.connect(url, opts);
    this.clients.push(c);
    return c;
  }

  /** A client logged in as `agent` and connected to demo/outbound (NowUnavailable received). */
  async agent(sim: Simulator, agent = 'demo', extension = '8600001'): Promise<RawClient> {
    const c = await this.client(sim.url);
    await c.connectAgent(agent, extension);
    return c;
  }

  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    for (const s of this.sims.splice(0)) await s.close();
  }
}
