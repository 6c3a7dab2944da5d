import { sizeBytes } from '../util/size.js';
import { usageError } from '../util/exit.js';

/** `256k`, `1m`, `2MiB`; a bare number is bytes. */
export function parseSize(text: string, what: string): number {
  const bytes = sizeBytes(text);
  if (bytes === undefined) throw usageError(`${what} takes a size such as 256k, 1m or 2MiB (a bare number is bytes), got ${JSON.stringify(text)}`);
  return bytes;
}
