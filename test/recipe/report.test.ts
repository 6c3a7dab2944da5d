import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { checkRecipe } from '../../src/recipe/check.js';
import type { RecipeResult, StepResult } from '../../src/recipe/model.js';
import { excerpt, json, junit, prettyStep, prettySummary, renderFailure, tap } from '../../src/recipe/report.js';
import { Redactor } from '../../src/session/mask.js';
import { elements, parseXml } from './xml.js';

// The reporters, on results built by hand as the runner gives them (titles and messages already
// masked): what each draws and escapes, and what it masks itself. Frames (expected, actual) by key
// only: `demo`, a known secret here, stays as it is in a frame. The recipe's lines by key and by value.

const TOKEN = 'T0ken-XYZ';
const PASSWORD = 'pw-Secret-42';
const NASTY = `<b> & "q" 'a'`;

const TEXT = `{
  name: "first <recipe> & 'co'",
  vars: { token: "${TOKEN}" },
  secrets: ["token"],
  steps: [
    { send: "GetTenants" },
    { send: "GetTenants", expect: { tenants: ["\${token}"] } },
    { expectEvent: "NowWaiting" },
    { send: "Authenticate", with: { Agent: "a-${TOKEN}", Password: "${PASSWORD}", extension: "1" } },
  ],
}`;

const recipe = checkRecipe('recipes/first.json5', TEXT);
const src = recipe.source;
const step = (i: number, status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult => ({
  path: ['steps', i], position: src.at(['steps', i]), title: recipe.steps[i].title, session: 'main', status, ms: 3, ...extra,
});
const failed = step(1, 'failed', {
  position: src.at(['steps', 1, 'expect']),
  message: `the response does not match at tenants.0: expected "[Masked]", got "${NASTY}"`,
  expected: { tenants: ['[Masked]'], Password: PASSWORD },
  actual: { RID: 5, tenants: [NASTY, 'demo'], password: PASSWORD },
});
const first: RecipeResult = {
  file: 'recipes/first.json5', name: recipe.name, source: src, ms: 1234, passed: false,
  steps: [step(0, 'passed'), failed, step(2, 'skipped', { ms: 0 }), step(3, 'skipped', { ms: 0 })],
};
const second: RecipeResult = {
  file: 'recipes/second.json5', name: 'second', source: checkRecipe('recipes/second.json5', '{ steps: [ { send: "Logoff" } ] }').source,
  ms: 5, passed: true, steps: [{ path: ['steps', 0], position: { line: 1, column: 12, length: 19 }, title: 'send Logoff', session: 'main', status: 'passed', ms: 2 }],
};
const unreachable: RecipeResult = {
  file: 'recipes/third.json5', name: 'third', source: src, ms: 7, passed: false, steps: [],
  error: 'cannot connect to ws://127.0.0.1:1 with [Masked]', unreachable: true,
};
const red = new Redactor([TOKEN, 'demo']);
const plain = new Chalk({ level: 0 });

/** No reporter shows a secret var or a Password; a secret value under another key of a frame stays. */
function expectMasked(out: string): void {
  expect(out).not.toContain(TOKEN);
  expect(out).not.toContain(PASSWORD);
  expect(out).toContain('[Masked]');
  expect(out).toContain('demo');
}

describe('renderFailure and excerpt', () => {
  it('draw the source line with carets under the value, Hurl style', () => {
    expect(excerpt(src.lines, { line: 7, column: 5, length: 3 }, red, 'here')).toEqual([
      '  |',
      '7 |     { send: "GetTenants", expect: { tenants: ["${token}"] } },',
      '  |     ^^^ here',
      '  |',
    ]);
  });

  it('end at the carets without a note, as a syntax error is drawn', () => {
    expect(excerpt(src.lines, { line: 7, column: 5, length: 3 }, red)).toEqual(['  |', '7 |     { send: "GetTenants", expect: { tenants: ["${token}"] } },', '  |     ^^^']);
  });

  it('keeps the carets within the line', () => {
    expect(excerpt(src.lines, { line: 8, column: 5, length: 500 }, red, 'x')[2]).toBe(`  |     ${'^'.repeat('{ expectEvent: "NowWaiting" },'.length)} x`);
  });

  it('masks a secret key\'s value written on the line, and the secrets known', () => {
    expect(excerpt(src.lines, { line: 9, column: 5, length: 3 }, red, 'x')[1])
      .toBe('9 |     { send: "Authenticate", with: { Agent: "a-[Masked]", Password: "[Masked]", extension: "1" } },');
  });

  it('keeps the carets under their value on a line masked before it', () => {
    const column = src.lines[8].indexOf('extension') + 1;
    const [, shown, carets] = excerpt(src.lines, { line: 9, column, length: 'extension: "1"'.length }, red, 'x');
    expect(shown.slice(carets.indexOf('^'), carets.lastIndexOf('^') + 1)).toBe('extension: "1"');
    const onTheSecret = excerpt(src.lines, { line: 9, column: src.lines[8].indexOf(PASSWORD) + 1, length: PASSWORD.length }, red, 'x');
    expect(onTheSecret[1].slice(onTheSecret[2].indexOf('^'), onTheSecret[2].lastIndexOf('^') + 1)).toBe('[Masked]');
  });

  it('names file:line:col, shows expected and actual with secret keys masked, and a secret under another key as it is', () => {

    const out = renderFailure(failed, src, red);
    expect(out).toBe([
      'error: send GetTenants failed',
      '  --> recipes/first.json5:7:35',
      '  |',
      '7 |     { send: "GetTenants", expect: { tenants: ["${token}"] } },',
      `  |                                   ${'^'.repeat('{ tenants: ["${token}"] }'.length)} the response does not match at tenants.0: expected "[Masked]", got "${NASTY}"`,
      '  |',
      'expected: {"tenants":["[Masked]"],"Password":"[Masked]"}',
      `actual:   {"RID":5,"tenants":[${JSON.stringify(NASTY)},"demo"],"password":"[Masked]"}`,
    ].join('\n'));
  });

  it('says "failed" when a failure has no message, and leaves out what it does not know', () => {
    const out = renderFailure(step(0, 'failed'), src, red);
    expect(out.split('\n')).toEqual(['error: send GetTenants failed', '  --> recipes/first.json5:6:5', '  |', '6 |     { send: "GetTenants" },', '  |     ^^^^^^^^^^^^^^^^^^^^^^ failed', '  |']);
  });
});

describe('junit', () => {
  const out = junit([first, second, unreachable], red);
  const doc = parseXml(out);

  it('is well-formed XML with a declaration and one testsuites root', () => {
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(doc.name).toBe('testsuites');
  });

  it('has one testsuite per recipe, with its file, and one testcase per step', () => {
    const suites = elements(doc, 'testsuite');
    expect(suites.map((s) => s.attrs.file)).toEqual(['recipes/first.json5', 'recipes/second.json5', 'recipes/third.json5']);
    expect(suites.map((s) => elements(s, 'testcase').length)).toEqual([4, 1, 1]);
    expect(suites.map((s) => s.attrs.tests)).toEqual(['4', '1', '1']);
    expect(suites[0].attrs).toMatchObject({ name: "first <recipe> & 'co'", failures: '1', errors: '0', skipped: '2', time: '1.234' });
    expect(doc.attrs).toMatchObject({ tests: '6', failures: '1', errors: '1', time: '1.246' });
    expect(elements(doc, 'testcase')).toHaveLength(6);
  });

  it('gives each step testcase its file and line, with failure, skipped or nothing inside', () => {
    const cases = elements(elements(doc, 'testsuite')[0], 'testcase');
    expect(cases.map((c) => [c.attrs.name, c.attrs.file, c.attrs.line, c.attrs.classname])).toEqual([
      ['send GetTenants', 'recipes/first.json5', '6', 'recipes/first.json5'],
      ['send GetTenants', 'recipes/first.json5', '7', 'recipes/first.json5'],
      ['expectEvent NowWaiting', 'recipes/first.json5', '8', 'recipes/first.json5'],
      ['send Authenticate', 'recipes/first.json5', '9', 'recipes/first.json5'],
    ]);
    expect(cases.map((c) => c.children.map((x) => x.name))).toEqual([[], ['failure'], ['skipped'], ['skipped']]);
    expect(cases[0].attrs.time).toBe('0.003');
  });

  it('escapes < > & " \' in attributes and text, which read back as they were', () => {
    const failure = elements(doc, 'failure')[0];
    expect(failure.attrs.message).toBe(`the response does not match at tenants.0: expected "[Masked]", got "${NASTY}"`);
    expect(failure.text).toBe(renderFailure(failed, src, red));
    expect(out).not.toContain(NASTY);
  });

  it('reports a recipe that could not start as an errored setup testcase', () => {
    const setup = elements(elements(doc, 'testsuite')[2], 'testcase')[0];
    expect(setup.attrs.name).toBe('setup');
    expect(setup.children[0]).toMatchObject({ name: 'error', attrs: { message: 'cannot connect to ws://127.0.0.1:1 with [Masked]' } });
  });

  it('masks Passwords, and no secret under another key of a frame', () => expectMasked(out));

  it('is well-formed for an empty run too', () => {
    expect(elements(parseXml(junit([], red)), 'testcase')).toHaveLength(0);
  });
});

describe('tap', () => {
  const out = tap([first, second, unreachable]);
  const lines = out.trimEnd().split('\n');
  const points = lines.filter((l) => /^(not )?ok \d+ /.test(l));

  it('starts with the version and a plan that matches the count of test points, numbered in turn', () => {
    expect(lines[0]).toBe('TAP version 13');
    expect(lines[1]).toBe(`1..${points.length}`);
    expect(points.length).toBe(6);
    expect(points.map((l) => Number(/^(?:not )?ok (\d+)/.exec(l)![1]))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('marks passes, failures with a YAML block, and skips', () => {
    expect(points[0]).toBe("ok 1 - first <recipe> & 'co': send GetTenants");
    const i = lines.indexOf("not ok 2 - first <recipe> & 'co': send GetTenants");
    expect(lines.slice(i + 1, i + 7)).toEqual([
      '  ---',
      `  message: ${JSON.stringify(`the response does not match at tenants.0: expected "[Masked]", got "${NASTY}"`)}`,
      '  at: recipes/first.json5:7:35',
      '  expected: {"tenants":["[Masked]"],"Password":"[Masked]"}',
      `  actual: {"RID":5,"tenants":[${JSON.stringify(NASTY)},"demo"],"password":"[Masked]"}`,
      '  ...',
    ]);
    expect(points[2]).toBe("ok 3 - first <recipe> & 'co': expectEvent NowWaiting # SKIP an earlier step failed");
    expect(points[4]).toBe('ok 5 - second: send Logoff');
    expect(points[5]).toBe('not ok 6 - third: cannot connect to ws://127.0.0.1:1 with [Masked]');
  });

  it('masks Passwords, and no secret under another key of a frame', () => expectMasked(out));

  it('plans 1..0 for nothing', () => {
    expect(tap([])).toBe('TAP version 13\n1..0\n');
  });
});

describe('json', () => {
  const out = json([first, second, unreachable]);
  const doc = JSON.parse(out);

  it('is one JSON document: passed, and each recipe with its steps and their file:line:col', () => {
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(doc.passed).toBe(false);
    expect(doc.recipes.map((r: RecipeResult) => [r.file, r.passed])).toEqual([['recipes/first.json5', false], ['recipes/second.json5', true], ['recipes/third.json5', false]]);
    expect(doc.recipes[0].source).toBeUndefined();
    expect(doc.recipes[0].steps.map((s: { at: string; status: string }) => [s.at, s.status])).toEqual([
      ['recipes/first.json5:6:5', 'passed'], ['recipes/first.json5:7:35', 'failed'], ['recipes/first.json5:8:5', 'skipped'], ['recipes/first.json5:9:5', 'skipped'],
    ]);
    expect(doc.recipes[0].steps[1].message).toContain(NASTY);
    expect(doc.recipes[2]).toMatchObject({ unreachable: true, error: 'cannot connect to ws://127.0.0.1:1 with [Masked]' });
  });

  it('masks Passwords, and no secret under another key of a frame', () => {
    expectMasked(out);
    expect(doc.recipes[0].steps[1].expected).toEqual({ tenants: ['[Masked]'], Password: '[Masked]' });
    expect(doc.recipes[0].steps[1].actual).toEqual({ RID: 5, tenants: [NASTY, 'demo'], password: '[Masked]' });
  });

  it('is passed: true when every recipe passed', () => {
    expect(JSON.parse(json([second])).passed).toBe(true);
  });
});

describe('pretty', () => {
  it('draws one line per step, a failure in full, and a summary', () => {
    expect(prettyStep(first.steps[0], src, red, plain)).toBe('  ✔ send GetTenants 3 ms');
    expect(prettyStep(first.steps[2], src, red, plain)).toBe('  - expectEvent NowWaiting (skipped)');
    const f = prettyStep(failed, src, red, plain);
    expect(f).toBe(`  ✘ send GetTenants 3 ms\n${renderFailure(failed, src, red)}`);
    expectMasked(f);
    expect(prettySummary([first, second], plain)).toBe('1 of 2 recipes passed; 2 passed, 1 failed');
    expect(prettySummary([second], plain)).toBe('1 of 1 recipe passed; 1 passed, 0 failed');
  });
});
