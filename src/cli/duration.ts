import { parseDurationValue } from '../util/duration.js';
import { usageError } from '../util/exit.js';

/** `500ms`, `30s`, `2m`, `1h`; a bare number is milliseconds; exit 2 naming `what` otherwise. */
export function parseDuration(text: string, what = '--timeout'): number {
  const d = parseDurationValue(text);
  if (d.problem !== undefined) throw usageError(`${what} ${d.problem}`);
  return d.ms;
}
