import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_COMMANDS } from '../src/cli/surface/builtins.js';
import { visibleOptions } from '../src/cli/surface/commands.js';
import { GLOBAL_OPTIONS } from '../src/cli/surface/globals.js';
import { renderCommandsDoc } from '../src/docs/commands.js';
import { ERROR_CODES, EVENTS, VERBS } from '../src/protocol/types.js';
import { REQUESTS } from '../src/protocol/catalogue.js';

describe('docs/commands.md', () => {
  const doc = renderCommandsDoc();

  it('is what the catalogue makes of it today (run `npm run docs` when this fails)', () => {
    expect(readFileSync(new URL('../docs/commands.md', import.meta.url), 'utf8')).toBe(doc);
  });

  it('names every built-in command and option, every global option', () => {
    for (const [name, c] of Object.entries(BUILTIN_COMMANDS)) {
      if (!c.section) continue;
      expect(doc).toContain(`### \`aapi ${name}`);
      for (const [flag] of visibleOptions(c.options ?? {})) expect(doc, `${name} --${flag}`).toContain(`| \`--${flag}\``);
    }
    for (const flag of Object.keys(GLOBAL_OPTIONS)) expect(doc).toContain(`| \`--${flag}\``);
  });

  it('names every verb and each of its keys, every event, every error', () => {
    for (const verb of VERBS) {
      expect(doc).toContain(`### ${verb} — \`aapi ${REQUESTS[verb].cli}\``);
      for (const key of REQUESTS[verb].keys) expect(doc, `${verb}.${key.wire}`).toContain(`| \`${key.wire}\` |`);
    }
    for (const e of EVENTS) expect(doc).toContain(`### ${e}`);
    for (const n of ERROR_CODES) expect(doc).toMatch(new RegExp(`^\\| ${n} \\| `, 'm'));
  });
});

describe('npm run docs', () => {
  it('--check agrees that the checked-in file is current', () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/gen-docs.mjs', import.meta.url)), '--check'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
  });
});
