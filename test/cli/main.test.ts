import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

// The CLI driven in-process, as the daemon runs it for each one-liner.

const home = mkdtempSync(join(tmpdir(), 'aapi-main-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: new PassThrough().on('data', (d) => (out += d)),
    stderr: new PassThrough().on('data', (d) => (err += d)),
    stdin: new PassThrough(),
    env: { AAPI_HOME: home },
    interrupted: new Promise<void>(() => {}),
    tty: { stdin: false, stdout: false, stderr: false },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('main', () => {
  it('runs a command without rendering its help (yargs would, on every run: most of a one-liner in the daemon)', async () => {
    // Help text is laid out by measuring each word's width with Intl.Segmenter: count its use.
    const segment = vi.spyOn(Intl.Segmenter.prototype, 'segment');
    const r = await run(['keep-alive']);
    expect(r.code).toBe(3); // no session in this AAPI_HOME
    expect(r.err).toMatch(/aapi login/);
    expect(segment).not.toHaveBeenCalled();
    // --help still renders it.
    const help = await run(['keep-alive', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/KeepAlive/);
    expect(segment).toHaveBeenCalled();
  });

  it('sim --help leaves out the client\'s global options, which mean nothing to the simulator (still accepted)', async () => {
    const help = await run(['sim', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--cert-out/);
    for (const flag of ['--server', '--profile', '--json', '--timeout', '--max-frame', '--insecure', '--ca', '--color']) expect(help.out, flag).not.toContain(flag);
    expect((await run(['login', '--help'])).out).toMatch(/--ca +also trust/);
    expect((await run(['sim', '--json', '--port', 'x'])).err).toMatch(/--port must be a port number/);
  });
});

describe('a flag left without its value', () => {
  it('exits 2 in one line (yargs\' own error was an "unexpected failure", exit 1; found by the fuzzer)', async () => {
    for (const [argv, flag] of [[['wait', 'NowWaiting', '--where'], 'where'], [['run', 'r.json5', '--var'], 'var']] as const) {
      const r = await run([...argv]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`aapi: Not enough arguments following: ${flag}\n`);
    }
  });
});

describe('a recipe error', () => {
  it('shows at most about 200 columns of its source line around the position (a minified recipe is one long line)', async () => {
    const file = join(home, 'long.json5');
    writeFileSync(file, `{ name: "${'x'.repeat(50_000)}", steps: [ { sleep: "600h" } ] }`);
    const r = await run(['run', '--check', file]);
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toBe(`aapi: ${file}:1:50031: \`sleep\` is at most 596h (2147483647 ms, the longest a timer can wait), got "600h"`);
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(1)) expect(l.length).toBeLessThan(220);
    // The carets stand under the value.
    expect(lines[3].indexOf('^')).toBe(lines[2].indexOf('"600h"'));
    expect(lines[3]).toMatch(/^ *\| +\^{6}$/);
  });

  it('of a string broken by a line break points at the end of that line (an "unexpected failure" once: JSON5 names column 0)', async () => {
    const file = join(home, 'broken.json5');
    writeFileSync(file, '{\n  steps: [\n    { \'expectEvent: "NowAvailable" },\n  ],\n}\n');
    const r = await run(['run', '--check', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe([
      `aapi: ${file}:3:38: invalid character '\\n'`,
      '  |',
      '3 |     { \'expectEvent: "NowAvailable" },',
      `  | ${' '.repeat(37)}^`,
      '',
    ].join('\n'));
  });
});

describe('an unknown flag', () => {
  it('gets a did-you-mean from the command\'s own flags, exit 2', async () => {
    const r = await run(['disposition', '--outcom', '251']);
    expect(r).toMatchObject({ code: 2, err: 'aapi: Unknown argument: outcom; did you mean --outcome?\n' });
    expect((await run(['wait', 'NowInCall', '--wher', 'data.URN=1'])).err).toBe('aapi: Unknown argument: wher; did you mean --where?\n');
    // Another command's flag is not offered, nor a hidden one.
    expect((await run(['status', '--outcom', '1'])).err).toBe('aapi: Unknown argument: outcom\n');
    expect((await run(['login', '--pasword', 'x'])).err).toBe('aapi: Unknown argument: pasword\n');
  });
});

describe('the RID of a verb', () => {
  it('is taken as --rid or in the spec\'s spelling, --RID (acknowledge\'s key)', async () => {
    // Parsed and checked; then there is no session to send it on (exit 3), not a bad flag (exit 2).
    for (const flag of ['--rid', '--RID']) expect(await run(['acknowledge', flag, '4242'])).toMatchObject({ code: 3, err: expect.stringMatching(/aapi login/) });
    expect(await run(['acknowledge', '--RID', 'x'])).toMatchObject({ code: 2, err: 'aapi: --rid must be an integer\n' });
  });
});

describe('aapi send', () => {
  it('a message without its braces: exit 2, saying what was meant', async () => {
    const r = await run(['send', 'type: "GetTenants"']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^aapi: malformed JSON5: .*; did you mean '\{type: "GetTenants"\}'\?\n$/);
    expect((await run(['send', '{type: "GetTenants"'])).err).not.toMatch(/did you mean/);
  });
});
