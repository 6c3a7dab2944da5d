import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import { fakeServer, ok, type FakeServer } from './fake-server.js';

// How events are acknowledged, beyond "recorded first, and not at all when recording fails"
// (test/session/record-ack.test.ts): what an Acknowledge carries, an event the server offers again
// (recorded once, acknowledged each time), events without a RID, and the count still pending.

let server: FakeServer | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await server?.close();
  server = undefined;
});

async function open(opts: Partial<SessionOptions> = {}): Promise<Session> {
  const s = await Session.open({ url: server!.url, agent: 'demo', password: 'secret', backoff: { initialMs: 10, maxMs: 20 }, timeoutMs: 2000, ...opts });
  sessions.push(s);
  return s;
}

const event = (name: string, rid: number | undefined, extra: Json = {}): Json => ({ event: name, ...(rid === undefined ? {} : { RID: rid }), ...extra });
const acks = () => server!.of('Acknowledge');

describe('acknowledging events', () => {
  it('acknowledges each event with exactly its RID and the session\'s SID, and nothing else', async () => {
    server = await fakeServer();
    const s = await open();
    server.conn().send(event('NowAvailable', 5001));
    await server.until(() => acks().length === 1);
    expect(acks()[0]).toEqual({ type: 'Acknowledge', SID: 101, RID: 5001 });
  });

  it('emits each event and applies it to the agent view once recorded', async () => {
    server = await fakeServer();
    const seen: Json[] = [];
    const s = await open();
    s.on('event', (e) => seen.push(e));
    server.conn().send(event('NowAvailable', 1));
    server.conn().send(event('NowWaiting', 2));
    await server.until(() => acks().length === 2);
    expect(seen.map((e) => e.event)).toEqual(['NowAvailable', 'NowWaiting']);
    expect(s.view.state).toBe('Waiting');
  });

  it('an event offered again with a RID already recorded is acknowledged again but not recorded, emitted or applied twice', async () => {
    server = await fakeServer();
    const recorded: Json[] = [];
    const emitted: Json[] = [];
    const s = await open({ record: (e) => void recorded.push(e) });
    s.on('event', (e) => emitted.push(e));
    server.conn().send(event('NowAvailable', 7));
    await server.until(() => acks().length === 1);
    // The server did not see the acknowledgement (say, it was lost with a re-authentication) and offers it again.
    server.conn().send(event('NowAvailable', 7));
    server.conn().send(event('NowWaiting', 8));
    await server.until(() => acks().length === 3);
    expect(recorded.map((e) => [e.event, e.RID])).toEqual([['NowAvailable', 7], ['NowWaiting', 8]]);
    expect(emitted).toHaveLength(2);
    expect(acks().map((a) => a.RID)).toEqual([7, 7, 8]);
  });

  it('the RIDs already recorded are remembered across a reconnect, and the offer again is acknowledged with the new SID', async () => {
    server = await fakeServer();
    const recorded: number[] = [];
    const s = await open({ record: (e) => void recorded.push(e.RID as number) });
    server.conn().send(event('NowAvailable', 9));
    await server.until(() => acks().length === 1);
    const reconnected = new Promise((r) => s.once('reconnected', r));
    server.drop();
    await reconnected;
    server.conn().send(event('NowAvailable', 9));
    await server.until(() => acks().length === 2);
    expect(recorded).toEqual([9]);
    expect(acks()[1]).toEqual({ type: 'Acknowledge', SID: 102, RID: 9 });
    expect(server.of('Acknowledge', 2)).toHaveLength(1);
  });

  it('an event with no RID is recorded and emitted, and not acknowledged (there is nothing to name)', async () => {
    server = await fakeServer();
    const recorded: Json[] = [];
    const s = await open({ record: (e) => void recorded.push(e) });
    server.conn().send(event('NowAvailable', undefined));
    server.conn().send(event('NowWaiting', 3));
    await server.until(() => acks().length === 1);
    expect(recorded.map((e) => e.event)).toEqual(['NowAvailable', 'NowWaiting']);
    expect(acks().map((a) => a.RID)).toEqual([3]);
    expect(s.pendingAcks).toBe(0);
    // Two events with no RID are both recorded: "no RID" is not a RID seen before.
    server.conn().send(event('NowUnavailable', undefined));
    server.conn().send(event('NowUnavailable', undefined));
    await new Promise((r) => setTimeout(r, 30));
    expect(recorded).toHaveLength(4);
  });

  it('remembers the last 64 RIDs recorded: an offer again within them is not recorded twice, one older than that is', async () => {
    server = await fakeServer();
    const recorded: number[] = [];
    await open({ record: (e) => void recorded.push(e.RID as number) });
    for (let rid = 1; rid <= 65; rid++) server.conn().send(event('NowAvailable', rid));
    await server.until(() => acks().length === 65);
    // RID 1 is the 65th most recent: forgotten. RID 2 is the 64th: remembered.
    server.conn().send(event('NowAvailable', 2));
    server.conn().send(event('NowAvailable', 1));
    await server.until(() => acks().length === 67);
    expect(recorded.slice(65)).toEqual([1]);
    // Recording RID 1 again forgot RID 2 in turn.
    server.conn().send(event('NowAvailable', 2));
    await server.until(() => acks().length === 68);
    expect(recorded.slice(65)).toEqual([1, 2]);
  });

  it('events without a RID take no place among the RIDs remembered', async () => {
    server = await fakeServer();
    const recorded: (number | undefined)[] = [];
    await open({ record: (e) => void recorded.push(e.RID as number | undefined) });
    for (let rid = 1; rid <= 64; rid++) server.conn().send(event('NowAvailable', rid));
    server.conn().send(event('NowUnavailable', undefined));
    await server.until(() => acks().length === 64);
    await expect.poll(() => recorded.length).toBe(65);
    // RID 1 is still among the last 64 RIDs: offered again, it is acknowledged and not recorded.
    server.conn().send(event('NowAvailable', 1));
    await server.until(() => acks().length === 65);
    expect(recorded).toHaveLength(65);
  });

  it('counts the events received and not yet recorded and acknowledged', async () => {
    server = await fakeServer();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const s = await open({ record: () => gate });
    expect(s.pendingAcks).toBe(0);
    server.conn().send(event('NowAvailable', 1));
    server.conn().send(event('NowWaiting', 2));
    await expect.poll(() => s.pendingAcks).toBe(2);
    expect(acks()).toHaveLength(0);
    release();
    await server.until(() => acks().length === 2);
    expect(s.pendingAcks).toBe(0);
  });

  it('an event recorded after the connection closed is not acknowledged on it (the server offers it again)', async () => {
    server = await fakeServer();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const recorded: Json[] = [];
    const s = await open({ reconnect: false, record: async (e) => {
      await gate;
      recorded.push(e);
    } });
    server.conn().send(event('NowAvailable', 1));
    await expect.poll(() => s.pendingAcks).toBe(1);
    server.drop();
    await s.closed();
    release();
    await expect.poll(() => s.pendingAcks).toBe(0);
    expect(recorded).toHaveLength(1);
    expect(acks()).toHaveLength(0);
  });

  it('logoff: the NowLoggedOff that follows is recorded and acknowledged before the session closes', async () => {
    server = await fakeServer((msg, reply, conn) => {
      if (msg.type !== 'Logoff') return false;
      reply(ok(msg));
      conn.send(event('NowLoggedOff', 44));
    });
    const recorded: Json[] = [];
    const s = await open({ record: async (e) => {
      await new Promise((r) => setTimeout(r, 30));
      recorded.push(e);
    } });
    await s.logoff();
    expect(recorded.map((e) => e.event)).toEqual(['NowLoggedOff']);
    expect(s.isOpen).toBe(false);
    await server.until(() => acks().length === 1);
    expect(acks()[0]).toMatchObject({ RID: 44 });
  });

  it('logoff does not wait long for a record that does not finish', async () => {
    server = await fakeServer((msg, reply, conn) => {
      if (msg.type !== 'Logoff') return false;
      reply(ok(msg));
      conn.send(event('NowLoggedOff', 45));
    });
    const s = await open({ record: () => new Promise(() => {}) });
    const t0 = Date.now();
    await s.logoff();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(s.isOpen).toBe(false);
    expect(server.of('Logoff')).toHaveLength(1);
  });

  it('a response is matched to its request and is not taken for an event (nor acknowledged)', async () => {
    server = await fakeServer((msg, reply) => {
      if (msg.type !== 'GetTenants') return false;
      reply(ok(msg, { tenants: ['a'] }));
    });
    const s = await open();
    let events = 0;
    s.on('event', () => events++);
    expect(await s.request('GetTenants')).toMatchObject({ tenants: ['a'] });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toBe(0);
    expect(acks()).toHaveLength(0);
  });
});
