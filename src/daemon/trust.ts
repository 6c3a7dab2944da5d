import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';

// Who may be trusted with the session: the run directory and the socket in it are checked, with
// lstat (a symlink is never followed), before every use, by the client before it connects and by
// the daemon before it listens, as gpg-agent and ssh's ControlMaster do. Windows has no such modes:
// its named pipes are checked by the handshake alone (wire.ts).

/** A file or folder that is not the user's own and private: refused with a line naming it (exit 3). */
export class Untrusted extends Error {}

const win = process.platform === 'win32';
const uid = () => (typeof process.getuid === 'function' ? process.getuid() : -1);

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Why `st` (of `path`, a directory) cannot be trusted, or undefined when it can. */
function dirProblem(path: string, st: Stats): string | undefined {
  if (st.isSymbolicLink()) return `${path} is a symbolic link, not a directory of its own`;
  if (!st.isDirectory()) return `${path} is not a directory`;
  if (st.uid !== uid()) return `${path} belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o077) !== 0) return `${path} is open to other users (mode ${(st.mode & 0o777).toString(8)}): if it is yours and holds nothing of theirs, \`chmod 700\` it`;
  return undefined;
}

/**
 * The client's check of the run directory: true when it is the user's own private directory, false
 * when it does not exist (no session); anything else throws Untrusted.
 */
export function checkRunDir(dir: string): boolean {
  if (win) return true;
  const st = lstatOrUndefined(dir);
  if (!st) return false;
  // The user's own real directory that nobody else can write into (made with a usual umask): closed,
  // as the server would close it. One others could write into may hold what they put there: refused.
  if (st.isDirectory() && !st.isSymbolicLink() && st.uid === uid() && (st.mode & 0o022) === 0 && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const problem = dirProblem(dir, lstatSync(dir));
  if (problem) throw new Untrusted(`refusing the session directory: ${problem}`);
  return true;
}

/** The daemon's: creates the run directory 0700, makes a directory of the user's own private, refuses anything else. */
export function ensureRunDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (win) return;
  const st = lstatSync(dir);
  // Our own real directory, only too open (an old umask): closed, as ssh does with its own files.
  if (st.isDirectory() && !st.isSymbolicLink() && st.uid === uid() && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const problem = dirProblem(dir, lstatSync(dir));
  if (problem) throw new Untrusted(`refusing the session directory: ${problem}`);
}

/** The client's check of the socket: true when it is the user's, false when there is none. */
export function checkSocket(path: string): boolean {
  if (win) return true;
  const st = lstatOrUndefined(path);
  if (!st) return false;
  if (!st.isSocket()) throw new Untrusted(`refusing ${path}: it is not a socket`);
  if (st.uid !== uid()) throw new Untrusted(`refusing ${path}: it belongs to another user (uid ${st.uid})`);
  return true;
}

/** The longest path a Unix socket may have here (sun_path is 108 bytes on Linux, 104 on macOS, with its NUL). */
export const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;

export function checkSocketPath(path: string): void {
  if (win) return;
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH) {
    throw new Untrusted(`the session socket ${path} is ${bytes} bytes long, over the system's limit of ${MAX_SOCKET_PATH}: set AAPI_HOME (or XDG_RUNTIME_DIR) to a shorter folder`);
  }
}
