import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usageError } from '../util/exit.js';
import type { IO } from '../util/io.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The certificates (PEM) of --ca FILE, else of AAPI_CA, read here, relative to the caller's
 * directory (the session server that uses them runs elsewhere); undefined when neither is given.
 * A file that cannot be read or holds no certificate exits 2 naming it: found only at the
 * handshake, it would pass for the server's fault.
 */
export function readCa(flag: unknown, io: IO): string | undefined {
  const given = flag !== undefined ? { file: String(flag), where: '--ca' } : io.env.AAPI_CA ? { file: io.env.AAPI_CA, where: 'AAPI_CA' } : undefined;
  if (!given) return undefined;
  const name = `${given.where} ${given.file}`;
  let text: string;
  try {
    text = readFileSync(given.file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw usageError(`${name} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      throw usageError(`${name}: certificate ${i + 1} is not a valid certificate`);
    }
  }
  return text;
}
