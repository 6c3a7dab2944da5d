import { readFileSync, writeFileSync } from 'node:fs';
import type { Json } from '../../protocol/codec.js';
import { checkRecipe } from '../../recipe/check.js';
import type { Recipe, RecipeResult } from '../../recipe/model.js';
import { json, junit, prettyStep, prettySummary, Redactor, REPORTERS, tap, type ReporterName } from '../../recipe/report.js';
import { runRecipe, type RunOptions } from '../../recipe/run.js';
import type { Simulator } from '../../sim/server.js';
import { RecipeSyntaxError } from '../../recipe/source.js';
import { interpolate } from '../../recipe/values.js';
import { EXIT, usageError } from '../exit.js';
import type { CommandEnv } from '../main.js';
import { DEFAULT_SERVER } from './login.js';

export interface RunArgs {
  files: string[];
  vars: string[];
  reporter: string;
  out?: string;
  sim: boolean;
  check: boolean;
  server?: string;
  insecure?: boolean;
  /** The HTTP control endpoint of an `aapi sim` (its second line), for `control` steps. */
  control?: string;
}

/** Control steps against an `aapi sim` elsewhere, through its HTTP endpoint. */
function httpControl(base: string): RunOptions['control'] {
  return async (op, params) => {
    const res = await fetch(`${base.replace(/\/$/, '')}/${op}`, { method: 'POST', body: JSON.stringify(params) });
    const body = (await res.json()) as Json;
    if (!res.ok) throw new Error(String(body.error ?? res.status));
    return body;
  };
}

function parseVars(items: string[]): Json {
  const out: Json = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw usageError(`--var takes NAME=VALUE, got ${JSON.stringify(item)}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function load(file: string): Recipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return checkRecipe(file, text);
  } catch (err) {
    if (err instanceof RecipeSyntaxError) throw usageError(renderSyntax(err, text));
    throw err;
  }
}

/** How much of the source line a recipe error shows, around its column: a minified recipe is one line of any length. */
const SHOWN = 100;

/** A recipe error as Hurl draws it: one headline, then where it is. */
function renderSyntax(err: RecipeSyntaxError, text: string): string {
  const full = text.split(/\r?\n/)[err.position.line - 1] ?? '';
  const start = full.length > SHOWN ? Math.max(0, Math.min(err.position.column - 1 - SHOWN / 2, full.length - SHOWN)) : 0;
  const end = Math.min(full.length, start + SHOWN);
  const line = `${start > 0 ? '…' : ''}${full.slice(start, end)}${end < full.length ? '…' : ''}`;
  const column = err.position.column - start + (start > 0 ? 1 : 0);
  const num = String(err.position.line);
  const pad = ' '.repeat(num.length);
  return [
    `${err.file}:${err.position.line}:${err.position.column}: ${err.reason}`,
    `${pad} |`,
    `${num} | ${line}`,
    `${pad} | ${' '.repeat(column - 1)}${'^'.repeat(Math.max(1, Math.min(err.position.length, end - err.position.column + 1)))}`,
  ].join('\n');
}

/** `aapi run FILE...`: exit 0 when every step passed, 1 when one failed, 2 when a file is not a valid recipe. */
export async function run(args: RunArgs, env: CommandEnv): Promise<number> {
  if (!REPORTERS.includes(args.reporter as ReporterName)) throw usageError(`--reporter is one of ${REPORTERS.join(', ')}, got ${JSON.stringify(args.reporter)}`);
  const reporter = args.reporter as ReporterName;
  const vars = parseVars(args.vars);
  // Every file is checked before anything is sent.
  const recipes = args.files.map(load);
  if (args.check) {
    for (const r of recipes) env.out.info(`${r.file}: ok (${r.steps.length} steps)`);
    return EXIT.ok;
  }
  const secrets = recipes.flatMap((r) => r.secrets.map((name) => {
    const v = vars[name] ?? r.vars[name];
    try {
      return interpolate(v, { env: env.io.env });
    } catch {
      return v;
    }
  }));
  const red = new Redactor([...secrets, env.io.env.AAPI_PASSWORD]);
  let sim: Simulator | undefined;
  let url = args.server ?? env.io.env.AAPI_SERVER ?? DEFAULT_SERVER;
  let control: RunOptions['control'] = args.control ? httpControl(args.control) : undefined;
  if (args.sim) {
    const { startSimulator } = await import('../../sim/server.js');
    sim = await startSimulator({ port: 0 });
    url = sim.url;
    const ops = sim.control as unknown as Record<string, (p: Json) => Json | Promise<Json>>;
    control = async (op, params) => ops[op](params);
  }
  const live = reporter === 'pretty' && !args.out;
  const results: RecipeResult[] = [];
  try {
    for (const recipe of recipes) {
      if (live) env.out.info(env.out.c.bold(`${recipe.name}`) + env.out.c.dim(` (${recipe.file})`));
      const result = await runRecipe(recipe, {
        url, insecure: args.insecure || args.sim, vars, env: env.io.env, timeoutMs: env.timeoutMs, control,
        onStep: live ? (r, rec) => env.out.info(prettyStep(r, rec.source, red, env.out.c)) : undefined,
      });
      if (live && result.error) env.out.info(env.out.c.red(`  ✘ ${red.text(result.error)}`));
      results.push(result);
    }
  } finally {
    await sim?.close();
  }
  let report: string;
  switch (reporter) {
    case 'junit': report = junit(results, red); break;
    case 'tap': report = tap(results, red); break;
    case 'json': report = json(results, red); break;
    case 'pretty': report = results.map((r) => [r.name, ...r.steps.map((s) => prettyStep(s, r.source, red, env.out.c)), ...(r.error ? [`  ✘ ${red.text(r.error)}`] : [])].join('\n')).join('\n') + '\n';
  }
  if (args.out) {
    writeFileSync(args.out, report);
    env.out.info(prettySummary(results, env.out.c));
  } else if (live) env.out.info(prettySummary(results, env.out.c));
  else env.io.stdout.write(report);
  if (results.some((r) => r.unreachable)) return EXIT.connection;
  return results.every((r) => r.passed) ? EXIT.ok : EXIT.failed;
}
