import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { accept } from '../../src/daemon/accept.js';
import { LineReader, line, MAX_LINE, nonce, PROTOCOL, proofOf, proves } from '../../src/daemon/wire.js';

// The socket protocol's one line reader, and the daemon's side of a connection (accept) against
// what a stray or hostile client may write: every line gets an answer or a close, never a throw.

const dir = mkdtempSync(join(tmpdir(), 'aapi-wire-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: Server[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('LineReader', () => {
  it('gives the whole lines of each chunk together, a line split across chunks once whole', () => {
    const got: string[][] = [];
    const r = new LineReader((lines) => got.push(lines), () => got.push(['TOO LONG']));
    r.push('a\nb');
    r.push('c\nd\ne\n');
    r.push('');
    r.push('f');
    r.push('\n');
    expect(got).toEqual([['a'], ['bc', 'd', 'e'], ['f']]);
  });

  it('refuses a line longer than its limit, whether it ends in the chunk or not, and reads nothing after', () => {
    const events: string[] = [];
    const r = new LineReader((lines) => events.push(...lines), () => events.push('too long'), 10);
    r.push('short\n0123456789X\nlater\n');
    r.push('more\n');
    expect(events).toEqual(['short', 'too long']);
    const s: string[] = [];
    const r2 = new LineReader((lines) => s.push(...lines), () => s.push('too long'), 10);
    r2.push('01234');
    r2.push('56789');
    expect(s).toEqual([]);
    r2.push('X');
    expect(s).toEqual(['too long']);
  });

  it('scans each byte once: a 20 MB line in 64 KB chunks is refused at the limit, quickly and without keeping it', () => {
    let tooLong = 0;
    const r = new LineReader(() => {}, () => tooLong++);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 320; i++) r.push(chunk);
    expect(tooLong).toBe(1);
  });
});

const SECRET = 'the-secret';
const INSTANCE = 'inst';

/** A daemon side on a fresh socket; `calls` gets each call it served, `faults` each handler failure. */
async function daemon(onCall: (s: Socket) => void = (s) => s.end(line({ x: 0 }))) {
  const path = join(dir, `w${servers.length}.sock`);
  const calls: unknown[] = [];
  const faults: unknown[] = [];
  const server = createServer((socket) =>
    accept(socket, SECRET, INSTANCE, {
      call: (_profile, c, s) => {
        calls.push(c);
        onCall(s);
      },
      pipe: () => () => {},
      start: () => {},
      batch: () => () => {},
    }, (err) => faults.push(err)),
  );
  servers.push(server);
  await new Promise<void>((r) => server.listen(path, () => r()));
  return { path, calls, faults };
}

/** A raw client: what it was sent, and whether the daemon closed the connection. */
async function raw(path: string) {
  const socket = connect(path);
  clients.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, closed, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('accept', () => {
  it('the whole handshake: a welcome proving the secret, then the call served once the client proves it too', async () => {
    const d = await daemon();
    const c = await raw(d.path);
    const mine = nonce();
    c.socket.write(line({ hello: 'aapi', v: PROTOCOL, nonce: mine }));
    await expect.poll(() => c.lines().length).toBe(1);
    const welcome = c.lines()[0];
    expect(welcome).toMatchObject({ welcome: 'aapi', v: PROTOCOL, instance: INSTANCE });
    expect(proves(SECRET, 'server', mine, welcome.proof)).toBe(true);
    const call = { argv: ['status'], env: {}, cwd: '/', tty: { stdin: false, stdout: false, stderr: false } };
    c.socket.write(line({ proof: proofOf(SECRET, 'client', String(welcome.nonce)), profile: 'p', call }));
    await c.closed;
    expect(c.lines()[1]).toEqual({ x: 0 });
    expect(d.calls).toEqual([call]);
  });

  it.each([
    ['null', 'null\n', 'not an aapi hello'],
    ['garbage', 'GET / HTTP/1.1\r\n', 'not an aapi hello'],
    ['an array', '[1,2]\n', 'not an aapi hello'],
    ['another version', `${JSON.stringify({ hello: 'aapi', v: PROTOCOL + 7, nonce: nonce() })}\n`, 'version'],
    ['a missing nonce', `${JSON.stringify({ hello: 'aapi', v: PROTOCOL })}\n`, 'a nonce of 16 to 64 characters is needed'],
  ])('refuses %s as the first line, with an answer, and closes', async (_what, first, refused) => {
    const d = await daemon();
    const c = await raw(d.path);
    c.socket.write(first);
    await c.closed;
    expect(c.lines()).toEqual([refused === 'version' ? { refused, v: PROTOCOL } : { refused }]);
    expect(d.calls).toEqual([]);
    expect(d.faults).toEqual([]);
  });

  it('refuses a client whose proof is wrong: nothing is run', async () => {
    const d = await daemon();
    const c = await raw(d.path);
    c.socket.write(line({ hello: 'aapi', v: PROTOCOL, nonce: nonce() }));
    await expect.poll(() => c.lines().length).toBe(1);
    c.socket.write(line({ proof: proofOf('a guess', 'client', String(c.lines()[0].nonce)), profile: 'p', call: { argv: ['logout'], env: {}, cwd: '/', tty: {} } }));
    await c.closed;
    expect(c.lines()[1]).toEqual({ refused: 'the client did not prove it knows the secret' });
    expect(d.calls).toEqual([]);
  });

  it('a line over the limit gets an answer and a close, however it arrives', async () => {
    const d = await daemon();
    const c = await raw(d.path);
    const chunk = 'y'.repeat(256 * 1024);
    for (let i = 0; i * chunk.length <= MAX_LINE + chunk.length && !c.socket.destroyed; i++) c.socket.write(chunk);
    await c.closed;
    expect(c.lines()).toEqual([{ refused: `a line longer than ${MAX_LINE} characters` }]);
  });

  it('a call whose handler throws is a fault reported to the daemon, and the connection is closed with an answer', async () => {
    const d = await daemon(() => {
      throw new Error('a bug');
    });
    const c = await raw(d.path);
    c.socket.write(line({ hello: 'aapi', v: PROTOCOL, nonce: nonce() }));
    await expect.poll(() => c.lines().length).toBe(1);
    c.socket.write(line({ proof: proofOf(SECRET, 'client', String(c.lines()[0].nonce)), profile: 'p', call: { argv: [], env: {}, cwd: '/', tty: {} } }));
    await c.closed;
    expect(c.lines()[1]).toEqual({ refused: 'the daemon failed on this request' });
    expect(d.faults.map((e) => (e as Error).message)).toEqual(['a bug']);
  });
});
