import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { encodeRequest } from '../../src/protocol/codec.js';
import type { Verb } from '../../src/protocol/types.js';
import { sleep, until, World } from '../helpers/e2e.js';
import { Client, startProxy, stopProxy } from '../helpers/proxy.js';

// `aapi proxy` between a WebSocket client written here and a real `aapi sim` (or, to compare the
// bytes, a WebSocket server written here): frames unchanged both ways, closes mirrored, the
// conformance report, TLS on both sides, an upstream that cannot be reached, and the recording.

const w = new World('proxy');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

const RECIPE = fileURLToPath(new URL('../../recipes/standard-cycle.json5', import.meta.url));
/** A request with every documented key (ERRATA 10), as a well-behaved client sends it. */
const req = (verb: Verb, values: Record<string, unknown> = {}) => encodeRequest(verb, values);
const report = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { ok: boolean; connections: { id: number; violations: { rule: string; count: number; severity: string }[] }[] };

/** An upstream that keeps every frame as it came and lets the test answer. */
async function rawUpstream() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await once(wss, 'listening');
  const got: { data: Buffer; binary: boolean }[] = [];
  const closes: [number, string][] = [];
  let peer: WebSocket | undefined;
  wss.on('connection', (ws) => {
    peer = ws;
    ws.on('message', (data: Buffer, binary) => got.push({ data, binary }));
    ws.on('close', (code, reason) => closes.push([code, reason.toString()]));
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, got, closes, peer: () => until(() => peer), close: () => new Promise((r) => wss.close(r)) };
}

describe('aapi proxy', () => {
  it('passes every frame byte for byte, text and binary, both ways, in order, and mirrors close codes', async () => {
    const up = await rawUpstream();
    const { url, run } = await startProxy(w, up.url);
    const sent = ['{ "type" : "GetTenants" ,"RID":1 }  ', '"type": "KeepAlive"', '{"x":"é ✓ \\u00e9"}'];
    const client = await Client.open(url);
    for (const s of sent) client.send(s);
    client.ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    expect(await until(() => up.got.length === 4, 10_000)).toBe(true);
    expect(up.got.slice(0, 3).map((g) => [g.data.toString(), g.binary])).toEqual(sent.map((s) => [s, false]));
    expect([...up.got[3].data]).toEqual([0, 1, 2, 255]);
    expect(up.got[3].binary).toBe(true);
    const back = (await up.peer())!;
    const replies = ['{"Response" :"OK","RID":"1"}', 'not json at all'];
    for (const r of replies) back.send(r);
    back.send(Buffer.from([9, 8]), { binary: true });
    expect(await until(() => client.frames.length >= 2, 10_000)).toBeTruthy();
    expect(client.frames.slice(0, 2)).toEqual(replies);
    await client.close(4001);
    expect(await until(() => up.closes.length === 1, 10_000)).toBe(true);
    expect(up.closes[0][0]).toBe(4001);
    // A close without a code stays one (1005); the upstream's own close reaches the client with its code.
    const c2 = await Client.open(url);
    await c2.close();
    expect(await until(() => up.closes.length === 2, 10_000)).toBe(true);
    expect(up.closes[1][0]).toBe(1005);
    const c3 = await Client.open(url);
    const closed = once(c3.ws, 'close');
    (await until(() => (up.got.length, up.peer())))!.close(4002, 'bye');
    const [code] = (await closed) as [number];
    expect(code).toBe(4002);
    expect(await stopProxy(run)).toBe(1); // its clients sent no AAPI: that is reported
    await up.close();
  }, 60_000);

  it('gives a well-behaved client a clean report, exit 0, and a decoded, masked live log', async () => {
    const { sim } = await w.sim();
    const out = join(w.scratch, 'clean.json');
    const { url, run } = await startProxy(w, sim.url, ['--once', '--reporter', 'json', '--out', out]);
    const c = await Client.open(url);
    await c.authenticate();
    await c.request(req('Connect', { tenant: 'demo', campaign: 'outbound' }));
    await c.event('NowUnavailable');
    await c.request(req('GetTenants'));
    c.send({ type: 'KeepAlive', SID: c.sid });
    await c.request(req('Logoff'));
    await c.event('NowLoggedOff');
    await sleep(100);
    await c.close(1000);
    expect(await run.exited).toBe(0);
    expect(report(out)).toEqual({ ok: true, connections: [expect.objectContaining({ id: 1, violations: [] })] });
    expect(run.stderr).toMatch(/#1 SENT: \{"type":"Authenticate","Agent":"demo","Password":"\[Masked\]".*Authenticate/);
    expect(run.stderr).toMatch(/RECEIVED: .*"SID":\d+.*answer to Authenticate/);
    expect(run.stderr).toMatch(/RECEIVED: \{"event":"NowUnavailable".*NowUnavailable/);
  }, 60_000);

  it('reports each rule a client breaks, once, on the connection that broke it', async () => {
    const { sim } = await w.sim();
    const out = join(w.scratch, 'rules.json');
    const { url, run } = await startProxy(w, sim.url, ['--reporter', 'json', '--out', out, '--ack-within', '300ms', '--keepalive-within', '1500ms']);
    const connect = async (c: Client) => {
      await c.request(req('Connect', { tenant: 'demo', campaign: 'outbound' }));
      return c.event('NowUnavailable');
    };
    const cases: [string, (c: Client) => Promise<unknown>][] = [
      ['not-json', async (c) => c.send('{"type": "GetTenants", ')],
      ['braceless-frame', async (c) => c.send(`"type": "GetTenants", "RID": 7, "SID": ${c.sid}`)],
      ['unknown-type', (c) => c.request({ type: 'getTenants' })],
      ['key-required', (c) => c.request({ type: 'ManualDial' })],
      ['key-type', (c) => c.request({ type: 'ManualDial', telNumber: ['0123'] })],
      ['value-not-documented', (c) => c.request(req('GoAvailable', { live: -9 }))],
      ['rid-missing', async (c) => c.send({ type: 'GetTenants', SID: c.sid })],
      ['rid-reused', async (c) => (c.send({ type: 'GetTenants', RID: 7, SID: c.sid }), c.send({ type: 'GetTenants', RID: 7, SID: c.sid }))],
      ['sid-missing', async (c) => c.send({ type: 'GetTenants', RID: 7 })],
      ['sid-wrong', async (c) => c.send({ type: 'GetTenants', RID: 7, SID: 12345 })],
      ['ack-twice', async (c) => c.send({ type: 'Acknowledge', RID: (await connect(c))!.RID, SID: c.sid })],
      ['ack-unknown', async (c) => c.send({ type: 'Acknowledge', RID: 4242, SID: c.sid })],
      ['ack-late', async (c) => ((c.autoAck = false), c.send({ type: 'Acknowledge', RID: (await connect(c).then(async (e) => (await sleep(600), e)))!.RID, SID: c.sid }))],
      ['ack-missing', async (c) => ((c.autoAck = false), await connect(c), await sleep(600))],
      ['keepalive-missing', () => sleep(2_200)],
      ['state-refused', async (c) => (await connect(c), c.request(req('Disposition', { outcome: 251 })))],
    ];
    for (const [, act] of cases) {
      const c = await Client.open(url);
      await c.authenticate();
      await act(c);
      await sleep(150);
      await c.close(1000);
    }
    await sleep(300);
    expect(await stopProxy(run)).toBe(1);
    const r = report(out);
    expect(r.ok).toBe(false);
    expect(r.connections.map((c) => c.violations.map((v) => `${v.rule} ×${v.count}`))).toEqual(cases.map(([rule]) => [`${rule} ×1`]));
  }, 120_000);

  it('speaks wss:// on both sides: its own certificate to clients, the upstream\'s verified with --ca', async () => {
    const simCert = join(w.scratch, 'sim.pem');
    const proxyCert = join(w.scratch, 'proxy.pem');
    const { sim } = await w.sim(undefined, ['--tls', '--cert-out', simCert]);
    const { url, run } = await startProxy(w, sim.url, ['--once', '--tls', '--cert-out', proxyCert, '--ca', simCert]);
    expect(url).toMatch(/^wss:\/\//);
    const c = await Client.open(url, { ca: readFileSync(proxyCert) });
    await c.authenticate();
    expect(c.sid).toEqual(expect.any(Number));
    await c.close(1000);
    expect(await run.exited).toBe(0);
  }, 60_000);

  it.each([
    ['is down', async () => 'ws://127.0.0.1:9', /cannot connect to the upstream ws:\/\/127\.0\.0\.1:9: connection refused/],
    ['refuses our trust (a self-signed certificate, no --ca)', async () => (await w.sim(undefined, ['--tls'])).sim.url, /cannot connect to the upstream wss:.*self-signed|cannot connect to the upstream wss:.*certificate/],
  ])('exits 3 with one clear line when the upstream %s', async (_what, upstream, line) => {
    const { url, run } = await startProxy(w, await upstream(), ['--once']);
    const refused = new WebSocket(url);
    refused.on('error', () => {});
    expect(await run.exited).toBe(3);
    expect(run.stderr).toMatch(line);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);

  it('records what the client did as a recipe that replays green against aapi sim', async () => {
    const { sim } = await w.sim();
    const recorded = join(w.scratch, 'recorded.json5');
    const { url, run } = await startProxy(w, sim.url, ['--once', '--record', recorded]);
    const through = await w.aapi(['run', '--server', url, RECIPE], { env: { AAPI_PASSWORD: 'demo' } });
    expect(through.code, through.stdout + through.stderr).toBe(0);
    // The recipe's deliberate Disposition before wrap is the one error-level rule broken.
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/state-refused ×1 .*Disposition while the agent is InCall: the dialler answers 320/);
    const text = readFileSync(recorded, 'utf8');
    expect(text).toContain("Password: '${env.AAPI_PASSWORD}'");
    expect(text).toContain('expectError: 320');
    const replay = await w.aapi(['run', '--server', sim.url, recorded], { env: { AAPI_PASSWORD: 'demo' } });
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
  }, 90_000);

  it.each([
    [['--port', '0'], /name the AAPI to forward to/],
    [['--upstream', 'http://x'], /--upstream takes a ws:\/\/ or wss:\/\/ URL/],
    [['--upstream', 'ws://127.0.0.1:1', '--reporter', 'tap'], /--reporter takes pretty, json, junit/],
  ])('refuses bad input %j with exit 2 and one line', async (args, line) => {
    const r = await w.aapi(['proxy', ...args], { ms: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(line);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
