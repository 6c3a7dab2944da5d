import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync } from 'node:fs';
import type { Json } from '../protocol/codec.js';
import { mask } from './mask.js';

export interface LoggedEvent {
  seq: number;
  time: string;
  event: Json;
}

/** When the log file reaches this size it becomes `events.1.jsonl` (replacing the one before) and a new file starts. */
export const ROTATE_BYTES = 16 * 1024 * 1024;
/** How many recent events are kept in memory: `wait` and `events --since` of a recent SEQ never read the file. */
export const RECENT = 10_000;
/** And at most this many bytes of them (as logged): a few large events (chat, records) do not fill memory. */
export const RECENT_BYTES = 4 * 1024 * 1024;

/**
 * A profile's event log: one JSON line per event with a sequence number and time. Each append is
 * written synchronously before the event is acknowledged, so an acknowledged event is never lost.
 * The newest events are also kept in memory, so a session held for days of calls answers `wait` as
 * fast as on its first day; older history is read from the files (this one and the one before it).
 */
export class EventLog {
  private seq: number;
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  /** The newest events, oldest first: every event after `memoryFrom`. */
  private recent: LoggedEvent[] = [];
  /** The logged size of each of `recent`, and their sum. */
  private recentSizes: number[] = [];
  private recentBytes = 0;
  private memoryFrom: number;
  private size: number;

  constructor(readonly path: string, private readonly rotateBytes = ROTATE_BYTES, private readonly memory = { events: RECENT, bytes: RECENT_BYTES }) {
    this.seq = lastSeqOf(path) ?? lastSeqOf(rotatedPath(path)) ?? 0;
    this.memoryFrom = this.seq;
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  append(event: Json, now = new Date()): LoggedEvent {
    const entry: LoggedEvent = { seq: this.seq + 1, time: now.toISOString(), event: mask(event) as Json };
    const line = `${JSON.stringify(entry)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.rotateBytes) {
      renameSync(this.path, rotatedPath(this.path));
      this.size = 0;
    }
    appendFileSync(this.path, line, { mode: 0o600 });
    this.size += bytes;
    this.seq = entry.seq;
    this.recent.push(entry);
    this.recentSizes.push(bytes);
    this.recentBytes += bytes;
    // Trimmed now and then, not on every append: twice the bound, back to the bound.
    if (this.recent.length > 2 * this.memory.events || this.recentBytes > 2 * this.memory.bytes) this.trim();
    for (const l of this.listeners) l(entry);
    return entry;
  }

  private trim(): void {
    let keep = 0;
    let bytes = 0;
    while (keep < this.recent.length && keep < this.memory.events && bytes + this.recentSizes[this.recent.length - 1 - keep] <= this.memory.bytes) {
      bytes += this.recentSizes[this.recent.length - 1 - keep];
      keep++;
    }
    this.recent = this.recent.slice(this.recent.length - keep);
    this.recentSizes = this.recentSizes.slice(this.recentSizes.length - keep);
    this.recentBytes = bytes;
    this.memoryFrom = this.seq - keep;
  }

  /** Calls `fn` for each event appended from now on; returns the function that stops it. */
  follow(fn: (e: LoggedEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The events after `seq`: from memory when it holds them all, else from the files. */
  since(seq: number): LoggedEvent[] {
    if (seq >= this.memoryFrom) {
      const i = this.recent.findIndex((e) => e.seq > seq);
      return i < 0 ? [] : this.recent.slice(i);
    }
    return [...EventLog.read(rotatedPath(this.path)), ...EventLog.read(this.path)].filter((e) => e.seq > seq);
  }

  /** Every whole entry of a log file; a torn last line (a crash mid-write) is passed over. */
  static read(path: string): LoggedEvent[] {
    if (!existsSync(path)) return [];
    const out: LoggedEvent[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as LoggedEvent);
      } catch {
        // a torn line
      }
    }
    return out;
  }
}

/** `events.jsonl` → `events.1.jsonl`. */
export const rotatedPath = (path: string) => path.replace(/(\.jsonl)?$/, '.1$1');

/** The sequence number of the last whole entry of a log file, read from its end only. */
function lastSeqOf(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    for (let span = 64 * 1024; ; span *= 4) {
      const from = Math.max(0, size - span);
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      const lines = buf.toString('utf8').split('\n');
      // The first line of a partial read may be cut: only whole lines count, unless the read began at 0.
      for (let i = lines.length - 1; i >= (from === 0 ? 0 : 1); i--) {
        const m = /^\{"seq":(\d+),/.exec(lines[i]);
        if (m && lines[i].endsWith('}')) {
          try {
            return (JSON.parse(lines[i]) as LoggedEvent).seq;
          } catch {
            // a torn line
          }
        }
      }
      if (from === 0) return undefined;
    }
  } finally {
    closeSync(fd);
  }
}
