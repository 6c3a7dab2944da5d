import { describe, expect, it } from 'vitest';
import { checkRecipe } from '../../../src/recipe/check.js';
import type { FrameRecord, RecipeResult, StepResult } from '../../../src/recipe/model.js';
import { timelineOf } from '../../../src/recipe/html/timeline.js';

// The model the HTML report's timeline is drawn from: frames become arrows per session, KeepAlives
// fold, the agent's state follows the events, steps keep their time and verdict.

const recipe = checkRecipe('r.json5', '{ name: "r", sessions: { a: { agent: "demo" }, b: { agent: "demo2" } }, steps: [{ send: "GoAvailable", session: "a", with: { live: 1 } }, { expectEvent: "NowInCall", session: "b" }] }');
const sent = (session: string, ms: number, frame: Record<string, unknown>): FrameRecord => ({ session, ms, dir: 'sent', frame });
const got = (session: string, ms: number, frame: FrameRecord['frame']): FrameRecord => ({ session, ms, dir: 'received', frame });
const step = (i: number, status: StepResult['status'], startMs: number, ms: number): StepResult => ({
  path: ['steps', i], position: recipe.source.at(['steps', i]), title: recipe.steps[i].title, session: recipe.steps[i].session, status, startMs, ms,
});
const result = (frames: FrameRecord[], steps: StepResult[] = []): RecipeResult => ({
  file: 'r.json5', name: 'r', source: recipe.source, steps, ms: 5000, passed: true, frames,
});

describe('timelineOf', () => {
  it('makes one arrow per frame, labelled by what it is: the verb, the answer (matched by RID), the event, the error', () => {
    const t = timelineOf(result([
      sent('a', 1, { type: 'Authenticate', Agent: 'demo', Password: 'x', RID: 1 }),
      got('a', 2, { Response: 'OK', RID: 1, SID: 9 }),
      sent('a', 3, { type: 'GetTenants', SID: 9, RID: 2 }),
      got('a', 4, { RID: 2, tenants: ['demo'] }),
      sent('a', 5, { type: 'Disposition', SID: 9, RID: 3 }),
      got('a', 6, { Response: 'ERROR', RID: 3, ErrorNumber: 320 }),
      got('a', 7, { event: 'NowWaiting', RID: 40 }),
      sent('a', 8, { type: 'Acknowledge', SID: 9, RID: 40 }),
      got('a', 9, '{not json'),
    ]));
    expect(t.rows.map((r) => r.kind === 'frame' && [r.index, r.dir, r.type, r.label])).toEqual([
      [0, 'sent', 'request', 'Authenticate'], [1, 'received', 'response', 'Authenticate → OK'],
      [2, 'sent', 'request', 'GetTenants'], [3, 'received', 'response', 'GetTenants → tenants'],
      [4, 'sent', 'request', 'Disposition'], [5, 'received', 'error', 'Disposition ERROR 320'],
      [6, 'received', 'event', 'NowWaiting'], [7, 'sent', 'ack', 'Acknowledge'], [8, 'received', 'other', 'not JSON'],
    ]);
  });

  it('folds consecutive KeepAlives of a session into one row, even with another session\'s frames between', () => {
    const t = timelineOf(result([
      sent('a', 100, { type: 'KeepAlive', SID: 9 }),
      got('b', 150, { event: 'NowWaiting', RID: 1 }),
      sent('a', 200, { type: 'KeepAlive', SID: 9 }),
      sent('a', 300, { type: 'KeepAlive', SID: 9 }),
      sent('a', 400, { type: 'GetTenants', SID: 9, RID: 2 }),
      sent('a', 500, { type: 'KeepAlive', SID: 9 }),
    ]));
    expect(t.rows.map((r) => (r.kind === 'keepalives' ? ['keepalives', r.session, r.indexes, r.ms, r.toMs] : [r.label]))).toEqual([
      ['keepalives', 'a', [0, 2, 3], 100, 300], ['NowWaiting'], ['GetTenants'], ['keepalives', 'a', [5], 500, 500],
    ]);
  });

  it('follows each agent\'s state, from LoggedOut through Authenticated to what the events say, to the end of the run', () => {
    const t = timelineOf(result([
      sent('a', 10, { type: 'Authenticate', RID: 1 }),
      got('a', 20, { Response: 'OK', RID: 1, SID: 9 }),
      got('a', 30, { event: 'NowUnavailable', RID: 2 }),
      got('b', 35, { event: 'NowWaiting', RID: 3 }),
      got('a', 40, { event: 'NowWaiting', RID: 4 }),
      got('a', 41, { event: 'NowWaiting', RID: 5 }),
      got('a', 50, { event: 'NowInCall', RID: 6, sessionIndex: 0 }),
    ]));
    expect(t.states.filter((s) => s.session === 'a').map((s) => [s.state, s.fromMs, s.toMs])).toEqual([
      ['LoggedOut', 0, 20], ['Authenticated', 20, 30], ['Unavailable', 30, 40], ['Waiting', 40, 50], ['InCall', 50, 5000],
    ]);
    expect(t.states.filter((s) => s.session === 'b').map((s) => s.state)).toEqual(['LoggedOut', 'Waiting']);
    expect(t.sessions).toEqual(['a', 'b']);
    expect(t.endMs).toBe(5000);
  });

  it('keeps each step that ran with its time and verdict, and leaves out the skipped', () => {
    const t = timelineOf(result([], [step(0, 'failed', 100, 300), step(1, 'skipped', 400, 0)]));
    expect(t.steps).toEqual([{ index: 0, session: 'a', title: recipe.steps[0].title, status: 'failed', fromMs: 100, toMs: 400 }]);
  });
});
