import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Control, json, until, World } from '../helpers/e2e.js';
import { missing } from '../helpers/needs.js';
import { AAPI_BIN, spawnSim, type SimProcess } from '../helpers/spawn.js';
import { Tmux } from '../helpers/tmux.js';

// What users give the real `aapi` binary besides flags, against a real `aapi sim` over real sockets:
// the two-factor code and the stored device, the timeout (flag and AAPI_TIMEOUT) with a slow
// dialler, AAPI_AGENT and AAPI_EXTENSION, the masked password prompt and the batch progress bar on a
// real terminal (tmux), and the RID of a raw message. No assertion depends on how fast anything is:
// a simulator's --latency only makes answers late, never early.

const w = new World('cli-inputs');
const sims: SimProcess[] = [];
const terms: Tmux[] = [];
afterEach(async () => {
  for (const t of terms.splice(0)) t.kill();
  await w.cleanup(); // logs out while the simulators still answer
  for (const s of sims.splice(0)) await s.stop();
}, 90_000);
afterAll(() => w.dispose(), 60_000);

/** A real `aapi sim --latency L`: every frame it sends leaves L late. Stopped after each test. */
async function slowSim(latency: string): Promise<{ sim: SimProcess; control: Control }> {
  const sim = await spawnSim(['--latency', latency]);
  sims.push(sim);
  return { sim, control: new Control(sim) };
}

const tmuxFound = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const noTmux = missing('tmux', tmuxFound, 'apt-get install tmux');

/**
 * A shell command for tmux that runs `aapi ARGS` in this world, with nothing inherited that changes
 * what aapi does (the tmux server's environment is not this process's: AAPI_PASSWORD above all),
 * then prints its exit code and stays on screen.
 */
function inTerminal(args: string[]): string {
  const unset = ['AAPI_PASSWORD', 'AAPI_AGENT', 'AAPI_EXTENSION', 'AAPI_TIMEOUT', 'AAPI_PROFILE', 'AAPI_SERVER', 'AAPI_ENTRY', 'FORCE_COLOR']
    .flatMap((v) => ['-u', v]);
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return ['env', ...unset, `AAPI_HOME=${w.home}`, 'NO_COLOR=1', process.execPath, AAPI_BIN, ...args].map(quote).join(' ') + '; echo "EXIT $?"; sleep 120';
}

function terminal(name: string, command: string, cols = 160, rows = 50): Tmux {
  const t = Tmux.start(`aapi-cli-inputs-${name}-${process.pid}`, command, cols, rows);
  terms.push(t);
  return t;
}

describe('two-factor login from the CLI', () => {
  it('without --second-factor exits 3 with a hint; with the code and --store-device it logs in and keeps device.json; a later login needs no code', async () => {
    const { sim, control } = await w.sim();
    const p = w.paths();
    const deviceFile = join(p.stateDir, 'device.json');

    const noCode = await w.login(sim, { agent: 'demo2fa' });
    expect(noCode.code, noCode.stderr).toBe(3);
    expect(noCode.stdout).toBe('');
    expect(noCode.stderr).toMatch(/ERROR 107 Critical: Requires Second Factor/);
    expect(noCode.stderr).toMatch(/^hint: .*--second-factor/m);
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(deviceFile)).toBe(false);
    expect(await until(() => w.strayDaemons().length === 0, 10_000)).toBe(true);

    const withCode = await w.login(sim, { agent: 'demo2fa', extra: ['--second-factor', '123456', '--store-device', '7'] });
    expect(withCode.code, withCode.stderr).toBe(0);
    expect(withCode.stdout).toMatch(/^\d+\n$/);
    const firstSid = Number(withCode.stdout);
    expect((await control.state()).agents.demo2fa).toMatchObject({ sid: firstSid, connected: true });
    expect(existsSync(deviceFile)).toBe(true);
    expect(statSync(deviceFile).mode & 0o777).toBe(0o600);
    const device = readFileSync(deviceFile, 'utf8');
    expect(Object.keys(JSON.parse(device))).toEqual(['deviceId']);
    expect(JSON.parse(device).deviceId).toMatch(/^\S+$/);

    const out = await w.aapi(['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(await until(() => !existsSync(p.lock), 10_000)).toBe(true);

    // No code now: the stored device lets the agent in, with one Authenticate and no 107 first.
    const before = (await control.state()).received.Authenticate;
    const again = await w.login(sim, { agent: 'demo2fa' });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^\d+\n$/);
    expect(Number(again.stdout)).not.toBe(firstSid);
    expect((await control.state()).received.Authenticate).toBe(before + 1);
    expect((await w.aapi(['get-tenants'])).code).toBe(0);
    expect(readFileSync(deviceFile, 'utf8')).toBe(device);

    // And it was the device: once the dialler forgets it, the code is asked for again.
    expect((await w.aapi(['logout'])).code).toBe(0);
    expect(await until(() => !existsSync(p.lock), 10_000)).toBe(true);
    await control.post('expireDevices');
    const forgotten = await w.login(sim, { agent: 'demo2fa' });
    expect(forgotten.code).toBe(3);
    expect(forgotten.stderr).toMatch(/ERROR 107/);
  }, 90_000);

  it('after the dialler drops the connection, the daemon authenticates again with the stored device, asking no code', async () => {
    const { sim, control } = await w.sim();
    const login = await w.login(sim, { agent: 'demo2fa', extra: ['--second-factor', '123456', '--store-device', '1'] });
    expect(login.code, login.stderr).toBe(0);
    const firstSid = Number(login.stdout);
    const pid = w.daemonPid();
    expect(pid).toBeDefined();
    expect((await control.state()).received.Authenticate).toBe(1);

    await control.post('dropConnections');
    // Either the session is back with a new SID, or the daemon has ended (status exits 3): stop at either.
    const after = await until(async () => {
      const s = await w.aapi(['status', '--json'], { ms: 15_000 });
      if (s.code !== 0) return s;
      return json(s).SID !== firstSid ? s : undefined;
    }, 30_000, 200);
    expect(after, 'no new session within 30 s').toBeDefined();
    expect(after!.code, `${after!.stderr} ${readFileSync(join(w.paths().stateDir, 'daemon.log'), 'utf8')}`).toBe(0);
    const status = json(after!);
    expect(status).toMatchObject({ profile: 'default', agent: 'demo2fa' });
    expect(status.SID).not.toBe(firstSid);

    const state = await control.state();
    expect(state.received.Authenticate).toBe(2);
    expect(state.agents.demo2fa).toMatchObject({ sid: status.SID, connected: true });
    expect(w.daemonPid()).toBe(pid);
    const tenants = await w.aapi(['get-tenants']);
    expect(tenants.code, tenants.stderr).toBe(0);
    expect(json(tenants).tenants).toEqual(['demo', 'other']);
  }, 90_000);
});

describe('--timeout and AAPI_TIMEOUT', () => {
  it('a verb with no answer within --timeout exits 4 with a one-line message', async () => {
    const { sim, control } = await slowSim('3s');
    const login = await w.login(sim);
    expect(login.code, login.stderr).toBe(0);
    const before = (await control.state()).received.GetTenants;

    const r = await w.aapi(['get-tenants', '--timeout', '300ms']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^aapi: no answer to GetTenants within 300 ms\n$/);
    // It was sent: the answer is what did not come in time.
    expect((await control.state()).received.GetTenants).toBe(before + 1);
  }, 90_000);

  it('AAPI_TIMEOUT sets the timeout without the flag (a bare number is milliseconds); a bad value exits 2 and sends nothing', async () => {
    const { sim, control } = await slowSim('3s');
    const login = await w.login(sim);
    expect(login.code, login.stderr).toBe(0);
    const before = (await control.state()).received.GetTenants;

    const r = await w.aapi(['get-tenants'], { env: { AAPI_TIMEOUT: '300ms' } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^aapi: no answer to GetTenants within 300 ms\n$/);

    const bare = await w.aapi(['get-tenants'], { env: { AAPI_TIMEOUT: '250' } });
    expect(bare.code, bare.stderr).toBe(4);
    expect(bare.stderr).toMatch(/^aapi: no answer to GetTenants within 250 ms\n$/);
    expect((await control.state()).received.GetTenants).toBe(before + 2);

    const bad = await w.aapi(['get-tenants'], { env: { AAPI_TIMEOUT: 'soon' } });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^aapi: AAPI_TIMEOUT takes a duration .*"soon"/);
    expect((await control.state()).received.GetTenants).toBe(before + 2);
  }, 90_000);
});

describe('AAPI_AGENT and AAPI_EXTENSION', () => {
  it('login takes the agent and the extension from the environment', async () => {
    const { sim, control } = await w.sim();
    w.profiles.add('default');
    const r = await w.aapi(['login', '--server', sim.url], { env: { AAPI_PASSWORD: 'demo', AAPI_AGENT: 'demo2', AAPI_EXTENSION: '8600042' } });
    expect(r.code, r.stderr).toBe(0);
    const sid = Number(r.stdout);
    expect((await control.state()).agents.demo2).toMatchObject({ sid, connected: true, extension: '8600042' });
    expect(json(await w.aapi(['status']))).toMatchObject({ agent: 'demo2', SID: sid });

    // With neither the flag nor the variable there is no agent: exit 2, nothing sent.
    const none = await w.aapi(['login', '--server', sim.url, '--profile', 'none'], { env: { AAPI_PASSWORD: 'demo', AAPI_EXTENSION: '8600042' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/AAPI_AGENT/);
    expect((await control.state()).received.Authenticate).toBe(1);
  }, 60_000);
});

describe.skipIf(noTmux)('on a terminal', () => {
  it('login without AAPI_PASSWORD asks for the password with a masked prompt and logs in', async () => {
    const { sim, control } = await w.sim();
    w.profiles.add('default');
    const t = terminal('password', inTerminal(['login', '--agent', 'demo', '--extension', '8600001', '--server', sim.url]), 120, 20);
    await t.until(/Password/);
    expect((await control.state()).received.Authenticate).toBe(0);
    t.type('demo');
    // Four keys typed, four mask characters shown: the keys arrived, the letters did not show.
    const typed = await t.until(/Password\W*\*{4}\s*$/m);
    expect(typed).not.toContain('demo');
    t.keys('Enter');
    const end = await t.until(/EXIT \d+/, 30_000);
    expect(end).toMatch(/EXIT 0/);
    expect(end).not.toContain('demo');
    const sid = Number(/^(\d+)$/m.exec(end)?.[1]);
    expect(sid).toBeGreaterThan(0);
    expect((await control.state()).agents.demo).toMatchObject({ sid, connected: true });
    expect(json(await w.aapi(['status']))).toMatchObject({ agent: 'demo', SID: sid });
  }, 60_000);

  it('aapi batch draws a progress bar with counts while it runs, then the summary; the output has every row', async () => {
    // 8 requests in flight (the default), each answer 20 ms late: at most 400 rows/s, so 2000 rows
    // take 5 s at the very least, whatever the machine, and the bar is seen while it runs.
    const { sim } = await slowSim('20ms');
    const login = await w.login(sim);
    expect(login.code, login.stderr).toBe(0);
    const rows = 2000;
    const input = join(w.scratch, 'urns.csv');
    writeFileSync(input, `Parameters.URN\n${Array.from({ length: rows }, (_, i) => String(1001 + (i % 5))).join('\n')}\n`);
    const output = join(w.scratch, 'results.jsonl');
    const t = terminal('batch', inTerminal(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', output]), 150, 20);

    const bar = new RegExp(`[█░]{24} (\\d+)/${rows} (\\d+)% · \\d+ rows/s · 0 failed`, 'g');
    const seen = new Set<number>();
    const deadline = Date.now() + 120_000;
    let screen = t.screen();
    while (!/EXIT \d+/.test(screen) && Date.now() < deadline) {
      const bars = [...screen.matchAll(bar)];
      if (bars.length > 0) {
        // Redrawn in place: one bar on the screen, never a scroll of them.
        expect(bars, screen).toHaveLength(1);
        const [, done, percent] = bars[0];
        expect(Number(percent)).toBe(Math.round((Number(done) / rows) * 100));
        if (Number(done) > 0 && Number(done) < rows) seen.add(Number(done));
      }
      await new Promise((r) => setTimeout(r, 100));
      screen = t.screen();
    }
    expect(screen).toMatch(/EXIT 0/);
    expect(seen.size, 'progress counts seen while running').toBeGreaterThanOrEqual(2);
    // At the end the bar is gone and the summary is there.
    expect(screen).not.toMatch(/[█░]/);
    expect(screen).toMatch(new RegExp(`${rows} rows: ${rows} ok, 0 failed, 0 unknown, 0 not sent \\(\\d+ rows/s\\) → ${output.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    const lines = readFileSync(output, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { row: number; ok: boolean; response?: Record<string, any> });
    expect(lines).toHaveLength(rows);
    expect(lines.map((l) => l.row).sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    expect(lines.every((l) => l.ok)).toBe(true);
  }, 180_000);
});

describe('aapi send', () => {
  it('keeps the RID the user gave; fills one in when none is given', async () => {
    const { sim } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    const given = await w.aapi(['send', '{type:"GetTenants", RID: 4242}', '--json']);
    expect(given.code, given.stderr).toBe(0);
    expect(json(given)).toEqual({ RID: 4242, tenants: ['demo', 'other'] });

    const filled = await w.aapi(['send', '{type: "GetTenants"}', '--json']);
    expect(filled.code, filled.stderr).toBe(0);
    expect(json(filled)).toMatchObject({ RID: expect.any(Number), tenants: ['demo', 'other'] });
    expect(json(filled).RID).not.toBe(4242);
  }, 60_000);

  it('a command line over the session socket\'s line limit (1 MiB) exits 2 with one line, and nothing is sent', async () => {
    const { sim, control } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    // One argument may not pass 128 KiB on Linux: ten of 120 KB make a line past the limit.
    const data = Array.from({ length: 10 }, (_, i) => ['--data', `K${i}=${'x'.repeat(120_000)}`]).flat();
    const before = (await control.state()).received.GetRecord ?? 0;
    const r = await w.aapi(['get-record', '--urn', '1001', ...data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aapi: the session server refused this command: a line longer than \d+ characters\n$/);
    expect((await control.state()).received.GetRecord ?? 0).toBe(before);
  }, 60_000);

  it('refuses, exit 2 in one line and nothing sent: an Acknowledge without the event\'s RID, a message nested too deep (both once failed "unexpected")', async () => {
    const { sim, control } = await w.sim();
    expect((await w.login(sim)).code).toBe(0);
    const before = (await control.state()).received;
    const deep = `{type: "GetAgents", x: ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    for (const [message, error] of [
      ['{type: "Acknowledge"}', 'aapi: Acknowledge.RID is required: the RID of the event it acknowledges'],
      ['{type: "acknowledge", SID: 1}', 'aapi: Acknowledge.RID is required: the RID of the event it acknowledges'],
      [deep, 'aapi: malformed JSON5: nested more than 64 levels deep at 1:87'],
    ]) {
      const r = await w.aapi(['send', message]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`${error}\n`);
    }
    expect((await control.state()).received).toEqual(before);
    // The limit leaves room for any real message.
    const nested = await w.aapi(['send', `{type: "GetTenants", x: ${'['.repeat(60)}${']'.repeat(60)}}`, '--json']);
    expect(nested.code, nested.stderr).toBe(0);
  }, 60_000);

  it('keeps a SID the user gave, even a wrong one: the dialler\'s 198 is the answer, and the session is left alone', async () => {
    const { sim, control } = await w.sim();
    const login = await w.login(sim);
    expect(login.code).toBe(0);
    const before = await control.state();
    const r = await w.aapi(['send', '{type:"GetTenants", SID: 1, RID: 77}', '--json']);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(/^ERROR 198 /m);
    const after = await control.state();
    expect(after.received.Authenticate).toBe(before.received.Authenticate);
    expect(after.received.GetTenants - (before.received.GetTenants ?? 0)).toBe(1);
    expect(json(await w.aapi(['status']))).toMatchObject({ SID: Number(login.stdout) });
  }, 60_000);
});

describe('aapi run with a pattern the shell did not expand (a Windows shell expands none)', () => {
  it('expands it itself: the recipes it matches, in order; one that matches nothing exits 2 naming it', async () => {
    const root = join(AAPI_BIN, '..', '..');
    const r = await w.aapi(['run', '--check', 'recipes/*.json5'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^recipes\/call-controls\.json5: ok \(\d+ steps\)\nrecipes\/data-and-callbacks\.json5: ok/);
    const none = await w.aapi(['run', '--check', 'recipes/*.yaml'], { cwd: root });
    expect(none).toMatchObject({ code: 2, stderr: 'aapi: no file matches recipes/*.yaml\n' });
  });
});
