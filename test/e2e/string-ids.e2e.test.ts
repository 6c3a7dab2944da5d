import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { json, jsonLines, MANUAL_TIMINGS, until, World } from '../helpers/e2e.js';

// The key session flows of the real binary, against `aapi sim` writing RID and SID as integers and
// as the decimal strings the real dialler writes (ERRATA 7): the same commands give the same results.

const w = new World('ids');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

describe.each([
  { ids: 'integer ids', flags: [], profile: 'integers' },
  { ids: 'string ids', flags: ['--string-ids'], profile: 'strings' },
])('with $ids', ({ flags, profile }) => {
  // A profile of its own: the event log of the other run is not this one's.
  const aapi = (args: string[]) => w.aapi(args, { env: { AAPI_PROFILE: profile } });

  it('login, status, verbs, wait, events acknowledged, 198, send and logout', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS }, flags);
    const login = await w.login(sim, { profile, tenant: 'demo', extra: ['--json'] });
    expect(login.code, login.stderr).toBe(0);
    const { SID } = json(login);
    expect(SID).toBe(Number((await control.state()).agents.demo.sid));
    expect(json(await aapi(['status']))).toMatchObject({ agent: 'demo', SID, state: 'Unavailable' });

    expect((await aapi(['go-available'])).code).toBe(0);
    const waiting = await aapi(['wait', 'NowWaiting', '--timeout', '20s']);
    expect(waiting.code, waiting.stderr).toBe(0);
    await control.post('presentCall', { agent: 'demo', urn: '1003' });
    const call = await aapi(['wait', 'NowInCall', '--where', 'data.URN=1003', '--timeout', '20s']);
    expect(call.code, call.stderr).toBe(0);
    expect(json(call)).toMatchObject({ event: 'NowInCall', data: { URN: '1003' } });
    // The event as the dialler wrote it: the run is not vacuous.
    expect(typeof json(call).RID).toBe(flags.length ? 'string' : 'number');
    expect((await aapi(['start-wrap'])).code).toBe(0);
    const disposed = await aapi(['disposition', '--outcome', '1']);
    expect(disposed.code, disposed.stderr).toBe(0);
    expect((await aapi(['wait', 'NowWaiting', '--timeout', '20s'])).code).toBe(0);

    // Every event was recorded, then acknowledged with its own RID: none is left at the dialler.
    const events = jsonLines((await aapi(['events'])).stdout).map((e) => e.event.event);
    expect(events).toEqual(['NowUnavailable', 'NowAvailable', 'NowWaiting', 'NowInCall', 'NowWrapping', 'NowWaiting']);
    expect(await until(async () => (await control.state()).agents.demo.eventsPending === 0, 10_000)).toBe(true);

    // Every SID forgotten: the daemon authenticates again and resends, and takes the new SID.
    await control.post('expireSessions');
    const tenants = await aapi(['get-tenants']);
    expect(tenants.code, tenants.stderr).toBe(0);
    const state = await control.state();
    expect(state.received.Authenticate).toBe(2);
    expect(json(await aapi(['status'])).SID).toBe(Number(state.agents.demo.sid));
    const raw = await aapi(['send', '{type: "GetCampaigns", tenant: "demo"}']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(json(raw)).toMatchObject({ campaigns: ['outbound', 'paused'] });

    const logout = await aapi(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect((await control.state()).agents.demo).toBeUndefined();
  }, 90_000);

  it('a batch job: every row answered, once', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS }, flags);
    expect((await w.login(sim, { profile })).code).toBe(0);
    const N = 200;
    const input = join(w.scratch, `rows-${profile}.jsonl`);
    const output = join(w.scratch, `out-${profile}.jsonl`);
    writeFileSync(input, Array.from({ length: N }, (_, i) => `${JSON.stringify({ Parameters: { URN: String(1001 + (i % 5)) } })}\n`).join(''));
    const job = await aapi(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', output, '--concurrency', '4']);
    expect(job.code, job.stderr).toBe(0);
    const lines = jsonLines(readFileSync(output, 'utf8'));
    expect(lines.map((l) => l.row).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(lines.every((l) => l.ok && l.response.Data.URN)).toBe(true);
    expect((await control.state()).received.RunQuery).toBe(N);
  }, 90_000);
});
