import { describe, expect, it } from 'vitest';
import { inspectRecipe } from '../../src/recipe/check.js';

// Every ${...} names something defined where it is used, checked before anything is sent, against
// the run's --var values and environment: the vars, --var, captures of earlier steps, forEach rows, env.

/** The errors of a recipe of these lines, as `line:column: reason` with the text the carets cover. */
function undefinedRefs(lines: string[], vars: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): string[] {
  const { errors } = inspectRecipe('r.json5', lines.join('\n'), { vars, env });
  return errors.map((e) => `${e.position.line}:${e.position.column} ${lines[e.position.line - 1].slice(e.position.column - 1, e.position.column - 1 + e.position.length)} | ${e.reason}`);
}

const AUTH = '  { send: "Authenticate", with: { Agent: "demo", Password: "${password}", extension: "1" } },';

describe('references to variables', () => {
  it('an unset environment variable, at its ${...}, naming it; set, it is fine', () => {
    const lines = ['{', '  vars: { password: "${env.AAPI_PASSWORD}" },', '  steps: [', AUTH, '  ],', '}'];
    expect(undefinedRefs(lines)).toEqual([
      '2:22 ${env.AAPI_PASSWORD} | ${env.AAPI_PASSWORD} is not defined: AAPI_PASSWORD is not set in the environment (set it, or give --var password=...)',
    ]);
    expect(undefinedRefs(lines, {}, { AAPI_PASSWORD: 'pw' })).toEqual([]);
    // A --var replaces the var: its value, and what it needs, are never used.
    expect(undefinedRefs(lines, { password: 'pw' })).toEqual([]);
  });

  it('a var defined nowhere, in a step, a session or another var (which sees only env)', () => {
    expect(undefinedRefs([
      '{',
      '  vars: { a: "x", b: "${a}" },',
      '  sessions: { main: { agent: "${who}", password: "${a}" } },',
      '  steps: [ { send: "GetRecord", with: { URN: "u-${urn}" } } ],',
      '}',
    ])).toEqual([
      '2:23 ${a} | ${a} is not defined: a var\'s value can refer only to env.NAME',
      '3:31 ${who} | ${who} is not defined: a session can use vars, --var and env.NAME',
      '4:49 ${urn} | ${urn} is not defined: it is not a var, a --var, a capture of an earlier step, a forEach row or env.NAME',
    ]);
  });

  it('captures from earlier steps only; forEach rows inside the loop only; --var anywhere; nested vars by path', () => {
    expect(undefinedRefs([
      '{ vars: { who: { name: "demo" } }, steps: [',
      '  { send: "GetRecord", with: { URN: "${urn}" } },',
      '  { send: "GetRecord", with: { URN: "1" }, capture: { urn: "data.URN" } },',
      '  { send: "GetRecord", with: { URN: "${urn}" }, expect: { data: { Name: "${who.name}", Tel: "${who.tel}" } } },',
      '  { forEach: [{ URN: "1" }], as: "r", steps: [ { send: "GetRecord", with: { URN: "${r.URN} ${ext}" }, capture: { last: "data.URN" } } ] },',
      '  { send: "GetRecord", with: { URN: "${r.URN}${last}" } },',
      '] }',
    ], { ext: '1' })).toEqual([
      '2:38 ${urn} | ${urn} is not defined: it is not a var, a --var, a capture of an earlier step, a forEach row or env.NAME',
      '4:94 ${who.tel} | ${who.tel} is not defined: it is not a var, a --var, a capture of an earlier step, a forEach row or env.NAME',
      '6:38 ${r.URN} | ${r.URN} is not defined: it is not a var, a --var, a capture of an earlier step, a forEach row or env.NAME',
    ]);
  });

  it('are not checked without the run\'s variables (checkRecipe alone), nor in a step\'s name', () => {
    expect(inspectRecipe('r.json5', '{ steps: [ { send: "GetRecord", with: { URN: "${urn}" } } ] }').errors).toEqual([]);
    expect(undefinedRefs(['{ steps: [ { name: "row ${n}", send: "Logoff" } ] }'])).toEqual([]);
  });
});
