import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { describeConnectFailure } from '../../src/session/connect-failure.js';
import { ConnectFailed } from '../../src/session/errors.js';
import { Session } from '../../src/session/session.js';

// Why a connection failed, told from the errors the socket, TLS and ws really raise: each failure is
// made by a real server on port 0, and only the hint that fits it is given (issue #15: every failure
// used to end "is the server running?", a certificate's too).

const servers: { close(cb?: () => void): unknown }[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function listen<T extends Server | ReturnType<typeof createNetServer>>(server: T): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function failure(url: string): Promise<ConnectFailed> {
  const err = await Session.connect({ url, reconnect: false, timeoutMs: 5000 }).then(
    (s) => {
      s.close();
      throw new Error(`${url} connected`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectFailed);
  return err as ConnectFailed;
}

let wsPort: number;
let httpPort: number;
let tlsPort: number;
let closedPort: number;
beforeAll(async () => {
  const wss = new WebSocketServer({ noServer: true });
  const ws = createHttpServer();
  ws.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (c) => c.close()));
  wsPort = await listen(ws);
  // The simulator's control endpoint answers an upgrade as any other unknown request.
  httpPort = await listen(createHttpServer((_req, res) => res.writeHead(404).end('{"error":"no such control operation"}')));
  const pems = await generate([{ name: 'commonName', value: 'self-signed' }], { keySize: 2048, algorithm: 'sha256' });
  const tls = createTlsServer({ key: pems.private, cert: pems.cert });
  tls.on('tlsClientError', () => {});
  tlsPort = await listen(tls);
  const gone = createNetServer();
  closedPort = await listen(gone);
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  servers.splice(servers.indexOf(gone), 1);
}, 30_000);

describe('a connection that cannot be opened', () => {
  it('refused: is the server running?', async () => {
    const e = await failure(`ws://127.0.0.1:${closedPort}`);
    expect(e.message).toBe(`cannot connect to ws://127.0.0.1:${closedPort}: connection refused`);
    expect(e.hint).toMatch(/is the server running\? `aapi sim` starts a local one/);
  });

  it('a self-signed certificate: --ca FILE (the simulator\'s --cert-out) or --insecure, not "is the server running?"', async () => {
    const e = await failure(`wss://127.0.0.1:${tlsPort}`);
    expect(e.message).toMatch(/certificate/);
    expect(e.hint).toMatch(/--ca FILE/);
    expect(e.hint).toMatch(/--cert-out/);
    expect(e.hint).toMatch(/--insecure/);
    expect(e.hint).not.toMatch(/running/);
  });

  it('wss:// to a plain server: it speaks ws://, and no OpenSSL error queue in the message', async () => {
    const e = await failure(`wss://127.0.0.1:${wsPort}`);
    expect(e.message).toBe(`cannot connect to wss://127.0.0.1:${wsPort}: the server did not answer in TLS (OpenSSL: wrong version number)`);
    expect(e.message).not.toMatch(/deps\/openssl|error:[0-9A-F]{8}/);
    expect(e.hint).toBe(`it speaks ws://, not wss://: --server ws://127.0.0.1:${wsPort}`);
  });

  it('ws:// to a TLS server: try wss://', async () => {
    const e = await failure(`ws://127.0.0.1:${tlsPort}`);
    expect(e.hint).toBe(`if it speaks TLS, use wss://: --server wss://127.0.0.1:${tlsPort}`);
  });

  it('an HTTP server that answers the upgrade 404 (the simulator\'s control URL): use its first line', async () => {
    const e = await failure(`ws://127.0.0.1:${httpPort}`);
    expect(e.message).toBe(`cannot connect to ws://127.0.0.1:${httpPort}: the server answered HTTP 404 to the WebSocket upgrade`);
    expect(e.hint).toMatch(/control URL.*first line, the ws:\/\/ URL/);
  });
});

describe('describeConnectFailure', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('a host name not found, or not looked up, is said so; not "is the server running?"', () => {
    expect(describeConnectFailure('ws://dialer.example:8787', err('ENOTFOUND', 'getaddrinfo ENOTFOUND dialer.example'))).toEqual({
      reason: 'host name "dialer.example" not found', hint: 'check the host name in --server (or AAPI_SERVER)',
    });
    expect(describeConnectFailure('wss://dialer.example', err('EAI_AGAIN')).reason).toMatch(/"dialer\.example" could not be looked up/);
  });

  it('a certificate from a private CA (or a TLS-inspecting proxy) gets the --ca hint too', () => {
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']) {
      expect(describeConnectFailure('wss://dialer.example', err(code, 'unable to verify')).hint, code).toMatch(/--ca FILE/);
    }
  });

  it('TLS below 1.2 keeps the protocol\'s name, without OpenSSL\'s error queue', () => {
    const p = describeConnectFailure('wss://old.example', err('ERR_SSL_UNSUPPORTED_PROTOCOL', 'C0D7:error:0A000102:SSL routines:tls_process_server_hello:unsupported protocol:../deps/openssl/openssl/ssl/statem/statem_clnt.c:1014:\n'));
    expect(p.reason).toBe('unsupported protocol: the server offers only TLS below 1.2');
    expect(p.hint).toMatch(/TLS 1\.2/);
  });

  it('what it cannot tell apart keeps its own words and gets no guess', () => {
    expect(describeConnectFailure('ws://h:1', err('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:1'))).toEqual({ reason: 'connect EHOSTUNREACH 10.0.0.1:1' });
    expect(describeConnectFailure('ws://h:1', new Error('Unexpected server response: 403'))).toEqual({ reason: 'the server answered HTTP 403 to the WebSocket upgrade' });
  });
});
