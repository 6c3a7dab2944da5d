import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandsToFuzz, randomArgv, randomMessage } from './gen.js';
import { inProcess, type InProcess } from './inprocess.js';
import { badEnding, replay, Rng, SEED } from './rng.js';

// Random command lines for every command and verb, and random messages for `aapi send`, run
// in-process on a real session with an embedded simulator: each ends with a documented exit code,
// never a stack trace, never "unexpected failure", never a hang. Replay a failure with the
// FUZZ_SEED it prints.

/** `sim` listens on ports (given at random, another's); `login` starts a session server: both are fuzzed by spawning, in batch.test.ts. */
const IN_PROCESS_SKIP = ['sim', 'login'];

let w: InProcess;
let files: string[];
beforeAll(async () => {
  w = await inProcess('cli');
  const dir = join(w.home, 'files');
  mkdirSync(dir);
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  files = [
    file('ok.json5', '{ steps: [ { send: "GetTenants" }, { sleep: "10ms" }, { expectNoEvent: "NowInCall", within: "20ms" } ] }'),
    file('auth.json5', '{ steps: [ { send: "Authenticate", with: { Agent: "demo2", Password: "demo", extension: "8600002" }, capture: { sid: "SID" } }, { send: "GetCampaigns", with: { tenant: "${sid}" } } ] }'),
    file('bad.json5', '{ steps: [ { send: "GoAvailabel" } ] }'),
    file('rows.csv', 'URN,Parameters.URN\n1001,1001\n,\n'),
    file('rows.jsonl', '{"URN":"1001"}\n[1]\n'),
    dir, join(dir, 'missing.json5'), '/dev/null',
  ];
}, 30_000);
afterAll(() => w?.close(), 30_000);

async function fuzz(target: string, cases: number, make: (rng: Rng) => string[], opts: { input?: (rng: Rng) => string } = {}) {
  const rng = new Rng(SEED ^ [...target].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7));
  const failures: string[] = [];
  for (let i = 0; i < cases && failures.length < 5; i++) {
    const argv = make(rng);
    const r = await w.run(argv, { input: opts.input?.(rng) });
    const why = badEnding(r.code, r.out);
    if (why) failures.push(replay(target, i, argv, why, r.out));
  }
  expect(failures, failures.join('\n\n')).toEqual([]);
}

describe('fuzz', () => {
  it('random command lines of every command and verb, their flags from the CLI\'s declarations and the catalogue', async () => {
    const commands = commandsToFuzz(IN_PROCESS_SKIP);
    await fuzz('argv', 300, (rng) => randomArgv(rng, commands, files), { input: (rng) => (rng.chance(0.5) ? 'demo\n' : '') });
  }, 120_000);

  it('aapi send with random JSON5: requests of the catalogue with random keys, broken text, nesting too deep', async () => {
    await fuzz('send', 300, (rng) => ['send', randomMessage(rng), ...(rng.chance(0.3) ? ['--json'] : []), ...(rng.chance(0.1) ? ['--timeout', '5ms'] : [])]);
  }, 120_000);
});
