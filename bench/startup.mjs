#!/usr/bin/env node
// bench/startup: how fast `aapi` starts, as the standalone executable (dist/aapi-linux-x64, Node SEA)
// and as the npm package installed with `npm i -g`, against `node -e 0`, in one run.
// Goal: the executable's `--help` and `status` within 1.3x of `node -e 0`. See bench/README.md ("startup").
//
//   node bench/startup.mjs              # 25 rounds (builds the executable and the npm install first)
//   node bench/startup.mjs --quick      # 9 rounds
//   node bench/startup.mjs --help
//
// Every measured run is a fresh process (spawn to exit, output to /dev/null), and each round runs
// every command once, in a rotating order, so machine load hits all alike. Medians are compared.
//   node -e 0                 the floor: Node starting and exiting
//   exe --help / npm --help   the top-level help
//   exe status / npm status   with a live session: each logged in to an `aapi sim` on its own profile,
//                             so `status` is the thin client handing the command to that profile's
//                             daemon (the executable's daemon is the executable; npm's is node)
//   exe sim --help            a command's help: the whole CLI and yargs load inside the executable
// Linux x64 only; loopback only; bounded by --deadline; every process it starts is stopped on the way out.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILT = join(root, 'dist', 'aapi-linux-x64');
const GOAL = 1.3;

const HELP = `usage: node bench/startup.mjs [options]

  --rounds N       measured rounds (default 25; --quick: 9), after 2 warm-up rounds
  --quick          a short run
  --deadline S     stop everything after S seconds (default 600)
  --json FILE      also write every sample to FILE
  --strict         exit 1 when the goal is missed (default: report only)
`;

// Not strict: `npm run bench -- OPTIONS` gives every bench the same options; others' are ignored.
const { values: args, tokens } = parseArgs({
  options: {
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    deadline: { type: 'string', default: '600' },
    json: { type: 'string' },
    strict: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
  strict: false,
  tokens: true,
});
const KNOWN = new Set(['rounds', 'quick', 'deadline', 'json', 'strict', 'help', 'h']);
for (const t of tokens) if (t.kind === 'option' && !KNOWN.has(t.name)) process.stderr.write(`bench/startup: ignoring ${t.rawName} (not an option of this bench)\n`);
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const ROUNDS = Number(args.rounds ?? (args.quick ? 9 : 25));
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  process.stderr.write('bench/startup: --rounds takes a positive integer\n');
  process.exit(2);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  process.stderr.write(`bench/startup: measures the linux-x64 executable; this is ${process.platform}-${process.arch}\n`);
  process.exit(1);
}

const log = (msg) => process.stderr.write(`bench/startup: ${msg}\n`);
const dir = mkdtempSync(join(tmpdir(), 'aapi-bench-startup-'));
const home = join(dir, 'home');
const prefix = join(dir, 'prefix');
const NPM_AAPI = join(prefix, 'bin', 'aapi');
// A copy of the executable is measured: `npm run build` meanwhile would take dist/ away.
const EXE = join(dir, 'aapi-linux-x64');
const started = [];

function cleanup() {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const pids = [];
  const run = join(home, 'run');
  if (existsSync(run)) {
    for (const f of readdirSync(run).filter((n) => n.endsWith('.lock'))) {
      const pid = Number(JSON.parse(readFileSync(join(run, f), 'utf8')).pid);
      try {
        // Only a daemon of this bench's AAPI_HOME: a stale lock's PID may belong to another process by now.
        const ours = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('__server')
          && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`AAPI_HOME=${home}`);
        if (pid > 0 && ours) {
          process.kill(pid, 'SIGTERM');
          pids.push(pid);
        }
      } catch {
        // already gone
      }
    }
  }
  // Give the daemons up to 5 s to write their last words and go, then remove the folder.
  const gone = (pid) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  const until = Date.now() + 5000;
  while (!pids.every(gone) && Date.now() < until) spawnSync('sleep', ['0.05']);
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {
  cleanup();
  process.exit(130);
});
const deadline = setTimeout(() => {
  log(`deadline of ${args.deadline} s reached; stopping`);
  cleanup();
  process.exit(1);
}, Number(args.deadline) * 1000);
deadline.unref();

function fail(msg) {
  log(msg);
  cleanup();
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: opts.ms ?? 120_000, cwd: opts.cwd ?? dir, env: opts.env ?? env, input: opts.input });
  return { code: r.status, out: `${r.stdout ?? ''}`, err: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

// ---- what is measured -------------------------------------------------------------------------

// The environment of every measured run: as inherited (NODE_EXTRA_CA_CERTS, when set, costs every
// one of them alike), with this bench's AAPI_HOME.
const env = { ...process.env, AAPI_HOME: home, NO_COLOR: '1' };
for (const k of ['AAPI_PROFILE', 'AAPI_SERVER', 'AAPI_PASSWORD', 'AAPI_ENTRY', 'FORCE_COLOR']) delete env[k];
mkdirSync(home, { recursive: true });

// 1. The executable, built when missing or older than the sources.
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}
const sourcesAt = Math.max(newest(join(root, 'src')), newest(join(root, 'package.json')), newest(join(root, 'scripts', 'build-exe.mjs')));
if (!existsSync(BUILT) || statSync(BUILT).mtimeMs < sourcesAt) {
  log('building dist/aapi-linux-x64 (node scripts/build-exe.mjs --target linux)');
  const b = run(process.execPath, [join(root, 'scripts', 'build-exe.mjs'), '--target', 'linux', '--quiet'], { cwd: root, env: process.env, ms: 300_000 });
  if (b.code !== 0) fail(`building the executable failed: ${b.err}`);
}
copyFileSync(BUILT, EXE);
chmodSync(EXE, 0o755);

// 2. The npm package, packed from dist/ (built by `npm run bench`) and installed with npm i -g.
if (!existsSync(join(root, 'dist', 'cli.js'))) fail('dist/ is not built: run `node scripts/build.mjs` (npm run bench does)');
const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_(registry|cache|userconfig|globalconfig)$/i.test(k)));
const npm = (argv, cwd) => run(npmCli[0], [...npmCli[1], ...argv, '--no-audit', '--no-fund'], { cwd, env: npmEnv, ms: 300_000 });
log('npm pack, then npm i -g into a temporary prefix');
const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
if (packed.code !== 0) fail(`npm pack failed: ${packed.err}`);
const tgz = join(dir, JSON.parse(packed.out.slice(packed.out.indexOf('[')))[0].filename);
const installed = npm(['install', '--global', '--prefix', prefix, '--prefer-offline', tgz], dir);
if (installed.code !== 0 || !existsSync(NPM_AAPI)) fail(`npm i -g failed: ${installed.err}`);

// 3. A simulator, and one session per client kind.
const sim = spawn(EXE, ['sim', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
started.push(sim);
const url = await new Promise((resolve) => {
  let out = '';
  const timer = setTimeout(() => resolve(undefined), 15_000);
  sim.stdout.on('data', (d) => {
    out += d;
    if (out.split('\n').length >= 3) {
      clearTimeout(timer);
      resolve(out.split('\n')[0]);
    }
  });
});
if (!url) fail('aapi sim printed no URL');
for (const [bin, profile] of [[EXE, 'exe'], [NPM_AAPI, 'npm']]) {
  const r = run(bin, ['login', '--server', url, '--profile', profile, '--agent', 'demo', '--extension', '8600001'], { env: { ...env, AAPI_PASSWORD: 'demo' } });
  if (r.code !== 0) fail(`login (${profile}) failed: ${r.err}`);
}

const COMMANDS = [
  { name: 'node -e 0', cmd: process.execPath, argv: ['-e', '0'] },
  { name: 'exe --help', cmd: EXE, argv: ['--help'], goal: true },
  { name: 'npm aapi --help', cmd: NPM_AAPI, argv: ['--help'] },
  { name: 'exe status', cmd: EXE, argv: ['status', '--profile', 'exe'], goal: true },
  { name: 'npm aapi status', cmd: NPM_AAPI, argv: ['status', '--profile', 'npm'] },
  { name: 'exe sim --help', cmd: EXE, argv: ['sim', '--help'] },
];
for (const c of COMMANDS) {
  const r = run(c.cmd, c.argv);
  if (r.code !== 0) fail(`${c.name} exited ${r.code}: ${r.err}`);
}

// ---- measuring --------------------------------------------------------------------------------

function once(c) {
  const t = process.hrtime.bigint();
  const r = spawnSync(c.cmd, c.argv, { stdio: 'ignore', env, cwd: dir, timeout: 30_000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) fail(`${c.name} exited ${r.status ?? r.signal ?? r.error?.message}`);
  return ms;
}

const samples = Object.fromEntries(COMMANDS.map((c) => [c.name, []]));
log(`${ROUNDS} rounds of ${COMMANDS.length} commands (+2 warm-up rounds), ${cpus().length} cores, Node ${process.versions.node}`);
for (let round = -2; round < ROUNDS; round++) {
  const shift = ((round % COMMANDS.length) + COMMANDS.length) % COMMANDS.length;
  for (const c of [...COMMANDS.slice(shift), ...COMMANDS.slice(0, shift)]) {
    const ms = once(c);
    if (round >= 0) samples[c.name].push(ms);
  }
}

const sorted = (a) => [...a].sort((x, y) => x - y);
const quantile = (a, q) => sorted(a)[Math.min(a.length - 1, Math.floor(q * a.length))];
const floor = quantile(samples['node -e 0'], 0.5);
const rows = COMMANDS.map((c) => {
  const median = quantile(samples[c.name], 0.5);
  return { name: c.name, median, p90: quantile(samples[c.name], 0.9), min: sorted(samples[c.name])[0], ratio: median / floor, goal: c.goal };
});

const pad = (s, n) => String(s).padEnd(n);
const num = (x) => `${x.toFixed(0)} ms`.padStart(7);
const exeSize = (statSync(EXE).size / 1048576).toFixed(1);
process.stdout.write(`\nstart-up, ${ROUNDS} rounds, medians (p90, min); dist/aapi-linux-x64 is ${exeSize} MiB\n\n`);
process.stdout.write(`${pad('command', 18)} ${'median'.padStart(7)} ${'p90'.padStart(7)} ${'min'.padStart(7)}  x node -e 0\n`);
for (const r of rows) {
  const verdict = r.goal ? (r.ratio <= GOAL ? `  goal <= ${GOAL}x: met` : `  goal <= ${GOAL}x: MISSED`) : '';
  process.stdout.write(`${pad(r.name, 18)} ${num(r.median)} ${num(r.p90)} ${num(r.min)}  ${r.ratio.toFixed(2)}x${verdict}\n`);
}
const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
process.stdout.write(`\nexe vs npm install: --help ${(byName['exe --help'].median / byName['npm aapi --help'].median).toFixed(2)}x, `
  + `status ${(byName['exe status'].median / byName['npm aapi status'].median).toFixed(2)}x\n`);

if (args.json) writeFileSync(args.json, JSON.stringify({ rounds: ROUNDS, node: process.versions.node, exeBytes: statSync(EXE).size, rows, samples }, null, 2));
const missed = rows.filter((r) => r.goal && r.ratio > GOAL);

// Log out both sessions, then stop everything.
for (const [bin, profile] of [[EXE, 'exe'], [NPM_AAPI, 'npm']]) run(bin, ['logout', '--profile', profile], { ms: 15_000 });
cleanup();
if (missed.length && args.strict) {
  log(`goal missed: ${missed.map((r) => `${r.name} ${r.ratio.toFixed(2)}x`).join(', ')}`);
  process.exit(1);
}
process.exit(0);
