import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputFile, prepareResume, type OutputLine } from '../../src/batch/output.js';
import { runBatch, type Summary } from '../../src/batch/run.js';
import { PipeError, type DaemonPipe } from '../../src/daemon/pipe-client.js';
import type { Json } from '../../src/protocol/codec.js';

// The batch runner against fake daemon pipes: what each fate of a request writes, how many are in
// flight at once, and where sending stops (220, a lost session, an interruption).

const dir = mkdtempSync(join(tmpdir(), 'aapi-batch-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A pipe whose answer to each request is decided by `answer` (by URN and by its place in the order sent), a moment later. */
function fakePipe(answer: (urn: number, sent: number) => Json | Error, log: number[] = []) {
  let inFlight = 0;
  let peak = 0;
  const pipe = {
    profile: 'fake',
    get inFlight() {
      return inFlight;
    },
    get peak() {
      return peak;
    },
    async request(msg: Json): Promise<Json> {
      const urn = Number((msg.Parameters as Json).URN);
      log.push(urn);
      const sent = log.length;
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      const a = answer(urn, sent);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return pipe as typeof pipe & DaemonPipe;
}

const aapiError = (number: number) =>
  new PipeError('aapi', `ERROR ${number} Minor: refused`, { Response: 'ERROR', ErrorNumber: number, ErrorLevel: 'Minor', ErrorMessage: 'refused' });

async function job(rows: number, pipes: DaemonPipe[], o: { concurrency?: number; skip?: Set<number>; interrupted?: Promise<void>; extra?: string } = {}) {
  const input = join(dir, `in-${++n}.csv`);
  const output = join(dir, `out-${n}.jsonl`);
  writeFileSync(input, `Parameters.URN\n${Array.from({ length: rows }, (_, i) => i + 1).join('\n')}\n${o.extra ?? ''}`);
  const out = new OutputFile(output);
  let summary: Summary;
  try {
    summary = await runBatch({
      verb: 'RunQuery', input, output: out, pipes, concurrency: o.concurrency ?? 4, constants: { QueryNumber: 1 },
      skip: o.skip ?? new Set(), interrupted: o.interrupted ?? new Promise(() => {}),
    });
  } finally {
    out.close();
  }
  const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutputLine);
  return { summary, lines, output, input };
}

const kinds = (lines: OutputLine[]) => Object.fromEntries(lines.map((l) => [l.row, l.ok ? 'ok' : l.error.kind]));

describe('runBatch', () => {
  it('answers every row once, never more than --concurrency in flight', async () => {
    const pipe = fakePipe((urn) => ({ Data: { URN: String(urn) } }));
    const { summary, lines } = await job(200, [pipe], { concurrency: 5 });
    expect(summary).toMatchObject({ rows: 200, ok: 200, failed: 0, unknown: 0, notSent: 0, skipped: 0 });
    expect(lines.map((l) => l.row).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(pipe.peak).toBe(5);
  });

  it('a server error is a failed row; an input error is written without sending; the job goes on', async () => {
    const log: number[] = [];
    const pipe = fakePipe((urn) => (urn === 3 ? aapiError(210) : { Data: {} }), log);
    const { summary, lines } = await job(5, [pipe], { extra: '1,2\n' });
    expect(summary).toMatchObject({ rows: 6, ok: 4, failed: 2 });
    expect(kinds(lines)).toEqual({ 1: 'ok', 2: 'ok', 3: 'server', 4: 'ok', 5: 'ok', 6: 'input' });
    expect(log.sort()).toEqual([1, 2, 3, 4, 5]);
    const row3 = lines.find((l) => l.row === 3)!;
    expect(row3).toMatchObject({ ok: false, error: { kind: 'server', number: 210, level: 'Minor', message: 'refused' } });
  });

  it('a request lost in flight is unknown (never resent by itself); the job goes on', async () => {
    const pipe = fakePipe((urn) => (urn === 4 || urn === 5 ? new PipeError('lost', 'the connection was lost') : { Data: {} }));
    const { summary, lines } = await job(10, [pipe]);
    expect(summary).toMatchObject({ ok: 8, unknown: 2, notSent: 0 });
    expect(summary.stopped).toBeUndefined();
    expect(kinds(lines)[4]).toBe('unknown');
  });

  it('a request refused for its size is a failed row with that error (never sent, not unknown); the job goes on', async () => {
    const tooLarge = 'request is 2000123 bytes, over the 1 MiB frame limit (--max-frame)';
    const pipe = fakePipe((urn) => (urn === 3 ? new PipeError('invalid', tooLarge) : { Data: {} }));
    const { summary, lines, output } = await job(10, [pipe]);
    expect(summary).toMatchObject({ ok: 9, failed: 1, unknown: 0, notSent: 0 });
    expect(summary.stopped).toBeUndefined();
    expect(lines.find((l) => l.row === 3)).toEqual({ row: 3, ok: false, error: { kind: 'input', message: tooLarge } });
    // --resume does not send it again: the same row would be refused again.
    expect(prepareResume(output, true).done.has(3)).toBe(true);
  });

  it('220: stops sending; rows refused with 220 and the rows after are "not sent", so --resume does them', async () => {
    const log: number[] = [];
    const pipe = fakePipe((_urn, sent) => (sent > 10 ? aapiError(220) : { Data: {} }), log);
    const { summary, lines, output } = await job(100, [pipe], { concurrency: 4 });
    expect(summary.stopped).toBe('limit');
    expect(summary.stopReason).toMatch(/220/);
    expect(summary.ok).toBe(10);
    expect(summary.failed).toBe(0);
    expect(summary.ok + summary.notSent).toBe(100);
    expect(lines).toHaveLength(100);
    // Nothing is sent once the first 220 is back: only what was in flight then (4) went past the limit.
    expect(log.length).toBeLessThanOrEqual(10 + 4);
    const refused = lines.filter((l) => !l.ok && l.error.kind === 'notSent' && l.error.message.startsWith('refused'));
    expect(refused.length).toBe(log.length - 10);
    const { done } = prepareResume(output, false);
    expect(done.size).toBe(10);
  });

  it('a session that cannot take requests: the row is not sent and sending stops', async () => {
    const pipe = fakePipe((urn) => (urn >= 6 ? new PipeError('closed', 'the session daemon went away') : { Data: {} }));
    const { summary, lines } = await job(50, [pipe], { concurrency: 1 });
    expect(summary.stopped).toBe('session');
    expect(summary).toMatchObject({ ok: 5, notSent: 45, unknown: 0 });
    expect(lines).toHaveLength(50);
  });

  it('skips the rows already done (--resume)', async () => {
    const log: number[] = [];
    const pipe = fakePipe(() => ({ Data: {} }), log);
    const { summary, lines } = await job(10, [pipe], { skip: new Set([1, 2, 3, 9]) });
    expect(summary).toMatchObject({ rows: 10, skipped: 4, ok: 6 });
    expect(log.sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 10]);
    expect(lines.map((l) => l.row).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 10]);
  });

  it('interrupted: stops reading, lets what is in flight finish and writes it', async () => {
    let stop!: () => void;
    const interrupted = new Promise<void>((r) => (stop = r));
    const log: number[] = [];
    const pipe2 = fakePipe((_urn, sent) => {
      if (sent === 20) stop();
      return { Data: {} };
    }, log);
    const { summary, lines } = await job(1000, [pipe2], { concurrency: 4, interrupted });
    expect(summary.stopped).toBe('interrupted');
    // Request 20 is answered once 21..23 are in flight; nothing goes out after the interruption.
    expect(log).toHaveLength(23);
    expect(summary.ok).toBe(23);
    expect(summary.rows).toBe(23);
    expect(summary.unknown + summary.notSent + summary.failed).toBe(0);
    expect(lines).toHaveLength(summary.ok);
  });

  it('shares the rows among several sessions', async () => {
    const a = fakePipe(() => ({ Data: {} }));
    const b = fakePipe(() => ({ Data: {} }));
    const { summary } = await job(100, [a, b], { concurrency: 3 });
    expect(summary.ok).toBe(100);
    // --concurrency is per session: each reaches it, neither goes past it.
    expect(a.peak).toBe(3);
    expect(b.peak).toBe(3);
  });

  it.runIf(existsSync('/dev/full'))('an answer that cannot be written (a full disk) stops the job and fails it, with no stray rejection', async () => {
    const input = join(dir, `in-${++n}.csv`);
    writeFileSync(input, `Parameters.URN\n${Array.from({ length: 500 }, (_, i) => i + 1).join('\n')}\n`);
    const stray: unknown[] = [];
    const onStray = (err: unknown) => stray.push(err);
    process.on('unhandledRejection', onStray);
    const log: number[] = [];
    const out = new OutputFile('/dev/full');
    // How many requests had gone out when the first write failed: none may go out after it.
    let sentAtFailure: number | undefined;
    const write = out.write.bind(out);
    out.write = (line) => {
      try {
        write(line);
      } catch (err) {
        sentAtFailure ??= log.length;
        throw err;
      }
    };
    try {
      await expect(
        runBatch({
          verb: 'RunQuery', input, output: out, pipes: [fakePipe(() => ({ Data: {} }), log)], concurrency: 4, constants: { QueryNumber: 1 },
          skip: new Set(), interrupted: new Promise(() => {}),
        }),
      ).rejects.toThrow(/cannot write \/dev\/full: ENOSPC/);
      expect(sentAtFailure).toBeDefined();
      expect(log.length).toBe(sentAtFailure);
      await new Promise((r) => setTimeout(r, 20));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onStray);
      expect(() => out.close()).toThrow(/cannot write \/dev\/full: ENOSPC/);
    }
  });
});
