import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Json } from '../../src/protocol/codec.js';
import { AapiError, ConnectFailed, ConnectionLost } from '../../src/session/errors.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import type { Simulator } from '../../src/sim/server.js';
import { BUILTIN_FIXTURE } from '../../src/sim/fixture.js';
import { ManualClock, startTestSim } from '../helpers/client.js';

// The session engine against a real simulator over real sockets.

let sim: Simulator | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await sim?.close();
  sim = undefined;
});

async function open(opts: Partial<SessionOptions> = {}): Promise<Session> {
  const s = await Session.open({
    url: sim!.url, agent: 'demo', password: 'demo', extension: '8600001', tenant: 'demo', campaign: 'outbound',
    backoff: { initialMs: 20, maxMs: 200 }, timeoutMs: 5000, ...opts,
  });
  sessions.push(s);
  return s;
}

const nextEvent = (s: Session, name: string) =>
  new Promise<Json>((resolve) => {
    const on = (e: Json) => {
      if (e.event === name) {
        s.off('event', on);
        resolve(e);
      }
    };
    s.on('event', on);
  });

describe('Session', () => {
  it('authenticates, connects, and records each event before acknowledging it, in order', async () => {
    sim = await startTestSim();
    const recorded: string[] = [];
    const s = await open({
      record: async (e) => {
        await new Promise((r) => setTimeout(r, 5)); // a slow disk must not reorder or skip
        recorded.push(String(e.event));
      },
    });
    expect(s.sid).toBeGreaterThan(0);
    const waiting = nextEvent(s, 'NowInCall');
    expect(await s.request('GoAvailable', {})).toMatchObject({ Response: 'OK' });
    await waiting;
    expect(recorded).toEqual(['NowUnavailable', 'NowAvailable', 'NowWaiting', 'NowInCall']);
    expect(s.view.state).toBe('InCall');
    // The last acknowledgement is on its way; once it lands nothing is left pending.
    await expect.poll(() => (sim!.control.state().agents as Record<string, { eventsPending: number }>).demo.eventsPending).toBe(0);
  });

  it('rejects a server ERROR as AapiError with the catalogue hint', async () => {
    sim = await startTestSim();
    const s = await open();
    const err = await s.request('Disposition', { outcome: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect(err.errorNumber).toBe(320);
    expect(err.message).toBe('ERROR 320 Serious: Cannot disposition, agent is not in wrap');
    expect(err.hint).toMatch(/start-wrap/);
  });

  it('fails authentication for good with the error number', async () => {
    sim = await startTestSim();
    const err = await open({ password: 'wrong' }).catch((e) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect(err.errorNumber).toBe(100);
    expect(err.isAuthFailure).toBe(true);
  });

  it('says it cannot connect when nothing listens', async () => {
    sim = await startTestSim();
    const url = sim.url;
    await sim.close();
    sim = undefined;
    await expect(Session.open({ url, agent: 'demo', password: 'demo' })).rejects.toBeInstanceOf(ConnectFailed);
  });

  it('re-authenticates once and resends after 198, transparently', async () => {
    sim = await startTestSim();
    const s = await open();
    const before = s.sid;
    sim.control.expireSessions();
    expect(await s.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(s.sid).not.toBe(before);
    expect(sim.control.state()).toMatchObject({ received: { Authenticate: 2, GetTenants: 2 } });
  });

  it('reconnects after a drop, fails what was in flight as outcome unknown, and loses no event', async () => {
    sim = await startTestSim({ dialMs: 200 });
    const events: string[] = [];
    const s = await open({ record: (e) => void events.push(String(e.event)) });
    const reconnected = new Promise((r) => s.once('reconnected', r));
    // A request whose answer cannot arrive before the drop.
    const inFlight = s.request('GetTenants');
    sim.control.dropConnections();
    await expect(inFlight).rejects.toBeInstanceOf(ConnectionLost);
    await reconnected;
    const call = nextEvent(s, 'NowInCall');
    expect(await s.request('ManualDial', { telNumber: '01632960123' })).toMatchObject({ Response: 'OK' });
    await call;
    expect(events).toEqual(['NowUnavailable', 'NowCalling', 'NowInCall']);
  });

  it('sends KeepAlive, which keeps the SID alive past its idle limit', async () => {
    // The simulator's idle time passes on a clock the test moves, only once a KeepAlive has arrived
    // since the last move: twice the limit goes by, however late the session's timer fires.
    const clock = new ManualClock();
    const { sidIdleMs } = BUILTIN_FIXTURE.timings;
    sim = await startTestSim({}, {}, { clock });
    const s = await open({ keepAliveMs: 20 });
    const sid = s.sid;
    for (let i = 0; i < 6; i++) {
      const before = sim.dialler.received.KeepAlive;
      await expect.poll(() => sim!.dialler.received.KeepAlive, { timeout: 5000, interval: 5 }).toBeGreaterThan(before);
      clock.advance(sidIdleMs / 3);
    }
    expect(sim.control.state().sessions).toBe(1);
    expect(await s.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(s.sid).toBe(sid);
    expect(sim.control.state()).toMatchObject({ received: { Authenticate: 1 } });
  });

  it('gives every request its own positive 32-bit RID and matches concurrent answers', async () => {
    sim = await startTestSim();
    const s = await open();
    const answers = await Promise.all(Array.from({ length: 50 }, () => s.request('GetTenants')));
    const rids = answers.map((a) => a.RID as number);
    expect(new Set(rids).size).toBe(50);
    for (const rid of rids) expect(rid).toBeGreaterThan(0), expect(rid).toBeLessThanOrEqual(0x7fffffff);
  });

  it('sendAll writes the frames of many requests at once and matches each answer to its request', async () => {
    sim = await startTestSim();
    const s = await open();
    const urns = ['1001', '1002', '1003', '1004', '1005'];
    const answers = await Promise.all(s.sendAll(urns.map((URN) => ({ type: 'RunQuery', QueryNumber: 1, Parameters: { URN }, values: {} }))));
    expect(answers.map((a) => (a.Data as Json | undefined)?.URN)).toEqual(urns);
  });

  it('sendAll: the frames leave in one write, not one each', async () => {
    // A plain server that counts what arrives on its socket (the session only connects: no Authenticate).
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const chunks: number[] = [];
    let frames = 0;
    wss.on('connection', (ws, req) => {
      req.socket.on('data', (d: Buffer) => chunks.push(d.length));
      ws.on('message', () => frames++);
    });
    try {
      const s = await Session.connect({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, reconnect: false });
      sessions.push(s);
      void s.sendAll(Array.from({ length: 20 }, () => ({ type: 'KeepAlive' })));
      await expect.poll(() => frames).toBe(20);
      expect(chunks).toHaveLength(1);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }
  });

  it('over wss://: refuses a self-signed certificate, accepts it with insecure or with its certificate as CA', async () => {
    sim = await startTestSim({}, {}, { tls: true });
    expect(sim.url).toMatch(/^wss:/);
    await expect(open()).rejects.toBeInstanceOf(ConnectFailed);
    for (const trust of [{ insecure: true }, { ca: sim.certificate }]) {
      const s = await open(trust);
      expect(await s.request('RunQuery', { QueryNumber: 1, Parameters: { URN: '1001' } })).toMatchObject({ Data: { URN: '1001' } });
    }
  });
});
