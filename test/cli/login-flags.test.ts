import { describe, expect, it } from 'vitest';
import { daemonNodeFlags } from '../../src/cli/commands/login.js';
import { loginExample } from '../../src/cli/commands/sim.js';

// What `aapi login` starts the session server with, and the login the simulator suggests.

describe('the session server\'s node flags', () => {
  it('by default: a small young generation and --expose-gc, nothing V8 would warn about', () => {
    expect(daemonNodeFlags({})).toEqual(['--max-semi-space-size=1', '--expose-gc']);
  });

  it('with --lite-mode or --jitless (which drop WebAssembly), WebAssembly is turned off up front: V8 has nothing to warn the log about', () => {
    expect(daemonNodeFlags({ AAPI_DAEMON_NODE_OPTIONS: ' --lite-mode  --max-semi-space-size=1 ' })).toEqual(['--lite-mode', '--max-semi-space-size=1', '--no-expose-wasm']);
    expect(daemonNodeFlags({ AAPI_DAEMON_NODE_OPTIONS: '--jitless' })).toEqual(['--jitless', '--no-expose-wasm']);
    expect(daemonNodeFlags({ AAPI_DAEMON_NODE_OPTIONS: '' })).toEqual([]);
  });
});

describe('the simulator\'s suggested login', () => {
  it('connects to the built-in campaign, and trusts a wss:// certificate as it can', () => {
    const tail = '--agent demo --extension 8600001 --tenant demo --campaign outbound';
    expect(loginExample('ws://127.0.0.1:8787')).toBe(`aapi login --server ws://127.0.0.1:8787 ${tail}`);
    expect(loginExample('wss://127.0.0.1:8787')).toBe(`aapi login --server wss://127.0.0.1:8787 --insecure ${tail}`);
    expect(loginExample('wss://127.0.0.1:8787', 'sim.pem')).toBe(`aapi login --server wss://127.0.0.1:8787 --ca sim.pem ${tail}`);
  });
});
