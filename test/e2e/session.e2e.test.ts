import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, json, jsonLines, MANUAL_TIMINGS, until, World } from '../helpers/e2e.js';

// The session commands of the real `aapi` binary against a real `aapi sim`: login, status, logout,
// two profiles at once, concurrent one-liners, file permissions, and the password kept secret.

const w = new World('session');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : [path];
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('aapi login', () => {
  it('with AAPI_PASSWORD prints the SID and returns while the detached daemon keeps running', async () => {
    const { sim } = await w.sim();
    const r = await w.login(sim, { profile: 'env' });
    // runAapi resolves on 'close': had the daemon kept login's stdout or stderr, this would never return.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\n$/);
    const sid = Number(r.stdout);
    const pid = w.daemonPid('env');
    expect(pid).toBeDefined();
    expect(alive(pid!)).toBe(true);
    const status = await w.aapi(['status', '--profile', 'env']);
    expect(status.code, status.stderr).toBe(0);
    expect(json(status)).toMatchObject({ profile: 'env', agent: 'demo', SID: sid, server: sim.url });
  }, 60_000);

  it('with --password-stdin and --json prints {"profile","SID"}', async () => {
    const { sim, control } = await w.sim();
    const r = await w.login(sim, { profile: 'stdin', stdin: true, extra: ['--json'] });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    expect(Object.keys(out).sort()).toEqual(['SID', 'profile']);
    expect(out.profile).toBe('stdin');
    expect(typeof out.SID).toBe('number');
    expect((await control.state()).agents.demo.sid).toBe(out.SID);
    // Logging in again to a live profile as the same agent answers with the session it has.
    const again = await w.login(sim, { profile: 'stdin', stdin: true, extra: ['--json'] });
    expect(again.code, again.stderr).toBe(0);
    expect(json(again)).toEqual(out);
    expect((await control.state()).received.Authenticate).toBe(1);
  }, 60_000);

  it('with a wrong password exits 3 with ERROR 100 on stderr and leaves no daemon', async () => {
    const { sim } = await w.sim();
    const r = await w.login(sim, { profile: 'wrong', password: 'not-the-password' });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/ERROR 100 Critical: Username and\/or password is not valid/);
    expect(r.stderr).toMatch(/^hint: /m);
    const p = w.paths('wrong');
    expect(existsSync(p.socket)).toBe(false);
    expect(existsSync(p.lock)).toBe(false);
    expect(await until(() => w.strayDaemons().length === 0, 10_000)).toBe(true);
    const status = await w.aapi(['status', '--profile', 'wrong']);
    expect(status.code).toBe(3);
  }, 60_000);

  it('to a closed port exits 3, leaving no daemon', async () => {
    const port = await closedPort();
    w.profiles.add('closed');
    const r = await w.aapi(['login', '--profile', 'closed', '--server', `ws://127.0.0.1:${port}`, '--agent', 'demo', '--extension', '8600001'], {
      env: { AAPI_PASSWORD: 'demo' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect/);
    expect(existsSync(w.paths('closed').lock)).toBe(false);
    expect(await until(() => w.strayDaemons().length === 0, 10_000)).toBe(true);
  }, 60_000);

  it('without a password on a non-TTY exits 2 and starts nothing', async () => {
    const { sim, control } = await w.sim();
    w.profiles.add('nopw');
    const r = await w.aapi(['login', '--profile', 'nopw', '--server', sim.url, '--agent', 'demo', '--extension', '8600001']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no password/);
    expect(existsSync(w.paths('nopw').lock)).toBe(false);
    expect((await control.state()).received.Authenticate).toBe(0);
  }, 60_000);

  it('with --password X is refused, exit 2, naming the three ways that work, and sends nothing', async () => {
    const { sim, control } = await w.sim();
    w.profiles.add('pwflag');
    const r = await w.aapi(['login', '--profile', 'pwflag', '--server', sim.url, '--agent', 'demo', '--extension', '8600001', '--password', 'demo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('aapi: --password is refused: a password on the command line shows in `ps` and shell history; set AAPI_PASSWORD, pipe it with --password-stdin, or run on a terminal to be asked\n');
    expect(existsSync(w.paths('pwflag').lock)).toBe(false);
    expect((await control.state()).received.Authenticate).toBe(0);
  }, 60_000);

  it('interrupted (Ctrl-C) before the dialler answers: exit 130, and the session it opened is logged off again', async () => {
    // Every frame of the simulator arrives 1.5 s late: the login is still waiting when it is interrupted.
    const { sim, control } = await w.sim({ timings: { ...MANUAL_TIMINGS, latencyMs: 1500 } });
    w.profiles.add('cancel');
    const login = w.start(['login', '--profile', 'cancel', '--server', sim.url, '--agent', 'demo', '--extension', '8600001'], { AAPI_PASSWORD: 'demo' });
    expect(await until(async () => (await control.state()).received.Authenticate === 1, 15_000)).toBe(true);
    login.proc.kill('SIGINT');
    expect(await login.exited).toBe(130);
    expect(login.stderr).toBe('aapi: login cancelled: profile cancel is not logged in\n');
    expect(login.stdout).toBe('');
    // The server heard its caller go: once the session is open it logs off, and, holding no other, ends.
    expect(await until(async () => (await control.state()).received.Logoff === 1, 20_000)).toBe(true);
    expect(await until(() => w.strayDaemons().length === 0, 20_000)).toBe(true);
    expect((await w.aapi(['status', '--profile', 'cancel'])).code).toBe(3);
    // A second login to a running server, interrupted likewise, leaves the other profile untouched.
    const held = await w.login(sim, { profile: 'held', agent: 'demo2', extension: '8600002' });
    expect(held.code, held.stderr).toBe(0);
    const second = w.start(['login', '--profile', 'cancel', '--server', sim.url, '--agent', 'demo', '--extension', '8600001'], { AAPI_PASSWORD: 'demo' });
    expect(await until(async () => (await control.state()).received.Authenticate === 3, 15_000)).toBe(true);
    second.proc.kill('SIGINT');
    expect(await second.exited).toBe(130);
    expect(await until(async () => (await control.state()).received.Logoff === 2, 20_000)).toBe(true);
    expect(await until(async () => (await w.aapi(['status', '--profile', 'cancel'])).code === 3, 20_000)).toBe(true);
    expect(json(await w.aapi(['status', '--profile', 'held']))).toMatchObject({ agent: 'demo2', SID: Number(held.stdout) });
  }, 90_000);

  it('with --tenant and --campaign connects: status shows state Unavailable', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    const r = await w.login(sim, { profile: 'conn', tenant: 'demo', campaign: 'outbound' });
    expect(r.code, r.stderr).toBe(0);
    const status = json(await w.aapi(['status', '--profile', 'conn']));
    expect(status.state).toBe('Unavailable');
    const agent = (await control.state()).agents.demo;
    expect(agent).toMatchObject({ state: 'Unavailable', tenant: 'demo', campaign: 'outbound' });
  }, 60_000);
});

describe('aapi status', () => {
  it('shows profile, server, agent, SID, connected since, state, sessions and events', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    const login = await w.login(sim, { profile: 'st', tenant: 'demo' });
    expect(login.code, login.stderr).toBe(0);
    let s = json(await w.aapi(['status', '--profile', 'st', '--json']));
    expect(s).toMatchObject({
      profile: 'st', server: sim.url, agent: 'demo', SID: Number(login.stdout), state: 'Unavailable', sessions: {},
    });
    expect(new Date(s.connectedSince).toString()).not.toBe('Invalid Date');
    expect(s.events).toEqual({ recorded: 1, pending: 0 });

    expect((await w.aapi(['go-available', '--profile', 'st'])).code).toBe(0);
    expect((await w.aapi(['wait', 'NowWaiting', '--profile', 'st'])).code).toBe(0);
    await control.post('presentCall', { agent: 'demo' });
    const inCall = await w.aapi(['wait', 'NowInCall', '--profile', 'st']);
    expect(inCall.code, inCall.stderr).toBe(0);
    s = json(await w.aapi(['status', '--profile', 'st']));
    expect(s.state).toBe('InCall');
    expect(s.sessions['0']).toMatchObject({ phase: 'InCall' });
    expect(s.events.recorded).toBe(4);
  }, 60_000);

  it('without a session exits 3 with a one-line hint to run aapi login', async () => {
    const r = await w.aapi(['status', '--profile', 'nobody']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/aapi login --profile nobody/);
  }, 30_000);
});

describe('profiles', () => {
  it('two profiles with different agents at once are independent sessions', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    const a = await w.login(sim, { profile: 'a', agent: 'demo', tenant: 'demo' });
    const b = await w.login(sim, { profile: 'b', agent: 'demo2', extension: '8600002', tenant: 'demo' });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout).not.toBe(b.stdout);
    // One session server holds both.
    const server = w.daemonPid('a')!;
    expect(alive(server)).toBe(true);
    expect(w.strayDaemons()).toEqual([server]);

    expect((await w.aapi(['go-available', '--profile', 'a'])).code).toBe(0);
    expect((await w.aapi(['wait', 'NowWaiting', '--profile', 'a'])).code).toBe(0);
    // AAPI_PROFILE names the profile as well as --profile does.
    const sb = json(await w.aapi(['status'], { env: { AAPI_PROFILE: 'b' } }));
    const sa = json(await w.aapi(['status', '--profile', 'a']));
    expect(sa).toMatchObject({ profile: 'a', agent: 'demo', SID: Number(a.stdout), state: 'Waiting' });
    expect(sb).toMatchObject({ profile: 'b', agent: 'demo2', SID: Number(b.stdout), state: 'Unavailable' });
    const state = await control.state();
    expect(state.agents.demo.state).toBe('Waiting');
    expect(state.agents.demo2.state).toBe('Unavailable');
    // b's event log has only its own events.
    const eb = jsonLines((await w.aapi(['events', '--profile', 'b'])).stdout).map((e) => e.event.event);
    expect(eb).toEqual(['NowUnavailable']);

    // Logging one out leaves the other running, in the same server.
    expect((await w.aapi(['logout', '--profile', 'a'])).code).toBe(0);
    const after = await w.aapi(['get-tenants', '--profile', 'b']);
    expect(after.code, after.stderr).toBe(0);
    expect((await w.aapi(['get-tenants', '--profile', 'a'])).code).toBe(3);
    expect(w.daemonPid('b')).toBe(server);
  }, 90_000);

  it('status --all lists every profile the server holds (not a terminal: a JSON array)', async () => {
    const { sim } = await w.sim({ timings: MANUAL_TIMINGS });
    const none = await w.aapi(['status', '--all']);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const a = await w.login(sim, { profile: 'pa', agent: 'demo', tenant: 'demo' });
    const b = await w.login(sim, { profile: 'pb', agent: 'demo2', extension: '8600002' });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const all = JSON.parse((await w.aapi(['status', '--all'])).stdout) as { profile: string; SID: number; agent: string; connection: { state: string } }[];
    expect(all.map((i) => [i.profile, i.agent, i.SID, i.connection.state])).toEqual([['pa', 'demo', Number(a.stdout), 'connected'], ['pb', 'demo2', Number(b.stdout), 'connected']]);
  }, 60_000);

  it('one agent in two profiles on one dialler is refused, naming the profile that holds it, which is left untouched', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    const a = await w.login(sim, { profile: 'first', agent: 'demo', tenant: 'demo' });
    expect(a.code, a.stderr).toBe(0);
    const before = await control.state();
    // The same dialler by another name (localhost for 127.0.0.1).
    const same = await w.aapi(['login', '--server', sim.url.replace('127.0.0.1', 'localhost'), '--profile', 'second', '--agent', 'demo', '--extension', '8600001'], { env: { AAPI_PASSWORD: 'demo' } });
    expect(same.code).toBe(2);
    expect(same.stderr).toBe(`aapi: agent demo is already logged in on ${sim.url.replace('127.0.0.1', 'localhost')} under profile first: one agent, one profile (\`aapi logout --profile first\` first)\n`);
    const after = await control.state();
    expect(after.received.Authenticate).toBe(before.received.Authenticate);
    expect(json(await w.aapi(['status', '--profile', 'first']))).toMatchObject({ SID: Number(a.stdout), connection: { state: 'connected' } });
    expect((await w.aapi(['status', '--profile', 'second'])).code).toBe(3);
  }, 60_000);

  it('two first logins at once (no server yet) both succeed, in one server', async () => {
    const { sim } = await w.sim({ timings: { ...MANUAL_TIMINGS, latencyMs: 300 } });
    const [a, b] = await Promise.all([w.login(sim, { profile: 'race-a', agent: 'demo' }), w.login(sim, { profile: 'race-b', agent: 'demo2', extension: '8600002' })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(w.strayDaemons()).toHaveLength(1);
    expect(json(await w.aapi(['status', '--profile', 'race-b']))).toMatchObject({ agent: 'demo2', SID: Number(b.stdout) });
  }, 60_000);

  it('with a server running: a flag before a local command runs it locally; a bad profile name exits 2; wait ends (exit 3) when its profile logs out', async () => {
    const { sim } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'keep', agent: 'demo' })).code).toBe(0);
    const login = await w.aapi(['--agent', 'demo2', '--extension', '8600002', 'login', '--server', sim.url, '--profile', 'flagfirst'], { env: { AAPI_PASSWORD: 'demo' } });
    expect(login.code, login.stderr).toBe(0);
    expect(json(await w.aapi(['status', '--profile', 'flagfirst']))).toMatchObject({ agent: 'demo2' });
    for (const bad of ['x y', '../x']) {
      const r = await w.aapi(['status', '--profile', bad]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/profile names are letters, digits/);
    }
    const waiter = w.start(['wait', 'NowInCall', '--timeout', '30s', '--profile', 'flagfirst']);
    await new Promise((r) => setTimeout(r, 500));
    expect((await w.aapi(['logout', '--profile', 'flagfirst'])).code).toBe(0);
    expect(await waiter.exited).toBe(3);
    expect(waiter.stderr).toMatch(/the session of profile flagfirst ended while waiting for NowInCall/);
    expect((await w.aapi(['status', '--profile', 'keep'])).code).toBe(0);
  }, 60_000);

  it('logout --all: every profile logs off and the server ends, its lock and socket gone', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'one', agent: 'demo' })).code).toBe(0);
    expect((await w.login(sim, { profile: 'two', agent: 'demo2', extension: '8600002' })).code).toBe(0);
    const server = w.daemonPid()!;
    const r = await w.aapi(['logout', '--all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toEqual({ loggedOut: ['one', 'two'] });
    expect(await until(() => !alive(server), 10_000)).toBe(true);
    expect(existsSync(w.paths().lock)).toBe(false);
    expect(existsSync(w.paths().socket)).toBe(false);
    expect((await control.state()).received.Logoff).toBe(2);
    for (const p of ['one', 'two']) expect(JSON.parse(readFileSync(join(w.paths(p).stateDir, 'last-exit.json'), 'utf8')).why).toBe('logged out (aapi logout --all)');
    // With no server, --all has nothing to do.
    expect(json(await w.aapi(['logout', '--all']))).toEqual({ loggedOut: [] });
  }, 60_000);

  it('20 concurrent one-liners on one profile all succeed, each with its own output', async () => {
    const { sim, control } = await w.sim();
    expect((await w.login(sim, { profile: 'many' })).code).toBe(0);
    const before = (await control.state()).received.GetTenants;
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => w.aapi([i % 2 ? 'status' : 'get-tenants', '--profile', 'many'], { ms: 60_000 })),
    );
    const rids = new Set<number>();
    runs.forEach((r, i) => {
      expect(r.code, `run ${i}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
      const out = json(r);
      if (i % 2) expect(out).toMatchObject({ profile: 'many', agent: 'demo' });
      else {
        expect(out.tenants).toEqual(['demo', 'other']);
        rids.add(out.RID);
      }
    });
    expect(rids.size).toBe(10);
    expect((await control.state()).received.GetTenants - before).toBe(10);
  }, 120_000);
});

describe('aapi logout', () => {
  it('logs off, removes socket and lock, ends the daemon; a verb afterwards exits 3 with the login hint', async () => {
    const { sim, control } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    const pid = w.daemonPid()!;
    expect(alive(pid)).toBe(true);
    const r = await w.aapi(['logout']);
    expect(r.code, r.stderr).toBe(0);
    const p = w.paths();
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
    expect(existsSync(p.socket)).toBe(false);
    expect(existsSync(p.lock)).toBe(false);
    expect((await control.state()).received.Logoff).toBe(1);

    const verb = await w.aapi(['get-tenants']);
    expect(verb.code).toBe(3);
    expect(verb.stdout).toBe('');
    expect(verb.stderr.trim().split('\n')).toHaveLength(1);
    expect(verb.stderr).toMatch(/run `aapi login`/);
    // A second logout has nothing to do.
    expect((await w.aapi(['logout'])).code).toBe(0);
  }, 60_000);
});

describe('files', () => {
  it('run dir is 0700, the socket 0600, every file under profiles/ 0600', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'perm', tenant: 'demo' })).code).toBe(0);
    expect((await w.aapi(['go-available', '--profile', 'perm'])).code).toBe(0);
    await control.post('presentCall', { agent: 'demo' });
    expect((await w.aapi(['wait', 'NowInCall', '--profile', 'perm'])).code).toBe(0);
    const p = w.paths('perm');
    expect(mode(p.runDir)).toBe(0o700);
    expect(statSync(p.socket).isSocket()).toBe(true);
    expect(mode(p.socket)).toBe(0o600);
    expect(mode(p.lock)).toBe(0o600);
    const check = () => {
      const files = filesUnder(join(w.home, 'profiles'));
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const f of files) expect(mode(f), f).toBe(0o600);
      expect(mode(p.stateDir)).toBe(0o700);
    };
    check();
    const pid = w.daemonPid('perm')!;
    expect((await w.aapi(['logout', '--profile', 'perm'])).code).toBe(0);
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
    expect(existsSync(join(p.stateDir, 'last-exit.json'))).toBe(true);
    check();
  }, 60_000);

  it('the password is in no command line and in no file under AAPI_HOME', async () => {
    const secret = 'S3cret-Unique-123';
    const secret2 = 'An0ther-Secret-456';
    const { sim, control } = await w.sim({
      agents: { sec: { password: secret }, sec2: { password: secret2 } },
      timings: MANUAL_TIMINGS,
    });
    const a = await w.login(sim, { profile: 'sec', agent: 'sec', password: secret, tenant: 'demo' });
    const b = await w.login(sim, { profile: 'sec2', agent: 'sec2', password: secret2, extension: '8600002', stdin: true });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    // Some traffic, including the authenticate verb, which takes the password from AAPI_PASSWORD.
    expect((await w.aapi(['go-available', '--profile', 'sec'])).code).toBe(0);
    await control.post('presentCall', { agent: 'sec' });
    expect((await w.aapi(['wait', 'NowInCall', '--profile', 'sec'])).code).toBe(0);
    const auth = await w.aapi(['authenticate', '--profile', 'sec2', '--agent', 'sec2', '--extension', '8600002'], { env: { AAPI_PASSWORD: secret2 } });
    expect(auth.code, auth.stderr).toBe(0);
    expect(auth.stdout).not.toContain(secret2);
    expect((await w.aapi(['status', '--profile', 'sec2'])).code).toBe(0);
    expect((await w.aapi(['get-tenants', '--profile', 'sec2'])).code).toBe(0);

    for (const profile of ['sec', 'sec2']) {
      const pid = w.daemonPid(profile)!;
      expect(alive(pid)).toBe(true);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('__server');
      expect(cmdline).not.toContain(secret);
      expect(cmdline).not.toContain(secret2);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).not.toContain(secret);
      expect(environ).not.toContain(secret2);
    }
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).toContain('__server');
    expect(ps).not.toContain(secret);
    expect(ps).not.toContain(secret2);

    const scan = () => {
      const files = filesUnder(w.home).filter((f) => !statSync(f).isSocket());
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const f of files) {
        const text = readFileSync(f, 'latin1');
        expect(text, f).not.toContain(secret);
        expect(text, f).not.toContain(secret2);
      }
    };
    scan();
    // And once the daemons have ended (their last words are in daemon.log and last-exit.json).
    const pids = ['sec', 'sec2'].map((profile) => w.daemonPid(profile)!);
    for (const profile of ['sec', 'sec2']) expect((await w.aapi(['logout', '--profile', profile])).code).toBe(0);
    for (const pid of pids) expect(await until(() => !alive(pid), 10_000)).toBe(true);
    scan();
  }, 90_000);
});
