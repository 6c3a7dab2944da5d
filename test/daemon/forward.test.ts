import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { accept } from '../../src/daemon/accept.js';
import { DialError, type LockRecord } from '../../src/daemon/dial.js';
import { forward } from '../../src/daemon/forward.js';
import { PROFILE_NAME, profileOf, profilePaths, type ProfilePaths } from '../../src/daemon/paths.js';
import { ensureRunDir } from '../../src/daemon/trust.js';
import { forwardedEnv, line, PROTOCOL, type ForwardedCall } from '../../src/daemon/wire.js';

// The thin client's side of the daemon socket (forward, through dial): the handshake, the checks of
// the run directory and the socket, a lock's stale or foreign daemon; and where each profile's
// files live.

const dir = mkdtempSync(join(tmpdir(), 'aapi-forward-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
let n = 0;
const call: ForwardedCall = { argv: ['status'], env: { A: '1' }, cwd: '/x', tty: { stdin: false, stdout: true, stderr: false, columns: 80 } };
const quiet = { stdout: () => {}, stderr: () => {} };
const root = typeof process.getuid === 'function' && process.getuid() === 0;

/** A profile whose run directory is this test's own, with a lock naming its socket. */
function profile(lock: Partial<LockRecord> | string = {}): { paths: ProfilePaths; record: LockRecord } {
  const runDir = join(dir, `run-${++n}`);
  mkdirSync(runDir, { mode: 0o700 });
  const paths = { ...profilePaths(`p${n}`, { AAPI_HOME: dir }), runDir, socket: join(runDir, 'p.sock'), lock: join(runDir, 'p.lock'), oldLock: join(runDir, `p${n}.lock`) };
  const record: LockRecord = { v: PROTOCOL, pid: process.pid, instance: `inst-${n}`, socket: paths.socket, secret: `s3cret-${n}`, startBy: 0, ...(typeof lock === 'object' ? lock : {}) };
  writeFileSync(paths.lock, typeof lock === 'string' ? lock : JSON.stringify(record), { mode: 0o600 });
  return { paths, record };
}

async function listen(path: string, onSocket: (s: Socket) => void): Promise<void> {
  const server = createServer(onSocket);
  servers.push(server);
  await new Promise<void>((r) => server.listen(path, () => r()));
}

/** A real daemon side (accept) that answers a call with `frames` (raw text), then ends or drops. */
async function daemon(frames: string[], end = true) {
  const p = profile();
  const calls: ForwardedCall[] = [];
  await listen(p.paths.socket, (socket) =>
    accept(socket, p.record.secret, p.record.instance, {
      call: (_profile, c, s) => {
        calls.push(c);
        for (const f of frames) s.write(f);
        if (end) s.end();
        else s.destroy();
      },
      pipe: () => () => {},
      start: () => {},
      batch: () => () => {},
    }, (err) => {
      throw err;
    }),
  );
  return { ...p, calls };
}

/** Something else listening on the profile's socket: keeps every byte it is sent, answers `reply`. */
async function impostor(p: { paths: ProfilePaths }, reply: (firstLine: string) => string) {
  const got: string[] = [];
  await listen(p.paths.socket, (socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      got.push(d);
      if (got.length === 1) socket.write(reply(d));
    });
  });
  return got;
}

const failure = async (p: Promise<unknown>) => {
  const r = await p;
  expect(r).toBeInstanceOf(DialError);
  return (r as DialError).failure;
};

describe('forward', () => {
  it('after the handshake, sends the call; streams stdout and stderr back; resolves with the exit code', async () => {
    const d = await daemon(['{"o":"out 1\\n"}\n{"e":"err"}\n', '{"o":"out 2"}\n{"x":4}\n']);
    let out = '';
    let err = '';
    const code = await forward(d.paths, call, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
    expect(code).toBe(4);
    expect(out).toBe('out 1\nout 2');
    expect(err).toBe('err');
    expect(d.calls).toEqual([call]);
  });

  it('takes frames split anywhere across reads', async () => {
    const d = await daemon(['{"o":"a', 'b"}\n{"x"', ':0}\n']);
    let out = '';
    expect(await forward(d.paths, call, { stdout: (s) => (out += s), stderr: () => {} })).toBe(0);
    expect(out).toBe('ab');
  });

  it('a daemon that goes away before an exit code: 3 (the connection failed)', async () => {
    const d = await daemon(['{"o":"partial"}\n'], false);
    expect(await forward(d.paths, call, quiet)).toBe(3);
  });

  it('no run directory, no lock, or a lock whose process is gone: absent (no session)', async () => {
    expect(await forward({ ...profilePaths('x', { AAPI_HOME: join(dir, 'nothing') }) }, call, quiet)).toBe('absent');
    const p = profile();
    rmSync(p.paths.lock);
    expect(await forward(p.paths, call, quiet)).toBe('absent');
    // A PID no process has: the daemon was killed (its socket may still be there).
    const dead = profile({ pid: 2 ** 22 + 12345 });
    expect(await forward(dead.paths, call, quiet)).toBe('absent');
  });

  it('a live process holding the lock that does not listen: starting before its deadline, gone after it', async () => {
    const starting = profile({ startBy: Date.now() + 60_000 });
    expect(await failure(forward(starting.paths, call, quiet))).toEqual({ kind: 'starting', pid: process.pid });
    // PID reused by another process (this test's own): no daemon of that instance answers.
    const reused = profile({ startBy: Date.now() - 1 });
    expect(await forward(reused.paths, call, quiet)).toBe('absent');
  });

  it('a socket that cannot prove it knows the secret gets nothing but a nonce: no argv, no environment', async () => {
    const p = profile();
    const got = await impostor(p, (hello) => line({ welcome: 'aapi', v: PROTOCOL, nonce: 'n'.repeat(24), proof: 'forged', instance: p.record.instance, hello }));
    const f = await failure(forward(p.paths, { ...call, env: { AAPI_PASSWORD: 'hunter2' } }, quiet));
    expect(f).toMatchObject({ kind: 'untrusted', message: expect.stringMatching(/could not prove it is this profile's session daemon: nothing was sent to it/) });
    const sent = got.join('');
    expect(Object.keys(JSON.parse(sent))).toEqual(['hello', 'v', 'nonce']);
    expect(sent).not.toMatch(/status|hunter2|argv|env/);
  });

  it('a daemon of another protocol version, or an older design (a lock of a bare PID), is named, never talked to', async () => {
    const p = profile();
    await impostor(p, () => line({ refused: 'version', v: PROTOCOL + 1 }));
    expect(await failure(forward(p.paths, call, quiet))).toEqual({ kind: 'version', pid: process.pid, v: PROTOCOL + 1 });
    // A process that runs as the old daemon did (`aapi __daemon PROFILE`).
    const oldDaemon = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '__daemon', 'default'], { stdio: 'ignore' });
    try {
      const old = profile();
      rmSync(old.paths.lock);
      writeFileSync(old.paths.oldLock, String(oldDaemon.pid));
      const f = await failure(forward(old.paths, call, quiet));
      expect(f).toEqual({ kind: 'old', pid: oldDaemon.pid });
      expect(new DialError(f).message).toBe(`an older aapi's session daemon (PID ${oldDaemon.pid}) holds this profile: end it (\`kill ${oldDaemon.pid}\`), then log in again`);
      // A bare PID the system gave to another process since: no daemon of ours, no session.
      writeFileSync(old.paths.oldLock, String(process.pid));
      expect(await forward(old.paths, call, quiet)).toBe('absent');
    } finally {
      oldDaemon.kill('SIGKILL');
    }
  });

  it('refuses a run directory that is a symbolic link, or open to others, and a socket that is not one', async () => {
    if (process.platform === 'win32') return;
    const p = profile();
    const link = join(dir, `link-${n}`);
    symlinkSync(p.paths.runDir, link);
    const viaLink = { ...p.paths, runDir: link, lock: join(link, 'p.lock'), socket: join(link, 'p.sock') };
    expect((await failure(forward(viaLink, call, quiet))).kind).toBe('untrusted');
    // Writable by others: refused. Only readable by others (a usual umask): closed, and used.
    chmodSync(p.paths.runDir, 0o775);
    expect(await failure(forward(p.paths, call, quiet))).toMatchObject({ kind: 'untrusted', message: expect.stringMatching(/is open to other users \(mode 775\): if it is yours/) });
    chmodSync(p.paths.runDir, 0o755);
    expect(await forward(p.paths, call, quiet)).toBe('absent');
    expect(statSync(p.paths.runDir).mode & 0o777).toBe(0o700);
    const notSocket = profile();
    writeFileSync(notSocket.paths.socket, '');
    expect(await failure(forward(notSocket.paths, call, quiet))).toMatchObject({ message: expect.stringMatching(/it is not a socket/) });
  });

  it.runIf(root)('refuses a run directory or a socket that belongs to another user', async () => {
    const p = profile();
    chownSync(p.paths.runDir, 65534, 65534);
    expect(await failure(forward(p.paths, call, quiet))).toMatchObject({ message: expect.stringMatching(/belongs to another user \(uid 65534\)/) });
    const q = profile();
    const got = await impostor(q, () => '');
    chownSync(q.paths.socket, 65534, 65534);
    expect(await failure(forward(q.paths, call, quiet))).toMatchObject({ message: expect.stringMatching(/p\.sock: it belongs to another user/) });
    expect(got).toEqual([]);
  });
});

describe('forwardedEnv', () => {
  it('passes AAPI_* (never the password, but for Authenticate), colour and terminal variables, nothing else', () => {
    const env = { AAPI_PROFILE: 'a', AAPI_PASSWORD: 'pw', NO_COLOR: '1', TERM: 'xterm', HOME: '/root', PATH: '/bin', AAPI_PASSWORDX: 'y' };
    expect(forwardedEnv(env, false)).toEqual({ AAPI_PROFILE: 'a', NO_COLOR: '1', TERM: 'xterm', AAPI_PASSWORDX: 'y' });
    expect(forwardedEnv(env, true)).toEqual({ AAPI_PROFILE: 'a', NO_COLOR: '1', TERM: 'xterm', AAPI_PASSWORDX: 'y', AAPI_PASSWORD: 'pw' });
  });
});

describe('profilePaths and profileOf', () => {
  it('puts everything under AAPI_HOME when it is set', () => {
    if (process.platform === 'win32') return;
    const p = profilePaths('work', { AAPI_HOME: '/h' });
    expect(p).toEqual({
      profile: 'work', runDir: '/h/run', socket: '/h/run/aapi.sock', lock: '/h/run/aapi.lock', serverLog: '/h/server.log', oldLock: '/h/run/work.lock',
      stateDir: '/h/profiles/work', events: '/h/profiles/work/events.jsonl', log: '/h/profiles/work/daemon.log',
      device: '/h/profiles/work/device.json', lastExit: '/h/profiles/work/last-exit.json',
    });
  });

  it('otherwise XDG_RUNTIME_DIR and XDG_STATE_HOME on Linux; without XDG_RUNTIME_DIR a folder in the home, never /tmp', () => {
    if (process.platform === 'win32') return;
    const xdg = profilePaths('p', { XDG_RUNTIME_DIR: '/run/user/7', XDG_STATE_HOME: '/st' });
    expect(xdg.runDir).toBe('/run/user/7/aapi');
    expect(xdg.stateDir).toBe('/st/aapi/profiles/p');
    const bare = profilePaths('p', {});
    expect(bare.runDir).toMatch(/\.local\/state\/aapi\/run$/);
    expect(bare.stateDir).toMatch(/\.local\/state\/aapi\/profiles\/p$/);
  });

  it('profileOf: --profile X, --profile=X, else AAPI_PROFILE, else default; never past --', () => {
    expect(profileOf(['status', '--profile', 'a'], {})).toBe('a');
    expect(profileOf(['--profile=b', 'status'], { AAPI_PROFILE: 'e' })).toBe('b');
    expect(profileOf(['status'], { AAPI_PROFILE: 'e' })).toBe('e');
    expect(profileOf(['status'], { AAPI_PROFILE: '' })).toBe('default');
    expect(profileOf(['status', '--profile'], {})).toBe('default');
    expect(profileOf(['send', '--', '--profile', 'x'], {})).toBe('default');
  });

  it('PROFILE_NAME: letters, digits, _ . - after a first letter or digit, 64 at most', () => {
    for (const ok of ['a', 'Work_1', 'x.y-z', '9', 'a'.repeat(64)]) expect(PROFILE_NAME.test(ok)).toBe(true);
    for (const bad of ['', '-a', '.a', 'a/b', 'a b', 'a'.repeat(65)]) expect(PROFILE_NAME.test(bad)).toBe(false);
  });
});

describe('ensureRunDir', () => {
  it('makes the directory 0700, takes a looser one of the user\'s own back to 0700, refuses a symbolic link', () => {
    if (process.platform === 'win32') return;
    const made = join(dir, 'run-a', 'deep');
    ensureRunDir(made);
    expect(statSync(made).mode & 0o777).toBe(0o700);
    const loose = join(dir, 'run-b');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    ensureRunDir(loose);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    const link = join(dir, 'run-c');
    symlinkSync(made, link);
    expect(() => ensureRunDir(link)).toThrow(/run-c is a symbolic link/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it.runIf(root)('refuses a directory another user made first', () => {
    const theirs = join(dir, 'run-d');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    expect(() => ensureRunDir(theirs)).toThrow(/belongs to another user \(uid 65534\)/);
  });
});
