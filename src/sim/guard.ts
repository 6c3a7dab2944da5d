import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

// Who may reach the simulator on a developer's machine. Any web page the developer opens can make
// the browser talk to 127.0.0.1: a POST with a text/plain body needs no preflight, and a page whose
// name is re-bound to 127.0.0.1 (DNS rebinding) reads the answers as its own. A browser always says
// who it is in `Origin`, and a re-bound page still sends its own name in `Host`: both are checked.

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether an address to listen on (or a host name) is this machine's own only. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** `scheme://host[:port]`, lowercased, the scheme's default port left out; undefined when `text` is no origin. */
export function normaliseOrigin(text: string): string | undefined {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return undefined;
  }
  const bare = (u.pathname === '' || u.pathname === '/') && !u.search && !u.hash && !u.username && !u.password;
  return u.host && bare ? `${u.protocol}//${u.host}`.toLowerCase() : undefined;
}

/** The name in a Host header, its port left out (any port: a forwarded one is as local). */
function hostName(header: string | undefined): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec((header ?? '').trim().toLowerCase());
  return m?.[1];
}

export interface Gate {
  /** The names a Host header may carry; undefined: any (listening on the network, clients use its address). */
  hosts?: ReadonlySet<string>;
  /** Normalised origins let in besides requests with none (which come from no browser); undefined: no browser at all. */
  origins?: ReadonlySet<string>;
}

/** The gate of the WebSocket listening on `host`. */
export function socketGate(host: string, allowOrigins: readonly string[] = []): Gate {
  const origins = new Set<string>();
  for (const o of allowOrigins) {
    const n = normaliseOrigin(o);
    if (!n) throw new Error(`not an origin (scheme://host[:port]): ${JSON.stringify(o)}`);
    origins.add(n);
  }
  const own = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { hosts: isLoopback(host) ? new Set([...LOOPBACK_NAMES, own.toLowerCase()]) : undefined, origins };
}

/** The control endpoint's: always on loopback, and no browser may use it. */
export const CONTROL_GATE: Gate = { hosts: new Set(LOOPBACK_NAMES) };

/** Why `req` is refused, in one line; undefined when it may pass. `who` is what refuses it. */
export function refusal(gate: Gate, req: IncomingMessage, who = 'simulator'): string | undefined {
  const host = req.headers.host;
  if (gate.hosts && !gate.hosts.has(hostName(host) ?? '')) {
    return `Host ${JSON.stringify(host ?? '')} is not one of ${[...gate.hosts].join(', ')}: this ${who} serves only this machine`;
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (!gate.origins) return `the control endpoint takes no requests from web pages (Origin ${JSON.stringify(origin)})`;
  if (gate.origins.has(normaliseOrigin(origin) ?? '')) return undefined;
  return `Origin ${JSON.stringify(origin)} is not allowed: start the ${who} with --allow-origin ${normaliseOrigin(origin) ?? 'URL'} to let that page in`;
}
