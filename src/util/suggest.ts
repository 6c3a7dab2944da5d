function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** `; did you mean "NowInCall"?` for the closest candidate, or nothing when none is close. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const best = closest(input, candidates);
  return best === undefined ? '' : `; did you mean ${JSON.stringify(best)}?`;
}

/** `; did you mean --outcome?` for a flag the command does not have. */
export function didYouMeanFlag(input: string, flags: readonly string[]): string {
  const best = closest(input, flags);
  return best === undefined ? '' : `; did you mean --${best}?`;
}

function closest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const prefixed = candidates.find((c) => c.toLowerCase().startsWith(lower));
  if (prefixed && lower.length >= 3) return prefixed;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}
