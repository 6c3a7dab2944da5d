import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_FIXTURE } from '../../src/sim/fixture.js';
import { Harness, ManualClock, type RawClient } from '../helpers/client.js';

// The life of a SID: unknown (198), used from another address (199), expired after sidIdleMs
// without a message, kept alive by KeepAlive, and forgotten all at once by the control API.

const h = new Harness();
afterEach(() => h.cleanup());

/** The simulator looks for idle SIDs at least this often. */
const SWEEP_MS = 1000;

/** Sends GetTenants and waits for its answer: everything the server sent before it has arrived. */
async function barrier(c: RawClient): Promise<void> {
  await c.request('GetTenants');
}

describe('198: unknown SID', () => {
  it('answers 198 for a SID never given out, and for a request without a SID', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    expect(await c.request('GetTenants', { SID: 12345 })).toMatchObject({ Response: 'ERROR', ErrorNumber: 198, ErrorLevel: 'Serious', ErrorMessage: 'SID is unknown, please reauthenticate' });
    const noSid = await c.request('GoAvailable', {});
    expect(noSid).toMatchObject({ ErrorNumber: 198 });
    expect(String(noSid.ErrorDetail)).toMatch(/SID/);
    await c.login();
    expect(await c.request('GetTenants', { SID: c.sid! + 1 })).toMatchObject({ ErrorNumber: 198 });
    expect(await c.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });

  it('forgets a SID after sidIdleMs with no message', async () => {
    // Idle time passes on a clock the test moves: a slow machine neither expires the SID early nor late.
    const clock = new ManualClock();
    const { sidIdleMs } = BUILTIN_FIXTURE.timings;
    const sim = await h.sim({}, {}, { clock });
    const c = await h.agent(sim);
    expect(sim.control.state().sessions).toBe(1);
    clock.advance(sidIdleMs - 1);
    expect(sim.control.state().sessions).toBe(1);
    clock.advance(SWEEP_MS + 1);
    expect(sim.control.state().sessions).toBe(0);
    expect(await c.request('GetTenants')).toMatchObject({ Response: 'ERROR', ErrorNumber: 198 });
    // Authenticating again takes the agent's line over: still connected, no Connect needed.
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    const st = sim.control.state() as { agents: Record<string, { state: string }> };
    expect(st.agents.demo.state).toBe('Unavailable');
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
  });

  it('KeepAlive (and any other request) keeps a SID alive; a silent one expires meanwhile', async () => {
    const clock = new ManualClock();
    const { sidIdleMs } = BUILTIN_FIXTURE.timings;
    const sim = await h.sim({}, {}, { clock });
    const kept = await h.client(sim.url);
    await kept.login('demo');
    const busy = await h.client(sim.url);
    await busy.login('demo2');
    const silent = await h.client(sim.url);
    await silent.login('limited');
    // Twice the idle limit, a third of it at a time: kept sends a KeepAlive every step, busy a request
    // every other step (two thirds of the limit apart), silent nothing.
    for (let i = 0; i < 6; i++) {
      kept.keepAlive();
      // KeepAlive has no answer: wait until the simulator has received it, before time moves on.
      await expect.poll(() => sim.dialler.received.KeepAlive, { timeout: 5000, interval: 5 }).toBe(i + 1);
      if (i % 2 === 0) await busy.request('GetTenants');
      clock.advance(sidIdleMs / 3);
    }
    expect(sim.control.state().sessions).toBe(2);
    expect(await kept.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(await busy.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(await silent.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    // KeepAlive was never answered: the only frames are the replies to Authenticate and GetTenants.
    expect(kept.frames).toHaveLength(2);
  });

  it('control.expireSessions forgets every SID at once', async () => {
    const sim = await h.sim();
    const a = await h.agent(sim, 'demo');
    const b = await h.agent(sim, 'demo2');
    expect(sim.control.expireSessions()).toEqual({ ok: true });
    expect(await a.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    expect(await b.request('GoAvailable', {})).toMatchObject({ ErrorNumber: 198 });
    expect(sim.control.state().sessions).toBe(0);
    expect(await a.login()).toMatchObject({ Response: 'OK' });
    expect(await a.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });
});

describe('199: SID from another address', () => {
  it('refuses a SID used from an address other than the one that authenticated it', async () => {
    const sim = await h.sim();
    const a = await h.agent(sim);
    const other = await h.client(sim.url, { localAddress: '127.0.0.2' });
    other.sid = a.sid;
    expect(await other.request('GetTenants')).toMatchObject({
      Response: 'ERROR', ErrorNumber: 199, ErrorLevel: 'Serious', ErrorMessage: 'The endpoint for the SID does not match. Please reauthenticate.',
    });
    expect(await other.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ ErrorNumber: 199 });
    // Nothing happened to the session: it is still the first client's, on the first connection.
    const st = sim.control.state() as { agents: Record<string, { state: string; connected: boolean }> };
    expect(st.agents.demo).toMatchObject({ state: 'Unavailable', connected: true });
    expect(await a.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    // A KeepAlive from the wrong address is not answered either, nor does it keep anything alive.
    const before = other.frames.length;
    other.keepAlive();
    await barrier(other); // 199 to the barrier itself; nothing before it
    expect(other.framesSince(before)).toHaveLength(1);
    // The other address can log in for itself.
    expect(await other.login('demo2')).toMatchObject({ Response: 'OK' });
    expect(await other.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });

  it('a new connection from the same address may use the SID (no 199)', async () => {
    const sim = await h.sim();
    const a = await h.agent(sim);
    const same = await h.client(sim.url);
    same.sid = a.sid;
    expect(await same.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });
});
