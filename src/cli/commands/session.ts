import { Json5Error, parseJson5 } from '../../util/json5.js';
import { EVENTS, resolveEvent } from '../../protocol/catalogue.js';
import type { Json } from '../../protocol/codec.js';
import type { Connection, DaemonContext } from '../../daemon/context.js';
import { EventLog, type LoggedEvent } from '../../session/event-log.js';
import { profilePaths } from '../../daemon/paths.js';
import { CliError, EXIT, usageError } from '../../util/exit.js';
import type { CommandEnv } from '../main.js';
import { needDaemon } from '../session-errors.js';
import { didYouMean } from '../../util/suggest.js';
import { spin } from '../spinner.js';
import { send } from './verb.js';
import { isObject } from '../../util/object.js';
import { splitKeyValue } from '../../util/key-value.js';

// The commands about the session rather than one verb: logout, status, events, wait, send.

export async function logout(env: CommandEnv, all = false): Promise<number> {
  if (all) {
    const names = env.server ? await env.server.logoutAll('logged out (aapi logout --all)') : [];
    if (env.out.machine) env.out.json({ loggedOut: names });
    else env.out.info(names.length ? `logged out of ${names.map((n) => `profile ${n}`).join(', ')}; the session server ends` : 'no session to log out of');
    return EXIT.ok;
  }
  if (!env.daemon) {
    env.out.info(`profile ${env.profile}: not logged in`);
    return EXIT.ok;
  }
  await env.daemon.shutdown('logged out (aapi logout)', true);
  if (env.out.machine) env.out.json({ profile: env.profile, loggedOut: true });
  else env.out.info(`logged out of profile ${env.profile}`);
  return EXIT.ok;
}

function infoOf(d: DaemonContext) {
  const s = d.session;
  return {
    profile: d.profile, server: s.url, agent: s.agent, SID: s.sid,
    connectedSince: s.connectedSince?.toISOString() ?? null, connection: d.connection, state: s.view.state,
    sessions: Object.fromEntries(s.view.sessions),
    events: { recorded: d.log.lastSeq, pending: s.pendingAcks },
  };
}

function connectionWords(conn: Connection): string {
  return conn.state === 'connected' ? `connected since ${conn.since}` : `reconnecting (since ${conn.since}, ${conn.attempts} attempts, last error: ${conn.lastError})`;
}

export function status(env: CommandEnv, all = false): number {
  if (all) return statusAll(env);
  if (!env.daemon) {
    if (env.opts.json) env.out.json({ profile: env.profile, loggedIn: false });
    needDaemon(undefined, env.profile, env.io);
  }
  const d = env.daemon!;
  const info = infoOf(d);
  if (env.out.machine) {
    env.out.json(info);
    return EXIT.ok;
  }
  const c = env.out.c;
  const row = (k: string, v: string) => env.out.line(`${c.cyan(k.padEnd(16))}${v}`);
  row('profile', info.profile);
  row('server', info.server);
  row('agent', info.agent);
  row('SID', String(info.SID));
  row('connection', connectionWords(d.connection));
  row('connected since', info.connectedSince ?? '-');
  row('state', c.bold(info.state));
  row('sessions', d.session.view.sessions.size ? [...d.session.view.sessions].map(([i, v]) => `${i}: ${v.phase} since ${v.since}`).join(', ') : 'none');
  row('events', `${info.events.recorded} recorded, ${info.events.pending} awaiting acknowledgement`);
  return EXIT.ok;
}

/** `status --all`: every profile the session server holds, one line each (with --json, an array). */
function statusAll(env: CommandEnv): number {
  const infos = (env.server?.profiles() ?? []).map(infoOf).sort((a, b) => a.profile.localeCompare(b.profile));
  if (env.out.machine) {
    env.out.json(infos);
    return EXIT.ok;
  }
  if (!infos.length) {
    env.out.info('no session: no profile is logged in (`aapi login`)');
    return EXIT.ok;
  }
  const rows = [['PROFILE', 'AGENT', 'SID', 'STATE', 'CONNECTION'], ...infos.map((i) => [i.profile, i.agent, String(i.SID), i.state, connectionWords(i.connection)])];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  for (const [n, r] of rows.entries()) {
    const text = r.map((cell, col) => (col < r.length - 1 ? cell.padEnd(widths[col] + 2) : cell)).join('');
    env.out.line(n === 0 ? env.out.c.bold(text) : text);
  }
  return EXIT.ok;
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
  if (!follow) return EXIT.ok;
  needDaemon(env.daemon, env.profile, env.io);
  const stop = log.follow((e) => printEvent(env, e));
  await env.io.interrupted;
  stop();
  return EXIT.ok;
}

/** `data.URN=1234` against an event: dotted paths into nested objects, compared as text. */
function parseWhere(items: string[]): [string[], string][] {
  return items.map((w) => {
    const [path, value] = splitKeyValue(w, '--where takes KEY=VALUE (dots for nested keys: data.URN=1234)');
    return [path.split('.'), value];
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
  const named = (e: LoggedEvent) => resolveEvent(String(e.event.event)) === event;
  const fits = (e: LoggedEvent) => conditions.every(([path, v]) => String(valueAt(e.event, path)) === v);
  const matches = (e: LoggedEvent) => e.seq > mark && named(e) && fits(e);
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
  if (!found) throw new CliError(`timed out after ${env.timeoutMs} ms waiting for ${event}${whereWords(where)}${missed(d.log, mark, event, named, fits, conditions)}`, EXIT.timeout);
  d.waitMark = found.seq;
  if (env.out.machine) env.out.json(found.event);
  else env.out.message(found.event, `${event} (#${found.seq})`);
  return EXIT.ok;
}

const whereWords = (where: string[]) => (where.length ? ` with ${where.join(' and ')}` : '');

/**
 * Why a wait with `--where` timed out: the events of that name that did arrive, with their values
 * at the `--where` keys, and a match that came before the previous command, which `wait` does not see.
 */
function missed(log: EventLog, mark: number, event: string, named: (e: LoggedEvent) => boolean, fits: (e: LoggedEvent) => boolean, conditions: [string[], string][]): string {
  if (!conditions.length) return '';
  const text = (v: unknown) => (v === undefined ? '(absent)' : typeof v === 'string' ? v : JSON.stringify(v));
  const shown = (e: LoggedEvent) => `#${e.seq} ${conditions.map(([path]) => `${path.join('.')}=${text(valueAt(e.event, path))}`).join(' ')}`;
  const recent = log.since(0).filter(named);
  const after = recent.filter((e) => e.seq > mark);
  const words = after.length
    ? `; ${after.length} ${event} arrived: ${after.slice(-5).map(shown).join(', ')}${after.length > 5 ? ' (the last 5)' : ''}`
    : `; no ${event} arrived after the previous command`;
  const before = recent.filter((e) => e.seq <= mark && fits(e)).at(-1);
  return before ? `${words}; #${before.seq} matched, but before the previous command (wait sees only later events)` : words;
}

/** `type: "GetTenants"` is an object without its braces: `; did you mean '{type: "GetTenants"}'?`. */
function bracesHint(text: string): string {
  const braced = `{${text.trim()}}`;
  try {
    parseJson5(braced);
  } catch {
    return '';
  }
  return `; did you mean '${braced}'?`;
}

/** `aapi send '<JSON5 object>'`: any message; RID and SID are filled in unless given. */
export async function sendRaw(env: CommandEnv, text: string): Promise<number> {
  let msg: unknown;
  try {
    msg = parseJson5(text);
  } catch (err) {
    if (!(err instanceof Json5Error)) throw err;
    throw usageError(`malformed JSON5: ${err.message}${bracesHint(text)}`);
  }
  if (!isObject(msg)) throw usageError('aapi send takes a JSON5 object');
  if (typeof (msg as Json).type !== 'string') throw usageError('the message has no "type"');
  return send(msg as Json, env);
}
