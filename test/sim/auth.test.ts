import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_FIXTURE } from '../../src/sim/fixture.js';
import { Harness, ManualClock } from '../helpers/client.js';

// Authenticate and what follows it: the credential errors 100-107, bans, two-factor logins with
// stored devices, one SID per login, and a second login of the same agent taking the line over.

const h = new Harness();
afterEach(() => h.cleanup());

const auth = (Agent: string, Password: string, more: Record<string, unknown> = {}) => ({ Agent, Password, extension: '8600001', ...more });

describe('Authenticate: blank and wrong credentials', () => {
  it('answers 106 for neither name nor password, 105 for no name, 104 for no password', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    expect(await c.request('Authenticate', auth('', ''))).toMatchObject({ Response: 'ERROR', ErrorNumber: 106, ErrorLevel: 'Critical', ErrorMessage: 'No agent name or password entered' });
    expect(await c.request('Authenticate', auth('', 'demo'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 105, ErrorMessage: 'No agent name entered' });
    expect(await c.request('Authenticate', auth('demo', ''))).toMatchObject({ Response: 'ERROR', ErrorNumber: 104, ErrorMessage: 'No password entered' });
    // Keys left out are blank too (ERRATA 10).
    expect(await c.request('Authenticate', {})).toMatchObject({ ErrorNumber: 106 });
    expect(await c.request('Authenticate', { Agent: 'demo' })).toMatchObject({ ErrorNumber: 104 });
    expect(await c.request('Authenticate', { Password: 'demo' })).toMatchObject({ ErrorNumber: 105 });
    // None of them made a session.
    expect(sim.control.state().sessions).toBe(0);
  });

  it('answers 100 for a wrong password or an unknown agent, and 101 for an agent not allowed on the AAPI', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    expect(await c.request('Authenticate', auth('demo', 'wrong'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 100, ErrorMessage: 'Username and/or password is not valid' });
    expect(await c.request('Authenticate', auth('nobody', 'demo'))).toMatchObject({ ErrorNumber: 100 });
    expect(await c.request('Authenticate', auth('noaccess', 'demo'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 101, ErrorMessage: 'User is not authorised to log on' });
    // The right credentials still work on the same connection.
    const ok = await c.request('Authenticate', auth('demo', 'demo'));
    expect(ok).toMatchObject({ Response: 'OK' });
    expect(Number.isInteger(ok.SID)).toBe(true);
  });
});

describe('bans', () => {
  it('bans an agent (102) after banAfter failed logins, even with the right password; other agents are not affected', async () => {
    const sim = await h.sim({ banAfter: 3, ipBanAfter: 100 });
    const c = await h.client(sim.url);
    for (let i = 0; i < 3; i++) expect(await c.request('Authenticate', auth('demo', 'nope'))).toMatchObject({ ErrorNumber: 100 });
    expect(await c.request('Authenticate', auth('demo', 'demo'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 102, ErrorMessage: 'User is currently banned' });
    expect(await c.request('Authenticate', auth('demo', 'nope'))).toMatchObject({ ErrorNumber: 102 });
    expect(await c.request('Authenticate', auth('demo2', 'demo'))).toMatchObject({ Response: 'OK' });
    expect(sim.control.resetBans()).toEqual({ ok: true });
    expect(await c.request('Authenticate', auth('demo', 'demo'))).toMatchObject({ Response: 'OK' });
  });

  it('lifts a ban after banMs', async () => {
    // The simulator's clock stands still until the test moves it: no real wait, whatever the load.
    const clock = new ManualClock();
    const { banMs } = BUILTIN_FIXTURE.timings;
    const sim = await h.sim({ banAfter: 1, ipBanAfter: 100 }, {}, { clock });
    const c = await h.client(sim.url);
    expect(await c.request('Authenticate', auth('demo', 'nope'))).toMatchObject({ ErrorNumber: 100 });
    expect(await c.request('Authenticate', auth('demo', 'demo'))).toMatchObject({ ErrorNumber: 102 });
    clock.advance(banMs - 1);
    expect(await c.request('Authenticate', auth('demo', 'demo'))).toMatchObject({ ErrorNumber: 102 });
    clock.advance(2);
    expect(await c.request('Authenticate', auth('demo', 'demo'))).toMatchObject({ Response: 'OK' });
  });

  it('bans an address (103) after ipBanAfter failed logins from it, whichever agents they named', async () => {
    const sim = await h.sim({ banAfter: 100, ipBanAfter: 3 });
    const c = await h.client(sim.url);
    for (const agent of ['a1', 'a2', 'demo']) expect(await c.request('Authenticate', auth(agent, 'nope'))).toMatchObject({ ErrorNumber: 100 });
    expect(await c.request('Authenticate', auth('demo2', 'demo'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 103, ErrorMessage: 'IP banned' });
    // A new connection from the same address is banned as well; another address is not.
    const again = await h.client(sim.url);
    expect(await again.request('Authenticate', auth('demo2', 'demo'))).toMatchObject({ ErrorNumber: 103 });
    const elsewhere = await h.client(sim.url, { localAddress: '127.0.0.2' });
    expect(await elsewhere.request('Authenticate', auth('demo2', 'demo'))).toMatchObject({ Response: 'OK' });
    sim.control.resetBans();
    expect(await c.request('Authenticate', auth('demo2', 'demo'))).toMatchObject({ Response: 'OK' });
  });

  it('counts wrong second factors towards the agent ban', async () => {
    const sim = await h.sim({ banAfter: 2, ipBanAfter: 100 });
    const c = await h.client(sim.url);
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '000000' }))).toMatchObject({ ErrorNumber: 100 });
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '111111' }))).toMatchObject({ ErrorNumber: 100 });
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '123456' }))).toMatchObject({ ErrorNumber: 102 });
  });
});

describe('two-factor authentication', () => {
  it('asks for the code (107), refuses a wrong one (100), accepts the right one with a DeviceID', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    expect(await c.request('Authenticate', auth('demo2fa', 'demo'))).toMatchObject({ Response: 'ERROR', ErrorNumber: 107, ErrorMessage: 'Requires Second Factor' });
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '' }))).toMatchObject({ ErrorNumber: 107 });
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '654321' }))).toMatchObject({ Response: 'ERROR', ErrorNumber: 100 });
    // A wrong password is refused before any code is asked for.
    expect(await c.request('Authenticate', auth('demo2fa', 'nope'))).toMatchObject({ ErrorNumber: 100 });
    const ok = await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '123456' }));
    expect(ok).toMatchObject({ Response: 'OK' });
    expect(typeof ok.DeviceID).toBe('string');
    expect((ok.DeviceID as string).length).toBeGreaterThan(0);
    expect(Number.isInteger(ok.SID)).toBe(true);
    // An agent without 2FA gets no DeviceID.
    expect((await c.request('Authenticate', auth('demo', 'demo'))).DeviceID).toBeUndefined();
  });

  it('skips the code for a DeviceID stored with StoreDevice, until the devices are expired', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    const first = await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '123456', StoreDevice: 30 }));
    expect(first).toMatchObject({ Response: 'OK' });
    const device = first.DeviceID as string;
    const later = await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: device }));
    expect(later).toMatchObject({ Response: 'OK' });
    expect(later.SID).not.toBe(first.SID);
    // An unknown device still needs the code.
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: 'not-a-device' }))).toMatchObject({ ErrorNumber: 107 });
    expect(sim.control.expireDevices()).toEqual({ ok: true });
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: device }))).toMatchObject({ Response: 'ERROR', ErrorNumber: 107 });
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: device, SecondFactor: '123456' }))).toMatchObject({ Response: 'OK' });
  });

  it('does not remember a device without StoreDevice, and forgets it after StoreDevice days', async () => {
    const clock = new ManualClock();
    const { dayMs } = BUILTIN_FIXTURE.timings;
    const sim = await h.sim({}, {}, { clock });
    const c = await h.client(sim.url);
    const unstored = await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '123456' }));
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: unstored.DeviceID }))).toMatchObject({ ErrorNumber: 107 });
    const stored = await c.request('Authenticate', auth('demo2fa', 'demo', { SecondFactor: '123456', StoreDevice: 2 }));
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: stored.DeviceID }))).toMatchObject({ Response: 'OK' });
    // Still remembered late on the second "day" (StoreDevice counts days, not one day) ...
    clock.advance(2 * dayMs - 1);
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: stored.DeviceID }))).toMatchObject({ Response: 'OK' });
    // ... and forgotten once both have passed.
    clock.advance(2);
    expect(await c.request('Authenticate', auth('demo2fa', 'demo', { DeviceID: stored.DeviceID }))).toMatchObject({ ErrorNumber: 107 });
  });
});

describe('SIDs and takeover', () => {
  it('gives every Authenticate a distinct SID, for the same agent and for different ones', async () => {
    const sim = await h.sim();
    const sids = new Set<unknown>();
    for (const agent of ['demo', 'demo', 'demo2', 'demo', 'limited']) {
      const c = await h.client(sim.url);
      const r = await c.login(agent);
      expect(r).toMatchObject({ Response: 'OK' });
      expect(Number.isInteger(r.SID)).toBe(true);
      expect(r.SID as number).toBeGreaterThan(0);
      expect(r.SID as number).toBeLessThanOrEqual(0x7fffffff);
      sids.add(r.SID);
    }
    expect(sids.size).toBe(5);
  });

  it('a second login of the same agent takes over: the old SID gets 198 and the unacknowledged event is sent again to the new session', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const a = await h.agent(sim);
    a.autoAck = false;
    const mark = a.mark;
    expect(await a.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    const available = await a.event('NowAvailable', 2000, mark);
    const oldSid = a.sid;

    const b = await h.client(sim.url);
    const r = await b.login('demo');
    expect(r).toMatchObject({ Response: 'OK' });
    expect(r.SID).not.toBe(oldSid);
    // The same event, with the same RID, now arrives on the new session; its Acknowledge releases the next.
    const again = await b.event('NowAvailable', 2000);
    expect(again.RID).toBe(available.RID);
    await b.event('NowWaiting', 2000);
    expect(a.events.some((e) => e.event === 'NowWaiting')).toBe(false);

    expect(await a.request('GetTenants')).toMatchObject({ Response: 'ERROR', ErrorNumber: 198, ErrorMessage: 'SID is unknown, please reauthenticate' });
    expect(await b.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    // The line carried on: still connected and waiting, no Connect needed.
    const st = sim.control.state() as { agents: Record<string, { state: string; sid: number }> };
    expect(st.agents.demo).toMatchObject({ state: 'Waiting', sid: b.sid });
  });
});

describe('tenants, campaigns and Connect', () => {
  it('lists tenants and campaigns; 110 for a tenant without access', async () => {
    const sim = await h.sim({}, { agents: { restricted: { password: 'demo', tenants: ['demo'] } } });
    const c = await h.client(sim.url);
    await c.login('demo');
    expect(await c.request('GetTenants')).toMatchObject({ RID: expect.any(Number), tenants: ['demo', 'other'] });
    expect(await c.request('GetCampaigns', { tenant: 'demo' })).toMatchObject({ campaigns: ['outbound', 'paused'] });
    expect(await c.request('GetCampaigns', { tenant: 'nowhere' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 110 });
    const r = await h.client(sim.url);
    await r.login('restricted');
    expect(await r.request('GetTenants')).toMatchObject({ tenants: ['demo'] });
    expect(await r.request('GetCampaigns', { tenant: 'other' })).toMatchObject({ ErrorNumber: 110 });
    expect(await r.request('Connect', { tenant: 'other', campaign: 'sales' })).toMatchObject({ ErrorNumber: 110 });
  });

  it('connects with status Connected and NowUnavailable; 113 for a stopped campaign; 150/151 for unreachable/busy phones', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    await c.login('demo');
    expect(await c.request('Connect', { tenant: 'demo', campaign: 'paused' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 113, ErrorMessage: 'Campaign hasn\'t been started' });
    expect(await c.request('Connect', { tenant: 'demo', campaign: 'nosuch' })).toMatchObject({ ErrorNumber: 113 });
    const mark = c.mark;
    expect(await c.request('Connect', { tenant: 'demo', campaign: 'outbound' })).toMatchObject({ status: 'Connected' });
    await c.event('NowUnavailable', 2000, mark);

    const u = await h.client(sim.url);
    await u.login('demo2', 'demo', '8600098');
    expect(await u.request('Connect', { tenant: 'demo', campaign: 'outbound' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 150, ErrorMessage: 'Unable to establish a connection to the agent phone' });
    const b = await h.client(sim.url);
    await b.login('limited', 'demo', '8600099');
    expect(await b.request('Connect', { tenant: 'demo', campaign: 'outbound' })).toMatchObject({ Response: 'ERROR', ErrorNumber: 151, ErrorMessage: 'Specified extension is busy' });
  });

  it('GetWebRTC gives one-time credentials and replaces the extension; 110 and 113 as Connect', async () => {
    const sim = await h.sim();
    const c = await h.client(sim.url);
    await c.login('demo', 'demo', '8600099'); // busy phone: WebRTC replaces it
    const r = await c.request('GetWebRTC', { tenant: 'demo', campaign: 'outbound' });
    expect(r).toMatchObject({ Response: 'OK' });
    for (const k of ['webrtc-extension', 'webrtc-password', 'webrtc-uri']) expect(typeof r[k]).toBe('string');
    const again = await c.request('GetWebRTC', { tenant: 'demo', campaign: 'outbound' });
    expect(again['webrtc-password']).not.toBe(r['webrtc-password']);
    expect(await c.request('GetWebRTC', { tenant: 'nowhere', campaign: 'outbound' })).toMatchObject({ ErrorNumber: 110 });
    expect(await c.request('GetWebRTC', { tenant: 'demo', campaign: 'paused' })).toMatchObject({ ErrorNumber: 113 });
    expect(await c.request('Connect', { tenant: 'demo', campaign: 'outbound' })).toMatchObject({ status: 'Connected' });
    const st = sim.control.state() as { agents: Record<string, { extension: string }> };
    expect(st.agents.demo.extension).toBe(again['webrtc-extension']);
  });

  it('Logoff answers OK, sends NowLoggedOff, and then forgets the SID and the agent', async () => {
    const sim = await h.sim();
    const c = await h.agent(sim);
    const mark = c.mark;
    expect(await c.request('Logoff')).toMatchObject({ Response: 'OK' });
    await c.event('NowLoggedOff', 2000, mark);
    expect(await c.request('GetTenants')).toMatchObject({ ErrorNumber: 198 });
    const st = sim.control.state() as { agents: Record<string, unknown>; sessions: number };
    expect(st.agents.demo).toBeUndefined();
    expect(st.sessions).toBe(0);
  });
});
