import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, json, jsonLines, until, World, type Control, type Running } from '../helpers/e2e.js';
import type { SimProcess } from '../helpers/spawn.js';

// `aapi batch` end to end: the real binary through a logged-in profile's daemon against the real
// `aapi sim`. Every assertion holds whatever the timing: where a fault must land in the middle of a
// job, the session daemon is paused (SIGSTOP) so that the job cannot finish meanwhile, and what
// was sent is counted in the simulator (`received`, `records`, `requestsUsed`), never timed.

const w = new World('batch');
afterEach(() => w.cleanup(), 60_000);
afterAll(() => w.dispose(), 60_000);

type Line = { row: number; ok: boolean; response?: Record<string, any>; error?: { kind: string; message: string } & Record<string, any> };

let files = 0;
function file(ext: string, content: string): string {
  const path = join(w.scratch, `f${++files}.${ext}`);
  writeFileSync(path, content);
  return path;
}
const outPath = () => join(w.scratch, `out${++files}.jsonl`);
const lines = (path: string): Line[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line) : [];
const lineCount = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Exactly one line per row of 1..n. */
function expectOneLinePerRow(ls: Line[], n: number): void {
  const rows = ls.map((l) => l.row).sort((a, b) => a - b);
  expect(rows.length, 'lines in the output').toBe(n);
  expect(rows).toEqual(range(n));
}
const count = (ls: Line[], kind: 'ok' | string) => ls.filter((l) => (kind === 'ok' ? l.ok : !l.ok && l.error?.kind === kind)).length;

/** A lookup (DataQuery 1) for each row, by URN: 1001..1005 exist, 9999 does not (an empty Data). */
const lookupJsonl = (n: number) => range(n).map((i) => `${JSON.stringify({ Parameters: { URN: i % 10 === 0 ? '9999' : String(1000 + (i % 5) + 1) } })}\n`).join('');
/** An insert (DataQuery 2) for each row: a record per row in the simulator. */
const insertJsonl = (n: number) => range(n).map((i) => `${JSON.stringify({ QueryNumber: 2, values: { Name: `Name ${i}`, Tel: `0700${i}` } })}\n`).join('');

async function session(profile = 'default', agent = 'demo', sim?: { sim: SimProcess; control: Control }) {
  const s = sim ?? (await w.sim());
  const login = await w.login(s.sim, { profile, agent });
  expect(login.code, login.stderr).toBe(0);
  return s;
}

const state = (c: Control) => c.state();

/** Pauses the profile's session daemon while `fn` runs: requests in flight stay in flight. */
async function withDaemonPaused<T>(profile: string, fn: () => Promise<T>): Promise<T> {
  const pid = w.daemonPid(profile);
  expect(pid, 'the daemon of the profile').toBeDefined();
  process.kill(pid!, 'SIGSTOP');
  try {
    return await fn();
  } finally {
    process.kill(pid!, 'SIGCONT');
  }
}

async function untilLines(path: string, n: number, job: Running, ms = 30_000): Promise<void> {
  const reached = await until(() => lineCount(path) >= n || job.proc.exitCode !== null, ms, 20);
  expect(reached, `output reached ${n} lines`).toBeTruthy();
  expect(job.proc.exitCode, `the job is still running at ${lineCount(path)} lines: ${job.stderr}`).toBeNull();
}

describe('aapi batch', () => {
  it('1,000 CSV rows with RFC 4180 quoting: each inserted once; a 1,000-row JSONL reads them back intact', async () => {
    const { control } = await session();
    const names = range(1000).map((i) => (i % 3 === 0 ? `Bloggs, Jo ${i}` : i % 3 === 1 ? `Line one ${i}\nline "two"` : `Plain ${i}`));
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const csv = `\ufeffQueryNumber,values.Name,values.Tel\r\n${names.map((n, i) => `2,${quote(n)},0700${i + 1}`).join('\r\n')}\r\n`;
    const input = file('csv', csv);
    const output = outPath();
    const before = await state(control);
    const r = await w.aapi(['batch', 'run-query', '--input', input, '--output', output, '--concurrency', '16', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = json(r);
    expect(summary).toMatchObject({ rows: 1000, ok: 1000, failed: 0, unknown: 0, notSent: 0, skipped: 0, output });
    expect(summary.rowsPerSecond).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^1000 rows: 1000 ok, 0 failed, 0 unknown, 0 not sent \(\d+ rows\/s\)/);
    expect(r.stderr).not.toMatch(/[\r█░]/); // no progress bar without a terminal
    const out = lines(output);
    expectOneLinePerRow(out, 1000);
    expect(out.every((l) => l.ok && typeof l.response?.Data === 'string')).toBe(true);
    const after = await state(control);
    expect(after.received.RunQuery - before.received.RunQuery).toBe(1000);
    expect(after.records - before.records).toBe(1000);
    expect(new Set(out.map((l) => l.response!.Data)).size).toBe(1000);

    // Read every new record back by its URN, as JSONL (the response of GetRecord is its `data`).
    const byRow = new Map(out.map((l) => [l.row, String(l.response!.Data)]));
    const jsonl = file('jsonl', range(1000).map((i) => `${JSON.stringify({ URN: byRow.get(i) })}\n`).join(''));
    const output2 = outPath();
    const r2 = await w.aapi(['batch', 'get-record', '--input', jsonl, '--output', output2]);
    expect(r2.code, r2.stderr).toBe(0);
    const back = lines(output2);
    expectOneLinePerRow(back, 1000);
    for (const l of back) {
      expect(l.ok).toBe(true);
      expect(l.response!.data).toMatchObject({ URN: byRow.get(l.row), Name: names[l.row - 1], Tel: `0700${l.row}` });
    }
    expect((await state(control)).received.GetRecord - after.received.GetRecord).toBe(1000);
  }, 120_000);

  it('1,000 JSONL rows with a constant flag: lookups pipelined, found or not', async () => {
    const { control } = await session();
    const input = file('jsonl', lookupJsonl(1000));
    const output = outPath();
    const r = await w.aapi(['batch', 'RunQuery', '--query-number', '1', '--input', input, '--output', output, '--concurrency', '8']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const out = lines(output);
    expectOneLinePerRow(out, 1000);
    for (const l of out) {
      expect(l.ok).toBe(true);
      expect(l.response!.Data).toEqual(l.row % 10 === 0 ? {} : expect.objectContaining({ URN: String(1000 + (l.row % 5) + 1) }));
    }
    const s = await state(control);
    expect(s.received.RunQuery).toBe(1000);
    expect(s.agents.demo.requestsUsed).toBe(1000);
  }, 90_000);

  it('a column that is no key of the verb goes where the catalogue says (RunQuery: URN → Parameters.URN), and the summary says so', async () => {
    await session();
    const output = outPath();
    const r = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', file('csv', 'URN\n1001\n1002\n'), '--output', output]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^2 rows: 2 ok.*\ncolumn URN → Parameters\.URN\n/);
    expect(lines(output).map((l) => l.response!.Data.URN).sort()).toEqual(['1001', '1002']);
    // A verb without such a key refuses the column, naming what a nested value would be.
    const r2 = await w.aapi(['batch', 'transfer-call', '--input', file('csv', 'TransferType,Colour\n1,red\n'), '--output', outPath()]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/column "Colour" is not a key of TransferCall \(its keys: .*\) \(a nested value is written data\.Colour\)/);
  }, 60_000);

  it('malformed rows are ok:false lines naming the row and the problem; the job goes on and exits 1', async () => {
    const { control } = await session();
    // CSV: a short row, a long row, a bad type, an empty required value, a server error (no DataQuery 77).
    const csv = file('csv', 'QueryNumber,Parameters.URN\n1,1001\n1\n1,1002,extra\nabc,1003\n,1004\n77,1005\n1,1003\n');
    const output = outPath();
    const r = await w.aapi(['batch', 'run-query', '--input', csv, '--output', output]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^7 rows: 2 ok, 5 failed, 0 unknown, 0 not sent/);
    const out = lines(output);
    expectOneLinePerRow(out, 7);
    const byRow = Object.fromEntries(out.map((l) => [l.row, l]));
    expect(byRow[1].ok).toBe(true);
    expect(byRow[2].error).toEqual({ kind: 'input', message: 'row 2: line 3: 1 fields, but the header has 2' });
    expect(byRow[3].error).toEqual({ kind: 'input', message: 'row 3: line 4: 3 fields, but the header has 2' });
    expect(byRow[4].error).toEqual({ kind: 'input', message: 'row 4: RunQuery.QueryNumber must be an integer, got "abc"' });
    expect(byRow[5].error).toEqual({ kind: 'input', message: 'row 5: RunQuery.QueryNumber is required' });
    expect(byRow[6].error).toMatchObject({ kind: 'server', number: 200 });
    expect(byRow[7].ok).toBe(true);
    expect((await state(control)).received.RunQuery).toBe(3);

    // JSONL: broken JSON, not an object, an unknown key, a nested value that is an object.
    const jsonl = file('jsonl', [
      '{"QueryNumber":1,"Parameters":{"URN":"1001"}}', '{"QueryNumber":1,', '', '[1]',
      '{"QueryNumber":1,"Colour.x":"red"}', '{"QueryNumber":1,"Parameters":{"URN":{"x":1}}}', '{"QueryNumber":3}',
    ].join('\n'));
    const output2 = outPath();
    const r2 = await w.aapi(['batch', 'run-query', '--input', jsonl, '--output', output2]);
    expect(r2.code, r2.stderr).toBe(1);
    const out2 = lines(output2);
    expectOneLinePerRow(out2, 6);
    const by2 = Object.fromEntries(out2.map((l) => [l.row, l]));
    expect(by2[1].ok).toBe(true);
    expect(by2[2].error).toMatchObject({ kind: 'input', message: expect.stringMatching(/^row 2: line 2: not JSON/) });
    expect(by2[3].error).toEqual({ kind: 'input', message: 'row 3: line 4: not a JSON object' });
    expect(by2[4].error).toEqual({ kind: 'input', message: 'row 4: Colour.x is not a key of RunQuery' });
    expect(by2[5].error).toMatchObject({ kind: 'input', message: expect.stringMatching(/^row 5: RunQuery\.Parameters must hold plain values/) });
    expect(by2[6]).toMatchObject({ ok: true, response: { Data: 6 } });
    expect((await state(control)).received.RunQuery).toBe(3 + 2);

    // A broken quote: the rows before it are done, the broken one says so, and input ends there.
    const broken = file('csv', 'Parameters.URN\n1001\n1002\n"10"03\n1004\n');
    const output3 = outPath();
    const r3 = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', broken, '--output', output3]);
    expect(r3.code, r3.stderr).toBe(1);
    const out3 = lines(output3);
    expect(out3.filter((l) => l.ok).map((l) => l.row).sort()).toEqual([1, 2]);
    expect(out3.find((l) => l.row === 3)!.error).toMatchObject({ kind: 'input', message: expect.stringMatching(/^row 3: malformed CSV: .*line 4/) });
  }, 90_000);

  it.each([
    ['a drop', 'dropConnections', {}],
    ['a simulator restart (SIDs forgotten)', 'restart', { downMs: 300 }],
  ])('%s in the middle: in-flight rows are unknown, never resent; --resume skips them; --retry-unknown sends exactly them', async (_what, op, body) => {
    // A network's delay keeps every slot's answer on its way when the connection goes: some rows are surely unknown.
    const { control } = await session('default', 'demo', await w.sim({ timings: { latencyMs: 50 } }));
    const N = 4000;
    const input = file('jsonl', insertJsonl(N));
    const output = outPath();
    const args = ['batch', 'run-query', '--input', input, '--output', output, '--concurrency', '32'];
    const before = await state(control);
    const job = w.start(args);
    await untilLines(output, 300, job);
    await control.post(op, body);
    const code = await job.exited;
    const first = lines(output);
    expectOneLinePerRow(first, N);
    const ok = count(first, 'ok');
    const unknown = count(first, 'unknown');
    expect(ok + unknown, job.stderr).toBe(N); // nothing failed, nothing left unsent
    expect(code, job.stderr).toBe(unknown ? 1 : 0);
    if (unknown) expect(job.stderr).toMatch(/--resume --retry-unknown sends them again/);
    const mid = await state(control);
    const sent = mid.received.RunQuery - before.received.RunQuery;
    const created = mid.records - before.records;
    // Every ok row was received once; an unknown row at most once.
    expect(unknown).toBeGreaterThan(0);
    expect(sent).toBeGreaterThanOrEqual(ok);
    expect(sent - ok).toBeLessThanOrEqual(unknown);
    expect(created).toBe(sent);
    // The daemon reconnected and authenticated again by itself.
    expect(await until(async () => (await state(control)).received.Authenticate > before.received.Authenticate, 15_000)).toBe(true);

    // --resume: every row has its line; nothing is sent again.
    const r = await w.aapi([...args, '--resume']);
    expect(r.code, r.stderr).toBe(unknown ? 1 : 0);
    expect(r.stderr).toMatch(new RegExp(`^${N} rows: 0 ok, 0 failed, 0 unknown, 0 not sent, ${N} already done`));
    expect((await state(control)).received.RunQuery).toBe(mid.received.RunQuery);
    expectOneLinePerRow(lines(output), N);

    // --resume --retry-unknown: the unknown rows, and only they, are sent again.
    const r2 = await w.aapi([...args, '--resume', '--retry-unknown']);
    expect(r2.code, r2.stderr).toBe(0);
    const end = await state(control);
    expect(end.received.RunQuery - mid.received.RunQuery).toBe(unknown);
    const final = lines(output);
    expectOneLinePerRow(final, N);
    expect(final.every((l) => l.ok)).toBe(true);
  }, 120_000);

  it('a row whose request is over the frame limit is ok:false with that error, never sent (not unknown); over the simulator\'s 256 KiB, answered by its RID', async () => {
    const { control } = await session();
    const rows = (cell: string) => file('jsonl', ['1001', cell, '1002'].map((URN) => `${JSON.stringify({ URN })}\n`).join(''));
    const job = async (input: string, flags: string[] = []) => {
      const output = outPath();
      const r = await w.aapi(['batch', 'get-record', '--input', input, '--output', output, ...flags], { ms: 30_000 });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^3 rows: 2 ok, 1 failed, 0 unknown, 0 not sent/);
      const out = lines(output);
      expectOneLinePerRow(out, 3);
      expect(out.filter((l) => l.ok).map((l) => l.row).sort()).toEqual([1, 3]);
      return out.find((l) => l.row === 2)!.error;
    };
    // Over the default 1 MiB: refused by the client.
    const oneMiB = rows('x'.repeat(1_100_000));
    expect(await job(oneMiB)).toEqual({ kind: 'input', message: expect.stringMatching(/^request is 1100\d{3} bytes, over the 1 MiB frame limit \(--max-frame\)$/) });
    // Over a lowered limit.
    expect(await job(rows('x'.repeat(300_000)), ['--max-frame', '256k'])).toEqual({ kind: 'input', message: expect.stringContaining('over the 256 KiB frame limit') });
    expect((await state(control)).received.GetRecord).toBe(4);
    // Raised past the simulator's own limit: sent, and the simulator's error 99 comes back for that row, at once.
    expect(await job(oneMiB, ['--max-frame', '2m', '--timeout', '10s'])).toMatchObject({ kind: 'server', number: 99 });
  });

  it('198 mid-job (every SID forgotten): the daemon authenticates again and resends; every row ok, once', async () => {
    const { control } = await session();
    const N = 3000;
    const C = 8;
    const input = file('jsonl', lookupJsonl(N));
    const output = outPath();
    const before = await state(control);
    const job = w.start(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', output, '--concurrency', String(C)]);
    await untilLines(output, 200, job);
    // With the daemon paused the job cannot end meanwhile: the requests after this all meet 198.
    await withDaemonPaused('default', () => control.post('expireSessions'));
    expect(await job.exited, job.stderr).toBe(0);
    const out = lines(output);
    expectOneLinePerRow(out, N);
    expect(out.every((l) => l.ok)).toBe(true);
    const after = await state(control);
    expect(after.received.Authenticate - before.received.Authenticate).toBe(1);
    // Refused with 198 and sent again: no more than were in flight.
    const resent = after.received.RunQuery - before.received.RunQuery - N;
    expect(resent).toBeGreaterThanOrEqual(1);
    expect(resent).toBeLessThanOrEqual(C);
  }, 90_000);

  it('220 mid-job: stops sending, writes the rest as not sent, exits 1 saying when to resume; --resume finishes, no answered row sent twice', async () => {
    const { control } = await session();
    const N = 1000;
    const LIMIT = 400;
    await control.post('setRequestLimit', { agent: 'demo', limit: LIMIT });
    const input = file('jsonl', lookupJsonl(N));
    const output = outPath();
    const args = ['batch', 'run-query', '--query-number', '1', '--input', input, '--output', output, '--concurrency', '8'];
    const r = await w.aapi(args);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/stopped: .*220.*\. The limit is reset overnight: then run the same command with --resume/);
    const first = lines(output);
    expectOneLinePerRow(first, N);
    expect(count(first, 'ok')).toBe(LIMIT);
    expect(count(first, 'notSent')).toBe(N - LIMIT);
    expect(count(first, 'server')).toBe(0);
    const refused = first.filter((l) => !l.ok && /^refused: .*220/.test(l.error!.message)).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(8); // only what was in flight when the first 220 came back
    const mid = await state(control);
    expect(mid.received.RunQuery).toBe(LIMIT + refused);

    // The limit is lifted: --resume sends exactly the rows not done.
    await control.post('setRequestLimit', { agent: 'demo', limit: null });
    const r2 = await w.aapi([...args, '--resume']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(new RegExp(`^${N} rows: ${N - LIMIT} ok, 0 failed, 0 unknown, 0 not sent, ${LIMIT} already done`));
    const final = lines(output);
    expectOneLinePerRow(final, N);
    expect(final.every((l) => l.ok)).toBe(true);
    const end = await state(control);
    expect(end.received.RunQuery - mid.received.RunQuery).toBe(N - LIMIT);
    expect(end.agents.demo.requestsUsed).toBe(N);
  }, 90_000);

  it('kill -9 of the session server mid-job, then --resume: no row sent twice (inserts counted); the rows whose fate is unknown are sent only with --retry-unknown', async () => {
    // A network's delay keeps every slot's answer on its way when the server dies: some rows are surely unknown.
    const { sim, control } = await session('default', 'demo', await w.sim({ timings: { latencyMs: 20 } }));
    const N = 4000;
    const C = 32;
    const input = file('jsonl', insertJsonl(N));
    const output = outPath();
    const journal = `${output}.sent`;
    const args = ['batch', 'run-query', '--input', input, '--output', output, '--concurrency', String(C)];
    const before = await state(control);
    const job = w.start(args);
    await untilLines(output, 300, job);
    const pid = w.daemonPid()!;
    process.kill(pid, 'SIGKILL');
    expect(await until(() => !alive(pid), 15_000)).toBe(true);
    expect(await job.exited, job.stderr).toBe(3);
    expect(job.stderr).toMatch(/the session server went away during the job \(killed, or it crashed\): log in again, then run the same command with --resume/);
    const partial = lines(output);
    expect(partial.length).toBeLessThan(N);
    expect(partial.every((l) => l.ok)).toBe(true);
    expect(existsSync(journal)).toBe(true);
    // The next command says the server is gone; the next login starts a fresh one.
    const gone = await w.aapi(['status']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(new RegExp(`its daemon \\(PID ${pid}\\) is gone: it was killed, or it crashed`));
    expect((await w.login(sim)).code).toBe(0);

    // --resume: the journal's rows without a line become unknown, and are not sent again.
    const r = await w.aapi([...args, '--resume']);
    expect(r.code, r.stderr).toBe(1);
    const mid = lines(output);
    expectOneLinePerRow(mid, N);
    const unknown = count(mid, 'unknown');
    expect(unknown).toBeGreaterThan(0);
    expect(unknown).toBeLessThanOrEqual(C);
    expect(count(mid, 'ok') + unknown).toBe(N);
    expect(mid.find((l) => !l.ok)!.error!.message).toMatch(/^sent before the job was stopped/);
    expect(r.stderr).toMatch(new RegExp(`^${N} rows: ${N - partial.length - unknown} ok, 0 failed, 0 unknown, 0 not sent, ${partial.length + unknown} already done \\(${unknown} of them not ok\\)`));
    expect(existsSync(journal)).toBe(false);
    const after = await state(control);
    const sent = after.received.RunQuery - before.received.RunQuery;
    // Each row at most once: the ok rows, and of the unknown ones only those that had reached the simulator.
    expect(sent).toBeLessThanOrEqual(N);
    expect(sent).toBeGreaterThanOrEqual(N - unknown);
    expect(after.records - before.records).toBe(sent);

    // --retry-unknown: exactly the unknown rows, once more.
    const r2 = await w.aapi([...args, '--resume', '--retry-unknown']);
    expect(r2.code, r2.stderr).toBe(0);
    const end = await state(control);
    expect(end.received.RunQuery - after.received.RunQuery).toBe(unknown);
    const final = lines(output);
    expectOneLinePerRow(final, N);
    expect(final.every((l) => l.ok)).toBe(true);
  }, 120_000);

  it('kill -9 of the aapi batch client mid-job: the server stops the job as Ctrl-C would, nothing answered lost; --resume sends exactly the rest', async () => {
    const { control } = await session();
    const N = 4000;
    const input = file('jsonl', insertJsonl(N));
    const output = outPath();
    const args = ['batch', 'run-query', '--input', input, '--output', output, '--concurrency', '32'];
    const before = await state(control);
    const job = w.start(args);
    await untilLines(output, 300, job);
    job.proc.kill('SIGKILL');
    await job.exited;
    // The server lets what was in flight finish and writes it; then the job is listed as ended.
    expect(await until(async () => jsonLines((await w.aapi(['jobs'])).stdout).every((j) => j.state !== 'running'), 20_000)).toBe(true);
    const partial = lines(output);
    expect(partial.length).toBeLessThan(N);
    expect(partial.every((l) => l.ok)).toBe(true);
    expect(existsSync(`${output}.sent`)).toBe(false);
    const mid = await state(control);
    expect(mid.received.RunQuery - before.received.RunQuery).toBe(partial.length);
    const r = await w.aapi([...args, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expectOneLinePerRow(lines(output), N);
    const end = await state(control);
    expect(end.received.RunQuery - before.received.RunQuery).toBe(N);
    expect(end.records - before.records).toBe(N);
  }, 120_000);

  it('Ctrl-C mid-job: waits for what is in flight, writes it, exits 130; --resume completes with no row sent twice', async () => {
    const { control } = await session();
    const N = 3000;
    const input = file('jsonl', lookupJsonl(N));
    const output = outPath();
    const args = ['batch', 'run-query', '--query-number', '1', '--input', input, '--output', output, '--concurrency', '8'];
    const job = w.start(args);
    await untilLines(output, 200, job);
    await withDaemonPaused('default', async () => {
      job.proc.kill('SIGINT');
      // The job cannot end while its rows in flight are unanswered.
      await new Promise((r) => setTimeout(r, 300));
      expect(job.proc.exitCode).toBeNull();
    });
    const code = await job.exited;
    expect(code, job.stderr).toBe(130);
    expect(job.stderr).toMatch(/interrupted: run the same command with --resume to carry on/);
    const partial = lines(output);
    expect(partial.length).toBeLessThan(N);
    expect(partial.every((l) => l.ok)).toBe(true);
    // Every row sent before Ctrl-C was answered and written.
    expect((await state(control)).received.RunQuery).toBe(partial.length);

    const r = await w.aapi([...args, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    const final = lines(output);
    expectOneLinePerRow(final, N);
    expect(final.every((l) => l.ok)).toBe(true);
    expect((await state(control)).received.RunQuery).toBe(N);
  }, 90_000);

  it('two profiles share the rows: both agents carry requests, each row once', async () => {
    const s = await session('a', 'demo');
    await session('b', 'demo2', s);
    const N = 400;
    const input = file('jsonl', lookupJsonl(N));
    const output = outPath();
    const r = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', output, '--profiles', 'a,b', '--concurrency', '4']);
    expect(r.code, r.stderr).toBe(0);
    expectOneLinePerRow(lines(output), N);
    const st = await state(s.control);
    expect(st.agents.demo.requestsUsed).toBeGreaterThan(0);
    expect(st.agents.demo2.requestsUsed).toBeGreaterThan(0);
    expect(st.agents.demo.requestsUsed + st.agents.demo2.requestsUsed).toBe(N);
    expect(st.received.RunQuery).toBe(N);
  }, 90_000);

  it('an output that is no regular file (/dev/null, /dev/full) is refused before anything is sent: --resume needs to read it again', async () => {
    const { control } = await session();
    const before = await state(control);
    const input = file('jsonl', lookupJsonl(10));
    for (const device of ['/dev/null', '/dev/full']) {
      const r = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', device]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`aapi: --output must be a regular file (--resume reads it again): ${device} is not one\n`);
    }
    expect((await state(control)).received).toEqual(before.received);
  }, 60_000);

  it('an output given as a symbolic link (to /dev/null: refused; to a file: --resume rewrites that file and the link stays)', async () => {
    const { control } = await session();
    const input = file('jsonl', lookupJsonl(10));
    const toDevice = join(w.scratch, 'to-null.jsonl');
    symlinkSync('/dev/null', toDevice);
    const refused = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', toDevice]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--output must be a regular file/);
    const target = join(w.scratch, 'results-target.jsonl');
    const link = join(w.scratch, 'results-link.jsonl');
    // A first job that answered rows 1..5 only, as an interrupted one would have.
    writeFileSync(target, range(5).map((row) => `${JSON.stringify({ row, ok: true, response: { Response: 'OK' } })}\n`).join(''));
    symlinkSync(target, link);
    const before = (await state(control)).received.RunQuery ?? 0;
    const r = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', input, '--output', link, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expectOneLinePerRow(lines(target), 10);
    expect(((await state(control)).received.RunQuery ?? 0) - before).toBe(5);
  }, 60_000);

  it('one job per output: a second job on an output being written, or a rerun beside a journal a killed job left, is refused (exit 2)', async () => {
    const { control } = await session('default', 'demo', await w.sim({ timings: { latencyMs: 20 } }));
    const input = file('jsonl', insertJsonl(2000));
    const output = outPath();
    const args = ['batch', 'run-query', '--input', input, '--output', output, '--concurrency', '8'];
    const first = await w.aapi([...args, '--detach']);
    const id = json(first).job as string;
    await untilLines(output, 20, w.start(['jobs', 'wait', id]));
    const second = await w.aapi([...args, '--resume']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`job ${id} is writing .*: wait for it`));
    expect((await w.aapi(['jobs', 'stop', id])).code).toBe(0);
    expect((await w.aapi(['jobs', 'wait', id])).code).toBe(130);
    const sent = (await state(control)).received.RunQuery;
    expect(sent).toBe(lines(output).length);
    // A journal with no output beside it: a job killed before its first answer was written.
    const other = outPath();
    writeFileSync(`${other}.sent`, '1\n2\n');
    const rerun = await w.aapi(['batch', 'run-query', '--input', input, '--output', other]);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toMatch(/\.sent is left by a job that was stopped, whose rows may have been carried out: add --resume/);
    expect((await state(control)).received.RunQuery).toBe(sent);
  }, 90_000);

  it('--input - reads the rows from standard input (the client copies them for the server, and the copy goes)', async () => {
    const { control } = await session();
    const output = outPath();
    const r = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', '-', '--output', output], { input: lookupJsonl(500) });
    expect(r.code, r.stderr).toBe(0);
    expectOneLinePerRow(lines(output), 500);
    expect(count(lines(output), 'ok')).toBe(500);
    expect((await state(control)).received.RunQuery).toBe(500);
    expect(readdirSync(w.paths().stateDir).filter((f) => f.startsWith('batch-input-'))).toEqual([]);
    const csv = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', '-', '--output', outPath()], { input: 'Parameters.URN\n1001\n1002\n' });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toMatch(/^2 rows: 2 ok/);
  }, 60_000);

  it('--detach: the job runs in the server with no client; aapi jobs lists it, jobs wait follows it to its exit code, jobs stop stops it (resumable)', async () => {
    const { control } = await session('default', 'demo', await w.sim({ timings: { latencyMs: 20 } }));
    const N = 3000;
    const input = file('jsonl', insertJsonl(N));
    const output = outPath();
    const args = ['batch', 'run-query', '--input', input, '--output', output, '--concurrency', '8'];
    const started = await w.aapi([...args, '--detach']);
    expect(started.code, started.stderr).toBe(0);
    // Not a terminal: the id as JSON on stdout.
    const id = json(started).job as string;
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(started.stderr).toMatch(new RegExp(`aapi jobs wait ${id}`));
    const listed = jsonLines((await w.aapi(['jobs'])).stdout);
    expect(listed).toEqual([expect.objectContaining({ id, state: 'running', verb: 'RunQuery', profiles: ['default'], output })]);
    await untilLines(output, 100, w.start(['jobs', 'wait', id]));
    const stop = await w.aapi(['jobs', 'stop', id]);
    expect(stop.code, stop.stderr).toBe(0);
    const waited = await w.aapi(['jobs', 'wait', id]);
    expect(waited.code, waited.stderr).toBe(130);
    expect(waited.stderr).toMatch(/interrupted: run the same command with --resume to carry on/);
    const partial = lines(output);
    expect(partial.length).toBeLessThan(N);
    expect((await state(control)).received.RunQuery).toBe(partial.length);
    // --resume (detached too) finishes it; jobs wait gives its exit code.
    const again = await w.aapi([...args, '--resume', '--detach']);
    const id2 = json(again).job as string;
    const done = await w.aapi(['jobs', 'wait', id2], { ms: 90_000 });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(new RegExp(`^${N} rows: ${N - partial.length} ok`));
    expectOneLinePerRow(lines(output), N);
    expect((await state(control)).received.RunQuery).toBe(N);
    expect((await w.aapi(['jobs', 'wait', 'nosuchjob'])).code).toBe(2);
  }, 120_000);

  it('usage errors exit 2 and send nothing; no session exits 3', async () => {
    const { control } = await session();
    const good = file('csv', 'Parameters.URN\n1001\n');
    const before = await state(control);

    const unknownColumn = file('csv', 'URN,Colour\n1001,red\n');
    const out1 = outPath();
    const r1 = await w.aapi(['batch', 'get-record', '--input', unknownColumn, '--output', out1]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/column "Colour" is not a key of GetRecord/);
    expect(existsSync(out1)).toBe(false);

    const existing = outPath();
    writeFileSync(existing, '{"row":1,"ok":true,"response":{}}\n');
    const r2 = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', good, '--output', existing]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/already has results: add --resume/);
    expect(readFileSync(existing, 'utf8')).toBe('{"row":1,"ok":true,"response":{}}\n');

    for (const bad of [
      ['batch', 'run-query', '--query-number', '1', '--input', good, '--output', outPath(), '--concurrency', '0'],
      ['batch', 'run-query', '--query-number', 'x', '--input', good, '--output', outPath()],
      ['batch', 'run-query', '--tel-number', '1', '--input', good, '--output', outPath()],
      ['batch', 'run-query', '--input', join(w.scratch, 'missing.csv'), '--output', outPath()],
      ['batch', 'no-such-verb', '--input', good, '--output', outPath()],
      ['batch', 'run-query', '--query-number', '1', '--input', w.scratch, '--output', outPath()],
      // No row can carry the event's RID an Acknowledge needs (this once stopped the job, exit 3, "log in again").
      ['batch', 'acknowledge', '--input', file('jsonl', '{}\n{}\n'), '--output', outPath()],
    ]) {
      const r = await w.aapi(bad);
      expect(r.code, `${bad.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^aapi: [^\n]+\n$/);
    }
    expect((await state(control)).received).toEqual(before.received);

    const r3 = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', good, '--output', outPath(), '--profile', 'nobody']);
    expect(r3.code).toBe(3);
    expect(r3.stderr).toMatch(/no session for profile nobody: run `aapi login --profile nobody`/);
    const r4 = await w.aapi(['batch', 'run-query', '--query-number', '1', '--input', good, '--output', outPath(), '--profiles', 'default,nobody']);
    expect(r4.code).toBe(3);
    expect((await state(control)).received).toEqual(before.received);
  }, 90_000);
});
