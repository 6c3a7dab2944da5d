import { REQUESTS } from '../../protocol/catalogue.js';
import { classify, getCI, requestVerb, toInt, type Json } from '../../protocol/codec.js';
import type { AgentState } from '../../protocol/types.js';
import { applyAuthenticated, applyEvent, initialView, type AgentView } from '../../session/agent-state.js';
import type { FrameRecord, RecipeResult, StepStatus } from '../model.js';

// What the HTML report draws, without any drawing: a recipe's frames as a sequence of arrows per
// session, the agent's state through time, KeepAlives folded, and where each step ran. Pure, so the
// picture's facts are tested here and the SVG only places them.

export type FrameKind = 'request' | 'response' | 'error' | 'event' | 'ack' | 'other';

export interface Arrow {
  kind: 'frame';
  /** Index into the recipe's frames: the page shows that frame's JSON when it is clicked. */
  index: number;
  session: string;
  ms: number;
  dir: FrameRecord['dir'];
  type: FrameKind;
  label: string;
}

/** Consecutive KeepAlives of one session, nothing else of that session between them: one row. */
export interface Folded {
  kind: 'keepalives';
  indexes: number[];
  session: string;
  ms: number;
  toMs: number;
}

export type Row = Arrow | Folded;

export interface StateSpan {
  session: string;
  state: AgentState;
  fromMs: number;
  toMs: number;
}

export interface StepMark {
  /** Index into the recipe's steps. */
  index: number;
  session: string;
  title: string;
  status: StepStatus;
  fromMs: number;
  toMs: number;
}

export interface Timeline {
  sessions: string[];
  rows: Row[];
  states: StateSpan[];
  steps: StepMark[];
  endMs: number;
}

const isKeepAlive = (f: FrameRecord) => f.dir === 'sent' && typeof f.frame !== 'string' && requestVerb(f.frame as Json) === 'KeepAlive';

/** What an arrow says: the request's verb, the event's name, what an answer said (OK, ERROR 320, Connected, tenants). */
function describe(f: FrameRecord, verbs: Map<string, string>): { type: FrameKind; label: string } {
  if (typeof f.frame === 'string') return { type: 'other', label: 'not JSON' };
  const msg = f.frame as Json;
  const rid = toInt(getCI(msg, 'RID'));
  if (f.dir === 'sent') {
    const verb = requestVerb(msg);
    if (verb === 'Acknowledge') return { type: 'ack', label: 'Acknowledge' };
    if (verb && rid !== undefined) verbs.set(`${f.session}/${rid}`, REQUESTS[verb].type);
    return { type: verb ? 'request' : 'other', label: verb ? REQUESTS[verb].type : String(getCI(msg, 'type') ?? '?') };
  }
  const c = classify(msg);
  if (c.kind === 'event') return { type: 'event', label: String(c.event) };
  const answers = rid === undefined ? undefined : verbs.get(`${f.session}/${rid}`);
  const prefix = answers ? `${answers} ` : '';
  if (c.kind === 'error') return { type: 'error', label: `${prefix}ERROR ${c.errorNumber ?? '?'}` };
  const said = getCI(msg, 'Response') ?? getCI(msg, 'status') ?? Object.keys(msg).find((k) => !/^(RID|SID)$/i.test(k));
  return { type: 'response', label: `${prefix}${said === undefined ? 'answered' : `→ ${String(said)}`}` };
}

/** The agent's state through the recipe, per session, from the frames it received. */
function statesOf(frames: FrameRecord[], sessions: string[], endMs: number): StateSpan[] {
  const spans: StateSpan[] = [];
  const current = new Map<string, { view: AgentView; since: number }>(sessions.map((s) => [s, { view: initialView(), since: 0 }]));
  const move = (session: string, view: AgentView, ms: number) => {
    const now = current.get(session)!;
    if (view.state === now.view.state) return void (now.view = view);
    spans.push({ session, state: now.view.state, fromMs: now.since, toMs: ms });
    current.set(session, { view, since: ms });
  };
  const authenticating = new Set<string>();
  for (const f of frames) {
    if (typeof f.frame === 'string') continue;
    const msg = f.frame as Json;
    const rid = getCI(msg, 'RID');
    if (f.dir === 'sent') {
      if (requestVerb(msg) === 'Authenticate') authenticating.add(`${f.session}/${String(rid)}`);
      continue;
    }
    const view = current.get(f.session)!.view;
    const c = classify(msg);
    if (c.kind === 'response' && authenticating.delete(`${f.session}/${String(rid)}`)) move(f.session, applyAuthenticated(view), f.ms);
    else if (c.kind === 'event') move(f.session, applyEvent(view, msg), f.ms);
  }
  for (const [session, { view, since }] of current) spans.push({ session, state: view.state, fromMs: since, toMs: endMs });
  return spans;
}

export function timelineOf(result: RecipeResult): Timeline {
  const frames = result.frames ?? [];
  const sessions = [...new Set([...result.steps.map((s) => s.session), ...frames.map((f) => f.session)])];
  const endMs = Math.max(result.ms, ...frames.map((f) => f.ms));
  const rows: Row[] = [];
  const verbs = new Map<string, string>();
  /** Each session's KeepAlive row still open to more KeepAlives. */
  const folding = new Map<string, Folded>();
  frames.forEach((f, index) => {
    if (isKeepAlive(f)) {
      const open = folding.get(f.session);
      if (open) {
        open.indexes.push(index);
        open.toMs = f.ms;
        return;
      }
      const row: Folded = { kind: 'keepalives', indexes: [index], session: f.session, ms: f.ms, toMs: f.ms };
      folding.set(f.session, row);
      rows.push(row);
      return;
    }
    folding.delete(f.session);
    rows.push({ kind: 'frame', index, session: f.session, ms: f.ms, dir: f.dir, ...describe(f, verbs) });
  });
  const steps = result.steps.flatMap((s, index) => s.status === 'skipped' || s.startMs === undefined ? [] : [{
    index, session: s.session, title: s.title, status: s.status, fromMs: s.startMs, toMs: s.startMs + s.ms,
  }]);
  return { sessions, rows, states: statesOf(frames, sessions, endMs), steps, endMs };
}
