import type { Argv } from 'yargs';
import { REQUESTS } from '../../protocol/catalogue.js';
import { encodeRequest, type Json } from '../../protocol/codec.js';
import { VERBS, type RequestSpec } from '../../protocol/types.js';
import { AapiError } from '../../session/errors.js';
import { EXIT, usageError } from '../../util/exit.js';
import { flagOf, stdinFlags, valuesFromArgs } from '../../protocol/flags.js';
import type { CommandEnv } from '../main.js';
import { refusePasswordFlag } from '../password.js';
import { needDaemon } from '../session-errors.js';
import { spin } from '../spinner.js';
import { verbOptions } from '../surface/verbs.js';
import { addOptions } from '../surface/yargs.js';

// One command per AAPI verb, all built by this one builder from the catalogue.

function helpText(spec: RequestSpec): string {
  const lines = [`${spec.type}: ${spec.summary}`, '', spec.description];
  if (spec.errors.length) lines.push('', `Errors it can answer with: ${spec.errors.join(', ')} (besides 99, 198, 199).`);
  if (spec.note) lines.push('', spec.note);
  const fromEnv = spec.keys.filter((k) => k.env);
  for (const k of fromEnv) lines.push('', `${k.wire}: ${k.description}`);
  return lines.join('\n');
}

type Wrap = (fn: (args: Record<string, unknown>) => Promise<number>) => (args: Record<string, unknown>) => Promise<void>;

export function registerVerbs(y: Argv, env: CommandEnv, run: Wrap): Argv {
  for (const verb of VERBS) {
    const spec = REQUESTS[verb];
    y = y.command(
      [spec.cli, verb],
      spec.summary,
      (cmd) => addOptions(cmd.usage(`aapi ${spec.cli} [flags]\n\n${helpText(spec)}`), verbOptions(spec)),
      run((args) => runVerb(spec, args, env)),
    );
  }
  return y;
}

async function runVerb(spec: RequestSpec, args: Record<string, unknown>, env: CommandEnv): Promise<number> {
  for (const { key } of stdinFlags(spec)) refusePasswordFlag(args[flagOf(key)]);
  const values = valuesFromArgs(spec, args, env.io.env);
  if (args.rid !== undefined && !Number.isInteger(args.rid)) throw usageError('--rid must be an integer');
  const rid = args.rid as number | undefined;
  // Acknowledge answers an event by its RID: without one there is nothing to send (exit 2, not 1).
  if (spec.rid && spec.success.kind === 'none' && rid === undefined) throw usageError(`missing --rid (${spec.type} carries the RID of the event it acknowledges)`);
  const daemon = needDaemon(env.daemon, env.profile, env.io);
  return send(encodeRequest(spec.type, values, { rid }), env, daemon);
}

/** Sends through the daemon's session and prints the response; ERROR → exit 1. */
export async function send(msg: Json, env: CommandEnv, daemon = needDaemon(env.daemon, env.profile, env.io)): Promise<number> {
  daemon.waitMark = daemon.log.lastSeq;
  const conn = daemon.connection;
  // The request waits for the connection (up to --timeout): on a terminal, say what it waits for.
  const spinner = conn.state === 'reconnecting' && env.io.tty.stderr && !env.out.machine
    ? await spin(`the dialler is unreachable: reconnecting since ${conn.since} (attempt ${conn.attempts}: ${conn.lastError}); waiting up to ${env.timeoutMs / 1000} s`, env.io.stderr, env.io.tty.columns)
    : undefined;
  try {
    const response = await daemon.session.send(msg, { timeoutMs: env.timeoutMs, maxFrameBytes: env.maxFrameBytes }).finally(() => spinner?.stop());
    if (Object.keys(response).length > 0) env.out.message(response, String(msg.type));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof AapiError) {
      env.out.serverError(err);
      return EXIT.failed;
    }
    throw err;
  }
}
