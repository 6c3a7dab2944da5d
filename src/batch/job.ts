import { rmSync, statSync } from 'node:fs';
import type { Json } from '../protocol/codec.js';
import type { Verb } from '../protocol/types.js';
import { journalPath, journalRows, SentJournal } from './journal.js';
import type { Lane } from './lane.js';
import { OutputFile, prepareResume } from './output.js';
import { runBatch, type Summary } from './run.js';

// One batch job as the session server runs it: the output prepared (--resume), the sent-journal,
// the rows sent on the profiles' lanes, each answer written as it comes.

/** What the client hands the server: everything resolved (absolute paths, constant keys, profiles). */
export interface JobSpec {
  verb: Verb;
  constants: Json;
  /** An absolute path: a file of the caller's, or the copy of its standard input the client made. */
  input: string;
  /** Remove `input` when the job ends (the client's copy of its standard input). */
  inputIsCopy?: boolean;
  output: string;
  concurrency: number;
  /** How long a row's answer may take (the caller's --timeout). */
  timeoutMs: number;
  /** The largest frame a row's request may make (the caller's --max-frame); absent: the session's. */
  maxFrameBytes?: number;
  resume: boolean;
  retryUnknown: boolean;
  profiles: string[];
}

export interface JobResult {
  summary: Summary;
  /** Rows the output already held as failed or unknown (--resume): not succeeded rows either. */
  keptNotOk: number;
}

/** Runs the job to its end; rejects with OutputWriteError when the output cannot be written. */
export async function runJob(spec: JobSpec, lanes: Lane[], o: { interrupted: Promise<void>; onProgress?: (s: Summary) => void }): Promise<JobResult> {
  // On --resume the old journal's rows all get their line (unknown, if they had none); a fresh job's
  // journal beside an output that is gone belongs to no job. Either way the new journal starts empty.
  const journalFile = journalPath(spec.output);
  const { done, keptNotOk } = spec.resume ? prepareResume(spec.output, spec.retryUnknown, journalRows(journalFile)) : { done: new Set<number>(), keptNotOk: 0 };
  rmSync(journalFile, { force: true });
  const output = new OutputFile(spec.output);
  const journal = statSync(spec.output).isFile() ? new SentJournal(journalFile) : undefined;
  let summary: Summary;
  try {
    summary = await runBatch({
      verb: spec.verb, input: spec.input, output, pipes: lanes, concurrency: spec.concurrency, constants: spec.constants,
      skip: done, interrupted: o.interrupted, journal, onProgress: o.onProgress,
    });
    output.close();
  } catch (err) {
    // Rows sent whose answers could not be written: the journal stays, so --resume calls them unknown.
    journal?.close(false);
    throw err;
  } finally {
    if (spec.inputIsCopy) rmSync(spec.input, { force: true });
  }
  journal?.close(true);
  return { summary, keptNotOk };
}
