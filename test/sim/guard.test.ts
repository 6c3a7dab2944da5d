import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, normaliseOrigin } from '../../src/sim/guard.js';
import { Harness } from '../helpers/client.js';
import { http, upgrade } from '../helpers/http.js';

// Web pages on the developer's machine: the simulator lets in only what comes by a loopback name,
// and from no browser or an origin it was told to allow; its control endpoint, no browser at all.

const h = new Harness();
afterEach(() => h.cleanup());

const portOf = (url: string) => new URL(url).port;

describe('origins and hosts', () => {
  it('an origin is normalised: lowercased, the default port left out, no path', () => {
    expect(normaliseOrigin('HTTPS://App.Example.com:443/')).toBe('https://app.example.com');
    expect(normaliseOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normaliseOrigin('http://[::1]:80')).toBe('http://[::1]');
    for (const bad of ['app.example.com', 'null', '', 'https://app.example.com/agent', 'https://u:p@app.example.com', 'https://a.example?x=1']) {
      expect(normaliseOrigin(bad), bad).toBeUndefined();
    }
  });

  it('loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.com']) expect(isLoopback(h), h).toBe(false);
  });
});

describe('the control endpoint', () => {
  it('refuses a foreign Host (a DNS-rebinding page reading /state) and any Origin, with 403 and one line', async () => {
    const refused: string[] = [];
    const sim = await h.sim({}, {}, { onRefused: (why) => refused.push(why) });
    const state = `${sim.controlUrl}/state`;
    const port = portOf(sim.controlUrl);
    const foreign = await http(state, { headers: { Host: `evil.example:${port}` } });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toEqual({ ok: false, error: expect.stringMatching(/^Host "evil\.example:\d+" is not one of 127\.0\.0\.1, localhost, \[::1\]/) });
    expect(foreign.body.trim().split('\n')).toHaveLength(1);
    const fromPage = await http(`${sim.controlUrl}/presentCall`, {
      method: 'POST', headers: { Origin: 'https://evil.example', 'Content-Type': 'text/plain' }, body: '{"agent":"demo"}',
    });
    expect(fromPage.status).toBe(403);
    expect(JSON.parse(fromPage.body)).toEqual({ ok: false, error: expect.stringContaining('no requests from web pages') });
    expect(refused).toHaveLength(2);
    // This machine's programs, by any loopback name, with or without the port.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await http(state, { headers: { Host: host } })).status, host).toBe(200);
    }
  });

  it('refuses an Origin even when the WebSocket allows it', async () => {
    const sim = await h.sim({}, {}, { allowOrigins: ['http://localhost:3000'] });
    expect((await http(`${sim.controlUrl}/state`, { headers: { Origin: 'http://localhost:3000' } })).status).toBe(403);
  });
});

describe('the WebSocket', () => {
  it('refuses a foreign Origin with 403 and says how to let it in; no Origin and an allowed one get in', async () => {
    const sim = await h.sim({}, {}, { allowOrigins: ['HTTP://LOCALHOST:3000/'] });
    const foreign = await upgrade(sim.url, { Origin: 'https://evil.example' });
    expect(foreign).toEqual({ status: 403, body: 'Origin "https://evil.example" is not allowed: start the simulator with --allow-origin https://evil.example to let that page in\n' });
    expect((await upgrade(sim.url)).status).toBe(101);
    expect((await upgrade(sim.url, { Origin: 'http://localhost:3000' })).status).toBe(101);
    // A real client from the allowed page works end to end.
    const c = await h.client(sim.url, { origin: 'http://localhost:3000' });
    expect(await c.login()).toMatchObject({ Response: 'OK' });
  });

  it('on loopback, refuses a foreign Host', async () => {
    const sim = await h.sim();
    const r = await upgrade(sim.url, { Host: `evil.example:${portOf(sim.url)}` });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/^Host "evil\.example:\d+" is not one of/);
  });

  it('listening on every address, takes any Host (clients use the machine\'s address) but still checks Origin', async () => {
    const sim = await h.sim({}, {}, { host: '0.0.0.0' });
    const url = `ws://127.0.0.1:${portOf(sim.url)}`;
    expect((await upgrade(url, { Host: `dialler.lan:${portOf(sim.url)}` })).status).toBe(101);
    expect((await upgrade(url, { Origin: 'https://evil.example' })).status).toBe(403);
    // Its control endpoint stays on loopback and as strict.
    expect((await http(`${sim.controlUrl}/state`, { headers: { Host: 'dialler.lan' } })).status).toBe(403);
  });
});
