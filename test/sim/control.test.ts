import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import { CONTROL_OPERATIONS } from '../../src/recipe/check.js';
import { Harness, RawClient } from '../helpers/client.js';

// The control API over HTTP (GET /state, POST /<operation>), and what it does to clients:
// presented calls, dropped connections that keep their SIDs, a stop and start of the service.

const h = new Harness();
afterEach(() => h.cleanup());

async function post(base: string, op: string, body?: unknown, raw?: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}/${op}`, { method: 'POST', body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  return { status: res.status, body: (await res.json()) as Json };
}

describe('HTTP control', () => {
  it('GET /state describes the world', async () => {
    const sim = await h.sim();
    await h.agent(sim);
    const res = await fetch(`${sim.controlUrl}/state`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const st = (await res.json()) as Json;
    expect(st).toMatchObject({ sessions: 1, records: 6, messages: 0, callbacks: [], dispositions: [] });
    expect((st.agents as Json).demo).toMatchObject({ state: 'Unavailable', tenant: 'demo', campaign: 'outbound', extension: '8600001', connected: true, calls: [] });
    expect((st.received as Json).Authenticate).toBe(1);
    // POST works as well.
    expect((await post(sim.controlUrl, 'state')).body).toMatchObject({ sessions: 1 });
  });

  it('POST /presentCall presents a call at once; a queue makes it inbound', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const c = await h.agent(sim);
    let mark = c.mark;
    await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 });
    await c.event('NowWaiting', 2000, mark);
    mark = c.mark;
    const res = await post(sim.controlUrl, 'presentCall', { agent: 'demo' });
    expect(res).toMatchObject({ status: 200, body: { ok: true, sessionID: expect.any(String), uniquecallid: expect.any(String) } });
    const call = await c.event('NowInCall', 2000, mark);
    expect(call).toMatchObject({ sessionID: res.body.sessionID, uniquecallid: res.body.uniquecallid, calltype: 0 });
    // Not waiting now: refused with 400 and a reason.
    const busy = await post(sim.controlUrl, 'presentCall', { agent: 'demo' });
    expect(busy.status).toBe(400);
    expect(busy.body).toMatchObject({ ok: false, error: expect.stringMatching(/not waiting/) });

    expect((await post(sim.controlUrl, 'hangUp', { agent: 'demo' })).body).toEqual({ ok: true });
    await c.event('NowWrapping', 2000, mark);
    mark = c.mark;
    await c.request('Disposition', { outcome: 1 });
    await c.event('NowWaiting', 2000, mark);
    mark = c.mark;
    expect((await post(sim.controlUrl, 'presentCall', { agent: 'demo', queue: 100, tel: '01632960321', data: { Reason: 'billing' } })).status).toBe(200);
    const inbound = await c.event('NowInCall', 2000, mark);
    expect(inbound).toMatchObject({ calltype: 5, queuenumber: 100, tel: '01632960321', data: { Reason: 'billing' } });
  });

  it('answers 404 for an unknown operation, 405 for GET of an operation, 400 for a body that is not JSON', async () => {
    const sim = await h.sim();
    const unknown = await post(sim.controlUrl, 'explode', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ ok: false, error: expect.stringContaining('presentCall') });
    const get = await fetch(`${sim.controlUrl}/presentCall`);
    expect(get.status).toBe(405);
    await get.arrayBuffer();
    const bad = await post(sim.controlUrl, 'presentCall', undefined, '{agent: demo');
    expect(bad).toMatchObject({ status: 400, body: { ok: false, error: expect.stringMatching(/JSON/) } });
    const noAgent = await post(sim.controlUrl, 'presentCall', { agent: 'nobody' });
    expect(noAgent).toMatchObject({ status: 400, body: { ok: false, error: expect.stringMatching(/not logged in/) } });
    // The control endpoint still serves after all that.
    expect((await fetch(`${sim.controlUrl}/state`)).status).toBe(200);
  });

  it('has every operation a recipe\'s control step may name', async () => {
    const sim = await h.sim();
    for (const op of CONTROL_OPERATIONS) expect(typeof (sim.control as unknown as Record<string, unknown>)[op], op).toBe('function');
  });

  it('other operations over HTTP: setRequestLimit, expireSessions, resetBans, expireDevices, chat, transfer', async () => {
    const sim = await h.sim({ presentMs: 60_000, banAfter: 1 });
    const c = await h.agent(sim);
    expect((await post(sim.controlUrl, 'setRequestLimit', { agent: 'demo', limit: 0 })).body).toEqual({ ok: true });
    expect(await c.request('GetRecord', { URN: '1001' })).toMatchObject({ ErrorNumber: 220 });
    expect((await post(sim.controlUrl, 'setRequestLimit', { agent: 'demo', limit: 'lots' })).status).toBe(400);

    let mark = c.mark;
    await c.request('GoAvailable', { live: 1, offline: 0, interactive: 1 });
    await c.event('NowWaiting', 2000, mark);
    mark = c.mark;
    expect((await post(sim.controlUrl, 'chat', { agent: 'demo', message: 'hi' })).body).toMatchObject({ ok: true, sessionIndex: 1 });
    await c.event('ChatReceived', 2000, mark);
    await post(sim.controlUrl, 'presentCall', { agent: 'demo' });
    await c.event('NowInCall', 2000, mark, (m) => m.sessionIndex === 0);
    await c.request('TransferCall', { TransferType: '1', TransferTo: '2', Recipient: '100' });
    mark = c.mark;
    expect((await post(sim.controlUrl, 'transfer', { agent: 'demo', how: 'refuse' })).body).toEqual({ ok: true });
    await c.event('TransferUpdate', 2000, mark, (m) => m.TransferStatus === 2);

    const other = await h.client(sim.url);
    expect(await other.request('Authenticate', { Agent: 'demo2', Password: 'x', extension: '' })).toMatchObject({ ErrorNumber: 100 });
    expect(await other.request('Authenticate', { Agent: 'demo2', Password: 'demo', extension: '' })).toMatchObject({ ErrorNumber: 102 });
    expect((await post(sim.controlUrl, 'resetBans')).body).toEqual({ ok: true });
    expect(await other.login('demo2')).toMatchObject({ Response: 'OK' });

    expect((await post(sim.controlUrl, 'expireSessions')).body).toEqual({ ok: true });
    expect(await c.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    expect(await other.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    expect((await post(sim.controlUrl, 'expireDevices')).body).toEqual({ ok: true });
  });
});

describe('connections', () => {
  it('dropConnections closes every connection; the SID still works from a new one, and events continue there', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const a = await h.agent(sim);
    const b = await h.agent(sim, 'demo2');
    let mark = a.mark;
    await a.request('GoAvailable', { live: 1, offline: 0, interactive: 0 });
    await a.event('NowWaiting', 2000, mark);

    expect((await post(sim.controlUrl, 'dropConnections')).body).toEqual({ ok: true });
    await a.closed;
    await b.closed;
    let st = sim.control.state() as { sessions: number; agents: Record<string, { connected: boolean; state: string }> };
    expect(st.sessions).toBe(2);
    expect(st.agents.demo).toMatchObject({ connected: false, state: 'Waiting' });

    // An event while no connection is attached waits for one.
    sim.control.presentCall({ agent: 'demo' });
    const again = await h.client(sim.url);
    again.sid = a.sid;
    mark = again.mark;
    expect(await again.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    const call = await again.event('NowInCall', 2000, mark);
    expect(call).toMatchObject({ sessionIndex: 0, campaign: 'outbound' });
    st = sim.control.state() as typeof st;
    expect(st.agents.demo).toMatchObject({ connected: true, state: 'InCall' });
    // Later events arrive there too.
    sim.control.hangUp({ agent: 'demo' });
    await again.event('NowWrapping', 2000, mark);
    expect(await again.request('Disposition', { outcome: 251 })).toMatchObject({ Response: 'OK' });
    await again.event('NowWaiting', 2000, mark);
    expect(again.events.map((e) => e.event)).toEqual(['NowInCall', 'NowWrapping', 'NowWaiting']);
  });

  it('stop refuses connections; start serves again on the same URL', async () => {
    const sim = await h.sim();
    const a = await h.agent(sim);
    expect((await post(sim.controlUrl, 'stop')).body).toEqual({ ok: true });
    await a.closed;
    await expect(RawClient.connect(sim.url)).rejects.toThrow(/ECONNREFUSED/);
    // Stopping again is harmless; the control endpoint stays up.
    expect((await post(sim.controlUrl, 'stop')).body).toEqual({ ok: true });
    expect((await post(sim.controlUrl, 'start')).body).toEqual({ ok: true });
    const b = await h.client(sim.url);
    // The service went down: the old SID is gone.
    b.sid = a.sid;
    expect(await b.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    expect(await b.login()).toMatchObject({ Response: 'OK' });
    // The agent's line outlived the outage: re-authenticating carries on without Connect.
    const st = sim.control.state() as { agents: Record<string, { state: string }> };
    expect(st.agents.demo.state).toBe('Unavailable');
    expect(await b.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
  });

  it('reset: a clean world without a restart (agents logged out, fixture records, counters at zero), connections dropped', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const a = await h.agent(sim);
    let mark = a.mark;
    await a.request('GoAvailable', { live: 1, offline: 0, interactive: 0 });
    await a.event('NowWaiting', 2000, mark);
    mark = a.mark;
    sim.control.presentCall({ agent: 'demo' });
    await a.event('NowInCall', 2000, mark);
    await a.request('StartWrap');
    await a.request('Disposition', { outcome: 251, callbackNumber: '01632960123', callbackTime: '2030-01-15 14:30' });
    expect(await a.request('NewRecord', { data: { Name: 'Jo' } })).toMatchObject({ data: { URN: '5001' } });
    mark = a.mark;
    sim.control.presentCall({ agent: 'demo' });
    await a.event('NowInCall', 2000, mark);
    const before = sim.control.state() as { records: number; dispositions: unknown[] };
    expect(before.records).toBe(7);
    expect(before.dispositions).toHaveLength(1);
    // What a second client of the same agent meets without a reset: the line still has its call.
    const b = await h.client(sim.url);
    await b.login();
    expect(await b.request('Connect', { tenant: 'other', campaign: 'sales' })).toMatchObject({ ErrorNumber: 99 });

    expect((await post(sim.controlUrl, 'reset')).body).toEqual({ ok: true });
    await a.closed;
    await b.closed;
    const st = sim.control.state() as { agents: Json; sessions: number; received: Record<string, number>; records: number; messages: number; dispositions: unknown[]; callbacks: unknown[] };
    expect(st).toMatchObject({ agents: {}, sessions: 0, records: 6, messages: 0, dispositions: [], callbacks: [] });
    expect(Object.values(st.received).every((n) => n === 0)).toBe(true);
    // The old SID is gone; a new client logs the agent in afresh, on any campaign, and the first record comes again.
    const c = await h.client(sim.url);
    c.sid = a.sid;
    expect(await c.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    await c.login();
    expect(await c.request('Connect', { tenant: 'other', campaign: 'sales' })).toMatchObject({ status: 'Connected' });
    expect((sim.control.state() as { agents: Record<string, { state: string; campaign: string }> }).agents.demo).toMatchObject({ state: 'Unavailable', campaign: 'sales' });
    expect(await c.request('NewRecord', { data: { Name: 'Jo' } })).toMatchObject({ data: { URN: '5001' } });
    // A reset also answers the 404's list of operations.
    expect((await post(sim.controlUrl, 'nothing')).body.error).toMatch(/\breset\b/);
  });

  it('restart takes the service down and up again', async () => {
    const sim = await h.sim();
    const a = await h.agent(sim);
    expect((await post(sim.controlUrl, 'restart', { downMs: 50 })).body).toEqual({ ok: true });
    await a.closed;
    const b = await h.client(sim.url);
    expect(await b.login()).toMatchObject({ Response: 'OK' });
    expect(await b.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });
});
