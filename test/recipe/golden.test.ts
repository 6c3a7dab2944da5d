import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runAapiIn } from './aapi.js';

// Golden files, as Hurl's integration tests keep them (integration/hurl/tests_failed/*.err): each
// test/recipe/golden/NAME.json5 is run with `aapi run --sim --no-color NAME.json5` from that folder,
// and its stderr, with what varies from run to run normalised, must equal NAME.err exactly. The
// recipe's first line says the exit code it must give: `// exit 2: ...`.
//
// After a deliberate change of the output: UPDATE_GOLDEN=1 npx vitest run test/recipe/golden.test.ts
// rewrites the .err files; read their diff before committing them.

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
// Updating writes what the run printed as the expectation, so the check cannot fail: never in CI.
if (UPDATE && process.env.CI) throw new Error('UPDATE_GOLDEN rewrites the golden files it checks: it is refused when CI is set');
const home = mkdtempSync(join(tmpdir(), 'aapi-golden-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Replaces what differs between runs: step timings, RIDs, SIDs, call ids and session ids. */
function normalise(text: string): string {
  return text
    .replace(/^( {2}[✔✘] .*) \d+ ms$/gm, '$1 <n> ms')
    .replace(/after \d+\.\d s\)/g, 'after <t> s)')
    .replace(/"(RID|SID|uniquecallid|sessionID)":("[^"]*"|-?\d+)/gi, (_, key: string) => `"${key}":<${key}>`);
}

const cases = readdirSync(GOLDEN).filter((f) => f.endsWith('.json5')).sort();

describe('normalise', () => {
  it('replaces timings of step lines and ids, and nothing else', () => {
    expect(normalise('  ✔ send Logoff 12 ms\n  ✘ expectEvent X 306 ms\nno X within 300 ms\n')).toBe('  ✔ send Logoff <n> ms\n  ✘ expectEvent X <n> ms\nno X within 300 ms\n');
    expect(normalise('  ✔ expectEvent X (URN 7, after 1.3 s) 12 ms\n')).toBe('  ✔ expectEvent X (URN 7, after <t> s) <n> ms\n');
    expect(normalise('{"RID":12,"SID":"34","uniqueCallID":"a-1","sessionID":5,"URN":"9"}')).toBe('{"RID":<RID>,"SID":<SID>,"uniqueCallID":<uniqueCallID>,"sessionID":<sessionID>,"URN":"9"}');
  });
});

describe('golden failure output of aapi run', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.concurrent.each(cases)('%s', async (file) => {
    const source = readFileSync(join(GOLDEN, file), 'utf8');
    const declared = /^\/\/ exit (\d):/.exec(source);
    if (!declared) throw new Error(`${file} must start with "// exit N: what it shows"`);
    const run = await runAapiIn(GOLDEN, ['run', '--sim', '--no-color', file], { env: { AAPI_HOME: home, AAPI_PASSWORD: '', NO_COLOR: '1' }, ms: 15_000 });
    const actual = normalise(run.stderr);
    const errFile = join(GOLDEN, file.replace(/\.json5$/, '.err'));
    expect(run.code, run.stderr).toBe(Number(declared[1]));
    expect(run.stdout).toBe('');
    if (UPDATE) writeFileSync(errFile, actual);
    expect(actual).toBe(readFileSync(errFile, 'utf8'));
  }, 20_000);
});
