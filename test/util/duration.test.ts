import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDurationValue } from '../../src/util/duration.js';

// The one duration parser, under every flag, variable and recipe key that takes a duration.

describe('parseDurationValue', () => {
  it.each([['500ms', 500], ['30s', 30_000], ['2m', 120_000], ['1h', 3_600_000], ['1500', 1500], [' 1.5s ', 1500], [250, 250], [0, 0], ['596h', 596 * 3_600_000]])(
    '%j is %d ms', (v, ms) => expect(parseDurationValue(v)).toEqual({ ms }));

  it('takes the longest delay a Node timer can hold, and no more (longer ones would fire after 1 ms)', () => {
    expect(parseDurationValue(MAX_DURATION_MS)).toEqual({ ms: MAX_DURATION_MS });
    expect(parseDurationValue(`${MAX_DURATION_MS}ms`)).toEqual({ ms: MAX_DURATION_MS });
    for (const v of [MAX_DURATION_MS + 1, `${2 ** 31}`, '600h', '36000m', '2147484s', '99999999999999999999999h']) {
      expect(parseDurationValue(v).problem).toBe(`is at most 596h (2147483647 ms, the longest a timer can wait), got ${JSON.stringify(v)}`);
    }
  });

  it('says what it takes, with the caller\'s examples', () => {
    for (const v of ['soon', '-1s', -1, '1e3', '', NaN, Infinity, null, {}, '5 sec']) {
      expect(parseDurationValue(v, '10s').problem).toBe(`takes a duration such as 10s, got ${JSON.stringify(v)}`);
    }
  });
});
