// Why a connection could not be opened, in the user's terms, and what to do about it: the one place
// that reads the socket's, TLS's and the WebSocket upgrade's errors. A wrong guess misleads more than
// no hint at all, so each hint is given only for the failure it fits.

export interface ConnectProblem {
  /** What went wrong, in one phrase (after `cannot connect to URL: `). */
  reason: string;
  hint?: string;
}

/** Certificates that chain to no authority this client trusts (self-signed, a private CA, a TLS-inspecting proxy). */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

const TRUST_HINT = 'the server\'s certificate is not signed by an authority this machine trusts: trust that authority with --ca FILE (PEM; the simulator writes its certificate with `aapi sim --tls --cert-out FILE`), or, against a test server only, accept any certificate with --insecure';

/** OpenSSL's reason, without its error queue's codes and source paths (`...:ssl3_get_record:wrong version number:../deps/...`). */
function opensslReason(message: string): string | undefined {
  return /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(message)?.[1];
}

function withScheme(url: string, scheme: 'ws' | 'wss'): string {
  return url.replace(/^[a-z]+:/i, `${scheme}:`);
}

export function describeConnectFailure(url: string, err: unknown): ConnectProblem {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const message = String(e?.message ?? err);
  const tls = /^(wss|https):/i.test(url);
  if (code === 'ECONNREFUSED') return { reason: 'connection refused', hint: 'is the server running? `aapi sim` starts a local one' };
  if (code === 'ENOTFOUND') {
    return { reason: `host name ${JSON.stringify(safeHost(url))} not found`, hint: 'check the host name in --server (or AAPI_SERVER)' };
  }
  if (code === 'EAI_AGAIN') return { reason: `host name ${JSON.stringify(safeHost(url))} could not be looked up (no answer from DNS)`, hint: 'check the network and the host name in --server' };
  if (UNTRUSTED.has(code)) return { reason: message, hint: TRUST_HINT };
  if (code === 'CERT_HAS_EXPIRED') return { reason: 'the server\'s certificate has expired', hint: 'the server\'s administrator must renew it (or check this machine\'s clock)' };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { reason: message, hint: 'connect by a name the certificate was issued for' };
  const ssl = opensslReason(message);
  if (ssl === 'wrong version number' && tls) {
    return { reason: 'the server did not answer in TLS (OpenSSL: wrong version number)', hint: `it speaks ws://, not wss://: --server ${withScheme(url, 'ws')}` };
  }
  if (ssl && /protocol version|unsupported protocol/i.test(ssl)) {
    return { reason: `${ssl}: the server offers only TLS below 1.2`, hint: 'aapi always refuses TLS below 1.2: the server must offer TLS 1.2 or later' };
  }
  if (ssl) return { reason: ssl };
  const status = /^Unexpected server response: (\d+)/.exec(message)?.[1];
  if (status) {
    const reason = `the server answered HTTP ${status} to the WebSocket upgrade`;
    // An HTTP server with no WebSocket at that path: the simulator's control endpoint is one.
    return status === '404' ? { reason, hint: 'that looks like the simulator\'s control URL (its second line): --server takes its first line, the ws:// URL' } : { reason };
  }
  if (!tls && (code === 'ECONNRESET' || message === 'socket hang up')) {
    return { reason: 'the server closed the connection during the WebSocket upgrade', hint: `if it speaks TLS, use wss://: --server ${withScheme(url, 'wss')}` };
  }
  return { reason: message };
}

/** The URL's host, or the URL itself when it does not parse. */
function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
