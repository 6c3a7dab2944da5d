import { existsSync, readFileSync } from 'node:fs';
import type { DaemonContext } from '../daemon/context.js';
import { alive, DialError, readLock } from '../daemon/dial.js';
import { DaemonPipe } from '../daemon/pipe-client.js';
import type { Json } from '../protocol/codec.js';
import { PROFILE_NAME, profilePaths } from '../daemon/paths.js';
import { ConnectFailed, ConnectionLost, FrameTooLarge, InvalidRequest, RequestTimeout, SessionClosed } from '../session/errors.js';
import { CliError, EXIT } from '../util/exit.js';
import type { IO } from '../util/io.js';

/** The daemon a session command needs; without one, exit 3 with a one-line hint (and why the last one ended). */
export function needDaemon(daemon: DaemonContext | undefined, profile: string, io: IO): DaemonContext {
  if (daemon) return daemon;
  if (!PROFILE_NAME.test(profile)) throw new CliError(`profile names are letters, digits, ".", "_" and "-", got ${JSON.stringify(profile)}`, EXIT.usage);
  const paths = profilePaths(profile, io.env);
  let why = '';
  // A lock left behind: its daemon was killed (kill -9, Task Manager) or crashed, and wrote no last exit.
  const lock = readLock(paths.lock);
  const pid = lock?.kind === 'record' ? lock.record.pid : lock?.kind === 'old' ? lock.pid : undefined;
  if (pid !== undefined && !alive(pid)) why = `; its daemon (PID ${pid}) is gone: it was killed, or it crashed`;
  else if (existsSync(paths.lastExit)) {
    try {
      why = `; the last one ended: ${(JSON.parse(readFileSync(paths.lastExit, 'utf8')) as { why: string }).why}`;
    } catch {
      // no reason recorded
    }
  }
  const flag = profile === 'default' ? '' : ` --profile ${profile}`;
  throw new CliError(`no session for profile ${profile}${why}: run \`aapi login${flag}\``, EXIT.connection);
}

/** Session failures as the contract's exit codes (server ERRORs are reported by the command itself). */
export function fromSessionError(err: unknown): CliError | undefined {
  if (err instanceof RequestTimeout) return new CliError(err.message, EXIT.timeout);
  // Refused before it was sent: the input is what must change (or --max-frame).
  if (err instanceof FrameTooLarge) return new CliError(err.message, EXIT.usage);
  if (err instanceof InvalidRequest) return new CliError(err.message, EXIT.usage);
  if (err instanceof ConnectFailed) return new CliError(err.message, EXIT.connection, err.hint);
  if (err instanceof ConnectionLost || err instanceof SessionClosed) return new CliError(err.message, EXIT.connection);
  return undefined;
}

/** The profile's daemon pipe, for batch jobs and the attached console: exit 3 when there is none or it cannot be trusted. */
export async function openPipe(profile: string, io: IO, timeoutMs: number, onEvent?: (event: Json) => void): Promise<DaemonPipe> {
  let pipe: DaemonPipe | undefined;
  try {
    pipe = await DaemonPipe.open(profilePaths(profile, io.env), timeoutMs, onEvent);
  } catch (err) {
    if (err instanceof DialError) throw new CliError(err.message, EXIT.connection);
    throw err;
  }
  if (!pipe) needDaemon(undefined, profile, io);
  return pipe!;
}
