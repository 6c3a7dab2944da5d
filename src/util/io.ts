import type { Readable, Writable } from 'node:stream';

/** What a command may touch of the outside world, injected so tests (and the daemon) can drive commands in-process. */
export interface IO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Whether each stream is a terminal, and its width: the daemon runs commands for a caller elsewhere. */
  tty: { stdin: boolean; stdout: boolean; stderr: boolean; columns?: number };
  /** Resolves when the user asks the command to stop (Ctrl-C, SIGTERM, the caller going away). */
  interrupted: Promise<void>;
}

export function processIO(): IO {
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    tty: { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY, columns: process.stdout.columns },
    interrupted,
  };
}
