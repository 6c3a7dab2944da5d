import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Json } from '../../protocol/codec.js';
import { inspectRecipe } from '../../recipe/check.js';
import type { Recipe, RecipeResult } from '../../recipe/model.js';
import { excerpt, FILE_REPORTERS, prettyError, prettyStep, prettySummary, REPORTERS, type FileReporter, type ReporterName } from '../../recipe/report.js';
import { render } from '../../recipe/render.js';
import type { Defined } from '../../recipe/references.js';
import { runRecipe, type RunOptions } from '../../recipe/run.js';
import type { Simulator } from '../../sim/server.js';
import { placeOf, type Finding } from '../../recipe/source.js';
import { frameLine } from '../../session/frame-log.js';
import { Redactor } from '../../session/mask.js';
import { readCa } from '../ca.js';
import { EXIT, usageError } from '../../util/exit.js';
import { splitKeyValue } from '../../util/key-value.js';
import { expandFiles } from '../glob.js';
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
  /** --ca FILE. */
  ca?: string;
  /** The HTTP control endpoint of an `aapi sim` (its second line), for `control` steps. */
  control?: string;
  /** Every frame on stderr, between the steps. */
  verbose?: boolean;
  /** --report-junit FILE, --report-html FILE ...: more reports of the same run, beside --reporter's. */
  reports?: Partial<Record<FileReporter, string>>;
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
    const [name, value] = splitKeyValue(item, '--var takes NAME=VALUE');
    out[name] = value;
  }
  return out;
}

/** A recipe error as Hurl draws it: one headline, then where it is. */
function renderSyntax(err: Finding, text: string, red: Redactor): string {
  return [`aapi: ${placeOf(err.file, err.position)}: ${red.text(err.reason)}`, ...excerpt(text.split(/\r?\n/), err.position, red)].join('\n');
}

const renderWarning = (w: Finding, red: Redactor) => `aapi: warning: ${placeOf(w.file, w.position)}: ${red.text(w.reason)}`;

/** Reads and checks every file, printing every error and warning of each; the recipes when none has an error. */
function loadAll(files: string[], defined: Defined, env: CommandEnv, red: Redactor): Recipe[] | undefined {
  const recipes: Recipe[] = [];
  let failed = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      env.out.info(`aapi: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      failed = true;
      continue;
    }
    const { recipe, errors, warnings } = inspectRecipe(file, text, defined);
    for (const w of warnings) env.out.info(renderWarning(w, red));
    for (const e of errors) env.out.info(renderSyntax(e, text, red));
    if (recipe) recipes.push(recipe);
    else failed = true;
  }
  return failed ? undefined : recipes;
}

/** `aapi run FILE...`: exit 0 when every step passed, 1 when one failed, 2 when a file is not a valid recipe. */
export async function run(args: RunArgs, env: CommandEnv): Promise<number> {
  if (!REPORTERS.includes(args.reporter as ReporterName)) throw usageError(`--reporter is one of ${REPORTERS.join(', ')}, got ${JSON.stringify(args.reporter)}`);
  const reporter = args.reporter as ReporterName;
  const vars = parseVars(args.vars);
  // One for the whole run: what the runner learns in one recipe stays masked in the next one's report.
  const red = new Redactor().fromEnv(env.io.env);
  // Every file is checked before anything is sent.
  const recipes = loadAll(expandFiles(args.files), { vars, env: env.io.env }, env, red);
  if (!recipes) return EXIT.usage;
  const ca = readCa(args.ca, env.io);
  if (args.check) {
    for (const r of recipes) env.out.info(`${r.file}: ok (${r.steps.length} steps)`);
    return EXIT.ok;
  }
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
  const verbose: RunOptions['onFrame'] = args.verbose
    ? (f, rec) => {
      const line = frameLine(new Date(), f.dir, f.frame, Object.keys(rec.sessions).length > 1 ? f.session : undefined);
      // Masked by key (frameLine): a frame's other values are data, even where they equal a secret.
      env.out.info(env.out.c.dim(line));
    }
    : undefined;
  try {
    for (const recipe of recipes) {
      if (live) env.out.info(env.out.c.bold(red.text(recipe.name)) + env.out.c.dim(` (${recipe.file})`));
      const result = await runRecipe(recipe, {
        url, insecure: args.insecure || args.sim, ca, vars, env: env.io.env, timeoutMs: env.timeoutMs, maxFrameBytes: env.maxFrameBytes, control, redactor: red, onFrame: verbose,
        onStep: live ? (r, rec) => env.out.info(prettyStep(r, rec.source, red, env.out.c)) : undefined,
      });
      if (live && result.error) env.out.info(env.out.c.red(`  ✘ ${result.error}`));
      results.push(result);
    }
  } finally {
    await sim?.close();
  }
  const report = reporter === 'pretty'
    ? results.map((r) => [r.name, ...r.steps.map((s) => prettyStep(s, r.source, red, env.out.c)), ...(r.error ? [`  ✘ ${r.error}`] : [])].join('\n')).join('\n') + '\n'
    : render(reporter, results, red);
  for (const [name, file] of Object.entries(args.reports ?? {})) {
    writeFileSync(file, render(name as FileReporter, results, red));
    env.out.info(`aapi: the ${FILE_REPORTERS[name as FileReporter]} report is in ${resolve(file)}`);
  }
  // A report in a file or on stdout does not say on stderr why a recipe did not run: this does (live, it was said as it happened).
  if (!live) for (const r of results) if (r.error) env.out.info(prettyError(r, env.out.c));
  if (args.out) {
    writeFileSync(args.out, report);
    if (reporter === 'html') env.out.info(`aapi: the HTML report is in ${resolve(args.out)}`);
    env.out.info(prettySummary(results, env.out.c));
  } else if (live) env.out.info(prettySummary(results, env.out.c));
  else env.io.stdout.write(report);
  // Beside any report, on stderr: every recipe met the same server, so each hint is told once.
  for (const hint of new Set(results.map((r) => r.hint).filter(Boolean))) env.out.info(`hint: ${hint}`);
  if (results.some((r) => r.unreachable)) return EXIT.connection;
  return results.every((r) => r.passed) ? EXIT.ok : EXIT.failed;
}
