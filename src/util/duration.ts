const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration taken. Node's timers count milliseconds in a signed 32-bit integer: a longer
 * delay is cut to 1 ms (with a warning), so a `sleep: "600h"` would not sleep and a `--timeout 600h`
 * would time out at once.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export type Duration = { ms: number; problem?: undefined } | { ms?: undefined; problem: string };

/**
 * `500ms`, `30s`, `2m`, `1h`, or a number (of milliseconds), up to MAX_DURATION_MS: its milliseconds,
 * or what is wrong with it (`takes a duration such as <examples>, got ...`), to follow the name of
 * what was given.
 */
export function parseDurationValue(v: unknown, examples = '500ms, 30s or 2m'): Duration {
  let ms: number | undefined;
  if (typeof v === 'number') ms = Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  else {
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v) : null;
    ms = m ? Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']) : undefined;
  }
  if (ms === undefined) return { problem: `takes a duration such as ${examples}, got ${JSON.stringify(v)}` };
  if (ms > MAX_DURATION_MS) return { problem: `is at most ${Math.floor(MAX_DURATION_MS / UNITS.h)}h (${MAX_DURATION_MS} ms, the longest a timer can wait), got ${JSON.stringify(v)}` };
  return { ms };
}
