import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { wait } from '../../src/cli/commands/session.js';
import { send } from '../../src/cli/commands/verb.js';
import { CliError, EXIT } from '../../src/util/exit.js';
import type { CommandEnv } from '../../src/cli/main.js';
import { Printer } from '../../src/cli/output.js';
import type { DaemonContext } from '../../src/daemon/context.js';
import type { Json } from '../../src/protocol/codec.js';
import { EventLog } from '../../src/session/event-log.js';

// The daemon's wait mark, in-process: `aapi wait` looks only at the events recorded after this
// profile's previous command was sent (so `aapi go-available && aapi wait NowWaiting` never misses
// a fast event, nor takes a stale one), and moves the mark past each event it returns.

const dir = mkdtempSync(join(tmpdir(), 'aapi-wait-mark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function daemon(): { d: DaemonContext; sent: Json[]; timeouts: (number | undefined)[] } {
  const log = new EventLog(join(dir, `events-${++n}.jsonl`));
  const sent: Json[] = [];
  const timeouts: (number | undefined)[] = [];
  const session = { send: async (msg: Json, opts: { timeoutMs?: number }) => (sent.push(msg), timeouts.push(opts.timeoutMs), { Response: 'OK' }) };
  const d = { profile: 'p', log, session, waitMark: log.lastSeq, connection: { state: 'connected', since: new Date().toISOString() } } as unknown as DaemonContext;
  return { d, sent, timeouts };
}

function env(d: DaemonContext, timeoutMs = 200, interrupted = new Promise<void>(() => {}), json = true): { env: CommandEnv; out: () => Json[]; text: () => string } {
  let text = '';
  const io = {
    stdout: new PassThrough().on('data', (c) => (text += c)),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
    tty: { stdin: false, stdout: !json, stderr: false },
    interrupted,
  };
  const e: CommandEnv = { io, daemon: d, profile: 'p', timeoutMs, maxFrameBytes: 1 << 20, opts: { json }, out: new Printer(io, { json, color: false }), code: 0 };
  return { env: e, out: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json), text: () => text };
}

const timedOut = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('the wait mark', () => {
  it('an event recorded before the previous command was sent is not waited for; one after it is, even before wait began', async () => {
    const { d, sent, timeouts } = daemon();
    d.log.append({ event: 'NowWaiting', RID: 1, stale: true });
    const first = env(d, 1234);
    expect(await send({ type: 'GoAvailable' }, first.env, d)).toBe(0);
    expect(sent).toEqual([{ type: 'GoAvailable' }]);
    expect(timeouts).toEqual([1234]);
    expect(d.waitMark).toBe(1);
    d.log.append({ event: 'NowWaiting', RID: 2 });
    const w = env(d);
    expect(await wait(w.env, 'NowWaiting', [])).toBe(0);
    expect(w.out()).toEqual([{ event: 'NowWaiting', RID: 2 }]);
  });

  it('moves past the event returned: a second wait takes the next one, not the same again', async () => {
    const { d } = daemon();
    await send({ type: 'GoAvailable' }, env(d).env, d);
    d.log.append({ event: 'NowWaiting', RID: 1 });
    d.log.append({ event: 'NowAvailable', RID: 2 });
    d.log.append({ event: 'NowWaiting', RID: 3 });
    const a = env(d);
    await wait(a.env, 'NowWaiting', []);
    expect(d.waitMark).toBe(1);
    const b = env(d);
    await wait(b.env, 'NowWaiting', []);
    expect(d.waitMark).toBe(3);
    expect([...a.out(), ...b.out()].map((e) => e.RID)).toEqual([1, 3]);
    // Only the returned event moves it: the NowAvailable between was passed over, and is now behind the mark.
    await expect(wait(env(d, 30).env, 'NowAvailable', [])).rejects.toMatchObject({ exitCode: EXIT.timeout });
  });

  it('the next command sent moves the mark to the last event recorded, whatever wait returned', async () => {
    const { d } = daemon();
    d.log.append({ event: 'NowWaiting', RID: 1 });
    d.log.append({ event: 'NowWaiting', RID: 2 });
    await send({ type: 'GoAvailable' }, env(d).env, d);
    expect(d.waitMark).toBe(2);
  });

  it('waits for an event still to come, recorded after wait began', async () => {
    const { d } = daemon();
    const w = env(d, 2000);
    const waiting = wait(w.env, 'NowInCall', []);
    setTimeout(() => {
      d.log.append({ event: 'NowWaiting', RID: 1 });
      d.log.append({ event: 'NowInCall', RID: 2 });
    }, 30);
    expect(await waiting).toBe(0);
    expect(w.out()).toEqual([{ event: 'NowInCall', RID: 2 }]);
    expect(d.waitMark).toBe(2);
  });

  it('--where: every condition must hold, dotted paths into nested objects, compared as text', async () => {
    const { d } = daemon();
    d.log.append({ event: 'NowInCall', RID: 1, sessionIndex: 1, data: { URN: 7 } });
    d.log.append({ event: 'NowInCall', RID: 2, sessionIndex: 0, data: { URN: 8 } });
    d.log.append({ event: 'NowInCall', RID: 3, sessionIndex: 0, data: { URN: 7 } });
    const w = env(d);
    await wait(w.env, 'NowInCall', ['sessionIndex=0', 'data.URN=7']);
    expect(w.out().map((e) => e.RID)).toEqual([3]);
    await expect(wait(env(d, 30).env, 'NowInCall', ['data.URN.deeper=7'])).rejects.toMatchObject({ exitCode: EXIT.timeout });
    // A path through null or through a string finds nothing there (and does not crash).
    d.log.append({ event: 'NowWaiting', RID: 4, data: null, name: 'abc' });
    await expect(wait(env(d, 30).env, 'NowWaiting', ['data.URN=7'])).rejects.toMatchObject({ exitCode: EXIT.timeout });
    await expect(wait(env(d, 30).env, 'NowWaiting', ['name.0=a'])).rejects.toMatchObject({ exitCode: EXIT.timeout });
    // KEY=VALUE needs a key: "=7" is bad usage, nothing is waited for.
    await expect(wait(env(d, 30).env, 'NowWaiting', ['=7'])).rejects.toMatchObject({ exitCode: EXIT.usage, message: expect.stringMatching(/--where takes KEY=VALUE.*"=7"/) });
  });

  it('for a person, prints the event under its name and number', async () => {
    const { d } = daemon();
    d.log.append({ event: 'NowWaiting', RID: 1, sessionIndex: 0 });
    const w = env(d, 200, undefined, false);
    await wait(w.env, 'NowWaiting', []);
    expect(w.text()).toBe('NowWaiting (#1)\n  event: NowWaiting\n  RID: 1\n  sessionIndex: 0\n');
  });

  it('times out with exit 4, leaving the mark where it was', async () => {
    const { d } = daemon();
    d.log.append({ event: 'NowAvailable', RID: 1 });
    const t0 = Date.now();
    const err = await timedOut(wait(env(d, 80).env, 'NowWaiting', []));
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(EXIT.timeout);
    expect((err as Error).message).toBe('timed out after 80 ms waiting for NowWaiting');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    expect(d.waitMark).toBe(0);
    // An event of another kind recorded meanwhile does not end the wait either.
    const waiting = timedOut(wait(env(d, 80).env, 'NowWaiting', []));
    d.log.append({ event: 'NowAvailable', RID: 2 });
    expect(await waiting).toMatchObject({ exitCode: EXIT.timeout });
  });

  it('a timeout with --where names the events of that name that did arrive and their values there, and a match before the mark', async () => {
    const { d } = daemon();
    d.log.append({ event: 'NowInCall', RID: 1, data: { URN: '1001' } });
    await send({ type: 'GoAvailable' }, env(d).env, d);
    d.log.append({ event: 'NowWaiting', RID: 2 });
    d.log.append({ event: 'NowInCall', RID: 3, data: { URN: '1002' } });
    d.log.append({ event: 'NowInCall', RID: 4, sessionIndex: 1 });
    const err = await timedOut(wait(env(d, 30).env, 'NowInCall', ['data.URN=1001']));
    expect(err).toMatchObject({ exitCode: EXIT.timeout });
    expect((err as Error).message).toBe('timed out after 30 ms waiting for NowInCall with data.URN=1001; 2 NowInCall arrived: #3 data.URN=1002, #4 data.URN=(absent); '
      + '#1 matched, but before the previous command (wait sees only later events)');
    const none = await timedOut(wait(env(d, 30).env, 'NowCalling', ['sessionIndex=0', 'tel=1']));
    expect((none as Error).message).toBe('timed out after 30 ms waiting for NowCalling with sessionIndex=0 and tel=1; no NowCalling arrived after the previous command');
  });

  it('an interruption ends the wait at once, as a timeout', async () => {
    const { d } = daemon();
    let stop!: () => void;
    const interrupted = new Promise<void>((r) => (stop = r));
    const t0 = Date.now();
    const waiting = timedOut(wait(env(d, 5000, interrupted).env, 'NowWaiting', []));
    setTimeout(stop, 20);
    expect(await waiting).toMatchObject({ exitCode: EXIT.timeout });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('knows an event by any of its names (ChatMessage for ChatReceived), and refuses an unknown one', async () => {
    const { d } = daemon();
    d.log.append({ event: 'ChatReceived', RID: 1 });
    const w = env(d);
    await wait(w.env, 'ChatMessage', []);
    expect(w.out().map((e) => e.RID)).toEqual([1]);
    await expect(wait(env(d).env, 'NowWaitingX', [])).rejects.toMatchObject({ exitCode: EXIT.usage, message: 'unknown event "NowWaitingX"; did you mean "NowWaiting"?' });
    await expect(wait(env(d).env, 'ChatMess', [])).rejects.toMatchObject({ message: 'unknown event "ChatMess"; did you mean "ChatMessage"?' });
    await expect(wait(env(d).env, 'NowWaiting', ['nokey'])).rejects.toMatchObject({ exitCode: EXIT.usage });
  });
});
