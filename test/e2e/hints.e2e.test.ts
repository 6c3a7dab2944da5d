import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { json, until, World } from '../helpers/e2e.js';

// Issue #15, "honest hints", through the real binary against a real `aapi sim`: what the simulator
// suggests works as written, error 99 for an agent on no campaign points at the verb that fixes
// it, `status` tells an authenticated agent from a logged-out one, and the server's log is ours.

const w = new World('hints');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

describe('the simulator\'s start-up hint', () => {
  it('is a login that works as written, up to go-available', async () => {
    const { sim } = await w.sim();
    const line = await until(() => sim.stderr().split('\n').find((l) => l.includes('try: ')), 10_000);
    const hint = line!.slice(line!.indexOf('try: ') + 'try: '.length).trim();
    expect(hint).toBe(`aapi login --server ${sim.url} --agent demo --extension 8600001 --tenant demo --campaign outbound`);
    w.profiles.add('default');
    const login = await w.aapi(hint.split(' ').slice(1), { env: { AAPI_PASSWORD: 'demo' } });
    expect(login.code, login.stderr).toBe(0);
    const available = await w.aapi(['go-available']);
    expect(available.code, available.stderr).toBe(0);
  }, 60_000);
});

describe('an agent authenticated but on no campaign', () => {
  it('status says Authenticated, not LoggedOut; go-available\'s ERROR 99 points at `aapi connect`', async () => {
    const { sim } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    expect(json(await w.aapi(['status', '--json'])).state).toBe('Authenticated');
    const r = await w.aapi(['go-available']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR 99 Serious: .*send Connect first/m);
    expect(r.stderr).toMatch(/^hint: .*`aapi connect --tenant T --campaign C`/m);
    expect(r.stderr).not.toMatch(/--help/);
    expect((await w.aapi(['connect', '--tenant', 'demo', '--campaign', 'outbound'])).code).toBe(0);
    expect(await until(async () => json(await w.aapi(['status', '--json'])).state === 'Unavailable', 10_000)).toBe(true);
  }, 60_000);
});

describe('the session server\'s log', () => {
  it('begins each start with our own line, not V8\'s flag warning, even with flags that turn WebAssembly off', async () => {
    const { sim } = await w.sim();
    // --lite-mode makes V8 drop --expose_wasm, and say so on stderr: the log.
    w.profiles.add('default');
    const r = await w.aapi(['login', '--server', sim.url, '--agent', 'demo', '--extension', '8600001'], {
      env: { AAPI_PASSWORD: 'demo', AAPI_DAEMON_NODE_OPTIONS: '--lite-mode --max-semi-space-size=1' },
    });
    expect(r.code, r.stderr).toBe(0);
    const log = readFileSync(join(w.home, 'server.log'), 'utf8');
    expect(log).not.toMatch(/Warning|expose_wasm/);
    const starts = log.split(/(?=^\S+ starting the session server)/m);
    for (const start of starts) expect(start).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z starting the session server for profile default: /);
    expect(starts.at(-1)).toMatch(/--lite-mode/);
  }, 60_000);
});

describe('aapi sim --help', () => {
  it('lists the simulator\'s options, not the client\'s', async () => {
    const r = await w.aapi(['sim', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--port/);
    expect(r.stdout).toMatch(/--cert-out/);
    for (const flag of ['--server', '--profile', '--json', '--timeout', '--max-frame', '--insecure', '--ca']) expect(r.stdout, flag).not.toContain(flag);
  }, 30_000);
});
