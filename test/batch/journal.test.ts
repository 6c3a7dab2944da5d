import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journalPath, journalRows, SentJournal } from '../../src/batch/journal.js';
import { OutputFile, prepareResume, UNKNOWN_SENT } from '../../src/batch/output.js';
import { runBatch } from '../../src/batch/run.js';
import type { DaemonPipe } from '../../src/daemon/pipe-client.js';
import type { Json } from '../../src/protocol/codec.js';

// The sent-journal: every row recorded before its request is handed on, and what --resume makes of
// rows recorded but never answered (unknown, not sent again unless --retry-unknown).

const dir = mkdtempSync(join(tmpdir(), 'aapi-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('SentJournal', () => {
  it('appends the rows of each record, reads them back (a torn last line passed over), and is removed when done', () => {
    const path = join(dir, `j${++n}.sent`);
    const j = new SentJournal(path);
    j.record([3, 1]);
    j.record([2]);
    j.close(false);
    writeFileSync(path, `${readFileSync(path, 'utf8')}4`, { flag: 'w' });
    expect([...journalRows(path)]).toEqual([3, 1, 2, 4]);
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n5x`);
    expect([...journalRows(path)]).toEqual([3, 1, 2, 4]);
    new SentJournal(path).close(true);
    expect(existsSync(path)).toBe(false);
    expect(journalRows(path).size).toBe(0);
    expect(journalPath('/a/out.jsonl')).toBe('/a/out.jsonl.sent');
  });
});

describe('prepareResume with a journal', () => {
  it('a row recorded as sent with no line becomes unknown: kept, or redone with --retry-unknown', () => {
    const out = join(dir, `o${++n}.jsonl`);
    writeFileSync(out, '{"row":1,"ok":true,"response":{}}\n{"row":3,"ok":false,"error":{"kind":"notSent","message":"x"}}\n');
    const r = prepareResume(out, false, new Set([1, 2, 3]));
    expect([...r.done].sort()).toEqual([1, 2]);
    expect(r.keptNotOk).toBe(1);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { row: 1, ok: true, response: {} },
      { row: 2, ok: false, error: { kind: 'unknown', message: UNKNOWN_SENT } },
    ]);
    const retried = join(dir, `o${++n}.jsonl`);
    writeFileSync(retried, '{"row":1,"ok":true,"response":{}}\n');
    expect([...prepareResume(retried, true, new Set([1, 2])).done]).toEqual([1]);
  });

  it('an output deleted while its journal stayed: the journal\'s rows are unknown all the same', () => {
    const out = join(dir, `gone${++n}.jsonl`);
    expect([...prepareResume(out, false, new Set([7])).done]).toEqual([7]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ row: 7, ok: false, error: { kind: 'unknown' } });
  });
});

/** A pipe that checks, as each request is handed to it, that the journal already records the row. */
function checkingPipe(journal: string, unjournaled: number[]) {
  const pipe = {
    profile: 'fake',
    inFlight: 0,
    async request(msg: Json): Promise<Json> {
      const row = Number((msg.Parameters as Json).URN);
      if (!journalRows(journal).has(row)) unjournaled.push(row);
      pipe.inFlight++;
      await new Promise((r) => setTimeout(r, 1));
      pipe.inFlight--;
      return { Data: {} };
    },
  };
  return pipe as typeof pipe & DaemonPipe;
}

describe('runBatch with a journal', () => {
  it('hands no row on before the journal records it', async () => {
    const input = join(dir, `in${++n}.csv`);
    writeFileSync(input, `Parameters.URN\n${Array.from({ length: 300 }, (_, i) => i + 1).join('\n')}\n`);
    const jpath = join(dir, `in${n}.sent`);
    const journal = new SentJournal(jpath);
    const output = new OutputFile(join(dir, `in${n}.jsonl`));
    const unjournaled: number[] = [];
    const s = await runBatch({
      verb: 'RunQuery', input, output, pipes: [checkingPipe(jpath, unjournaled)], concurrency: 7, constants: { QueryNumber: 1 },
      skip: new Set(), interrupted: new Promise(() => {}), journal,
    });
    output.close();
    journal.close(false);
    expect(s.ok).toBe(300);
    expect(unjournaled).toEqual([]);
    expect(journalRows(jpath).size).toBe(300);
  });

  it('a journal that cannot be written stops the job before the rows it could not record are sent', async () => {
    const input = join(dir, `in${++n}.csv`);
    writeFileSync(input, `Parameters.URN\n${Array.from({ length: 100 }, (_, i) => i + 1).join('\n')}\n`);
    const sent: number[] = [];
    const recorded: number[] = [];
    let records = 0;
    const journal = {
      record(rows: readonly number[]) {
        if (++records > 2) throw new Error('cannot write x.sent: ENOSPC');
        recorded.push(...rows);
      },
    };
    const pipe = {
      profile: 'fake',
      inFlight: 0,
      async request(msg: Json): Promise<Json> {
        sent.push(Number((msg.Parameters as Json).URN));
        await new Promise((r) => setTimeout(r, 1));
        return { Data: {} };
      },
    } as unknown as DaemonPipe;
    const output = new OutputFile(join(dir, `in${n}.jsonl`));
    await expect(runBatch({
      verb: 'RunQuery', input, output, pipes: [pipe], concurrency: 4, constants: { QueryNumber: 1 },
      skip: new Set(), interrupted: new Promise(() => {}), journal,
    })).rejects.toThrow(/ENOSPC/);
    output.close();
    // Exactly the rows of the two records that were written went out.
    expect(recorded.length).toBeGreaterThan(0);
    expect(sent).toEqual(recorded);
  });
});
