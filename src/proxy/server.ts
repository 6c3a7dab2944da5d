import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { alsoTrusting } from '../session/ca.js';
import { describeConnectFailure, type ConnectProblem } from '../session/connect-failure.js';
import { refusal, socketGate } from '../sim/guard.js';

// The proxy's sockets: a listener for clients, and for each client its own connection upstream.
// Every frame goes on as it came (the same bytes, text or binary, in order) before anything looks at
// it; a close on one side closes the other with the same code. It knows nothing of the AAPI: what
// it passes is shown to a tap.

export type Direction = 'sent' | 'received';

/** What watches one client's connection: told of every frame after it was passed on. */
export interface Tap {
  frame(direction: Direction, data: Buffer, binary: boolean): void;
  closed(): void;
}

export interface ProxyOptions {
  upstream: string;
  host: string;
  port: number;
  tls?: boolean;
  /** Accept any certificate upstream. */
  insecure?: boolean;
  /** Authorities (PEM) trusted upstream besides the system's. */
  ca?: string;
  allowOrigins?: string[];
  /** A client's connection is open both ways: its tap. */
  connected(id: number, peer: string): Tap;
  /** A client's upstream connection could not be opened: the client was answered 502. */
  upstreamFailed(id: number, problem: ConnectProblem): void;
  refused(why: string): void;
}

export interface Proxy {
  url: string;
  /** The PEM certificate, with tls. */
  certificate?: string;
  close(): Promise<void>;
}

/** The codes a close frame may carry (RFC 6455 7.4): 1005 and 1006 say there was none, 1015 a TLS failure. */
const sendable = (code: number) => (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);

/** Closes `to` as `from` was closed: with its code, without one (1005), or at once when it ended abnormally. */
function mirrorClose(to: WebSocket, code: number, reason: Buffer): void {
  if (to.readyState === WebSocket.CLOSING || to.readyState === WebSocket.CLOSED) return;
  if (to.readyState === WebSocket.CONNECTING || !(code === 1005 || sendable(code))) return to.terminate();
  if (code === 1005) to.close();
  else to.close(code, reason);
}

function reject(socket: Duplex, status: string, why: string): void {
  socket.on('error', () => {});
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why) + 1}\r\nConnection: close\r\n\r\n${why}\n`);
}

const protocolsOf = (req: IncomingMessage) => (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);

export async function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const gate = socketGate(opts.host, opts.allowOrigins);
  const cert = opts.tls ? await (await import('../sim/tls.js')).selfSignedCertificate(opts.host) : undefined;
  const server: Server = cert ? createHttpsServer({ key: cert.key, cert: cert.cert, minVersion: 'TLSv1.2' }) : createHttpServer();
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('This is an AAPI proxy: connect with a WebSocket client.\n');
  });
  // The protocol the client asked for is the one upstream chose: answered once upstream is open.
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (_p, req) => chosen.get(req) || false });
  const pairs = new Set<[WebSocket, WebSocket]>();
  const ca = opts.ca === undefined ? undefined : alsoTrusting(opts.ca);
  let next = 0;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const why = refusal(gate, req, 'proxy');
    if (why) {
      opts.refused(`refused a WebSocket: ${why}`);
      return reject(socket, '403 Forbidden', why);
    }
    const id = ++next;
    socket.on('error', () => {});
    const up = new WebSocket(opts.upstream, protocolsOf(req), {
      perMessageDeflate: false, rejectUnauthorized: !opts.insecure, ca, minVersion: 'TLSv1.2', handshakeTimeout: 10_000,
    });
    // Frames from upstream before the client's side is complete, kept in order.
    const early: [Buffer, boolean][] = [];
    up.on('message', (data: Buffer, binary) => void early.push([data, binary]));
    up.on('error', () => {});
    const gone = () => up.terminate();
    socket.once('close', gone);
    up.once('error', (err) => {
      if (up.readyState === WebSocket.OPEN) return;
      socket.off('close', gone);
      const problem = describeConnectFailure(opts.upstream, err);
      opts.upstreamFailed(id, problem);
      reject(socket, '502 Bad Gateway', `the AAPI proxy cannot reach ${opts.upstream}: ${problem.reason}`);
    });
    up.once('open', () => {
      socket.off('close', gone);
      if (up.protocol) chosen.set(req, up.protocol);
      wss.handleUpgrade(req, socket, head, (client) => {
        const peer = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
        const tap = opts.connected(id, peer);
        const pair: [WebSocket, WebSocket] = [client, up];
        pairs.add(pair);
        up.removeAllListeners('message');
        for (const [data, binary] of early.splice(0)) {
          client.send(data, { binary });
          tap.frame('received', data, binary);
        }
        up.on('message', (data: Buffer, binary) => {
          client.send(data, { binary });
          tap.frame('received', data, binary);
        });
        client.on('message', (data: Buffer, binary) => {
          up.send(data, { binary });
          tap.frame('sent', data, binary);
        });
        client.on('error', () => {});
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          pairs.delete(pair);
          tap.closed();
        };
        client.on('close', (code, reason) => {
          mirrorClose(up, code, reason);
          end();
        });
        up.on('close', (code, reason) => {
          mirrorClose(client, code, reason);
          end();
        });
      });
    });
  });

  await new Promise<void>((resolve, rejected) => {
    server.once('error', rejected);
    server.listen(opts.port, opts.host, () => {
      server.off('error', rejected);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `${cert ? 'wss' : 'ws'}://${urlHost}:${port}`,
    certificate: cert?.cert,
    close: async () => {
      for (const [client, up] of pairs) {
        client.close(1001, 'the proxy is stopping');
        up.close(1001, 'the proxy is stopping');
      }
      // A peer that does not answer the close in time is cut off.
      const cut = setTimeout(() => {
        for (const [client, up] of pairs) {
          client.terminate();
          up.terminate();
        }
      }, 1000);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      clearTimeout(cut);
      wss.close();
    },
  };
}
