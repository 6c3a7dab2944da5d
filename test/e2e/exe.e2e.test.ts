import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, spawnSim, type Run, type SimProcess } from '../helpers/spawn.js';
import { main } from '../../src/cli/main.js';
import { alive, lockPid, terminate, until } from '../helpers/e2e.js';
import { missing } from '../helpers/needs.js';

// The standalone executables of `npm run build:exe` (Node SEA). The Linux one runs the whole tour
// against its own simulator from a folder with no node_modules and no node on PATH; the Windows
// one is checked to be a PE with the blob injected and, when Debian's wine is installed, run under
// wine. The executables are built here when missing or older than the sources (up to 5 minutes).

const root = fileURLToPath(new URL('../../', import.meta.url));
const LINUX = join(root, 'dist', 'aapi-linux-x64');
const WIN = join(root, 'dist', 'aapi-win-x64.exe');
const BUILD_MS = 5 * 60_000;
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const SEA_MAGIC = 0x143da20; // the first word of a Node SEA blob (src/node_sea.h: kMagic)

const linuxHost = process.platform === 'linux' && process.arch === 'x64';



/** The newest modification time of what the executables are made from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  for (const f of ['package.json', 'scripts/build-exe.mjs']) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

/** `aapi --help` as the CLI of the sources prints it on a pipe (the executable prints text rendered at build time). */
async function helpFromSources(): Promise<string> {
  let out = '';
  const stdout = new PassThrough().on('data', (d) => (out += d));
  const io = {
    stdout, stderr: new PassThrough().resume(), stdin: new PassThrough(), env: {}, interrupted: new Promise<void>(() => {}),
    tty: { stdin: false, stdout: false, stderr: false },
  };
  expect(await main(['--help'], io)).toBe(0);
  return out;
}

const fresh = (file: string) => existsSync(file) && statSync(file).mtimeMs >= newestSource();

/**
 * The executables: those of `npm run build:exe` when they are newer than the sources, else built
 * here, into this test's own folder (so that a `npm run build` meanwhile, which replaces dist/,
 * cannot take them away).
 */
async function executables(out: string): Promise<{ linux: string; win: string }> {
  if (fresh(LINUX) && fresh(WIN)) return { linux: LINUX, win: WIN };
  const built = await exec(process.execPath, [join(root, 'scripts', 'build-exe.mjs'), '--quiet', '--out', out], { cwd: root, env: process.env, ms: BUILD_MS });
  if (built.code !== 0) throw new Error(`npm run build:exe failed (exit ${built.code}):\n${built.stdout}\n${built.stderr}`);
  return { linux: join(out, 'aapi-linux-x64'), win: join(out, 'aapi-win-x64.exe') };
}

// A folder far from the repository: no node_modules in it or above it.
const dir = mkdtempSync(join(tmpdir(), 'aapi-exe-'));
const bin = join(dir, 'bin');
const home = join(dir, 'home');
const children: ChildProcess[] = [];

/** The executable's environment: its own AAPI_HOME, and a PATH with nothing but the executable (no node). */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: bin, HOME: dir, AAPI_HOME: home, NO_COLOR: '1', ...extra });

/** `aapi-linux-x64 ARGS`, found on PATH by its bare name (so its argv[1] is not its path). */
const aapi = (args: string[], o: { env?: NodeJS.ProcessEnv; ms?: number; input?: string } = {}) =>
  exec('aapi-linux-x64', args, { cwd: dir, env: env(o.env), ms: o.ms ?? 30_000, input: o.input });

function lockPids(): number[] {
  const run = join(home, 'run');
  if (!existsSync(run)) return [];
  return readdirSync(run).filter((f) => f.endsWith('.lock')).map((f) => lockPid(readFileSync(join(run, f), 'utf8'))).filter((p) => p > 0);
}

for (const d of [bin, home]) mkdirSync(d, { recursive: true });

beforeAll(async () => {
  if (!linuxHost) return;
  const exe = await executables(join(dir, 'build'));
  // Copies, so that a `npm run build` meanwhile (which replaces dist/) does not pull them away.
  copyFileSync(exe.linux, join(bin, 'aapi-linux-x64'));
  chmodSync(join(bin, 'aapi-linux-x64'), 0o755);
  copyFileSync(exe.win, join(dir, 'aapi-win-x64.exe'));
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  cpSync(join(root, 'recipes'), join(dir, 'recipes'), { recursive: true });
}, BUILD_MS + 60_000);

afterAll(async () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) await terminate(c.pid);
  for (const pid of lockPids()) await terminate(pid);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(!linuxHost)('the Linux executable', () => {
  let url = '';

  it('is not under any node_modules, and has no node next to it', () => {
    for (let d = dir; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, 'node_modules')), d).toBe(false);
    expect(readdirSync(bin)).toEqual(['aapi-linux-x64']);
  });

  it('prints its version, and the very help the CLI prints', async () => {
    const version = await aapi(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n` });
    const help = await aapi(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(await helpFromSources());
    // A verb's help goes through yargs inside the executable.
    const verbHelp = await aapi(['go-available', '--help']);
    expect(verbHelp.code).toBe(0);
    expect(verbHelp.stdout).toMatch(/--live/);
  });

  it('runs a simulator', async () => {
    const sim = spawn('aapi-linux-x64', ['sim', '--port', '0'], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(sim);
    let out = '';
    sim.stdout!.on('data', (d) => (out += d));
    const lines = await until(() => (out.split('\n').length >= 3 ? out.split('\n') : undefined), 15_000);
    expect(lines, out).toBeDefined();
    url = lines![0];
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('logs in, its daemon being the executable itself', async () => {
    const login = await aapi(['login', '--server', url, '--agent', 'demo', '--extension', '8600001', '--tenant', 'demo', '--campaign', 'outbound', '--json'], {
      env: { AAPI_PASSWORD: 'demo' },
    });
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ profile: 'default', SID: expect.any(Number) });
    const [pid] = lockPids();
    expect(pid).toBeGreaterThan(0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(cmdline).toEqual([join(bin, 'aapi-linux-x64'), '__server', 'default']);
  });

  it('sends a verb, waits for an event, shows the status, logs out', async () => {
    const go = await aapi(['go-available', '--json']);
    expect(go.code, go.stderr).toBe(0);
    expect(JSON.parse(go.stdout)).toMatchObject({ Response: 'OK' });
    const call = await aapi(['wait', 'NowInCall', '--timeout', '20s', '--json'], { ms: 30_000 });
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout.trim().split('\n').pop()!)).toMatchObject({ event: 'NowInCall', data: { URN: expect.anything() } });
    const status = await aapi(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ agent: 'demo', state: 'InCall' });
    const [pid] = lockPids();
    const logout = await aapi(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
    const after = await aapi(['status']);
    expect(after.code).toBe(3);
  });

  it('runs a recipe against its embedded simulator', async () => {
    const r = await aapi(['run', '--sim', 'recipes/standard-cycle.json5'], { ms: 60_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/1 of 1 recipe passed/);
  });
});

// ---- Windows ----------------------------------------------------------------------------------

/** The parts of a PE file this test checks; throws when it is not a PE32+ x64 image. */
function readPe(file: string) {
  const b = readFileSync(file);
  if (b.toString('latin1', 0, 2) !== 'MZ') throw new Error('no MZ header');
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error('no PE signature');
  const machine = b.readUInt16LE(pe + 4);
  const sectionCount = b.readUInt16LE(pe + 6);
  const optSize = b.readUInt16LE(pe + 20);
  const opt = pe + 24;
  const magic = b.readUInt16LE(opt);
  const subsystem = b.readUInt16LE(opt + 68);
  const dirs = opt + 112; // PE32+: the data directories start here
  const dataDir = (i: number) => ({ rva: b.readUInt32LE(dirs + 8 * i), size: b.readUInt32LE(dirs + 8 * i + 4) });
  const sections = Array.from({ length: sectionCount }, (_, i) => {
    const s = opt + optSize + 40 * i;
    return { name: b.toString('latin1', s, s + 8).replace(/\0+$/, ''), vsize: b.readUInt32LE(s + 8), va: b.readUInt32LE(s + 12), rawSize: b.readUInt32LE(s + 16), raw: b.readUInt32LE(s + 20) };
  });
  const offset = (rva: number) => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + Math.max(x.vsize, x.rawSize));
    if (!s) throw new Error(`RVA ${rva.toString(16)} is in no section`);
    return rva - s.va + s.raw;
  };
  /** Resource data by type id and name, walking the three-level resource directory. */
  const resource = (type: number, name: string): Buffer | undefined => {
    const rsrc = dataDir(2);
    if (!rsrc.rva) return undefined;
    const base = offset(rsrc.rva);
    const entries = (at: number) => {
      const named = b.readUInt16LE(at + 12);
      const ids = b.readUInt16LE(at + 14);
      return Array.from({ length: named + ids }, (_, i) => {
        const e = at + 16 + 8 * i;
        const id = b.readUInt32LE(e);
        const to = b.readUInt32LE(e + 4);
        const label = id & 0x80000000 ? b.toString('utf16le', base + (id & 0x7fffffff) + 2, base + (id & 0x7fffffff) + 2 + 2 * b.readUInt16LE(base + (id & 0x7fffffff))) : id;
        return { label, dir: (to & 0x80000000) !== 0, at: base + (to & 0x7fffffff) };
      });
    };
    const t = entries(base).find((e) => e.label === type);
    const n = t && entries(t.at).find((e) => e.label === name);
    const lang = n && entries(n.at)[0];
    if (!lang || lang.dir) return undefined;
    const rva = b.readUInt32LE(lang.at);
    const size = b.readUInt32LE(lang.at + 4);
    return b.subarray(offset(rva), offset(rva) + size);
  };
  return { buffer: b, machine, magic, subsystem, sections, security: dataDir(4), resource };
}

function which(names: string[]): string | undefined {
  for (const n of names) {
    if (n.includes('/')) {
      if (existsSync(n)) return n;
      continue;
    }
    for (const p of (process.env.PATH ?? '').split(':')) if (p && existsSync(join(p, n))) return join(p, n);
  }
  return undefined;
}

describe.skipIf(!linuxHost)('the Windows executable', () => {
  it('is a PE32+ x64 console program with the SEA blob injected and the fuse set', () => {
    const pe = readPe(join(dir, 'aapi-win-x64.exe'));
    expect(pe.machine).toBe(0x8664);
    expect(pe.magic).toBe(0x20b);
    expect(pe.subsystem).toBe(3);
    const blob = pe.resource(10, 'NODE_SEA_BLOB'); // RT_RCDATA
    expect(blob, 'no NODE_SEA_BLOB resource').toBeDefined();
    expect(blob!.readUInt32LE(0)).toBe(SEA_MAGIC);
    // Our script is in it: the help text rendered at build time.
    expect(blob!.includes('aapi <command>')).toBe(true);
    const fuse = pe.buffer.indexOf(FUSE);
    expect(fuse).toBeGreaterThan(0);
    expect(pe.buffer.lastIndexOf(FUSE)).toBe(fuse);
    expect(pe.buffer.toString('latin1', fuse + FUSE.length, fuse + FUSE.length + 2)).toBe(':1');
  });

  it.skipIf(missing('osslsigncode', which(['osslsigncode']), 'apt-get install osslsigncode'))('carries no (now broken) Authenticode signature', () => {
    expect(readPe(join(dir, 'aapi-win-x64.exe')).security.size).toBe(0);
  });

  const wine = which(['/usr/lib/wine/wine64', 'wine64', 'wine']);
  const wineserver = which(['/usr/lib/wine/wineserver', 'wineserver']);
  describe.skipIf(missing('wine', wine, 'apt-get install wine wine64'))('under wine', () => {
    const prefix = join(dir, 'wine');
    const wineEnv = () => ({ ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' });

    /** Runs the .exe under wine with stdout and stderr to files (wine gives EBADF on pipes). */
    async function runWine(args: string[], ms: number, extra: NodeJS.ProcessEnv = {}): Promise<Run> {
      const out = join(dir, 'wine.out');
      const err = join(dir, 'wine.err');
      const fds = [openSync(out, 'w'), openSync(err, 'w')];
      const child = spawn(wine!, ['aapi-win-x64.exe', ...args], { cwd: dir, env: { ...wineEnv(), ...extra }, stdio: ['ignore', fds[0], fds[1]] });
      children.push(child);
      fds.forEach((fd) => closeSync(fd));
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const [code] = (await once(child, 'close')) as [number | null];
      clearTimeout(timer);
      return { code, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
    }

    beforeAll(async () => {
      // Node refuses Windows versions older than 10: set the new prefix to Windows 10 once.
      const cfg = await exec(wine!, ['winecfg', '-v', 'win10'], { env: wineEnv(), ms: 180_000 });
      if (cfg.code !== 0) throw new Error(`wine winecfg failed (${cfg.code}): ${cfg.stderr}`);
    }, 200_000);

    afterAll(async () => {
      if (wineserver) await exec(wineserver, ['-k'], { env: wineEnv(), ms: 20_000 });
    }, 30_000);

    it('prints its help', async () => {
      const r = await runWine(['--help'], 120_000);
      expect(r.code, r.stderr).toBe(0);
      const linux = await aapi(['--help']);
      expect(r.stdout).toBe(linux.stdout);
    }, 130_000);

    describe('a session: the daemon is the .exe itself, behind a named pipe', () => {
      let sim: SimProcess;
      beforeAll(async () => {
        writeFileSync(join(dir, 'fixture.json5'), JSON.stringify({ agentRange: { prefix: 'agent', count: 5, password: 'demo' } }));
        sim = await spawnSim(['--fixture', join(dir, 'fixture.json5')]);
      }, 30_000);
      afterAll(async () => {
        await sim?.stop();
      }, 30_000);
      /** A command of the .exe with its own AAPI_HOME (a Linux path, which wine maps to drive Z:). */
      const inHome = (h: string) => (args: string[], extra: NodeJS.ProcessEnv = {}) => runWine(args, 60_000, { AAPI_HOME: h, AAPI_PASSWORD: 'demo', ...extra });
      const loginArgs = (agent = 'demo') => ['login', '--server', sim.url, '--agent', agent, '--extension', '8600001', '--tenant', 'demo', '--campaign', 'outbound'];
      const lockOf = (h: string) => JSON.parse(readFileSync(join(h, 'run', 'aapi.lock'), 'utf8')) as { pid: number; socket: string };

      it('login, status, a verb, wait, events, a batch of 1,000 rows; logout ends it cleanly, no lock left; login again', async () => {
        const h = join(dir, 'wine-home');
        const w = inHome(h);
        const login = await w(loginArgs());
        expect(login.code, login.stderr).toBe(0);
        expect(login.stdout).toMatch(/^\d+\n$/);
        expect(lockOf(h).socket).toMatch(/^\\\\\.\\pipe\\aapi-[0-9a-f]{32}$/);
        const status = await w(['status', '--json']);
        expect(status.code, status.stderr).toBe(0);
        expect(JSON.parse(status.stdout)).toMatchObject({ agent: 'demo', SID: Number(login.stdout), state: 'Unavailable' });
        expect((await w(['go-available'])).code).toBe(0);
        const waited = await w(['wait', 'NowWaiting', '--timeout', '20s']);
        expect(waited.code, waited.stderr).toBe(0);
        expect(JSON.parse(waited.stdout)).toMatchObject({ event: 'NowWaiting' });
        const events = await w(['events']);
        // (A call may follow: the campaign presents one a moment after GoAvailable.)
        expect(events.stdout.trim().split('\n').map((l) => JSON.parse(l).event.event).slice(0, 3)).toEqual(['NowUnavailable', 'NowAvailable', 'NowWaiting']);
        writeFileSync(join(dir, 'rows.csv'), `Parameters.URN\n${Array.from({ length: 1000 }, (_, i) => 1001 + (i % 5)).join('\n')}\n`);
        const batch = await w(['batch', 'run-query', '--query-number', '1', '--input', 'rows.csv', '--output', 'rows.jsonl', '--concurrency', '16']);
        expect(batch.code, batch.stderr).toBe(0);
        expect(batch.stderr).toMatch(/^1000 rows: 1000 ok, 0 failed, 0 unknown, 0 not sent/);
        expect(new Set(readFileSync(join(dir, 'rows.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).row)).size).toBe(1000);
        const out = await w(['logout']);
        expect(out.code, out.stderr).toBe(0);
        expect(await until(() => !existsSync(join(h, 'run', 'aapi.lock')), 10_000)).toBe(true);
        const log = readFileSync(join(h, 'profiles', 'default', 'daemon.log'), 'utf8');
        expect(log).toMatch(/ending: logged out \(aapi logout\)/);
        expect(log).not.toMatch(/EISDIR|Error:|\n\s+at /);
        const again = await w(loginArgs());
        expect(again.code, again.stderr).toBe(0);
        expect((await w(['logout'])).code).toBe(0);
      }, 240_000);

      it('a lock holding a live unrelated PID is taken over; two AAPI_HOMEs whose paths end alike stay apart', async () => {
        const a = join(dir, 'x', 'same-end');
        const b = join(dir, 'y', 'same-end');
        expect((await inHome(a)(loginArgs('agent2'))).code).toBe(0);
        expect((await inHome(b)(loginArgs('agent3'))).code).toBe(0);
        expect(JSON.parse((await inHome(a)(['status', '--json'])).stdout)).toMatchObject({ agent: 'agent2' });
        expect(JSON.parse((await inHome(b)(['status', '--json'])).stdout)).toMatchObject({ agent: 'agent3' });
        // Home c: a lock left by a server whose PID now belongs to a live process (home a's server),
        // of another instance, past its start deadline.
        const c = join(dir, 'z', 'other');
        mkdirSync(join(c, 'run'), { recursive: true });
        writeFileSync(join(c, 'run', 'aapi.lock'), JSON.stringify({ v: 3, pid: lockOf(a).pid, instance: 'gone', socket: '\\\\.\\pipe\\aapi-gone', secret: 'x', startBy: 0 }));
        const other = await inHome(c)(loginArgs('agent4'));
        expect(other.code, other.stderr).toBe(0);
        expect(JSON.parse((await inHome(c)(['status', '--json'])).stdout)).toMatchObject({ agent: 'agent4' });
        expect(lockOf(c).pid).not.toBe(lockOf(a).pid);
        for (const h of [a, b, c]) expect((await inHome(h)(['logout', '--all'])).code).toBe(0);
      }, 240_000);

      it('a fake server on the pipe name a dead server recorded learns no secret: the client refuses it, exit 3, having sent only its hello', async () => {
        // A squatter, a Windows Node under wine, listens on the name the lock records, with the
        // lock's PID its own (alive, as a reused PID would be); it does not know the secret.
        const nodeExe = readdirSync(join(root, 'node_modules', '.cache', 'aapi-exe')).find((f) => /^node-win-x64-.*\.exe$/.test(f));
        expect(nodeExe, 'the Windows Node the .exe was built from (node_modules/.cache/aapi-exe)').toBeDefined();
        copyFileSync(join(root, 'node_modules', '.cache', 'aapi-exe', nodeExe!), join(dir, 'node-win.exe'));
        const h = join(dir, 'squat-home');
        mkdirSync(join(h, 'run'), { recursive: true });
        writeFileSync(join(dir, 'squatter.js'), `
          const net = require('net'), fs = require('fs');
          const bs = String.fromCharCode(92);
          const pipe = bs + bs + '.' + bs + 'pipe' + bs + 'aapi-' + require('crypto').randomBytes(16).toString('hex');
          net.createServer((s) => {
            s.on('data', (d) => fs.appendFileSync('squat.log', d));
            s.on('error', () => {});
            s.write(JSON.stringify({ welcome: 'aapi', v: 3, nonce: 'n'.repeat(32), proof: 'forged', instance: 'dead' }) + '\\n');
          }).listen(pipe, () => {
            fs.writeFileSync('squat.log', '');
            fs.writeFileSync('squat-home/run/aapi.lock', JSON.stringify({ v: 3, pid: process.pid, instance: 'dead', socket: pipe, secret: 'unknown', startBy: 0 }));
          });
          setTimeout(() => process.exit(0), 120000);`);
        const fd = openSync(join(dir, 'squatter.out'), 'w');
        const squatter = spawn(wine!, ['node-win.exe', 'squatter.js'], { cwd: dir, env: wineEnv(), stdio: ['ignore', fd, fd] });
        children.push(squatter);
        closeSync(fd);
        try {
          expect(await until(() => existsSync(join(h, 'run', 'aapi.lock')), 60_000), readFileSync(join(dir, 'squatter.out'), 'utf8')).toBe(true);
          const w = inHome(h);
          const status = await w(['status'], { AAPI_PASSWORD: 'Squat-Secret-7' });
          expect(status.code, status.stderr).toBe(3);
          expect(status.stderr).toMatch(/could not prove it is this profile's session daemon: nothing was sent to it/);
          const auth = await w(['authenticate', '--agent', 'demo'], { AAPI_PASSWORD: 'Squat-Secret-7' });
          expect(auth.code, auth.stderr).toBe(3);
          const heard = readFileSync(join(dir, 'squat.log'), 'utf8').trim().split('\n');
          expect(heard.length).toBeGreaterThanOrEqual(2);
          for (const text of heard) expect(Object.keys(JSON.parse(text)).sort()).toEqual(['hello', 'nonce', 'v']);
          expect(readFileSync(join(dir, 'squat.log'), 'utf8')).not.toMatch(/Squat-Secret-7|argv|AAPI_/);
        } finally {
          squatter.kill('SIGKILL');
        }
      }, 240_000);
    });

    it('runs a recipe against its embedded simulator', async () => {
      const report = join(dir, 'wine-report.json');
      const r = await runWine(['run', '--sim', 'recipes/standard-cycle.json5', '--reporter', 'json', '--out', 'wine-report.json'], 120_000);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ passed: true });
    }, 130_000);
  });
});
