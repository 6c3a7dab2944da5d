import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AAPI_BIN, runAapi, spawnSim, type SimProcess } from '../helpers/spawn.js';
import { fillAuthenticate } from '../helpers/console.js';
import { Tmux } from '../helpers/tmux.js';

// The real `aapi console` in a real terminal (tmux), against a real `aapi sim`: what someone used to
// the Windows API Test Client would do. And what else the daemon draws on a terminal (aapi wait's spinner).

describe('aapi console', () => {
  let sim: SimProcess | undefined;
  let term: Tmux | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    term?.kill();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates, makes a mistake, goes available, shows the events, acknowledges by hand, quits, and records a recipe that replays', async () => {
    dir = mkdtempSync(join(tmpdir(), 'aapi-console-'));
    // Calls come only when the test presents one, so none can slip past before acknowledgement is off.
    const fixture = join(dir, 'fixture.json5');
    writeFileSync(fixture, '{ timings: { presentMs: 600000 } }');
    sim = await spawnSim(['--fixture', fixture]);
    const record = join(dir, 'session.json5');
    const done = join(dir, 'exited');
    term = Tmux.start(
      `aapi-console-${process.pid}`,
      `AAPI_PASSWORD=demo AAPI_HOME=${dir} ${process.execPath} ${AAPI_BIN} console --server ${sim.url} --record ${record}; echo "exit $?" > ${done}; sleep 60`,
    );
    const t = term;
    await t.until(/\[LoggedOut\] Command/);

    // Type to filter, then fill each key of Authenticate (the password comes from AAPI_PASSWORD).
    t.type('authent');
    t.keys('Enter');
    await t.until(/Agent \(string\)/);
    t.type('demo');
    t.keys('Enter');
    await fillAuthenticate(t);
    expect(t.screen()).toContain('"Password":"[Masked]"');
    expect(t.screen()).not.toContain('"Password":"demo"');

    t.type('connect');
    t.keys('Enter');
    await t.until(/tenant \(string/);
    t.type('demo');
    t.keys('Enter');
    await t.until(/campaign \(string/);
    t.type('outbound');
    t.keys('Enter');
    await t.until(/RECEIVED: \{"RID":\d+,"status":"Connected"\}/);
    await t.until(/\[Unavailable\] Command/);

    // A mistake, as a new user makes one: a Disposition with no call to wrap.
    t.type(':raw');
    t.keys('Enter');
    await t.until(/JSON5 message/);
    t.type('{type: "Disposition", outcome: 251}');
    t.keys('Enter');
    await t.until(/RECEIVED: \{"Response":"ERROR","RID":\d+,"ErrorLevel":"Serious","ErrorNumber":320/);
    await t.until(/\[Unavailable\] Command/);

    t.type('GoAvailable');
    t.keys('Enter');
    await t.until(/live \(integer\)/);
    t.keys('Enter'); // live: 1, the default
    await t.until(/offline \(integer\)/);
    t.keys('Enter');
    await t.until(/interactive \(integer\)/);
    t.keys('Enter');
    await t.until(/RECEIVED: \{"event":"NowAvailable"/);
    await t.until(/RECEIVED: \{"event":"NowWaiting"/);

    // Automatic acknowledgement off: the next event waits for a manual Acknowledge.
    t.type(':toggle');
    t.keys('Enter');
    await t.until(/autoAck\s+on/);
    t.keys('Down', 'Down', 'Enter');
    await t.until(/autoAck is off/);
    expect((await fetch(`${sim.controlUrl}/presentCall`, { method: 'POST', body: '{"agent":"demo"}' })).status).toBe(200);
    const call = await t.until(/RECEIVED: \{"event":"NowInCall","RID":(\d+)/);
    const rid = /RECEIVED: \{"event":"NowInCall","RID":(\d+)/.exec(call)![1];
    await t.until(/1 to acknowledge/);
    const state = await (await fetch(`${sim.controlUrl}/state`)).json() as { agents: { demo: { eventsPending: number } } };
    expect(state.agents.demo.eventsPending).toBe(1);

    t.type(':ack');
    t.keys('Enter');
    await t.until(new RegExp(`RID ${rid} NowInCall`));
    t.keys('Enter');
    await t.until(new RegExp(`SENT: \\{"type":"Acknowledge","RID":${rid}`));
    await t.until(/\[InCall\] Command/);

    t.type(':quit');
    t.keys('Enter');
    await t.until(/RECEIVED: \{"event":"NowLoggedOff"/);
    // The command that replays it, with what to set (never the password itself).
    const end = await t.until(/recorded as a recipe/);
    expect(end).toContain(`recorded as a recipe: ${record} (replay: AAPI_PASSWORD=... aapi run --server ${sim.url} ${record})`);
    expect(readFileSync(done, 'utf8').trim()).toBe('exit 0');

    // Explore once, then automate: the recording replays against a fresh simulator, the mistake expected.
    const text = readFileSync(record, 'utf8');
    expect(text).not.toMatch(/Password: '(demo|\[Masked\])'/);
    expect(text).toMatch(/send: 'Disposition',\s+with: \{\s+outcome: 251,?\s+\},\s+expectError: 320,/);
    await sim.stop();
    sim = await spawnSim();
    const replay = await runAapi(['run', '--server', sim.url, record, '--reporter', 'json'], { env: { AAPI_PASSWORD: 'demo', AAPI_HOME: dir }, ms: 60_000 });
    expect(replay.stderr).toBe('');
    expect(JSON.parse(replay.stdout).passed).toBe(true);
    expect(replay.code).toBe(0);
  }, 90_000);

  it('with --agent logs in and connects at start (password from AAPI_PASSWORD), reads the string ids of the real dialler, and logs off at :quit', async () => {
    sim = await spawnSim(['--string-ids']);
    dir = mkdtempSync(join(tmpdir(), 'aapi-console-'));
    term = Tmux.start(
      `aapi-login-${process.pid}`,
      `AAPI_PASSWORD=demo AAPI_HOME=${dir} ${process.execPath} ${AAPI_BIN} console --server ${sim.url} --agent demo --extension 8600001 --tenant demo --campaign outbound; echo "EXIT $?"; sleep 60`,
    );
    const t = term;
    await t.until(/SENT: \{"type":"Authenticate","RID":\d+,"Agent":"demo","Password":"\[Masked\]","extension":"8600001"\}/);
    await t.until(/RECEIVED: \{"Response":"OK","RID":"\d+","SID":"\d+"\}/);
    await t.until(/RECEIVED: \{"RID":"\d+","status":"Connected"\}/);
    await t.until(/\[Unavailable\] Command/);
    // The SID it took from the string is sent back as the integer; each event acknowledged with its RID.
    const sid = /"SID":"(\d+)"/.exec(t.screen())![1];
    await t.until(new RegExp(`SENT: \\{"type":"Acknowledge","RID":\\d+,"SID":${sid}\\}`));
    t.type('GoAvailable');
    t.keys('Enter');
    for (const key of ['live', 'offline', 'interactive']) {
      await t.until(new RegExp(`${key} \\(integer\\)`));
      t.keys('Enter');
    }
    await t.until(/RECEIVED: \{"event":"NowWaiting","RID":"\d+"\}/);
    await t.until(/\[Waiting\] Command/);
    const state = async () => (await (await fetch(`${sim!.controlUrl}/state`)).json()) as { agents: Record<string, { eventsPending: number }>; received: Record<string, number> };
    await expect.poll(async () => (await state()).agents.demo.eventsPending, { timeout: 10_000 }).toBe(0);

    t.type(':quit');
    t.keys('Enter');
    await t.until(/RECEIVED: \{"event":"NowLoggedOff"/);
    await t.until(/EXIT 0/);
    expect((await state()).received).toMatchObject({ Authenticate: 1, Connect: 1, Logoff: 1 });
  }, 60_000);

  it('with AAPI_AGENT asks for the password (masked); a refused one stays in the log, and the console stays open, logged out, for another Authenticate', async () => {
    sim = await spawnSim();
    dir = mkdtempSync(join(tmpdir(), 'aapi-console-'));
    term = Tmux.start(
      `aapi-refused-${process.pid}`,
      `AAPI_AGENT=demo AAPI_EXTENSION=8600001 AAPI_HOME=${dir} ${process.execPath} ${AAPI_BIN} console --server ${sim.url}; echo "EXIT $?"; sleep 60`,
    );
    const t = term;
    await t.until(/Password/);
    t.type('wrongpass');
    t.keys('Enter');
    await t.until(/RECEIVED: \{"Response":"ERROR","RID":\d+,"ErrorLevel":"Critical","ErrorNumber":100/);
    await t.until(/not logged in as demo: pick Authenticate to try again/);
    await t.until(/\[LoggedOut\] Command/);
    expect(t.screen()).not.toContain('wrongpass');

    t.type('authent');
    t.keys('Enter');
    await t.until(/Agent \(string\)/);
    t.type('demo');
    t.keys('Enter');
    await fillAuthenticate(t, 'demo');
    t.type(':quit');
    t.keys('Enter');
    await t.until(/EXIT 0/);
    const state = (await (await fetch(`${sim.controlUrl}/state`)).json()) as { received: Record<string, number> };
    expect(state.received).toMatchObject({ Authenticate: 2, Logoff: 1 });
  }, 60_000);

  it('refuses --agent with --attach, and a login flag without an agent, exit 2 in one line', async () => {
    const attach = await runAapi(['console', '--attach', '--agent', 'demo']);
    expect(attach.code).toBe(2);
    expect(attach.stderr).toBe('aapi: --attach borrows the session of `aapi login`, logged in already: drop --agent\n');
    const noAgent = await runAapi(['console', '--tenant', 'demo', '--campaign', 'outbound'], { env: { AAPI_AGENT: '' } });
    expect(noAgent.code).toBe(2);
    expect(noAgent.stderr).toBe('aapi: --tenant, --campaign: logging in at start needs --agent (or AAPI_AGENT)\n');
    const half = await runAapi(['console', '--agent', 'demo', '--tenant', 'demo']);
    expect(half.code).toBe(2);
    expect(half.stderr).toBe('aapi: --tenant and --campaign go together\n');
  });

  it('attaches to a profile\'s live session from aapi login, whose daemon acknowledges the events', async () => {
    sim = await spawnSim();
    dir = mkdtempSync(join(tmpdir(), 'aapi-console-'));
    const env = { AAPI_HOME: dir, AAPI_SERVER: sim.url };
    const login = await runAapi(['login', '--agent', 'demo', '--tenant', 'demo', '--campaign', 'outbound'], { env: { ...env, AAPI_PASSWORD: 'demo' } });
    expect(login.code).toBe(0);
    try {
      term = Tmux.start(`aapi-attach-${process.pid}`, `AAPI_HOME=${dir} ${process.execPath} ${AAPI_BIN} console --attach; echo "EXIT $?"; sleep 60`);
      const t = term;
      await t.until(/attached to profile default/);
      t.type('GoAvailable');
      t.keys('Enter');
      for (const key of ['live', 'offline', 'interactive']) {
        await t.until(new RegExp(`${key} \\(integer\\)`));
        t.keys('Enter');
      }
      await t.until(/SENT: \{"type":"GoAvailable"/);
      await t.until(/RECEIVED: \{"event":"NowWaiting"/);
      await t.until(/\[Waiting\] Command/);
      t.type(':quit');
      t.keys('Enter');
      await t.until(/EXIT 0/);
      // The daemon keeps its session after the console has gone: the console only borrowed it.
      const status = await runAapi(['status', '--json'], { env });
      expect(JSON.parse(status.stdout)).toMatchObject({ state: expect.stringMatching(/Waiting|InCall/) });
    } finally {
      await runAapi(['logout'], { env });
    }
  }, 60_000);

  it('aapi wait on a terminal: one spinner line that redraws in place (drawn by the daemon, through the client), cleared when done', async () => {
    sim = await spawnSim();
    dir = mkdtempSync(join(tmpdir(), 'aapi-console-'));
    const env = { AAPI_HOME: dir, AAPI_SERVER: sim.url };
    expect((await runAapi(['login', '--agent', 'demo', '--tenant', 'demo', '--campaign', 'outbound'], { env: { ...env, AAPI_PASSWORD: 'demo' } })).code).toBe(0);
    try {
      term = Tmux.start(`aapi-wait-${process.pid}`, `AAPI_HOME=${dir} ${process.execPath} ${AAPI_BIN} wait NowInCall --timeout 3s; echo "EXIT $?"; sleep 60`, 100, 10);
      const t = term;
      const waiting = await t.until(/waiting for NowInCall/);
      // A second later the spinner has turned several times, still on one line.
      await new Promise((r) => setTimeout(r, 1000));
      expect(t.screen().match(/waiting for NowInCall/g)).toHaveLength(1);
      expect(waiting.match(/waiting for NowInCall/g)).toHaveLength(1);
      const end = await t.until(/EXIT 4/);
      expect(end).toMatch(/aapi: timed out after 3000 ms waiting for NowInCall/);
      expect(end).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    } finally {
      await runAapi(['logout'], { env });
    }
  }, 60_000);

  it('refuses to start without a terminal', async () => {
    const r = await runAapi(['console']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a terminal/);
  });
});
