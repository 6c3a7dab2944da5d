import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/needs.js';
import { AAPI_BIN, exec, type Run } from '../helpers/spawn.js';
import { World } from '../helpers/e2e.js';

// The README's examples, run as written: every ```sh block line by line in a shell (bash: what the
// README's lines are written for), one section at a time, each in its own folder and AAPI_HOME against
// a fresh `aapi sim`, as the README says ("Everything below runs against it, a fresh one per section").
// The one thing replaced is what the README says to set: the simulator's address (ws://127.0.0.1:8787
// when that port is free, else the one it picked) and $CONTROL, its line 2. A line whose comment says
// `(exit N)` must exit N; every other line 0. The inline recipe is saved under the name the README
// gives it, and the library example is run with `genius-aapi` resolving to this package's dist/.

const root = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
const README_PORT_URL = 'ws://127.0.0.1:8787';

/** Lines that cannot run here, each with why. Every other line of every ```sh block runs. */
const SKIPPED: Record<string, string> = {
  'npm install && npm start': 'installs from the registry (test/e2e/pack.e2e.test.ts installs the package; `npm start` is recipes/standard-cycle.json5, run below)',
  'npm install && npm test': 'the whole test suite, of which this test is one',
  'aapi run --server wss://aapi.example.com recipes/standard-cycle.json5 --var agent=qa1 --reporter junit --out report.xml': 'a real dialler\'s address: there is none here',
  'aapi events --follow': 'streams until interrupted (test/e2e/events.e2e.test.ts follows it)',
  'npm run build:exe': 'builds two executables of 70-85 MB in about 30 s (test/e2e/exe.e2e.test.ts)',
  'node scripts/build-exe.mjs --target linux': 'as npm run build:exe (test/e2e/exe.e2e.test.ts)',
  'aapi console --server ws://127.0.0.1:8787': 'needs a terminal (test/e2e/console.e2e.test.ts drives it in tmux)',
  'aapi console --agent demo --extension 8600001 --tenant demo --campaign outbound': 'needs a terminal (test/e2e/console.e2e.test.ts drives it in tmux)',
  'aapi console --attach': 'needs a terminal (test/e2e/console.e2e.test.ts drives it in tmux)',
  'aapi proxy --upstream ws://127.0.0.1:8787': 'runs until interrupted, waiting for an application (test/e2e/proxy.e2e.test.ts drives it)',
  'aapi proxy --upstream ws://127.0.0.1:8787 --once --reporter junit --out conformance.xml --log frames.jsonl': 'waits for an application to connect (test/e2e/proxy.e2e.test.ts drives it)',
};

interface Block {
  lang: string;
  body: string;
  /** The prose just before the block. */
  before: string;
}

interface Section {
  title: string;
  blocks: Block[];
}

/** The README's `##`/`###` sections and their fenced blocks, in order. */
function sections(text: string): Section[] {
  const out: Section[] = [];
  let current: Section = { title: '(top)', blocks: [] };
  let prose: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^#{2,3} (.+)$/.exec(line);
    if (heading) {
      out.push(current);
      current = { title: heading[1], blocks: [] };
      prose = [];
      continue;
    }
    const fence = /^```(\w*)$/.exec(line);
    if (!fence) {
      prose.push(line);
      continue;
    }
    const end = lines.indexOf('```', i + 1);
    current.blocks.push({ lang: fence[1], body: lines.slice(i + 1, end).join('\n'), before: prose.join('\n') });
    prose = [];
    i = end;
  }
  out.push(current);
  return out.filter((s) => s.blocks.some((b) => b.lang === 'sh' || b.lang === 'ts' || savedAs(b)));
}

/** "save this one as `cycle.json5`": a recipe the README names, to be written before the lines after it. */
const savedAs = (b: Block) => (b.lang === 'json5' ? /save this one as\s+`([^`]+)`/.exec(b.before)?.[1] : undefined);

/** The command of a line, without its comment (a `#` after whitespace, outside quotes). */
function command(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '\'' || ch === '"') quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

const expectedCode = (line: string) => Number(/\(exit (\d+)\)/.exec(line.slice(command(line).length))?.[1] ?? 0);

const has = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const noJq = missing('jq', has('jq'), 'apt-get install jq');
const noCurl = missing('curl', has('curl'), 'apt-get install curl');
const noBash = missing('bash', has('bash'), 'apt-get install bash');

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** A folder with `aapi` on PATH: this checkout's bin/aapi.js, as `npm link` or an install would put it. */
function binDir(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of Object.keys(pkg.bin)) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec '${process.execPath}' '${AAPI_BIN}' "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

interface LineRun {
  line: string;
  code: number | undefined;
}

/**
 * Runs a block's lines in one bash, as a user typing them would (a variable set on one line is there
 * on the next), recording each line's exit code. Output of each line is marked, for the failure message.
 */
async function runBlock(lines: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; ms: number }): Promise<{ runs: LineRun[]; run: Run }> {
  const rcFile = join(opts.cwd, `.rc-${process.hrtime.bigint()}`);
  const script = lines.map((l, i) => `echo '--- line ${i + 1}' >&2\n${l}\necho "${i} $?" >> '${rcFile}'`).join('\n');
  const run = await exec('bash', ['-c', script], { cwd: opts.cwd, env: opts.env, ms: opts.ms });
  let codes: Record<number, number> = {};
  try {
    codes = Object.fromEntries(readFileSync(rcFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number)));
  } catch {
    // not one line finished
  }
  return { runs: lines.map((line, i) => ({ line, code: codes[i] })), run };
}

/** The environment of a section: nothing of this machine's aapi settings, only what the README sets. */
function sectionEnv(w: World, bin: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^AAPI_|^CONTROL$|^FORCE_COLOR$/.test(k)) env[k] = v;
  return { ...env, AAPI_HOME: w.home, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}`, ...extra };
}

const worlds: World[] = [];
afterAll(async () => {
  for (const w of worlds) await w.dispose();
}, 60_000);

const all = sections(README);

describe.skipIf(process.platform === 'win32' || noBash)('the README, as written', () => {
  it('has the sections this test runs, and skips only the lines it lists', () => {
    expect(all.map((s) => s.title)).toEqual(expect.arrayContaining(['Quick start', '1. A local dialler: `aapi sim`', '2. A session and one command per verb',
      '3. Recipes: smoke tests for pipelines', '4. Batch jobs', 'Control', 'As a library']));
    const shLines = all.flatMap((s) => s.blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.body.split('\n').map(command)));
    for (const line of Object.keys(SKIPPED)) expect(shLines, `SKIPPED names a line the README no longer has: ${line}`).toContain(line);
  });

  it('names the package it is installed as, and imports it by that name', () => {
    expect(pkg.name).toBe('genius-aapi');
    expect(README).toContain(`npm install -g ${pkg.name}`);
    expect(README).toContain(`npx -p ${pkg.name} aapi`);
    expect(README).toContain(`npm i -g ./${pkg.name}-*.tgz`);
    expect(README).toContain(`from '${pkg.name}'`);
    // `npx aapi` would run the registry's unrelated `aapi`.
    expect(README).not.toMatch(/npx aapi\b/);
    expect(README).not.toMatch(/from 'aapi'/);
  });

  it('§1: each `aapi sim` line starts a simulator printing its URL, then its control endpoint', async () => {
    const section = all.find((s) => s.title.startsWith('1. '))!;
    const w = new World('readme-1');
    worlds.push(w);
    const bin = binDir(w.scratch);
    const free = await portFree(8787);
    for (const raw of section.blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.body.split('\n'))) {
      let line = command(raw);
      // The README's port when it is free; on a machine where it is taken, whichever is.
      if (!free && !/--port/.test(line)) line = line.replace(/^aapi sim/, 'aapi sim --port 0');
      const proc = spawn('bash', ['-c', `exec ${line}`], { cwd: w.scratch, env: sectionEnv(w, bin, {}), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d) => (out += d));
      proc.stderr.on('data', (d) => (err += d));
      const printed = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${line}: no URL within 15 s: ${err}`)), 15_000);
        proc.stdout.on('data', () => out.split('\n').length >= 3 && (clearTimeout(timer), resolve(out.split('\n'))));
        proc.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${line}: exited ${code}: ${err}`))));
      });
      const scheme = /--tls/.test(line) ? 'wss' : 'ws';
      expect(printed[0], line).toMatch(free && !/--port/.test(line) ? `${scheme}://127.0.0.1:8787` : new RegExp(`^${scheme}://127\\.0\\.0\\.1:\\d+$`));
      expect(printed[1], line).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      proc.kill('SIGINT');
      const [code] = (await once(proc, 'exit')) as [number | null];
      expect(code, `${line}: ${err}`).toBe(0);
    }
  }, 60_000);

  for (const [line, why] of Object.entries(SKIPPED)) it.skip(`${line}: ${why}`, () => {});

  const runs = (b: Block) => b.lang === 'sh' && b.body.split('\n').some((l) => l.trim() && !SKIPPED[command(l)]);
  const runnable = all.filter((s) => !s.title.startsWith('1. ') && s.blocks.some(runs));
  for (const section of runnable) {
    it.concurrent(`${section.title}: every line exits as the README says`, async () => {
      const w = new World(`readme-${section.title.replace(/\W+/g, '-').slice(0, 20)}`);
      worlds.push(w);
      const bin = binDir(w.scratch);
      const cwd = join(w.scratch, 'work');
      // A clone's folder: its recipes are there.
      cpSync(join(root, 'recipes'), join(cwd, 'recipes'), { recursive: true });
      const needsSim = section.blocks.some((b) => b.lang === 'sh' && b.body.split('\n').some((l) => /(^|[|&;(]\s*)aapi (?!sim|run)|\$CONTROL/.test(command(l)) && !SKIPPED[command(l)]));
      const sim = needsSim ? (await w.sim()).sim : undefined;
      const env = sectionEnv(w, bin, sim ? { AAPI_SERVER: sim.url, CONTROL: sim.controlUrl } : {});
      const failures: string[] = [];
      for (const block of section.blocks) {
        const file = savedAs(block);
        if (file) writeFileSync(join(cwd, file), `${block.body}\n`);
        if (block.lang !== 'sh') continue;
        const lines = block.body.split('\n').filter((l) => l.trim() && !SKIPPED[command(l)]);
        const runnableLines = lines.filter((l) => !(noJq && /\bjq\b/.test(l)) && !(noCurl && /\bcurl\b/.test(l)));
        if (!runnableLines.length) continue;
        const { runs, run } = await runBlock(runnableLines.map((l) => (sim ? l.replaceAll(README_PORT_URL, sim.url) : l)), { cwd, env, ms: 100_000 });
        for (const [i, r] of runs.entries()) {
          const want = expectedCode(runnableLines[i]);
          if (r.code !== want) failures.push(`line ${i + 1}: ${command(runnableLines[i])}\n  exited ${r.code ?? '(never finished)'}, the README says ${want}`);
        }
        // A control call the simulator refused still exits 0 (curl -s): it must not be one.
        for (const l of run.stdout.split('\n')) if (/"ok":\s*false/.test(l)) failures.push(`refused: ${l}`);
        if (failures.length) failures.push(`stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
      }
      expect(failures.join('\n'), section.title).toBe('');
    }, 110_000);
  }

  it('As a library: the example runs to its end and exits by itself, importing the package by its name', async () => {
    const section = all.find((s) => s.title === 'As a library')!;
    const [block] = section.blocks.filter((b) => b.lang === 'ts');
    const w = new World('readme-lib');
    worlds.push(w);
    // What an install makes: node_modules/genius-aapi, this package (its dist/ as built).
    mkdirSync(join(w.scratch, 'node_modules'), { recursive: true });
    symlinkSync(root, join(w.scratch, 'node_modules', pkg.name), 'dir');
    writeFileSync(join(w.scratch, 'example.mjs'), block.body);
    const r = await exec(process.execPath, ['example.mjs'], { cwd: w.scratch, env: { ...process.env, AAPI_HOME: w.home }, ms: 20_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['NowUnavailable', 'NowAvailable']));
  }, 30_000);
});
