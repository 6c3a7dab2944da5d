import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * The authorities Node trusts by default, and `extra` (PEM) too: Node's `ca` option replaces its
 * default list, while --ca adds to it (CONTRACT: "also trust"). NODE_EXTRA_CA_CERTS, which Node
 * reads once into its default list only, is kept as well: a network that inspects TLS is often
 * trusted that way.
 */
export function alsoTrusting(extra: string | Buffer, env: NodeJS.ProcessEnv = process.env): (string | Buffer)[] {
  const cas: (string | Buffer)[] = [...rootCertificates];
  if (env.NODE_EXTRA_CA_CERTS) {
    try {
      cas.push(readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8'));
    } catch {
      // Node warned about it at start and went on without it; so does this
    }
  }
  cas.push(extra);
  return cas;
}
