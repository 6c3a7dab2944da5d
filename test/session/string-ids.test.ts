import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import { Session } from '../../src/session/session.js';
import type { Simulator } from '../../src/sim/server.js';
import { startTestSim } from '../helpers/client.js';

// The session engine against a simulator that writes RID and SID as decimal strings, as the real
// dialler does (ERRATA 7): it reads them, and still sends integers.

let sim: Simulator | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await sim?.close();
  sim = undefined;
});

/** A simulator with string ids, and every frame it receives, parsed. */
async function stringSim(): Promise<{ sim: Simulator; sent: Json[] }> {
  const s = await startTestSim({}, { stringIds: true });
  const sent: Json[] = [];
  const handle = s.dialler.handleFrame.bind(s.dialler);
  s.dialler.handleFrame = (conn, text) => {
    sent.push(JSON.parse(text) as Json);
    handle(conn, text);
  };
  sim = s;
  return { sim: s, sent };
}

async function open(url: string, record?: (e: Json) => void): Promise<Session> {
  const s = await Session.open({
    url, agent: 'demo', password: 'demo', extension: '8600001', tenant: 'demo', campaign: 'outbound',
    backoff: { initialMs: 20, maxMs: 200 }, timeoutMs: 5000, record,
  });
  sessions.push(s);
  return s;
}

const pending = (s: Simulator) => (s.control.state().agents as Record<string, { eventsPending: number }>).demo.eventsPending;

/** Every RID and SID the session wrote was an integer. */
const integersOnly = (sent: Json[]) => sent.filter((m) => (m.RID !== undefined && !Number.isInteger(m.RID)) || (m.SID !== undefined && !Number.isInteger(m.SID)));

describe('Session against string ids', () => {
  it('adopts the SID, matches answers, records and acknowledges events, and writes integers', async () => {
    const { sim, sent } = await stringSim();
    const events: Json[] = [];
    const s = await open(sim.url, (e) => void events.push(e));
    const lines = sim.control.state().agents as Record<string, { sid: number }>;
    expect(s.sid).toBe(lines.demo.sid);
    const inCall = new Promise<void>((resolve) => s.on('event', (e) => e.event === 'NowInCall' && resolve()));
    expect(await s.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    await inCall;
    expect(events.map((e) => e.event)).toEqual(['NowUnavailable', 'NowAvailable', 'NowWaiting', 'NowInCall']);
    expect(events.every((e) => typeof e.RID === 'string')).toBe(true);
    expect(s.view.state).toBe('InCall');
    await expect.poll(() => pending(sim)).toBe(0);
    const acks = sent.filter((m) => m.type === 'Acknowledge');
    expect(acks.map((a) => a.RID)).toEqual(events.map((e) => Number(e.RID)));
    expect(integersOnly(sent)).toEqual([]);
  });

  it('authenticates again after 198 and resends, with the new SID', async () => {
    const { sim, sent } = await stringSim();
    const s = await open(sim.url);
    const before = s.sid;
    sim.control.expireSessions();
    expect(await s.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(s.sid).not.toBe(before);
    expect(s.sid).toBe((sim.control.state().agents as Record<string, { sid: number }>).demo.sid);
    expect(sim.control.state()).toMatchObject({ received: { Authenticate: 2, GetTenants: 2 } });
    expect(integersOnly(sent)).toEqual([]);
  });

  it('reconnects after a drop and carries on', async () => {
    const { sim } = await stringSim();
    const s = await open(sim.url);
    const reconnected = new Promise((r) => s.once('reconnected', r));
    sim.control.dropConnections();
    await reconnected;
    expect(await s.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });

  it('sends a RID or SID given as the decimal string a dialler wrote (aapi send of a copied one) as the integer', async () => {
    const { sim, sent } = await stringSim();
    const s = await Session.connect({ url: sim.url, timeoutMs: 5000 });
    sessions.push(s);
    const auth = await s.send({ type: 'Authenticate', RID: '2086132343', Agent: 'demo', Password: 'demo', extension: '8600001' });
    expect(auth).toMatchObject({ Response: 'OK', RID: '2086132343' });
    expect(s.sid).toBe(Number(auth.SID));
    expect(await s.send({ type: 'GetTenants', SID: auth.SID })).toMatchObject({ tenants: ['demo', 'other'] });
    expect(sent.map((m) => [m.type, m.RID, m.SID])).toEqual([['Authenticate', 2086132343, undefined], ['GetTenants', expect.any(Number), Number(auth.SID)]]);
  });
});
