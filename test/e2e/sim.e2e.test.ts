import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/client.js';
import { until } from '../helpers/e2e.js';
import { http, upgrade } from '../helpers/http.js';
import { runAapi, spawnSim, type SimProcess } from '../helpers/spawn.js';

// The real `aapi sim` binary, over real sockets.

/** A client (or server) that speaks TLS 1.0-1.1, which OpenSSL 3 allows only at security level 0. */
const TLS11 = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

/** A TLS handshake with 127.0.0.1:port: the protocol negotiated, or the error's message (bounded). */
function handshake(port: number, opts: ConnectionOptions): Promise<string> {
  return new Promise<string>((resolve) => {
    const sock = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    const timer = setTimeout(() => { sock.destroy(); resolve('no answer in 10 s'); }, 10_000);
    sock.once('secureConnect', () => { clearTimeout(timer); resolve(sock.getProtocol() ?? 'unknown'); sock.destroy(); });
    sock.once('error', (e) => { clearTimeout(timer); resolve(e.message); });
  });
}

/** A local TLS server that allows TLS 1.1, with a self-signed certificate: the TLS 1.1 client's proof. */
async function oldTlsServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const pems = await generate([{ name: 'commonName', value: 'old tls' }], { keySize: 2048, algorithm: 'sha256' });
  const server = createTlsServer({ key: pems.private, cert: pems.cert, ...TLS11 }, (s) => s.end());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aapi-sim-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aapi sim', () => {
  const started: SimProcess[] = [];
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of started.splice(0)) await s.stop();
  });
  const sim = async (args: string[] = []) => {
    const s = await spawnSim(args);
    started.push(s);
    return s;
  };
  const client = async (url: string, opts = {}) => {
    const c = await RawClient.connect(url, opts);
    clients.push(c);
    return c;
  };

  it('prints its URL then its control URL, serves the built-in fixture, and stops on SIGTERM', async () => {
    const s = await sim();
    expect(s.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(s.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const c = await client(s.url);
    await c.connectAgent('demo');
    expect(await c.request('GetTenants')).toMatchObject({ tenants: ['demo', 'other'] });
    expect(await c.request('GoAvailable', { live: 1, offline: 0, interactive: 0 })).toMatchObject({ Response: 'OK' });
    await c.event('NowWaiting');
    // The control endpoint presents a call at once, whatever the fixture's delay.
    const res = await fetch(`${s.controlUrl}/presentCall`, { method: 'POST', body: JSON.stringify({ agent: 'demo' }) });
    expect(res.status).toBe(200);
    const call = await c.event('NowInCall');
    expect(call).toMatchObject({ sessionIndex: 0, campaign: 'outbound' });
    const state = (await (await fetch(`${s.controlUrl}/state`)).json()) as { agents: Record<string, { state: string }> };
    expect(state.agents.demo.state).toBe('InCall');
    expect(await s.stop()).toBe(0);
  });

  it('serves wss:// with a self-signed certificate, TLS 1.2 or later only', async () => {
    const certFile = join(dir, 'sim.pem');
    const s = await sim(['--tls', '--cert-out', certFile]);
    expect(s.url).toMatch(/^wss:\/\//);
    const port = Number(new URL(s.url).port);
    // Without trusting the certificate the handshake fails, as a verifying client's must.
    await expect(RawClient.connect(s.url)).rejects.toThrow(/self[- ]signed|certificate/i);
    const c = await client(s.url, { rejectUnauthorized: false });
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    const trusted = await client(s.url, { ca: (await import('node:fs')).readFileSync(certFile) });
    expect(await trusted.login('demo2')).toMatchObject({ Response: 'OK' });
    // TLS 1.1: Node 20's OpenSSL 3 refuses it by default on both ends, so this client lowers its own
    // floor and security level, and proves first that it really does speak TLS 1.1 (to a local server
    // that allows it): only then does the simulator's refusal of it mean anything.
    const old = await oldTlsServer();
    try {
      expect(await handshake(old.port, TLS11)).toBe('TLSv1.1');
    } finally {
      await old.close();
    }
    expect(await handshake(port, TLS11)).toMatch(/protocol version|unsupported protocol|wrong version/i);
    // Positive control: the same kind of client, limited to TLS 1.2, is let in.
    expect(await handshake(port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
  }, 60_000);

  it('loads a JSON5 fixture merged over the built-in one', async () => {
    const file = join(dir, 'fixture.json5');
    writeFileSync(file, `{
      // a second tenant only this agent sees
      agents: { alice: { password: 'pw', tenants: ['acme'] } },
      tenants: { acme: { inbound: { started: true, records: ['1001'] } } },
    }`);
    const s = await sim(['--fixture', file]);
    const c = await client(s.url);
    expect(await c.login('alice', 'pw')).toMatchObject({ Response: 'OK' });
    expect(await c.request('GetTenants')).toMatchObject({ tenants: ['acme'] });
    const d = await client(s.url);
    expect(await d.login('demo', 'demo')).toMatchObject({ Response: 'OK' });
  });

  it('refuses a malformed fixture with file:line:column and exit 2, starting nothing', async () => {
    const file = join(dir, 'bad.json5');
    writeFileSync(file, '{\n  agents: { bob: { password: "x" }\n  oops\n}\n');
    const r = await runAapi(['sim', '--port', '0', '--fixture', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^aapi: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: `));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await runAapi(['sim', '--port', '0', '--fixture', join(dir, 'nope.json5')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read fixture .*nope\.json5: ENOENT/);
  });

  it('exits 3 with one line when its port is taken', async () => {
    const s = await sim();
    const r = await runAapi(['sim', '--port', new URL(s.url).port]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^aapi: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE\n$/);
  });

  it('rejects unknown flags with exit 2', async () => {
    const r = await runAapi(['sim', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: bogus/);
  });

  it('--latency delays every frame it sends by that much, in order; a bad duration exits 2', async () => {
    const s = await sim(['--latency', '60ms']);
    const c = await client(s.url);
    const t0 = performance.now();
    await c.login('demo');
    // Timers never fire early by more than a clock tick.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(58);
    // Many requests at once: their answers still come back in the order they were sent.
    const from = c.frames.length;
    for (const urn of ['1001', '1002', '1003', '1004', '1005']) c.send({ type: 'GetRecord', RID: Number(urn), URN: urn });
    await c.waitFor(() => c.frames.length - from >= 5, 5000, 'five answers');
    expect(c.framesSince(from).map((f) => f.RID)).toEqual([1001, 1002, 1003, 1004, 1005]);
    const bad = await runAapi(['sim', '--port', '0', '--latency', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^aapi: --latency takes a duration such as 500ms, 30s or 2m, got "soon"\n$/);
  });

  it('a web page cannot use it: a foreign Host on /state, an Origin on a control POST, a foreign Origin on the WebSocket get 403', async () => {
    const s = await sim();
    const rebound = await http(`${s.controlUrl}/state`, { headers: { Host: `evil.example:${new URL(s.controlUrl).port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toMatch(/SID|sid/);
    expect(JSON.parse(rebound.body)).toMatchObject({ ok: false, error: expect.stringMatching(/^Host "evil\.example:\d+" is not one of/) });
    const post = await http(`${s.controlUrl}/presentCall`, { method: 'POST', headers: { Origin: 'https://evil.example', 'Content-Type': 'text/plain' }, body: '{"agent":"demo"}' });
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body)).toMatchObject({ ok: false, error: expect.stringContaining('Origin "https://evil.example"') });
    const ws = await upgrade(s.url, { Origin: 'https://evil.example' });
    expect(ws.status).toBe(403);
    expect(ws.body).toMatch(/^Origin "https:\/\/evil\.example" is not allowed: start the simulator with --allow-origin https:\/\/evil\.example/);
    // A client that is no browser sends no Origin: in, as before.
    const c = await client(s.url);
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    // Each refusal is one line on the simulator's stderr, for the developer whose page it was.
    const refusals = () => s.stderr().match(/^aapi sim: refused .+$/gm) ?? [];
    await until(() => refusals().length >= 3, 5000);
    expect(refusals()).toHaveLength(3);
  });

  it('--allow-origin lets a browser application in (normalised); a value that is no origin exits 2', async () => {
    const s = await sim(['--allow-origin', 'HTTP://LocalHost:3000/', '--allow-origin', 'https://agent.example.com:443']);
    expect((await upgrade(s.url, { Origin: 'http://localhost:3000' })).status).toBe(101);
    expect((await upgrade(s.url, { Origin: 'https://agent.example.com' })).status).toBe(101);
    expect((await upgrade(s.url, { Origin: 'http://localhost:3001' })).status).toBe(403);
    const c = await client(s.url, { origin: 'http://localhost:3000' });
    expect(await c.login()).toMatchObject({ Response: 'OK' });
    for (const bad of ['localhost:3000', 'https://agent.example.com/app']) {
      const r = await runAapi(['sim', '--port', '0', '--allow-origin', bad], { ms: 15_000 });
      expect(r.code, bad).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`aapi: --allow-origin takes an origin, scheme://host[:port] (https://app.example.com), got ${JSON.stringify(bad)}\n`);
    }
  });

  it('a port out of range exits 2 naming the flag and the range, not "unexpected failure"', async () => {
    for (const [flag, value] of [['--port', '99999'], ['--control-port', '70000'], ['--port', 'eighty']]) {
      const r = await runAapi(['sim', flag, value], { ms: 15_000 });
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^aapi: ${flag} must be a port number from 0 to 65535, got .+\n$`));
    }
  });

  it('answers a frame over its 256 KiB limit with that frame\'s RID, so the client can tell which request failed', async () => {
    const s = await sim();
    const c = await client(s.url);
    await c.login();
    const from = c.frames.length;
    c.send({ type: 'GetTenants', RID: 4242, SID: c.sid, pad: 'x'.repeat(300 * 1024) });
    const r = await c.waitFor((m) => m.Response === 'ERROR', 5000, 'the error', from);
    expect(r).toMatchObject({ RID: 4242, ErrorNumber: 99, ErrorDetail: expect.stringMatching(/over the limit of 262144/) });
  });
});
