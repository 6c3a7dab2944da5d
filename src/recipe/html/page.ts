import { mask, type Redactor } from '../../session/mask.js';
import { frameText } from '../../session/frame-log.js';
import { esc } from '../escape.js';
import type { RecipeResult, StepResult } from '../model.js';
import { renderFailure } from '../report.js';
import { PAGE_CSS, PAGE_SCRIPT } from './assets.js';
import { timelineSvg } from './svg.js';
import { timelineOf } from './timeline.js';

// The HTML report: one self-contained file (no network when opened), its summary and steps plain
// HTML readable without script; the script only shows a clicked frame's JSON. Every frame is
// masked by key, every text (titles, messages, source lines) by the run's redactor, before it is
// escaped: a frame's value under a key that is not secret is data (the agent demo, whose password is demo).

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const MARK = { passed: '✔', failed: '✘', skipped: '–' } as const;

/** A frame as the page shows it when clicked: masked by key, as one JSON document. */
function frameJson(r: RecipeResult): string[] {
  return (r.frames ?? []).map((f) => JSON.stringify({
    at: seconds(f.ms), session: f.session, dir: f.dir, frame: typeof f.frame === 'string' ? frameText(f.dir, f.frame) : mask(f.frame),
  }));
}

function step(s: StepResult, i: number, r: RecipeResult, n: number, red: Redactor): string {
  const at = `${r.file}:${s.position.line}:${s.position.column}`;
  const failure = s.status === 'failed' ? `<pre class="failure">${esc(renderFailure(s, r.source, red))}</pre>` : '';
  return `<li class="step ${s.status}" id="r${n}-s${i}" data-step="${i}"><span class="mark">${MARK[s.status]}</span> <span class="title">${esc(s.title)}</span>`
    + (s.note && s.status === 'passed' ? ` <span class="note">${esc(s.note)}</span>` : '')
    + ` <span class="meta"><span class="session">${esc(s.session)}</span> <span class="at">${esc(at)}</span> ${s.status === 'skipped' ? 'skipped' : `${s.ms} ms`}</span>${failure}</li>`;
}

function recipe(r: RecipeResult, n: number, red: Redactor): string {
  const status = r.passed ? 'passed' : 'failed';
  const head = `<h2><span class="mark">${MARK[status]}</span> ${esc(r.name)} <small>${esc(r.file)} · ${seconds(r.ms)}</small></h2>`;
  const error = r.error ? `<p class="error">✘ ${esc(r.error)}${r.hint ? `<br>hint: ${esc(r.hint)}` : ''}</p>` : '';
  const steps = `<ol class="steps">${r.steps.map((s, i) => step(s, i, r, n, red)).join('')}</ol>`;
  const frames = r.frames ?? [];
  const timeline = frames.length
    ? `<div class="diagram">${timelineSvg(timelineOf(r), n)}</div><aside class="detail" id="detail-${n}"><p class="hint">Click an arrow to see its frame (masked).</p><pre></pre></aside>`
      + `<script type="application/json" id="frames-${n}">${JSON.stringify(frameJson(r)).replace(/</g, '\\u003c')}</script>`
    : '';
  return `<section class="recipe ${status}" id="r${n}">${head}${error}<div class="cols">${steps}${timeline}</div></section>`;
}

export function htmlReport(results: RecipeResult[], red: Redactor): string {
  const steps = results.flatMap((r) => r.steps);
  const count = (st: StepResult['status']) => steps.filter((s) => s.status === st).length;
  const ok = results.filter((r) => r.passed).length;
  const summary = `${ok} of ${results.length} recipe${results.length === 1 ? '' : 's'} passed; ${count('passed')} steps passed, ${count('failed')} failed, ${count('skipped')} skipped`;
  const index = results.map((r, n) => `<tr class="${r.passed ? 'passed' : 'failed'}"><td><a href="#r${n}">${esc(r.name)}</a></td><td>${esc(r.file)}</td><td>${r.passed ? '✔ passed' : '✘ failed'}</td>`
    + `<td>${r.steps.filter((s) => s.status === 'passed').length}/${r.steps.length}</td><td>${seconds(r.ms)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>aapi run: ${esc(summary)}</title><style>${PAGE_CSS}</style></head>
<body><header><h1>aapi run</h1><p class="summary ${ok === results.length ? 'passed' : 'failed'}">${esc(summary)}</p>
<table class="index"><thead><tr><th>recipe</th><th>file</th><th>status</th><th>steps</th><th>duration</th></tr></thead><tbody>${index}</tbody></table></header>
${results.map((r, n) => recipe(r, n, red)).join('\n')}
<script>${PAGE_SCRIPT}</script></body></html>
`;
}
