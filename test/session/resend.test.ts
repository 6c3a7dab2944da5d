import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import { AapiError, ConnectFailed, ConnectionLost, RequestTimeout, SessionClosed } from '../../src/session/errors.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import { error, fakeServer, ok, type FakeServer } from './fake-server.js';

// Error 198 (the SID is no longer valid): the session authenticates again, once for every request
// that got it, and resends each of those requests once. A request in flight when the connection
// dropped is never resent: its outcome is unknown, and only the caller may decide to try again.

let server: FakeServer | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of sessions.splice(0)) s.close();
  await server?.close();
  server = undefined;
});

async function open(opts: Partial<SessionOptions> = {}): Promise<Session> {
  const s = await Session.open({
    url: server!.url, agent: 'demo', password: 'secret', extension: '8600001',
    backoff: { initialMs: 10, maxMs: 20 }, timeoutMs: 2000, ...opts,
  });
  sessions.push(s);
  return s;
}

/** The RunQuery this test sends, with a field of its own that must survive a resend. */
const query = (s: Session) => s.request('RunQuery', { QueryNumber: 7, Parameters: { URN: '1234' } });

describe('198: authenticate again, then resend once', () => {
  it('resends the request with a fresh RID and the new SID, and resolves with the answer to the resend', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type !== 'RunQuery') return false;
      reply(count === 1 ? error(msg, 198) : ok(msg, { Data: { answer: count } }));
    });
    const s = await open();
    expect(s.sid).toBe(101);
    const answer = await query(s);
    expect(answer).toMatchObject({ Response: 'OK', Data: { answer: 2 } });
    const [first, resent] = server.of('RunQuery');
    expect(server.of('RunQuery')).toHaveLength(2);
    expect(server.of('Authenticate')).toHaveLength(2);
    expect(first.SID).toBe(101);
    expect(resent.SID).toBe(102);
    expect(s.sid).toBe(102);
    expect(resent.RID).not.toBe(first.RID);
    expect(answer.RID).toBe(resent.RID);
    // The resend is the same request: only RID and SID change.
    const { RID: _r1, SID: _s1, ...firstRest } = first;
    const { RID: _r2, SID: _s2, ...resentRest } = resent;
    expect(resentRest).toEqual(firstRest);
    expect(resentRest).toMatchObject({ type: 'RunQuery', QueryNumber: 7, Parameters: { URN: '1234' } });
  });

  it('authenticates again with the same credentials, without the one-time second factor', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type !== 'RunQuery') return false;
      reply(count === 1 ? error(msg, 198) : ok(msg));
    });
    const s = await open({ secondFactor: '123456', storeDevice: 30 });
    await query(s);
    const [login, again] = server.of('Authenticate');
    expect(login).toMatchObject({ Agent: 'demo', Password: 'secret', extension: '8600001', SecondFactor: '123456', StoreDevice: 30 });
    expect(again).toMatchObject({ Agent: 'demo', Password: 'secret', extension: '8600001', StoreDevice: 30 });
    expect(again).not.toHaveProperty('SecondFactor');
  });

  it('a remembered device the server gave at login goes with the re-authentication', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate') {
        reply(ok(msg, { SID: 100 + count, ...(count === 1 ? { DeviceID: 'dev-1' } : {}) }));
        return;
      }
      if (msg.type !== 'RunQuery') return false;
      reply(count === 1 ? error(msg, 198) : ok(msg));
    });
    const s = await open();
    expect(s.deviceId).toBe('dev-1');
    await query(s);
    expect(server.of('Authenticate')[0]).not.toHaveProperty('DeviceID');
    expect(server.of('Authenticate')[1]).toMatchObject({ DeviceID: 'dev-1' });
    expect(s.deviceId).toBe('dev-1');
  });

  it('resends once only: a second 198 to the resend is the caller\'s error, with no third try', async () => {
    // Two 198s, then the server would answer: a session that resends more than once gets an answer.
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type !== 'RunQuery') return false;
      reply(count <= 2 ? error(msg, 198) : ok(msg));
    });
    const s = await open();
    const err = await query(s).then(() => undefined, (e: unknown) => e);
    expect(server.of('RunQuery')).toHaveLength(2);
    expect(server.of('Authenticate')).toHaveLength(2);
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).errorNumber).toBe(198);
  });

  it('requests that get 198 together share one re-authentication; each is resent once', async () => {
    let held: (() => void) | undefined;
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate' && count === 2) {
        // Held back, so that every 198 arrives while the re-authentication is still on its way.
        held = () => reply(ok(msg, { SID: 202 }));
        return;
      }
      if (msg.type !== 'RunQuery') return false;
      reply(count <= 3 ? error(msg, 198) : ok(msg, { Data: { n: (msg.Parameters as Json).URN } }));
    });
    const s = await open();
    const answers = Promise.all(['1', '2', '3'].map((URN) => s.request('RunQuery', { QueryNumber: 1, Parameters: { URN } })));
    await server.until(() => held !== undefined && server!.of('RunQuery').length === 3);
    await new Promise((r) => setTimeout(r, 20)); // every 198 read before the re-authentication answers
    held!();
    expect((await answers).map((a) => (a.Data as Json).n)).toEqual(['1', '2', '3']);
    expect(server.of('Authenticate')).toHaveLength(2);
    expect(server.of('RunQuery')).toHaveLength(6);
    expect(server.of('RunQuery').slice(3).map((m) => m.SID)).toEqual([202, 202, 202]);
  });

  it('a later 198 authenticates again anew (the shared re-authentication is over once it is done)', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type !== 'RunQuery') return false;
      reply(count % 2 === 1 ? error(msg, 198) : ok(msg));
    });
    const s = await open();
    await query(s);
    await query(s);
    expect(server.of('Authenticate')).toHaveLength(3);
    expect(s.sid).toBe(103);
  });

  it('a session that cannot authenticate by itself (connected without credentials) passes 198 on', async () => {
    server = await fakeServer((msg, reply) => {
      if (msg.type !== 'RunQuery') return false;
      reply(error(msg, 198));
    });
    const s = await Session.connect({ url: server.url, reconnect: false, timeoutMs: 2000 });
    sessions.push(s);
    const err = await query(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).errorNumber).toBe(198);
    expect(server.of('Authenticate')).toHaveLength(0);
    expect(server.of('RunQuery')).toHaveLength(1);
  });

  it('a password alone is not enough to authenticate again: an agent is needed too (and the reverse)', async () => {
    for (const creds of [{ password: 'secret' }, { agent: 'demo' }]) {
      server = await fakeServer((msg, reply) => {
        if (msg.type !== 'RunQuery') return false;
        reply(error(msg, 198));
      });
      const s = await Session.connect({ url: server.url, reconnect: false, timeoutMs: 2000, ...creds });
      sessions.push(s);
      await expect(query(s)).rejects.toMatchObject({ errorNumber: 198 });
      expect(server.of('Authenticate')).toHaveLength(0);
      s.close();
      await server.close();
    }
    server = undefined;
  });

  it('198 in answer to Authenticate itself is an error, not a loop of authentications', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate' && count === 2) {
        reply(error(msg, 198));
        return;
      }
      return false;
    });
    const s = await open();
    const err = await s.send({ type: 'Authenticate', Agent: 'demo', Password: 'secret', extension: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).errorNumber).toBe(198);
    expect(server.of('Authenticate')).toHaveLength(2);
  });

  it('an Authenticate the caller sends gives the session its SID, used from then on; no other answer changes it', async () => {
    server = await fakeServer((msg, reply) => {
      if (msg.type === 'GetTenants') {
        reply({ Response: 'OK', RID: msg.RID, SID: 999, tenants: [] });
        return;
      }
      return false;
    });
    const s = await Session.connect({ url: server.url, reconnect: false, timeoutMs: 2000 });
    sessions.push(s);
    expect(s.sid).toBe(0);
    await s.request('Authenticate', { Agent: 'demo', Password: 'secret', extension: '' });
    expect(s.sid).toBe(101);
    await s.request('GetTenants');
    expect(s.sid).toBe(101);
    await s.request('GetCampaigns', { tenant: 'demo' });
    expect(server.of('GetCampaigns')[0].SID).toBe(101);
  });

  it('an Authenticate answered without a SID leaves the SID as it was', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate' && count === 2) {
        reply({ Response: 'OK', RID: msg.RID });
        return;
      }
      return false;
    });
    const s = await Session.connect({ url: server.url, reconnect: false, timeoutMs: 2000 });
    sessions.push(s);
    await s.request('Authenticate', { Agent: 'demo', Password: 'secret', extension: '' });
    await s.request('Authenticate', { Agent: 'demo', Password: 'secret', extension: '' });
    expect(s.sid).toBe(101);
  });

  it('a request sent with a SID of the caller\'s own is not resent: its 198 is the caller\'s answer', async () => {
    server = await fakeServer((msg, reply) => {
      if (msg.type !== 'GetTenants') return false;
      reply(error(msg, 198));
    });
    const s = await open();
    const err = await s.send({ type: 'GetTenants', SID: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).errorNumber).toBe(198);
    expect(server.of('GetTenants')).toEqual([expect.objectContaining({ SID: 5 })]);
    expect(server.of('Authenticate')).toHaveLength(1);
    expect(s.sid).toBe(101);
  });

  it('another error is not resent and costs no re-authentication', async () => {
    server = await fakeServer((msg, reply) => {
      if (msg.type !== 'RunQuery') return false;
      reply(error(msg, 197));
    });
    const s = await open();
    await expect(query(s)).rejects.toMatchObject({ errorNumber: 197 });
    expect(server.of('RunQuery')).toHaveLength(1);
    expect(server.of('Authenticate')).toHaveLength(1);
  });

  it('when the re-authentication fails, the request fails with its error', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate' && count === 2) {
        reply(error(msg, 101));
        return;
      }
      if (msg.type !== 'RunQuery') return false;
      reply(error(msg, 198));
    });
    const s = await open();
    const err = await query(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).errorNumber).toBe(101);
    expect(server.of('RunQuery')).toHaveLength(1);
  });

  it('the SID of a re-authentication is the one used from then on (KeepAlive, later requests)', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type !== 'RunQuery') return false;
      reply(count === 1 ? error(msg, 198) : ok(msg));
    });
    const s = await open({ keepAliveMs: 20 });
    await query(s);
    await s.request('GetTenants');
    expect(server.of('GetTenants')[0].SID).toBe(102);
    const before = server.of('KeepAlive').length;
    await server.until(() => server!.of('KeepAlive').length > before + 1);
    expect(server.of('KeepAlive').at(-1)!.SID).toBe(102);
  });
});

describe('a drop: what was in flight is not resent', () => {
  it('fails the request in flight as outcome unknown and never sends it again after reconnecting', async () => {
    server = await fakeServer((msg) => msg.type === 'RunQuery'); // RunQuery is never answered
    const s = await open();
    const reconnected = new Promise<{ sid: number }>((r) => s.once('reconnected', r));
    const inFlight = query(s);
    await server.until(() => server!.of('RunQuery').length === 1);
    server.drop();
    const err = await inFlight.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionLost);
    expect((err as Error).message).toBe('connection lost while RunQuery was in flight: outcome unknown');
    expect(await reconnected).toEqual({ sid: 102 });
    expect(s.sid).toBe(102);
    // The new connection authenticated, and carries on with what is asked of it from now on.
    expect(await s.request('GetTenants')).toMatchObject({ Response: 'OK' });
    await new Promise((r) => setTimeout(r, 50));
    expect(server.of('RunQuery', 2)).toHaveLength(0);
    expect(server.of('Authenticate', 2)).toHaveLength(1);
    expect(server.of('GetTenants', 2)).toEqual([expect.objectContaining({ SID: 102 })]);
  });

  it('every request in flight fails as unknown, each naming its verb', async () => {
    server = await fakeServer((msg) => msg.type === 'RunQuery' || msg.type === 'GetTenants');
    const s = await open();
    const a = query(s).catch((e: Error) => e.message);
    const b = s.request('GetTenants').catch((e: Error) => e.message);
    await server.until(() => server!.received.length === 3);
    server.drop();
    expect(await a).toMatch(/RunQuery was in flight/);
    expect(await b).toMatch(/GetTenants was in flight/);
  });

  it('a request made while reconnecting waits, then goes out once, with the new connection\'s SID', async () => {
    server = await fakeServer();
    const s = await open({ backoff: { initialMs: 150, maxMs: 150 } });
    const reconnecting = new Promise((r) => s.once('reconnecting', r));
    server.drop();
    await reconnecting;
    const answer = s.request('GetTenants');
    expect(server.of('GetTenants')).toHaveLength(0);
    expect(await answer).toMatchObject({ Response: 'OK' });
    expect(server.of('GetTenants')).toEqual([expect.objectContaining({ SID: 102 })]);
    expect(server.of('GetTenants', 2)).toHaveLength(1);
  });

  it('a request made while reconnecting gives up after its own timeout, unsent', async () => {
    server = await fakeServer();
    const s = await open();
    const reconnecting = new Promise((r) => s.once('reconnecting', r));
    server.refuse(true);
    server.drop();
    await reconnecting;
    const t0 = Date.now();
    const err = await s.request('GetTenants', {}, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectFailed);
    expect((err as Error).message).toMatch(new RegExp(`^gave up after 150 ms: still reconnecting to ${server.url} \\(last error: .+\\)$`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(server.of('GetTenants')).toHaveLength(0);
  });

  it('reconnecting tries again with growing delays until a connection is made', async () => {
    server = await fakeServer();
    const s = await open({ backoff: { initialMs: 4, maxMs: 8 } });
    const attempts: { attempt: number; delayMs: number; reason: string }[] = [];
    s.on('reconnecting', (a) => attempts.push(a));
    server.refuse(true);
    server.drop();
    await new Promise<void>((r) => {
      const check = () => (attempts.length >= 4 ? r() : setTimeout(check, 5));
      check();
    });
    server.refuse(false);
    await new Promise((r) => s.once('reconnected', r));
    expect(attempts.slice(0, 4).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // The first says why the connection went; each later one why the attempt before it failed.
    expect(attempts[0].reason).toBe('connection lost');
    for (const a of attempts.slice(1)) expect(a.reason).not.toBe('');
    for (const a of attempts) {
      expect(a.delayMs).toBeGreaterThanOrEqual(0);
      expect(a.delayMs).toBeLessThanOrEqual(a.attempt === 1 ? 4 : 8);
    }
    expect(s.isOpen).toBe(true);
  });

  it('full jitter: each delay is a random part of initialMs doubled per attempt, up to maxMs', async () => {
    server = await fakeServer();
    const s = await open({ backoff: { initialMs: 40, maxMs: 100 } });
    const delays: number[] = [];
    s.on('reconnecting', (a) => delays.push(a.delayMs));
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    server.refuse(true);
    server.drop();
    await expect.poll(() => delays.length, { timeout: 3000 }).toBeGreaterThanOrEqual(4);
    server.refuse(false);
    await new Promise((r) => s.once('reconnected', r));
    expect(delays.slice(0, 4)).toEqual([20, 40, 50, 50]);
  });

  it('reconnects after every drop, not only the first', async () => {
    server = await fakeServer();
    const s = await open();
    for (const sid of [102, 103]) {
      const reconnected = new Promise<{ sid: number }>((r) => s.once('reconnected', r));
      server.drop();
      expect(await reconnected).toEqual({ sid });
    }
    expect(server.connections()).toBe(3);
    expect(await s.request('GetTenants')).toMatchObject({ Response: 'OK' });
  });

  it('an error on reconnecting that is no authentication failure does not end the session: it tries again', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate' && count === 2) {
        reply(error(msg, 197));
        return;
      }
      return false;
    });
    const s = await open();
    const reconnected = new Promise<{ sid: number }>((r) => s.once('reconnected', r));
    server.drop();
    expect(await reconnected).toEqual({ sid: 103 });
    expect(s.isOpen).toBe(true);
    expect(server.connections()).toBe(3);
  });

  it('closed while waiting to reconnect: no new connection is made', async () => {
    server = await fakeServer();
    const s = await open({ backoff: { initialMs: 200, maxMs: 200 } });
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const reconnecting = new Promise((r) => s.once('reconnecting', r));
    server.drop();
    await reconnecting;
    s.close();
    await new Promise((r) => setTimeout(r, 250));
    expect(server.connections()).toBe(1);
    expect(await s.closed()).toBeNull();
  });

  it('an authentication refused on reconnecting ends the session with that error; no request is sent', async () => {
    server = await fakeServer((msg, reply, _c, count) => {
      if (msg.type === 'Authenticate' && count === 2) {
        reply(error(msg, 100));
        return;
      }
      return false;
    });
    const s = await open();
    server.drop();
    let closedEvents = 0;
    s.on('closed', () => closedEvents++);
    const why = await s.closed();
    expect(why).toBeInstanceOf(AapiError);
    expect((why as AapiError).errorNumber).toBe(100);
    expect(s.isOpen).toBe(false);
    // Closing it afterwards changes nothing: the reason stays, and it closed once.
    s.close();
    expect(await s.closed()).toBe(why);
    expect(closedEvents).toBe(1);
    await expect(s.request('GetTenants')).rejects.toBeInstanceOf(SessionClosed);
    expect(server.of('GetTenants')).toHaveLength(0);
  });

  it('a session that may not reconnect ends at the drop, with why', async () => {
    server = await fakeServer();
    const s = await open({ reconnect: false });
    server.drop();
    const why = await s.closed();
    expect(why).toBeInstanceOf(ConnectFailed);
    expect((why as Error).message).toBe('the connection closed');
    expect(server.connections()).toBe(1);
    await expect(s.request('GetTenants')).rejects.toThrow('the connection closed');
  });

  it('a session closed on purpose does not reconnect, and fails what was in flight (written) as of unknown outcome, never as unsent', async () => {
    server = await fakeServer((msg) => msg.type === 'RunQuery');
    const s = await open();
    let reconnects = 0;
    s.on('reconnecting', () => reconnects++);
    const inFlight = query(s).catch((e: unknown) => e);
    await server.until(() => server!.of('RunQuery').length === 1);
    s.close();
    const err = await inFlight;
    expect(err).toBeInstanceOf(ConnectionLost);
    expect((err as Error).message).toBe('the session was closed while RunQuery was in flight: outcome unknown');
    expect(await s.closed()).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(reconnects).toBe(0);
    expect(server.connections()).toBe(1);
  });

  it('a request with no answer times out naming it, and is not resent', async () => {
    server = await fakeServer((msg) => msg.type === 'RunQuery');
    const s = await open();
    const err = await s.request('RunQuery', { QueryNumber: 1 }, { timeoutMs: 60 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeout);
    expect((err as Error).message).toBe('no answer to RunQuery within 60 ms');
    expect(server.of('RunQuery')).toHaveLength(1);
    // Its late answer is matched to nothing: the next request still gets its own.
    server.conn().send(ok(server.of('RunQuery')[0]));
    expect(await s.request('GetTenants')).toMatchObject({ Response: 'OK' });
  });
});
