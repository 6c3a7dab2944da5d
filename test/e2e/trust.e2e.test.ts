import { chownSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, json, until, World } from '../helpers/e2e.js';
import { missing } from '../helpers/needs.js';

// The trust rules of the session daemon's socket, with the real binary: a run directory or socket
// that is not the user's own is refused before anything is sent, and nothing a client writes on the
// socket (null, a 10 MB line, garbage, a thousand idle connections) stops the daemon answering.

const w = new World('trust');
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await w.cleanup();
}, 60_000);
afterAll(() => w.dispose(), 60_000);

/** A fake daemon listening at `path`: keeps every byte it is sent. */
async function fake(path: string): Promise<string[]> {
  const got: string[] = [];
  const server = createServer((s) => {
    s.setEncoding('utf8');
    s.on('data', (d: string) => got.push(d));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(path, () => r()));
  return got;
}

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const runDir = () => join(w.home, 'run');

describe('a run directory or socket that is not the user\'s own', () => {
  it.skipIf(missing('root (to give a folder to another user)', root, 'run the tests as root, as CI does'))('another user made the run directory first: refused, exit 3, naming it; a fake daemon in it gets nothing', async () => {
    mkdirSync(runDir(), { mode: 0o700 });
    const got = await fake(join(runDir(), 'aapi.sock'));
    chownSync(runDir(), 65534, 65534);
    const env = { AAPI_PASSWORD: 'demo' };
    for (const args of [['status'], ['go-available'], ['authenticate', '--agent', 'demo', '--extension', '8600001']]) {
      const r = await w.aapi(args, { env });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^aapi: refusing the session directory: ${runDir()} belongs to another user \\(uid 65534\\)\\n$`));
    }
    const { sim } = await w.sim();
    const login = await w.login(sim);
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/belongs to another user/);
    expect(got).toEqual([]);
    rmSync(runDir(), { recursive: true, force: true });
  }, 60_000);

  it('a symbolic link in the run directory\'s place is refused, by the client and by the daemon', async () => {
    const elsewhere = join(w.scratch, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, runDir());
    const r = await w.aapi(['status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refusing the session directory: .*run is a symbolic link/);
    const { sim } = await w.sim();
    const login = await w.login(sim);
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/is a symbolic link/);
    rmSync(runDir());
  }, 60_000);

  it.skipIf(missing('root (to give a socket to another user)', root, 'run the tests as root, as CI does'))('a socket that belongs to another user is refused and sent nothing', async () => {
    const { sim } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    const pid = w.daemonPid()!;
    const sock = join(runDir(), 'aapi.sock');
    // The daemon's socket swapped for someone else's.
    rmSync(sock);
    const got = await fake(sock);
    chownSync(sock, 65534, 65534);
    const r = await w.aapi(['go-available'], { env: { AAPI_PASSWORD: 'demo' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/aapi\.sock: it belongs to another user \(uid 65534\)/);
    expect(got).toEqual([]);
    process.kill(pid, 'SIGTERM');
    expect(await until(() => !alive(pid), 15_000)).toBe(true);
  }, 60_000);
});

describe('a socket path over the system\'s limit', () => {
  it('is an error naming it and the way out, exit 3, no daemon left', async () => {
    const home = join(w.scratch, 'h'.repeat(120));
    const { sim } = await w.sim();
    const r = await w.aapi(['login', '--server', sim.url, '--agent', 'demo', '--extension', '8600001'], { env: { AAPI_HOME: home, AAPI_PASSWORD: 'demo' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^aapi: the session socket .*aapi\.sock is \d+ bytes long, over the system's limit of 107: set AAPI_HOME \(or XDG_RUNTIME_DIR\) to a shorter folder\n$/);
    expect(existsSync(join(home, 'run', 'aapi.lock'))).toBe(false);
  }, 60_000);
});

describe('what a client writes on the daemon\'s socket', () => {
  it('null, a 10 MB line, garbage and 1,000 idle connections: the daemon answers `aapi status` all along', async () => {
    const { sim } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    const pid = w.daemonPid()!;
    const path = join(runDir(), 'aapi.sock');
    // Connected, or refused at once (a full listen queue answers EAGAIN on a loaded machine): never a wait.
    const open = async () => {
      const s = connect(path);
      sockets.push(s);
      s.on('data', () => {});
      await new Promise<void>((r) => {
        s.once('connect', () => r());
        s.on('error', () => r());
      });
      return s;
    };
    for (const text of ['null\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', '{"hello":"aapi","v":2,"nonce":"short"}\n']) (await open()).write(text);
    const big = await open();
    const chunk = 'z'.repeat(1 << 20);
    for (let i = 0; i < 10 && !big.destroyed; i++) big.write(chunk);
    const idle = await Promise.all(Array.from({ length: 1000 }, () => open()));
    const status = await w.aapi(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(json(status)).toMatchObject({ agent: 'demo' });
    // Connections that never finish a handshake are closed by the daemon.
    await expect.poll(() => idle.filter((s) => s.destroyed || s.readableEnded).length, { timeout: 20_000, interval: 200 }).toBe(1000);
    expect(alive(pid)).toBe(true);
    expect((await w.aapi(['status'])).code).toBe(0);
  }, 90_000);
});
