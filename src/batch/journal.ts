import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { OutputWriteError } from './output.js';

// The sent-journal beside a job's output (OUTPUT.sent): the number of each row, written before the
// row's request is handed on, so that after any kill (of the job, of the daemon, of the machine)
// --resume knows which rows may have been carried out without their answer being written, and
// reports them as unknown instead of sending them again (a second record, a second SMS).
//
// Its life: made by a job, removed when the job ends with every row it sent written to the output
// (whatever the rows' fates). A job killed leaves it; --resume turns its rows that have no line in
// the output into "unknown" lines, then removes it. A fresh job (no --resume) removes a journal left
// beside an output that is gone. Renaming the output leaves the journal behind: rename both.

export const journalPath = (output: string) => `${output}.sent`;

export class SentJournal {
  private readonly fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a', 0o600);
  }

  /** Records that these rows are about to be sent; throws OutputWriteError when it cannot (then none may be sent). */
  record(rows: readonly number[]): void {
    try {
      writeSync(this.fd, `${rows.join('\n')}\n`);
    } catch (err) {
      throw new OutputWriteError(`cannot write ${this.path}: ${(err as Error).message}`);
    }
  }

  /** Closes it; with `done` (every sent row has its line in the output) removes it too. */
  close(done: boolean): void {
    closeSync(this.fd);
    if (done) rmSync(this.path, { force: true });
  }
}

/** The rows a journal records (a line torn by a kill is passed over: its row was not sent yet). */
export function journalRows(path: string): Set<number> {
  const rows = new Set<number>();
  if (!existsSync(path)) return rows;
  for (const text of readFileSync(path, 'utf8').split('\n')) if (/^\d+$/.test(text)) rows.add(Number(text));
  return rows;
}
