import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AAPI_BIN } from '../helpers/spawn.js';
import { MANUAL_TIMINGS, World } from '../helpers/e2e.js';
import { Tmux } from '../helpers/tmux.js';

// What the session commands show a person at a terminal (tmux), against a real `aapi sim`: the
// profiles' table, the wait for a dialler that is down, and the password asked for at a prompt.

const w = new World('terminal');
let term: Tmux | undefined;
afterEach(async () => {
  term?.kill();
  term = undefined;
  await w.cleanup();
}, 60_000);
afterAll(() => w.dispose(), 60_000);

/** `aapi ARGS` in a fresh terminal, with this world's AAPI_HOME; the exit code is printed after it. */
function inTerminal(name: string, args: string, env = ''): Tmux {
  term = Tmux.start(`aapi-${name}-${process.pid}`, `env -u AAPI_PASSWORD AAPI_HOME=${w.home} NO_COLOR=1 ${env} ${process.execPath} ${AAPI_BIN} ${args}; echo "EXIT $?"; sleep 60`);
  return term;
}

describe('on a terminal', () => {
  it('status --all shows every profile in one table', async () => {
    const { sim } = await w.sim({ timings: MANUAL_TIMINGS });
    const a = await w.login(sim, { profile: 'pa', agent: 'demo', tenant: 'demo' });
    const b = await w.login(sim, { profile: 'pb', agent: 'demo2', extension: '8600002' });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const screen = await inTerminal('table', 'status --all').until(/EXIT \d+/);
    const lines = screen.split('\n');
    const head = lines.findIndex((l) => /^PROFILE +AGENT +SID +STATE +CONNECTION\s*$/.test(l));
    expect(head, screen).toBeGreaterThanOrEqual(0);
    expect(lines[head + 1]).toMatch(new RegExp(`^pa +demo +${a.stdout.trim()} +Unavailable +connected since \\d{4}-`));
    expect(lines[head + 2]).toMatch(new RegExp(`^pb +demo2 +${b.stdout.trim()} +\\w+ +connected since \\d{4}-`));
    expect(lines[head + 3]).toBe('EXIT 0');
  }, 60_000);

  it('a verb while the dialler is down shows a spinner saying so, then gives up within --timeout, exit 3 and why', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'down' })).code).toBe(0);
    await control.post('stop', {});
    const t = inTerminal('down', 'get-tenants --profile down --timeout 4s');
    await t.until(/the dialler is unreachable: reconnecting since \S+ \(attempt \d+: .*\); waiting up to 4 s/);
    const screen = await t.until(/EXIT \d+/, 20_000);
    expect(screen).toMatch(/aapi: gave up after 4000 ms: still reconnecting to ws:\/\/127\.0\.0\.1:\d+ \(last error: .+\)/);
    expect(screen).toMatch(/EXIT 3/);
    // The spinner's line was cleared: no frame of it is left on the screen.
    expect(screen).not.toMatch(/waiting up to 4 s/);
  }, 60_000);

  it('Ctrl-C in wait: exit 130, and the spinner\'s line is cleared', async () => {
    const { sim } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'ctrlc' })).code).toBe(0);
    const t = inTerminal('ctrlc', 'wait NowInCall --profile ctrlc --timeout 60s');
    await t.until(/waiting for NowInCall/);
    t.keys('C-c');
    const screen = await t.until(/EXIT \d+/);
    expect(screen).toMatch(/EXIT 130/);
    expect(screen).not.toMatch(/waiting for NowInCall/);
  }, 60_000);

  it('authenticate asks for the password at a masked prompt when AAPI_PASSWORD is unset', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'ask' })).code).toBe(0);
    const t = inTerminal('ask', 'authenticate --profile ask --agent demo --extension 8600001');
    await t.until(/Password/);
    t.type('demo');
    t.keys('Enter');
    const screen = await t.until(/EXIT \d+/);
    expect(screen).toMatch(/EXIT 0/);
    expect(screen).not.toMatch(/demo\s*\n.*EXIT/);
    expect((await control.state()).received.Authenticate).toBe(2);
  }, 60_000);

  it('Ctrl-C at the login prompt: exit 130, nothing started', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    w.profiles.add('prompt');
    const t = inTerminal('prompt', `login --profile prompt --server ${sim.url} --agent demo --extension 8600001`);
    await t.until(/Password/);
    t.keys('C-c');
    const screen = await t.until(/EXIT \d+/);
    expect(screen).toMatch(/EXIT 130/);
    expect(screen).not.toMatch(/unexpected failure/);
    expect((await control.state()).received.Authenticate).toBe(0);
    expect(w.strayDaemons()).toEqual([]);
  }, 60_000);
});

describe('not on a terminal', () => {
  it('authenticate --password-stdin reads the password from stdin', async () => {
    const { sim, control } = await w.sim({ timings: MANUAL_TIMINGS });
    expect((await w.login(sim, { profile: 'pipe' })).code).toBe(0);
    const r = await w.aapi(['authenticate', '--profile', 'pipe', '--agent', 'demo', '--extension', '8600001', '--password-stdin'], { input: 'demo\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Response: 'OK' });
    const wrong = await w.aapi(['authenticate', '--profile', 'pipe', '--agent', 'demo', '--extension', '8600001', '--password-stdin'], { input: 'nope\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^ERROR 100 /m);
    expect((await control.state()).received.Authenticate).toBe(3);
    const flag = await w.aapi(['authenticate', '--profile', 'pipe', '--agent', 'demo', '--password', 'demo']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--password is refused/);
  }, 60_000);
});
