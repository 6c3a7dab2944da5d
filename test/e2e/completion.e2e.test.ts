import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAapi } from '../helpers/spawn.js';
import { missing } from '../helpers/needs.js';

// The completion script, run by a real bash as it would be on Tab.
const dir = mkdtempSync(join(tmpdir(), 'aapi-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function complete(words: string[]): Promise<string[]> {
  const script = join(dir, 'aapi.bash');
  writeFileSync(script, (await runAapi(['completion', 'bash'])).stdout);
  const line = ['aapi', ...words].map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(${line}); COMP_CWORD=${words.length}; _aapi; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    encoding: 'utf8', env: { ...process.env, AAPI_HOME: dir },
  });
  return out.split('\n').filter(Boolean);
}

describe('aapi completion', () => {
  it('completes commands and verbs', async () => {
    expect(await complete(['go-'])).toEqual(['go-available', 'go-unavailable']);
    expect(await complete(['lo'])).toEqual(expect.arrayContaining(['login', 'logout', 'logoff']));
  });

  it('completes a verb\'s flags from the catalogue', async () => {
    expect(await complete(['run-query', '--'])).toEqual(expect.arrayContaining(['--query-number', '--param', '--value', '--json']));
    expect(await complete(['manual-dial', '--t'])).toEqual(expect.arrayContaining(['--tel-number', '--timeout']));
  });

  it('completes event names after wait', async () => {
    expect(await complete(['wait', 'NowIn'])).toEqual(['NowInCall']);
    expect(await complete(['wait', 'Chat'])).toEqual(expect.arrayContaining(['ChatReceived', 'ChatTyping', 'ChatMessage']));
  });

  it('completes profile names from the profiles folder', async () => {
    mkdirSync(join(dir, 'profiles', 'alice'), { recursive: true });
    mkdirSync(join(dir, 'profiles', 'bob'), { recursive: true });
    expect(await complete(['status', '--profile', ''])).toEqual(['alice', 'bob']);
  });

  it('prints zsh too, and refuses other shells with exit 2', async () => {
    expect((await runAapi(['completion', 'zsh'])).stdout).toMatch(/^#compdef aapi/);
    const fish = await runAapi(['completion', 'fish']);
    expect(fish.code).toBe(2);
    expect(fish.stderr).toMatch(/bash and zsh/);
  });
});

// The zsh script, run by a real interactive zsh (zpty) as it would be on Tab; skipped without zsh, except in CI.
const zsh = (() => {
  try {
    execFileSync('zsh', ['-fc', 'zmodload zsh/zpty'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function zshComplete(line: string): Promise<string> {
  const script = join(dir, '_aapi');
  writeFileSync(script, (await runAapi(['completion', 'zsh'])).stdout);
  // Type the line and Tab, then clear it and echo a marker; read until the marker's output.
  const driver = [
    'zmodload zsh/zpty',
    'zpty z zsh -f -i',
    `zpty -w z "PS1='%% '; autoload -U compinit; compinit -u -D; source ${script}; LISTMAX=10000; echo __RE''ADY__"`,
    // zle is reading once the prompt after the marker's output is shown.
    "zpty -r z out '*__READY__*%*'",
    `zpty -n -w z ${JSON.stringify(line)}$'\\t\\x15echo __E\\'\\'ND__\\n'`,
    "zpty -r z out '*__END__*'",
    'print -r -- "$out"',
    'zpty -d z',
  ].join('\n');
  const out = execFileSync('zsh', ['-fc', driver], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, AAPI_HOME: dir } });
  return out.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/.\x08/g, '').replace(/\r/g, '');
}

describe.skipIf(missing('zsh', zsh, 'apt-get install zsh'))('aapi completion zsh, in zsh', () => {
  it('lists commands, events with their descriptions, profiles, documented values', async () => {
    expect(await zshComplete('aapi go-')).toMatch(/go-available +-- .*\n.*go-unavailable +-- /);
    expect(await zshComplete('aapi wait Chat')).toMatch(/ChatMessage +-- the same as ChatReceived/);
    mkdirSync(join(dir, 'profiles', 'carol'), { recursive: true });
    expect(await zshComplete('aapi status --profile ')).toMatch(/carol/);
    expect(await zshComplete('aapi transfer-call --transfer-type ')).toMatch(/blind-with-connect/);
  });

  it('inserts a single match: a flag, the verb of batch and its own flags', async () => {
    expect(await zshComplete('aapi status --pro')).toContain('aapi status --profile ');
    expect(await zshComplete('aapi batch run-query --que')).toContain('aapi batch run-query --query-number ');
  });
});
