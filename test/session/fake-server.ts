import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Json } from '../../src/protocol/codec.js';

// A scripted AAPI server for the session engine's tests: each test says how each message is
// answered (or not), and sees every frame the session sent, on which connection. Unlike the
// simulator it can answer anything at any moment: a 198 to the second try, an event re-sent
// with a RID already seen, a drop with a request in flight.

export interface Received {
  /** 1 for the first connection, 2 for the one after a reconnect, ... */
  conn: number;
  msg: Json;
}

export type Handler = (msg: Json, reply: (m: Json) => void, conn: FakeConn) => void;

export interface FakeConn {
  readonly n: number;
  readonly ws: WebSocket;
  send(m: Json): void;
}

export interface FakeServer {
  url: string;
  received: Received[];
  /** The messages of this type received so far (on any connection, or on connection `conn`). */
  of(type: string, conn?: number): Json[];
  /** The connection most recently opened. */
  conn(): FakeConn;
  /** How many connections were opened. */
  connections(): number;
  /** Waits until `predicate` holds over what was received. */
  until(predicate: (r: Received[]) => boolean, ms?: number): Promise<void>;
  /** Closes the socket of every open connection (the session sees a drop). */
  drop(): void;
  /** Refuses new connections from now on (until allowed again). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export const ok = (msg: Json, extra: Json = {}): Json => ({ Response: 'OK', RID: msg.RID, SID: msg.SID, ...extra });
export const error = (msg: Json, n: number, extra: Json = {}): Json => ({
  Response: 'ERROR', RID: msg.RID, ErrorNumber: n, ErrorLevel: 'Serious', ErrorMessage: `error ${n}`, ...extra,
});

/**
 * By default Authenticate is answered OK with SID 100 + the count of Authenticates so far, and
 * every other request OK; KeepAlive and Acknowledge get nothing. `handle` overrides it: call
 * `reply` to answer (or not, to leave it in flight), or return false to fall back to the default.
 */
export async function fakeServer(handle?: (msg: Json, reply: (m: Json) => void, conn: FakeConn, count: number) => boolean | void): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const received: Received[] = [];
  let connections = 0;
  let last: FakeConn | undefined;
  let refusing = false;
  let auths = 0;
  wss.on('connection', (ws) => {
    if (refusing) {
      ws.terminate();
      return;
    }
    const c: FakeConn = { n: ++connections, ws, send: (m) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m)) };
    last = c;
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Json;
      received.push({ conn: c.n, msg });
      const type = String(msg.type);
      const count = received.filter((r) => r.msg.type === type).length;
      if (type === 'Authenticate') auths++;
      if (handle && handle(msg, c.send, c, count) !== false) return;
      if (type === 'KeepAlive' || type === 'Acknowledge') return;
      if (type === 'Authenticate') c.send(ok(msg, { SID: 100 + auths }));
      else c.send(ok(msg));
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    of: (type, conn) => received.filter((r) => r.msg.type === type && (conn === undefined || r.conn === conn)).map((r) => r.msg),
    conn: () => last!,
    connections: () => connections,
    async until(predicate, ms = 5000) {
      const t0 = Date.now();
      while (!predicate(received)) {
        if (Date.now() - t0 > ms) throw new Error(`fake server: condition not met within ${ms} ms; received ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    drop() {
      for (const ws of wss.clients) ws.terminate();
    },
    refuse(on) {
      refusing = on;
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}
