import { describe, expect, it } from 'vitest';
import { splitKeyValue } from '../../src/util/key-value.js';

describe('splitKeyValue', () => {
  it('splits at the first =, so a value may hold more', () => {
    expect(splitKeyValue('URN=1234')).toEqual(['URN', '1234']);
    expect(splitKeyValue('q=a=b')).toEqual(['q', 'a=b']);
    expect(splitKeyValue('empty=')).toEqual(['empty', '']);
  });

  it('has no pair without a name before the =', () => {
    expect(splitKeyValue('=1234')).toBeUndefined();
    expect(splitKeyValue('URN')).toBeUndefined();
  });
});
