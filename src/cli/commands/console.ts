import type { ConsoleLogin } from '../../console/ui.js';
import { CliError, EXIT, usageError } from '../../util/exit.js';
import type { CommandEnv } from '../main.js';
import { readCa } from '../ca.js';
import { readPassword } from '../password.js';
import { DEFAULT_SERVER } from './login.js';

export interface ConsoleArgs {
  server?: string;
  insecure?: boolean;
  ca?: string;
  record?: string;
  attach: boolean;
  agent?: string;
  extension?: string;
  tenant?: string;
  campaign?: string;
  secondFactor?: string;
}

/**
 * Who to log in as at start, as `aapi login` takes it (flags, then AAPI_AGENT / AAPI_EXTENSION);
 * undefined without an agent: the console then starts logged out, as the Test Client does.
 */
function loginAtStart(args: ConsoleArgs, env: CommandEnv): Omit<ConsoleLogin, 'password'> | undefined {
  const given = (['agent', 'extension', 'tenant', 'campaign', 'secondFactor'] as const).filter((k) => args[k] !== undefined);
  const named = given.map((k) => `--${k.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`).join(', ');
  if (args.attach) {
    if (given.length) throw usageError(`--attach borrows the session of \`aapi login\`, logged in already: drop ${named}`);
    return undefined;
  }
  const agent = args.agent ?? env.io.env.AAPI_AGENT;
  if (!agent) {
    if (given.length) throw usageError(`${named}: logging in at start needs --agent (or AAPI_AGENT)`);
    return undefined;
  }
  if (!!args.tenant !== !!args.campaign) throw usageError('--tenant and --campaign go together');
  return { agent, extension: args.extension ?? env.io.env.AAPI_EXTENSION ?? '', tenant: args.tenant, campaign: args.campaign, secondFactor: args.secondFactor };
}

/** `aapi console`: the interactive replacement for the Windows API Test Client. */
export async function consoleCommand(args: ConsoleArgs, env: CommandEnv): Promise<number> {
  const { io } = env;
  const who = loginAtStart(args, env);
  if (!io.tty.stdin || !io.tty.stdout) throw new CliError('aapi console needs a terminal (for scripts: aapi run, aapi send)', EXIT.usage);
  // From AAPI_PASSWORD or the masked prompt: never undefined, there is a terminal to ask on.
  const login = who && { ...who, password: (await readPassword(false, io))! };
  const { runConsole } = await import('../../console/ui.js');
  return runConsole({
    url: args.server ?? io.env.AAPI_SERVER ?? DEFAULT_SERVER,
    insecure: args.insecure === true, ca: readCa(args.ca, io), record: args.record, io, c: env.out.c, timeoutMs: env.timeoutMs, login,
    attach: args.attach ? { profile: env.profile, io, timeoutMs: env.timeoutMs } : undefined,
  });
}
