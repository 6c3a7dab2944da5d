import type { ChalkInstance } from 'chalk';
import { mask, type Redactor } from '../session/mask.js';
import { esc as xml } from './escape.js';
import type { RecipeResult, StepResult } from './model.js';
import { placeOf, type Position, type Source } from './source.js';

// Drawing results: the Hurl-style failure (file:line:col, the source line, carets, expected and
// actual), and the pretty, JUnit, TAP and JSON reporters. A result's titles and messages come
// masked from the runner; here the frames in it are masked by key and the recipe's lines by the
// redactor, before anything is escaped for its format.

export type ReporterName = 'pretty' | 'junit' | 'tap' | 'json' | 'html';
export const REPORTERS: ReporterName[] = ['pretty', 'junit', 'tap', 'json', 'html'];
/** The reporters a file can hold (--report-junit FILE ...): all but the terminal's. */
export type FileReporter = Exclude<ReporterName, 'pretty'>;
export const FILE_REPORTERS: Record<FileReporter, string> = { junit: 'JUnit', tap: 'TAP', json: 'JSON', html: 'HTML' };

/** A frame (expected or actual) as one line of JSON, secret keys masked. */
const frame = (v: unknown) => JSON.stringify(mask(v)) ?? String(v);

/** How much of a source line an excerpt shows, around its column: a minified recipe is one line of any length. */
const SHOWN = 200;

/**
 * A line of the recipe with carets under the value, as Hurl draws it, the line masked. With a note
 * (a failure's message) after the carets and a closing gutter line; without, as a syntax error ends.
 */
export function excerpt(lines: string[], pos: Position, red: Redactor, note?: string): string[] {
  const num = String(pos.line);
  const pad = ' '.repeat(num.length);
  const line = red.line(lines[pos.line - 1] ?? '');
  let start = line.moved(Math.max(0, pos.column - 1));
  const length = line.moved(pos.column - 1 + pos.length, true) - start;
  let text = line.text;
  if (text.length > SHOWN) {
    const from = Math.max(0, Math.min(start - SHOWN / 2, text.length - SHOWN));
    const to = Math.min(text.length, from + SHOWN);
    text = `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < line.text.length ? '…' : ''}`;
    start = start - from + (from > 0 ? 1 : 0);
  }
  const carets = `${' '.repeat(start)}${'^'.repeat(Math.max(1, Math.min(length, text.length - start)))}`;
  const drawn = [`${pad} |`, `${num} | ${text}`, `${pad} | ${carets}${note === undefined ? '' : ` ${note}`}`];
  return note === undefined ? drawn : [...drawn, `${pad} |`];
}

export function renderFailure(r: StepResult, source: Source, red: Redactor): string {
  const lines = [`error: ${r.title} failed`, `  --> ${placeOf(source.file, r.position)}`];
  lines.push(...excerpt(source.lines, r.position, red, r.message ?? 'failed'));
  if (r.expected !== undefined) lines.push(`expected: ${frame(r.expected)}`);
  if (r.actual !== undefined) lines.push(`actual:   ${frame(r.actual)}`);
  return lines.join('\n');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function junit(results: RecipeResult[], red: Redactor): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = results.flatMap((r) => r.steps);
  const failures = (rs: StepResult[]) => rs.filter((s) => s.status === 'failed').length;
  const errors = results.filter((r) => r.error).length;
  out.push(`<testsuites name="aapi run" tests="${all.length + errors}" failures="${failures(all)}" errors="${errors}" time="${seconds(results.reduce((t, r) => t + r.ms, 0))}">`);
  for (const r of results) {
    out.push(`  <testsuite name="${xml(r.name)}" tests="${r.steps.length + (r.error ? 1 : 0)}" failures="${failures(r.steps)}" errors="${r.error ? 1 : 0}" skipped="${r.steps.filter((s) => s.status === 'skipped').length}" time="${seconds(r.ms)}" file="${xml(r.file)}">`);
    if (r.error) out.push(`    <testcase name="setup" classname="${xml(r.file)}"><error message="${xml(r.error)}"/></testcase>`);
    for (const s of r.steps) {
      const head = `    <testcase name="${xml(s.title)}" classname="${xml(r.file)}" file="${xml(r.file)}" line="${s.position.line}" time="${seconds(s.ms)}"`;
      if (s.status === 'passed') out.push(`${head}/>`);
      else if (s.status === 'skipped') out.push(`${head}><skipped/></testcase>`);
      else out.push(`${head}><failure message="${xml(s.message ?? 'failed')}">${xml(renderFailure(s, r.source, red))}</failure></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

export function tap(results: RecipeResult[]): string {
  const out = ['TAP version 13'];
  let n = 0;
  const body: string[] = [];
  for (const r of results) {
    if (r.error) body.push(`not ok ${++n} - ${r.name}: ${r.error}`);
    for (const s of r.steps) {
      const label = `${r.name}: ${s.title}`;
      if (s.status === 'skipped') body.push(`ok ${++n} - ${label} # SKIP an earlier step failed`);
      else if (s.status === 'passed') body.push(`ok ${++n} - ${label}`);
      else {
        body.push(`not ok ${++n} - ${label}`, '  ---', `  message: ${JSON.stringify(s.message ?? '')}`, `  at: ${placeOf(r.file, s.position)}`);
        if (s.expected !== undefined) body.push(`  expected: ${frame(s.expected)}`);
        if (s.actual !== undefined) body.push(`  actual: ${frame(s.actual)}`);
        body.push('  ...');
      }
    }
  }
  out.push(`1..${n}`, ...body);
  return `${out.join('\n')}\n`;
}

export function json(results: RecipeResult[]): string {
  // The frames are the HTML report's: the JSON report stays what it was, one line per recipe's steps.
  const plain = results.map(({ source: _s, frames: _f, ...r }) => ({
    ...r,
    steps: r.steps.map((s) => ({ ...s, at: placeOf(r.file, s.position) })),
  }));
  return `${JSON.stringify(mask({ passed: results.every((r) => r.passed), recipes: plain }))}\n`;
}

/** Why a recipe did not run (the server could not be reached ...), in one line. */
export const prettyError = (r: RecipeResult, c: ChalkInstance) => c.red(`✘ ${r.name} (${r.file}): ${r.error}`);

/** One line per finished step, as it finishes; a failure drawn in full. */
export function prettyStep(r: StepResult, source: Source, red: Redactor, c: ChalkInstance): string {
  const mark = r.status === 'passed' ? c.green('✔') : r.status === 'failed' ? c.red('✘') : c.dim('-');
  const note = r.note && r.status === 'passed' ? ` ${r.note}` : '';
  const line = `  ${mark} ${r.title}${note}${r.status === 'skipped' ? c.dim(' (skipped)') : c.dim(` ${r.ms} ms`)}`;
  return r.status === 'failed' ? `${line}\n${c.red(renderFailure(r, source, red))}` : line;
}

export function prettySummary(results: RecipeResult[], c: ChalkInstance): string {
  const steps = results.flatMap((r) => r.steps);
  const passed = steps.filter((s) => s.status === 'passed').length;
  const failed = steps.filter((s) => s.status === 'failed').length;
  const ok = results.filter((r) => r.passed).length;
  const unrun = results.filter((r) => r.error).length;
  const text = `${ok} of ${results.length} recipe${results.length === 1 ? '' : 's'} passed; ${passed} passed, ${failed} failed${unrun ? `; ${unrun} did not run` : ''}`;
  return ok === results.length ? c.green(text) : c.red(text);
}
