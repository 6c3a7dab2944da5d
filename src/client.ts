import { existsSync } from 'node:fs';
import { forward } from './daemon/forward.js';
import { PROFILE_NAME, profileOf, profilePaths } from './daemon/paths.js';
import { forwardedEnv } from './daemon/wire.js';
import { commandIndex, runsLocally } from './cli/surface/routing.js';
import { EXIT } from './util/exit.js';

// The `aapi` entry point. A command for a live session is handed to the profile's daemon, which is
// warm and runs it in-process; this file stays tiny so that hand-off costs little more than
// starting Node. Everything else (and any command when no daemon answers) loads the full CLI.

async function full(): Promise<void> {
  const { run } = await import('./cli/main.js');
  await run();
}

export async function start(): Promise<void> {
  const argv = process.argv.slice(2);
  const command = argv[commandIndex(argv)];
  const local = command === undefined || runsLocally(command) || argv.some((a) => a === '--help' || a === '-h' || a === '--version');
  const profile = profileOf(argv);
  // A name that is no profile's: the full CLI says so (exit 2).
  if (local || !PROFILE_NAME.test(profile)) return full();
  // The password goes to the daemon only for the verb that sends it (authenticate, any spelling).
  const authenticate = command.replace(/-/g, '').toLowerCase() === 'authenticate';
  const env = forwardedEnv(process.env, authenticate);
  const paths = profilePaths(profile);
  // Asked here, on the caller's terminal or stdin, and only when there is a server to send it to.
  if (authenticate && env.AAPI_PASSWORD === undefined && existsSync(paths.lock)) {
    const { readPassword } = await import('./cli/main.js');
    const io = { stdin: process.stdin, stderr: process.stderr, env: process.env, tty: { stdin: !!process.stdin.isTTY, stdout: false, stderr: false } };
    try {
      const given = await readPassword(argv.includes('--password-stdin'), io);
      if (given !== undefined) env.AAPI_PASSWORD = given;
    } catch {
      process.exitCode = EXIT.interrupted;
      return;
    }
  }
  // The server's spinner is drawn on this terminal: the line it was on goes with it, or the shell's
  // prompt would come back after a frame of it.
  process.once('SIGINT', () => {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.exit(EXIT.interrupted);
  });
  const code = await forward(
    paths,
    {
      argv, env, cwd: process.cwd(),
      tty: { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY, columns: process.stdout.columns },
    },
    { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
  );
  if (code === 'absent') return full();
  if (typeof code === 'number') {
    process.exitCode = code;
    return;
  }
  process.stderr.write(`aapi: ${code.message}\n`);
  process.exitCode = EXIT.connection;
}
