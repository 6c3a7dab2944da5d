import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog, type LoggedEvent } from '../../src/session/event-log.js';

// A profile's event log, which `aapi wait` and `aapi events` read: sequence numbers that go on
// from what is on disk (the daemon's wait mark is one of them), `since` strictly after a mark,
// `follow` for what comes next, secrets masked on disk, and a torn last line passed over.

const dir = mkdtempSync(join(tmpdir(), 'aapi-event-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `events-${++n}.jsonl`);
const onDisk = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoggedEvent);

describe('EventLog', () => {
  it('numbers the events from 1 and appends one JSON line each, with its time', () => {
    const path = fresh();
    const log = new EventLog(path);
    expect(log.lastSeq).toBe(0);
    const t = new Date('2026-01-02T03:04:05.678Z');
    expect(log.append({ event: 'NowAvailable', RID: 1 }, t)).toEqual({ seq: 1, time: '2026-01-02T03:04:05.678Z', event: { event: 'NowAvailable', RID: 1 } });
    log.append({ event: 'NowWaiting', RID: 2 }, t);
    expect(log.lastSeq).toBe(2);
    expect(onDisk(path).map((e) => [e.seq, e.event.event])).toEqual([[1, 'NowAvailable'], [2, 'NowWaiting']]);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });

  it('is written for its owner only', () => {
    if (process.platform === 'win32') return;
    const path = fresh();
    new EventLog(path).append({ event: 'NowAvailable' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('goes on from the last sequence number on disk (a new daemon on the same profile)', () => {
    const path = fresh();
    const first = new EventLog(path);
    first.append({ event: 'NowAvailable' });
    first.append({ event: 'NowWaiting' });
    first.append({ event: 'NowInCall' });
    const second = new EventLog(path);
    expect(second.lastSeq).toBe(3);
    expect(second.append({ event: 'NowInWrap' }).seq).toBe(4);
    expect(onDisk(path).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('since(mark): only the events after the mark, in order (what `wait` looks at)', () => {
    const log = new EventLog(fresh());
    for (const name of ['NowAvailable', 'NowWaiting', 'NowInCall', 'NowInWrap']) log.append({ event: name });
    expect(log.since(0).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(log.since(2).map((e) => e.event.event)).toEqual(['NowInCall', 'NowInWrap']);
    expect(log.since(4)).toEqual([]);
    expect(log.since(log.lastSeq)).toEqual([]);
  });

  it('follow: calls back with each event appended from then on, until stopped', () => {
    const log = new EventLog(fresh());
    log.append({ event: 'Before' });
    const seen: LoggedEvent[] = [];
    const other: number[] = [];
    const stop = log.follow((e) => seen.push(e));
    const stopOther = log.follow((e) => other.push(e.seq));
    log.append({ event: 'NowAvailable', Password: 'p' });
    expect(seen).toEqual([expect.objectContaining({ seq: 2, event: { event: 'NowAvailable', Password: '[Masked]' } })]);
    stop();
    log.append({ event: 'NowWaiting' });
    expect(seen).toHaveLength(1);
    expect(other).toEqual([2, 3]);
    stopOther();
  });

  it('masks secrets on disk and in what it returns', () => {
    const path = fresh();
    const log = new EventLog(path);
    const event = { event: 'X', data: { Password: 'hunter2', URN: '1' } };
    expect(log.append(event).event).toEqual({ event: 'X', data: { Password: '[Masked]', URN: '1' } });
    expect(readFileSync(path, 'utf8')).not.toContain('hunter2');
    expect(event.data.Password).toBe('hunter2'); // the event itself is left as it was
  });

  it('passes over a torn last line and blank lines, keeping every whole entry', () => {
    const path = fresh();
    writeFileSync(path, `${JSON.stringify({ seq: 1, time: 't', event: { event: 'A' } })}\n\n${JSON.stringify({ seq: 2, time: 't', event: { event: 'B' } })}\n`);
    appendFileSync(path, '{"seq":3,"time":"t","ev');
    expect(EventLog.read(path).map((e) => e.seq)).toEqual([1, 2]);
    expect(new EventLog(path).lastSeq).toBe(2);
  });

  it('a log not yet written has no events', () => {
    const path = fresh();
    expect(EventLog.read(path)).toEqual([]);
    expect(new EventLog(path).since(0)).toEqual([]);
  });
});
