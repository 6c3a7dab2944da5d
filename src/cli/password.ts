import type { Readable } from 'node:stream';
import { CliError, EXIT, usageError } from '../util/exit.js';
import type { IO } from '../util/io.js';

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/** How to give a password; a flag is not one of them (it would show in `ps` and shell history). */
export const PASSWORD_WAYS = 'set AAPI_PASSWORD, pipe it with --password-stdin, or run on a terminal to be asked';

/**
 * The password from --password-stdin, AAPI_PASSWORD, or a masked prompt on a terminal; undefined when
 * there is none of them. Ctrl-C at the prompt is exit 130.
 */
export async function readPassword(fromStdin: boolean, io: Pick<IO, 'stdin' | 'stderr' | 'env' | 'tty'>): Promise<string | undefined> {
  if (fromStdin) return (await readAll(io.stdin)).replace(/\r?\n$/, '');
  if (io.env.AAPI_PASSWORD !== undefined) return io.env.AAPI_PASSWORD;
  if (!io.tty.stdin) return undefined;
  const { default: Enquirer } = await import('enquirer');
  try {
    const answer = (await new Enquirer({ stdin: io.stdin, stdout: io.stderr } as never).prompt({
      type: 'password', name: 'password', message: 'Password',
    })) as { password: string };
    return answer.password;
  } catch {
    // enquirer rejects (with an empty reason) when the prompt is cancelled
    throw new CliError('cancelled', EXIT.interrupted);
  }
}

/** `--password X`: refused, so that no script keeps a password where `ps` shows it. */
export function refusePasswordFlag(given: unknown): void {
  if (given !== undefined) throw usageError(`--password is refused: a password on the command line shows in \`ps\` and shell history; ${PASSWORD_WAYS}`);
}
