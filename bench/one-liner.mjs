#!/usr/bin/env node
// bench/one-liner: how long a shell one-liner against a live session takes, side by side in one run:
//   node -e 0                        the floor of any Node CLI
//   aapi status                      through the profile's warm daemon
//   aapi go-available / go-unavailable   a verb sent through the daemon, response printed
//   wscat -c URL -x '<Authenticate>'     what users do today, without even keeping a session
// Each command runs RUNS times, interleaved, so machine load hits all alike; medians and ratios
// to `node -e 0` are printed, with the daemon's idle RSS. Loopback only; bounded; stops by itself.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endServer, median, serverPidOf, startSim } from './common.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const aapi = join(root, 'bin', 'aapi.js');
const wscat = join(root, 'node_modules', 'wscat', 'bin', 'wscat');
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 25);

const home = mkdtempSync(join(tmpdir(), 'aapi-bench-'));
const env = { ...process.env, AAPI_HOME: home, NO_COLOR: '1' };
let sim;

let serverPid;
function cleanup() {
  spawnSync(process.execPath, [aapi, 'logout'], { env, stdio: 'ignore', timeout: 10_000 });
  endServer(serverPid);
  sim?.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('uncaughtException', (err) => {
  console.error(`bench/one-liner: ${err.message}`);
  process.exit(1); // runs cleanup: no daemon or simulator is left behind
});

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 20_000, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const started = await startSim([], env);
sim = started.proc;
const { url } = started;

time(process.execPath, [aapi, 'login', '--server', url, '--agent', 'demo', '--extension', '8600001', '--tenant', 'demo', '--campaign', 'outbound'], {
  env: { ...env, AAPI_PASSWORD: 'demo' },
});

serverPid = serverPidOf(home);

const authenticate = JSON.stringify({ type: 'Authenticate', RID: 1, Agent: 'demo2', Password: 'demo', extension: '8600002' });
const cases = [
  ['node -e 0', () => time(process.execPath, ['-e', '0'])],
  ['aapi status', () => time(process.execPath, [aapi, 'status'])],
  ['aapi go-available', () => time(process.execPath, [aapi, 'go-available', '--live', '0'])],
  ['aapi go-unavailable', () => time(process.execPath, [aapi, 'go-unavailable'])],
  // wscat exits once stdin ends; -w 0 leaves it no extra wait after the command.
  ['wscat -x Authenticate', () => time(process.execPath, [wscat, '-c', url, '-x', authenticate, '-w', '0'], { input: '' })],
];
const samples = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < 3; i++) for (const [, run] of cases) run(); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const [name, run] of cases) samples.get(name).push(run());

const lock = JSON.parse(readFileSync(join(home, 'run', 'aapi.lock'), 'utf8'));
const pid = lock.pid;
const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const hmac = (side, nonce) => createHmac('sha256', lock.secret).update(`aapi-${side}:${nonce}`).digest('base64url');

/** The daemon's part alone: the handshake and a command line over its socket, as bin/aapi.js does, until the answer ends. */
function inDaemon(argv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = connect(lock.socket);
    const nonce = randomBytes(18).toString('base64url');
    let text = '';
    let welcomed = false;
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${JSON.stringify({ hello: 'aapi', v: lock.v, nonce })}\n`));
    socket.on('data', (d) => {
      if (welcomed) return;
      text += d;
      if (!text.includes('\n')) return;
      welcomed = true;
      const welcome = JSON.parse(text.slice(0, text.indexOf('\n')));
      const call = { argv, env: {}, cwd: home, tty: { stdin: false, stdout: false, stderr: false } };
      socket.write(`${JSON.stringify({ proof: hmac('client', welcome.nonce), profile: 'default', call })}\n`);
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(performance.now() - t0));
  });
}
const daemonCases = [['status'], ['go-available', '--live', '0'], ['go-unavailable']];
const daemonSamples = daemonCases.map(() => []);
for (let i = 0; i < RUNS; i++) for (const [j, argv] of daemonCases.entries()) daemonSamples[j].push(await inDaemon(argv));

const floor = median(samples.get('node -e 0'));
console.log(`bench/one-liner: ${RUNS} runs each, interleaved; node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
console.log('command                  median ms   × node -e 0');
for (const [name] of cases) {
  const m = median(samples.get(name));
  console.log(`${name.padEnd(24)} ${m.toFixed(1).padStart(9)}   ${(m / floor).toFixed(2).padStart(6)}`);
}
const verb = (median(samples.get('aapi go-available')) + median(samples.get('aapi go-unavailable'))) / 2;
const ws = median(samples.get('wscat -x Authenticate'));
console.log(`one-liner verb / node -e 0: ${(verb / floor).toFixed(2)}  (goal ≤ 1.5)`);
console.log(`one-liner verb / wscat:     ${(verb / ws).toFixed(2)}  (goal < 1)`);
console.log(`time inside the daemon (median): ${daemonCases.map((a, j) => `${a[0]} ${median(daemonSamples[j]).toFixed(1)} ms`).join(', ')}`);
console.log(`daemon idle RSS: ${(rssKb / 1024).toFixed(1)} MB  (goal < 60 MB)`);
process.exit(0); // the simulator's stdout pipe would keep this process alive; 'exit' ends it and the daemon
