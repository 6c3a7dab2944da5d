import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Json } from '../../src/protocol/codec.js';
import type { Simulator } from '../../src/sim/server.js';
import { Harness, type RawClient } from '../helpers/client.js';

// Hostile and sloppy input: the simulator answers error 99 where it can, keeps the connection, never
// faults internally, and stays up for the next client. Tolerant reading per ERRATA 7 and 17.

const h = new Harness();
afterEach(() => h.cleanup());

let faults: unknown[] = [];
async function world(): Promise<Simulator> {
  faults = [];
  return h.sim({}, {}, { onFault: (err) => faults.push(err) });
}

/** The next frame after `from` that is not an event. */
const nextReply = (c: RawClient, from: number, ms = 5000) => c.waitFor((m) => m.event === undefined, ms, 'a reply', from);

/** A new client can still log in and work. */
async function stillServes(sim: Simulator): Promise<void> {
  const fresh = await h.client(sim.url);
  expect(await fresh.login('demo2')).toMatchObject({ Response: 'OK' });
  expect(await fresh.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
}

describe('malformed frames', () => {
  it('a frame that is not JSON gets 99 with RID 0, and the connection still works', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    const from = c.frames.length;
    c.sendRaw('hello there');
    expect(await nextReply(c, from)).toMatchObject({ Response: 'ERROR', RID: 0, ErrorNumber: 99, ErrorLevel: 'Serious', ErrorMessage: 'Malformed message' });
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    expect(faults).toEqual([]);
  });

  it('an unknown type gets 99 echoing the RID; so does a message without a type', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    const r = await c.request('Frobnicate', {});
    expect(r).toMatchObject({ Response: 'ERROR', ErrorNumber: 99 });
    expect(String(r.ErrorDetail)).toContain('Frobnicate');
    const from = c.frames.length;
    c.send({ RID: 4321, SID: c.sid });
    expect(await nextReply(c, from)).toMatchObject({ RID: 4321, ErrorNumber: 99, ErrorDetail: expect.stringContaining('type') });
    // The type is matched in any case and in its kebab-case spelling.
    expect(await c.request('gettenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(await c.request('get-tenants')).toMatchObject({ tenants: ['demo', 'other'] });
  });

  it('a missing required key or a mistyped one gets 99 with an ErrorDetail naming the key', async () => {
    const sim = await world();
    const c = await h.agent(sim);
    const missing = await c.request('Disposition', { callbackNumber: '' });
    expect(missing).toMatchObject({ Response: 'ERROR', ErrorNumber: 99 });
    expect(String(missing.ErrorDetail)).toMatch(/outcome/);
    const mistyped = await c.request('Disposition', { outcome: 'abc' });
    expect(mistyped).toMatchObject({ ErrorNumber: 99 });
    expect(String(mistyped.ErrorDetail)).toMatch(/outcome/);
    const badData = await c.request('Disposition', { outcome: 1, data: ['a', 'b'] });
    expect(String(badData.ErrorDetail)).toMatch(/data/);
    const badBool = await c.request('TogglePark', { Switch: 'maybe', Who: 'client' });
    expect(String(badBool.ErrorDetail)).toMatch(/Switch/);
    const badChoice = await c.request('TransferOutcome', { Outcome: 'later' });
    expect(String(badChoice.ErrorDetail)).toMatch(/Outcome/);
    // An integer as a digit string and null for a defaulted key are tolerated (ERRATA 7, 10).
    expect(await c.request('GoAvailable', { live: '1', offline: null, interactive: '0' })).toMatchObject({ Response: 'OK' });
    expect(faults).toEqual([]);
  });

  it('a request without a RID gets 99 with RID 0 (a KeepAlive needs none)', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    const from = c.frames.length;
    c.send({ type: 'GetTenants', SID: c.sid });
    const r = await nextReply(c, from);
    expect(r).toMatchObject({ Response: 'ERROR', RID: 0, ErrorNumber: 99 });
    expect(String(r.ErrorDetail)).toMatch(/RID/);
    expect(faults).toEqual([]);
  });

  it('accepts a frame without its outer braces (ERRATA 17)', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    const from = c.frames.length;
    c.sendRaw(`"type":"GetTenants","RID":5,"SID":${c.sid}`);
    expect(await nextReply(c, from)).toEqual({ RID: 5, tenants: ['demo', 'other'] });
  });

  it('accepts RID and SID as decimal strings (ERRATA 7)', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    let from = c.frames.length;
    c.sendRaw('{"type":"Authenticate","RID":"2086132343","Agent":"demo","Password":"demo","extension":"8600001"}');
    const auth = await nextReply(c, from);
    expect(auth).toMatchObject({ Response: 'OK', RID: 2086132343 });
    from = c.frames.length;
    c.sendRaw(`{"type":"GetTenants","RID":"7","SID":"${auth.SID}"}`);
    expect(await nextReply(c, from)).toEqual({ RID: 7, tenants: ['demo', 'other'] });
  });
});

describe('hostile frames', () => {
  it('a frame over 256 KiB, and one of 2 MB, get 99 with their own RID; the connection still works', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    for (const size of [256 * 1024 + 1, 2 * 1024 * 1024]) {
      const from = c.frames.length;
      const head = `{"type":"GetTenants","RID":11,"SID":${c.sid},"pad":"`;
      c.sendRaw(`${head}${'x'.repeat(size - head.length - 2)}"}`);
      const r = await nextReply(c, from);
      expect(r).toMatchObject({ Response: 'ERROR', RID: 11, ErrorNumber: 99 });
      expect(String(r.ErrorDetail)).toMatch(/limit/);
    }
    // One that is not JSON has no RID to read: RID 0.
    const from = c.frames.length;
    c.sendRaw(`[${'x'.repeat(256 * 1024)}`);
    expect(await nextReply(c, from)).toMatchObject({ Response: 'ERROR', RID: 0, ErrorNumber: 99 });
    // Just under the limit is fine.
    const head = `{"type":"GetTenants","RID":12,"SID":${c.sid},"pad":"`;
    const under = c.frames.length;
    c.sendRaw(`${head}${'x'.repeat(256 * 1024 - head.length - 2)}"}`);
    expect(await nextReply(c, under)).toEqual({ RID: 12, tenants: ['demo', 'other'] });
    expect(faults).toEqual([]);
  });

  it('a frame past the socket limit closes only that connection', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    c.sendRaw(`{"pad":"${'y'.repeat(5 * 1024 * 1024)}"}`);
    expect(await c.closed).toBe(1009);
    await stillServes(sim);
  });

  it('binary frames, arrays, null, scalars and an empty frame get 99', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    const cases: (string | Buffer)[] = [randomBytes(64), Buffer.from([0xff, 0xfe, 0x00, 0x7b]), '[1,2,3]', '[{"type":"GetTenants","RID":1}]', 'null', '42', '"GetTenants"', 'true', '', '   ', '{', '{"type":"GetTenants",}'];
    for (const frame of cases) {
      const from = c.frames.length;
      c.ws.send(frame);
      expect(await nextReply(c, from), `frame ${JSON.stringify(frame.toString())}`).toMatchObject({ Response: 'ERROR', RID: 0, ErrorNumber: 99 });
    }
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    expect(faults).toEqual([]);
  });

  it('deeply nested JSON gets 99 (with its RID where it has one), without an internal fault', async () => {
    const sim = await world();
    const c = await h.agent(sim);
    const depth = 100_000;
    const deepArray = '['.repeat(depth) + ']'.repeat(depth);
    const deepObject = '{"a":'.repeat(40_000) + '1' + '}'.repeat(40_000); // just under 256 KiB
    let from = c.frames.length;
    c.sendRaw(deepArray);
    expect(await nextReply(c, from)).toMatchObject({ RID: 0, ErrorNumber: 99 });
    from = c.frames.length;
    c.sendRaw(`{"type":"Disposition","RID":21,"SID":${c.sid},"outcome":1,"data":${deepArray}}`);
    const r1 = await nextReply(c, from);
    expect(r1).toMatchObject({ RID: 21, ErrorNumber: 99 });
    expect(String(r1.ErrorDetail)).toMatch(/data/);
    from = c.frames.length;
    c.sendRaw(`{"type":"Disposition","RID":22,"SID":${c.sid},"outcome":1,"data":{"x":${deepObject}}}`);
    const r2 = await nextReply(c, from);
    expect(r2).toMatchObject({ RID: 22, ErrorNumber: 99 });
    expect(String(r2.ErrorDetail)).toMatch(/data/);
    from = c.frames.length;
    c.sendRaw(`{"type":"TransferOutcome","RID":23,"SID":${c.sid},"Outcome":${deepObject}}`);
    expect(await nextReply(c, from)).toMatchObject({ RID: 23, ErrorNumber: 99 });
    // A deep value under a key the verb does not read is ignored.
    from = c.frames.length;
    c.sendRaw(`{"type":"GetTenants","RID":24,"SID":${c.sid},"extra":${deepObject}}`);
    expect(await nextReply(c, from)).toEqual({ RID: 24, tenants: ['demo', 'other'] });
    expect(faults).toEqual([]);
    await stillServes(sim);
  });

  it('200 garbage frames in a burst each get 99; the connection and the process carry on', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    const from = c.frames.length;
    for (let i = 0; i < 200; i++) {
      const kind = i % 4;
      c.ws.send(kind === 0 ? randomBytes(1 + (i % 50)) : kind === 1 ? `garbage ${i} }{` : kind === 2 ? `{"type":"Nope${i}","RID":${i + 1}}` : JSON.stringify([i]));
    }
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    const errors = c.framesSince(from).filter((f) => f.Response === 'ERROR');
    expect(errors).toHaveLength(200);
    expect(errors.every((f) => f.ErrorNumber === 99)).toBe(true);
    expect(errors.filter((f) => f.RID !== 0).map((f) => f.RID)).toEqual(Array.from({ length: 50 }, (_, k) => 4 * k + 3));
    await stillServes(sim);
    expect(faults).toEqual([]);
  });
});

describe('requests without a reply', () => {
  it('KeepAlive is never answered: not with a good SID, an unknown one, none, or a RID', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    const from = c.frames.length;
    c.keepAlive();
    c.keepAlive(987654321);
    c.send({ type: 'KeepAlive' });
    c.send({ type: 'KeepAlive', RID: 55, SID: c.sid });
    c.send({ type: 'KeepAlive', SID: 'not a number' });
    await c.request('GetTenants');
    expect(c.framesSince(from)).toEqual([{ RID: expect.any(Number), tenants: ['demo', 'other'] }]);
    expect(sim.control.state().received).toMatchObject({ KeepAlive: 5 });
  });

  it('Acknowledge has no reply on success', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    c.autoAck = false;
    const mark = c.mark;
    await c.request('Connect', { tenant: 'demo', campaign: 'outbound' });
    const ev = await c.event('NowUnavailable', 2000, mark);
    const from = c.frames.length;
    c.ack(ev.RID as number);
    await c.request('GetTenants');
    expect(c.framesSince(from)).toEqual([{ RID: expect.any(Number), tenants: ['demo', 'other'] }]);
    expect((sim.control.state() as { agents: Record<string, { eventsPending: number }> }).agents.demo.eventsPending).toBe(0);
  });
});

describe('robust reading of values', () => {
  it('keys are matched case-insensitively; unknown extra keys are ignored', async () => {
    const sim = await world();
    const c = await h.client(sim.url);
    await c.login();
    const r: Json = await c.request('GetCampaigns', { TENANT: 'demo', colour: 'blue' });
    expect(r).toMatchObject({ campaigns: ['outbound', 'paused'] });
  });
});
