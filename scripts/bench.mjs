#!/usr/bin/env node
// `npm run bench`: builds dist/, then runs every bench of BENCHES in turn (see bench/README.md).
//
//   npm run bench                        every bench, full size
//   npm run bench -- --quick             every bench, each given --quick
//   npm run bench -- sim-scale --n 100   only the benches named; the other arguments go to each
//
// To add a bench: put it in bench/ (plain .mjs against dist/index.js) and add a line below.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  { name: 'sim-scale', script: 'bench/sim-scale.mjs' },
  { name: 'recipe', script: 'bench/recipe.mjs' },
  { name: 'one-liner', script: 'bench/one-liner.mjs' },
  { name: 'event-log', script: 'bench/event-log.mjs' },
  { name: 'server', script: 'bench/server.mjs' },
  { name: 'batch', script: 'bench/batch.mjs' },
  { name: 'startup', script: 'bench/startup.mjs' },
  { name: 'proxy', script: 'bench/proxy.mjs' },
];

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const names = new Set(BENCHES.map((b) => b.name));
const chosen = argv.filter((a) => names.has(a));
const rest = argv.filter((a) => !names.has(a));
const benches = chosen.length ? BENCHES.filter((b) => chosen.includes(b.name)) : BENCHES;

const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

const build = run(['scripts/build.mjs']);
if (build.status !== 0) {
  process.stderr.write(`bench: the build failed (node scripts/build.mjs exited ${build.status ?? build.signal}); no bench was run\n`);
  process.exit(1);
}

const failed = [];
for (const bench of benches) {
  process.stderr.write(`\n=== bench ${bench.name}: node ${[bench.script, ...rest].join(' ')}\n`);
  const started = Date.now();
  const r = run([bench.script, ...rest]);
  const took = ((Date.now() - started) / 1000).toFixed(0);
  if (r.status !== 0) {
    failed.push(bench.name);
    process.stderr.write(`=== bench ${bench.name}: FAILED (exit ${r.status ?? r.signal}) after ${took} s\n`);
  } else {
    process.stderr.write(`=== bench ${bench.name}: done in ${took} s\n`);
  }
}
if (failed.length) {
  process.stderr.write(`bench: ${failed.length} of ${benches.length} failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
