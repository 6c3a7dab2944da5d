import { randomBytes } from 'node:crypto';
import { runJob, type JobResult, type JobSpec } from '../batch/job.js';
import { LaneError, type Lane } from '../batch/lane.js';
import type { Summary } from '../batch/run.js';
import type { Json } from '../protocol/codec.js';
import type { Session } from '../session/session.js';
import { errorKind } from './pipe.js';

// Batch jobs inside the session server: each runs on the sessions the server holds, so its rows
// cross no process but the dialler's; a client watches it (its progress, then its end), or none
// does (--detach) and `aapi jobs` finds it.

/** A profile's session as a batch lane: the requests of one turn of the event loop leave in one write. */
export class SessionLane implements Lane {
  private queued: { msg: Json; resolve: (r: Json) => void; reject: (e: Error) => void }[] = [];
  private count = 0;

  constructor(readonly profile: string, private readonly session: Session, private readonly timeoutMs: number, private readonly maxFrameBytes?: number) {}

  get inFlight(): number {
    return this.count;
  }

  request(msg: Json): Promise<Json> {
    this.count++;
    if (this.queued.length === 0) process.nextTick(this.flush);
    return new Promise<Json>((resolve, reject) => this.queued.push({ msg, resolve, reject })).finally(() => this.count--);
  }

  private readonly flush = (): void => {
    const batch = this.queued;
    this.queued = [];
    this.session.sendAll(batch.map((q) => q.msg), { timeoutMs: this.timeoutMs, maxFrameBytes: this.maxFrameBytes }).forEach((answer, i) =>
      answer.then(batch[i].resolve, (err: unknown) => {
        const e = errorKind(err)!;
        batch[i].reject(new LaneError(e.kind, e.message, e.response));
      }),
    );
  };
}

export interface Job {
  id: string;
  spec: JobSpec;
  started: string;
  /** The job's counts so far (its summary once it has ended). */
  summary: Summary;
  state: 'running' | 'done' | 'failed';
  result?: JobResult;
  /** Why it failed (the output could not be written ...), with the exit code. */
  error?: { message: string; exitCode: number };
  /** Stops sending, as Ctrl-C does: what is in flight finishes and is written; resumable. */
  stop(): void;
  /** Called on progress and once at the end; returns the function that stops it. */
  watch(fn: () => void): () => void;
}

const KEPT = 50;
const GC_ROWS = 10_000;
/** A full collection, where the server was started with --expose-gc (its default flags). */
const gc = () => (globalThis as { gc?: () => void }).gc?.();

export class Jobs {
  private readonly jobs = new Map<string, Job>();

  list(): Job[] {
    return [...this.jobs.values()];
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  start(spec: JobSpec, lanes: Lane[], failed: (err: unknown) => { message: string; exitCode: number }): Job {
    let stop!: () => void;
    const interrupted = new Promise<void>((r) => (stop = r));
    const watchers = new Set<() => void>();
    const tell = () => {
      for (const w of [...watchers]) w();
    };
    const job: Job = {
      id: randomBytes(4).toString('hex'),
      spec,
      started: new Date().toISOString(),
      summary: { rows: 0, ok: 0, failed: 0, unknown: 0, notSent: 0, skipped: 0, ms: 0 },
      state: 'running',
      stop,
      watch: (fn) => {
        watchers.add(fn);
        return () => watchers.delete(fn);
      },
    };
    this.jobs.set(job.id, job);
    // The newest finished jobs stay listed; older ones are forgotten.
    const finished = this.list().filter((j) => j.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEPT))) this.jobs.delete(j.id);
    let collectedAt = 0;
    runJob(spec, lanes, {
      interrupted,
      onProgress: (s) => {
        job.summary = s;
        // V8 lets the old generation grow with a long job's garbage; collected every so many rows,
        // the server's peak memory stays that of a short job (a few ms per GC_ROWS rows).
        if (s.rows - collectedAt >= GC_ROWS) {
          collectedAt = s.rows;
          gc();
        }
        tell();
      },
    }).then(
      (result) => {
        // A job's garbage is the server's largest: collected at once, the memory goes back.
        gc();
        job.result = result;
        job.summary = result.summary;
        job.state = 'done';
        tell();
      },
      (err: unknown) => {
        job.error = failed(err);
        job.state = 'failed';
        tell();
      },
    );
    return job;
  }
}
