import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import { EventLog, RECENT, rotatedPath } from '../../src/session/event-log.js';

// The event log of a session held for days: recent events served from memory (no file read for
// `wait`), the file rotated at its size, and older history still there for `events --since`.

const dir = mkdtempSync(join(tmpdir(), 'aapi-event-log-recent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `events-${++n}.jsonl`);

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, readFileSync: vi.fn(real.readFileSync) };
});

describe('EventLog, recent events', () => {
  it('takes up its numbering from the end of a large file without reading it whole', () => {
    const path = fresh();
    const lines = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ seq: i + 1, time: 't', event: { event: 'NowWaiting', RID: i } }));
    writeFileSync(path, `${lines.join('\n')}\n{"seq":50001,"ti`);
    vi.mocked(fs.readFileSync).mockClear();
    const log = new EventLog(path);
    expect(log.lastSeq).toBe(50_000);
    expect(vi.mocked(fs.readFileSync)).not.toHaveBeenCalled();
  });

  it('answers since(a recent mark) from memory: no file is read', () => {
    const path = fresh();
    const log = new EventLog(path);
    for (let i = 0; i < 100; i++) log.append({ event: 'NowWaiting', RID: i });
    vi.mocked(fs.readFileSync).mockClear();
    expect(log.since(95).map((e) => e.seq)).toEqual([96, 97, 98, 99, 100]);
    expect(log.since(100)).toEqual([]);
    expect(vi.mocked(fs.readFileSync)).not.toHaveBeenCalled();
    // Older than memory reaches (a log from before this process): the file.
    expect(new EventLog(path).since(98).map((e) => e.seq)).toEqual([99, 100]);
    expect(new EventLog(path).since(0)).toHaveLength(100);
  });

  it('keeps the newest in memory when many have come, and reads older ones from the file', () => {
    const path = fresh();
    const log = new EventLog(path);
    for (let i = 0; i < 2 * RECENT + 5; i++) log.append({ event: 'NowWaiting', RID: i });
    vi.mocked(fs.readFileSync).mockClear();
    expect(log.since(2 * RECENT).map((e) => e.seq)).toEqual([2 * RECENT + 1, 2 * RECENT + 2, 2 * RECENT + 3, 2 * RECENT + 4, 2 * RECENT + 5]);
    expect(vi.mocked(fs.readFileSync)).not.toHaveBeenCalled();
    expect(log.since(3).map((e) => e.seq).slice(0, 2)).toEqual([4, 5]);
    expect(log.since(3)).toHaveLength(2 * RECENT + 2);
  });

  it('bounds the memory by bytes too: a few large events push older ones out to the file', () => {
    const path = fresh();
    const log = new EventLog(path, 64 * 1024 * 1024, { events: 1000, bytes: 50_000 });
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 30; i++) log.append({ event: 'ChatMessage', RID: i, message: big });
    const memory = (log as unknown as { recent: unknown[]; recentBytes: number });
    expect(memory.recentBytes).toBeLessThanOrEqual(2 * 50_000);
    expect(memory.recent.length).toBeLessThan(11);
    // All of it is still there, from the file where memory no longer holds it.
    expect(log.since(0).map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    vi.mocked(fs.readFileSync).mockClear();
    expect(log.since(28).map((e) => e.seq)).toEqual([29, 30]);
    expect(vi.mocked(fs.readFileSync)).not.toHaveBeenCalled();
  });

  it('rotates the file at its size: the older file is kept once, and since() spans both', () => {
    const path = fresh();
    const log = new EventLog(path, 2000);
    for (let i = 0; i < 60; i++) log.append({ event: 'NowWaiting', RID: i });
    expect(existsSync(rotatedPath(path))).toBe(true);
    expect(statSync(path).size).toBeLessThanOrEqual(2000);
    expect(statSync(rotatedPath(path)).size).toBeLessThanOrEqual(2000);
    expect(rotatedPath(path)).toMatch(/events-\d+\.1\.jsonl$/);
    // The history still on disk, in order and without a gap, from wherever the older file starts.
    const all = new EventLog(path).since(0).map((e) => e.seq);
    expect(all.at(-1)).toBe(60);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => all[0] + i));
    expect(all[0]).toBeLessThan(JSON.parse(readFileSync(path, 'utf8').split('\n')[0]).seq);
    // A new process carries on the numbering even right after a rotation.
    expect(new EventLog(path).lastSeq).toBe(60);
  });
});
