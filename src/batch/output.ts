import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { Json } from '../protocol/codec.js';

// The output file: one JSON line per row, written synchronously as each answer arrives, so a crash or
// a kill loses no answered row; and --resume, which keeps what is done and redoes the rest.

export type RowError =
  | { kind: 'server'; number: number; level: string; message: string; response: Json }
  | { kind: 'input'; message: string }
  | { kind: 'unknown'; message: string }
  | { kind: 'notSent'; message: string };

export type OutputLine = { row: number; ok: true; response: Json } | { row: number; ok: false; error: RowError };

/** The output file could not be written (a full disk): what it holds so far is consistent. */
export class OutputWriteError extends Error {}

export class OutputFile {
  private readonly fd: number;
  private pending = '';
  /** Why a write failed: every later write and close throws it. */
  private failure: OutputWriteError | undefined;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
  }

  /**
   * The line is written before this turn of the event loop ends (before any more input or answers
   * are read), together with the other answers that came in the same turn: one write, not one per row.
   */
  write(line: OutputLine): void {
    if (this.failure) throw this.failure;
    if (this.pending === '') process.nextTick(this.flush);
    this.pending += `${JSON.stringify(line)}\n`;
    if (this.pending.length >= 1 << 20) this.flush();
  }

  // Run from process.nextTick too, where a throw would end the process: a failure is kept instead.
  readonly flush = (): void => {
    if (this.pending === '' || this.failure) return;
    const text = this.pending;
    this.pending = '';
    try {
      writeSync(this.fd, text);
    } catch (err) {
      this.failure = new OutputWriteError(`cannot write ${this.path}: ${(err as Error).message}`);
    }
  };

  close(): void {
    this.flush();
    closeSync(this.fd);
    if (this.failure) throw this.failure;
  }
}

/** What a row sent by a job that was killed before its answer was written is, on --resume. */
export const UNKNOWN_SENT = 'sent before the job was stopped (killed?), and no answer was written: it may or may not have been carried out';

/**
 * Prepares a resumed job: the rows already answered (and, unless retrying them, those whose fate is
 * unknown) are kept, one line each; rows not sent are dropped to be done again. A row of `sent` (the
 * job's sent-journal) that has no line gets an unknown one. The file is rewritten whole, then
 * renamed over the old one, so nothing is lost if this is interrupted.
 */
export function prepareResume(path: string, retryUnknown: boolean, sent: ReadonlySet<number> = new Set()): { done: Set<number>; kept: number; keptNotOk: number } {
  const done = new Set<number>();
  if (!existsSync(path) && sent.size === 0) return { done, kept: 0, keptNotOk: 0 };
  const lines: { line: OutputLine; text: string }[] = [];
  for (const text of existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []) {
    if (!text.trim()) continue;
    let line: OutputLine;
    try {
      line = JSON.parse(text) as OutputLine;
    } catch {
      continue; // a line torn by a kill mid-write: its row is done again
    }
    if (line !== null && typeof line === 'object' && typeof line.row === 'number') lines.push({ line, text });
  }
  const written = new Set(lines.map((l) => l.line.row));
  for (const row of sent) {
    if (written.has(row)) continue;
    const line: OutputLine = { row, ok: false, error: { kind: 'unknown', message: UNKNOWN_SENT } };
    lines.push({ line, text: JSON.stringify(line) });
  }
  const last = new Map<number, string>();
  const notOk = new Set<number>();
  for (const { line, text } of lines) {
    const kind = line.ok ? undefined : (line.error as RowError | undefined)?.kind;
    const redo = !line.ok && (kind === 'notSent' || (retryUnknown && kind === 'unknown'));
    if (redo) last.delete(line.row);
    else last.set(line.row, text);
    if (!redo && !line.ok) notOk.add(line.row);
    else notOk.delete(line.row);
  }
  const tmp = `${path}.resume-${process.pid}`;
  writeFileSync(tmp, [...last.values()].map((l) => `${l}\n`).join(''), { mode: 0o600 });
  renameSync(tmp, path);
  for (const row of last.keys()) done.add(row);
  return { done, kept: last.size, keptNotOk: notOk.size };
}
