import { accessSync, constants as fsConstants, createReadStream, rmSync, statSync } from 'node:fs';
import { csvHeader, formatOf } from '../../batch/input.js';
import { journalPath, journalRows, SentJournal } from '../../batch/journal.js';
import { OutputFile, OutputWriteError, prepareResume } from '../../batch/output.js';
import { unknownColumns } from '../../batch/request.js';
import { runBatch, type Summary } from '../../batch/run.js';
import type { DaemonPipe } from '../../daemon/pipe-client.js';
import { PROFILE_NAME } from '../../daemon/paths.js';
import { REQUESTS, resolveVerb, VERBS } from '../../protocol/catalogue.js';
import { constantFlags } from './batch-flags.js';
import { CliError, EXIT, usageError } from '../exit.js';
import { flagKeys, flagOf, valuesFromArgs } from '../flags.js';
import type { CommandEnv } from '../main.js';
import { openPipe } from '../session-errors.js';
import { didYouMean } from '../suggest.js';

export interface BatchArgs {
  verb: string;
  input: string;
  output: string;
  concurrency: number;
  resume: boolean;
  retryUnknown: boolean;
  profiles?: string;
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

/** The output file could not be written (a full disk): what it holds is kept, and --resume carries on. */
function writeFailed(err: unknown): unknown {
  return err instanceof OutputWriteError ? new CliError(`${err.message}; what it holds is kept: --resume carries on`, EXIT.failed) : err;
}

/** `aapi batch VERB --input FILE --output FILE`: exit 0 when every row succeeded, 1 otherwise, 130 interrupted. */
export async function batch(a: BatchArgs, env: CommandEnv): Promise<number> {
  const verb = resolveVerb(a.verb);
  if (!verb) throw usageError(`unknown request ${JSON.stringify(a.verb)}${didYouMean(a.verb, VERBS.map((v) => REQUESTS[v].cli))}`);
  const spec = REQUESTS[verb];
  if (!Number.isInteger(a.concurrency) || a.concurrency < 1 || a.concurrency > 1024) throw usageError('--concurrency takes a whole number from 1 to 1024');
  try {
    accessSync(a.input, fsConstants.R_OK);
  } catch (err) {
    throw usageError(`cannot read ${a.input}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const own = new Set(flagKeys(spec).map(flagOf));
  const foreign = Object.keys(a.flags).filter((f) => !own.has(f));
  if (foreign.length) throw usageError(`--${foreign[0]} is not a key of ${verb}`);
  const constants = valuesFromArgs({ ...spec, keys: spec.keys.map((k) => ({ ...k, required: false })) }, a.flags, {});
  if (formatOf(a.input) === 'csv') {
    const bad = unknownColumns(spec, csvHeader(a.input));
    if (bad.length) throw usageError(`${a.input}: column ${JSON.stringify(bad[0])} is not a key of ${verb} (its keys: ${spec.keys.map((k) => k.wire).join(', ')})`);
  }
  let hasOutput = false;
  try {
    hasOutput = statSync(a.output).size > 0;
  } catch {
    // a new file
  }
  if (hasOutput && !a.resume) throw usageError(`${a.output} already has results: add --resume to carry on, or choose another --output`);

  const profiles = a.profiles ? a.profiles.split(',').map((p) => p.trim()).filter(Boolean) : [env.profile];
  const pipes: DaemonPipe[] = [];
  for (const p of profiles) {
    if (!PROFILE_NAME.test(p)) throw usageError(`bad profile name ${JSON.stringify(p)}`);
    try {
      pipes.push(await openPipe(p, env.io, env.timeoutMs));
    } catch (err) {
      for (const q of pipes) q.close();
      throw err;
    }
  }

  // On --resume the old journal's rows all get their line (unknown, if they had none); a fresh job's
  // journal beside an output that is gone belongs to no job. Either way the new journal starts empty.
  const journalFile = journalPath(a.output);
  const { done, keptNotOk } = a.resume ? prepareResume(a.output, a.retryUnknown, journalRows(journalFile)) : { done: new Set<number>(), keptNotOk: 0 };
  rmSync(journalFile, { force: true });
  const output = new OutputFile(a.output);
  // A device (/dev/full, /dev/stdout) can be neither resumed nor journaled beside.
  const journal = statSync(a.output).isFile() ? new SentJournal(journalFile) : undefined;
  const bar = env.io.tty.stderr && !env.opts.json;
  const total = bar ? await countRows(a.input, formatOf(a.input) === 'csv') : 0;
  let lastDraw = 0;
  let summary: Summary;
  try {
    summary = await runBatch({
      verb, input: a.input, output, pipes, concurrency: a.concurrency, constants, skip: done, interrupted: env.io.interrupted, journal,
      onProgress: bar
        ? (s) => {
            const now = performance.now();
            if (now - lastDraw < 100) return;
            lastDraw = now;
            env.io.stderr.write(`\r${progressLine(s, total)}\x1b[K`);
          }
        : undefined,
    });
    output.close();
  } catch (err) {
    // Rows sent whose answers could not be written: the journal stays, so --resume calls them unknown.
    journal?.close(false);
    throw writeFailed(err);
  } finally {
    for (const p of pipes) p.close();
  }
  journal?.close(true);
  if (bar) env.io.stderr.write('\r\x1b[K');
  const rate = summary.ms > 0 ? Math.round(((summary.rows - summary.skipped) / summary.ms) * 1000) : 0;
  if (env.opts.json) env.out.json({ ...summary, rowsPerSecond: rate, output: a.output });
  env.out.info(`${summary.rows} rows: ${summary.ok} ok, ${summary.failed} failed, ${summary.unknown} unknown, ${summary.notSent} not sent${summary.skipped ? `, ${summary.skipped} already done${keptNotOk ? ` (${keptNotOk} of them not ok)` : ''}` : ''} (${rate} rows/s) → ${a.output}`);
  if (summary.unknown) env.out.info(`${summary.unknown} rows may or may not have been carried out (the connection dropped): --resume leaves them; --resume --retry-unknown sends them again`);
  if (summary.stopped === 'limit') env.out.info(`stopped: ${summary.stopReason}. The limit is reset overnight: then run the same command with --resume`);
  if (summary.stopped === 'session') env.out.info(`stopped: ${summary.stopReason}. Log in again, then run the same command with --resume`);
  if (summary.stopped === 'interrupted') {
    env.out.info('interrupted: run the same command with --resume to carry on');
    return 130;
  }
  if (summary.stopped === 'session') return EXIT.connection;
  // Rows the output already held as failed or unknown are not succeeded rows either.
  return summary.failed + summary.unknown + summary.notSent + keptNotOk === 0 ? EXIT.ok : EXIT.failed;
}
