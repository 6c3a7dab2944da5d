import { randomInt } from 'node:crypto';
import { errorHint, errorSpec, REQUESTS } from '../protocol/catalogue.js';
import { classify, encodeRequest, getCI, isSuccess, requestVerb, toInt, type Json } from '../protocol/codec.js';
import type { Verb } from '../protocol/types.js';
import { applyAuthenticated, applyEvent, initialView, type AgentView } from '../session/agent-state.js';
import { frameText } from '../session/frame-log.js';
import { mask } from '../session/mask.js';
import { Recorder } from '../recipe/recorder.js';

// What the console knows, without any terminal: the toggles of the Windows API Test Client, the
// SENT/RECEIVED log, events awaiting a manual acknowledgement, and what it will write as a recipe.

export interface Toggles {
  autoRid: boolean;
  autoSid: boolean;
  autoAck: boolean;
}

export type LogKind = 'sent' | 'response' | 'event' | 'error' | 'note';

export interface LogEntry {
  time: Date;
  kind: LogKind;
  /** `SENT: {...}` / `RECEIVED: {...}` as the Test Client shows them, passwords [Masked]. */
  text: string;
  /** For errors: the catalogue's explanation and hint. */
  note?: string;
}

/** A word as a POSIX shell reads it back unchanged. */
const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export class ConsoleModel {
  toggles: Toggles = { autoRid: true, autoSid: true, autoAck: true };
  /** Attached to a profile's daemon: it fills RID and SID and acknowledges every event itself. */
  attached = false;
  sid: number | undefined;
  view: AgentView = initialView();
  /** Events received while automatic acknowledgement was off, oldest first. */
  readonly unacked: Json[] = [];
  readonly history: Json[] = [];
  private readonly recorder = new Recorder();
  private rid = randomInt(1, 0x7fffffff - 0x100000);
  /** Requests of `exchange` awaiting their answer, by RID. */
  private readonly answers = new Map<number, (answer: Json | undefined) => void>();

  constructor(
    private readonly send: (msg: Json) => void,
    private readonly log: (entry: LogEntry) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The message for a verb and its values, with RID and SID as the toggles say. */
  build(verb: Verb, values: Json, manual: { rid?: number; sid?: number } = {}): Json {
    const spec = REQUESTS[verb];
    const rid = spec.rid ? (this.toggles.autoRid ? ++this.rid : manual.rid) : undefined;
    const msg = encodeRequest(verb, values, { rid });
    if (spec.sid) {
      const sid = this.toggles.autoSid ? this.sid : manual.sid;
      if (sid !== undefined) msg.SID = sid;
    }
    return msg;
  }

  /** Sends a message (from a form or typed raw) and logs it. */
  transmit(msg: Json): void {
    const spec = requestVerb(msg) && REQUESTS[requestVerb(msg)!];
    if (this.toggles.autoRid && getCI(msg, 'RID') === undefined && spec?.rid !== false) msg.RID = ++this.rid;
    if (this.toggles.autoSid && getCI(msg, 'SID') === undefined && spec?.sid !== false && this.sid !== undefined) msg.SID = this.sid;
    this.send(msg);
    this.history.push(msg);
    this.entry('sent', frameText('sent', msg));
    this.recorder.sent(msg);
  }

  /**
   * Sends a request as the console's own (RID and SID filled in whatever the toggles say) and
   * resolves with its answer, a response or an error; undefined when none came within `timeoutMs`
   * or the connection closed first. The log shows both, as for any other request.
   */
  exchange(verb: Verb, values: Json, timeoutMs: number): Promise<Json | undefined> {
    const rid = ++this.rid;
    const msg = encodeRequest(verb, values, { rid, sid: REQUESTS[verb].sid ? this.sid : undefined });
    const answer = new Promise<Json | undefined>((resolve) => {
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      const settle = (m: Json | undefined) => {
        clearTimeout(timer);
        this.answers.delete(rid);
        resolve(m);
      };
      this.answers.set(rid, settle);
    });
    this.transmit(msg);
    return answer;
  }

  /** The connection is gone: no request awaits its answer any longer. */
  disconnected(): void {
    for (const settle of [...this.answers.values()]) settle(undefined);
  }

  /** A frame from the server: logged, and events acknowledged when the toggle says so. */
  receive(msg: Json): void {
    if (Object.keys(msg).length === 0) return; // the daemon's "no reply" (KeepAlive, Acknowledge)
    const c = classify(msg);
    this.recorder.received(msg);
    if (c.kind === 'error') {
      const n = c.errorNumber ?? 0;
      const spec = errorSpec(n);
      this.entry('error', frameText('received', msg), spec ? `${spec.information} ${errorHint(n, getCI(msg, 'ErrorDetail'))}` : undefined);
      if (c.rid !== undefined) this.answers.get(c.rid)?.(msg);
      return;
    }
    if (c.kind === 'response') {
      const sid = toInt(getCI(msg, 'SID'));
      if (sid !== undefined && isSuccess(REQUESTS.Authenticate, msg)) this.sid = sid;
      if (this.verbOf(c.rid) === 'Authenticate') this.view = applyAuthenticated(this.view);
      this.entry('response', frameText('received', msg));
      if (c.rid !== undefined) this.answers.get(c.rid)?.(msg);
      return;
    }
    this.view = applyEvent(this.view, msg);
    this.entry('event', frameText('received', msg));
    if (this.attached) return;
    if (this.toggles.autoAck && c.rid !== undefined) this.acknowledge(c.rid);
    else this.unacked.push(msg);
  }

  /** The verb of the latest request sent with this RID. */
  private verbOf(rid: number | undefined): string | undefined {
    if (rid === undefined) return undefined;
    for (let i = this.history.length - 1; i >= 0; i--) if (toInt(getCI(this.history[i], 'RID')) === rid) return requestVerb(this.history[i]);
    return undefined;
  }

  acknowledge(rid: number): void {
    const i = this.unacked.findIndex((e) => toInt(e.RID) === rid);
    if (i >= 0) this.unacked.splice(i, 1);
    const msg: Json = { type: 'Acknowledge', RID: rid };
    if (this.sid !== undefined) msg.SID = this.sid;
    this.send(msg);
    this.entry('sent', frameText('sent', msg));
  }

  toggle(name: keyof Toggles): void {
    if (this.attached) {
      this.entry('note', 'attached to a daemon: it fills RID and SID and acknowledges events itself');
      return;
    }
    this.toggles[name] = !this.toggles[name];
    this.entry('note', `${name} is ${this.toggles[name] ? 'on' : 'off'}`);
    // Turning automatic acknowledgement back on clears what was waiting.
    if (name === 'autoAck' && this.toggles.autoAck) for (const e of [...this.unacked]) this.acknowledge(toInt(e.RID)!);
  }

  note(text: string): void {
    this.entry('note', text);
  }

  /** The messages sent, newest first, as the history picker shows them: masked (the history itself keeps them whole, to send again). */
  shownHistory(): { index: number; text: string }[] {
    return this.history.map((m, index) => ({ index, text: JSON.stringify(mask(m)) })).reverse();
  }

  /**
   * The command that replays the recording `file` against `server`: with the environment variables its
   * secrets are read from, to be set (their values are never shown).
   */
  replay(file: string, server: string, insecure = false): string {
    return [...[...this.recorder.env].map((name) => `${name}=...`), 'aapi', 'run', '--server', shellWord(server), ...(insecure ? ['--insecure'] : []), shellWord(file)].join(' ');
  }

  /** What was done, as a recipe `aapi run` replays: sends (an error answer as expectError), and the events that followed as expectEvent. */
  recipe(name: string, replay: string): string {
    return this.recorder.recipe(name, 'aapi console', replay, this.now());
  }

  private entry(kind: LogKind, text: string, note?: string): void {
    this.log({ time: this.now(), kind, text, note });
  }
}
