import { usageError } from './exit.js';

/** `NAME=VALUE` split at its first `=` (the value may hold more); exit 2 saying `takes` when no name comes before one. */
export function splitKeyValue(text: string, takes: string): [name: string, value: string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw usageError(`${takes}, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
