import { describe, expect, it } from 'vitest';
import { applyAuthenticated, applyDisposed, applyEvent, initialView, type AgentView } from '../../src/session/agent-state.js';

const fold = (events: Record<string, unknown>[], view: AgentView = initialView()) =>
  events.reduce((v, e, i) => applyEvent(v, { RID: i + 1, ...e }, `t${i}`), view);

describe('agent state from events', () => {
  it('follows the standard cycle', () => {
    const states: string[] = [];
    let v = initialView();
    for (const event of ['NowUnavailable', 'NowAvailable', 'NowWaiting', 'NowInCall', 'NowWrapping', 'NowWaiting', 'NowLoggedOff']) {
      v = applyEvent(v, { event, RID: 1 });
      states.push(v.state);
    }
    expect(states).toEqual(['Unavailable', 'Unavailable', 'Waiting', 'InCall', 'Wrapping', 'Waiting', 'LoggedOut']);
  });

  it('tracks a manual call: Calling, InCall, Wrapping, then Unavailable', () => {
    const v = fold([{ event: 'NowUnavailable' }, { event: 'NowCalling' }]);
    expect(v.state).toBe('Calling');
    expect(fold([{ event: 'NowInCall' }, { event: 'NowWrapping' }, { event: 'NowUnavailable' }], v).state).toBe('Unavailable');
  });

  it('keeps the live call deciding the state while chats open and close on other indexes', () => {
    let v = fold([{ event: 'NowWaiting' }, { event: 'NowInCall', sessionIndex: 0 }, { event: 'NowInCall', sessionIndex: 2 }]);
    expect(v.state).toBe('InCall');
    expect([...v.sessions.keys()].sort()).toEqual([0, 2]);
    v = fold([{ event: 'NowWrapping', sessionIndex: 2 }], v);
    expect(v.state).toBe('InCall');
    expect(v.sessions.get(2)?.phase).toBe('Wrapping');
    v = applyDisposed(v, 2);
    expect([...v.sessions.keys()]).toEqual([0]);
    v = fold([{ event: 'NowWrapping' }, { event: 'NowWaiting' }], v);
    expect(v.sessions.size).toBe(0);
  });

  it('reads a missing sessionIndex as 0 and the ChatMessage alias', () => {
    expect(fold([{ event: 'NowInCall' }]).sessions.has(0)).toBe(true);
    expect(fold([{ event: 'ChatMessage', sessionIndex: 1 }]).state).toBe('LoggedOut');
  });

  it('remembers since when a session has been in its phase: Wrapping since NowWrapping, not since the call began', () => {
    const v = fold([{ event: 'NowCalling' }, { event: 'NowInCall' }, { event: 'NowInCall' }, { event: 'NowWrapping' }]);
    expect(v.sessions.get(0)).toEqual({ phase: 'Wrapping', since: 't3' });
    expect(fold([{ event: 'NowCalling' }, { event: 'NowInCall' }, { event: 'NowInCall' }]).sessions.get(0)).toEqual({ phase: 'InCall', since: 't1' });
  });

  it('Authenticated between a successful Authenticate and Connect\'s NowUnavailable; LoggedOut again after NowLoggedOff', () => {
    let v = applyAuthenticated(initialView());
    expect(v.state).toBe('Authenticated');
    v = fold([{ event: 'NowUnavailable' }], v);
    expect(v.state).toBe('Unavailable');
    // A re-authentication (after a drop, or a 198) leaves what the events told.
    expect(applyAuthenticated(v).state).toBe('Unavailable');
    expect(fold([{ event: 'NowLoggedOff' }], v).state).toBe('LoggedOut');
  });
});
