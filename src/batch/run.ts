import { errorMeans, REQUESTS } from '../protocol/catalogue.js';
import { getCI, toInt, type Json } from '../protocol/codec.js';
import type { Verb } from '../protocol/types.js';
import { LaneError, type Lane } from './lane.js';
import { readRows } from './input.js';
import { OutputFile, type OutputLine, type RowError } from './output.js';
import { rowRequest } from './request.js';

// The batch runner: rows become requests, up to `concurrency` in flight on each session, answers
// written as they come. A drop makes the rows in flight "unknown" (never resent by itself); error
// 220 stops sending; an interruption stops reading and lets what is in flight finish.

export interface BatchOptions {
  verb: Verb;
  input: string;
  output: OutputFile;
  pipes: Lane[];
  concurrency: number;
  constants: Json;
  /** Rows already done (--resume). */
  skip: Set<number>;
  interrupted: Promise<void>;
  /** Where each row is recorded as sent before its request is handed on (journal.ts). */
  journal?: { record(rows: readonly number[]): void };
  onProgress?: (s: Summary) => void;
}

export interface Summary {
  rows: number;
  ok: number;
  failed: number;
  unknown: number;
  notSent: number;
  skipped: number;
  ms: number;
  /** Why sending stopped early, if it did. */
  stopped?: 'interrupted' | 'limit' | 'session';
  stopReason?: string;
}

export async function runBatch(o: BatchOptions): Promise<Summary> {
  const spec = REQUESTS[o.verb];
  const t0 = performance.now();
  const s: Summary = { rows: 0, ok: 0, failed: 0, unknown: 0, notSent: 0, skipped: 0, ms: 0 };
  const write = (line: OutputLine) => {
    o.output.write(line);
    if (line.ok) s.ok++;
    else if (line.error.kind === 'unknown') s.unknown++;
    else if (line.error.kind === 'notSent') s.notSent++;
    else s.failed++;
    s.ms = performance.now() - t0;
    o.onProgress?.(s);
  };
  void o.interrupted.then(() => {
    s.stopped ??= 'interrupted';
  });

  const capacity = o.pipes.length * o.concurrency;
  let inFlight = 0;
  // Woken when an answer frees a slot. The answers that arrive together free their slots before the
  // runner wakes, once, and refills them all: no await per row.
  let wake: (() => void) | null = null;
  const answered = () => new Promise<void>((r) => (wake = r));
  const release = () => {
    inFlight--;
    const w = wake;
    wake = null;
    w?.();
  };
  const pick = () => o.pipes.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));

  // An answer that cannot be written (the disk is full, say) stops the job, and runBatch fails with it.
  let broken: { err: unknown } | undefined;
  const settle = (record: () => void) => {
    try {
      record();
    } catch (err) {
      broken ??= { err };
    }
    release();
  };
  const answer = (row: number) => (response: Json) => settle(() => write({ row, ok: true, response }));
  const fail = (row: number) => (err: unknown) =>
    settle(() => {
      if (err instanceof LaneError && err.kind === 'aapi' && errorMeans(toInt(getCI(err.response ?? {}, 'ErrorNumber')), 'requestLimit')) {
        // Refused by the request limit: not carried out, so written as not sent, and done on --resume.
        s.stopped ??= 'limit';
        s.stopReason ??= err.message;
        write({ row, ok: false, error: { kind: 'notSent', message: `refused: ${err.message}` } });
        return;
      }
      write({ row, ok: false, error: rowError(err) });
      if (err instanceof LaneError && err.kind === 'closed' && !s.stopped) {
        s.stopped = 'session';
        s.stopReason = err.message;
      }
    });

  // Past a request limit or a lost session: the rest is written as not sent, to resume later.
  const notSent = (row: number) => write({ row, ok: false, error: { kind: 'notSent', message: `not sent: ${s.stopReason}` } });

  // The rows of one turn are recorded in the journal in one write, and only then handed on: a row
  // is never sent unrecorded. Called before every await, so nothing waits in the queue meanwhile.
  const queued: { row: number; msg: Json }[] = [];
  const dispatch = () => {
    if (queued.length === 0) return;
    const batch = queued.splice(0);
    // Stopped by a failed write meanwhile: not sent, no line, so --resume does them again.
    if (broken) {
      inFlight -= batch.length;
      return;
    }
    try {
      o.journal?.record(batch.map((q) => q.row));
    } catch (err) {
      // Not recorded, so not sent: --resume does them again.
      broken ??= { err };
      inFlight -= batch.length;
      return;
    }
    for (const q of batch) pick().request(q.msg).then(answer(q.row), fail(q.row));
  };

  reading: for await (const chunk of readRows(o.input)) {
    dispatch();
    for (const input of chunk) {
      if (s.stopped === 'interrupted' || broken) break reading;
      s.rows++;
      if (o.skip.has(input.row)) {
        s.skipped++;
        continue;
      }
      if (s.stopped) {
        notSent(input.row);
        continue;
      }
      const { msg, error } = input.error ? { msg: undefined, error: input.error } : rowRequest(spec, input.fields!, o.constants);
      if (!msg) {
        write({ row: input.row, ok: false, error: { kind: 'input', message: `row ${input.row}: ${error}` } });
        continue;
      }
      while (inFlight >= capacity) {
        dispatch();
        await answered();
      }
      // Stopped while waiting for a slot: this row is not sent either.
      if (s.stopped === 'interrupted' || broken) {
        s.rows--;
        break reading;
      }
      if (s.stopped) {
        notSent(input.row);
        continue;
      }
      inFlight++;
      queued.push({ row: input.row, msg });
    }
    dispatch();
  }
  dispatch();
  while (inFlight > 0) await answered();
  if (broken) throw broken.err;
  s.ms = performance.now() - t0;
  return s;
}

function rowError(err: unknown): RowError {
  if (err instanceof LaneError && err.kind === 'aapi' && err.response) {
    const r = err.response;
    return {
      kind: 'server',
      number: toInt(getCI(r, 'ErrorNumber')) ?? 0,
      level: String(getCI(r, 'ErrorLevel') ?? ''),
      message: String(getCI(r, 'ErrorMessage') ?? err.message),
      response: r,
    };
  }
  // Its frame is over the limit: never sent, and sending it again would not change that.
  if (err instanceof LaneError && err.kind === 'invalid') return { kind: 'input', message: err.message };
  // The session could not take it (still reconnecting, or closed): it never went out.
  if (err instanceof LaneError && err.kind === 'closed') return { kind: 'notSent', message: err.message };
  // Dropped or timed out while in flight: it may or may not have been done.
  return { kind: 'unknown', message: (err as Error).message };
}
