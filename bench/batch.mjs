#!/usr/bin/env node
// bench/batch: `aapi batch` throughput and memory, side by side in one run against one simulator:
//   bare        a bare `ws` client pipelining the same requests (64 in flight), matched by RID
//   sequential  the spec's example: one request at a time, each waiting for its reply (without
//               the example's 1 s Thread.Sleep polling, which alone would cap it at 1 row/s)
//   batch cN    `aapi batch run-query --concurrency N` through the profile's daemon, N = 1, 8, 64
// Then the bare client and aapi batch --concurrency 64 against simulators with a network's delay
// (aapi sim --latency). Rows are RunQuery lookups (DataQuery 1 by Parameters.URN), the same JSONL file for all. Each case
// runs --runs times, interleaved so machine load hits all alike; medians and ratios to the bare
// client are printed. Then the session server's peak RSS (VmRSS from /proc/<pid>/status, polled every
// 20 ms while the job runs in it) and the aapi batch client's VmHWM at concurrency 64 for --rows and
// --big rows, and the server's RSS after them beside a bare Node process holding one ws connection.
// Waits for the machine to be quiet before each case. Loopback only; bounded; stops by itself and ends every
// process it started (by PID).
//
//   node bench/batch.mjs                      10,000 rows, 3 runs; RSS for 10,000 and 100,000 rows
//   node bench/batch.mjs --quick              2,000 rows, 1 run; RSS for 2,000 and 20,000 rows
//   node bench/batch.mjs --rows 5000 --big 50000 --runs 5
//   node bench/batch.mjs --latencies=1,5,20   simulators with these delays (ms) too; --latencies=none: not
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { parse as parseCsv } from 'csv-parse';
import { bareHolder, endServer, serverPidOf, startSim as startSimOf } from './common.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const aapi = join(root, 'bin', 'aapi.js');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && argv[i + 1] !== undefined) return Number(argv[i + 1]);
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? Number(eq.slice(name.length + 3)) : fallback;
};
if (argv.includes('--help')) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 19).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
const quick = argv.includes('--quick');
const ROWS = opt('rows', quick ? 2_000 : 10_000);
const BIG = opt('big', quick ? 20_000 : 100_000);
const RUNS = opt('runs', quick ? 1 : 3);
const latencyArg = argv.find((a) => a.startsWith('--latencies='))?.slice(12) ?? (quick ? '5' : '1,5,20');
const LATENCIES = latencyArg === 'none' ? [] : latencyArg.split(',').map(Number).filter((n) => n > 0);
const WINDOW = 64;
const cpus = availableParallelism();
const CASE_MS = 300_000; // no single case may take longer than this

const home = mkdtempSync(join(tmpdir(), 'aapi-bench-batch-'));
const env = { ...process.env, AAPI_HOME: home, NO_COLOR: '1', AAPI_PROFILE: undefined, AAPI_SERVER: undefined, AAPI_TIMEOUT: undefined };
const children = new Set();
let sim;
/** The profiles logged in: each has a session daemon to end. */
const profiles = new Set();

function cleanup() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const profile of profiles) {
    spawnSync(process.execPath, [aapi, 'logout', '--profile', profile], { env, stdio: 'ignore', timeout: 10_000 });
    endServer(serverPidOf(home));
  }
  rmSync(home, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
process.on('uncaughtException', (err) => {
  process.stderr.write(`bench/batch: ${err.stack ?? err.message}\n`);
  process.exit(1); // runs cleanup: no batch, daemon or simulator is left behind
});
process.on('unhandledRejection', (err) => {
  process.stderr.write(`bench/batch: ${err?.stack ?? err}\n`);
  process.exit(1);
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (text) => process.stderr.write(`${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The machine's busy CPU time so far, in seconds, from /proc/stat (Linux); null elsewhere. */
function busyCpu() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq] = f;
    return (user + nice + system + irq + softirq) / 100;
  } catch {
    return null;
  }
}

/** Waits (up to 30 s) until other programs leave the machine quiet: they would disturb the figures. */
async function waitQuiet() {
  const limit = Date.now() + 30_000;
  let said = false;
  for (;;) {
    const a = busyCpu();
    await sleep(500);
    const b = busyCpu();
    if (a === null || b === null) return;
    const busy = (b - a) / 0.5;
    if (busy < 0.25) return;
    if (Date.now() > limit) return log(`  the machine is still busy (${busy.toFixed(2)} cores): going ahead, the figures may be disturbed`);
    if (!said) log(`  waiting for the machine to be quiet (${busy.toFixed(2)} cores busy)`);
    said = true;
  }
}

// ---- the simulator and the session ----

/** An `aapi sim` on a free port (a child ended on the way out); resolves with its URL and control URL. */
async function startSim(extra = []) {
  const started = await startSimOf(extra, env);
  children.add(started.proc);
  return started;
}

/** `aapi login` of agent demo on `server` for `profile`: the session server's PID. */
function loginTo(server, profile) {
  const r = spawnSync(process.execPath, [aapi, 'login', '--server', server, '--agent', 'demo', '--extension', '8600001', '--profile', profile], {
    env: { ...env, AAPI_PASSWORD: 'demo' }, encoding: 'utf8', timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`aapi login failed (${r.status}): ${r.stderr}`);
  profiles.add(profile);
  return serverPidOf(home);
}

const started = await startSim();
sim = started.proc;
const { url, controlUrl } = started;
const simState = async () => (await fetch(`${controlUrl}/state`)).json();

const daemonPid = loginTo(url, 'default');

// ---- inputs ----

const row = (i) => ({ QueryNumber: 1, Parameters: { URN: String(1001 + (i % 5)) } });
function jsonl(n) {
  const path = join(home, `rows-${n}.jsonl`);
  const chunks = [];
  for (let i = 0; i < n; i++) chunks.push(`${JSON.stringify(row(i))}\n`);
  writeFileSync(path, chunks.join(''));
  return path;
}
const input = jsonl(ROWS);
const rows = readFileSync(input, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
/** The same rows as a CSV file with a header, as a user's export would be. */
const csvInput = join(home, `rows-${ROWS}.csv`);
writeFileSync(csvInput, `QueryNumber,Parameters.URN\n${rows.map((r) => `${r.QueryNumber},${r.Parameters.URN}`).join('\n')}\n`);

// ---- the clients ----

/** A WebSocket session of its own (agent demo2, so the daemon's session is left alone). */
async function wsSession(target = url) {
  const ws = new WebSocket(target, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waiting = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    const w = waiting.get(msg.RID);
    if (!w) return;
    waiting.delete(msg.RID);
    w(msg);
  });
  let rid = Math.floor(Math.random() * 1e9);
  const request = (msg) =>
    new Promise((resolve) => {
      const r = ++rid;
      waiting.set(r, resolve);
      ws.send(JSON.stringify({ ...msg, RID: r, ...(sid ? { SID: sid } : {}) }));
    });
  let sid;
  const auth = await request({ type: 'Authenticate', Agent: 'demo2', Password: 'demo', extension: '8600002' });
  if (auth.Response !== 'OK' || !auth.SID) throw new Error(`bare client: Authenticate failed: ${JSON.stringify(auth)}`);
  sid = auth.SID;
  return { ws, request };
}

function check(answers) {
  const bad = answers.filter((a) => a.Response === 'ERROR' || a.Data?.URN === undefined);
  if (bad.length) throw new Error(`${bad.length} requests failed, e.g. ${JSON.stringify(bad[0])}`);
}

/** The bare client: WINDOW requests in flight, a new one sent as each answer comes back. */
async function bare(target = url) {
  const { ws, request } = await wsSession(target);
  const answers = new Array(rows.length);
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < rows.length) {
      const i = next++;
      answers[i] = await request({ type: 'RunQuery', ...rows[i], values: {} });
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
  const ms = performance.now() - t0;
  ws.close();
  check(answers);
  return { rate: (rows.length / ms) * 1000, wall: (rows.length / ms) * 1000, rows: rows.length };
}

/**
 * The minimal correct batch client the issue sets as the yardstick: it streams the CSV through
 * csv-parse, keeps 64 requests in flight on a bare ws session, and writes one JSONL line per answer
 * (row number, ok, the response) as it arrives. No resume, no journal, no validation: what a user
 * would write by hand in an afternoon.
 */
async function minimal() {
  const { ws, request } = await wsSession();
  const output = join(home, `minimal-${++outputs}.jsonl`);
  const out = createWriteStream(output);
  const t0 = performance.now();
  const parser = createReadStream(csvInput).pipe(parseCsv({ columns: true }));
  let n = 0;
  let inFlight = 0;
  let wake = () => {};
  const answered = [];
  for await (const record of parser) {
    const row = ++n;
    while (inFlight >= WINDOW) await new Promise((r) => (wake = r));
    inFlight++;
    const msg = { type: 'RunQuery', QueryNumber: Number(record.QueryNumber), Parameters: { URN: record['Parameters.URN'] }, values: {} };
    answered.push(request(msg).then((response) => {
      inFlight--;
      wake();
      const ok = response.Response !== 'ERROR';
      if (!out.write(`${JSON.stringify(ok ? { row, ok, response } : { row, ok, error: response })}\n`)) return once(out, 'drain');
      return undefined;
    }));
  }
  await Promise.all(answered);
  await new Promise((resolve) => out.end(resolve));
  const ms = performance.now() - t0;
  ws.close();
  const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  rmSync(output, { force: true });
  check(lines.map((l) => l.response ?? l.error));
  if (lines.length !== rows.length) throw new Error(`minimal client: ${lines.length} answers for ${rows.length} rows`);
  return { rate: (rows.length / ms) * 1000, wall: (rows.length / ms) * 1000, rows: rows.length };
}

/** The spec's example: send, wait for that reply, then the next. */
async function sequential() {
  const { ws, request } = await wsSession();
  const answers = [];
  const t0 = performance.now();
  for (const r of rows) answers.push(await request({ type: 'RunQuery', ...r, values: {} }));
  const ms = performance.now() - t0;
  ws.close();
  check(answers);
  return { rate: (rows.length / ms) * 1000, wall: (rows.length / ms) * 1000, rows: rows.length };
}

const vm = (pid, field) => {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // gone, or not Linux
  }
};

/** CPU seconds of a process (user + system), and of its children that have ended, from /proc/<pid>/stat. */
function cpuOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number); // from field 3, state
    return { own: (f[11] + f[12]) / 100, children: (f[13] + f[14]) / 100 };
  } catch {
    return { own: NaN, children: NaN }; // not Linux
  }
}

/** Runs a case and adds the CPU it cost per row, in µs: the client side, the session daemon, the simulator. */
async function measured(kind, fn) {
  const sim0 = cpuOf(sim.pid).own;
  const daemon0 = cpuOf(daemonPid).own;
  const children0 = cpuOf(process.pid).children;
  const self0 = process.cpuUsage();
  const r = await fn();
  const self = process.cpuUsage(self0);
  const perRow = (sec) => (sec * 1e6) / r.rows;
  // In-process clients are this process; `aapi batch` is a child, counted once it has ended.
  const client = kind === 'inproc' ? (self.user + self.system) / 1e6 : cpuOf(process.pid).children - children0;
  r.cpu = { client: perRow(client), daemon: perRow(cpuOf(daemonPid).own - daemon0), sim: perRow(cpuOf(sim.pid).own - sim0) };
  r.cpu.total = r.cpu.client + r.cpu.daemon + r.cpu.sim;
  return r;
}

let outputs = 0;
/** `aapi batch` as a user runs it; its own summary's rows/s (the job) and the wall time (start-up included). */
async function batch(concurrency, file = input, nodeFlags = [], profile = 'default') {
  const output = join(home, `out-${++outputs}.jsonl`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, aapi, 'batch', 'run-query', '--input', file, '--output', output, '--concurrency', String(concurrency), '--profile', profile, '--json'], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let hwm = 0;
  // The job runs in the session server: its resident memory at its peak during the job, too.
  let serverPeak = 0;
  const poll = setInterval(() => {
    hwm = Math.max(hwm, vm(child.pid, 'VmHWM') ?? 0);
    serverPeak = Math.max(serverPeak, vm(daemonPid, 'VmRSS') ?? 0);
  }, 20);
  const killer = setTimeout(() => child.kill('SIGKILL'), CASE_MS);
  const code = await new Promise((resolve) => child.once('close', (c) => resolve(c)));
  const ms = performance.now() - t0;
  clearInterval(poll);
  clearTimeout(killer);
  children.delete(child);
  if (code !== 0) throw new Error(`aapi batch --concurrency ${concurrency} exited ${code}: ${stderr}`);
  const summary = JSON.parse(stdout);
  rmSync(output, { force: true });
  return { rate: summary.rowsPerSecond, wall: (summary.rows / ms) * 1000, hwmKB: hwm, serverPeakKB: serverPeak, rows: summary.rows };
}

// ---- throughput ----

const CASES = [
  { name: 'bare ws client, 64 in flight', run: () => measured('inproc', bare) },
  { name: 'minimal client: CSV in, JSONL out', run: () => measured('inproc', minimal) },
  { name: 'sequential (spec example)', run: () => measured('inproc', sequential) },
  { name: 'aapi batch --concurrency 1', run: () => measured('child', () => batch(1)) },
  { name: 'aapi batch --concurrency 8', run: () => measured('child', () => batch(8)) },
  { name: 'aapi batch --concurrency 64', run: () => measured('child', () => batch(64)) },
  { name: 'aapi batch --concurrency 64, CSV', run: () => measured('child', () => batch(64, csvInput)) },
];
const results = new Map(CASES.map((c) => [c.name, []]));
const before = await simState();
for (let run = 1; run <= RUNS; run++) {
  for (const c of CASES) {
    await waitQuiet();
    log(`run ${run}/${RUNS}: ${c.name} (${ROWS} rows)`);
    results.get(c.name).push(await c.run());
  }
}
const after = await simState();
const expected = RUNS * CASES.length * ROWS;
const sent = after.received.RunQuery - before.received.RunQuery;
if (sent !== expected) throw new Error(`the simulator received ${sent} RunQuery, expected ${expected}: a row was lost or sent twice`);

const bareRate = median(results.get(CASES[0].name).map((r) => r.rate));
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const out = [];
out.push(`bench/batch: ${ROWS} RunQuery rows (JSONL) against one simulator, median of ${RUNS} run(s), loopback, ${process.platform} ${process.arch}, node ${process.version}`);
out.push('');
out.push(`${pad('client', 32)}${lpad('rows/s', 9)}${lpad('x bare', 9)}${lpad('wall rows/s', 13)}${lpad('x bare', 9)}${lpad('CPU µs/row', 13)}${lpad('client', 8)}${lpad('daemon', 8)}${lpad('sim', 6)}`);
const us = (x) => (Number.isFinite(x) ? Math.round(x) : '-');
for (const c of CASES) {
  const rs = results.get(c.name);
  const rate = median(rs.map((r) => r.rate));
  const wall = median(rs.map((r) => r.wall));
  const cpu = (k) => median(rs.map((r) => r.cpu[k]));
  out.push(
    `${pad(c.name, 32)}${lpad(Math.round(rate), 9)}${lpad((rate / bareRate).toFixed(2), 9)}${lpad(Math.round(wall), 13)}${lpad((wall / bareRate).toFixed(2), 9)}` +
      `${lpad(us(cpu('total')), 13)}${lpad(us(cpu('client')), 8)}${lpad(us(cpu('daemon')), 8)}${lpad(us(cpu('sim')), 6)}`,
  );
}
const rateOf = (name) => median(results.get(name).map((r) => r.rate));
const c64 = rateOf('aapi batch --concurrency 64');
const c64csv = rateOf('aapi batch --concurrency 64, CSV');
const minimalRate = rateOf('minimal client: CSV in, JSONL out');
out.push('');
out.push(`goal: aapi batch --concurrency 64 (CSV) >= 0.8 x the minimal correct client (CSV in, JSONL out): ${(c64csv / minimalRate).toFixed(2)} x (${c64csv >= 0.8 * minimalRate ? 'met' : 'MISSED'}; stretch 0.9)`);
out.push(`aapi batch --concurrency 64 vs the bare client with no file I/O: ${(c64 / bareRate).toFixed(2)} x (JSONL), ${(c64csv / bareRate).toFixed(2)} x (CSV)`);
out.push('rows/s: rows / the job\'s own time (its --json summary; aapi: from reading the first row to the last answer);');
out.push('wall rows/s: rows / the time from spawning `aapi batch` to its exit (start-up, daemon hand-off, summary included).');
out.push('CPU µs/row: user + system CPU per row of every process at work, from /proc: the client (this process, or the');
out.push('aapi batch child, its start-up included), the session daemon, the simulator. Less disturbed by other load than');
out.push(`rows/s: on ${cpus} cores, a case can do at most about ${cpus} x 1e6 / (CPU µs/row) rows/s.`);
process.stdout.write(`${out.join('\n')}\n`);

// ---- with a network's delay ----
// Against a dialler across a network each answer comes a delay later; with 64 in flight, no client can
// pass 64 / delay rows/s. The same two clients against a simulator started with --latency.

const latencyOut = ['', `with a network's delay (aapi sim --latency L), ${ROWS} rows, median of ${RUNS}:`, ''];
latencyOut.push(`${pad('latency', 10)}${lpad('bound 64/L', 12)}${lpad('bare rows/s', 13)}${lpad('aapi c64', 10)}${lpad('x bare', 9)}`);
for (const ms of LATENCIES) {
  const far = await startSim(['--latency', `${ms}ms`]);
  const profile = `latency${ms}`;
  loginTo(far.url, profile);
  const bares = [];
  const ours = [];
  for (let run = 1; run <= RUNS; run++) {
    await waitQuiet();
    log(`run ${run}/${RUNS}: latency ${ms} ms: bare ws client, aapi batch --concurrency 64 (${ROWS} rows)`);
    bares.push((await bare(far.url)).rate);
    ours.push((await batch(64, input, [], profile)).rate);
  }
  spawnSync(process.execPath, [aapi, 'logout', '--profile', profile], { env, stdio: 'ignore', timeout: 10_000 });
  profiles.delete(profile);
  far.proc.kill('SIGKILL');
  children.delete(far.proc);
  const b = median(bares);
  const o = median(ours);
  latencyOut.push(`${pad(`${ms} ms`, 10)}${lpad(Math.round((WINDOW * 1000) / ms), 12)}${lpad(Math.round(b), 13)}${lpad(Math.round(o), 10)}${lpad((o / b).toFixed(2), 9)}`);
}
if (LATENCIES.length) process.stdout.write(`${latencyOut.join('\n')}\n`);

// ---- memory: 10k vs 100k rows ----

log(`memory: aapi batch --concurrency 64 on ${ROWS} and ${BIG} rows`);
const bigInput = jsonl(BIG);
// The floor to compare the server with: a bare Node process holding one authenticated ws connection.
const holder = await bareHolder(url, 'demo2');
children.add(holder);
await new Promise((r) => setTimeout(r, 2000));
const holderKB = vm(holder.pid, 'VmRSS');
const daemonBefore = vm(daemonPid, 'VmRSS');
const cases = [];
for (const file of [input, bigInput]) {
  await waitQuiet();
  cases.push(await batch(64, file));
}
await new Promise((r) => setTimeout(r, 2000));
const daemonAfter = vm(daemonPid, 'VmRSS');
const mb = (kb) => (kb / 1024).toFixed(1);
const mem = [''];
mem.push(`${pad('aapi batch --concurrency 64', 30)}${lpad('rows', 9)}${lpad('rows/s', 9)}${lpad('server peak RSS MB', 20)}${lpad('client VmHWM MB', 17)}`);
for (const c of cases) mem.push(`${pad('', 30)}${lpad(c.rows, 9)}${lpad(Math.round(c.rate), 9)}${lpad(mb(c.serverPeakKB), 20)}${lpad(mb(c.hwmKB), 17)}`);
mem.push(`server peak RSS ${BIG} vs ${ROWS} rows: ${(cases[1].serverPeakKB / cases[0].serverPeakKB).toFixed(2)} x (goal <= 1.1)`);
if (daemonBefore && daemonAfter && holderKB) {
  mem.push(`session server VmRSS: ${mb(daemonBefore)} MB before the jobs, ${mb(daemonAfter)} MB after; a bare Node process holding one ws: ${mb(holderKB)} MB`);
  mem.push(`server after a ${BIG}-row job vs that bare process: ${(daemonAfter / holderKB).toFixed(2)} x (goal <= 1.5)`);
}
process.stdout.write(`${mem.join('\n')}\n`);
if (!existsSync('/proc/self/status')) log('(no /proc here: VmHWM not measured)');
process.exit(0);
