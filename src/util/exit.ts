// Exit codes of the contract, chosen in one place from typed errors.

export const EXIT = {
  ok: 0,
  /** The server answered ERROR, or a recipe step or batch row failed. */
  failed: 1,
  /** Bad usage or bad input: nothing was sent. */
  usage: 2,
  /** No session, cannot connect, TLS or authentication failure. */
  connection: 3,
  timeout: 4,
  /** A batch job was interrupted (Ctrl-C, `aapi jobs stop`): its output is resumable. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the user caused and can fix; printed as one line, never with a stack, then `hint: ...` when there is one. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode, readonly hint?: string) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const connectionError = (message: string) => new CliError(message, EXIT.connection);
