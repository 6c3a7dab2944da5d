import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Json } from '../../src/protocol/codec.js';
import { Session } from '../../src/session/session.js';

// "Records each event before acknowledging it" (ERRATA 20), proven by order on the wire rather than
// by time: a server written here sees every frame the session sends, in the order it was sent, so a
// frame sent from inside `record` lands after an Acknowledge sent before `record` ran, and before
// one sent after it.

const servers: WebSocketServer[] = [];
const sessions: Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  for (const w of servers.splice(0)) {
    for (const c of w.clients) c.terminate();
    await new Promise<void>((r) => w.close(() => r()));
  }
});

/** A server that keeps every frame its one client sent, and lets the test send events to it. */
async function server() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const frames: Json[] = [];
  const listeners = new Set<() => void>();
  let client!: WebSocket;
  const connected = new Promise<void>((r) =>
    wss.on('connection', (ws) => {
      client = ws;
      ws.on('message', (d) => {
        frames.push(JSON.parse(d.toString()) as Json);
        for (const l of [...listeners]) l();
      });
      r();
    }),
  );
  /** Resolves once a frame matching `pred` has arrived (bounded by the test's timeout). */
  const arrived = (pred: (f: Json) => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!frames.some(pred)) return;
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      check();
    });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    frames,
    connected,
    arrived,
    event: (name: string, rid: number) => client.send(JSON.stringify({ event: name, RID: rid })),
  };
}

const acks = (frames: Json[]) => frames.filter((f) => f.type === 'Acknowledge').map((f) => f.RID);

describe('events are recorded, then acknowledged', () => {
  it('sends no Acknowledge before record has finished, and one after it', async () => {
    const srv = await server();
    let acksSeenInRecord: unknown[] | undefined;
    const s = await Session.connect({
      url: srv.url, reconnect: false,
      record: async () => {
        // A marker sent now follows on the wire whatever the session sent before record was called.
        await s.send({ type: 'KeepAlive', SID: 0, marker: 1 });
        await srv.arrived((f) => f.marker === 1);
        acksSeenInRecord = acks(srv.frames);
      },
    });
    sessions.push(s);
    await srv.connected;
    srv.event('NowAvailable', 41);
    await srv.arrived((f) => f.type === 'Acknowledge');
    expect(acksSeenInRecord).toEqual([]);
    expect(acks(srv.frames)).toEqual([41]);
    expect(srv.frames.findIndex((f) => f.marker === 1)).toBeLessThan(srv.frames.findIndex((f) => f.type === 'Acknowledge'));
  });

  it('acknowledges in arrival order, each only after its own record', async () => {
    const srv = await server();
    const order: string[] = [];
    const s = await Session.connect({
      url: srv.url, reconnect: false,
      record: async (e) => {
        // The first record is the slowest: a later event must still wait for it.
        if (e.RID === 1) await srv.arrived((f) => f.marker === 'late');
        order.push(`record ${e.RID}`);
      },
    });
    sessions.push(s);
    await srv.connected;
    s.on('event', (e: Json) => order.push(`event ${e.RID}`));
    srv.event('NowAvailable', 1);
    srv.event('NowWaiting', 2);
    srv.event('NowInCall', 3);
    await s.send({ type: 'KeepAlive', SID: 0, marker: 'late' });
    await srv.arrived((f) => f.type === 'Acknowledge' && f.RID === 3);
    expect(acks(srv.frames)).toEqual([1, 2, 3]);
    expect(order).toEqual(['record 1', 'event 1', 'record 2', 'event 2', 'record 3', 'event 3']);
  });

  it('does not acknowledge an event whose record failed, and goes on with the next', async () => {
    const srv = await server();
    const recorded: unknown[] = [];
    let full = true;
    const s = await Session.connect({
      url: srv.url, reconnect: false,
      record: (e) => {
        if (e.RID === 7 && full) {
          full = false;
          throw new Error('disk full');
        }
        recorded.push(e.RID);
      },
    });
    sessions.push(s);
    await srv.connected;
    srv.event('NowAvailable', 7);
    srv.event('NowWaiting', 8);
    // Acknowledges go out in arrival order: once 8's is here, 7's would have come before it.
    await srv.arrived((f) => f.type === 'Acknowledge' && f.RID === 8);
    expect(acks(srv.frames)).toEqual([8]);
    expect(recorded).toEqual([8]);
    // Offered again (as a dialler does after a reconnect), it is recorded and acknowledged this time.
    srv.event('NowAvailable', 7);
    await srv.arrived((f) => f.type === 'Acknowledge' && f.RID === 7);
    expect(acks(srv.frames)).toEqual([8, 7]);
    expect(recorded).toEqual([8, 7]);
  });
});
