import { EVENTS_TABLE, resolveEvent } from '../protocol/catalogue.js';
import { classify, type Json } from '../protocol/codec.js';
import type { AgentState } from '../protocol/types.js';

/** What the events have told of the agent: its state and the SessionIndexes open. */
export interface AgentView {
  state: AgentState;
  /** Open sessions by SessionIndex: their phase, and since when they have been in it. */
  sessions: Map<number, { phase: 'Calling' | 'InCall' | 'Wrapping'; since: string }>;
}

export const initialView = (): AgentView => ({ state: 'LoggedOut', sessions: new Map() });

/**
 * Folds one event into the view. The live call (SessionIndex 0) and session-less events decide the
 * agent's state, from the catalogue's `state` of each event; other indexes only open and close.
 */
export function applyEvent(view: AgentView, msg: Json, at = new Date().toISOString()): AgentView {
  const c = classify(msg);
  if (c.kind !== 'event') return view;
  const event = resolveEvent(String(c.event));
  if (!event) return view;
  const spec = EVENTS_TABLE[event];
  const index = spec.perSession ? c.sessionIndex : 0;
  const sessions = new Map(view.sessions);
  if (event === 'NowInCall' || event === 'NowCalling' || event === 'NowWrapping') {
    const phase = spec.state as 'InCall' | 'Calling' | 'Wrapping';
    // `since` is when the session entered its phase (status: "Wrapping since" the wrap began), kept
    // through a repeat of the same phase (NowInCall again after a cancelled transfer).
    const before = sessions.get(index);
    sessions.set(index, { phase, since: before?.phase === phase ? before.since : at });
  }
  if (spec.state === 'Waiting' || spec.state === 'Unavailable' || spec.state === 'LoggedOut') sessions.delete(0);
  if (spec.state === 'LoggedOut') sessions.clear();
  const state = spec.state && (index === 0 || !spec.perSession) ? spec.state : view.state;
  return { state, sessions };
}

/**
 * A successful Authenticate: the AAPI knows the agent, who is on no campaign until Connect (whose
 * NowUnavailable follows). A re-authentication keeps whatever state the events told.
 */
export function applyAuthenticated(view: AgentView): AgentView {
  return view.state === 'LoggedOut' ? { ...view, state: 'Authenticated' } : view;
}

/** A session is closed by a successful Disposition on its index (no event says so for SessionIndex 1-9). */
export function applyDisposed(view: AgentView, sessionIndex: number): AgentView {
  if (sessionIndex === 0) return view;
  const sessions = new Map(view.sessions);
  sessions.delete(sessionIndex);
  return { ...view, sessions };
}
