import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Json } from '../protocol/codec.js';
import type { Clock } from './clock.js';
import { ControlError, makeControl, type Control } from './control.js';
import { Dialler } from './dialler.js';
import { errorFrame } from './errors.js';
import { BUILTIN_FIXTURE, type Fixture } from './fixture.js';
import { CONTROL_GATE, refusal, socketGate } from './guard.js';
import type { Conn } from './model.js';
import type { Direction } from '../session/frame-log.js';

/** The socket refuses frames past this outright (close 1009); the dialler refuses smaller oversized ones with 99. */
const MAX_PAYLOAD = 4 * 1024 * 1024;

export interface SimOptions {
  host?: string;
  port?: number;
  tls?: boolean;
  fixture?: Fixture;
  /** Port of the HTTP control endpoint, always on loopback; 0 picks a free one. */
  controlPort?: number;
  /** Where to report an unexpected fault (the simulator itself carries on). */
  onFault?: (err: unknown) => void;
  /** Time and timers of the dialler (default: the system's); tests pass one they advance by hand. */
  clock?: Clock;
  /** Origins (`https://app.example.com:8443`) of browser applications let in on the WebSocket. */
  allowOrigins?: string[];
  /** Told, in one line, of each WebSocket or control request refused for its Host or Origin. */
  onRefused?: (why: string) => void;
  /**
   * Told of every frame received and sent (--verbose), with whose it is: the agent logged in on that
   * connection, else the connection's number (`#3`).
   */
  onFrame?: (who: string, dir: Direction, text: string) => void;
}

export interface Simulator {
  url: string;
  controlUrl: string;
  /** The PEM certificate, with --tls. */
  certificate?: string;
  dialler: Dialler;
  control: Control;
  close(): Promise<void>;
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** A frame as the real dialler writes it (fixture `stringIds`): RID and SID as decimal strings (ERRATA 7). */
function withStringIds(msg: Json): Json {
  if (typeof msg.RID !== 'number' && typeof msg.SID !== 'number') return msg;
  const out = { ...msg };
  if (typeof out.RID === 'number') out.RID = String(out.RID);
  if (typeof out.SID === 'number') out.SID = String(out.SID);
  return out;
}

const ipOf = (req: IncomingMessage) => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

export async function startSimulator(opts: SimOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const gate = socketGate(host, opts.allowOrigins);
  const onRefused = opts.onRefused ?? (() => {});
  const dialler = new Dialler(opts.fixture ?? BUILTIN_FIXTURE, opts.clock);
  const onFault = opts.onFault ?? ((err) => process.stderr.write(`aapi sim: internal fault: ${(err as Error)?.stack ?? err}\n`));
  // The certificate library is large: load it only for --tls.
  const cert = opts.tls ? await (await import('./tls.js')).selfSignedCertificate(host) : undefined;
  const server: Server = cert
    ? createHttpsServer({ key: cert.key, cert: cert.cert, minVersion: 'TLSv1.2' })
    : createHttpServer();
  server.on('request', (_req, res: ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('This is a Genius AAPI simulator: connect with a WebSocket client.\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const why = refusal(gate, req);
    if (why) {
      onRefused(`refused a WebSocket: ${why}`);
      socket.on('error', () => {});
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why) + 1}\r\nConnection: close\r\n\r\n${why}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const sockets = new Set<WebSocket>();
  let connections = 0;
  const whose = (conn: Conn, n: number) => {
    for (const sid of conn.sids) {
      const agent = dialler.sessions.get(sid)?.agent;
      if (agent) return agent;
    }
    return `#${n}`;
  };

  wss.on('connection', (ws, req) => {
    sockets.add(ws);
    const n = ++connections;
    const put = (text: string) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(text);
      opts.onFrame?.(whose(conn, n), 'sent', text);
    };
    // timings.latencyMs: each frame leaves that much later, never before one sent earlier (a network's delay).
    let lastDue = 0;
    const conn: Conn = {
      ip: ipOf(req),
      sids: new Set(),
      send: (msg: Json) => {
        const text = JSON.stringify(dialler.fixture.stringIds ? withStringIds(msg) : msg);
        const latency = dialler.fixture.timings.latencyMs;
        if (!latency) return put(text);
        const due = Math.max(performance.now() + latency, lastDue);
        lastDue = due;
        setTimeout(() => put(text), due - performance.now());
      },
      close: () => ws.terminate(),
    };
    ws.on('message', (data) => {
      opts.onFrame?.(whose(conn, n), 'received', data.toString());
      try {
        dialler.handleFrame(conn, data.toString());
      } catch (err) {
        onFault(err);
        conn.send(errorFrame(0, 99, 'the simulator could not handle this frame'));
      }
    });
    ws.on('error', () => {}); // a broken client must not take the simulator down
    ws.on('close', () => {
      sockets.delete(ws);
      dialler.connectionClosed(conn);
    });
  });

  let port = opts.port ?? 8787;
  await listen(server, port, host);
  port = (server.address() as AddressInfo).port;

  const dropConnections = () => {
    for (const ws of sockets) ws.terminate();
  };
  let listening = true;
  const life = {
    dropConnections,
    stop: async () => {
      if (!listening) return;
      listening = false;
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    start: async () => {
      if (listening) return;
      await listen(server, port, host);
      listening = true;
    },
  };
  const control = makeControl(dialler, life);

  const controlServer = createHttpServer((req, res) => {
    serveControl(control, req, res, onRefused).catch((err) => {
      onFault(err);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await listen(controlServer, opts.controlPort ?? 0, '127.0.0.1');
  const controlPort = (controlServer.address() as AddressInfo).port;

  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${cert ? 'wss' : 'ws'}://${urlHost}:${port}`,
    controlUrl: `http://127.0.0.1:${controlPort}`,
    certificate: cert?.cert,
    dialler,
    control,
    close: async () => {
      await life.stop();
      wss.close();
      controlServer.closeAllConnections();
      await new Promise<void>((resolve) => controlServer.close(() => resolve()));
      dialler.close();
    },
  };
}

const MAX_CONTROL_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_CONTROL_BODY) throw new ControlError('body too large');
  }
  return body;
}

/** GET /state, POST /<operation> with a JSON body: the control API over HTTP, for this machine's programs only. */
async function serveControl(control: Control, req: IncomingMessage, res: ServerResponse, onRefused: (why: string) => void): Promise<void> {
  const reply = (status: number, body: Json): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
  };
  const why = refusal(CONTROL_GATE, req);
  if (why) {
    onRefused(`refused a control request: ${why}`);
    return reply(403, { ok: false, error: why });
  }
  const name = (req.url ?? '/').replace(/^\/+|\?.*$/g, '');
  const ops = control as unknown as Record<string, (p: unknown) => Json | Promise<Json>>;
  if (!Object.hasOwn(control, name)) {
    return reply(404, { ok: false, error: `no control operation ${JSON.stringify(name)}; there are: ${Object.keys(control).join(', ')}` });
  }
  if (req.method !== 'POST' && !(req.method === 'GET' && name === 'state')) {
    return reply(405, { ok: false, error: `use POST /${name}` });
  }
  try {
    const text = await readBody(req);
    let params: unknown = {};
    if (text.trim()) {
      try {
        params = JSON.parse(text);
      } catch {
        throw new ControlError('the body is not JSON');
      }
    }
    reply(200, await ops[name](params ?? {}));
  } catch (err) {
    if (err instanceof ControlError) return reply(400, { ok: false, error: err.message });
    throw err;
  }
}
