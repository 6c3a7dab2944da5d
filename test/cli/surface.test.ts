import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/commands/completion.js';
import { main } from '../../src/cli/main.js';
import { BUILTIN_COMMANDS } from '../../src/cli/surface/builtins.js';
import { allCommands, flagsOf, globalOptions } from '../../src/cli/surface/commands.js';
import { GLOBAL_OPTIONS } from '../../src/cli/surface/globals.js';
import { COMMAND_RUNS, commandIndex, runsLocally, VALUED_GLOBALS } from '../../src/cli/surface/routing.js';
import { EVENTS_TABLE, REQUESTS } from '../../src/protocol/catalogue.js';
import { EVENTS, VERBS } from '../../src/protocol/types.js';

// The CLI's surface is declared once (src/cli/surface/); these check that what reads it reads it right.

async function cli(args: string[], columns?: number): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    stdout: new PassThrough().on('data', (d) => (out += d)), stderr: new PassThrough().on('data', (d) => (err += d)), stdin: new PassThrough(),
    env: {}, interrupted: new Promise<void>(() => {}), tty: { stdin: false, stdout: columns !== undefined, stderr: false, columns },
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe('the thin client\'s routing', () => {
  it('names the commands of the table, and its valued globals are the table\'s options that take a value', () => {
    expect(Object.keys(COMMAND_RUNS).sort()).toEqual(Object.keys(BUILTIN_COMMANDS).sort());
    expect([...VALUED_GLOBALS].sort()).toEqual(Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type !== 'boolean').map(([n]) => n).sort());
  });

  it('finds the command after the global options and their values', () => {
    expect(commandIndex(['--profile', 'status', 'logout'])).toBe(2);
    for (const o of VALUED_GLOBALS) expect(commandIndex([`--${o}`, 'x', '--json', 'go-available']), o).toBe(3);
    expect(commandIndex(['--server=ws://h:1', 'status'])).toBe(1);
    expect(commandIndex(['--json'])).toBe(-1);
  });

  it('runs locally what reads the caller\'s terminal or files, hands the rest (and every verb) to the server', () => {
    expect(['login', 'run', 'batch', 'console', 'sim', 'completion', '__server'].every(runsLocally)).toBe(true);
    expect(['logout', 'status', 'events', 'wait', 'send', 'jobs', ...VERBS.map((v) => REQUESTS[v].cli), 'toString', 'constructor'].some(runsLocally)).toBe(false);
  });
});

describe('yargs, registered from the table', () => {
  /** The flags a command's --help lists (first spelling of each), less the global ones. */
  async function helpFlags(command: string): Promise<string[]> {
    const globals = new Set([...Object.keys(globalOptions()), 'version']);
    const { out } = await cli([command, '--help']);
    return [...out.matchAll(/^ {2,6}(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]).filter((f) => !globals.has(f)).sort();
  }

  it('shows each command\'s declared options in its help, and no other', async () => {
    for (const c of allCommands()) {
      expect(await helpFlags(c.name), c.name).toEqual(flagsOf(c.options).map((f) => f.name).sort());
    }
  });
});

describe('aapi --help', () => {
  it('lists every command once, under its section; the verbs under the spec\'s sections, in its order', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    const headings = out.split('\n\n').slice(1).map((block) => block.split('\n')[0]).filter(Boolean);
    const groups = [...new Set(VERBS.map((v) => REQUESTS[v].group))];
    expect(headings).toEqual([
      'Usage: aapi <command> [options]', 'Session commands', ...groups.map((g) => `AAPI verbs: ${g}`), 'Scenarios and batches', 'Tools',
      'Global options', 'Examples', 'Learn more',
    ]);
    const listed = [...out.matchAll(/^ {2}([a-z][\w-]*) {2,}/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(allCommands().map((c) => c.name).sort());
    const section = (title: string) => out.split(`\n${title}\n`)[1].split('\n\n')[0];
    expect(section('AAPI verbs: Data')).toMatch(/^ {2}get-record +Read a record/);
    expect(section('Tools')).toMatch(/sim +Run a local Genius dialler simulator/);
    expect(section('Examples')).toMatch(/\$ aapi login /);
    for (const flag of ['--server', '--profile', '--timeout', '--max-frame', '--ca', '--[no-]color', '--help', '--version']) expect(section('Global options')).toContain(flag);
  });

  it('fits the terminal it is written for', async () => {
    for (const columns of [undefined, 80, 110, 200]) {
      const { out } = await cli(['--profile', 'p', '--help'], columns);
      const width = Math.min(110, columns ?? 100);
      expect(out.split('\n').filter((l) => l.length > width && !l.startsWith('  $ ')), String(columns)).toEqual([]);
    }
  });
});

describe('did you mean, for a flag', () => {
  it('offers the global options as well as the command\'s own', async () => {
    expect((await cli(['status', '--profil', 'x'])).err).toBe('aapi: Unknown argument: profil; did you mean --profile?\n');
    expect((await cli(['events', '--folow'])).err).toBe('aapi: Unknown argument: folow; did you mean --follow?\n');
  });
});

describe('the completion scripts', () => {
  it('skip the value of every valued global option when they look for the command', () => {
    expect(completionScript('bash')).toContain(`      ${VALUED_GLOBALS.map((o) => `--${o}`).join('|')}) ((i += 1)) ;;`);
  });

  it('know every event name and alias', () => {
    for (const script of [completionScript('bash'), completionScript('zsh')]) {
      for (const e of EVENTS) {
        expect(script).toContain(e);
        for (const a of EVENTS_TABLE[e].aliases) expect(script).toContain(a);
      }
    }
  });
});
