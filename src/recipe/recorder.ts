import JSON5 from 'json5';
import { REQUESTS } from '../protocol/catalogue.js';
import { classify, getCI, requestVerb, toInt, type Json } from '../protocol/codec.js';
import { mask } from '../session/mask.js';

// What a client did, as a recipe `aapi run` replays: its sends with their keys (an error answer
// makes the step expect that error), and the events that followed as expectEvent. Shared by
// `aapi console --record` and `aapi proxy --record`, which see the same frames from two sides.

type RecordedSend = { send: string; with: Json; expectError?: number };
type RecordedStep = RecordedSend | { expectEvent: string; where?: Json };

export class Recorder {
  private readonly steps: RecordedStep[] = [];
  /** Recorded sends awaiting their answer, by RID: an error answer makes the step expect that error. */
  private readonly unanswered = new Map<number, RecordedSend>();
  /** The environment variables the recording reads its secrets from (AAPI_PASSWORD). */
  readonly env = new Set<string>();

  /** A request the client sent. The envelope (RID, SID) is the runner's to fill; events are acknowledged by it too. */
  sent(msg: Json): void {
    const verb = requestVerb(msg);
    if (!verb || verb === 'Acknowledge' || verb === 'KeepAlive') return;
    const { type: _t, RID: _r, SID: _s, ...keys } = msg;
    const recorded = mask(keys) as Json;
    // A replay reads secrets from where the CLI reads them, never from the file.
    for (const key of REQUESTS[verb].keys) {
      if (!key.env || recorded[key.wire] === undefined) continue;
      recorded[key.wire] = `\${env.${key.env}}`;
      this.env.add(key.env);
    }
    const step: RecordedSend = { send: REQUESTS[verb].type, with: recorded };
    this.steps.push(step);
    const rid = toInt(getCI(msg, 'RID'));
    if (REQUESTS[verb].success.kind !== 'none' && rid !== undefined) this.unanswered.set(rid, step);
  }

  /** A frame from the server: an answer settles its send (an error is expected again on replay), an event is expected. */
  received(msg: Json): void {
    const c = classify(msg);
    if (c.kind === 'event') {
      const index = toInt(getCI(msg, 'sessionIndex'));
      this.steps.push({ expectEvent: String(c.event), ...(index ? { where: { sessionIndex: index } } : {}) });
      return;
    }
    const step = this.answered(msg);
    // Replayed, the mistake is expected again: the recording passes where the session went.
    if (c.kind === 'error' && step && c.errorNumber !== undefined) step.expectError = c.errorNumber;
  }

  /**
   * The recorded send a response answers: by its RID, else (a daemon numbers the requests it forwards
   * itself, and a frame it cannot read is answered on RID 0) the oldest one unanswered.
   */
  private answered(msg: Json): RecordedSend | undefined {
    const rid = toInt(getCI(msg, 'RID'));
    const key = rid !== undefined && this.unanswered.has(rid) ? rid : this.unanswered.keys().next().value;
    if (key === undefined) return undefined;
    const step = this.unanswered.get(key);
    this.unanswered.delete(key);
    return step;
  }

  /** The recipe, with a header saying who recorded it, when, and the command that replays it. */
  recipe(name: string, by: string, replay: string, at: Date): string {
    const body = JSON5.stringify({ name, steps: this.steps }, null, 2);
    const from = [...this.env].map((n) => ` (${n} is read from the environment)`).join('');
    return `// Recorded by ${by} on ${at.toISOString()}.\n// Replay: ${replay}${from}.\n${body}\n`;
  }
}
