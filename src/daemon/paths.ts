import { homedir } from 'node:os';
import { join } from 'node:path';

// Where each profile's files live, and the session server's. Kept free of heavy imports: the thin
// client loads it on every call.

export interface ProfilePaths {
  profile: string;
  /** Directory of the session server's socket and lock: mode 0700, owned by the user. */
  runDir: string;
  /** The session server's Unix socket, one for every profile; '' on Windows, where the lock names the pipe. */
  socket: string;
  /** The session server's lock: its PID, instance, socket and the handshake's secret. */
  lock: string;
  /** What the session server did (starts, faults, ends), beside the profiles' folders. */
  serverLog: string;
  /** The lock of this profile's daemon in the design before the one server (found, and named). */
  oldLock: string;
  /** Directory of the profile's files: event log, daemon log, remembered device, last exit. */
  stateDir: string;
  events: string;
  log: string;
  device: string;
  lastExit: string;
}

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** AAPI_HOME when set; otherwise the platform's places (XDG on Linux, LOCALAPPDATA on Windows). */
export function profilePaths(profile: string, env: NodeJS.ProcessEnv = process.env): ProfilePaths {
  const home = env.AAPI_HOME;
  const win = process.platform === 'win32';
  let runDir: string;
  let stateRoot: string;
  if (home) {
    runDir = join(home, 'run');
    stateRoot = join(home, 'profiles');
  } else if (win) {
    const base = env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local');
    runDir = join(base, 'aapi', 'run');
    stateRoot = join(base, 'aapi', 'profiles');
  } else {
    // Not /tmp without XDG_RUNTIME_DIR: another user could make that folder first.
    const state = join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'aapi');
    runDir = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'aapi') : join(state, 'run');
    stateRoot = join(state, 'profiles');
  }
  const stateDir = join(stateRoot, profile);
  // Windows has no Unix sockets in the file system: each daemon makes a named pipe of a random name
  // and records it in its lock (dial.ts).
  const socket = win ? '' : join(runDir, 'aapi.sock');
  return {
    profile,
    runDir,
    socket,
    lock: join(runDir, 'aapi.lock'),
    serverLog: join(stateRoot, '..', 'server.log'),
    oldLock: join(runDir, `${profile}.lock`),
    stateDir,
    events: join(stateDir, 'events.jsonl'),
    log: join(stateDir, 'daemon.log'),
    device: join(stateDir, 'device.json'),
    lastExit: join(stateDir, 'last-exit.json'),
  };
}

/** The profile a command line names: --profile X, --profile=X, else AAPI_PROFILE, else default. */
export function profileOf(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === '--profile' && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith('--profile=')) return argv[i].slice('--profile='.length);
  }
  return env.AAPI_PROFILE || 'default';
}
