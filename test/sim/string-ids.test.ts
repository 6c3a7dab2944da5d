import { afterEach, describe, expect, it } from 'vitest';
import { FixtureError, mergeFixture } from '../../src/sim/fixture.js';
import { Harness, type RawClient } from '../helpers/client.js';

// ERRATA 7: the spec's Test Client screenshot shows the real dialler answering
// {"Response":"OK","SID":"567678296","RID":"2086132343"}. With the fixture's stringIds the simulator
// writes every RID and SID so; whatever it writes, it reads a request's ids in either form.

const h = new Harness();
afterEach(() => h.cleanup());

/** Sends `msg` as it is and resolves with the answer whose RID has the same digits. */
async function ask(c: RawClient, msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = c.waitFor((m) => m.event === undefined && String(m.RID) === String(msg.RID), 3000, `the answer to ${String(msg.type)}`, c.frames.length);
  c.send(msg);
  return answer;
}

describe('fixture stringIds', () => {
  it('writes RID and SID as decimal strings in answers, errors and events, and takes the acknowledgement in either form', async () => {
    const sim = await h.sim({ presentMs: 60_000 }, { stringIds: true });
    const c = await h.client(sim.url);
    c.autoAck = false;
    const auth = await ask(c, { type: 'Authenticate', RID: 2086132343, Agent: 'demo', Password: 'demo', extension: '8600001' });
    expect(auth).toMatchObject({ Response: 'OK', RID: '2086132343', SID: expect.stringMatching(/^\d+$/) });
    const sid = auth.SID as string;

    // A request may carry the SID as the dialler wrote it, or as the integer it stands for.
    const connected = await ask(c, { type: 'Connect', RID: 11, SID: sid, tenant: 'demo', campaign: 'outbound' });
    expect(connected).toMatchObject({ status: 'Connected', RID: '11' });
    const error = await ask(c, { type: 'Disposition', RID: 12, SID: Number(sid), outcome: 251, data: {} });
    expect(error).toMatchObject({ Response: 'ERROR', RID: '12', ErrorNumber: 320 });

    const unavailable = await c.waitFor((m) => m.event === 'NowUnavailable', 3000, 'NowUnavailable');
    expect(unavailable.RID).toMatch(/^\d+$/);
    await ask(c, { type: 'GoAvailable', RID: 13, SID: sid, live: 1, offline: 0, interactive: 0 });
    // Acknowledged with the RID as it came (a string): the next event follows.
    c.send({ type: 'Acknowledge', SID: sid, RID: unavailable.RID });
    const available = await c.waitFor((m) => m.event === 'NowAvailable', 3000, 'NowAvailable');
    expect(available.RID).toMatch(/^\d+$/);
    // Acknowledged with the integer: the next one follows too.
    c.send({ type: 'Acknowledge', SID: Number(sid), RID: Number(available.RID) });
    const waiting = await c.waitFor((m) => m.event === 'NowWaiting', 3000, 'NowWaiting');
    expect(typeof waiting.RID).toBe('string');
    expect(c.frames.every((f) => typeof f.RID === 'string' && (f.SID === undefined || typeof f.SID === 'string')), JSON.stringify(c.frames)).toBe(true);
  });

  it('is off by default: integers out, and string ids from a client are read all the same', async () => {
    const sim = await h.sim({ presentMs: 60_000 });
    const c = await h.client(sim.url);
    c.autoAck = false;
    const auth = await ask(c, { type: 'Authenticate', RID: '77', Agent: 'demo', Password: 'demo', extension: '8600001' });
    expect(auth).toMatchObject({ Response: 'OK', RID: 77, SID: expect.any(Number) });
    const sid = String(auth.SID);
    expect(await ask(c, { type: 'Connect', RID: '78', SID: sid, tenant: 'demo', campaign: 'outbound' })).toMatchObject({ status: 'Connected', RID: 78 });
    const unavailable = await c.waitFor((m) => m.event === 'NowUnavailable', 3000, 'NowUnavailable');
    expect(typeof unavailable.RID).toBe('number');
    await ask(c, { type: 'GoAvailable', RID: '79', SID: sid, live: 1, offline: 0, interactive: 0 });
    c.send({ type: 'Acknowledge', SID: sid, RID: String(unavailable.RID) });
    await c.waitFor((m) => m.event === 'NowAvailable', 3000, 'NowAvailable');
  });

  it('is true or false in a fixture file', () => {
    expect(mergeFixture({ stringIds: true }).stringIds).toBe(true);
    expect(() => mergeFixture({ stringIds: 'yes' as never })).toThrow(FixtureError);
    expect(() => mergeFixture({ stringIds: 'yes' as never })).toThrow(/stringIds must be true or false, got "yes"/);
  });
});
