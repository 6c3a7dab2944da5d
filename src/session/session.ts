import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as netConnect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import WebSocket, { type ClientOptions } from 'ws';
import { errorMeans, REQUESTS, resolveEvent } from '../protocol/catalogue.js';
import { classify, encodeRequest, getCI, parseFrame, requestVerb, toInt, type Json } from '../protocol/codec.js';
import type { CanonicalEvent, EventNameOrAlias, EventOf, RequestOf, RequiredKeyOf, ResponseOf } from '../protocol/messages.js';
import type { Verb } from '../protocol/types.js';
import { missingRid } from '../protocol/validate.js';
import { applyAuthenticated, applyDisposed, applyEvent, initialView, type AgentView } from './agent-state.js';
import { alsoTrusting } from './ca.js';
import { describeConnectFailure } from './connect-failure.js';
import { AapiError, ConnectFailed, ConnectionLost, DEFAULT_MAX_FRAME_BYTES, FrameTooLarge, InvalidRequest, RequestTimeout, SessionClosed } from './errors.js';
import type { Direction } from './frame-log.js';

export interface Credentials {
  agent?: string;
  password?: string;
  extension?: string;
  secondFactor?: string;
  deviceId?: string;
  /** Days to remember this device after a successful second factor. */
  storeDevice?: number;
}

export interface SessionOptions extends Credentials {
  url: string;
  /** Connect to this tenant's campaign after authenticating. */
  tenant?: string;
  campaign?: string;
  /** Accept a self-signed certificate. */
  insecure?: boolean;
  /** Extra CA certificates to trust (PEM), beside the default ones. */
  ca?: string | Buffer;
  /** KeepAlive period; the spec asks for at least one every 30 s. */
  keepAliveMs?: number;
  /** Default wait for a response. */
  timeoutMs?: number;
  /** Default limit of a request's frame, in bytes (DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /** Reconnect and authenticate again after a drop (default true). */
  reconnect?: boolean;
  backoff?: { initialMs: number; maxMs: number };
  /** Records an event durably; it is acknowledged only once this resolves. */
  record?: (event: Json) => void | Promise<void>;
  /** Told of every frame as it is written or read (KeepAlives and Acknowledges too), for a log of the traffic. */
  tap?: (dir: Direction, text: string) => void;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** A larger request is refused with FrameTooLarge, nothing sent. */
  maxFrameBytes?: number;
}

interface Pending {
  what: string;
  verb: Verb | undefined;
  msg: Json;
  resolve: (m: Json) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  retried: boolean;
  maxFrameBytes: number;
}

/** A request's values and options: the values may be left out only when the verb has no required key. */
export type RequestArgs<V extends Verb> = [RequiredKeyOf<V>] extends [never]
  ? [values?: RequestOf<V>, opts?: RequestOptions]
  : [values: RequestOf<V>, opts?: RequestOptions];

/** The typed answers and events promise RID and SID as numbers; a dialler may send them as strings (ERRATA 7). */
function numericIds(msg: Json): Json {
  if (typeof msg.RID !== 'string' && typeof msg.SID !== 'string') return msg;
  const out = { ...msg };
  for (const k of ['RID', 'SID']) out[k] = toInt(msg[k]) ?? msg[k];
  return out;
}

/**
 * A request that carries the session's SID (a raw message of an unknown type is taken to): it waits
 * out a reconnection for the new SID, and is resent after a re-authentication. Authenticate carries none.
 */
const carriesSid = (verb: Verb | undefined) => verb === undefined || REQUESTS[verb].sid;

type SessionEvents = {
  event: [Json];
  reconnecting: [{ attempt: number; delayMs: number; reason: string }];
  reconnected: [{ sid: number }];
  /** Authenticated again on the same connection, after a 198 (the SID was no longer valid). */
  reauthenticated: [{ sid: number }];
  closed: [Error | null];
};

/**
 * One authenticated AAPI session: RIDs, responses matched to requests, KeepAlive, events recorded then
 * acknowledged in order, and, after a drop, reconnection and authentication again. It knows nothing
 * of the command line: the daemon, recipes and batch jobs all use it, and so can any script.
 */
export class Session extends EventEmitter<SessionEvents> {
  sid = 0;
  deviceId: string | undefined;
  connectedSince: Date | null = null;
  view: AgentView = initialView();
  /** Events received but not yet recorded and acknowledged. */
  pendingAcks = 0;
  private ws: WebSocket | null = null;
  /** The connection under `ws`, kept to write many frames at once (sendAll). */
  private socket: Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  private rid = randomInt(1, 0x7fffffff - 0x100000);
  private keepAlive: NodeJS.Timeout | null = null;
  private eventChain: Promise<void> = Promise.resolve();
  private readonly recorded: number[] = [];
  private closing = false;
  private closedError: Error | null | undefined;
  private reauth: Promise<void> | null = null;
  private reconnecting: Promise<void> | null = null;
  private lastReconnectError = '';
  private readonly opts: Required<Pick<SessionOptions, 'keepAliveMs' | 'timeoutMs' | 'maxFrameBytes' | 'reconnect' | 'backoff'>> & SessionOptions;

  private constructor(opts: SessionOptions) {
    super();
    // An option given as undefined (the daemon passes its request's fields through) keeps its default:
    // a spread would let it override the default, and setInterval(fn, undefined) fires every 1 ms.
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as SessionOptions;
    this.opts = { keepAliveMs: 20_000, timeoutMs: 30_000, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, reconnect: true, backoff: { initialMs: 250, maxMs: 10_000 }, ...given };
    this.deviceId = opts.deviceId;
  }

  /**
   * Only opens the connection: the caller authenticates with `send({type: 'Authenticate', ...})`,
   * whose SID the session then uses. Without credentials it cannot re-authenticate by itself.
   */
  static async connect(opts: SessionOptions): Promise<Session> {
    const s = new Session(opts);
    await s.connectSocket();
    return s;
  }

  /** Connects, authenticates (and connects to the campaign, when one is given). */
  static async open(opts: SessionOptions): Promise<Session> {
    if (opts.agent === undefined || opts.password === undefined) throw new Error('Session.open needs an agent and a password');
    const s = new Session(opts);
    try {
      await s.connectSocket();
      await s.authenticate();
      if (opts.tenant && opts.campaign) await s.request('Connect', { tenant: opts.tenant, campaign: opts.campaign });
    } catch (err) {
      s.shutdown(err as Error);
      throw err;
    }
    return s;
  }

  get url(): string {
    return this.opts.url;
  }

  get agent(): string {
    return this.opts.agent ?? '';
  }

  get isOpen(): boolean {
    return this.closedError === undefined;
  }

  /**
   * Sends a request of the catalogue, its values typed by the catalogue's entry, and resolves with its
   * successful response; rejects with AapiError on ERROR. `send` takes any message.
   */
  request<V extends Verb>(verb: V, ...[values, opts]: RequestArgs<V>): Promise<ResponseOf<V>> {
    return this.send(encodeRequest(verb, values ?? {}), opts).then((r) => numericIds(r) as ResponseOf<V>);
  }

  /**
   * Calls `handler` with each event of that name (or alias: ChatMessage) as it is recorded, typed by
   * its catalogue entry. Returns the function that removes the handler.
   */
  onEvent<N extends EventNameOrAlias>(name: N, handler: (event: EventOf<CanonicalEvent<N>>) => void): () => void {
    const wanted = resolveEvent(name);
    if (!wanted) throw new TypeError(`unknown event ${JSON.stringify(name)}`);
    const listener = (msg: Json) => {
      const got = getCI(msg, 'event');
      if (typeof got === 'string' && resolveEvent(got) === wanted) handler(numericIds(msg) as EventOf<CanonicalEvent<N>>);
    };
    this.on('event', listener);
    return () => void this.off('event', listener);
  }

  /**
   * Sends any message: RID and SID are filled in unless given. Resolves with the response, or with
   * `{}` at once for KeepAlive and Acknowledge, which get none (ERRATA 9).
   */
  send(msg: Json, opts: RequestOptions = {}): Promise<Json> {
    // Not async: a batch sends tens of thousands, and the daemon runs in V8's lite mode, where every
    // async frame costs. A failure is still a rejection, never a throw.
    try {
      this.assertOpen();
      const verb = requestVerb(msg);
      // Made while reconnecting, a request waits, so that it carries the new connection's SID: the
      // old one is gone after a restart, and sending it would cost a 198 and a second Authenticate.
      if (this.reconnecting && carriesSid(verb)) {
        return this.untilReconnected(opts.timeoutMs ?? this.opts.timeoutMs).then(() => this.sendNow(msg, verb, opts));
      }
      return this.sendNow(msg, verb, opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private sendNow(msg: Json, verb: Verb | undefined, opts: RequestOptions): Promise<Json> {
    const spec = verb ? REQUESTS[verb] : undefined;
    const out: Json = { ...msg };
    // A RID or SID given as the decimal string a dialler wrote (copied from its answer into `aapi
    // send`) still goes out as the integer it stands for: the client sends integers (ERRATA 7).
    for (const id of ['RID', 'SID']) if (typeof out[id] === 'string') out[id] = toInt(out[id]) ?? out[id];
    const limit = opts.maxFrameBytes ?? this.opts.maxFrameBytes;
    if (spec?.sid !== false && getCI(msg, 'SID') === undefined) out.SID = this.sid;
    if (spec?.success.kind === 'none') {
      const problem = missingRid(spec, msg);
      if (problem) throw new InvalidRequest(problem);
      this.write(out, limit);
      return Promise.resolve({});
    }
    const given = toInt(getCI(msg, 'RID'));
    const rid = given ?? this.nextRid();
    if (given === undefined) out.RID = rid;
    // A SID the caller gave is theirs: a 198 for it is their answer, not a cue to log in again and resend.
    const sidGiven = getCI(msg, 'SID') !== undefined;
    const response = this.await(rid, out, verb, opts.timeoutMs ?? this.opts.timeoutMs, String(verb ?? getCI(msg, 'type') ?? 'message'), sidGiven, limit);
    if (verb !== 'Disposition') return response;
    return response.then((r) => {
      this.view = applyDisposed(this.view, toInt(out.sessionIndex) ?? 0);
      return r;
    });
  }

  /**
   * Sends several messages with their frames written together: one system call, rather than one
   * per frame (a batch job sends dozens in one turn of the event loop).
   */
  sendAll(msgs: Json[], opts: RequestOptions = {}): Promise<Json>[] {
    const socket = this.socket;
    const cork = socket !== null && !socket.destroyed;
    if (cork) socket.cork();
    try {
      return msgs.map((m) => this.send(m, opts));
    } finally {
      if (cork) socket.uncork();
    }
  }

  async logoff(opts: RequestOptions = {}): Promise<void> {
    try {
      await this.request('Logoff', {}, opts);
      // NowLoggedOff follows: give it a moment to be recorded and acknowledged.
      await Promise.race([this.eventChain, new Promise((r) => setTimeout(r, 500))]);
    } finally {
      this.shutdown(null);
    }
  }

  /** Closes the connection without logging off. */
  close(): void {
    this.shutdown(null);
  }

  /** Resolves when the session ends for good, with why (null for a deliberate close). */
  closed(): Promise<Error | null> {
    if (this.closedError !== undefined) return Promise.resolve(this.closedError);
    return new Promise((resolve) => this.once('closed', resolve));
  }

  private assertOpen(): void {
    if (this.closedError !== undefined) throw new SessionClosed(this.closedError?.message ?? 'the session is closed');
  }

  private nextRid(): number {
    do this.rid = this.rid >= 0x7fffffff ? 1 : this.rid + 1;
    while (this.pending.has(this.rid));
    return this.rid;
  }

  /** The one place a request's frame is encoded and sent: one over `limit` bytes is refused, nothing sent. */
  private write(msg: Json, limit: number): void {
    const text = JSON.stringify(msg);
    const bytes = Buffer.byteLength(text);
    if (bytes > limit) throw new FrameTooLarge(bytes, limit);
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new ConnectionLost(String(msg.type));
    this.transmit(text);
  }

  private transmit(text: string): void {
    this.ws!.send(text);
    this.opts.tap?.('sent', text);
  }

  /** `retried`: a 198 is not answered by authenticating again and resending (once is enough). */
  private await(rid: number, msg: Json, verb: Verb | undefined, timeoutMs: number, what: string, retried = false, limit = this.opts.maxFrameBytes): Promise<Json> {
    if (this.reconnecting && carriesSid(verb)) return this.untilReconnected(timeoutMs).then(() => this.awaitNow(rid, msg, verb, timeoutMs, what, retried, limit));
    return this.awaitNow(rid, msg, verb, timeoutMs, what, retried, limit);
  }

  private awaitNow(rid: number, msg: Json, verb: Verb | undefined, timeoutMs: number, what: string, retried: boolean, limit: number): Promise<Json> {
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new RequestTimeout(what, timeoutMs));
      }, timeoutMs);
      this.pending.set(rid, { what, verb, msg, resolve, reject, timer, retried, maxFrameBytes: limit });
      try {
        this.write(msg, limit);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(rid);
        reject(err);
      }
    });
  }

  /** A request made while reconnecting waits for the connection, not longer than its own timeout. */
  private async untilReconnected(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConnectFailed(`gave up after ${timeoutMs} ms: still reconnecting to ${this.opts.url} (last error: ${this.lastReconnectError})`)), timeoutMs);
    });
    try {
      await Promise.race([this.reconnecting, giveUp]);
    } finally {
      clearTimeout(timer);
    }
    this.assertOpen();
  }

  private connectSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.opts.url, {
        rejectUnauthorized: !this.opts.insecure,
        ca: this.opts.ca === undefined ? undefined : alsoTrusting(this.opts.ca),
        minVersion: 'TLSv1.2',
        handshakeTimeout: this.opts.timeoutMs,
        maxPayload: 64 * 1024 * 1024,
        // The socket is made here, as ws would make it, so that the session holds it (sendAll corks it).
        createConnection: ((o: ConnectionOptions & { socketPath?: string }) => {
          const socket = /^(wss|https):/i.test(this.opts.url)
            ? tlsConnect({ ...o, path: undefined, servername: o.servername ?? (isIP(o.host ?? '') ? '' : o.host) })
            : netConnect({ ...o, path: o.socketPath } as unknown as NetConnectOpts);
          this.socket = socket;
          return socket;
        }) as unknown as ClientOptions['createConnection'],
      });
      const fail = (err: Error) => {
        const { reason, hint } = describeConnectFailure(this.opts.url, err);
        reject(new ConnectFailed(`cannot connect to ${this.opts.url}: ${reason}`, hint));
      };
      ws.once('error', fail);
      ws.once('open', () => {
        ws.off('error', fail);
        ws.on('error', () => {}); // 'close' follows and decides
        this.ws = ws;
        ws.on('message', (data) => this.onFrame(data.toString()));
        ws.on('close', () => this.onClose(ws));
        this.startKeepAlive();
        resolve();
      });
    });
  }

  private get canReauthenticate(): boolean {
    return this.opts.agent !== undefined && this.opts.password !== undefined;
  }

  private async authenticate(): Promise<void> {
    const c = this.opts;
    const values: Json = { Agent: c.agent, Password: c.password, extension: c.extension ?? '' };
    if (c.secondFactor) values.SecondFactor = c.secondFactor;
    if (this.deviceId) values.DeviceID = this.deviceId;
    if (c.storeDevice !== undefined) values.StoreDevice = c.storeDevice;
    const rid = this.nextRid();
    const response = await this.await(rid, encodeRequest('Authenticate', values, { rid }), 'Authenticate', this.opts.timeoutMs, 'Authenticate');
    this.sid = toInt(getCI(response, 'SID')) ?? 0;
    const device = getCI(response, 'DeviceID');
    if (typeof device === 'string' && device) this.deviceId = device;
    // A one-time code cannot be used twice; a stored device is what lets a reconnect skip it.
    this.opts.secondFactor = undefined;
    this.connectedSince ??= new Date();
  }

  private onFrame(text: string): void {
    this.opts.tap?.('received', text);
    const parsed = parseFrame(text);
    if (!parsed.ok) return; // nothing to match it with; the request it answers will time out
    const c = classify(parsed.value);
    if (c.kind === 'event') {
      this.receiveEvent(parsed.value, c.rid);
      return;
    }
    const p = c.rid === undefined ? undefined : this.pending.get(c.rid);
    if (!p) return;
    this.pending.delete(c.rid!);
    clearTimeout(p.timer);
    if (c.kind === 'error') {
      if (errorMeans(c.errorNumber, 'reauthenticate') && !p.retried && this.canReauthenticate && carriesSid(p.verb)) {
        void this.retryAfterReauth(p);
        return;
      }
      p.reject(new AapiError(parsed.value));
      return;
    }
    // The new SID takes effect before the next frame is read: the events that follow a
    // re-authentication (the server re-sends the unacknowledged one) are acknowledged with it.
    if (p.verb === 'Authenticate') {
      this.sid = toInt(getCI(parsed.value, 'SID')) ?? this.sid;
      this.view = applyAuthenticated(this.view);
    }
    p.resolve(parsed.value);
  }

  /** 198: authenticate again once (one re-authentication shared by every request that got it), then resend once. */
  private async retryAfterReauth(p: Pending): Promise<void> {
    try {
      // Sent with a SID that has been replaced since (the re-authentication of a request answered 198
      // just before it): the new SID is already there, so it is only sent again.
      const staleSid = toInt(getCI(p.msg, 'SID')) !== this.sid;
      if (!staleSid) {
        this.reauth ??= this.authenticate()
          .then(() => void this.emit('reauthenticated', { sid: this.sid }))
          .finally(() => {
            this.reauth = null;
          });
      }
      if (this.reauth) await this.reauth;
      const rid = this.nextRid();
      const msg = { ...p.msg, RID: rid, SID: this.sid };
      const response = await this.await(rid, msg, p.verb, this.opts.timeoutMs, p.what, true, p.maxFrameBytes);
      p.resolve(response);
    } catch (err) {
      p.reject(err as Error);
    }
  }

  private receiveEvent(msg: Json, rid: number | undefined): void {
    // Recorded, then acknowledged, strictly in arrival order (ERRATA 20).
    this.pendingAcks++;
    this.eventChain = this.eventChain.then(async () => {
      try {
        await this.recordAndAck(msg, rid);
      } finally {
        this.pendingAcks--;
      }
    });
  }

  private async recordAndAck(msg: Json, rid: number | undefined): Promise<void> {
    const seen = rid !== undefined && this.recorded.includes(rid);
    if (!seen) {
      try {
        await this.opts.record?.(msg);
      } catch {
        return; // not recorded: not acknowledged either; the server will offer it again
      }
      if (rid !== undefined) {
        this.recorded.push(rid);
        if (this.recorded.length > 64) this.recorded.shift();
      }
      this.view = applyEvent(this.view, msg);
      this.emit('event', msg);
    }
    if (rid !== undefined && this.ws?.readyState === WebSocket.OPEN) {
      this.transmit(JSON.stringify({ type: 'Acknowledge', SID: this.sid, RID: rid }));
    }
  }

  private startKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = setInterval(() => {
      if (this.ws?.readyState === WebSocket.OPEN && this.sid) this.transmit(JSON.stringify({ type: 'KeepAlive', SID: this.sid }));
    }, this.opts.keepAliveMs);
    this.keepAlive.unref();
  }

  private onClose(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.ws = null;
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const [rid, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(rid);
      p.reject(new ConnectionLost(p.what));
    }
    if (this.reconnecting) return; // a connection opened by the reconnect loop: the loop tries again
    if (this.closing || !this.opts.reconnect || !this.canReauthenticate) {
      this.shutdown(this.closing ? null : new ConnectFailed('the connection closed'));
      return;
    }
    this.reconnecting = this.reconnectLoop().finally(() => {
      this.reconnecting = null;
    });
  }

  private async reconnectLoop(): Promise<void> {
    const { initialMs, maxMs } = this.opts.backoff;
    // Why the last attempt failed, for `aapi status` while the dialler is down.
    let reason = 'connection lost';
    this.lastReconnectError = reason;
    for (let attempt = 1; !this.closing; attempt++) {
      // Full jitter: many clients dropped at once do not come back at once.
      const delayMs = Math.round(Math.random() * Math.min(maxMs, initialMs * 2 ** (attempt - 1)));
      this.emit('reconnecting', { attempt, delayMs, reason });
      await new Promise((r) => setTimeout(r, delayMs));
      if (this.closing) return;
      try {
        await this.connectSocket();
        await this.authenticate();
        this.emit('reconnected', { sid: this.sid });
        return;
      } catch (err) {
        if (err instanceof AapiError && err.isAuthFailure) {
          this.shutdown(err);
          return;
        }
        reason = (err as Error).message;
        this.lastReconnectError = reason;
        this.ws?.terminate();
        this.ws = null;
      }
    }
  }

  private shutdown(reason: Error | null): void {
    if (this.closedError !== undefined) return;
    this.closing = true;
    this.closedError = reason;
    if (this.keepAlive) clearInterval(this.keepAlive);
    // These were written: the dialler may have acted on them. Their outcome is unknown, never "not sent".
    for (const [rid, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(rid);
      p.reject(new ConnectionLost(p.what, reason?.message ?? 'the session was closed'));
    }
    this.ws?.close();
    this.ws = null;
    this.emit('closed', reason);
  }
}
