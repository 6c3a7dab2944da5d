import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { json, jsonLines, MANUAL_TIMINGS, until, World } from '../helpers/e2e.js';

// `aapi events` and `aapi wait` of the real binary, with events made by a real `aapi sim`.

const w = new World('events');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

/** A simulator and a session connected to demo/outbound on `profile`, available and waiting. */
async function waiting(profile: string) {
  const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
  const login = await w.login(sim, { profile, tenant: 'demo' });
  expect(login.code, login.stderr).toBe(0);
  const env = { AAPI_PROFILE: profile };
  const ga = await w.aapi(['go-available'], { env });
  expect(ga.code, ga.stderr).toBe(0);
  return { sim, control, env };
}

const names = (stdout: string) => jsonLines(stdout).map((e) => e.event.event);

describe('aapi events', () => {
  it('lists the recorded events with sequence numbers and times; --since skips the earlier ones', async () => {
    const { env } = await waiting('ev');
    // NowUnavailable (Connect at login), NowAvailable, NowWaiting.
    await until(async () => jsonLines((await w.aapi(['events'], { env })).stdout).length === 3, 10_000);
    const all = await w.aapi(['events'], { env });
    expect(all.code, all.stderr).toBe(0);
    const lines = jsonLines(all.stdout);
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(lines.map((e) => e.event.event)).toEqual(['NowUnavailable', 'NowAvailable', 'NowWaiting']);
    for (const e of lines) {
      expect(new Date(e.time).toISOString()).toBe(e.time);
      expect(typeof e.event.RID).toBe('number');
    }
    const since = await w.aapi(['events', '--since', '2'], { env });
    expect(since.code).toBe(0);
    expect(jsonLines(since.stdout).map((e) => e.seq)).toEqual([3]);
    expect((await w.aapi(['events', '--since', '3'], { env })).stdout).toBe('');
  }, 60_000);

  it('--follow streams a new event as it arrives, until stopped', async () => {
    const { control, env } = await waiting('follow');
    await until(async () => names((await w.aapi(['events'], { env })).stdout).includes('NowWaiting'), 10_000);
    const follow = w.start(['events', '--follow', '--since', '3'], env);
    // Nothing recorded after seq 3 yet: the follower prints nothing until the call arrives.
    const status = json(await w.aapi(['status'], { env }));
    expect(status.events.recorded).toBe(3);
    expect(follow.stdout).toBe('');
    await control.post('presentCall', { agent: 'demo', urn: '1003' });
    const line = JSON.parse(await follow.line(/NowInCall/));
    expect(line).toMatchObject({ seq: 4, event: { event: 'NowInCall', data: { URN: '1003' } } });
    follow.proc.kill('SIGTERM');
    await follow.exited;
    // The daemon carries on after its follower went away.
    const after = await w.aapi(['status'], { env });
    expect(after.code, after.stderr).toBe(0);
    expect(json(after).state).toBe('InCall');
  }, 60_000);

  it('reads the log on disk when no session runs', async () => {
    const { env } = await waiting('disk');
    expect((await w.aapi(['wait', 'NowWaiting'], { env })).code).toBe(0);
    expect((await w.aapi(['logout'], { env })).code).toBe(0);
    const r = await w.aapi(['events'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(names(r.stdout)).toEqual(expect.arrayContaining(['NowUnavailable', 'NowAvailable', 'NowWaiting']));
  }, 60_000);
});

describe('aapi wait', () => {
  it('go-available && wait NowWaiting finds the event even though it arrived before wait started', async () => {
    const { env } = await waiting('early');
    // Make sure the event is already recorded before `wait` starts.
    expect(await until(async () => names((await w.aapi(['events'], { env })).stdout).includes('NowWaiting'), 10_000)).toBe(true);
    const r = await w.aapi(['wait', 'NowWaiting', '--timeout', '20s'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ event: 'NowWaiting' });
    // That event is consumed: a second wait for it finds none and times out with exit 4.
    const again = await w.aapi(['wait', 'NowWaiting', '--timeout', '1s'], { env });
    expect(again.code).toBe(4);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/timed out/);
  }, 60_000);

  it('skips an event recorded before the previous command was sent, and finds one recorded after it', async () => {
    const { control, env } = await waiting('mark');
    // go-available made NowAvailable and NowWaiting; once both are recorded, any command moves the mark past them.
    expect(await until(async () => names((await w.aapi(['events'], { env })).stdout).includes('NowWaiting'), 10_000)).toBe(true);
    expect((await w.aapi(['get-tenants'], { env })).code).toBe(0);
    const stale = await w.aapi(['wait', 'NowWaiting', '--timeout', '1s'], { env });
    expect(stale.code, stale.stdout).toBe(4);
    // The mark follows each command: the NowUnavailable made by go-unavailable is found.
    expect((await w.aapi(['go-unavailable'], { env })).code).toBe(0);
    const fresh = await w.aapi(['wait', 'NowUnavailable', '--timeout', '20s'], { env });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(json(fresh)).toMatchObject({ event: 'NowUnavailable' });
    expect((await control.state()).agents.demo.state).toBe('Unavailable');
  }, 60_000);

  it('wait NowInCall --where data.URN=1001 skips a call that does not match', async () => {
    const { control, env } = await waiting('where');
    // The first call is 1002: dispositioned, then 1001 is presented.
    await control.post('presentCall', { agent: 'demo', urn: '1002' });
    const first = await w.aapi(['wait', 'NowInCall', '--where', 'data.URN=1002'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect((await w.aapi(['start-wrap'], { env })).code).toBe(0);
    expect((await w.aapi(['disposition', '--outcome', '1'], { env })).code).toBe(0);
    expect((await w.aapi(['wait', 'NowWaiting'], { env })).code).toBe(0);
    // A wait running while a call that does not match arrives returns only the matching one.
    const waiter = w.start(['wait', 'NowInCall', '--where', 'data.URN=1001', '--where', 'sessionIndex=0', '--timeout', '20s'], env);
    await control.post('presentCall', { agent: 'demo', urn: '1004' });
    expect((await w.aapi(['start-wrap'], { env })).code).toBe(0);
    expect((await w.aapi(['disposition', '--outcome', '1'], { env })).code).toBe(0);
    await until(async () => (await control.state()).agents.demo.state === 'Waiting', 10_000);
    await control.post('presentCall', { agent: 'demo', urn: '1001' });
    expect(await waiter.exited).toBe(0);
    const event = JSON.parse(waiter.stdout);
    expect(event).toMatchObject({ event: 'NowInCall', sessionIndex: 0, data: { URN: '1001', Name: 'Jo Bloggs' } });
  }, 90_000);

  it('times out with exit 4 when no matching event arrives', async () => {
    const { env } = await waiting('timeout');
    const r = await w.aapi(['wait', 'NowInCall', '--timeout', '1s'], { env });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/timed out after 1000 ms waiting for NowInCall/);
    const bad = await w.aapi(['wait', 'NowInKall'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean "NowInCall"/);
  }, 60_000);

  it('takes ChatMessage as the alias of ChatReceived (ERRATA 5)', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'chat', tenant: 'demo' })).code).toBe(0);
    const env = { AAPI_PROFILE: 'chat' };
    expect((await w.aapi(['go-available', '--interactive', '1'], { env })).code).toBe(0);
    await until(async () => (await control.state()).agents.demo.state === 'Waiting', 10_000);
    const chat = await control.post('chat', { agent: 'demo', message: 'Hello there' });
    const r = await w.aapi(['wait', 'ChatMessage', '--where', 'message=Hello there'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ event: 'ChatReceived', message: 'Hello there', sessionIndex: chat.sessionIndex, direction: 'CustomerToAgent' });
    // Lower case works as well.
    await control.post('chat', { agent: 'demo', message: 'Again', sessionIndex: chat.sessionIndex });
    const lower = await w.aapi(['wait', 'chatmessage'], { env });
    expect(lower.code, lower.stderr).toBe(0);
    expect(json(lower)).toMatchObject({ event: 'ChatReceived', message: 'Again' });
  }, 60_000);
});
