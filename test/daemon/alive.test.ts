import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { alive } from '../../src/daemon/dial.js';

// A lock's PID decides whether a session server is taken for alive.

describe('alive', () => {
  let parent: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    parent?.kill('SIGKILL');
    parent = undefined;
  });

  it('is true for a running process and false for one that does not exist', () => {
    expect(alive(process.pid)).toBe(true);
    expect(alive(2 ** 22 + 12345)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')('is false for a zombie: exited, not yet reaped by its parent', async () => {
    // The exec'd sleep never waits for the short child the shell started: that one stays a zombie.
    parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => parent!.stdout!.once('data', (d) => resolve(String(d)))));
    let state = '';
    for (let i = 0; i < 100 && state !== 'Z'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = (await import('node:fs')).readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    }
    expect(state).toBe('Z');
    expect(alive(pid)).toBe(false);
  }, 20_000);
});
