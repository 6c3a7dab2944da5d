import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Simulator } from '../../src/sim/server.js';
import { startTestSim } from '../helpers/client.js';
import { expectNowhere, METACHAR_PASSWORD } from '../helpers/secrets.js';
import { runAapiIn } from './aapi.js';
import { elements, parseXml } from './xml.js';

// The real `aapi run` binary: exit codes, several files, --var, the reporters and --out, --check,
// and secrets masked in every reporter's output.

let dir: string;
let home: string;
let sim: Simulator;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aapi-run-e2e-'));
  home = mkdtempSync(join(tmpdir(), 'aapi-run-home-'));
  sim = await startTestSim();
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A WebSocket server that only counts connections and frames: proof that nothing was sent. */
async function countingServer(): Promise<{ url: string; connections: () => number; frames: () => number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  let frames = 0;
  wss.on('connection', (ws) => {
    connections++;
    ws.on('message', () => frames++);
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connections: () => connections, frames: () => frames };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};

const LOGIN = '{ send: "Authenticate", with: { Agent: "demo", Password: "demo", extension: "8600001" }, expect: { Response: "OK" } }';
const passing = (name: string) => write(`${name}.json5`, `{ name: "${name}", steps: [ ${LOGIN}, { send: "GetTenants", expect: { tenants: ["demo", "other"] } }, { send: "Logoff" } ] }`);
const failing = (name: string) => write(`${name}.json5`, `{ name: "${name}", steps: [ ${LOGIN}, { send: "GetTenants", expect: { tenants: ["nope"] } }, { send: "Logoff" } ] }`);
const invalid = (name: string) => write(`${name}.json5`, '{ steps: [ { send: "GoAvailible" } ] }');

const ENV = () => ({ AAPI_HOME: home, NO_COLOR: '1', AAPI_PASSWORD: '', AAPI_SERVER: '' });
const aapi = (args: string[], env: NodeJS.ProcessEnv = {}) => runAapiIn(dir, args, { env: { ...ENV(), ...env }, ms: 15_000 });

describe('aapi run exit codes', () => {
  it('0 when every step passed (against --server)', async () => {
    const r = await aapi(['run', '--server', sim.url, passing('pass')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 of 1 recipe passed; 3 passed, 0 failed');
    expect(r.stdout).toBe('');
  });

  it('0 with --sim, and a full cycle with events and control steps against the test simulator', async () => {
    const file = write('cycle.json5', `{
      name: "cycle",
      sessions: { main: { agent: "demo", password: "demo", extension: "8600001", tenant: "demo", campaign: "outbound" } },
      steps: [
        { expectEvent: "NowUnavailable" },
        { send: "GoAvailable", with: { live: 1, offline: 0, interactive: 0 } },
        { expectEvent: "NowWaiting", within: "5s" },
        { expectEvent: "NowAvailable", within: "5s" },
        { expectEvent: "NowInCall", within: "5s", where: { calltype: 0 }, capture: { urn: "data.URN" } },
        { send: "StartWrap" },
        { expectEvent: "NowWrapping" },
        { send: "Disposition", with: { outcome: 251, data: { URN: "\${urn}" } } },
        { send: "Logoff" },
        { expectEvent: "NowLoggedOff" },
      ],
    }`);
    const r = await aapi(['run', '--server', sim.url, '--control', sim.controlUrl, file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('10 passed, 0 failed');
    const s = await aapi(['run', '--sim', passing('pass-sim')]);
    expect(s.code, s.stderr).toBe(0);
  });

  it('a control reset step: a clean world mid-recipe, the recipe\'s sessions logged in again after it', async () => {
    const own = await startTestSim();
    try {
      const file = write('reset.json5', `{
        name: "reset",
        sessions: { main: { agent: "demo", password: "demo", extension: "8600001", tenant: "demo", campaign: "outbound" } },
        steps: [
          { expectEvent: "NowUnavailable" },
          { send: "GoAvailable", with: { live: 1, offline: 0, interactive: 0 } },
          { expectEvent: "NowInCall", within: "5s", where: { data: { URN: "1001" } } },
          { send: "NewRecord", expect: { data: { URN: "5001" } } },
          { control: "reset" },
          { expectEvent: "NowUnavailable" },
          { send: "NewRecord", expect: { data: { URN: "5001" } } },
          { send: "GoAvailable", with: { live: 1, offline: 0, interactive: 0 } },
          { expectEvent: "NowInCall", within: "5s", where: { data: { URN: "1001" } } },
        ],
      }`);
      const r = await aapi(['run', '--server', own.url, '--control', own.controlUrl, file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('✔ control reset');
      // Only the second login's requests were counted since the reset.
      expect((own.control.state() as { received: Record<string, number> }).received).toMatchObject({ Authenticate: 1, Connect: 1, NewRecord: 1, GoAvailable: 1 });
      const check = await aapi(['run', '--check', file]);
      expect(check.code, check.stderr).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('expectNoEvent fails on an unconsumed match whenever it came, and passes once an expectEvent took it', async () => {
    const steps = (between: string) => `{ name: "no event", steps: [ ${LOGIN},
      { send: "Connect", with: { tenant: "demo", campaign: "outbound" } }, ${between} { send: "GetTenants" },
      { expectNoEvent: "NowUnavailable", within: "300ms" } ] }`;
    const consumed = await aapi(['run', '--server', sim.url, write('no-event-consumed.json5', steps('{ expectEvent: "NowUnavailable" },'))]);
    expect(consumed.code, consumed.stderr).toBe(0);
    // Connect's NowUnavailable, two steps back, whether it came before the step or during it.
    const left = await aapi(['run', '--server', sim.url, write('no-event-left.json5', steps(''))]);
    expect(left.code).toBe(1);
    expect(left.stderr).toContain('NowUnavailable arrived and no expectEvent consumed it; none was expected within 300 ms');
  });

  it('1 when a step failed, the steps after it skipped', async () => {
    const r = await aapi(['run', '--server', sim.url, failing('fail')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('✘ send GetTenants');
    expect(r.stderr).toContain('--> fail.json5:1:');
    expect(r.stderr).toContain('- send Logoff (skipped)');
    expect(r.stderr).toContain('0 of 1 recipe passed; 1 passed, 1 failed');
  });

  it('2 for an invalid recipe, a bad --var, a bad reporter or an unreadable file; nothing sent', async () => {
    const server = await countingServer();
    const bad = await aapi(['run', '--server', server.url, invalid('invalid')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid.json5:1:20: unknown request "GoAvailible"; did you mean "GoAvailable"?');
    expect((await aapi(['run', '--server', server.url, passing('p2'), '--var', 'novalue'])).code).toBe(2);
    const rep = await aapi(['run', '--server', server.url, '--reporter', 'xml', passing('p3')]);
    expect(rep.code).toBe(2);
    expect(rep.stderr).toContain('--reporter is one of pretty, junit, tap, json, html, got "xml"');
    const missing = await aapi(['run', '--server', server.url, 'no-such-file.json5']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read no-such-file.json5: ENOENT');
    expect(server.connections()).toBe(0);
  });

  it('2 when one of several files is invalid: every file is checked first, so nothing is sent', async () => {
    const server = await countingServer();
    const r = await aapi(['run', '--server', server.url, passing('first-ok'), invalid('second-bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('second-bad.json5:1:20');
    expect(server.connections()).toBe(0);
  });

  it('3 when the server cannot be reached', async () => {
    const port = await closedPort();
    const r = await aapi(['run', '--server', `ws://127.0.0.1:${port}`, passing('unreachable')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`✘ cannot connect to ws://127.0.0.1:${port}`);
    const j = await aapi(['run', '--server', `ws://127.0.0.1:${port}`, '--reporter', 'json', passing('unreachable')]);
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout).recipes[0]).toMatchObject({ passed: false, unreachable: true, steps: [] });
  });
});

describe('aapi run with several files', () => {
  it('runs each in turn, reports each, and fails when one failed', async () => {
    const r = await aapi(['run', '--server', sim.url, passing('one'), failing('two'), passing('three')]);
    expect(r.code).toBe(1);
    const order = ['one (one.json5)', 'two (two.json5)', 'three (three.json5)'].map((h) => r.stderr.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.stderr).toContain('2 of 3 recipes passed; 7 passed, 1 failed');
  });

  it('exits 0 when all passed', async () => {
    const r = await aapi(['run', '--server', sim.url, passing('a'), passing('b')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('2 of 2 recipes passed; 6 passed, 0 failed');
  });
});

describe('aapi run --var', () => {
  // The recipe comes before --var: yargs reads every word after --var as one of its values.
  const file = () => write('vars.json5', `{
    vars: { tenant: "nope", who: "demo" },
    steps: [
      { send: "Authenticate", with: { Agent: "\${who}", Password: "demo", extension: "\${ext}" } },
      { send: "GetCampaigns", with: { tenant: "\${tenant}" }, expect: { campaigns: ["outbound", "paused"] } },
    ],
  }`);

  it('overrides the recipe\'s vars and defines new ones', async () => {
    const r = await aapi(['run', '--server', sim.url, file(), '--var', 'tenant=demo', '--var', 'ext=8600001']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('without the override the recipe\'s own value is used (and fails here)', async () => {
    const r = await aapi(['run', '--server', sim.url, file(), '--var', 'ext=8600001']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✘ send GetCampaigns');
  });

  it('names a var that is defined nowhere, and where, before anything is sent (exit 2)', async () => {
    const server = await countingServer();
    const r = await aapi(['run', '--server', server.url, file(), '--var', 'tenant=demo']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('vars.json5:4:86: ${ext} is not defined');
    expect(server.connections()).toBe(0);
  });

  it('keeps everything after the first "=" as the value', async () => {
    const eq = write('eq.json5', `{ steps: [ ${LOGIN}, { send: "GetTenants", expect: { tenants: ["\${v}"] } } ] }`);
    const r = await aapi(['run', '--server', sim.url, eq, '--var', 'v=a=b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expected ["a=b"], got ["demo","other"]');
  });
});

describe('aapi run reporters', () => {
  const files = () => [passing('rep-pass'), failing('rep-fail')];

  it('junit of a run that could not connect says why: on stderr beside the summary, and as the testsuite\'s error', async () => {
    const port = await closedPort();
    const url = `ws://127.0.0.1:${port}`;
    const out = join(dir, 'unreachable.xml');
    const r = await aapi(['run', '--server', url, '--reporter', 'junit', '--out', out, passing('junit-down')]);
    expect(r.code).toBe(3);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^✘ junit-down \\(junit-down\\.json5\\): cannot connect to ${url}: connection refused`));
    expect(lines).toContain('0 of 1 recipe passed; 0 passed, 0 failed; 1 did not run');
    expect(lines).toContain('hint: is the server running? `aapi sim` starts a local one');
    const suite = elements(parseXml(readFileSync(out, 'utf8')), 'testsuite')[0];
    expect(suite.attrs).toMatchObject({ errors: '1', tests: '1' });
    expect(elements(suite, 'error')[0].attrs.message).toMatch(new RegExp(`^cannot connect to ${url}: connection refused`));
    // To stdout, the report stays alone there; why is still said on stderr.
    const s = await aapi(['run', '--server', url, '--reporter', 'junit', passing('junit-down')]);
    expect(s.code).toBe(3);
    expect(elements(parseXml(s.stdout), 'error')).toHaveLength(1);
    expect(s.stderr).toMatch(/^✘ junit-down \(junit-down\.json5\): cannot connect to .*connection refused/);
  });

  it('junit to --out: well-formed, one testsuite per recipe with its file, one testcase per step with its line', async () => {
    const out = join(dir, 'report.xml');
    const r = await aapi(['run', '--server', sim.url, '--reporter', 'junit', '--out', out, ...files()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('1 of 2 recipes passed');
    const doc = parseXml(readFileSync(out, 'utf8'));
    const suites = elements(doc, 'testsuite');
    expect(suites.map((s) => s.attrs.file)).toEqual(['rep-pass.json5', 'rep-fail.json5']);
    expect(suites.map((s) => elements(s, 'testcase').length)).toEqual([3, 3]);
    expect(elements(suites[1], 'testcase').map((c) => c.children.map((x) => x.name).join())).toEqual(['', 'failure', 'skipped']);
    expect(elements(doc, 'testcase').every((c) => c.attrs.line === '1')).toBe(true);
    expect(elements(doc, 'failure')[0].attrs.message).toBe('the response does not match at tenants: expected ["nope"], got ["demo","other"]');
  });

  it('junit without --out goes to stdout, alone', async () => {
    const r = await aapi(['run', '--server', sim.url, '--reporter', 'junit', passing('rep-stdout')]);
    expect(r.code).toBe(0);
    expect(elements(parseXml(r.stdout), 'testcase')).toHaveLength(3);
  });

  it('tap to --out: a plan matching the test points, not ok with a YAML block', async () => {
    const out = join(dir, 'report.tap');
    const r = await aapi(['run', '--server', sim.url, '--reporter', 'tap', '--out', out, ...files()]);
    expect(r.code).toBe(1);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const points = lines.filter((l) => /^(not )?ok \d+ /.test(l));
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', `1..${points.length}`]);
    expect(points).toHaveLength(6);
    const notOk = lines.indexOf('not ok 5 - rep-fail: send GetTenants');
    expect(notOk).toBeGreaterThan(0);
    expect(lines[notOk + 1]).toBe('  ---');
    expect(lines[notOk + 3]).toMatch(/^ {2}at: rep-fail\.json5:1:\d+$/);
    expect(lines.slice(notOk + 1).indexOf('  ...')).toBe(5);
    expect(points[5]).toBe('ok 6 - rep-fail: send Logoff # SKIP an earlier step failed');
  });

  it('json to --out and to stdout', async () => {
    const out = join(dir, 'report.json');
    const r = await aapi(['run', '--server', sim.url, '--reporter', 'json', '--out', out, ...files()]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.passed).toBe(false);
    expect(doc.recipes.map((x: { name: string; passed: boolean }) => [x.name, x.passed])).toEqual([['rep-pass', true], ['rep-fail', false]]);
    expect(doc.recipes[1].steps.map((s: { status: string }) => s.status)).toEqual(['passed', 'failed', 'skipped']);
    const s = await aapi(['run', '--server', sim.url, '--reporter', 'json', passing('rep-json')]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).passed).toBe(true);
  });
});

describe('aapi run checks every ${...} before anything is sent', () => {
  const needsPassword = () => write('needs-password.json5', `{
    vars: { password: "\${env.AAPI_PASSWORD}" },
    steps: [ { send: "Authenticate", with: { Agent: "demo", Password: "\${password}", extension: "8600001" } } ],
  }`);

  it('an unset AAPI_PASSWORD: exit 2 naming it and its place, in a run and in --check; set, it runs', async () => {
    const server = await countingServer();
    // Undefined: not passed to the child at all, whatever the test's own environment holds.
    const unset = { ...ENV(), AAPI_PASSWORD: undefined };
    for (const args of [['run', '--server', server.url, needsPassword()], ['run', '--check', needsPassword()]]) {
      const r = await runAapiIn(dir, args, { env: unset, ms: 15_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('aapi: needs-password.json5:2:24: ${env.AAPI_PASSWORD} is not defined: AAPI_PASSWORD is not set in the environment (set it, or give --var password=...)');
      expect(r.stderr).not.toContain('unexpected failure');
    }
    expect(server.connections()).toBe(0);
    const ok = await aapi(['run', '--server', sim.url, needsPassword()], { AAPI_PASSWORD: 'demo' });
    expect(ok.code, ok.stderr).toBe(0);
    // A --var in its place needs no environment variable.
    const given = await runAapiIn(dir, ['run', '--server', sim.url, needsPassword(), '--var', 'password=demo'], { env: unset, ms: 15_000 });
    expect(given.code, given.stderr).toBe(0);
  });
});

describe('aapi run expectError of a number the spec does not list', () => {
  it('warns naming file:line:column, runs the step, and passes when the server answers that number', async () => {
    // A real dialler may answer codes its spec does not list.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(wss);
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const { RID } = JSON.parse(data.toString()) as { RID: number };
      ws.send(JSON.stringify({ Response: 'ERROR', RID, ErrorLevel: 'Serious', ErrorNumber: 999, ErrorMessage: 'Site rule' }));
    }));
    const file = write('unlisted.json5', '{ steps: [\n  { send: "GetTenants", expectError: 999 },\n] }');
    const r = await aapi(['run', '--server', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('999'))[0]).toBe('aapi: warning: unlisted.json5:2:38: expectError 999 is not an error number the spec lists (a real dialler may answer it): the step runs');
    expect(r.stderr).toContain('1 of 1 recipe passed; 1 passed, 0 failed');
    const check = await aapi(['run', '--check', file]);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain('aapi: warning: unlisted.json5:2:38:');
    expect(check.stderr).toContain('unlisted.json5: ok (1 steps)');
  });
});

describe('aapi run --check', () => {
  it('reports every error of every file, each headline with file:line:column, and exits 2', async () => {
    const two = write('two-errors.json5', '{ steps: [\n  { send: "GoAvailible" },\n  { send: "GetRecord", with: { URN: "${urn}" } },\n] }');
    const r = await aapi(['run', '--check', two, invalid('also-bad'), 'missing.json5']);
    expect(r.code).toBe(2);
    const headlines = r.stderr.split('\n').filter((l) => l.startsWith('aapi: '));
    expect(headlines).toEqual([
      'aapi: two-errors.json5:2:11: unknown request "GoAvailible"; did you mean "GoAvailable"?',
      'aapi: two-errors.json5:3:38: ${urn} is not defined: it is not a var, a --var, a capture of an earlier step, a forEach row or env.NAME',
      'aapi: also-bad.json5:1:20: unknown request "GoAvailible"; did you mean "GoAvailable"?',
      'aapi: cannot read missing.json5: ENOENT',
    ]);
  });

  it('validates every file and sends nothing, even to a live server', async () => {
    const server = await countingServer();
    const r = await aapi(['run', '--check', '--server', server.url, passing('c1'), failing('c2')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('c1.json5: ok (3 steps)');
    expect(r.stderr).toContain('c2.json5: ok (3 steps)');
    const bad = await aapi(['run', '--check', '--server', server.url, invalid('c3')]);
    expect(bad.code).toBe(2);
    expect(server.connections()).toBe(0);
    expect(server.frames()).toBe(0);
  });
});

describe('aapi run masks secrets in every reporter', () => {
  const TOKEN = 'T0ken-XYZ';
  const PASSWORD = 'pw-Secret-42';
  const ENV_PASSWORD = 'Env-Pa55word';
  const files = () => [
    // A secret var that ends up in a failure message, expected and actual.
    write('secret-var.json5', `{ name: "secret var", vars: { token: "${TOKEN}" }, secrets: ["token"], steps: [
      ${LOGIN},
      { send: "GetTenants", expect: { tenants: ["\${token}"] } },
    ] }`),
    // A Password the response is expected to carry (from a var that is not secret): masked in the
    // message, expected and actual all the same.
    write('password.json5', `{ name: "password", vars: { pw: "${PASSWORD}" }, steps: [
      ${LOGIN},
      { send: "GetTenants", expect: { Password: "\${pw}" } },
    ] }`),
    // AAPI_PASSWORD, read through env, shown nowhere.
    write('env-password.json5', `{ name: "env password", vars: { pw: "\${env.AAPI_PASSWORD}" }, steps: [
      ${LOGIN},
      { send: "GetTenants", expect: { tenants: ["\${pw}"] } },
    ] }`),
  ];

  const expectMasked = (text: string, what: string) => {
    expect(text, what).not.toContain(TOKEN);
    expect(text, what).not.toContain(PASSWORD);
    expect(text, what).not.toContain(ENV_PASSWORD);
    expect(text, what).toContain('[Masked]');
  };

  it.each(['pretty', 'junit', 'tap', 'json'])('%s, on stdout and stderr and in --out', async (reporter) => {
    const env = { AAPI_PASSWORD: ENV_PASSWORD };
    const live = await aapi(['run', '--server', sim.url, '--reporter', reporter, ...files()], env);
    expect(live.code).toBe(1);
    expectMasked(live.stdout + live.stderr, `${reporter} output`);
    for (const name of ['secret var', 'password', 'env password']) expect(live.stdout + live.stderr).toContain(name);
    const out = join(dir, `masked.${reporter}`);
    const toFile = await aapi(['run', '--server', sim.url, '--reporter', reporter, '--out', out, ...files()], env);
    expect(toFile.code).toBe(1);
    expectMasked(readFileSync(out, 'utf8'), `${reporter} --out`);
    expect(toFile.stdout + toFile.stderr).not.toContain(TOKEN);
  });

  it('shows the masked failure where the secret was', async () => {
    const r = await aapi(['run', '--server', sim.url, files()[0]]);
    expect(r.stderr).toContain('the response does not match at tenants: expected ["[Masked]"], got ["demo","other"]');
    expect(r.stderr).toContain('expected: {"tenants":["[Masked]"]}');
    const p = await aapi(['run', '--server', sim.url, files()[1]]);
    expect(p.stderr).toContain('the response does not match at Password: expected "[Masked]", got undefined');
    expect(p.stderr).toContain('expected: {"Password":"[Masked]"}');
    const e = await aapi(['run', '--server', sim.url, files()[2]], { AAPI_PASSWORD: ENV_PASSWORD });
    expect(e.stderr).toContain('expected: {"tenants":["[Masked]"]}');
  });

  // The findings of a review, each once.
  const titled = () => write('titled.json5', `{ name: "titled", vars: { pw: "\${env.AAPI_PASSWORD}" }, steps: [
    ${LOGIN},
    { name: "tenants for \${pw}", send: "GetTenants", expect: { tenants: ["\${pw}"] } },
  ] }`);

  it('masks a title that interpolates the password in the failure\'s headline as on its ✘ line', async () => {
    const r = await aapi(['run', '--server', sim.url, titled()], { AAPI_PASSWORD: ENV_PASSWORD });
    expect(r.stderr).toContain('  ✘ tenants for [Masked]');
    expect(r.stderr).toContain('error: tenants for [Masked] failed');
    expect(r.stderr).not.toContain(ENV_PASSWORD);
  });

  it.each(['pretty', 'junit', 'tap', 'json'])('%s: finds a password with JSON and XML metacharacters wherever it is escaped', async (reporter) => {
    const r = await aapi(['run', '--server', sim.url, '--reporter', reporter, titled()], { AAPI_PASSWORD: METACHAR_PASSWORD });
    expect(r.code).toBe(1);
    expectNowhere(r.stdout + r.stderr, METACHAR_PASSWORD, `${reporter} output`);
    expect(r.stdout + r.stderr).toContain('[Masked]');
  });

  it.each(['pretty', 'junit'])('%s: masks a Password written literally on the line shown under a failure', async (reporter) => {
    const file = write('literal.json5', `{ name: "literal", steps: [
      { send: "Authenticate", with: { Agent: "demo", Password: "Lit3ral-Pw", extension: "8600001" }, expect: { Response: "NOPE" } },
    ] }`);
    const r = await aapi(['run', '--server', sim.url, '--reporter', reporter, file]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('Lit3ral-Pw');
    expect(r.stdout + r.stderr).toMatch(/Password: (&#34;|")\[Masked\](&#34;|")/);
  });

  it.each(['pretty', 'junit', 'tap', 'json'])('%s: shows a frame\'s value under a key that is not secret even when it equals the password', async (reporter) => {
    // The built-in fixture's password is also its agent and its tenant.
    const r = await aapi(['run', '--server', sim.url, '--reporter', reporter, failing(`demo-${reporter}`)], { AAPI_PASSWORD: 'demo' });
    expect(r.code).toBe(1);
    const out = (r.stdout + r.stderr).replace(/&#34;/g, '"').replace(/\\"/g, '"');
    expect(out).toContain('"tenants":["demo","other"]');
    expect(out).not.toContain('"tenants":["[Masked]"');
  });
});

