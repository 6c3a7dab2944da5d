import { describe, expect, it } from 'vitest';
import { RecentLog } from '../../src/sim/recent-log.js';

describe('RecentLog (the simulator\'s disposition and callback logs)', () => {
  it('keeps the newest entries, oldest first, however many are pushed', () => {
    const log = new RecentLog<number>(100);
    for (let i = 1; i <= 1234; i++) {
      log.push(i);
      const list = log.list();
      expect(list).toHaveLength(Math.min(i, 100));
      expect(list.at(-1)).toBe(i);
      expect(list[0]).toBe(Math.max(1, i - 99));
    }
  });

  it('hands out a copy, and empties on clear', () => {
    const log = new RecentLog<string>(3);
    log.push('a');
    log.list().push('x');
    expect(log.list()).toEqual(['a']);
    log.clear();
    expect(log.list()).toEqual([]);
  });
});
