import type { Json } from '../protocol/codec.js';
import type { Path } from './model.js';
import { RecipeSyntaxError, type Position, type Source } from './source.js';
import { namesIn, valueAt } from './values.js';
import { isObject } from '../util/object.js';

// Every `${...}` of a recipe must name something defined where it is used. Checked before anything is
// sent, against the run's --var values and environment: an unset AAPI_PASSWORD is bad input, found at
// once with its place, not a failure halfway through a run.

export interface Defined {
  /** The --var values: they replace the recipe's vars of the same name. */
  vars: Json;
  env: NodeJS.ProcessEnv;
}

/** What only the run will know (a capture, a row): anything under it may be there. */
const LATER = Symbol('known during the run');

function defined(scope: Json, name: string): boolean {
  const parts = name.trim().split('.');
  for (let n = 1; n <= parts.length; n++) {
    const v = valueAt(scope, parts.slice(0, n).join('.'));
    if (v === LATER) return true;
    if (v === undefined) return false;
  }
  return true;
}

/** Each `${...}` in the strings of a value, with the path of its string. */
function* references(value: unknown, path: Path): Generator<{ name: string; path: Path }> {
  if (typeof value === 'string') for (const name of namesIn(value)) yield { name, path };
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* references(value[i], [...path, i]);
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) yield* references(v, [...path, k]);
}

/** The `${name}` itself within its string when it is on the string's first line, else the whole string. */
function placeOf(src: Source, path: Path, name: string): Position {
  const at = src.at(path);
  const written = `\${${name}}`;
  const i = (src.lines[at.line - 1] ?? '').indexOf(written, at.column - 1);
  return i >= 0 && i < at.column - 1 + at.length ? { line: at.line, column: i + 1, length: written.length } : at;
}

/**
 * The `${...}` of a recipe that will not be defined when they are used: in vars (which see only the
 * environment), in sessions (vars and the environment), and in each step's interpolated keys (what
 * earlier steps captured and the rows of an enclosing forEach as well). The shape of the recipe is not
 * assumed: it may have errors of its own, reported beside these.
 */
export function checkReferences(src: Source, run: Defined): RecipeSyntaxError[] {
  const errors: RecipeSyntaxError[] = [];
  const v = src.value;
  if (!isObject(v)) return errors;
  const check = (value: unknown, path: Path, scope: Json, why: string, remedy = '') => {
    for (const ref of references(value, path)) {
      if (defined(scope, ref.name)) continue;
      const env = /^\s*env\.(.+)$/i.exec(ref.name);
      const reason = env ? `${env[1].trim()} is not set in the environment${remedy}` : why;
      errors.push(new RecipeSyntaxError(src.file, placeOf(src, ref.path, ref.name), `\${${ref.name}} is not defined: ${reason}`));
    }
  };
  const vars = isObject(v.vars) ? v.vars : {};
  for (const [name, value] of Object.entries(vars)) {
    // A --var replaces it: the recipe's value is never used.
    if (!(name in run.vars)) check(value, ['vars', name], { env: run.env }, 'a var\'s value can refer only to env.NAME', ` (set it, or give --var ${name}=...)`);
  }
  const scope: Json = { ...vars, ...run.vars, env: run.env };
  const everywhere = 'it is not a var, a --var, a capture of an earlier step, a forEach row or env.NAME';
  if (isObject(v.sessions)) {
    for (const [name, def] of Object.entries(v.sessions)) check(def, ['sessions', name], scope, 'a session can use vars, --var and env.NAME');
  }
  const steps = (list: unknown, path: Path) => {
    if (!Array.isArray(list)) return;
    list.forEach((s, i) => {
      if (!isObject(s)) return;
      const at = [...path, i];
      for (const key of ['with', 'expect', 'where', 'forEach']) check(s[key], [...at, key], scope, everywhere);
      if ('forEach' in s) {
        const as = typeof s.as === 'string' ? s.as : 'row';
        scope[as] = LATER;
        steps(s.steps, [...at, 'steps']);
        // As the runner does: the row variable is gone after the loop.
        delete scope[as];
      }
      if (isObject(s.capture)) for (const name of Object.keys(s.capture)) scope[name] = LATER;
    });
  };
  steps(v.steps, ['steps']);
  return errors;
}
