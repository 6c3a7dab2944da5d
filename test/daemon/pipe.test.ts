import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { accept } from '../../src/daemon/accept.js';
import { profilePaths, type ProfilePaths } from '../../src/daemon/paths.js';
import { line, nonce, PROTOCOL, proofOf, proves } from '../../src/daemon/wire.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DaemonContext } from '../../src/daemon/context.js';
import { errorKind, servePipe } from '../../src/daemon/pipe.js';
import { DaemonPipe, PipeError } from '../../src/daemon/pipe-client.js';
import type { Json } from '../../src/protocol/codec.js';
import { AapiError, ConnectFailed, ConnectionLost, RequestTimeout, SessionClosed } from '../../src/session/errors.js';
import { EventLog } from '../../src/session/event-log.js';

// The daemon's request pipe, both ends in-process: each request answered by id as its answer
// comes, and each failure carried with its kind, which the batch runner turns into the row's fate
// ('lost' and 'timeout': outcome unknown, never resent; 'closed': not sent; 'aapi': the server's error).

const dir = mkdtempSync(join(tmpdir(), 'aapi-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const servers: Server[] = [];
const pipes: DaemonPipe[] = [];
afterEach(async () => {
  for (const p of pipes.splice(0)) p.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

type Answer = (msg: Json) => Promise<Json>;

/** A daemon socket serving only the pipe, over a fake session whose answers `answer` decides. */
async function daemonWith(answer: Answer) {
  const paths = privatePaths(`d${++n}`);
  const sent: { msgs: Json[]; timeoutMs: number | undefined }[] = [];
  const log = new EventLog(join(dir, `events-${n}.jsonl`));
  const context = {
    log,
    session: {
      sendAll(msgs: Json[], opts: { timeoutMs?: number }) {
        sent.push({ msgs, timeoutMs: opts.timeoutMs });
        return msgs.map((m) => answer(m));
      },
    },
  } as unknown as DaemonContext;
  const sockets: Socket[] = [];
  const record = { v: PROTOCOL, pid: process.pid, instance: `i${n}`, socket: paths.socket, secret: `secret-${n}`, startBy: 0 };
  writeFileSync(paths.lock, JSON.stringify(record), { mode: 0o600 });
  const server = createServer((socket) => {
    sockets.push(socket);
    accept(socket, record.secret, record.instance, {
      call: () => socket.destroy(),
      pipe: (_profile, p, sock) => servePipe(sock, context, p.timeoutMs, p.events),
      start: () => socket.destroy(),
      batch: () => () => socket.destroy(),
    }, (err) => {
      throw err;
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(paths.socket, () => r()));
  return { paths, sent, log, sockets, server };
}

/** A profile's paths in a run directory of this test's own (0700, as the daemon makes it). */
function privatePaths(name: string): ProfilePaths {
  const runDir = join(dir, `run-${name}`);
  mkdirSync(runDir, { mode: 0o700 });
  return { ...profilePaths(name, { AAPI_HOME: dir }), runDir, socket: join(runDir, 's.sock'), lock: join(runDir, 's.lock') };
}

async function openPipe(paths: ProfilePaths, timeoutMs = 1000, onEvent?: (e: Json) => void): Promise<DaemonPipe> {
  const pipe = await DaemonPipe.open(paths, timeoutMs, onEvent);
  expect(pipe).toBeDefined();
  pipes.push(pipe!);
  return pipe!;
}

describe('errorKind', () => {
  it('names each failure of a request for the batch runner', () => {
    const response = { Response: 'ERROR', RID: 1, ErrorNumber: 320 };
    expect(errorKind(new AapiError(response))).toEqual({ kind: 'aapi', message: new AapiError(response).message, response });
    expect(errorKind(new ConnectionLost('RunQuery'))).toEqual({ kind: 'lost', message: 'connection lost while RunQuery was in flight: outcome unknown' });
    expect(errorKind(new RequestTimeout('RunQuery', 5))).toEqual({ kind: 'timeout', message: 'no answer to RunQuery within 5 ms' });
    expect(errorKind(new ConnectFailed('still reconnecting'))).toEqual({ kind: 'closed', message: 'still reconnecting' });
    expect(errorKind(new SessionClosed('logged off'))).toEqual({ kind: 'closed', message: 'logged off' });
    expect(errorKind(new Error('other'))).toEqual({ kind: 'closed', message: 'other' });
    expect(errorKind('a string')).toEqual({ kind: 'closed', message: 'a string' });
  });
});

describe('the request pipe', () => {
  it('answers each request by its id, in the order the answers come, not the order asked', async () => {
    const later: Record<string, (r: Json) => void> = {};
    const d = await daemonWith((m) => new Promise((resolve) => (later[String(m.URN)] = resolve)));
    const pipe = await openPipe(d.paths, 1234);
    const a = pipe.request({ type: 'RunQuery', URN: 'a' });
    const b = pipe.request({ type: 'RunQuery', URN: 'b' });
    await expect.poll(() => Object.keys(later).length).toBe(2);
    expect(pipe.inFlight).toBe(2);
    later.b({ Response: 'OK', who: 'b' });
    expect(await b).toEqual({ Response: 'OK', who: 'b' });
    expect(pipe.inFlight).toBe(1);
    later.a({ Response: 'OK', who: 'a' });
    expect(await a).toEqual({ Response: 'OK', who: 'a' });
    expect(pipe.inFlight).toBe(0);
    // The requests of one turn went to the session together, with the pipe's timeout.
    expect(d.sent).toEqual([{ msgs: [{ type: 'RunQuery', URN: 'a' }, { type: 'RunQuery', URN: 'b' }], timeoutMs: 1234 }]);
  });

  it('carries each failure\'s kind, message and server response to the caller', async () => {
    const response = { Response: 'ERROR', RID: 9, ErrorNumber: 220, ErrorMessage: 'limit' };
    const d = await daemonWith(async (m) => {
      switch (m.fate) {
        case 'aapi': throw new AapiError(response);
        case 'lost': throw new ConnectionLost('RunQuery');
        case 'timeout': throw new RequestTimeout('RunQuery', 10);
        default: throw new SessionClosed('the session was closed');
      }
    });
    const pipe = await openPipe(d.paths);
    const fates = await Promise.all(['aapi', 'lost', 'timeout', 'closed'].map((fate) => pipe.request({ type: 'RunQuery', fate }).catch((e: unknown) => e)));
    for (const f of fates) expect(f).toBeInstanceOf(PipeError);
    expect(fates.map((f) => (f as PipeError).kind)).toEqual(['aapi', 'lost', 'timeout', 'closed']);
    expect((fates[0] as PipeError).response).toEqual(response);
    expect((fates[1] as PipeError).message).toBe('connection lost while RunQuery was in flight: outcome unknown');
    expect((fates[3] as PipeError).response).toBeUndefined();
  });

  it('takes requests split across reads and several in one read; a line that is not a request closes the pipe, unanswered', async () => {
    const d = await daemonWith(async (m) => ({ Response: 'OK', echo: m.n }));
    // A raw client, to write the pipe's lines as it pleases, after the handshake.
    const raw = connect(d.paths.socket);
    raw.setEncoding('utf8');
    let replies = '';
    raw.on('data', (c: string) => (replies += c));
    await new Promise<void>((r) => raw.once('connect', () => r()));
    const mine = nonce();
    raw.write(line({ hello: 'aapi', v: PROTOCOL, nonce: mine }));
    await expect.poll(() => replies.includes('\n')).toBe(true);
    const welcome = JSON.parse(replies) as { nonce: string; proof: string };
    expect(proves(`secret-${n}`, 'server', mine, welcome.proof)).toBe(true);
    replies = '';
    raw.write(`${JSON.stringify({ proof: proofOf(`secret-${n}`, 'client', welcome.nonce), profile: 'p', pipe: { timeoutMs: 1000, events: false } })}\n{"id":1,"msg":{"type":"RunQuery","n":1}}\n{"id":2,"msg":{"type":"RunQuery",`);
    await expect.poll(() => replies).toBe('{"ready":true}\n{"id":1,"ok":{"Response":"OK","echo":1}}\n');
    replies = replies.slice(replies.indexOf('\n') + 1);
    raw.write('"n":2}}\n{"id":3,"msg":{"type":"RunQuery","n":3}}\n');
    await expect.poll(() => replies.split('\n').filter(Boolean).length).toBe(3);
    expect(replies.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([
      { id: 1, ok: { Response: 'OK', echo: 1 } },
      { id: 2, ok: { Response: 'OK', echo: 2 } },
      { id: 3, ok: { Response: 'OK', echo: 3 } },
    ]);
    // The answers of one turn left in one write; the two requests of the second read went together.
    expect(d.sent.map((x) => x.msgs.map((m) => m.n))).toEqual([[1], [2, 3]]);
    const closed = new Promise<void>((r) => raw.once('close', () => r()));
    raw.write('{"id":4,"msg":{"type":"RunQuery","n":4}}\nnot json\n');
    await closed;
    expect(replies.split('\n').filter(Boolean).slice(3).map((l) => JSON.parse(l))).toEqual([{ refused: 'not a request {id, msg}: not json' }]);
    expect(d.sent).toHaveLength(2);
  });

  it('with events, sends every event the daemon records down the pipe, until the pipe closes', async () => {
    const d = await daemonWith(async () => ({ Response: 'OK' }));
    const events: Json[] = [];
    const pipe = await openPipe(d.paths, 1000, (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 20));
    d.log.append({ event: 'NowAvailable', RID: 1, Password: 'p' });
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toEqual({ event: 'NowAvailable', RID: 1, Password: '[Masked]' });
    // Requests still work beside the events.
    expect(await pipe.request({ type: 'GetTenants' })).toEqual({ Response: 'OK' });
    pipe.close();
    await expect.poll(() => d.sockets[0].destroyed).toBe(true);
    d.log.append({ event: 'NowWaiting' }); // nobody follows now: nothing is written to a closed socket
    expect(events).toHaveLength(1);
  });

  it('without events, sends none', async () => {
    const d = await daemonWith(async () => ({ Response: 'OK' }));
    const pipe = await openPipe(d.paths);
    await new Promise((r) => setTimeout(r, 20));
    d.log.append({ event: 'NowAvailable', RID: 1 });
    expect(await pipe.request({ type: 'GetTenants' })).toEqual({ Response: 'OK' });
  });

  it('when the daemon goes away: what was in flight fails as lost (outcome unknown), what comes after as closed (not sent)', async () => {
    const d = await daemonWith(() => new Promise(() => {}));
    const pipe = await openPipe(d.paths);
    let closed = 0;
    pipe.onClose = () => closed++;
    const inFlight = pipe.request({ type: 'RunQuery' }).catch((e: unknown) => e);
    await expect.poll(() => d.sent.length).toBe(1);
    d.sockets[0].destroy();
    const err = (await inFlight) as PipeError;
    expect(err).toBeInstanceOf(PipeError);
    expect(err.kind).toBe('lost');
    expect(err.message).toBe('the session daemon went away');
    expect(closed).toBe(1);
    expect(pipe.inFlight).toBe(0);
    const after = (await pipe.request({ type: 'RunQuery' }).catch((e: unknown) => e)) as PipeError;
    expect(after.kind).toBe('closed');
    expect(d.sent).toHaveLength(1);
  });

  it('opening a pipe where no daemon listens gives undefined', async () => {
    expect(await DaemonPipe.open(privatePaths('nobody'), 1000)).toBeUndefined();
  });
});
