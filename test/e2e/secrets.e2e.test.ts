import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PROXY_REPORTERS } from '../../src/proxy/report.js';
import { FILE_REPORTERS, REPORTERS } from '../../src/recipe/report.js';
import { alive, MANUAL_TIMINGS, sleep, until, World } from '../helpers/e2e.js';
import { Client, startProxy } from '../helpers/proxy.js';
import { expectNowhere, METACHAR_PASSWORD as PW } from '../helpers/secrets.js';
import { AAPI_BIN, type Run } from '../helpers/spawn.js';
import { fillAuthenticate, quit } from '../helpers/console.js';
import { Tmux } from '../helpers/tmux.js';

// Every output of the real `aapi`, for an agent whose password is made of JSON and XML
// metacharacters: it appears in none of them, raw or escaped in any way (test/helpers/secrets.ts).
// Whoever adds an output (a reporter, a log, a file, a screen, frames on stderr, the proxy's log,
// report and recording) adds it here.

const w = new World('secrets');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

const FIXTURE = { agents: { meta: { password: PW }, meta2fa: { password: PW, secondFactor: '123456' } }, timings: MANUAL_TIMINGS };

/** Every file under `dir`, recursively, but sockets. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? filesUnder(path) : e.isSocket() ? [] : [path];
  });
}

const outputOf = (what: string, r: Run) => ({ what, text: `${r.stdout}\n${r.stderr}` });

// Its fixture, which holds the password, is written in the world's scratch folder, not under AAPI_HOME.
// --verbose: its log of the traffic is one more output (the password crosses it in every Authenticate).
const metaSim = () => w.sim(FIXTURE, ['--verbose']);

describe('a password of metacharacters is in no output', () => {
  it('of the session commands, nor in any file under AAPI_HOME (event log, daemon.log, server.log ...), nor a DeviceID outside device.json', async () => {
    const { sim, control } = await metaSim();
    const env = { AAPI_PASSWORD: PW };
    const outputs = [];
    const login = await w.login(sim, { agent: 'meta', password: PW, tenant: 'demo' });
    expect(login.code, login.stderr).toBe(0);
    outputs.push(outputOf('login', login));
    outputs.push(outputOf('go-available', await w.aapi(['go-available', '--json'])));
    await control.post('presentCall', { agent: 'meta' });
    outputs.push(outputOf('wait', await w.aapi(['wait', 'NowInCall'])));
    const auth = await w.aapi(['authenticate', '--agent', 'meta', '--extension', '8600001'], { env });
    expect(auth.code, auth.stderr).toBe(0);
    outputs.push(outputOf('authenticate', auth));
    outputs.push(outputOf('events', await w.aapi(['events', '--json'])));
    outputs.push(outputOf('status', await w.aapi(['status', '--json'])));
    outputs.push(outputOf('status --all', await w.aapi(['status', '--all', '--json'])));
    outputs.push(outputOf('authenticate --password-stdin', await w.aapi(['authenticate', '--agent', 'meta', '--extension', '8600001', '--password-stdin', '--json'], { input: `${PW}\n` })));
    const wrong = await w.login(sim, { profile: 'wrong', agent: 'meta2fa', password: `${PW}x`, extension: '8600002' });
    expect(wrong.code).toBe(3);
    outputs.push(outputOf('a refused login', wrong));

    const tfa = await w.login(sim, { profile: 'tfa', agent: 'meta2fa', password: PW, extension: '8600002', extra: ['--second-factor', '123456', '--store-device', '1'] });
    expect(tfa.code, tfa.stderr).toBe(0);
    outputs.push(outputOf('a two-factor login', tfa));
    const again = await w.aapi(['authenticate', '--profile', 'tfa', '--agent', 'meta2fa', '--extension', '8600002', '--second-factor', '123456', '--store-device', '1', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('"DeviceID":"[Masked]"');
    outputs.push(outputOf('authenticate with a second factor', again));

    const pids = [w.daemonPid()!];
    for (const profile of ['default', 'tfa']) outputs.push(outputOf('logout', await w.aapi(['logout', '--profile', profile])));
    for (const pid of pids) expect(await until(() => !alive(pid), 10_000)).toBe(true);

    const device = join(w.home, 'profiles', 'tfa', 'device.json');
    const deviceId = (JSON.parse(readFileSync(device, 'utf8')) as { deviceId: string }).deviceId;
    const files = filesUnder(w.home);
    for (const name of ['events.jsonl', 'daemon.log', 'server.log', 'last-exit.json']) expect(files.some((f) => f.endsWith(name)), name).toBe(true);
    for (const f of files) outputs.push({ what: f, text: readFileSync(f, 'latin1') });
    outputs.push({ what: 'aapi sim --verbose', text: sim.stderr() });
    for (const { what, text } of outputs) {
      expectNowhere(text, PW, what);
      if (what !== device) expect(text, what).not.toContain(deviceId);
    }
  }, 120_000);

  it.each(REPORTERS)('of aapi run --verbose --reporter %s, on stdout, stderr, in --out and every --report-* file, nor in the log of aapi sim --verbose', async (reporter) => {
    const { sim } = await metaSim();
    const env = { AAPI_PASSWORD: PW };
    const write = (name: string, text: string) => {
      const file = join(w.scratch, name);
      writeFileSync(file, text);
      return file;
    };
    const files = [
      // The password through a var: in titles, in a pattern expected, in a message.
      write('interpolated.json5', `{ name: "interpolated", vars: { pw: "\${env.AAPI_PASSWORD}" }, steps: [
        { name: "log in with \${pw}", send: "Authenticate", with: { Agent: "meta", Password: "\${pw}", extension: "8600001" }, expect: { Response: "OK" } },
        { name: "tenants for \${pw}", send: "GetTenants", expect: { tenants: ["\${pw}"] } },
      ] }`),
      // Written on the very line shown under the failure.
      write('literal.json5', `{ name: "literal", steps: [
        { send: "Authenticate", with: { Agent: "meta", Password: ${JSON.stringify(PW)}, extension: "8600001" }, expect: { Response: "NOPE" } },
      ] }`),
      // In a session's definition, and in an event's pattern that nothing matches.
      write('session.json5', `{ name: "session", vars: { pw: "\${env.AAPI_PASSWORD}" },
        sessions: { main: { agent: "meta", password: "\${pw}", extension: "8600001", tenant: "demo", campaign: "outbound" } },
        steps: [ { expectEvent: "NowInCall", where: { "data.Notes": "\${pw}" }, within: "200ms" } ] }`),
    ];
    const reports = Object.keys(FILE_REPORTERS).map((name) => [`--report-${name}`, join(w.scratch, `also.${name}`)]);
    const live = await w.aapi(['run', '--verbose', '--server', sim.url, '--reporter', reporter, ...reports.flat(), ...files], { env });
    expect(live.code, live.stderr).toBe(1);
    expect(live.stderr).toMatch(/SENT: \{"type":"Authenticate".*"Password":"\[Masked\]"/);
    for (const [flag, file] of reports) expectNowhere(readFileSync(file, 'utf8'), PW, `${reporter} with ${flag}`);
    expectNowhere(`${live.stdout}\n${live.stderr}`, PW, `${reporter} on stdout and stderr`);
    expect(live.stdout + live.stderr).toContain('[Masked]');
    const out = join(w.scratch, `report.${reporter}`);
    const toFile = await w.aapi(['run', '--server', sim.url, '--reporter', reporter, '--out', out, ...files], { env });
    expect(toFile.code, toFile.stderr).toBe(1);
    expectNowhere(`${toFile.stdout}\n${toFile.stderr}`, PW, `${reporter} with --out, on stdout and stderr`);
    expectNowhere(readFileSync(out, 'utf8'), PW, `${reporter} --out`);
    expect(sim.stderr()).toMatch(/RECEIVED: \{"type":"Authenticate".*"Password":"\[Masked\]"/);
    expectNowhere(sim.stderr(), PW, 'aapi sim --verbose');
  }, 60_000);

  it('of the console: its SENT/RECEIVED log, its :history picker, and the recipe --record writes', async () => {
    const { sim } = await metaSim();
    const secret = join(w.scratch, 'password');
    writeFileSync(secret, PW);
    const record = join(w.scratch, 'recorded.json5');
    const done = join(w.scratch, 'console-exited');
    const t = Tmux.start(
      `aapi-secrets-${process.pid}`,
      `AAPI_PASSWORD="$(cat ${secret})" AAPI_HOME=${w.home} ${process.execPath} ${AAPI_BIN} console --server ${sim.url} --record ${record}; echo "exit $?" > ${done}; sleep 60`,
    );
    try {
      await t.until(/\[LoggedOut\] Command/);
      t.type('authent');
      t.keys('Enter');
      await t.until(/Agent \(string\)/);
      t.type('meta');
      t.keys('Enter');
      await fillAuthenticate(t);
      expect(t.screen()).toContain('"Password":"[Masked]"');

      t.type(':history');
      t.keys('Enter');
      await t.until(/Send again/);
      const picker = t.screen();
      expect(picker).toMatch(/\{"type":"Authenticate".*"Password":"\[Masked\]"/);
      t.keys('Escape');
      await t.until(/Send again[\s\S]*\? \[\w+\] Command/);

      const exit = await quit(t, done);
      const screen = t.screen();
      expect(exit).toBe('exit 0');
      expectNowhere(picker, PW, 'the :history picker');
      expectNowhere(screen, PW, 'the console\'s log');
      const recorded = readFileSync(record, 'utf8');
      expect(recorded).toContain('${env.AAPI_PASSWORD}');
      expectNowhere(recorded, PW, 'the recording');
    } finally {
      t.kill();
    }
  }, 90_000);

  it('of the console logging in at start (--agent): its log, a refused login\'s log, and the recipe --record writes', async () => {
    const { sim } = await metaSim();
    const secret = join(w.scratch, 'password');
    writeFileSync(secret, PW);
    const record = join(w.scratch, 'recorded-at-start.json5');
    const runs = [
      { password: `"$(cat ${secret})"`, shown: /\[Unavailable\] Command/ },
      { password: `"$(cat ${secret})x"`, shown: /not logged in as meta/ },
    ];
    for (const [i, { password, shown }] of runs.entries()) {
      const done = join(w.scratch, `console-at-start-exited-${i}`);
      const t = Tmux.start(
        `aapi-secrets-start-${process.pid}-${i}`,
        `AAPI_PASSWORD=${password} AAPI_HOME=${w.home} ${process.execPath} ${AAPI_BIN} console --server ${sim.url} --agent meta --extension 8600001 --tenant demo --campaign outbound --record ${record}; echo "exit $?" > ${done}; sleep 60`,
      );
      try {
        await t.until(shown);
        expect(t.screen()).toContain('"Password":"[Masked]"');
        expect(await quit(t, done)).toBe('exit 0');
        expectNowhere(t.screen(), PW, 'the console\'s log');
        const recorded = readFileSync(record, 'utf8');
        expect(recorded).toContain('${env.AAPI_PASSWORD}');
        expectNowhere(recorded, PW, 'the recording');
      } finally {
        t.kill();
      }
    }
  }, 90_000);

  it.each(PROXY_REPORTERS)('of aapi proxy --reporter %s: its live log, --json lines, --log JSONL, --record and the report on stderr and in --out', async (reporter) => {
    const { sim } = await metaSim();
    const files = ['log.jsonl', 'rec.json5', 'report.out'].map((f) => join(w.scratch, `${reporter}-${f}`));
    const outputs = [];
    for (const flags of [['--log', files[0], '--record', files[1]], ['--json', '--out', files[2]]]) {
      const { url, run } = await startProxy(w, sim.url, ['--once', '--reporter', reporter, ...flags]);
      const c = await Client.open(url);
      await c.authenticate(PW, 'meta');
      // Broken frames that hold the password: a wrong type beside it, no braces, no JSON at all.
      c.send({ type: 'Authenticate', RID: 5, Agent: 'meta', Password: PW, extension: 7 });
      c.send(`"type": "Authenticate", "RID": 6, "Agent": "meta", "Password": ${JSON.stringify(PW)}, "extension": "1"`);
      c.send(`{"type": "Authenticate", "Password": ${JSON.stringify(PW)}, `);
      c.send({ type: 'Authenticate', RID: 8, Agent: 'meta', Password: 12345678, extension: '1' });
      await sleep(300);
      await c.close(1000);
      expect(await run.exited).toBe(1);
      outputs.push({ what: `proxy ${flags.join(' ')}`, text: `${run.stdout}\n${run.stderr}` });
    }
    for (const f of files) outputs.push({ what: f, text: readFileSync(f, 'utf8') });
    expect(outputs.map((o) => o.text).join('\n')).toContain('[Masked]');
    for (const { what, text } of outputs) expectNowhere(text, PW, what);
  }, 90_000);
});
