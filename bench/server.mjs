#!/usr/bin/env node
// bench/server: the session server's memory and responsiveness, side by side in one run.
//   - idle RSS of the server holding one profile, against a bare Node process holding one
//     authenticated ws connection to the same simulator (the floor of any client that keeps a session);
//   - what each further profile costs: RSS with 1, 10 and 100 profiles logged in (distinct agents of
//     the fixture's agentRange, one simulator);
//   - `aapi status` while a --concurrency 64 job of another profile runs, against idle (median and
//     p99 of RUNS runs each), and whether any profile reconnected meanwhile.
// Loopback only; bounded; stops by itself, logging out every profile.
//   node bench/server.mjs [--runs=40] [--profiles=100] [--rows=40000]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aapi, bareHolder, endServer, median, serverPidOf, startSim } from './common.mjs';
const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const RUNS = arg('runs', 40);
const PROFILES = arg('profiles', 100);
const ROWS = arg('rows', 40_000);

const home = mkdtempSync(join(tmpdir(), 'aapi-bench-server-'));
const env = { ...process.env, AAPI_HOME: home, NO_COLOR: '1' };
const children = [];

let serverPid;
function cleanup() {
  spawnSync(process.execPath, [aapi, 'logout', '--all'], { env, stdio: 'ignore', timeout: 60_000 });
  endServer(serverPid);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('uncaughtException', (err) => {
  console.error(`bench/server: ${err.message}`);
  process.exit(1);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const p99 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)];

function aapiSync(args, extra = {}) {
  const r = spawnSync(process.execPath, [aapi, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`aapi ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}
function timed(args) {
  const t0 = process.hrtime.bigint();
  aapiSync(args);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const fixture = join(home, 'fixture.json5');
writeFileSync(fixture, JSON.stringify({ agentRange: { prefix: 'agent', count: PROFILES + 1, password: 'demo' }, timings: { presentMs: 3_600_000 } }));
const { proc: sim, url, controlUrl } = await startSim(['--fixture', fixture]);
children.push(sim);
const received = async () => (await (await fetch(`${controlUrl}/state`)).json()).received;

// The floor: a bare Node process holding one authenticated connection, idle.
const bare = await bareHolder(url, `agent${PROFILES + 1}`);
children.push(bare);

const login = (i) => aapiSync(['login', '--server', url, '--profile', `p${i}`, '--agent', `agent${i}`, '--extension', '8600001'], { AAPI_PASSWORD: 'demo' });
login(1);
const pid = serverPidOf(home);
serverPid = pid;
// Settle as a session held for a while does: a few one-liners, then quiet.
for (let i = 0; i < 20; i++) aapiSync(['status', '--profile', 'p1']);
await sleep(3000);
const rss = { 1: rssMb(pid) };
const bareRss = rssMb(bare.pid);
for (let i = 2; i <= PROFILES; i++) {
  login(i);
  if (i === 10 || i === PROFILES) {
    await sleep(3000);
    rss[i] = rssMb(pid);
  }
}

// status of p1 idle, then while p2 runs a --concurrency 64 job.
const idle = [];
for (let i = 0; i < RUNS; i++) idle.push(timed(['status', '--profile', 'p1']));
const input = join(home, 'rows.jsonl');
writeFileSync(input, Array.from({ length: ROWS }, (_, i) => `${JSON.stringify({ Parameters: { URN: String(1001 + (i % 5)) } })}\n`).join(''));
const before = await received();
const job = spawn(process.execPath, [aapi, 'batch', 'run-query', '--query-number', '1', '--input', input, '--output', join(home, 'out.jsonl'), '--concurrency', '64', '--profile', 'p2'], { env, stdio: 'ignore' });
children.push(job);
const jobEnded = new Promise((r) => job.once('exit', r));
let ended = false;
void jobEnded.then(() => (ended = true));
await sleep(500);
const busy = [];
while (!ended && busy.length < RUNS) busy.push(timed(['status', '--profile', 'p1']));
const tookAll = ended ? `the job ended after ${busy.length} of them` : `all ${RUNS} while the job ran`;
await jobEnded;
const after = await received();

console.log(`bench/server: node ${process.version}, ${(await import('node:os')).cpus().length} cores; ${PROFILES} profiles; status ${RUNS} runs each`);
console.log(`bare Node process holding one authenticated ws connection: ${bareRss.toFixed(1)} MB`);
console.log(`session server, 1 profile:   ${rss[1].toFixed(1)} MB  (${(rss[1] / bareRss).toFixed(2)}x bare; goal <= 1.25x)`);
for (const n of new Set([10, PROFILES])) if (rss[n]) console.log(`session server, ${String(n).padEnd(3)} profiles: ${rss[n].toFixed(1)} MB  (${((rss[n] - rss[1]) / (n - 1)).toFixed(2)} MB per further profile; goal <= 1 MB)`);
console.log(`aapi status idle:           median ${median(idle).toFixed(1)} ms, p99 ${p99(idle).toFixed(1)} ms`);
console.log(`aapi status during a c64 job of another profile (${tookAll}): median ${median(busy).toFixed(1)} ms, p99 ${p99(busy).toFixed(1)} ms  (p99 ${(p99(busy) / p99(idle)).toFixed(2)}x idle; goal <= 2x)`);
console.log(`Authenticate received while the job ran: ${after.Authenticate - before.Authenticate} (no profile reconnected: goal 0)`);
process.exit(0);
