import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AAPI_BIN, runAapi, spawnSim, type SimProcess } from '../helpers/spawn.js';
import { Tmux } from '../helpers/tmux.js';

// One-liners on a real terminal (tmux): what the daemon writes reaches it through the client.

describe('aapi wait on a terminal', () => {
  let sim: SimProcess | undefined;
  let term: Tmux | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    term?.kill();
    if (dir) await runAapi(['logout'], { env: { AAPI_HOME: dir } });
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows one spinner line that redraws in place, and clears it when done', async () => {
    sim = await spawnSim();
    dir = mkdtempSync(join(tmpdir(), 'aapi-terminal-'));
    const env = { AAPI_HOME: dir, AAPI_SERVER: sim.url };
    expect((await runAapi(['login', '--agent', 'demo', '--tenant', 'demo', '--campaign', 'outbound'], { env: { ...env, AAPI_PASSWORD: 'demo' } })).code).toBe(0);
    term = Tmux.start(`aapi-wait-${process.pid}`, `AAPI_HOME=${dir} ${process.execPath} ${AAPI_BIN} wait NowInCall --timeout 3s; echo "EXIT $?"; sleep 60`, 100, 10);
    const t = term;
    const waiting = await t.until(/waiting for NowInCall/);
    // A second later the spinner has turned several times, still on one line.
    await new Promise((r) => setTimeout(r, 1000));
    const later = t.screen();
    expect(later.match(/waiting for NowInCall/g)).toHaveLength(1);
    expect(waiting.match(/waiting for NowInCall/g)).toHaveLength(1);
    const end = await t.until(/EXIT 4/);
    expect(end).toMatch(/aapi: timed out after 3000 ms waiting for NowInCall/);
    expect(end).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  }, 60_000);
});
