// `aapi proxy` against the simulator straight: the p50 round trip of one request at a time, the
// frames per second of a pipelined client, and the proxy's memory over many frames, in one run.
//
//   node bench/proxy.mjs [--quick] [--frames N]
//
// Goal (issue 17): p50 <= 1.3x direct, throughput >= 0.8x direct, memory flat over 1,000,000 frames
// (without --record and --log, which keep what they are asked to). The proxy runs as users run it,
// its live log on (to a stderr nobody reads).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aapi, median, root, startSim } from './common.mjs';

const require = (await import('node:module')).createRequire(import.meta.url);
const WebSocket = require(join(root, 'node_modules', 'ws'));

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const at = args.indexOf('--frames');
const FRAMES = at >= 0 ? Number(args[at + 1]) : quick ? 100_000 : 1_000_000;
const ROUND_TRIPS = quick ? 500 : 3_000;
const WINDOW = 64;

function startProxy(upstream) {
  const proc = spawn(process.execPath, [aapi, 'proxy', '--upstream', upstream, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the proxy printed no URL in 15 s')), 15_000);
    proc.stdout.once('data', (d) => {
      clearTimeout(timer);
      resolve({ proc, url: String(d).split('\n')[0] });
    });
    proc.once('exit', (code) => reject(new Error(`the proxy exited (${code})`)));
  });
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

/** An authenticated client: `ask()` sends one GetTenants and resolves with its answer. */
async function client(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const waiting = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(m);
    if (msg.event) ws.send(JSON.stringify({ type: 'Acknowledge', RID: msg.RID, SID: sid }));
    waiting.get(msg.RID)?.(msg);
    waiting.delete(msg.RID);
  });
  let rid = 0;
  let sid;
  const send = (m) => new Promise((r) => {
    const id = ++rid;
    waiting.set(id, r);
    ws.send(JSON.stringify({ ...m, RID: id, ...(sid ? { SID: sid } : {}) }));
  });
  sid = (await send({ type: 'Authenticate', Agent: 'demo', Password: 'demo', extension: '8600001' })).SID;
  return { ask: () => send({ type: 'GetTenants' }), close: () => ws.close(1000) };
}

async function roundTrip(c) {
  const times = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t = performance.now();
    await c.ask();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Requests pipelined WINDOW at a time; each answered request is two frames through the proxy. */
async function throughput(c, requests, onProgress = () => {}) {
  const t = performance.now();
  let sent = 0;
  const lane = async () => {
    while (sent < requests) {
      sent++;
      await c.ask();
      if (sent % 10_000 === 0) onProgress(sent);
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
  return (2 * requests) / ((performance.now() - t) / 1000);
}

const sim = await startSim();
const proxy = await startProxy(sim.url);
try {
  const direct = await client(sim.url);
  const through = await client(proxy.url);
  await roundTrip(direct), await roundTrip(through); // warm-up
  const p50 = { direct: await roundTrip(direct), proxy: await roundTrip(through) };
  const tput = { direct: await throughput(direct, 20_000), proxy: await throughput(through, 20_000) };
  const before = rssKb(proxy.proc.pid);
  const samples = [];
  await throughput(through, FRAMES / 2, () => samples.push(rssKb(proxy.proc.pid)));
  const after = rssKb(proxy.proc.pid);
  const fmt = (n) => n.toFixed(3);
  console.log(`round trip p50: direct ${fmt(p50.direct)} ms, through the proxy ${fmt(p50.proxy)} ms, ratio ${(p50.proxy / p50.direct).toFixed(2)} (goal <= 1.3)`);
  console.log(`throughput: direct ${Math.round(tput.direct)} frames/s, through the proxy ${Math.round(tput.proxy)} frames/s, ratio ${(tput.proxy / tput.direct).toFixed(2)} (goal >= 0.8)`);
  console.log(`proxy memory over ${FRAMES} frames: RSS ${Math.round(before / 1024)} MB before, ${Math.round(after / 1024)} MB after (max ${Math.round(Math.max(...samples, after) / 1024)} MB)`);
  direct.close();
  through.close();
} finally {
  proxy.proc.kill('SIGTERM');
  sim.proc.kill('SIGTERM');
}
