// The server side of bench/sim-scale, in its own process so that its memory is measured apart from
// the load generator. Run by sim-scale.mjs with --expose-gc; driven over the IPC channel.
//
//   kind=sim   the simulator (dist/index.js) with agents agent1..agentN
//   kind=echo  a bare `ws` WebSocketServer that echoes every message
//
// Messages from the parent: {cmd:'snapshot'} (forced GC, then memory), {cmd:'start'} (begin the
// measured window), {cmd:'end'} (end it and report), {cmd:'heap-snapshot', path}, {cmd:'drop-log'}
// (sim: empty the dialler's disposition and callback log, then memory), {cmd:'exit'}.
import { createServer } from 'node:http';
import { monitorEventLoopDelay, performance, createHistogram, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

const opts = JSON.parse(process.argv[2]);
const { kind, n, presentMs, talkMs, dist } = opts;

if (typeof globalThis.gc !== 'function') {
  console.error('bench server: run with --expose-gc');
  process.exit(2);
}

const send = (msg) => process.send(msg);

function fullGc() {
  // Two passes: the first can leave weakly held and finalised objects for the second.
  globalThis.gc();
  globalThis.gc();
}

function memory() {
  fullGc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

// What the server counts during the window.
let inWindow = false;
let frames = 0; // events sent (sim) or messages echoed (echo)
// Events (messages) by 100 ms of the window: how bursty the traffic is.
let buckets = [];
const count = () => {
  frames++;
  const b = Math.floor((performance.now() - windowStart) / 100);
  buckets[b] = (buckets[b] ?? 0) + 1;
};
const inServer = createHistogram(); // sim: ack processed -> next event written, microseconds
let cpuStart = null;
let windowStart = 0;
const eld = monitorEventLoopDelay({ resolution: 1 });
// Garbage collection in the window: count, total and longest pause, by kind (minor, major...).
const GC_KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
let gcs = {};
new PerformanceObserver((list) => {
  if (!inWindow) return;
  for (const e of list.getEntries()) {
    const k = GC_KINDS[e.detail?.kind] ?? String(e.detail?.kind);
    const g = (gcs[k] ??= { count: 0, ms: 0, maxMs: 0 });
    g.count++;
    g.ms += e.duration;
    g.maxMs = Math.max(g.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

let url;
let close;
let retained = () => null;
let dropLog = () => 0;
if (kind === 'sim') {
  const { startSimulator, mergeFixture } = await import(pathToFileURL(dist).href);
  const fixture = mergeFixture({
    agentRange: { prefix: 'agent', count: n, password: 'bench' },
    timings: { presentMs, talkMs },
  });
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', fixture, onFault: (err) => send({ type: 'fault', error: String(err?.stack ?? err) }) });
  sim.dialler.onEventSent = (event, ackedAt) => {
    if (!inWindow) return;
    count();
    // NowInCall follows the fixture's presentMs timer, not the acknowledgement: leave it out.
    if (ackedAt !== null && event.event !== 'NowInCall') {
      inServer.record(Math.max(1, Math.round((performance.now() - ackedAt) * 1000)));
    }
  };
  url = sim.url;
  close = () => sim.close();
  // What the dialler keeps: the disposition log grows with the calls, up to its newest 10,000.
  const d = sim.dialler;
  retained = () => ({ dispositions: d.dispositions.list().length, callbacks: d.callbacks.list().length, sessions: d.sessions.size, lines: d.lines.size });
  // To tell the cost of a session from that of the log: empties it (at the very end of a run).
  dropLog = () => {
    const entries = d.dispositions.list().length + d.callbacks.list().length;
    d.dispositions.clear();
    d.callbacks.clear();
    return entries;
  };
} else if (kind === 'echo') {
  const { WebSocketServer } = await import('ws');
  // The same socket set-up as the simulator (http server, ws on it, same maxPayload), and nothing else.
  const server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: 4 * 1024 * 1024 });
  wss.on('error', () => {});
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (inWindow) count();
      ws.send(data, { binary: isBinary });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  url = `ws://127.0.0.1:${server.address().port}`;
  close = () => new Promise((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    server.close(() => resolve());
  });
} else {
  console.error(`bench server: unknown kind ${kind}`);
  process.exit(2);
}

const idle = memory();
send({ type: 'ready', url, idle, pid: process.pid });

process.on('message', async (msg) => {
  switch (msg.cmd) {
    case 'snapshot':
      send({ type: 'snapshot', memory: memory() });
      break;
    case 'start':
      frames = 0;
      buckets = [];
      gcs = {};
      inServer.reset();
      eld.reset();
      eld.enable();
      cpuStart = process.cpuUsage();
      windowStart = performance.now();
      inWindow = true;
      break;
    case 'end': {
      inWindow = false;
      const seconds = (performance.now() - windowStart) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      eld.disable();
      send({
        type: 'stats',
        seconds,
        frames,
        cpu: (cpu.user + cpu.system) / 1e6 / seconds,
        gc: gcs,
        per100ms: (() => {
          const b = Array.from(buckets, (x) => x ?? 0).sort((x, y) => x - y);
          return b.length ? { mean: frames / b.length, p50: b[Math.floor(b.length / 2)], p99: b[Math.floor(b.length * 0.99)], max: b.at(-1) } : null;
        })(),
        retained: retained(),
        eventLoopDelayMs: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
        inServerMs: inServer.count
          ? { count: inServer.count, p50: inServer.percentile(50) / 1000, p99: inServer.percentile(99) / 1000, max: inServer.max / 1000 }
          : null,
      });
      break;
    }
    case 'drop-log': {
      const entries = dropLog();
      send({ type: 'drop-log', entries, memory: memory() });
      break;
    }
    case 'heap-snapshot':
      fullGc();
      send({ type: 'heap-snapshot', path: writeHeapSnapshot(msg.path) });
      break;
    case 'exit':
      // Close our side first: the TIME_WAIT sockets are then the server's, not the load generator's ports.
      await Promise.race([close(), new Promise((r) => setTimeout(r, 2000))]);
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
