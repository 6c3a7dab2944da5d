// Bundles the CLI and the library with esbuild: the thin client stays tiny, so `aapi` starts fast.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { lazySegmenter } from './lazy-segmenter.mjs';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const out = new URL('dist', root).pathname;
const staging = `${out}.${process.pid}`;

await build({
  entryPoints: { cli: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir: staging,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  plugins: [lazySegmenter],
  // ws is CommonJS: give the ESM bundle a require().
  banner: { js: "import { createRequire as __aapiCreateRequire } from 'node:module'; const require = __aapiCreateRequire(import.meta.url);" },
  define: {
    __AAPI_VERSION__: JSON.stringify(pkg.version),
    'process.env.WS_NO_BUFFER_UTIL': '"1"',
    'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
  },
});

// The thin client, which every `aapi` call loads: one CommonJS file, which Node loads about 18 ms
// sooner than the same code as ES modules (bench/one-liner). Its way into the full CLI stays an
// import() of the ESM bundle.
await build({
  entryPoints: { client: 'src/client.ts' },
  outdir: staging,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  plugins: [{
    name: 'full-cli',
    setup(b) {
      b.onResolve({ filter: /^\.\/cli\/main\.js$/ }, () => ({ path: './cli.js', external: true }));
    },
  }],
  define: { __AAPI_VERSION__: JSON.stringify(pkg.version) },
});

// The library's types, for `import { Session } from 'genius-aapi'` in TypeScript.
const tsc = spawnSync(process.execPath, [new URL('node_modules/typescript/bin/tsc', root).pathname, '-p', 'tsconfig.types.json', '--outDir', `${staging}/types`], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// Swap the new build in whole, so a command running meanwhile never finds dist/ half written.
const old = `${out}.old.${process.pid}`;
try {
  renameSync(out, old);
} catch {
  // no previous build
}
renameSync(staging, out);
rmSync(old, { recursive: true, force: true });
