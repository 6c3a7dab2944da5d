import type { Socket } from 'node:net';
import type { Json } from '../protocol/codec.js';
import { LaneError } from '../batch/lane.js';
import { dial, DialError } from './dial.js';
import type { ProfilePaths } from './paths.js';
import type { PipeReply } from './pipe.js';

/** A failed request through a server pipe, with why (the batch runner's LaneError). */
export class PipeError extends LaneError {}

/** The client side of a daemon's request pipe: many requests in flight, matched by id. */
export class DaemonPipe {
  private readonly waiting = new Map<number, { resolve: (r: Json) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private outbox = '';

  private constructor(private readonly socket: Socket, readonly profile: string) {
    socket.on('close', () => {
      this.closed = true;
      this.failAll('the session daemon went away');
      this.onClose?.();
    });
    socket.on('error', () => {});
  }

  /** Called with each event the daemon records, when the pipe was opened with `onEvent`. */
  private onEvent: ((event: Json) => void) | undefined;
  /** Called once when the daemon goes away. */
  onClose: (() => void) | undefined;

  /**
   * Opens the pipe of the profile's daemon; undefined when there is no session. A daemon that cannot
   * be used (another version, one that cannot prove itself) rejects with its DialError.
   */
  static async open(paths: ProfilePaths, timeoutMs: number, onEvent?: (event: Json) => void): Promise<DaemonPipe | undefined> {
    let pipe: DaemonPipe | undefined;
    let answered!: (ready: boolean) => void;
    // The server's first frame says whether the profile has a session: {ready}, or {refused}.
    const first = new Promise<boolean>((r) => (answered = r));
    let readied = false;
    // Frames after {ready} that come before the pipe object exists (an event, at once): kept for it.
    const early: Json[] = [];
    const onFrame = (f: Json) => {
      if (pipe) return pipe.onFrame(f);
      if (readied) return void early.push(f);
      readied = true;
      answered(f.ready !== undefined);
    };
    let socket: Socket;
    try {
      socket = await dial(paths, { profile: paths.profile, pipe: { timeoutMs, events: onEvent !== undefined } }, onFrame);
    } catch (err) {
      if (err instanceof DialError && (err.failure.kind === 'absent' || err.failure.kind === 'dead')) return undefined;
      throw err;
    }
    socket.once('close', () => answered(false));
    if (!(await first)) {
      socket.destroy();
      return undefined;
    }
    pipe = new DaemonPipe(socket, paths.profile);
    pipe.onEvent = onEvent;
    for (const f of early) pipe.onFrame(f);
    return pipe;
  }

  get inFlight(): number {
    return this.waiting.size;
  }

  request(msg: Json): Promise<Json> {
    const id = this.nextId++;
    // Once the daemon has gone, nothing written would ever be answered: refuse, and say it was not sent.
    if (this.closed) return Promise.reject(new PipeError('closed', 'the session daemon went away'));
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.outbox === '') process.nextTick(this.flush);
      this.outbox += `${JSON.stringify({ id, msg })}\n`;
    });
  }

  close(): void {
    this.flush();
    this.socket.end();
  }

  /** The requests made in one turn of the event loop go out in one write (a batch makes many at once). */
  private readonly flush = (): void => {
    const text = this.outbox;
    this.outbox = '';
    if (text && !this.socket.destroyed) this.socket.write(text);
  };

  private onFrame(f: Json): void {
    const r = f as unknown as PipeReply & { event?: Json };
    if (r.event) {
      this.onEvent?.(r.event);
      return;
    }
    const w = this.waiting.get(r.id);
    if (!w) return;
    this.waiting.delete(r.id);
    if (r.err) w.reject(new PipeError(r.err.kind, r.err.message, r.err.response));
    else w.resolve(r.ok ?? {});
  }

  private failAll(why: string): void {
    for (const w of this.waiting.values()) w.reject(new PipeError('lost', why));
    this.waiting.clear();
  }
}
