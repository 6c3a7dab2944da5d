import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandFiles } from '../../src/cli/glob.js';
import { EXIT } from '../../src/util/exit.js';

// `aapi run recipes/*.json5` from a shell that expands nothing (Windows'): the pattern is expanded
// here, as a POSIX shell would, and only when it names no file itself.

const dir = mkdtempSync(join(tmpdir(), 'aapi-glob-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['recipes/b.json5', 'recipes/a.json5', 'recipes/c.txt', 'recipes/.hidden.json5', 'recipes/sub/d.json5', 'more/x1.json5', 'more/x2.json5', 'lit[1].json5']) {
  mkdirSync(join(dir, f, '..'), { recursive: true });
  writeFileSync(join(dir, f), '{}');
}
const at = (p: string) => join(dir, p);

describe('expandFiles', () => {
  it('* in the last segment: the files it matches, sorted, no dotfile, no subfolder', () => {
    expect(expandFiles([at('recipes/*.json5')])).toEqual([at('recipes/a.json5'), at('recipes/b.json5')]);
  });

  it('? and [...] (with ! or ^ to negate), and wildcards in a folder segment', () => {
    expect(expandFiles([at('more/x?.json5')])).toEqual([at('more/x1.json5'), at('more/x2.json5')]);
    expect(expandFiles([at('more/x[2-9].json5')])).toEqual([at('more/x2.json5')]);
    expect(expandFiles([at('more/x[!2].json5'), at('more/x[^1].json5')])).toEqual([at('more/x1.json5'), at('more/x2.json5')]);
    expect(expandFiles([at('*/*.json5')])).toEqual([at('more/x1.json5'), at('more/x2.json5'), at('recipes/a.json5'), at('recipes/b.json5')]);
  });

  it('leaves alone what names a file, or holds no wildcard (a missing file is for the reader to report)', () => {
    expect(expandFiles([at('lit[1].json5'), at('missing.json5')])).toEqual([at('lit[1].json5'), at('missing.json5')]);
  });

  it('a pattern that matches nothing exits 2, naming it', () => {
    expect(() => expandFiles([at('recipes/*.yaml')])).toThrow(expect.objectContaining({ exitCode: EXIT.usage, message: `no file matches ${at('recipes/*.yaml')}` }));
  });

  it('relative patterns stay relative; caseless matching where the file system is (Windows)', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(expandFiles(['recipes/*.json5'])).toEqual([join('recipes', 'a.json5'), join('recipes', 'b.json5')]);
      expect(expandFiles(['recipes/*.JSON5'], true)).toEqual([join('recipes', 'a.json5'), join('recipes', 'b.json5')]);
      expect(() => expandFiles(['recipes/*.JSON5'], false)).toThrow(/no file matches/);
    } finally {
      process.chdir(cwd);
    }
  });
});
