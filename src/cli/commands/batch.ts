import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants as fsConstants, createReadStream, existsSync, mkdirSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { csvHeader, formatOf } from '../../batch/input.js';
import type { JobResult, JobSpec } from '../../batch/job.js';
import { journalPath } from '../../batch/journal.js';
import { columnHint, mappedColumns, unknownColumns } from '../../batch/request.js';
import type { Summary } from '../../batch/run.js';
import { dial, DialError } from '../../daemon/dial.js';
import { PROFILE_NAME, profilePaths } from '../../daemon/paths.js';
import type { Json } from '../../protocol/codec.js';
import { REQUESTS, resolveVerb, VERBS } from '../../protocol/catalogue.js';
import { missingRid } from '../../protocol/validate.js';
import { CliError, EXIT, usageError, type ExitCode } from '../../util/exit.js';
import { flagKeys, flagOf, valuesFromArgs } from '../../protocol/flags.js';
import type { CommandEnv } from '../main.js';
import { needDaemon } from '../session-errors.js';
import { didYouMean } from '../../util/suggest.js';

export interface BatchArgs {
  verb: string;
  input: string;
  output: string;
  concurrency: number;
  resume: boolean;
  retryUnknown: boolean;
  profiles?: string;
  detach: boolean;
  flags: Record<string, unknown>;
}

async function countRows(file: string, csv: boolean): Promise<number> {
  let n = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
    last = chunk[chunk.length - 1];
  }
  if (last !== 10) n++;
  return Math.max(0, csv ? n - 1 : n);
}

function progressLine(s: Summary, total: number): string {
  const done = s.ok + s.failed + s.unknown + s.notSent + s.skipped;
  const rate = s.ms > 0 ? ((done - s.skipped) / s.ms) * 1000 : 0;
  const width = 24;
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const bar = `${'█'.repeat(Math.round(frac * width))}${'░'.repeat(width - Math.round(frac * width))}`;
  const eta = rate > 0 && total > done ? `ETA ${Math.ceil((total - done) / rate)}s` : '';
  return `${bar} ${done}/${total} ${Math.round(frac * 100)}% · ${Math.round(rate)} rows/s · ${s.failed} failed ${eta}`;
}

/** The exit code of a job that ended: 0 every row succeeded, 1 not, 3 a session was lost, 130 interrupted. */
export function jobExitCode({ summary, keptNotOk }: JobResult): number {
  if (summary.stopped === 'interrupted') return EXIT.interrupted;
  if (summary.stopped === 'session') return EXIT.connection;
  // Rows the output already held as failed or unknown are not succeeded rows either.
  return summary.failed + summary.unknown + summary.notSent + keptNotOk === 0 ? EXIT.ok : EXIT.failed;
}

/** The summary of a job that ended, and what to do next: on stderr (--json: the summary on stdout). */
export function printResult(env: CommandEnv, r: JobResult, output: string, columns: string[] = []): number {
  const { summary } = r;
  const rate = summary.ms > 0 ? Math.round(((summary.rows - summary.skipped) / summary.ms) * 1000) : 0;
  if (env.opts.json) env.out.json({ ...summary, rowsPerSecond: rate, output });
  env.out.info(`${summary.rows} rows: ${summary.ok} ok, ${summary.failed} failed, ${summary.unknown} unknown, ${summary.notSent} not sent${summary.skipped ? `, ${summary.skipped} already done${r.keptNotOk ? ` (${r.keptNotOk} of them not ok)` : ''}` : ''} (${rate} rows/s) → ${output}`);
  if (columns.length) env.out.info(`column ${columns.join(', ')}`);
  if (summary.unknown) env.out.info(`${summary.unknown} rows may or may not have been carried out (the connection dropped): --resume leaves them; --resume --retry-unknown sends them again`);
  if (summary.stopped === 'limit') env.out.info(`stopped: ${summary.stopReason}. The limit is reset overnight: then run the same command with --resume`);
  if (summary.stopped === 'session') env.out.info(`stopped: ${summary.stopReason}. Log in again, then run the same command with --resume`);
  if (summary.stopped === 'interrupted') env.out.info('interrupted: run the same command with --resume to carry on');
  return jobExitCode(r);
}

/** A progress bar on a terminal's stderr, redrawn at most ten times a second; `clear` takes it away. */
export function progressBar(env: CommandEnv, total: number): { draw(s: Summary): void; clear(): void } | undefined {
  if (!env.io.tty.stderr || env.opts.json) return undefined;
  let last = 0;
  let drawn = false;
  return {
    draw: (s) => {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      env.io.stderr.write(`\r${progressLine(s, total)}\x1b[K`);
    },
    clear: () => {
      if (drawn) env.io.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * Standard input, or an input that is no regular file (`<(...)`, a pipe), copied to a private file
 * beside the profile's, so that the server can read it (and --resume numbers the rows as before).
 * Named for its format: JSONL when its first character is `{`.
 */
async function copyOfInput(input: string, stateDir: string): Promise<string> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const base = resolve(stateDir, `batch-input-${randomBytes(6).toString('hex')}`);
  const tmp = `${base}.part`;
  const out = await open(tmp, 'w', 0o600);
  try {
    const source = input === '-' ? process.stdin : createReadStream(input);
    for await (const chunk of source as AsyncIterable<Buffer>) await out.write(chunk);
  } finally {
    await out.close();
  }
  const fd = openSync(tmp, 'r');
  const head = Buffer.alloc(64);
  const n = readSync(fd, head, 0, 64, 0);
  closeSync(fd);
  const file = `${base}.${/^(\ufeff)?\s*\{/.test(head.subarray(0, n).toString('utf8')) ? 'jsonl' : 'csv'}`;
  renameSync(tmp, file);
  return file;
}

/**
 * `aapi batch VERB --input FILE --output FILE`: checks everything, then hands the job to the session
 * server, which sends the rows on its sessions and writes the output; shows its progress and its end.
 * Exit 0 when every row succeeded, 1 otherwise, 3 no session (or it was lost), 130 interrupted.
 */
export async function batch(a: BatchArgs, env: CommandEnv): Promise<number> {
  const verb = resolveVerb(a.verb);
  if (!verb) throw usageError(`unknown request ${JSON.stringify(a.verb)}${didYouMean(a.verb, VERBS.map((v) => REQUESTS[v].cli))}`);
  const spec = REQUESTS[verb];
  // No row can carry a RID (the session gives each request its own): an Acknowledge without the event's would be refused.
  if (missingRid(spec, {})) throw usageError(`${verb} cannot be sent in a batch: it carries the RID of the event it acknowledges (aapi ${spec.cli} --rid N)`);
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 1024) throw usageError('--concurrency takes a whole number from 1 to 1024');
  const own = new Set(flagKeys(spec).map(flagOf));
  const foreign = Object.keys(a.flags).filter((f) => !own.has(f));
  if (foreign.length) throw usageError(`--${foreign[0]} is not a key of ${verb}`);
  const constants = valuesFromArgs({ ...spec, keys: spec.keys.map((k) => ({ ...k, required: false })) }, a.flags, {});
  const profiles = a.profiles ? a.profiles.split(',').map((p) => p.trim()).filter(Boolean) : [env.profile];
  for (const p of profiles) if (!PROFILE_NAME.test(p)) throw usageError(`bad profile name ${JSON.stringify(p)}`);
  // The server writes the output; --resume reads it again: a regular file (or a new one), never a device.
  let output = resolve(a.output);
  let hasOutput = false;
  try {
    const st = statSync(output);
    // A link to the results: --resume rewrites the file it points to, and the link stays.
    output = realpathSync(output);
    if (!st.isFile()) throw usageError(`--output must be a regular file (--resume reads it again): ${a.output} is not one`);
    hasOutput = st.size > 0;
  } catch (err) {
    if (err instanceof CliError) throw err;
  }
  if (hasOutput && !a.resume) throw usageError(`${a.output} already has results: add --resume to carry on, or choose another --output`);
  // A journal left by a job killed before its first answer was written: its rows may have been sent.
  if (!a.resume && existsSync(journalPath(output))) throw usageError(`${a.output}.sent is left by a job that was stopped, whose rows may have been carried out: add --resume (those rows become unknown), or remove it to start afresh`);

  const paths = profilePaths(env.profile, env.io.env);
  let input = a.input === '-' ? a.input : resolve(a.input);
  let isFile = false;
  if (input !== '-') {
    try {
      accessSync(input, fsConstants.R_OK);
      isFile = statSync(input).isFile();
    } catch (err) {
      throw usageError(`cannot read ${a.input}: ${(err as NodeJS.ErrnoException).code}`);
    }
    if (!isFile && statSync(input).isDirectory()) throw usageError(`cannot read ${a.input}: it is a directory`);
  }
  if (!isFile) input = await copyOfInput(input, paths.stateDir);
  const copy = !isFile;
  try {
    let columns: string[] = [];
    if (formatOf(input) === 'csv') {
      const header = csvHeader(input);
      const bad = unknownColumns(spec, header);
      if (bad.length) throw usageError(`${a.input}: column ${JSON.stringify(bad[0])} is not a key of ${verb} (its keys: ${spec.keys.map((k) => k.wire).join(', ')})${columnHint(spec, bad[0])}`);
      columns = mappedColumns(spec, header);
    }
    const job: JobSpec & { detach: boolean } = {
      verb, constants, input, inputIsCopy: copy, output, concurrency: a.concurrency, timeoutMs: env.timeoutMs, maxFrameBytes: env.maxFrameBytes,
      resume: a.resume, retryUnknown: a.retryUnknown, profiles, detach: a.detach,
    };
    const bar = a.detach ? undefined : progressBar(env, await countRows(input, formatOf(input) === 'csv'));
    return await watchJob(env, paths, job, bar, a.output, columns);
  } catch (err) {
    if (copy) rmSync(input, { force: true });
    throw err;
  }
}

/** Hands the job over and follows it to its end (or, detached, prints its id). */
async function watchJob(env: CommandEnv, paths: ReturnType<typeof profilePaths>, job: JobSpec & { detach: boolean }, bar: ReturnType<typeof progressBar>, shownOutput: string, columns: string[]): Promise<number> {
  let id: string | undefined;
  let end: { done?: JobResult; failed?: { message: string; exitCode: number } } | undefined;
  const onFrame = (f: Json) => {
    if (typeof f.accepted === 'string') id = f.accepted;
    else if (f.progress) bar?.draw(f.progress as unknown as Summary);
    else if (f.done || f.failed) end = f as typeof end;
  };
  let socket;
  try {
    socket = await dial(paths, { profile: env.profile, batch: job }, onFrame);
  } catch (err) {
    if (!(err instanceof DialError)) throw err;
    if (err.failure.kind === 'absent' || err.failure.kind === 'dead') needDaemon(undefined, job.profiles[0], env.io);
    throw new CliError(err.message, EXIT.connection);
  }
  const s = socket;
  // Ctrl-C: the server stops sending, lets what is in flight finish and writes it.
  void env.io.interrupted.then(() => {
    if (!s.destroyed) s.write('{"stop":true}\n');
  });
  await new Promise<void>((r) => {
    s.on('error', () => {});
    s.on('close', () => r());
  });
  bar?.clear();
  if (job.detach && id) {
    if (env.out.machine) env.out.json({ job: id });
    else env.out.line(id);
    env.out.info(`job ${id} runs in the session server: \`aapi jobs\` lists it, \`aapi jobs wait ${id}\` follows it`);
    return EXIT.ok;
  }
  if (end?.failed) throw new CliError(end.failed.message, end.failed.exitCode as ExitCode);
  if (end?.done) return printResult(env, end.done, shownOutput, columns);
  throw new CliError('the session server went away during the job (killed, or it crashed): log in again, then run the same command with --resume', EXIT.connection);
}
