#!/usr/bin/env node
// bench/event-log: what a long-held session's event log costs a one-liner. Two session servers (two
// AAPI_HOMEs) against one `aapi sim`: one whose profile's event log already holds 100,000 events,
// one whose log is empty. `aapi wait NowUnavailable --timeout 1` (it looks at the events after the
// wait mark, then times out: exit 4) and `aapi status` run in each, interleaved, RUNS times; the
// medians and their ratio are printed. Goal: at most 1.05x. Loopback only; bounded; stops by itself.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aapi, median, startSim } from './common.mjs';
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 25);
const EVENTS = Number(process.argv.find((a) => a.startsWith('--events='))?.slice(9) ?? 100_000);

const homes = { full: mkdtempSync(join(tmpdir(), 'aapi-bench-log-full-')), empty: mkdtempSync(join(tmpdir(), 'aapi-bench-log-empty-')) };
const envOf = (home) => ({ ...process.env, AAPI_HOME: home, NO_COLOR: '1' });
let sim;

function cleanup() {
  for (const home of Object.values(homes)) {
    spawnSync(process.execPath, [aapi, 'logout', '--all'], { env: envOf(home), stdio: 'ignore', timeout: 10_000 });
    rmSync(home, { recursive: true, force: true });
  }
  sim?.kill('SIGTERM');
}
process.on('exit', cleanup);
process.on('uncaughtException', (err) => {
  console.error(`bench/event-log: ${err.message}`);
  process.exit(1);
});

function time(home, args, expect = 0) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [aapi, ...args], { env: envOf(home), encoding: 'utf8', timeout: 20_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== expect) throw new Error(`aapi ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

// A log of EVENTS events, as a session held for weeks of calls leaves it.
const profileDir = join(homes.full, 'profiles', 'default');
mkdirSync(profileDir, { recursive: true, mode: 0o700 });
const kinds = ['NowAvailable', 'NowWaiting', 'NowInCall', 'NowWrapping'];
const lines = [];
for (let i = 1; i <= EVENTS; i++) lines.push(JSON.stringify({ seq: i, time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), event: { event: kinds[i % 4], RID: i, sessionIndex: 0, data: { URN: String(1000 + (i % 500)) } } }));
writeFileSync(join(profileDir, 'events.jsonl'), `${lines.join('\n')}\n`, { mode: 0o600 });

const started = await startSim();
sim = started.proc;
const { url } = started;
for (const [home, agent, ext] of [[homes.full, 'demo', '8600001'], [homes.empty, 'demo2', '8600002']]) {
  const r = spawnSync(process.execPath, [aapi, 'login', '--server', url, '--agent', agent, '--extension', ext], { env: { ...envOf(home), AAPI_PASSWORD: 'demo' }, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`login failed: ${r.stderr}`);
}

const cases = [
  ['wait (100,000 logged)', () => time(homes.full, ['wait', 'NowUnavailable', '--timeout', '1'], 4)],
  ['wait (empty log)', () => time(homes.empty, ['wait', 'NowUnavailable', '--timeout', '1'], 4)],
  ['status (100,000 logged)', () => time(homes.full, ['status'])],
  ['status (empty log)', () => time(homes.empty, ['status'])],
];
const samples = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < 3; i++) for (const [, run] of cases) run();
for (let i = 0; i < RUNS; i++) for (const [name, run] of cases) samples.get(name).push(run());

console.log(`bench/event-log: ${RUNS} runs each, interleaved; ${EVENTS.toLocaleString('en')} events in one log; node ${process.version}`);
for (const [name] of cases) console.log(`${name.padEnd(26)} ${median(samples.get(name)).toFixed(1).padStart(7)} ms`);
const ratio = (a, b) => median(samples.get(a)) / median(samples.get(b));
console.log(`wait: ${ratio('wait (100,000 logged)', 'wait (empty log)').toFixed(3)}x, status: ${ratio('status (100,000 logged)', 'status (empty log)').toFixed(3)}x  (goal <= 1.05x)`);
process.exit(0);
