import { clearLine, cursorTo, moveCursor } from 'node:readline';
import { Json5Error, parseJson5 } from '../../util/json5.js';
import { EVENTS, resolveEvent } from '../../protocol/catalogue.js';
import type { Json } from '../../protocol/codec.js';
import { EventLog, type LoggedEvent } from '../../session/event-log.js';
import { profilePaths } from '../../daemon/paths.js';
import { CliError, EXIT, usageError } from '../exit.js';
import type { CommandEnv } from '../main.js';
import { needDaemon } from '../session-errors.js';
import { didYouMean } from '../suggest.js';
import { send } from './verb.js';

// The commands about the session rather than one verb: logout, status, events, wait, send.

export async function logout(env: CommandEnv, all = false): Promise<number> {
  if (all) {
    const names = env.server ? await env.server.logoutAll('logged out (aapi logout --all)') : [];
    if (env.out.machine) env.out.json({ loggedOut: names });
    else env.out.info(names.length ? `logged out of ${names.map((n) => `profile ${n}`).join(', ')}; the session server ends` : 'no session to log out of');
    return 0;
  }
  if (!env.daemon) {
    env.out.info(`profile ${env.profile}: not logged in`);
    return 0;
  }
  await env.daemon.shutdown('logged out (aapi logout)', true);
  if (env.out.machine) env.out.json({ profile: env.profile, loggedOut: true });
  else env.out.info(`logged out of profile ${env.profile}`);
  return 0;
}

export function status(env: CommandEnv): number {
  if (!env.daemon) {
    if (env.opts.json) env.out.json({ profile: env.profile, loggedIn: false });
    needDaemon(undefined, env.profile, env.io);
  }
  const d = env.daemon!;
  const s = d.session;
  const sessions = Object.fromEntries([...s.view.sessions].map(([i, v]) => [i, v]));
  const info = {
    profile: d.profile, server: s.url, agent: s.agent, SID: s.sid,
    connectedSince: s.connectedSince?.toISOString() ?? null, connection: d.connection, state: s.view.state, sessions,
    events: { recorded: d.log.lastSeq, pending: s.pendingAcks },
  };
  if (env.out.machine) {
    env.out.json(info);
    return 0;
  }
  const c = env.out.c;
  const row = (k: string, v: string) => env.out.line(`${c.cyan(k.padEnd(16))}${v}`);
  row('profile', info.profile);
  row('server', info.server);
  row('agent', info.agent);
  row('SID', String(info.SID));
  const conn = d.connection;
  row('connection', conn.state === 'connected' ? `connected since ${conn.since}` : `reconnecting (since ${conn.since}, ${conn.attempts} attempts, last error: ${conn.lastError})`);
  row('connected since', info.connectedSince ?? '-');
  row('state', c.bold(info.state));
  row('sessions', s.view.sessions.size ? [...s.view.sessions].map(([i, v]) => `${i}: ${v.phase} since ${v.since}`).join(', ') : 'none');
  row('events', `${info.events.recorded} recorded, ${info.events.pending} awaiting acknowledgement`);
  return 0;
}

function printEvent(env: CommandEnv, e: LoggedEvent): void {
  if (env.out.machine) return env.out.json(e);
  const { event: name, RID: _rid, ...fields } = e.event;
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  env.out.line(`${env.out.c.dim(`#${e.seq} ${e.time}`)} ${env.out.c.bold(String(name))}${rest ? ` ${rest}` : ''}`);
}

/** Recorded events; with --follow, then every new one until interrupted. Without a daemon, the log on disk. */
export async function events(env: CommandEnv, since: number, follow: boolean): Promise<number> {
  const log = env.daemon?.log ?? new EventLog(profilePaths(env.profile, env.io.env).events);
  for (const e of log.since(since)) printEvent(env, e);
  if (!follow) return 0;
  needDaemon(env.daemon, env.profile, env.io);
  const stop = log.follow((e) => printEvent(env, e));
  await env.io.interrupted;
  stop();
  return 0;
}

/** `data.URN=1234` against an event: dotted paths into nested objects, compared as text. */
function parseWhere(items: string[]): [string[], string][] {
  return items.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw usageError(`--where takes KEY=VALUE (dots for nested keys: data.URN=1234), got ${JSON.stringify(w)}`);
    return [w.slice(0, eq).split('.'), w.slice(eq + 1)];
  });
}

function valueAt(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Json)[k] : undefined), obj);
}

/**
 * The first matching event after this profile's previous command was sent (so `aapi go-available &&
 * aapi wait NowWaiting` never misses a fast event); exit 4 on timeout.
 */
export async function wait(env: CommandEnv, name: string, where: string[]): Promise<number> {
  const event = resolveEvent(name);
  if (!event) throw usageError(`unknown event ${JSON.stringify(name)}${didYouMean(name, [...EVENTS, 'ChatMessage'])}`);
  const conditions = parseWhere(where);
  const d = needDaemon(env.daemon, env.profile, env.io);
  const mark = d.waitMark;
  let sessionEnded = false;
  void d.ended?.then(() => (sessionEnded = true));
  const matches = (e: LoggedEvent) =>
    e.seq > mark && resolveEvent(String(e.event.event)) === event && conditions.every(([path, v]) => String(valueAt(e.event, path)) === v);
  let found = d.log.since(mark).find(matches);
  if (!found) {
    let stop = () => {};
    let timer: NodeJS.Timeout | undefined;
    // Followed before anything is awaited: an event recorded meanwhile is not missed.
    const arrival = new Promise<LoggedEvent | undefined>((resolve) => {
      stop = d.log.follow((e) => matches(e) && resolve(e));
      timer = setTimeout(() => resolve(undefined), env.timeoutMs);
      void env.io.interrupted.then(() => resolve(undefined));
    });
    const spinner = env.io.tty.stderr && !env.opts.json ? await spin(`waiting for ${event}`, env.io.stderr, env.io.tty.columns) : undefined;
    found = await arrival;
    stop();
    clearTimeout(timer);
    spinner?.stop();
  }
  if (!found && (sessionEnded || d.session.isOpen === false)) throw new CliError(`the session of profile ${d.profile} ended while waiting for ${event}`, EXIT.connection);
  if (!found) throw new CliError(`timed out after ${env.timeoutMs} ms waiting for ${event}`, EXIT.timeout);
  d.waitMark = found.seq;
  if (env.out.machine) env.out.json(found.event);
  else env.out.message(found.event, `${event} (#${found.seq})`);
  return 0;
}

/** `aapi send '<JSON5 object>'`: any message; RID and SID are filled in unless given. */
export async function sendRaw(env: CommandEnv, text: string): Promise<number> {
  let msg: unknown;
  try {
    msg = parseJson5(text);
  } catch (err) {
    if (!(err instanceof Json5Error)) throw err;
    throw usageError(`malformed JSON5: ${err.message}`);
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) throw usageError('aapi send takes a JSON5 object');
  if (typeof (msg as Json).type !== 'string') throw usageError('the message has no "type"');
  return send(msg as Json, env);
}

/** ora sets up Intl.Segmenter when it is loaded (about 10 ms): it is loaded only to show a spinner. */
async function spin(text: string, stream: NodeJS.WritableStream, columns: number | undefined) {
  const { default: ora } = await import('ora');
  // Through the daemon, a hidden cursor would stay hidden if the client went first (Ctrl-C); and the
  // daemon's own stdin is not the user's.
  return ora({ text, stream: asTerminal(stream, columns), isEnabled: true, hideCursor: false, discardStdin: false }).start();
}

/**
 * Run by the daemon, a command writes to the caller's terminal through the client: its stream is no
 * TTY, and ora would neither clear nor redraw its line. Made to act as one, it moves the cursor with
 * the escape codes a terminal would get.
 */
function asTerminal(stream: NodeJS.WritableStream, columns: number | undefined): NodeJS.WritableStream {
  if ((stream as { isTTY?: boolean }).isTTY) return stream;
  const terminal = {
    isTTY: true,
    columns: columns ?? 80,
    write: (chunk: string, ...rest: unknown[]) => (stream.write as (...a: unknown[]) => boolean)(chunk, ...rest),
    cursorTo: (x: number, y?: number) => cursorTo(stream, x, y),
    clearLine: (dir: -1 | 0 | 1) => clearLine(stream, dir),
    moveCursor: (dx: number, dy: number) => moveCursor(stream, dx, dy),
    once: (event: string, fn: () => void) => (stream.once(event, fn), terminal),
    removeListener: (event: string, fn: () => void) => (stream.removeListener(event, fn), terminal),
  };
  return terminal as unknown as NodeJS.WritableStream;
}
