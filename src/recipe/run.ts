import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { REQUESTS } from '../protocol/catalogue.js';
import { encodeRequest, getCI, isSuccess, type Json } from '../protocol/codec.js';
import { checkValue } from '../protocol/validate.js';
import { AapiError, ConnectFailed } from '../session/errors.js';
import { wireFrame } from '../session/frame-log.js';
import { mask, Redactor, type Quote } from '../session/mask.js';
import { Session } from '../session/session.js';
import { EventQueue } from './events.js';
import type { FrameRecord, Path, Recipe, RecipeResult, SendStep, Step, StepResult } from './model.js';
import { interpolate, mismatch, StepError, valueAt } from './values.js';

// Runs a checked recipe against a server. It never prints: it returns results carrying source
// positions, and calls `onStep` as each step ends, for a reporter to draw.

export interface RunOptions {
  url: string;
  insecure?: boolean;
  /** Extra certificate authorities to trust (PEM). */
  ca?: string;
  /** --var overrides. */
  vars?: Json;
  env?: NodeJS.ProcessEnv;
  /** How long a request may wait for its response. */
  timeoutMs?: number;
  /** The largest request frame a step may send. */
  maxFrameBytes?: number;
  onStep?: (result: StepResult, recipe: Recipe) => void;
  /** Told of every frame of every session as it goes (--verbose). */
  onFrame?: (frame: FrameRecord, recipe: Recipe) => void;
  /** The simulator's control API, for `control` steps. */
  control?: (operation: string, params: Json) => Promise<Json>;
  /**
   * The secrets of the run, for the reporters too (source lines): the runner adds the environment's,
   * the recipe's `secrets` and every value of a secret key sent or received.
   */
  redactor?: Redactor;
}

interface Conn {
  session: Session;
  events: EventQueue;
}

/** What the run keeps beside its steps: its start, every frame, when each event arrived, each session's last send. */
class Trace {
  readonly t0 = performance.now();
  readonly frames: FrameRecord[] = [];
  readonly arrived = new WeakMap<Json, number>();
  readonly lastSend = new Map<string, number>();

  now(): number {
    return performance.now() - this.t0;
  }
}

/** What a successful answer said, in a word or two, from the verb's idea of success. */
function answered(step: SendStep, response: Json): string | undefined {
  const success = REQUESTS[step.verb].success;
  switch (success.kind) {
    case 'ok': return String(getCI(response, 'Response') ?? 'OK');
    case 'status': return String(getCI(response, success.key));
    case 'payload': return success.key;
    case 'none': return undefined;
  }
}

/** The values that tell one event from another of its name: the record's URN, else what `where` asked for. */
function identity(event: Json, where: Json | undefined): string[] {
  const urn = valueAt(event, 'data.URN');
  if (urn !== undefined) return [`URN ${String(urn)}`];
  return Object.entries(where ?? {}).filter(([, v]) => v === null || typeof v !== 'object').map(([k, v]) => `${k} ${String(v)}`);
}

function rowsOf(recipe: Recipe, rows: string | unknown[]): unknown[] {
  if (Array.isArray(rows)) return rows;
  const file = resolve(dirname(recipe.file), rows);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StepError(`cannot read ${rows}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (/\.jsonl$/i.test(file)) {
    return text.split('\n').flatMap((line, i) => {
      if (!line.trim()) return [];
      try {
        return [JSON.parse(line)];
      } catch {
        throw new StepError(`${rows}:${i + 1}: not a JSON line`);
      }
    });
  }
  try {
    return parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as unknown[];
  } catch (err) {
    throw new StepError(`${rows}: ${(err as Error).message}`);
  }
}

/** The request keys of a send step, interpolated and converted to their documented types. */
function requestOf(step: SendStep, scope: Json): Json {
  const spec = REQUESTS[step.verb];
  const values = interpolate(step.with, scope) as Json;
  for (const key of spec.keys) {
    if (values[key.wire] === undefined) continue;
    const { value, problem } = checkValue(key, values[key.wire], 'tolerant');
    if (problem) throw new StepError(`${step.verb}.${key.wire} ${problem}`).about('with');
    values[key.wire] = value;
  }
  return encodeRequest(step.verb, values);
}

/**
 * The keys of a frame whose values came from outside the recipe (a var, the environment, a capture):
 * the secrets among them are the run's to mask wherever they appear. One the recipe writes in clear is
 * masked where it is written, by its key, not everywhere: the fixture's password `demo` is also its
 * agent and tenant.
 */
function fromOutside(written: Json, frame: Json): Json {
  return Object.fromEntries(Object.entries(frame).filter(([k]) => {
    const v = getCI(written, k);
    return typeof v === 'string' && v.includes('${');
  }));
}

/** A value quoted in a message, masked when it stands under a secret key (path `data.Password`), as in expected/actual. */
const shown = (path: string, v: unknown): Quote => ({ quote: v, under: path.split('.').pop() ?? '' });

function captureInto(scope: Json, capture: Record<string, string> | undefined, from: Json): void {
  for (const [name, path] of Object.entries(capture ?? {})) {
    const v = valueAt(from, path);
    if (v === undefined) throw new StepError(`cannot capture ${name}: nothing at ${path}`, path, from).about('capture');
    scope[name] = v;
  }
}

class Runner {
  readonly results: StepResult[] = [];
  failed = false;

  constructor(
    readonly recipe: Recipe, readonly conns: Map<string, Conn>, readonly scope: Json, readonly opts: RunOptions, readonly red: Redactor,
    /** Opens the recipe's sessions again, after a control step dropped every connection. */
    readonly reopen: () => Promise<void>,
    readonly trace: Trace,
  ) {}

  async steps(steps: Step[], iteration: Path = []): Promise<void> {
    for (const step of steps) {
      if (this.failed) {
        this.record(step, iteration, 'skipped', 0);
        continue;
      }
      if (step.kind === 'forEach') {
        await this.forEach(step, iteration);
        continue;
      }
      const t0 = performance.now();
      try {
        const note = await this.step(step);
        this.record(step, iteration, 'passed', performance.now() - t0, undefined, note);
      } catch (err) {
        this.failed = true;
        const e = err instanceof StepError ? err : new StepError((err as Error).message);
        this.record(step, iteration, 'failed', performance.now() - t0, e);
      }
    }
  }

  private async forEach(step: Extract<Step, { kind: 'forEach' }>, iteration: Path): Promise<void> {
    let rows: unknown[];
    const t0 = performance.now();
    try {
      rows = rowsOf(this.recipe, interpolate(step.rows, this.scope) as string | unknown[]);
    } catch (err) {
      this.failed = true;
      this.record(step, iteration, 'failed', performance.now() - t0, err as StepError);
      return;
    }
    let row = 0;
    for (; row < rows.length && !this.failed; row++) {
      this.scope[step.as] = rows[row];
      await this.steps(step.steps, [...iteration, row]);
    }
    delete this.scope[step.as];
    const failure = this.failed ? new StepError(`row ${row} of ${rows.length} failed`) : undefined;
    this.record(step, iteration, this.failed ? 'failed' : 'passed', performance.now() - t0, failure);
  }

  /** The step's label with its ${...} filled in where they are defined (they interpolate anywhere). */
  private label(step: Step): string {
    if (!step.title.includes('${')) return step.title;
    try {
      const v = interpolate(step.title, this.scope);
      return typeof v === 'string' ? v : JSON.stringify(v);
    } catch {
      return step.title;
    }
  }

  private record(step: Step, iteration: Path, status: StepResult['status'], ms: number, err?: StepError, note?: string): void {
    const r: StepResult = {
      path: step.path,
      position: this.recipe.source.at(err?.key ? [...step.path, err.key] : step.path),
      title: this.red.text(iteration.length ? `${this.label(step)} [row ${iteration.join('.')}]` : this.label(step)),
      session: step.session,
      status,
      startMs: Math.round(this.trace.now() - ms),
      ms: Math.round(ms),
    };
    if (note) r.note = this.red.text(note);
    if (err) Object.assign(r, { message: this.red.message(err.said), expected: this.red.written(err.expected), actual: err.actual });
    this.results.push(r);
    this.opts.onStep?.(r, this.recipe);
  }

  /** Runs one step; resolves with what it matched, when there is something to tell. */
  private async step(step: Exclude<Step, { kind: 'forEach' }>): Promise<string | undefined> {
    const conn = this.conns.get(step.session)!;
    switch (step.kind) {
      case 'sleep':
        await new Promise((r) => setTimeout(r, step.ms));
        return undefined;
      case 'control': {
        if (!this.opts.control) throw new StepError('control steps need a simulator: run with --sim, or --control URL of an `aapi sim`').about('control');
        try {
          await this.opts.control(step.operation, interpolate(step.with, this.scope) as Json);
        } catch (err) {
          throw new StepError(`control ${step.operation}: ${(err as Error).message}`).about('control');
        }
        if (step.reopens) {
          try {
            await this.reopen();
          } catch (err) {
            throw new StepError(`after control ${step.operation}, opening the sessions again: ${(err as Error).message}`).about('control');
          }
        }
        return undefined;
      }
      case 'send': {
        const msg = requestOf(step, this.scope);
        this.red.learn(fromOutside(step.with, msg));
        let response: Json;
        let error: AapiError | undefined;
        this.trace.lastSend.set(step.session, this.trace.now());
        try {
          response = await conn.session.send(msg, { timeoutMs: this.opts.timeoutMs });
        } catch (err) {
          if (!(err instanceof AapiError)) throw err;
          error = err;
          response = err.response;
        }
        this.red.learn(response);
        if (step.expectError !== undefined) {
          if (error?.errorNumber !== step.expectError) {
            throw new StepError(`expected error ${step.expectError}, got ${error ? error.message : 'a response without error'}`, { ErrorNumber: step.expectError }, response).about('expectError');
          }
        } else if (error) {
          throw new StepError(`the server answered ${error.message}`, step.expect ?? 'a response without error', response).about('send');
        } else if (step.expect) {
          const expected = interpolate(step.expect, this.scope);
          const m = mismatch(expected, response);
          if (m) throw new StepError([`the response does not match at ${m.at || 'the top'}: expected `, shown(m.at, this.red.written(m.expected)), ', got ', shown(m.at, m.actual)], expected, response).about('expect');
        }
        captureInto(this.scope, step.capture, response);
        const said = error ? `ERROR ${error.errorNumber} (expected)` : answered(step, response);
        return said && `→ ${said}`;
      }
      case 'expectEvent': {
        const where = step.where && (interpolate(step.where, this.scope) as Json);
        const event = await conn.events.take(step.event, where, step.withinMs);
        if (!event) {
          const arrived = conn.events.unconsumed();
          throw new StepError(
            [`no ${step.event}`, ...(where ? [' matching ', { quote: this.red.written(where) }] : []),
 ` within ${step.withinMs} ms; not yet consumed: ${arrived.length ? arrived.map((e) => e.event).join(', ') : 'nothing'}`],
            { event: step.event, ...(where ?? {}) },
            arrived,
          ).about('expectEvent');
        }
        captureInto(this.scope, step.capture, event);
        const after = ((this.trace.arrived.get(event) ?? this.trace.now()) - (this.trace.lastSend.get(step.session) ?? 0)) / 1000;
        return `(${[...identity(event, where), `after ${after.toFixed(1)} s`].join(', ')})`;
      }
      case 'expectNoEvent': {
        const where = step.where && (interpolate(step.where, this.scope) as Json);
        const event = await conn.events.peek(step.event, where, step.withinMs);
        if (event) throw new StepError(`${step.event} arrived and no expectEvent consumed it; none was expected within ${step.withinMs} ms`, `no ${step.event}`, event).about('expectNoEvent');
        return `(none within ${step.withinMs} ms)`;
      }
    }
  }
}

/** Opens the recipe's sessions, runs its steps, closes what it opened. */
export async function runRecipe(recipe: Recipe, opts: RunOptions): Promise<RecipeResult> {
  const trace = new Trace();
  const env = opts.env ?? process.env;
  const red = (opts.redactor ?? new Redactor()).fromEnv(env);
  const result = (steps: StepResult[], error?: string): RecipeResult => ({
    file: recipe.file, name: red.text(recipe.name), source: recipe.source, steps, ms: Math.round(trace.now()), error: error && red.text(error),
    passed: !error && steps.every((s) => s.status === 'passed'), frames: trace.frames,
  });
  const conns = new Map<string, Conn>();
  const close = () => {
    for (const { session } of conns.values()) session.close();
    conns.clear();
  };
  try {
    // A --var replaces the recipe's var: its own value is not even interpolated (it may need an unset variable).
    const own = Object.fromEntries(Object.entries(recipe.vars).filter(([name]) => !Object.hasOwn(opts.vars ?? {}, name)));
    const scope: Json = { ...(interpolate(own, { env }) as Json), ...(opts.vars ?? {}), env };
    red.add(...recipe.secrets.map((name) => scope[name]));
    await openSessions(recipe, scope, opts, red, conns, trace);
    const runner = new Runner(recipe, conns, scope, opts, red, async () => {
      close();
      await openSessions(recipe, scope, opts, red, conns, trace);
    }, trace);
    await runner.steps(recipe.steps);
    return result(runner.results);
  } catch (err) {
    return { ...result([], (err as Error).message), ...(err instanceof ConnectFailed ? { unreachable: true, hint: err.hint && red.text(err.hint) } : {}) };
  } finally {
    close();
  }
}

/** A connection per session of the recipe; those naming an agent authenticated (and connected to their campaign). */
async function openSessions(recipe: Recipe, scope: Json, opts: RunOptions, red: Redactor, conns: Map<string, Conn>, trace: Trace): Promise<void> {
  for (const [name, def] of Object.entries(recipe.sessions)) {
    const events = new EventQueue();
    const record = (e: Json) => {
      red.learn(e);
      trace.arrived.set(e, trace.now());
      events.push(e);
    };
    const tap = (dir: FrameRecord['dir'], text: string) => {
      const f: FrameRecord = { session: name, ms: trace.now(), dir, frame: wireFrame(text) };
      // What the server sends is learnt as it arrives, so that a secret in it is masked in the very line
      // that shows it. What is sent is not: a password written in clear is masked by its key alone.
      if (dir === 'received' && typeof f.frame !== 'string') red.learn(f.frame);
      trace.frames.push(f);
      opts.onFrame?.(f, recipe);
    };
    const session = await Session.connect({ url: opts.url, insecure: opts.insecure, ca: opts.ca, reconnect: false, timeoutMs: opts.timeoutMs, maxFrameBytes: opts.maxFrameBytes, record, tap });
    conns.set(name, { session, events });
    if (def.agent) {
      const d = interpolate(def, scope) as Json;
      const auth = { Agent: d.agent, Password: d.password ?? '', extension: d.extension ?? '' };
      red.learn(fromOutside(def as Json, auth));

      red.learn(await session.send(encodeRequest('Authenticate', auth)));
      if (d.tenant && d.campaign) {
        const c = await session.send(encodeRequest('Connect', { tenant: d.tenant, campaign: d.campaign }));
        if (!isSuccess(REQUESTS.Connect, c)) throw new Error(`session ${name}: Connect answered ${JSON.stringify(mask(c))}`);
      }
    }
  }
}
