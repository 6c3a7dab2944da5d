import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { didYouMean } from '../util/suggest.js';
import { errorSpec, EVENTS, REQUESTS, resolveEvent, resolveVerb, VERBS } from '../protocol/catalogue.js';
import type { Json } from '../protocol/codec.js';
import { checkValue } from '../protocol/validate.js';
import { parseDurationValue } from '../util/duration.js';
import type { Path, Recipe, SessionDef, Step } from './model.js';
import { checkReferences, type Defined } from './references.js';
import { RecipeSyntaxError, Source, type Finding } from './source.js';
import { isObject } from '../util/object.js';

// Validates a whole recipe against the catalogue before anything is sent: unknown verbs, events and
// keys get "did you mean", wrong types are reported where they stand. Every error is reported, not
// only the first: each step, session and section is checked on its own.

const TOP_KEYS = ['name', 'vars', 'secrets', 'sessions', 'steps'];
const STEP_KEYS = ['send', 'with', 'expect', 'expectError', 'capture', 'expectEvent', 'expectNoEvent', 'where', 'within', 'sleep', 'forEach', 'as', 'steps', 'control', 'session', 'name'];
const ACTIONS = ['send', 'expectEvent', 'expectNoEvent', 'sleep', 'forEach', 'control'] as const;
const SESSION_KEYS = ['agent', 'password', 'extension', 'tenant', 'campaign'];
/** What each action allows beside it. */
const ALLOWED: Record<(typeof ACTIONS)[number], string[]> = {
  send: ['with', 'expect', 'expectError', 'capture'],
  expectEvent: ['where', 'within', 'capture'],
  expectNoEvent: ['where', 'within'],
  sleep: [],
  forEach: ['as', 'steps'],
  control: ['with'],
};
/**
 * The simulator's control operations a recipe may call (src/sim/control.ts). One that `reopens` drops
 * every connection on purpose: the runner then opens the recipe's sessions again, as at its start.
 */
const CONTROL: Record<string, { reopens?: true }> = {
  presentCall: {}, hangUp: {}, transfer: {}, chat: {}, offline: {}, setRequestLimit: {}, resetBans: {}, expireDevices: {},
  dropConnections: {}, expireSessions: {}, reset: { reopens: true },
};
export const CONTROL_OPERATIONS = Object.keys(CONTROL);
export const DEFAULT_SESSION = 'main';
const DEFAULT_WITHIN_MS = 10_000;

const hasVars = (v: unknown): boolean =>
  typeof v === 'string' ? v.includes('${') : Array.isArray(v) ? v.some(hasVars) : isObject(v) ? Object.values(v).some(hasVars) : false;

class Checker {
  readonly errors: RecipeSyntaxError[] = [];
  readonly warnings: Finding[] = [];

  constructor(readonly src: Source) {}

  private finding(path: Path, reason: string, key: boolean): RecipeSyntaxError {
    return new RecipeSyntaxError(this.src.file, this.src.at(path, key), reason);
  }

  /** An error that stops checking this part (what follows in it would depend on it). */
  fail(path: Path, reason: string, key = false): never {
    throw this.finding(path, reason, key);
  }

  /** An error that nothing after it depends on: noted, and the checking goes on. */
  note(path: Path, reason: string, key = false): void {
    this.errors.push(this.finding(path, reason, key));
  }

  warn(path: Path, reason: string): void {
    this.warnings.push(this.finding(path, reason, false));
  }

  /** Checks one part that stands on its own (a step, a session): its first error is noted, and the other parts are still checked. */
  part<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof RecipeSyntaxError)) throw err;
      this.errors.push(err);
      return undefined;
    }
  }

  unknownKeys(obj: Json, allowed: string[], path: Path, what: string): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) this.note([...path, k], `${what} has no key "${k}"${didYouMean(k, allowed)}`, true);
    }
  }

  recipe(): Recipe {
    const v = this.src.value;
    if (!isObject(v)) this.fail([], 'a recipe is a JSON5 object with `steps`');
    this.unknownKeys(v, TOP_KEYS, [], 'a recipe');
    if (v.vars !== undefined && !isObject(v.vars)) this.note(['vars'], '`vars` must be an object');
    if (v.secrets !== undefined && !(Array.isArray(v.secrets) && v.secrets.every((s) => typeof s === 'string'))) {
      this.note(['secrets'], '`secrets` must be an array of var names');
    }
    const sessions: Record<string, SessionDef> = {};
    if (v.sessions !== undefined) {
      if (!isObject(v.sessions) || Object.keys(v.sessions).length === 0) this.note(['sessions'], '`sessions` must be an object naming at least one session');
      for (const [name, def] of Object.entries(isObject(v.sessions) ? v.sessions : {})) {
        // A bad definition still names a session: the steps that use it are not wrong for that.
        sessions[name] = {};
        this.part(() => {
          if (!isObject(def)) this.fail(['sessions', name], `session ${name} must be an object (it may be empty)`);
          this.unknownKeys(def, SESSION_KEYS, ['sessions', name], `session ${name}`);
          sessions[name] = def as SessionDef;
        });
      }
    }
    if (Object.keys(sessions).length === 0) sessions[DEFAULT_SESSION] = {};
    if (!Array.isArray(v.steps)) this.fail(['steps'], '`steps` must be an array of steps');
    const dir = dirname(this.src.file);
    return {
      file: this.src.file,
      source: this.src,
      name: typeof v.name === 'string' ? v.name : this.src.file,
      vars: (v.vars as Json) ?? {},
      secrets: (v.secrets as string[]) ?? [],
      sessions,
      steps: this.steps(v.steps as unknown[], ['steps'], Object.keys(sessions), dir),
    };
  }

  steps(list: unknown[], path: Path, sessions: string[], dir: string): Step[] {
    return list.flatMap((s, i) => this.part(() => this.step(s, [...path, i], sessions, dir)) ?? []);
  }

  step(s: unknown, path: Path, sessions: string[], dir: string): Step {
    if (!isObject(s)) this.fail(path, 'a step must be an object such as { send: "GoAvailable" }');
    this.unknownKeys(s, STEP_KEYS, path, 'a step');
    const actions = ACTIONS.filter((a) => a in s);
    if (actions.length !== 1) {
      this.fail(path, actions.length ? `a step does one thing, but this one has ${actions.join(' and ')}` : `a step needs one of ${ACTIONS.join(', ')}`);
    }
    const action = actions[0];
    for (const k of Object.keys(s)) {
      // An unknown key was reported already.
      if (STEP_KEYS.includes(k) && k !== action && k !== 'session' && k !== 'name' && !ALLOWED[action].includes(k)) this.fail([...path, k], `"${k}" does not go with ${action}`, true);
    }
    let session = sessions[0];
    if (s.session !== undefined) {
      if (typeof s.session !== 'string' || !sessions.includes(s.session)) {
        this.fail([...path, 'session'], `no session ${JSON.stringify(s.session)} in \`sessions\`${didYouMean(String(s.session), sessions)}`);
      }
      session = s.session;
    } else if (sessions.length > 1 && action !== 'sleep' && action !== 'forEach' && action !== 'control') {
      this.fail(path, `this recipe has several sessions (${sessions.join(', ')}): say which with \`session\``);
    }
    const label = typeof s.name === 'string' ? s.name : undefined;
    const within = (key: 'within') => {
      if (s[key] === undefined) return DEFAULT_WITHIN_MS;
      const d = parseDurationValue(s[key], '10s or 500ms');
      if (d.problem !== undefined) this.fail([...path, key], `\`${key}\` ${d.problem}`);
      return d.ms;
    };
    const capture = () => {
      if (s.capture === undefined) return undefined;
      if (!isObject(s.capture) || !Object.values(s.capture).every((p) => typeof p === 'string')) {
        this.fail([...path, 'capture'], '`capture` maps names to dotted paths: { urn: "data.URN" }');
      }
      return s.capture as Record<string, string>;
    };
    const where = () => {
      if (s.where !== undefined && !isObject(s.where)) this.fail([...path, 'where'], '`where` must be an object of keys the event must have');
      return s.where as Json | undefined;
    };
    switch (action) {
      case 'send': {
        if (typeof s.send !== 'string') this.fail([...path, 'send'], '`send` names a request type, such as "GoAvailable"');
        const verb = resolveVerb(s.send);
        if (!verb) this.fail([...path, 'send'], `unknown request ${JSON.stringify(s.send)}${didYouMean(s.send, VERBS)}`);
        const spec = REQUESTS[verb];
        const values = s.with ?? {};
        if (!isObject(values)) this.fail([...path, 'with'], '`with` must be an object of the request\'s keys');
        const keys = spec.keys.map((k) => k.wire);
        for (const [k, val] of Object.entries(values)) {
          const key = spec.keys.find((x) => x.wire === k);
          if (!key) {
            this.note([...path, 'with', k], `${verb} has no key "${k}"${didYouMean(k, keys)}${keys.length ? ` (its keys: ${keys.join(', ')})` : ' (it takes none)'}`, true);
            continue;
          }
          if (!hasVars(val)) {
            const { problem } = checkValue(key, val, 'tolerant');
            if (problem) this.note([...path, 'with', k], `${verb}.${k} ${problem}`);
          }
        }
        if (s.expect !== undefined && !isObject(s.expect)) this.fail([...path, 'expect'], '`expect` must be an object: the response must contain it');
        if (s.expectError !== undefined) {
          if (!Number.isInteger(s.expectError)) this.fail([...path, 'expectError'], `expectError takes an error number, such as 320, got ${JSON.stringify(s.expectError)}`);
          if (s.expect !== undefined) this.fail([...path, 'expectError'], 'a step expects either a response (`expect`) or an error (`expectError`), not both');
          // A real dialler may answer codes its spec does not list: the step is run all the same.
          if (!errorSpec(s.expectError as number)) this.warn([...path, 'expectError'], `expectError ${s.expectError as number} is not an error number the spec lists (a real dialler may answer it): the step runs`);
        }
        return {
          kind: 'send', path, session, title: label ?? `send ${verb}`, verb, with: values,
          expect: s.expect as Json | undefined, expectError: s.expectError as number | undefined, capture: capture(),
        };
      }
      case 'expectEvent':
      case 'expectNoEvent': {
        const name = s[action];
        const event = typeof name === 'string' ? resolveEvent(name) : undefined;
        if (!event) this.fail([...path, action], `unknown event ${JSON.stringify(name)}${didYouMean(String(name), [...EVENTS, 'ChatMessage'])}`);
        const base = { path, session, event, where: where(), withinMs: within('within') };
        return action === 'expectEvent'
          ? { kind: 'expectEvent', title: label ?? `expectEvent ${event}`, ...base, capture: capture() }
          : { kind: 'expectNoEvent', title: label ?? `expectNoEvent ${event}`, ...base };
      }
      case 'sleep': {
        const d = parseDurationValue(s.sleep, '500ms');
        if (d.problem !== undefined) this.fail([...path, 'sleep'], `\`sleep\` ${d.problem}`);
        return { kind: 'sleep', path, session, title: label ?? `sleep ${s.sleep}`, ms: d.ms };
      }
      case 'control': {
        if (typeof s.control !== 'string' || !CONTROL_OPERATIONS.includes(s.control)) {
          this.fail([...path, 'control'], `unknown control operation ${JSON.stringify(s.control)}${didYouMean(String(s.control), CONTROL_OPERATIONS)} (they are: ${CONTROL_OPERATIONS.join(', ')})`);
        }
        if (s.with !== undefined && !isObject(s.with)) this.fail([...path, 'with'], '`with` must be an object of the operation\'s parameters');
        return {
          kind: 'control', path, session, title: label ?? `control ${s.control}`, operation: s.control, with: (s.with as Json) ?? {},
          reopens: CONTROL[s.control].reopens === true,
        };
      }
      case 'forEach': {
        const rows = s.forEach;
        if (typeof rows === 'string') {
          if (!hasVars(rows) && !existsSync(resolve(dir, rows))) this.fail([...path, 'forEach'], `cannot read ${rows} (relative to the recipe)`);
        } else if (!Array.isArray(rows)) this.fail([...path, 'forEach'], '`forEach` takes a CSV or JSONL file, or an array');
        if (s.as !== undefined && (typeof s.as !== 'string' || !/^[A-Za-z_]\w*$/.test(s.as))) this.fail([...path, 'as'], '`as` names the row variable, such as "row"');
        if (!Array.isArray(s.steps)) this.fail([...path, 'steps'], 'forEach needs `steps`');
        return {
          kind: 'forEach', path, session, title: label ?? `forEach ${typeof rows === 'string' ? rows : `${rows.length} rows`}`,
          rows: typeof rows === 'string' ? rows : (rows as unknown[]), as: (s.as as string) ?? 'row',
          steps: this.steps(s.steps as unknown[], [...path, 'steps'], sessions, dir),
        };
      }
    }
  }
}

export interface CheckReport {
  /** The checked recipe, when there is no error. */
  recipe?: Recipe;
  /** Every error found, in the order of the file. */
  errors: RecipeSyntaxError[];
  /** What is allowed but may be a mistake (an error number the spec does not list). */
  warnings: Finding[];
}

const byPlace = (a: Finding, b: Finding) => a.position.line - b.position.line || a.position.column - b.position.column;

/** The errors in the order the checks found them: a cause before what follows from it. */
function inspect(file: string, text: string, defined?: Defined): CheckReport {
  let src: Source;
  try {
    src = new Source(file, text);
  } catch (err) {
    if (err instanceof RecipeSyntaxError) return { errors: [err], warnings: [] };
    throw err;
  }
  const checker = new Checker(src);
  const recipe = checker.part(() => checker.recipe());
  const errors = [...checker.errors, ...(defined ? checkReferences(src, defined) : [])];
  return { recipe: errors.length ? undefined : recipe, errors, warnings: checker.warnings };
}

/**
 * Parses and checks a recipe, reporting every error, in the order of the file. With `defined` (the
 * --var values and the environment of the run), every `${...}` is checked to name something defined
 * where it is used.
 */
export function inspectRecipe(file: string, text: string, defined?: Defined): CheckReport {
  const report = inspect(file, text, defined);
  return { ...report, errors: report.errors.sort(byPlace) };
}

/** Parses and checks a recipe; throws the first error found (a RecipeSyntaxError naming file:line:column). */
export function checkRecipe(file: string, text: string): Recipe {
  const { recipe, errors } = inspect(file, text);
  if (!recipe) throw errors[0];
  return recipe;
}
