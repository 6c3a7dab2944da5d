import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../src/util/exit.js';
import { splitKeyValue } from '../../src/util/key-value.js';

describe('splitKeyValue', () => {
  it('splits at the first =, so a value may hold more', () => {
    expect(splitKeyValue('URN=1234', '--var takes NAME=VALUE')).toEqual(['URN', '1234']);
    expect(splitKeyValue('q=a=b', '--var takes NAME=VALUE')).toEqual(['q', 'a=b']);
    expect(splitKeyValue('empty=', '--var takes NAME=VALUE')).toEqual(['empty', '']);
  });

  it('exits 2 without a name before the =, saying what the flag takes and what it got', () => {
    for (const text of ['=1234', 'URN']) {
      let err: unknown;
      try {
        splitKeyValue(text, '--var takes NAME=VALUE');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CliError);
      expect(err).toMatchObject({ exitCode: EXIT.usage, message: `--var takes NAME=VALUE, got ${JSON.stringify(text)}` });
    }
  });
});
