import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World } from '../helpers/e2e.js';
import type { SimProcess } from '../helpers/spawn.js';
import { commandsToFuzz, mutate, randomArgv } from './gen.js';
import { runCli } from './inprocess.js';
import { badEnding, replay, Rng, SEED } from './rng.js';

// Batch jobs on mutated CSV and JSONL, handed in-process to a real session server (the built
// binary, logged in to a real `aapi sim`), and a few random command lines through the real binary
// itself (its thin client, the server, `login`): every one ends with a documented exit code (130:
// an interrupted batch), never a stack trace. Replay a failure with the FUZZ_SEED it prints.

const w = new World('fuzz');
let sim: SimProcess;
let dir: string;
beforeAll(async () => {
  ({ sim } = await w.sim({ timings: { banAfter: 1e9, ipBanAfter: 1e9 } }));
  const login = await w.login(sim, { tenant: 'demo' });
  expect(login.code, login.stderr).toBe(0);
  dir = join(w.scratch, 'inputs');
  mkdirSync(dir);
}, 60_000);
afterAll(() => w.dispose(), 60_000);

/** A verb, the flags every row shares, and rows that mostly succeed. */
const JOBS: { verb: string; flags: string[]; ext: 'csv' | 'jsonl'; text: string }[] = [
  { verb: 'run-query', flags: ['--query-number', '1'], ext: 'csv', text: 'Parameters.URN\n1001\n1002\n"1003"\n0000\n' },
  { verb: 'run-query', flags: [], ext: 'csv', text: 'QueryNumber,values.Name,values.Tel\n2,"Jo, Bloggs",0770090\n2,Al,"07""7"\n3,,\n' },
  { verb: 'get-record', flags: [], ext: 'csv', text: '\ufeffURN\r\n1001\r\n1004\r\n' },
  { verb: 'new-record', flags: [], ext: 'jsonl', text: '{"sessionIndex":0}\n{}\n' },
  { verb: 'GetRecord', flags: ['--concurrency', '2'], ext: 'jsonl', text: '{"URN":"1001"}\n{"URN":1002}\n{"URN":null}\n' },
];
const CSV_TOKENS = [',', '"', '""', '\n', '\r\n', '\r', '\ufeff', 'Parameters.', 'data.', '.', '=', '[1,2]', '{"URN":"1"}', ''];

describe('fuzz', () => {
  it('batch jobs on mutated CSV and JSONL rows, now and then interrupted, in a real session server', async () => {
    const rng = new Rng(SEED ^ 0xba7c4);
    const failures: string[] = [];
    for (let i = 0; i < 40 && failures.length < 5; i++) {
      const job = rng.pick(JOBS);
      let text = mutate(rng, job.text, rng.int(4));
      for (let n = rng.int(3); n > 0; n--) {
        const at = rng.int(text.length + 1);
        text = text.slice(0, at) + rng.pick(CSV_TOKENS) + text.slice(at);
      }
      const input = join(dir, `in-${i}.${job.ext}`);
      writeFileSync(input, text);
      const argv = ['batch', job.verb, ...job.flags, '--input', input, '--output', join(dir, `out-${i}.jsonl`), ...(rng.chance(0.2) ? ['--json'] : [])];
      const r = await runCli(argv, w.env(), { interruptMs: rng.chance(0.2) ? rng.int(40) : 15_000 });
      const why = badEnding(r.code, r.out, [0, 1, 2, 3, 4, 130]);
      if (why) failures.push(replay('batch', i, { argv, text }, why, r.out));
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 120_000);

  it('random command lines through the real binary: its client, the session server, login', async () => {
    const rng = new Rng(SEED ^ 0x5a3);
    // `sim` runs until stopped, and `wait` and `events --follow` until their timeout or Ctrl-C: fuzzed in-process (cli.test.ts).
    const commands = commandsToFuzz(['sim', 'wait', 'events']);
    const login = commands.filter((c) => c.name === 'login');
    const files = [join(dir, 'in-0.csv'), dir, join(dir, 'missing.json5')];
    const failures: string[] = [];
    for (let i = 0; i < 12 && failures.length < 5; i++) {
      const argv = randomArgv(rng, rng.chance(0.3) ? login : commands, files);
      const r = await w.aapi(argv, { env: { AAPI_SERVER: sim.url, AAPI_TIMEOUT: '2s', AAPI_AGENT: rng.chance(0.5) ? 'demo2' : undefined }, input: rng.chance(0.5) ? 'demo\n' : '', ms: 30_000 });
      const why = badEnding(r.code, r.stdout + r.stderr);
      if (why) failures.push(replay('spawned', i, argv, why, r.stdout + r.stderr));
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 120_000);
});
