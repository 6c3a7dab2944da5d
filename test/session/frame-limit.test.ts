import { afterEach, describe, expect, it } from 'vitest';
import { AapiError, DEFAULT_MAX_FRAME_BYTES, FrameTooLarge } from '../../src/session/errors.js';
import { Session } from '../../src/session/session.js';
import type { Simulator } from '../../src/sim/server.js';
import { startTestSim } from '../helpers/client.js';

// The client's own frame limit: a request over it is refused before anything is sent, as a typed
// error; one under it but over the simulator's 256 KiB is answered by the simulator, with its RID.

let sim: Simulator | undefined;
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await sim?.close();
  sim = undefined;
});

async function open(maxFrameBytes?: number): Promise<Session> {
  sim = await startTestSim();
  const s = await Session.open({ url: sim.url, agent: 'demo', password: 'demo', extension: '8600001', timeoutMs: 5000, reconnect: false, maxFrameBytes });
  sessions.push(s);
  return s;
}

const reason = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('the frame limit', () => {
  it('is 1 MiB by default: a 2 MB value is refused with FrameTooLarge, nothing sent', async () => {
    const s = await open();
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(1024 * 1024);
    const err = await reason(s.request('GetRecord', { URN: 'x'.repeat(2_000_000) }));
    expect(err).toBeInstanceOf(FrameTooLarge);
    expect((err as Error).message).toMatch(/^request is 200\d{4} bytes, over the 1 MiB frame limit \(--max-frame\)$/);
    const raw = await reason(s.send({ type: 'GetRecord', URN: 'é'.repeat(600_000) }));
    expect(raw).toBeInstanceOf(FrameTooLarge);
    expect((raw as FrameTooLarge).bytes).toBeGreaterThan(1_200_000); // UTF-8 bytes, not characters
    expect(sim!.dialler.received.GetRecord).toBe(0);
    // The session goes on.
    expect(await s.request('GetRecord', { URN: '1001' })).toMatchObject({ data: expect.any(Object) });
  });

  it('is the session\'s option, and each request may set its own', async () => {
    const s = await open(64 * 1024);
    expect(await reason(s.request('GetRecord', { URN: 'x'.repeat(100_000) }))).toMatchObject({ bytes: expect.any(Number), limit: 65536 });
    expect(((await reason(s.request('GetRecord', { URN: 'x'.repeat(100_000) }))) as Error).message).toContain('over the 64 KiB frame limit');
    // Raised for one request: it goes, and the simulator's own 256 KiB limit answers it by its RID, at once.
    const t0 = performance.now();
    const err = await reason(s.request('GetRecord', { URN: 'x'.repeat(300_000) }, { maxFrameBytes: 4 << 20 }));
    expect(err).toBeInstanceOf(AapiError);
    expect((err as AapiError).errorNumber).toBe(99);
    expect(performance.now() - t0).toBeLessThan(4000);
    expect(sim!.dialler.received.GetRecord).toBe(0); // refused by size, before dispatch
  });
});
