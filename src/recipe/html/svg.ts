import type { Row, Timeline } from './timeline.js';
import { esc } from '../escape.js';

// The timeline as an SVG sequence diagram, written directly (as Hurl's report draws its waterfall):
// per session a state lane, the agent's and the dialler's lifelines and one arrow per frame; time
// goes down, shared by every session, each row at least ROW apart and long silences shortened to a
// marked gap, so that a burst of frames stays readable and a 30 s wait does not fill the screen.

const ROW = 22;
const PX_PER_MS = 0.02;
const MAX_GAP = 48;
const TOP = 44;
const AXIS = 64;
const PANEL = 360;
const LANE = 16;
const AGENT_X = 64;
const DIALLER_X = PANEL - 24;

/** y of each row, and a time→y function for spans that start and end between rows. */
function layout(rows: Row[], endMs: number): { ys: number[]; y: (ms: number) => number; gaps: { y: number; ms: number }[]; height: number } {
  const ys: number[] = [];
  const gaps: { y: number; ms: number }[] = [];
  let y = TOP;
  let last = 0;
  for (const row of rows) {
    const dt = row.ms - last;
    const step = Math.max(ROW, Math.min(MAX_GAP, dt * PX_PER_MS));
    if (dt * PX_PER_MS > MAX_GAP) gaps.push({ y: y + step / 2, ms: dt });
    y += step;
    ys.push(y);
    last = row.kind === 'keepalives' ? row.toMs : row.ms;
  }
  const points = [{ ms: 0, y: TOP }, ...rows.map((r, i) => ({ ms: r.ms, y: ys[i] }))];
  const at = (ms: number) => {
    let i = 0;
    while (i + 1 < points.length && points[i + 1].ms <= ms) i++;
    const a = points[i];
    const b = points[i + 1];
    // After the last frame (a step that waited for nothing to come) time goes on as between rows.
    if (!b) return a.y + Math.min(MAX_GAP, (ms - a.ms) * PX_PER_MS);
    return b.ms === a.ms ? a.y : a.y + ((ms - a.ms) / (b.ms - a.ms)) * (b.y - a.y);
  };
  return { ys, y: at, gaps, height: Math.max(y, at(endMs)) + ROW * 2 };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export function timelineSvg(t: Timeline, recipe: number): string {
  const { ys, y, gaps, height } = layout(t.rows, t.endMs);
  const width = AXIS + PANEL * Math.max(1, t.sessions.length);
  const x0 = (session: string) => AXIS + PANEL * t.sessions.indexOf(session);
  const out: string[] = [`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.ceil(height)}" viewBox="0 0 ${width} ${Math.ceil(height)}" role="img" aria-label="sequence diagram of the frames">`];
  for (const s of t.sessions) {
    const x = x0(s);
    out.push(`<text class="head" x="${x + (AGENT_X + DIALLER_X) / 2}" y="16">${esc(s)}</text>`,
      `<text class="life-head" x="${x + AGENT_X}" y="34">agent</text><text class="life-head" x="${x + DIALLER_X}" y="34">dialler</text>`,
      `<line class="life" x1="${x + AGENT_X}" y1="${TOP}" x2="${x + AGENT_X}" y2="${height}"/><line class="life" x1="${x + DIALLER_X}" y1="${TOP}" x2="${x + DIALLER_X}" y2="${height}"/>`);
  }
  for (const s of t.states) {
    const top = y(s.fromMs);
    const h = Math.max(1, y(s.toMs) - top);
    const x = x0(s.session) + 4;
    out.push(`<g class="state st-${s.state}"><rect x="${x}" y="${top.toFixed(1)}" width="${LANE}" height="${h.toFixed(1)}"><title>${esc(s.state)} from ${seconds(s.fromMs)} to ${seconds(s.toMs)}</title></rect>`
      + (h > s.state.length * 6 + 8 ? `<text transform="translate(${x + 4},${(top + 4).toFixed(1)}) rotate(90)">${esc(s.state)}</text>` : '') + '</g>');
  }
  for (const m of t.steps) {
    const top = y(m.fromMs);
    const h = Math.max(m.status === 'failed' ? ROW / 2 : 3, y(m.toMs) - top);
    const x = x0(m.session);
    const link = `href="#r${recipe}-s${m.index}"`;
    if (m.status === 'failed') out.push(`<a ${link}><g class="step-mark failed" data-step="${m.index}"><rect class="band" x="${x + 26}" y="${top.toFixed(1)}" width="${PANEL - 30}" height="${h.toFixed(1)}"/><text x="${x + 30}" y="${(top + h + 12).toFixed(1)}">✘ ${esc(m.title)}</text></g></a>`);
    else out.push(`<a ${link}><rect class="step-mark ${m.status}" data-step="${m.index}" x="${x + 24}" y="${top.toFixed(1)}" width="4" height="${h.toFixed(1)}"><title>${esc(m.title)}</title></rect></a>`);
  }
  let labelled = -Infinity;
  t.rows.forEach((row, i) => {
    const ry = ys[i];
    if (row.ms - labelled >= 1000 || i === 0) {
      out.push(`<text class="tick" x="${AXIS - 8}" y="${ry + 4}">${seconds(row.ms)}</text>`);
      labelled = row.ms;
    }
    const x = x0(row.session);
    const [from, to] = row.kind === 'frame' && row.dir === 'received' ? [x + DIALLER_X, x + AGENT_X] : [x + AGENT_X, x + DIALLER_X];
    const mid = (AGENT_X + DIALLER_X) / 2 + x;
    if (row.kind === 'keepalives') {
      const n = row.indexes.length;
      const label = n === 1 ? 'KeepAlive' : `KeepAlive ×${n} (${seconds(row.ms)}–${seconds(row.toMs)})`;
      out.push(`<g class="fr keepalive" tabindex="0" data-r="${recipe}" data-frames="${row.indexes.join(',')}"><line x1="${from}" y1="${ry}" x2="${to - 6}" y2="${ry}"/><path d="M${to - 6},${ry - 4}L${to},${ry}L${to - 6},${ry + 4}z"/><text x="${mid}" y="${ry - 4}">${esc(label)}</text></g>`);
      return;
    }
    const head = to > from ? `M${to - 6},${ry - 4}L${to},${ry}L${to - 6},${ry + 4}z` : `M${to + 6},${ry - 4}L${to},${ry}L${to + 6},${ry + 4}z`;
    const end = to > from ? to - 6 : to + 6;
    out.push(`<g class="fr ${row.type}" tabindex="0" data-r="${recipe}" data-frames="${row.index}"><line x1="${from}" y1="${ry}" x2="${end}" y2="${ry}"/><path d="${head}"/><text x="${mid}" y="${ry - 4}">${esc(row.label)}</text></g>`);
  });
  for (const g of gaps) out.push(`<text class="gap" x="${AXIS - 8}" y="${g.y + 4}">⋯ ${seconds(g.ms)}</text>`);
  out.push('</svg>');
  return out.join('');
}
