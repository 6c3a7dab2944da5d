import { mkdtempSync, rmSync } from 'node:fs';
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
