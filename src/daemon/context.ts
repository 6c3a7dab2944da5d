import type { EventLog } from '../session/event-log.js';
import type { Session } from '../session/session.js';
import type { Jobs } from './jobs.js';
import type { ProfilePaths } from './paths.js';

/** What a command run inside the session server for a profile with a session can reach. */
export interface DaemonContext {
  profile: string;
  paths: ProfilePaths;
  session: Session;
  log: EventLog;
  /**
   * The event log's sequence number when this profile's previous command was sent, moved on past
   * each event `aapi wait` returns: `wait` looks only at events after it.
   */
  waitMark: number;
  /** The connection as it is: up since, or reconnecting since (how many attempts, the last error). */
  connection: Connection;
  /** Resolves when this profile's session has ended: the commands still running for it (wait, events --follow) stop. */
  ended: Promise<void>;
  /** Logs off (when asked) and ends this profile's session once the current command has answered. */
  shutdown(why: string, logoff: boolean): Promise<void>;
}

export type Connection =
  | { state: 'connected'; since: string }
  | { state: 'reconnecting'; since: string; attempts: number; lastError: string };

/** What a command run inside the session server can reach whatever its profile: the server itself. */
export interface ServerControl {
  pid: number;
  /** The batch jobs running in the server, and those that ended lately. */
  jobs: Jobs;
  /** The profiles with a session, by name. */
  profiles(): DaemonContext[];
  /** Every profile logs off; the server ends once the current command has answered. */
  logoutAll(why: string): Promise<string[]>;
}

/** What the injected command runner returns for a command line that must run in the caller's own process: the server answers {local}. */
export const RUN_LOCALLY = -1;

/** The answer to a start (`aapi login`): on the first server's status pipe, or over the socket. */
export type StartReport =
  | { ok: true; sid: number; agent: string; server: string }
  | { ok: false; exitCode: number; error: string; hint?: string; running?: boolean };

/** What `aapi login` hands the server (on its stdin, or over the socket after the handshake; never in argv or the environment). */
export interface StartSession {
  url: string;
  agent: string;
  password: string;
  extension?: string;
  tenant?: string;
  campaign?: string;
  secondFactor?: string;
  storeDevice?: number;
  insecure?: boolean;
  /** The certificates of --ca (PEM), read by the client: a path would mean another directory here. */
  ca?: string;
  timeoutMs?: number;
  keepAliveMs?: number;
}
