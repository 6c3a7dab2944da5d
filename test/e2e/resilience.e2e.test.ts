import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { json, jsonLines, MANUAL_TIMINGS, until, World, type Control } from '../helpers/e2e.js';

// The session daemon survives what the network and the server do to it: a dropped connection, a
// forgotten SID (198), a simulator restart. The user sees none of it: the next command just works.
//
// After a restart the daemon reconnects with a randomised backoff. The tests do not retry commands
// to wait for it: `aapi status` answers from the daemon at once, and a verb sent while the daemon is
// reconnecting waits for the reconnection (up to its --timeout, 20 s here) and then goes out once.

const w = new World('resilience');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

async function session(profile: string, timings: object = MANUAL_TIMINGS) {
  const { sim, control } = await w.sim({ timings });
  const login = await w.login(sim, { profile, tenant: 'demo' });
  expect(login.code, login.stderr).toBe(0);
  const env = { AAPI_PROFILE: profile };
  const aapi = async (args: string[], code = 0) => {
    const r = await w.aapi(args, { env });
    expect(r.code, `aapi ${args.join(' ')}: ${r.stderr}`).toBe(code);
    return r;
  };
  return { sim, control, env, aapi, sid: Number(login.stdout) };
}

const received = async (c: Control) => (await c.state()).received;

/** The profile's recorded events, as `aapi events` prints them. */
async function events(env: NodeJS.ProcessEnv) {
  const r = await w.aapi(['events'], { env });
  expect(r.code, r.stderr).toBe(0);
  return jsonLines(r.stdout);
}

function expectNoDuplicateRids(log: Record<string, any>[]): void {
  const rids = log.map((e) => e.event.RID);
  expect(rids.every((rid) => typeof rid === 'number')).toBe(true);
  expect(new Set(rids).size, JSON.stringify(log.map((e) => [e.seq, e.event.event, e.event.RID]))).toBe(rids.length);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
}

describe('resilience', () => {
  it('a dropped connection is invisible: the next verb succeeds, sent once, and queued events arrive', async () => {
    const s = await session('drop');
    await s.aapi(['go-available']);
    await s.aapi(['wait', 'NowWaiting']);
    const before = await received(s.control);
    await s.control.post('dropConnections');
    // An event raised while the agent's connection is down waits for the reconnection.
    await s.control.post('presentCall', { agent: 'demo', urn: '1002' });
    const r = await s.aapi(['get-tenants']);
    expect(r.stderr).toBe('');
    expect(json(r).tenants).toEqual(['demo', 'other']);
    const after = await received(s.control);
    expect(after.GetTenants - before.GetTenants).toBe(1);
    expect(after.Authenticate - before.Authenticate).toBe(1);
    expect(await until(async () => (await events(s.env)).some((e) => e.event.event === 'NowInCall'), 15_000)).toBe(true);
    const status = json(await s.aapi(['status']));
    expect(status).toMatchObject({ agent: 'demo', state: 'InCall' });
    expect(status.SID).not.toBe(s.sid);
    expect(readFileSync(join(w.paths('drop').stateDir, 'daemon.log'), 'utf8')).toMatch(/reconnected: session \d+/);
    expectNoDuplicateRids(await events(s.env));
  }, 90_000);

  it('a forgotten SID (198) is invisible: the daemon authenticates again and resends the request once', async () => {
    const s = await session('expire');
    const before = await received(s.control);
    await s.control.post('expireSessions');
    const r = await s.aapi(['get-campaigns', '--tenant', 'demo']);
    expect(r.stderr).toBe('');
    expect(json(r).campaigns).toEqual(['outbound', 'paused']);
    const after = await received(s.control);
    // Refused with 198, then sent again after one new Authenticate.
    expect(after.GetCampaigns - before.GetCampaigns).toBe(2);
    expect(after.Authenticate - before.Authenticate).toBe(1);
    const status = json(await s.aapi(['status']));
    expect(status.SID).not.toBe(s.sid);
    expect((await s.control.state()).agents.demo.sid).toBe(status.SID);
    // The agent's dialler state carried over to the new SID.
    expect(status.state).toBe('Unavailable');
    // Every re-authentication is in the profile's log.
    expect(readFileSync(join(w.paths('expire').stateDir, 'daemon.log'), 'utf8')).toContain(`the SID was no longer valid (198): authenticated again, session ${status.SID}`);
    await s.aapi(['go-available']);
    await s.aapi(['wait', 'NowWaiting']);
  }, 90_000);

  it('a SID that expired for lack of traffic is renewed by the next verb', async () => {
    // The simulator forgets a SID idle for 2 s; the daemon's KeepAlive comes every 20 s.
    const s = await session('idle', { ...MANUAL_TIMINGS, sidIdleMs: 2000 });
    expect(await until(async () => (await s.control.state()).agents.demo.sid === null, 20_000, 200)).toBe(true);
    const before = await received(s.control);
    const r = await s.aapi(['get-tenants']);
    expect(json(r).tenants).toEqual(['demo', 'other']);
    const after = await received(s.control);
    expect(after.GetTenants - before.GetTenants).toBe(2);
    expect(after.Authenticate - before.Authenticate).toBe(1);
  }, 90_000);

  it('a simulator restart is survived: status answers at once, the next verb waits for the reconnection', async () => {
    const s = await session('restart');
    await s.aapi(['go-available']);
    await s.aapi(['wait', 'NowWaiting']);
    await s.control.post('restart', { downMs: 500 });
    const status = await s.aapi(['status']);
    expect(json(status)).toMatchObject({ agent: 'demo', state: 'Waiting' });
    const before = await received(s.control);
    const r = await s.aapi(['get-tenants', '--timeout', '20s']);
    expect(r.stderr).toBe('');
    expect(json(r).tenants).toEqual(['demo', 'other']);
    expect((await received(s.control)).GetTenants - before.GetTenants).toBe(1);
    // Calls still come to the agent after the restart.
    await s.control.post('presentCall', { agent: 'demo', urn: '1003' });
    const call = await s.aapi(['wait', 'NowInCall', '--where', 'data.URN=1003']);
    expect(json(call).sessionIndex).toBe(0);
    expectNoDuplicateRids(await events(s.env));
  }, 90_000);

  it('calls through a drop, an expiry and a restart: every event recorded once, every request sent once', async () => {
    const s = await session('all');
    await s.aapi(['go-available']);
    await s.aapi(['wait', 'NowWaiting']);
    const disruptions: [string, object][] = [['dropConnections', {}], ['expireSessions', {}], ['restart', { downMs: 500 }]];
    const urns = ['1001', '1002', '1003'];
    for (const [i, [op, body]] of disruptions.entries()) {
      // The call's NowInCall may be on the wire, unacknowledged, when the disruption hits: the
      // simulator then sends it again after the reconnection, and the daemon must record it once.
      await s.control.post('presentCall', { agent: 'demo', urn: urns[i] });
      await s.control.post(op, body);
      await s.aapi(['status']);
      await s.aapi(['get-tenants', '--timeout', '20s']);
      const seen = await until(async () => (await events(s.env)).some((e) => e.event.event === 'NowInCall' && e.event.data?.URN === urns[i]), 20_000);
      expect(seen, `NowInCall ${urns[i]} after ${op}`).toBe(true);
      await s.aapi(['start-wrap', '--timeout', '20s']);
      await s.aapi(['wait', 'NowWrapping']);
      await s.aapi(['disposition', '--outcome', '1', '--timeout', '20s']);
      await s.aapi(['wait', 'NowWaiting']);
    }
    const log = await events(s.env);
    expectNoDuplicateRids(log);
    const names = log.map((e) => e.event.event);
    expect(names.filter((n) => n === 'NowInCall')).toHaveLength(3);
    expect(log.filter((e) => e.event.event === 'NowInCall').map((e) => e.event.data.URN)).toEqual(urns);
    expect(names.filter((n) => n === 'NowWrapping')).toHaveLength(3);
    expect(names.filter((n) => n === 'NowWaiting')).toHaveLength(4);
    const got = await received(s.control);
    expect(got.StartWrap).toBe(3);
    expect(got.Disposition).toBe(3);
    expect(got.GoAvailable).toBe(1);
    expect((await s.control.state()).dispositions.map((d) => d.urn)).toEqual(urns);
    expect(json(await s.aapi(['status']))).toMatchObject({ state: 'Waiting', events: { recorded: log.length, pending: 0 } });
  }, 180_000);
});
