// A small seeded PRNG for the fuzz tests (mulberry32): the same seed gives the same cases, so a
// failure is replayed with FUZZ_SEED=<the seed it printed>.

export const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) >>> 0 : 0x5eed_2026;

export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}

/** What every fuzzed command must keep to: a documented exit code, no stack trace, no "unexpected failure". */
export function badEnding(code: number | null, out: string, allowed: readonly number[] = [0, 1, 2, 3, 4]): string | undefined {
  if (code === null || !allowed.includes(code)) return `exit code ${code}`;
  if (/^\s+at .+/m.test(out)) return 'a stack trace';
  if (/unexpected failure/.test(out)) return '"unexpected failure"';
  if (/TimeoutOverflowWarning/.test(out)) return 'a timer overflow';
  return undefined;
}

/** The message of a failed fuzz case: how to replay it, what was run and what came out. */
export function replay(target: string, i: number, what: unknown, why: string, out: string): string {
  return `fuzz ${target}, case ${i} (replay: FUZZ_SEED=${SEED}): ${why}\n  input: ${JSON.stringify(what).slice(0, 2000)}\n  output: ${out.slice(0, 2000)}`;
}
