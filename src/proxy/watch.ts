import { parseFrame } from '../protocol/codec.js';
import { Recorder } from '../recipe/recorder.js';
import { Redactor } from '../session/mask.js';
import { ClientChecker, type CheckOptions } from './checker.js';
import { frameEntry, type FrameEntry } from './log.js';
import type { ConnectionReport } from './report.js';
import type { Tap } from './server.js';

// What is made of the traffic of every client: its checks, its log entries and (for the first
// client) its recording; at the end, the conformance report. Also used by `aapi sim --check`, whose
// clients it watches from inside the simulator.

export interface WatchOptions {
  checks: CheckOptions;
  /** Each frame's log entry, when someone reads them (the live log, --log, --json). */
  log?: (e: FrameEntry) => void;
  /** Record the first client's session as a recipe. */
  record?: boolean;
  now?: () => Date;
}

interface Watched {
  report: ConnectionReport;
  checker: ClientChecker;
  open: boolean;
}

export class Watch {
  private readonly conns: Watched[] = [];
  readonly recorder: Recorder | undefined;
  private readonly now: () => Date;

  constructor(private readonly opts: WatchOptions) {
    this.now = opts.now ?? (() => new Date());
    this.recorder = opts.record ? new Recorder() : undefined;
  }

  /** A client's connection, open both ways: the tap its frames go to. */
  connection(id: number, peer: string): Tap {
    const red = new Redactor();
    const checker = new ClientChecker(this.opts.checks, () => this.now().getTime(), red);
    const w: Watched = { report: { id, peer, violations: [] }, checker, open: true };
    this.conns.push(w);
    const recorder = this.conns.filter((c) => !c.report.upstreamError).length === 1 ? this.recorder : undefined;
    return {
      frame: (direction, data, binary) => {
        // The entry first: it names the verb an answer is for, which the check then forgets.
        if (this.opts.log) this.opts.log(frameEntry(this.now(), id, direction, data, binary, red, (rid) => checker.awaiting(rid)));
        const text = data.toString();
        if (direction === 'sent') checker.fromClient(text, binary);
        else checker.fromServer(text);
        if (recorder && !binary) {
          const parsed = parseFrame(text);
          if (parsed.ok) (direction === 'sent' ? recorder.sent(parsed.value) : recorder.received(parsed.value));
        }
      },
      closed: () => {
        w.open = false;
        checker.end();
      },
    };
  }

  /** A client whose upstream could not be reached. */
  failed(id: number, peer: string, why: string): void {
    this.conns.push({ report: { id, peer, upstreamError: why, violations: [] }, checker: new ClientChecker(this.opts.checks), open: false });
  }

  /** Time passing: silences are checked while they last. */
  tick(): void {
    for (const c of this.conns) if (c.open) c.checker.tick();
  }

  /** Whether a client could not be given its upstream. */
  upstreamFailed(): boolean {
    return this.conns.some((c) => c.report.upstreamError);
  }

  /** The report, every connection ended first. */
  report(): ConnectionReport[] {
    for (const c of this.conns) {
      if (c.open) {
        c.open = false;
        c.checker.end();
      }
    }
    return this.conns.map((c) => ({ ...c.report, violations: c.checker.violations() }));
  }
}
