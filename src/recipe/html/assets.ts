// The HTML report's style and script, inline in the page: opening it fetches nothing.

export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --dim: #6e7781; --line: #d0d7de; --ok: #1a7f37; --bad: #cf222e;
  --req: #0969da; --res: #1a7f37; --err: #cf222e; --evt: #8250df; --ack: #8c959f; --band: rgba(207, 34, 46, .14); --panel: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --dim: #8b949e; --line: #30363d; --ok: #3fb950; --bad: #f85149;
  --req: #58a6ff; --res: #3fb950; --err: #f85149; --evt: #bc8cff; --ack: #6e7681; --band: rgba(248, 81, 73, .18); --panel: #161b22; } }
body { margin: 0 1.5rem 2rem; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, sans-serif; }
h1 { font-size: 1.3rem; margin: 1rem 0 .2rem; } h2 { font-size: 1.1rem; border-top: 1px solid var(--line); padding-top: 1rem; }
h2 small, .meta, .hint, .tick, .gap { color: var(--dim); font-weight: normal; }
.passed > .mark, h2 .mark, .summary.passed, tr.passed td:nth-child(3) { color: var(--ok); }
.failed > h2 .mark, .summary.failed, tr.failed td:nth-child(3), .step.failed .mark, .error { color: var(--bad); }
.step.passed .mark { color: var(--ok); } .step.skipped { color: var(--dim); }
table.index { border-collapse: collapse; } .index th, .index td { text-align: left; padding: .2rem .8rem .2rem 0; border-bottom: 1px solid var(--line); }
a { color: var(--req); }
.cols { display: flex; gap: 1rem; align-items: flex-start; }
.steps { flex: 0 1 34rem; margin: 0; padding-left: 2.2rem; } .step { padding: .1rem 0; } .step:target { background: var(--band); }
.note { color: var(--dim); } .meta { font-size: .85em; } .at { font-family: ui-monospace, monospace; }
pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
.failure { background: var(--band); padding: .5rem; border-left: 3px solid var(--bad); }
.diagram { flex: none; overflow-x: auto; border: 1px solid var(--line); background: var(--panel); }
.detail { flex: 1 1 18rem; position: sticky; top: 0; min-width: 14rem; }
.detail pre { background: var(--panel); border: 1px solid var(--line); padding: .5rem; max-height: 80vh; overflow: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg .head { font-weight: 600; font-size: 12px; text-anchor: middle; } svg .life-head { fill: var(--dim); text-anchor: middle; }
svg .life { stroke: var(--line); stroke-width: 2; }
svg .tick, svg .gap { text-anchor: end; fill: var(--dim); } svg .gap { font-style: italic; }
.fr { cursor: pointer; } .fr text { text-anchor: middle; } .fr line { stroke-width: 1.5; }
.fr.request line { stroke: var(--req); } .fr.request path, .fr.request text { fill: var(--req); }
.fr.response line { stroke: var(--res); } .fr.response path, .fr.response text { fill: var(--res); }
.fr.error line { stroke: var(--err); } .fr.error path, .fr.error text { fill: var(--err); font-weight: 600; }
.fr.event line { stroke: var(--evt); } .fr.event path, .fr.event text { fill: var(--evt); }
.fr.ack line, .fr.keepalive line, .fr.other line { stroke: var(--ack); stroke-dasharray: 3 3; } .fr.ack path, .fr.ack text, .fr.keepalive path, .fr.keepalive text, .fr.other path, .fr.other text { fill: var(--ack); }
.fr:hover text, .fr:focus text, .fr.selected text { font-weight: 700; } .fr.selected line { stroke-width: 3; } .fr:focus { outline: none; }
.state text { font-size: 10px; font-weight: 600; fill: #fff; }
.st-LoggedOut rect { fill: #8c959f; } .st-Authenticated rect { fill: #6e7781; } .st-Unavailable rect { fill: #bf8700; }
.st-Waiting rect { fill: #1a7f37; } .st-Calling rect { fill: #0969da; } .st-InCall rect { fill: #8250df; } .st-Wrapping rect { fill: #bc4c00; }
.step-mark.passed { fill: var(--ok); } .step-mark.failed .band { fill: var(--band); stroke: var(--bad); } .step-mark.failed text { fill: var(--bad); font-weight: 600; }
`;

/** Shows the clicked arrow's frames (several for folded KeepAlives) in the recipe's detail pane. */
export const PAGE_SCRIPT = `
(() => {
  const frames = {};
  const of = (r) => (frames[r] ??= JSON.parse(document.getElementById('frames-' + r).textContent));
  const show = (g) => {
    const r = g.dataset.r;
    const detail = document.querySelector('#detail-' + r + ' pre');
    document.querySelectorAll('#r' + r + ' .fr.selected').forEach((e) => e.classList.remove('selected'));
    g.classList.add('selected');
    detail.textContent = g.dataset.frames.split(',').map((i) => {
      const f = JSON.parse(of(r)[Number(i)]);
      return f.at + ' ' + f.session + ' ' + (f.dir === 'sent' ? 'SENT' : 'RECEIVED') + '\\n' + (typeof f.frame === 'string' ? f.frame : JSON.stringify(f.frame, null, 2));
    }).join('\\n\\n');
  };
  document.addEventListener('click', (e) => { const g = e.target.closest && e.target.closest('.fr'); if (g) show(g); });
  document.addEventListener('keydown', (e) => { if ((e.key === 'Enter' || e.key === ' ') && e.target.classList && e.target.classList.contains('fr')) { e.preventDefault(); show(e.target); } });
})();
`;
