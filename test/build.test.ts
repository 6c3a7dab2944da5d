import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_COMMANDS } from '../src/cli/surface/builtins.js';
import { GLOBAL_OPTIONS } from '../src/cli/surface/globals.js';

// What the bundle in dist/ (built by `npm test` before the tests) does as it loads.

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

describe('the bundled CLI', () => {
  it('makes no Intl.Segmenter as it loads (about 8 ms of every start); help text still measures words', () => {
    // Counts the segmenters made while dist/cli.js loads, then while it renders `--help`.
    const script = `
      const Real = Intl.Segmenter;
      let made = 0;
      Intl.Segmenter = class extends Real { constructor(...a) { made++; super(...a); } };
      const { main } = await import(${JSON.stringify(dist('cli.js'))});
      const atLoad = made;
      const { PassThrough } = await import('node:stream');
      let out = '';
      const io = { stdout: new PassThrough().on('data', (d) => (out += d)), stderr: new PassThrough().resume(), stdin: new PassThrough(),
        env: {}, interrupted: new Promise(() => {}), tty: { stdin: false, stdout: false, stderr: false } };
      const code = await main(['run', '--help'], io);
      console.log(JSON.stringify({ atLoad, afterHelp: made, code, help: out.includes('aapi run') }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { atLoad: number; afterHelp: number; code: number; help: boolean };
    expect(result).toMatchObject({ atLoad: 0, code: 0, help: true });
    expect(result.afterHelp).toBeGreaterThan(0);
  });
});

describe('the thin client', () => {
  /** dist/client.cjs and every module it imports as it loads (not those it imports lazily, with import()). */
  function loaded(file: string, seen = new Map<string, string>()): Map<string, string> {
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const [, spec] of text.matchAll(/(?:\bfrom\s*|^import\s*)"(\.[^"]+)"/gm)) {
      const next = join(dirname(file), spec);
      if (!seen.has(next)) loaded(next, seen);
    }
    return seen;
  }

  it('loads neither yargs nor the descriptions of the commands it routes', () => {
    const modules = loaded(dist('client.cjs'));
    // One CommonJS file: nothing of ours is loaded beside it until the full CLI is imported.
    expect(modules.size).toBe(1);
    const described = [GLOBAL_OPTIONS.server.describe, BUILTIN_COMMANDS.login.summary, BUILTIN_COMMANDS.sim.options!.port.describe];
    for (const [file, text] of modules) {
      expect(text, file).not.toMatch(/yargs/i);
      for (const d of described) expect(text, file).not.toContain(d);
    }
    expect([...modules.values()].join('')).toContain('"max-frame"');
  });
});
