import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecipe, inspectRecipe } from '../../src/recipe/check.js';
import type { ForEachStep, SendStep } from '../../src/recipe/model.js';
import { RecipeSyntaxError } from '../../src/recipe/source.js';

// Every check the runner makes before anything is sent, with the position each error names.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aapi-recipe-check-'));
  writeFileSync(join(dir, 'rows.csv'), 'URN\n1\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A recipe of these lines (joined with newlines), checked; the error it throws, with the text the position points at. */
function failure(lines: string[]): { line: number; column: number; at: string; reason: string; message: string } {
  const text = lines.join('\n');
  try {
    checkRecipe(join(dir, 'r.json5'), text);
  } catch (err) {
    if (!(err instanceof RecipeSyntaxError)) throw err;
    const { line, column, length } = err.position;
    return { line, column, at: lines[line - 1].slice(column - 1, column - 1 + length), reason: err.reason, message: err.message };
  }
  throw new Error('the recipe was accepted');
}

/** One step (on line 2 of its recipe) that must fail. */
const stepFailure = (step: string) => failure(['{ steps: [', `  ${step},`, '] }']);

describe('checkRecipe accepts', () => {
  it('the example recipe shape, with every action, and derives titles, sessions and defaults', () => {
    const r = checkRecipe(join(dir, 'ok.json5'), `{
      name: "all actions",
      vars: { agent: "demo" },
      secrets: ["agent"],
      steps: [
        { send: "Authenticate", with: { Agent: "\${agent}", Password: "demo", extension: "8600001" }, expect: { Response: "OK" }, capture: { sid: "SID" } },
        { send: "disposition", with: { outcome: 251 }, expectError: 320, name: "too early" },
        { expectEvent: "ChatMessage", within: "5s", where: { sessionIndex: 1 } },
        { expectNoEvent: "NowUnavailable", within: 300 },
        { sleep: "10ms" },
        { control: "presentCall", with: { agent: "demo" } },
        { forEach: "rows.csv", as: "r", steps: [ { send: "GetRecord", with: { URN: "\${r.URN}" } } ] },
        { forEach: [{ URN: 1 }], steps: [ { send: "GetRecord", with: { URN: 1 } } ] },
      ],
    }`);
    expect(r.name).toBe('all actions');
    expect(r.secrets).toEqual(['agent']);
    expect(r.sessions).toEqual({ main: {} });
    expect(r.steps.map((s) => s.title)).toEqual([
      'send Authenticate', 'too early', 'expectEvent ChatReceived', 'expectNoEvent NowUnavailable', 'sleep 10ms',
      'control presentCall', 'forEach rows.csv', 'forEach 1 rows',
    ]);
    expect((r.steps[1] as SendStep).verb).toBe('Disposition');
    expect(r.steps[2]).toMatchObject({ kind: 'expectEvent', event: 'ChatReceived', withinMs: 5000, session: 'main' });
    expect(r.steps[3]).toMatchObject({ kind: 'expectNoEvent', withinMs: 300 });
    expect(r.steps[4]).toMatchObject({ kind: 'sleep', ms: 10 });
    expect((r.steps[6] as ForEachStep).as).toBe('r');
    expect((r.steps[7] as ForEachStep).as).toBe('row');
    expect((r.steps[6] as ForEachStep).steps[0].path).toEqual(['steps', 6, 'steps', 0]);
  });

  it('a recipe with no name, named by its file; expectEvent defaults to 10s', () => {
    const r = checkRecipe(join(dir, 'plain.json5'), '{ steps: [ { expectEvent: "NowWaiting" } ] }');
    expect(r.name).toBe(join(dir, 'plain.json5'));
    expect(r.steps[0]).toMatchObject({ withinMs: 10_000 });
  });

  it('a value with ${...} left unchecked until it is interpolated', () => {
    expect(() => checkRecipe('r.json5', '{ steps: [ { send: "Disposition", with: { outcome: "${n}" } } ] }')).not.toThrow();
  });

  it('several sessions when each step names its own', () => {
    const r = checkRecipe('r.json5', '{ sessions: { a: {}, b: { agent: "demo" } }, steps: [ { send: "GetTenants", session: "b" }, { sleep: 1 } ] }');
    expect(r.steps[0].session).toBe('b');
    expect(r.steps[1].session).toBe('a');
  });
});

describe('checkRecipe refuses', () => {
  it('an unknown top-level key, at the key, with did you mean', () => {
    expect(failure(['{', '  name: "x",', '  step: [],', '}'])).toEqual({
      line: 3, column: 3, at: 'step', reason: 'a recipe has no key "step"; did you mean "steps"?',
      message: `${join(dir, 'r.json5')}:3:3: a recipe has no key "step"; did you mean "steps"?`,
    });
  });

  it('a document that is not an object, or has no steps array', () => {
    expect(failure(['[1, 2]']).reason).toBe('a recipe is a JSON5 object with `steps`');
    expect(failure(['{ name: "x" }']).reason).toBe('`steps` must be an array of steps');
    expect(failure(['{ steps: {} }'])).toMatchObject({ at: '{}', reason: '`steps` must be an array of steps' });
  });

  it('an unknown step key, at the key, with did you mean', () => {
    expect(stepFailure('{ send: "GetTenants", expct: { tenants: [] } }')).toMatchObject({
      line: 2, column: 25, at: 'expct', reason: 'a step has no key "expct"; did you mean "expect"?',
    });
    expect(stepFailure('{ expectEvnt: "NowWaiting" }')).toMatchObject({ at: 'expectEvnt', reason: 'a step has no key "expectEvnt"; did you mean "expectEvent"?' });
  });

  it('a step key that does not go with its action', () => {
    expect(stepFailure('{ send: "GetTenants", within: "1s" }')).toMatchObject({ at: 'within', reason: '"within" does not go with send' });
    expect(stepFailure('{ expectNoEvent: "NowWaiting", capture: { a: "b" } }')).toMatchObject({ at: 'capture', reason: '"capture" does not go with expectNoEvent' });
  });

  it('two actions in one step, or none, at the step', () => {
    expect(stepFailure('{ send: "GetTenants", expectEvent: "NowWaiting" }')).toMatchObject({
      line: 2, column: 3, at: '{ send: "GetTenants", expectEvent: "NowWaiting" }', reason: 'a step does one thing, but this one has send and expectEvent',
    });
    expect(stepFailure('{ name: "nothing" }').reason).toBe('a step needs one of send, expectEvent, expectNoEvent, sleep, forEach, control');
    expect(stepFailure('"GetTenants"')).toMatchObject({ at: '"GetTenants"', reason: 'a step must be an object such as { send: "GoAvailable" }' });
  });

  it('an unknown verb, at its value, with did you mean', () => {
    expect(stepFailure('{ send: "GoAvailible" }')).toMatchObject({
      line: 2, column: 11, at: '"GoAvailible"', reason: 'unknown request "GoAvailible"; did you mean "GoAvailable"?',
    });
    expect(stepFailure('{ send: 12 }')).toMatchObject({ at: '12', reason: '`send` names a request type, such as "GoAvailable"' });
  });

  it('an unknown `with` key, at the key, with did you mean and the verb\'s keys', () => {
    expect(stepFailure('{ send: "Disposition", with: { outcom: 251 } }')).toMatchObject({
      at: 'outcom', reason: expect.stringMatching(/^Disposition has no key "outcom"; did you mean "outcome"\? \(its keys: outcome, /),
    });
    expect(stepFailure('{ send: "GetTenants", with: { tenant: "demo" } }')).toMatchObject({ at: 'tenant', reason: 'GetTenants has no key "tenant" (it takes none)' });
    expect(stepFailure('{ send: "GetTenants", with: "demo" }')).toMatchObject({ at: '"demo"', reason: '`with` must be an object of the request\'s keys' });
  });

  it('a literal of the wrong type, at the value', () => {
    expect(stepFailure('{ send: "Disposition", with: { outcome: "soon" } }')).toMatchObject({
      line: 2, column: 43, at: '"soon"', reason: 'Disposition.outcome must be an integer, got "soon"',
    });
    expect(stepFailure('{ send: "GetRecord", with: { URN: [1] } }')).toMatchObject({ at: '[1]', reason: expect.stringMatching(/^GetRecord\.URN must be a string, got /) });
  });

  it('expectError that is not a number', () => {
    expect(stepFailure('{ send: "Disposition", expectError: "320" }')).toMatchObject({ at: '"320"', reason: 'expectError takes an error number, such as 320, got "320"' });
    expect(stepFailure('{ send: "Disposition", expectError: 3.5 }')).toMatchObject({ at: '3.5', reason: 'expectError takes an error number, such as 320, got 3.5' });
  });

  it('an error number the spec does not list: a warning at its place, and the step is kept (a real dialler may answer it)', () => {
    const report = inspectRecipe('r.json5', '{ steps: [\n  { send: "Disposition", expectError: 999 },\n] }');
    expect(report.errors).toEqual([]);
    expect(report.recipe?.steps[0]).toMatchObject({ kind: 'send', expectError: 999 });
    expect(report.warnings.map((w) => [w.position.line, w.position.column, w.reason])).toEqual([
      [2, 39, 'expectError 999 is not an error number the spec lists (a real dialler may answer it): the step runs'],
    ]);
    expect(inspectRecipe('r.json5', '{ steps: [ { send: "Disposition", expectError: 320 } ] }').warnings).toEqual([]);
  });

  it('expect and expectError together', () => {
    expect(stepFailure('{ send: "Disposition", expect: { Response: "OK" }, expectError: 320 }')).toMatchObject({
      at: '320', reason: 'a step expects either a response (`expect`) or an error (`expectError`), not both',
    });
  });

  it('expect, capture or where of the wrong shape', () => {
    expect(stepFailure('{ send: "GetTenants", expect: "OK" }')).toMatchObject({ at: '"OK"', reason: '`expect` must be an object: the response must contain it' });
    expect(stepFailure('{ send: "GetTenants", capture: { t: 1 } }')).toMatchObject({ at: '{ t: 1 }', reason: '`capture` maps names to dotted paths: { urn: "data.URN" }' });
    expect(stepFailure('{ expectEvent: "NowInCall", where: [1] }')).toMatchObject({ at: '[1]', reason: '`where` must be an object of keys the event must have' });
  });

  it('an unknown event, with did you mean (the ChatMessage alias included)', () => {
    expect(stepFailure('{ expectEvent: "NowInCal" }')).toMatchObject({ line: 2, column: 18, at: '"NowInCal"', reason: 'unknown event "NowInCal"; did you mean "NowInCall"?' });
    expect(stepFailure('{ expectNoEvent: "ChatMesage" }')).toMatchObject({ reason: 'unknown event "ChatMesage"; did you mean "ChatMessage"?' });
  });

  it('a bad duration, in within and in sleep', () => {
    expect(stepFailure('{ expectEvent: "NowWaiting", within: "5 sec" }')).toMatchObject({ at: '"5 sec"', reason: '`within` takes a duration such as 10s or 500ms, got "5 sec"' });
    expect(stepFailure('{ expectEvent: "NowWaiting", within: -1 }')).toMatchObject({ at: '-1', reason: '`within` takes a duration such as 10s or 500ms, got -1' });
    expect(stepFailure('{ sleep: "soon" }')).toMatchObject({ at: '"soon"', reason: '`sleep` takes a duration such as 500ms, got "soon"' });
  });

  it('a duration too long for a timer (it would fire after 1 ms), in within and in sleep', () => {
    const limit = 'is at most 596h (2147483647 ms, the longest a timer can wait)';
    expect(stepFailure('{ sleep: "600h" }')).toMatchObject({ line: 2, column: 12, at: '"600h"', reason: `\`sleep\` ${limit}, got "600h"` });
    expect(stepFailure('{ expectEvent: "NowWaiting", within: "600h" }')).toMatchObject({ at: '"600h"', reason: `\`within\` ${limit}, got "600h"` });
    expect(stepFailure('{ expectNoEvent: "NowWaiting", within: 2147483648 }')).toMatchObject({ at: '2147483648', reason: `\`within\` ${limit}, got 2147483648` });
  });

  it('a session that is not declared, with did you mean', () => {
    expect(failure(['{ sessions: { alice: {}, bob: {} },', '  steps: [ { send: "GetTenants", session: "alce" } ] }'])).toMatchObject({
      line: 2, at: '"alce"', reason: 'no session "alce" in `sessions`; did you mean "alice"?',
    });
    expect(failure(['{ steps: [ { send: "GetTenants", session: "other" } ] }'])).toMatchObject({ reason: 'no session "other" in `sessions`' });
  });

  it('several sessions and a step that does not say which', () => {
    expect(failure(['{ sessions: { alice: {}, bob: {} },', '  steps: [ { expectEvent: "NowWaiting" } ] }'])).toMatchObject({
      line: 2, column: 12, reason: 'this recipe has several sessions (alice, bob): say which with `session`',
    });
  });

  it('a session definition with an unknown key, or sessions that are empty', () => {
    expect(failure(['{ sessions: { a: { agnt: "demo" } }, steps: [] }'])).toMatchObject({ at: 'agnt', reason: 'session a has no key "agnt"; did you mean "agent"?' });
    expect(failure(['{ sessions: {}, steps: [] }'])).toMatchObject({ at: '{}', reason: '`sessions` must be an object naming at least one session' });
  });

  it('vars and secrets of the wrong shape', () => {
    expect(failure(['{ vars: [1], steps: [] }'])).toMatchObject({ at: '[1]', reason: '`vars` must be an object' });
    expect(failure(['{ secrets: "password", steps: [] }'])).toMatchObject({ at: '"password"', reason: '`secrets` must be an array of var names' });
  });

  it('a forEach file that does not exist (relative to the recipe), or a forEach without steps', () => {
    expect(stepFailure('{ forEach: "missing.csv", steps: [] }')).toMatchObject({ at: '"missing.csv"', reason: 'cannot read missing.csv (relative to the recipe)' });
    expect(stepFailure('{ forEach: "rows.csv" }')).toMatchObject({ reason: 'forEach needs `steps`' });
    expect(stepFailure('{ forEach: 3, steps: [] }')).toMatchObject({ at: '3', reason: '`forEach` takes a CSV or JSONL file, or an array' });
    expect(stepFailure('{ forEach: "rows.csv", as: "1x", steps: [] }')).toMatchObject({ at: '"1x"', reason: '`as` names the row variable, such as "row"' });
  });

  it('errors inside a forEach, at their nested position', () => {
    expect(failure(['{ steps: [', '  { forEach: [1], steps: [', '    { send: "GetRecrod" } ] },', '] }'])).toMatchObject({
      line: 3, column: 13, reason: 'unknown request "GetRecrod"; did you mean "GetRecord"?',
    });
  });

  it('an unknown control operation, with did you mean and the list', () => {
    expect(stepFailure('{ control: "hangup" }')).toMatchObject({
      at: '"hangup"', reason: expect.stringMatching(/^unknown control operation "hangup"; did you mean "hangUp"\? \(they are: presentCall, hangUp, /),
    });
    expect(stepFailure('{ control: "hangUp", with: 1 }')).toMatchObject({ at: '1', reason: '`with` must be an object of the operation\'s parameters' });
  });

  it('with every error reported, in the order of the file, not only the first', () => {
    const lines = [
      '{ nme: "x", sessions: { a: { agnt: "demo" } }, steps: [',
      '  { send: "GoAvailible", session: "a" },',
      '  { send: "Disposition", session: "a", with: { outcome: "sale", nokey: 1 } },',
      '  { expectEvent: "NowWaiting", session: "a", within: "soon" },',
      '  { send: "Logoff", session: "b" },',
      '] }',
    ];
    const report = inspectRecipe(join(dir, 'r.json5'), lines.join('\n'));
    expect(report.recipe).toBeUndefined();
    expect(report.errors.map((e) => `${e.position.line}:${e.position.column} ${e.reason}`)).toEqual([
      '1:3 a recipe has no key "nme"; did you mean "name"?',
      '1:30 session a has no key "agnt"; did you mean "agent"?',
      '2:11 unknown request "GoAvailible"; did you mean "GoAvailable"?',
      '3:57 Disposition.outcome must be an integer, got "sale"',
      '3:65 Disposition has no key "nokey" (its keys: outcome, callbackNumber, callbackTime, personalCallback, data, sessionIndex)',
      '4:54 `within` takes a duration such as 10s or 500ms, got "soon"',
      '5:30 no session "b" in `sessions`; did you mean "a"?',
    ]);
  });

  it('malformed JSON5 before any check', () => {
    expect(failure(['{ steps: [ { send: "GetTenants" ] }'])).toMatchObject({ line: 1, column: 33, reason: "invalid character ']'" });
  });
});
