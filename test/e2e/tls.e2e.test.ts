import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Control, until, World } from '../helpers/e2e.js';
import { spawnSim, type Run, type SimProcess } from '../helpers/spawn.js';

// TLS on the client side, through the real `aapi` binary (CONTRACT: "--insecure accepts a self-signed
// certificate; without it certificates are verified; TLS below 1.2 is always refused"; exit 3 for a
// TLS failure). Each refusal is shown to be the client's choice: the same server is first reached by
// a client that does allow what aapi must refuse, so a weakened aapi would get through and fail here.

const w = new World('tls');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

/** What speaks TLS 1.0-1.1 on Node 20's OpenSSL 3: a lowered floor and security level 0. */
const TLS11 = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
const RECIPE = fileURLToPath(new URL('../../recipes/standard-cycle.json5', import.meta.url));
const LOGIN = ['login', '--agent', 'demo', '--extension', '8600001'];

/** The lines of a failure's output that are neither blank nor a `hint:`: the error message itself. */
const messageLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('hint: '));
/** A JavaScript stack frame, as an uncaught error would print it. */
const STACK = /^\s+at .+[(:]\d+/m;

/**
 * A dialler behind an old TLS front end: a TLS server that offers TLS 1.0-1.1 only (self-signed
 * certificate), each connection piped to a plain `aapi sim`. It records each completed handshake.
 */
async function oldTlsFrontEnd(upstreamPort: number) {
  const pems = await generate([{ name: 'commonName', value: 'old tls' }], { keySize: 2048, algorithm: 'sha256' });
  const handshakes: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: pems.private, cert: pems.cert, ...TLS11 }, (s) => {
    handshakes.push(s.getProtocol() ?? 'unknown');
    const up = netConnect(upstreamPort, '127.0.0.1');
    sockets.add(up);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
    s.pipe(up).pipe(s);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `wss://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Opens a WebSocket with `opts` and authenticates `agent` (password demo); the answer (bounded). */
function authenticateOver(url: string, agent: string, opts: WebSocket.ClientOptions): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...opts, handshakeTimeout: 10_000 });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no answer to Authenticate in 10 s')); }, 15_000);
    const done = (fn: () => void) => { clearTimeout(timer); ws.terminate(); fn(); };
    ws.once('error', (err) => done(() => reject(err)));
    ws.once('open', () => ws.send(JSON.stringify({ type: 'Authenticate', RID: 1, Agent: agent, Password: 'demo', extension: '8600001' })));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.RID === 1) done(() => resolve(msg));
    });
  });
}

/** An aapi failure as the contract wants it: exit 3, nothing on stdout, one line matching `why`, no stack. */
function expectTlsFailure(r: Run, why: RegExp) {
  expect(r.code, JSON.stringify(r)).toBe(3);
  expect(r.stdout).toBe('');
  expect(messageLines(r.stderr), r.stderr).toHaveLength(1);
  expect(messageLines(r.stderr)[0]).toMatch(/^aapi: cannot connect to wss:\/\/127\.0\.0\.1:\d+: /);
  expect(messageLines(r.stderr)[0]).toMatch(why);
  expect(r.stderr).not.toMatch(STACK);
}

const authenticates = async (control: Control) => (await control.state()).received.Authenticate;

describe('a server that offers only TLS 1.1', () => {
  let sim: SimProcess;
  let control: Control;
  let old: Awaited<ReturnType<typeof oldTlsFrontEnd>>;
  beforeAll(async () => {
    // Not w.sim(): the world stops its simulators after each test, and this one serves the whole block.
    sim = await spawnSim([], 30_000);
    control = new Control(sim);
    old = await oldTlsFrontEnd(Number(new URL(sim.url).port));
  }, 60_000);
  afterAll(async () => {
    await old?.close();
    await sim?.stop();
  }, 30_000);

  it('is reached by a client that allows TLS 1.1: a weakened aapi would get through', async () => {
    const before = await authenticates(control);
    expect(await authenticateOver(old.url, 'demo2', { rejectUnauthorized: false, ...TLS11 })).toMatchObject({ Response: 'OK' });
    expect(old.handshakes.at(-1)).toBe('TLSv1.1');
    expect(await authenticates(control)).toBe(before + 1);
  }, 30_000);

  it('aapi login --insecure refuses it: exit 3, one line naming the protocol, no stack, no daemon left', async () => {
    const handshakes = old.handshakes.length;
    const before = await authenticates(control);
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', old.url, '--insecure'], { env: { AAPI_PASSWORD: 'demo' } });
    expectTlsFailure(r, /protocol version|unsupported protocol/i);
    // No handshake was completed, nothing reached the dialler, and no session daemon stayed behind.
    expect(old.handshakes.length).toBe(handshakes);
    expect(await authenticates(control)).toBe(before);
    expect(await until(() => w.strayDaemons().length === 0 && w.lockPids().length === 0, 10_000)).toBe(true);
  }, 60_000);

  it('aapi run --insecure of a recipe refuses it too: exit 3, the protocol named, no stack', async () => {
    const handshakes = old.handshakes.length;
    const before = await authenticates(control);
    const r = await w.aapi(['run', '--server', old.url, '--insecure', RECIPE]);
    expect(r.code, JSON.stringify(r)).toBe(3);
    expect(`${r.stdout}${r.stderr}`).toMatch(/cannot connect to wss:\/\/127\.0\.0\.1:\d+: .*(protocol version|unsupported protocol)/i);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK);
    expect(old.handshakes.length).toBe(handshakes);
    expect(await authenticates(control)).toBe(before);
  }, 60_000);
});

describe('the simulator\'s self-signed certificate', () => {
  let sim: SimProcess;
  let control: Control;
  beforeAll(async () => {
    sim = await spawnSim(['--tls'], 30_000);
    control = new Control(sim);
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  }, 30_000);

  it('is verified by default: login exits 3 naming the certificate, and reaches nothing', async () => {
    expect(sim.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const before = await authenticates(control);
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', sim.url], { env: { AAPI_PASSWORD: 'demo' } });
    expectTlsFailure(r, /certificate/i);
    expect(await authenticates(control)).toBe(before);
    expect((await control.state()).agents.demo).toBeUndefined();
    expect(await until(() => w.strayDaemons().length === 0 && w.lockPids().length === 0, 10_000)).toBe(true);
  }, 60_000);

  it('is accepted with --insecure: login prints the SID the dialler gave, then logout ends the daemon', async () => {
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', sim.url, '--insecure'], { env: { AAPI_PASSWORD: 'demo' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\n$/);
    expect((await control.state()).agents.demo?.sid).toBe(Number(r.stdout));
    expect(w.strayDaemons().length).toBeGreaterThan(0);
    const out = await w.aapi(['logout']);
    expect(out.code, out.stderr).toBe(0);
    expect(await until(() => w.strayDaemons().length === 0 && w.lockPids().length === 0, 10_000)).toBe(true);
  }, 60_000);

  it('aapi run: exit 3 naming the certificate without --insecure; the whole recipe passes with it', async () => {
    const before = await authenticates(control);
    const refused = await w.aapi(['run', '--server', sim.url, RECIPE]);
    expect(refused.code, JSON.stringify(refused)).toBe(3);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/cannot connect to wss:\/\/127\.0\.0\.1:\d+: .*certificate/i);
    expect(`${refused.stdout}${refused.stderr}`).not.toMatch(STACK);
    expect(await authenticates(control)).toBe(before);
    const passed = await w.aapi(['run', '--server', sim.url, '--insecure', RECIPE]);
    expect(passed.code, JSON.stringify(passed)).toBe(0);
    expect(`${passed.stdout}${passed.stderr}`).toMatch(/1 of 1 recipe passed; [1-9]\d* passed, 0 failed/);
    expect(await authenticates(control)).toBe(before + 1);
  }, 90_000);
});

describe('--ca FILE: a certificate authority to trust (the simulator\'s --cert-out)', () => {
  let sim: SimProcess;
  let cert: string;
  beforeAll(async () => {
    cert = join(w.scratch, 'sim-cert.pem');
    sim = await spawnSim(['--tls', '--cert-out', cert], 30_000);
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  }, 30_000);

  it('the simulator suggests it when it wrote its certificate', async () => {
    const hint = `try: aapi login --server ${sim.url} --ca ${cert} --agent demo`;
    expect(await until(() => sim.stderr().includes(hint), 10_000), sim.stderr()).toBe(true);
  });

  it('without --ca or --insecure, login exits 3 with the hint to give one, not "is the server running?"', async () => {
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', sim.url], { env: { AAPI_PASSWORD: 'demo' } });
    expectTlsFailure(r, /certificate/i);
    expect(r.stderr).toMatch(/^hint: .*--ca FILE.*--cert-out.*--insecure/m);
    expect(r.stderr).not.toMatch(/is the server running/);
  }, 60_000);

  it('login --ca FILE, relative to the caller\'s directory, succeeds without --insecure', async () => {
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', sim.url, '--ca', 'sim-cert.pem'], { env: { AAPI_PASSWORD: 'demo' }, cwd: w.scratch });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\n$/);
    expect((await new Control(sim).state()).agents.demo?.sid).toBe(Number(r.stdout));
  }, 60_000);

  it('AAPI_CA does the same for aapi run: the whole recipe passes', async () => {
    const r = await w.aapi(['run', '--server', sim.url, RECIPE], { env: { AAPI_CA: cert } });
    expect(r.code, JSON.stringify(r)).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/1 of 1 recipe passed/);
  }, 90_000);

  it('a missing file, or one with no certificate, exits 2 naming it, before anything is sent', async () => {
    const before = await authenticates(new Control(sim));
    w.profiles.add('default');
    const missing = await w.aapi([...LOGIN, '--server', sim.url, '--ca', join(w.scratch, 'nope.pem')], { env: { AAPI_PASSWORD: 'demo' } });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(`aapi: cannot read --ca ${join(w.scratch, 'nope.pem')}: ENOENT\n`);
    const notPem = await w.aapi(['run', '--server', sim.url, RECIPE], { env: { AAPI_CA: RECIPE } });
    expect(notPem.code).toBe(2);
    expect(notPem.stderr).toBe(`aapi: AAPI_CA ${RECIPE} holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n`);
    expect(await authenticates(new Control(sim))).toBe(before);
  }, 60_000);
});

describe('a URL that is not the dialler\'s WebSocket', () => {
  let sim: SimProcess;
  beforeAll(async () => {
    sim = await spawnSim([], 30_000);
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  }, 30_000);

  it('wss:// to a plain ws:// server: it speaks ws://; no raw OpenSSL error', async () => {
    const wss = sim.url.replace(/^ws:/, 'wss:');
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', wss], { env: { AAPI_PASSWORD: 'demo' } });
    expectTlsFailure(r, /did not answer in TLS/);
    expect(r.stderr).not.toMatch(/deps\/openssl|SSL routines/);
    expect(r.stderr).toContain(`hint: it speaks ws://, not wss://: --server ${sim.url}\n`);
  }, 60_000);

  it('the control URL given as --server: use the first line, the ws:// URL', async () => {
    const control = sim.controlUrl.replace(/^http:/, 'ws:');
    w.profiles.add('default');
    const r = await w.aapi([...LOGIN, '--server', control], { env: { AAPI_PASSWORD: 'demo' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HTTP 404/);
    expect(r.stderr).toMatch(/^hint: that looks like the simulator's control URL \(its second line\): --server takes its first line, the ws:\/\/ URL$/m);
    const http = await w.aapi([...LOGIN, '--server', sim.controlUrl], { env: { AAPI_PASSWORD: 'demo' } });
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/^hint: the simulator's second line is its control URL/m);
    const run = await w.aapi(['run', '--server', control, RECIPE]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^hint: that looks like the simulator's control URL/m);
  }, 60_000);
});
