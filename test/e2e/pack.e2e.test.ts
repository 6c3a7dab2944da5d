import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, type Run } from '../helpers/spawn.js';

// `npm pack`, then `npm i -g ./genius-aapi-*.tgz` into a fresh prefix, then the installed `aapi` run with
// nothing on PATH but it and node, from folders with no node_modules. Dependencies come from the
// npm registry (or npm's cache); nothing relies on an install script.

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };



/** npm as this Node runs it: the one running `npm test` (npm_execpath), else the one on PATH. */
function npm(args: string[], opts: { cwd: string; ms: number }): Promise<Run> {
  // The npm_* variables of an enclosing `npm test` describe that run, not this one: keep only where
  // the registry and cache are.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) || /^npm_config_(registry|cache|userconfig|globalconfig)$/i.test(k)) env[k] = v;
  }
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli)
    ? exec(process.execPath, [cli, ...args], { ...opts, env })
    : exec('npm', args, { ...opts, env });
}

const dir = mkdtempSync(join(tmpdir(), 'aapi-pack-'));
const prefix = join(dir, 'prefix');
const nodeBin = join(dir, 'node-only');
const work = join(dir, 'work');
let files: string[] = [];
let tarball = '';

/** The installed `aapi`, with PATH holding only it and node. */
const aapi = (args: string[], cwd: string, ms = 30_000) =>
  exec(join(prefix, 'bin', 'aapi'), args, { cwd, ms, env: { PATH: `${join(prefix, 'bin')}:${nodeBin}`, HOME: dir, AAPI_HOME: join(dir, 'home'), NO_COLOR: '1' } });

beforeAll(async () => {
  for (const d of [prefix, nodeBin, work]) mkdirSync(d, { recursive: true });
  symlinkSync(process.execPath, join(nodeBin, 'node'));
  if (!existsSync(join(root, 'dist', 'cli.js'))) {
    const b = await exec(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, env: process.env, ms: 120_000 });
    if (b.code !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  // --ignore-scripts: `prepare` would rebuild dist/ while other tests use it; npm test has built it.
  const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, ms: 120_000 });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  files = info[0].files.map((f) => f.path);
  tarball = join(dir, info[0].filename);
}, 150_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform === 'win32')('npm pack and a global install', () => {
  it('packs the bundle, its types, the recipes and the docs, and nothing else', () => {
    expect(tarball).toMatch(new RegExp(`${pkg.name}-${pkg.version.replace(/\./g, '\\.')}\\.tgz$`));
    for (const f of ['package.json', 'README.md', 'bin/aapi.js', 'bin/package.json', 'dist/client.cjs', 'dist/cli.js', 'dist/index.js', 'dist/types/index.d.ts',
      'recipes/standard-cycle.json5', 'recipes/data/new-customers.csv', 'docs/commands.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('dist/chunks/')).length).toBeGreaterThan(0);
    // Never the standalone executables (tens of MB each), sources, tests or build scripts.
    expect(files.filter((f) => /aapi-(linux|win)|^(src|test|bench|scripts|node_modules)\//.test(f))).toEqual([]);
  });

  it('installs with npm i -g, needing no install script', async () => {
    const r = await npm(['install', '--global', '--prefix', prefix, '--prefer-offline', tarball], { cwd: work, ms: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin', 'aapi'))).toBe(true);
    // Nothing of ours runs at install time (npm 11 runs no dependency's install scripts either).
    const installed = JSON.parse(readFileSync(join(prefix, 'lib', 'node_modules', pkg.name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(installed.scripts ?? {}).filter((s) => /^(pre|post)?install$/.test(s))).toEqual([]);
  }, 250_000);

  it('runs `aapi --version` with only node on PATH', async () => {
    const r = await aapi(['--version'], work);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('runs the shipped recipe: aapi run --sim recipes/standard-cycle.json5', async () => {
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    const r = await aapi(['run', '--sim', 'recipes/standard-cycle.json5'], installed, 60_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/1 of 1 recipe passed/);
  }, 70_000);
});

// What a TypeScript user compiles against: the tarball's own .d.ts, unpacked into a project of its
// own as npm would install it. Only @types/node (which the types name) and typescript come from
// this checkout; nothing reaches the network.
describe.skipIf(process.platform === 'win32')('the shipped types', () => {
  const project = join(dir, 'ts-user');

  beforeAll(async () => {
    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked, { recursive: true });
    const tar = await exec('tar', ['-xzf', tarball, '-C', unpacked], { ms: 60_000 });
    if (tar.code !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    const installed = join(project, 'node_modules', pkg.name);
    mkdirSync(dirname(installed), { recursive: true });
    renameSync(join(unpacked, 'package'), installed);
    mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ts-user', private: true, type: 'module' }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: [],
    }));
  }, 90_000);

  /** Type-checks one file of the project, listing the files the compilation read. */
  const tsc = (file: string) => {
    const config = join(project, `tsconfig.${file}.json`);
    writeFileSync(config, JSON.stringify({ extends: './tsconfig.json', files: [file] }));
    return exec(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config, '--listFiles'], { cwd: project, ms: 120_000 });
  };

  it('types requests, responses, events and errors per name, and refuses a misspelt key', async () => {
    writeFileSync(join(project, 'typed.ts'), `import { AapiError, Session, type AapiEvent } from '${pkg.name}';
export async function use(s: Session): Promise<string[]> {
  const { tenants } = await s.request('GetTenants');
  await s.request('TransferCall', { TransferType: '1', TransferTo: '2', Recipient: '100' });
  // @ts-expect-error QueryNumber is misspelt
  await s.request('RunQuery', { QueryNumbr: 1 });
  // @ts-expect-error TransferType is "0", "1" or "2"
  await s.request('TransferCall', { TransferType: 'blind', TransferTo: '2', Recipient: '100' });
  const off = s.onEvent('ChatMessage', (e) => void e.message.toUpperCase());
  // @ts-expect-error NowInCall has calltype, not callType
  s.onEvent('NowInCall', (e) => e.callType);
  off();
  await s.request('Disposition', { outcome: 251 }).catch((err: unknown) => {
    if (err instanceof AapiError && err.is(320)) console.log(err.entry.hint);
  });
  return tenants;
}
export const name = (e: AapiEvent): string => e.event;
`);
    const r = await tsc('typed.ts');
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    // Compiled against the package's declarations, not this checkout's sources.
    expect(r.stdout).toContain(join(project, 'node_modules', pkg.name, 'dist', 'types', 'index.d.ts'));
    expect(r.stdout).not.toContain(join(root, 'src'));
  }, 130_000);

  it('compiles the README\'s library example', async () => {
    const readme = readFileSync(join(project, 'node_modules', pkg.name, 'README.md'), 'utf8');
    const example = /## As a library\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain(`from '${pkg.name}'`);
    writeFileSync(join(project, 'readme.ts'), `${example}export {};\n`);
    const r = await tsc('readme.ts');
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
  }, 130_000);
});
