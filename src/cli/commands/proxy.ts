import { Chalk } from 'chalk';
import { closeSync, openSync, writeFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { DEFAULT_CHECKS } from '../../proxy/checker.js';
import { logLine, type FrameEntry } from '../../proxy/log.js';
import { hasErrors, PROXY_REPORTERS, renderReport, type ProxyReporter } from '../../proxy/report.js';
import { startProxy, type Proxy } from '../../proxy/server.js';
import { Watch } from '../../proxy/watch.js';
import { normaliseOrigin } from '../../sim/guard.js';
import { connectionError, EXIT, usageError } from '../../util/exit.js';
import type { IO } from '../../util/io.js';
import { portOf } from './sim.js';

// `aapi proxy`: an AAPI-aware WebSocket proxy. Line 1 of stdout is its URL; the live log goes to
// stderr (with --json, its entries to stdout), the conformance report at the end to --out or stderr.

export interface ProxyArgs {
  upstream?: string;
  host: string;
  port: unknown;
  tls: boolean;
  certOut?: string;
  insecure: boolean;
  /** The PEM text of --ca (or AAPI_CA), already read. */
  ca?: string;
  log?: string;
  record?: string;
  reporter: string;
  out?: string;
  once: boolean;
  json: boolean;
  color: boolean;
  ackWithinMs?: number;
  keepAliveWithinMs?: number;
  allowOrigins: string[];
}

function upstreamUrl(text: string | undefined): string {
  if (!text) throw usageError('name the AAPI to forward to: aapi proxy --upstream ws://127.0.0.1:8787 (or wss://host)');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw usageError(`--upstream takes a ws:// or wss:// URL, got ${JSON.stringify(text)}`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw usageError(`--upstream takes a ws:// or wss:// URL, got ${JSON.stringify(text)}`);
  return text;
}

/** A file the proxy will write, checked now: found only at the end, the session would be lost. */
function writable(flag: string, file: string | undefined): void {
  if (file === undefined) return;
  try {
    closeSync(openSync(file, 'a'));
  } catch (err) {
    throw usageError(`cannot write ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export async function runProxy(args: ProxyArgs, io: IO): Promise<number> {
  const upstream = upstreamUrl(args.upstream);
  const port = portOf('--port', args.port);
  if (!(PROXY_REPORTERS as string[]).includes(args.reporter)) throw usageError(`--reporter takes ${PROXY_REPORTERS.join(', ')}, got ${JSON.stringify(args.reporter)}`);
  for (const o of args.allowOrigins) {
    if (!normaliseOrigin(o)) throw usageError(`--allow-origin takes an origin, scheme://host[:port] (https://app.example.com), got ${JSON.stringify(o)}`);
  }
  for (const [flag, file] of [['--log', args.log], ['--record', args.record], ['--out', args.out], ['--cert-out', args.certOut]] as const) writable(flag, file);
  const colour = args.color && !io.env.NO_COLOR && (io.tty.stderr || !!io.env.FORCE_COLOR);
  const chalk = new Chalk({ level: colour ? 1 : 0 });
  const say = (line: string) => io.stderr.write(`aapi proxy: ${line}\n`);

  const file: WriteStream | undefined = args.log ? createWriteStream(args.log) : undefined;
  file?.on('error', (err) => say(`cannot write --log ${args.log}: ${err.message}`));
  const log = (e: FrameEntry) => {
    const line = JSON.stringify(e);
    file?.write(`${line}\n`);
    if (args.json) io.stdout.write(`${line}\n`);
    else io.stderr.write(`${logLine(e, chalk)}\n`);
  };
  const watch = new Watch({
    checks: { ackWithinMs: args.ackWithinMs ?? DEFAULT_CHECKS.ackWithinMs, keepAliveWithinMs: args.keepAliveWithinMs ?? DEFAULT_CHECKS.keepAliveWithinMs },
    log, record: args.record !== undefined,
  });

  let firstGone: () => void = () => {};
  const ended = new Promise<void>((resolve) => (firstGone = resolve));
  let proxy: Proxy;
  try {
    proxy = await startProxy({
      upstream, host: args.host, port, tls: args.tls, insecure: args.insecure, ca: args.ca, allowOrigins: args.allowOrigins,
      connected: (id, peer) => {
        const tap = watch.connection(id, peer);
        return { frame: tap.frame, closed: () => (tap.closed(), firstGone()) };
      },
      upstreamFailed: (id, problem) => {
        watch.failed(id, '-', problem.reason);
        say(`cannot connect to the upstream ${upstream}: ${problem.reason}${problem.hint ? `; ${problem.hint}` : ''}`);
        firstGone();
      },
      refused: say,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') throw connectionError(`cannot listen on ${args.host}:${port}: ${e.code}`);
    throw err;
  }
  if (args.certOut && proxy.certificate) writeFileSync(args.certOut, proxy.certificate);
  io.stdout.write(`${proxy.url}\n`);
  say(`listening on ${proxy.url}, forwarding each client to ${upstream}${args.once ? ' (until the first client disconnects)' : ''}`);
  const ticker = setInterval(() => watch.tick(), 1000);
  ticker.unref();
  await Promise.race([io.interrupted, ...(args.once ? [ended] : [])]);
  clearInterval(ticker);
  await proxy.close();

  const conns = watch.report();
  const report = renderReport(args.reporter as ProxyReporter, conns, args.out ? new Chalk({ level: 0 }) : chalk);
  if (args.out) writeFileSync(args.out, report);
  else io.stderr.write(report);
  if (args.record && watch.recorder) {
    const trust = args.insecure ? ' --insecure' : '';
    const replay = [...[...watch.recorder.env].map((n) => `${n}=...`), `aapi run --server ${shellWord(upstream)}${trust} ${shellWord(args.record)}`].join(' ');
    writeFileSync(args.record, watch.recorder.recipe('recorded by aapi proxy', 'aapi proxy', replay, new Date()));
  }
  if (file) await new Promise<void>((resolve) => file.end(resolve));
  return watch.upstreamFailed() ? EXIT.connection : hasErrors(conns) ? EXIT.failed : EXIT.ok;
}
