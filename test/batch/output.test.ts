import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputFile, prepareResume, type OutputLine } from '../../src/batch/output.js';

// The output file: one JSON line per row, appended as each answer arrives; --resume keeps the rows
// answered (and those whose fate is unknown, unless --retry-unknown), drops those not sent, and
// rewrites the file with one line per row.

const dir = mkdtempSync(join(tmpdir(), 'aapi-batch-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const path = () => join(dir, `out-${++n}.jsonl`);
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as OutputLine);

const ok = (row: number): OutputLine => ({ row, ok: true, response: { RID: row, Data: { URN: String(1000 + row) } } });
const server = (row: number): OutputLine => ({
  row, ok: false, error: { kind: 'server', number: 210, level: 'Minor', message: 'no record', response: { Response: 'ERROR', ErrorNumber: 210 } },
});
const input = (row: number): OutputLine => ({ row, ok: false, error: { kind: 'input', message: `row ${row}: Colour is not a key of RunQuery` } });
const unknown = (row: number): OutputLine => ({ row, ok: false, error: { kind: 'unknown', message: 'the connection was lost' } });
const notSent = (row: number): OutputLine => ({ row, ok: false, error: { kind: 'notSent', message: 'not sent: ERROR 220' } });
const text = (...ls: OutputLine[]) => ls.map((l) => `${JSON.stringify(l)}\n`).join('');

describe('OutputFile', () => {
  it('appends one JSON line per row, on disk before the turn of the event loop ends (no close needed)', async () => {
    const p = path();
    const out = new OutputFile(p);
    out.write(ok(1));
    out.write(server(2));
    // Before any I/O callback can run (a kill after it loses nothing written in this turn).
    await new Promise<void>((r) => process.nextTick(r));
    expect(readFileSync(p, 'utf8')).toBe(text(ok(1), server(2)));
    out.write(ok(3));
    await new Promise((r) => setImmediate(r));
    expect(lines(p)).toEqual([ok(1), server(2), ok(3)]);
    out.close();
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it('close writes what is pending; flush writes at once', () => {
    const p = path();
    const out = new OutputFile(p);
    out.write(ok(1));
    out.flush();
    expect(lines(p)).toEqual([ok(1)]);
    out.write(ok(2));
    out.close();
    expect(lines(p)).toEqual([ok(1), ok(2)]);
  });

  it.runIf(existsSync('/dev/full'))('a write that fails (a full disk) is kept, not thrown where it would end the process: the next write and close throw it', async () => {
    const out = new OutputFile('/dev/full');
    out.write(ok(1));
    await new Promise((r) => process.nextTick(r)); // the write happens here, and fails with ENOSPC
    expect(() => out.write(ok(2))).toThrow(/cannot write \/dev\/full: ENOSPC/);
    expect(() => out.close()).toThrow(/cannot write \/dev\/full: ENOSPC/);
  });

  it('appends to what is there (a resumed job)', () => {
    const p = path();
    writeFileSync(p, text(ok(1)));
    const out = new OutputFile(p);
    out.write(ok(2));
    out.close();
    expect(lines(p)).toEqual([ok(1), ok(2)]);
  });
});

describe('prepareResume', () => {
  it('with no output file yet: nothing done, no file made', () => {
    const p = path();
    expect(prepareResume(p, false)).toEqual({ done: new Set(), kept: 0, keptNotOk: 0 });
    expect(existsSync(p)).toBe(false);
  });

  it('keeps answered rows (ok, server errors), input errors and unknown rows; drops rows not sent', () => {
    const p = path();
    writeFileSync(p, text(ok(1), server(2), input(3), unknown(4), notSent(5), ok(6)));
    const r = prepareResume(p, false);
    expect([...r.done].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6]);
    expect(r.kept).toBe(5);
    expect(r.keptNotOk).toBe(3);
    expect(lines(p)).toEqual([ok(1), server(2), input(3), unknown(4), ok(6)]);
  });

  it('with --retry-unknown, drops unknown rows too, so they are sent again', () => {
    const p = path();
    writeFileSync(p, text(ok(1), unknown(2), notSent(3), unknown(4)));
    const r = prepareResume(p, true);
    expect([...r.done]).toEqual([1]);
    expect(r.keptNotOk).toBe(0);
    expect(lines(p)).toEqual([ok(1)]);
  });

  it('a torn last line (a kill mid-write) is dropped, its row done again, and the file ends with a newline', () => {
    const p = path();
    const torn = JSON.stringify(ok(3)).slice(0, 20);
    writeFileSync(p, text(ok(1), ok(2)) + torn);
    const r = prepareResume(p, false);
    expect([...r.done]).toEqual([1, 2]);
    expect(readFileSync(p, 'utf8')).toBe(text(ok(1), ok(2)));
    // What the resumed job appends starts on a line of its own.
    const out = new OutputFile(p);
    out.write(ok(3));
    out.close();
    expect(lines(p)).toEqual([ok(1), ok(2), ok(3)]);
  });

  it('a complete last line with no newline is kept', () => {
    const p = path();
    writeFileSync(p, text(ok(1)) + JSON.stringify(ok(2)));
    expect([...prepareResume(p, false).done]).toEqual([1, 2]);
    expect(readFileSync(p, 'utf8')).toBe(text(ok(1), ok(2)));
  });

  it('compacts to one line per row: a row answered after being unknown or not sent keeps its answer only', () => {
    const p = path();
    // A first run, then a resumed one that appended the rows it redid (as a kill between runs may leave them).
    writeFileSync(p, text(ok(1), unknown(2), notSent(3), notSent(4), ok(3), ok(2), ok(4), ok(1)));
    const r = prepareResume(p, false);
    expect(r.kept).toBe(4);
    expect(r.keptNotOk).toBe(0);
    const after = lines(p);
    expect(after.map((l) => l.row).sort()).toEqual([1, 2, 3, 4]);
    expect(after.every((l) => l.ok)).toBe(true);
  });

  it('a row redone after a failure and failing again is one line; blank and foreign lines are dropped', () => {
    const p = path();
    writeFileSync(p, `\n${text(notSent(1))}\n   \nnull\n[1]\n{"no":"row"}\n{"row":2,"ok":false}\n${text(server(1))}`);
    const r = prepareResume(p, false);
    expect([...r.done].sort()).toEqual([1, 2]);
    expect(r.keptNotOk).toBe(2);
    expect(lines(p).map((l) => l.row)).toEqual([2, 1]);
  });

  it('running it twice changes nothing the second time', () => {
    const p = path();
    writeFileSync(p, text(ok(1), unknown(2), notSent(3)));
    prepareResume(p, false);
    const once = readFileSync(p, 'utf8');
    const r = prepareResume(p, false);
    expect(readFileSync(p, 'utf8')).toBe(once);
    expect([...r.done]).toEqual([1, 2]);
  });

  it('rewrites through a temporary file renamed over the output: none is left behind, the mode stays private', () => {
    const p = path();
    writeFileSync(p, text(ok(1), notSent(2)));
    prepareResume(p, false);
    expect(readdirSync(dir).filter((f) => f.includes('.resume-'))).toEqual([]);
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it('a large output is compacted with every row once', () => {
    const p = path();
    const all: OutputLine[] = [];
    for (let i = 1; i <= 20_000; i++) all.push(i % 7 === 0 ? notSent(i) : i % 11 === 0 ? unknown(i) : ok(i));
    writeFileSync(p, text(...all));
    const r = prepareResume(p, false);
    const expected = all.filter((l) => l.ok || (!l.ok && l.error.kind === 'unknown')).map((l) => l.row);
    expect(lines(p).map((l) => l.row)).toEqual(expected);
    expect(r.done.size).toBe(expected.length);
  });
});
