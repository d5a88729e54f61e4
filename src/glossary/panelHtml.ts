// The page of the glossary panel ("Activation Lens: Open Glossary"): a searchable list of entries and
// the selected entry, with a small SVG plot of f and f′ for activation functions. Everything is
// rendered with textContent / createElementNS by a nonce'd inline script; the data is embedded as a
// JSON block (never as HTML) and the CSP allows nothing else. No vscode import: the host
// (src/extension/glossaryPanel.ts) only creates the panel and relays "show entry" messages.
import { GLOSSARY } from './entries';
import { plotFor, type Plot } from './functions';
import type { GlossaryEntry } from './types';

interface PanelData {
  entries: GlossaryEntry[];
  plots: Record<string, Plot>;
}

function panelData(): PanelData {
  const plots: Record<string, Plot> = {};
  for (const e of GLOSSARY) {
    const p = plotFor(e.id);
    if (p) plots[e.id] = p;
  }
  return { entries: [...GLOSSARY], plots };
}

/** JSON that is safe inside a <script type="application/json"> block. */
export function jsonForScriptBlock(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body { margin: 0; padding: 0; color: var(--vscode-foreground); background: var(--vscode-editor-background);
  font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
.layout { display: grid; grid-template-columns: minmax(190px, 260px) 1fr; height: 100vh; }
.side { border-right: 1px solid var(--vscode-panel-border); display: flex; flex-direction: column; min-height: 0; }
.side input { margin: 8px; padding: 4px 6px; color: var(--vscode-input-foreground); background: var(--vscode-input-background);
  border: 1px solid var(--vscode-input-border, transparent); outline-color: var(--vscode-focusBorder); }
.list { list-style: none; margin: 0; padding: 0 0 8px; overflow: auto; }
.list button { display: block; width: 100%; text-align: left; padding: 3px 10px; border: 0; background: none; color: inherit; cursor: pointer; font: inherit; }
.list button:hover { background: var(--vscode-list-hoverBackground); }
.list button.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
.list .kind { opacity: .6; font-size: .85em; margin-left: 4px; }
.empty { padding: 8px 10px; opacity: .7; }
.entry { overflow: auto; padding: 12px 20px 24px; min-height: 0; }
h1 { font-size: 1.4em; margin: 0 0 4px; font-weight: 600; }
h2 { font-size: 1em; margin: 16px 0 4px; font-weight: 600; }
.summary { margin: 0 0 8px; opacity: .9; }
code, .formula { font-family: var(--vscode-editor-font-family); }
.formula { background: var(--vscode-textCodeBlock-background); padding: 6px 8px; border-radius: 3px; white-space: pre-wrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { opacity: .75; } dd { margin: 0; }
ul.items { margin: 0; padding-left: 18px; }
.related button { margin: 0 6px 4px 0; padding: 2px 8px; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: 0; border-radius: 2px; cursor: pointer; font: inherit; }
svg.plot { background: var(--vscode-textCodeBlock-background); border-radius: 3px; max-width: 100%; height: auto; }
svg .axis { stroke: var(--vscode-editorLineNumber-foreground, #888); stroke-width: 1; }
svg .f { stroke: var(--vscode-charts-blue, #3794ff); stroke-width: 2; fill: none; }
svg .df { stroke: var(--vscode-charts-orange, #d18616); stroke-width: 1.5; fill: none; stroke-dasharray: 4 3; }
.legend { font-size: .9em; opacity: .85; margin-top: 2px; }
.legend .f-key { color: var(--vscode-charts-blue, #3794ff); } .legend .df-key { color: var(--vscode-charts-orange, #d18616); }
`;

// Plain JavaScript run inside the webview. Text is only ever assigned through textContent.
const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  const data = JSON.parse(document.getElementById('glossary-data').textContent);
  const entries = data.entries;
  const byId = new Map(entries.map(function (e) { return [e.id, e]; }));
  const state = vscode.getState() || {};
  let current = byId.has(state.id) ? state.id : (document.body.dataset.initial && byId.has(document.body.dataset.initial) ? document.body.dataset.initial : entries[0].id);
  const search = document.getElementById('search');
  const list = document.getElementById('list');
  const view = document.getElementById('entry');
  search.value = state.query || '';

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }
  function norm(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, ''); }
  function haystack(e) {
    const a = e.aliases;
    return [e.name, e.id, e.summary].concat(a.onnx, a.pytorch, a.keras, a.tfjs, a.tensorflow, a.other).map(norm).join(' ');
  }
  const hay = new Map(entries.map(function (e) { return [e.id, haystack(e)]; }));
  function save() { vscode.setState({ id: current, query: search.value }); }

  function renderList() {
    const q = norm(search.value);
    list.textContent = '';
    const shown = entries.filter(function (e) { return !q || hay.get(e.id).indexOf(q) >= 0; });
    if (!shown.length) { list.appendChild(el('li', 'empty', 'No matching term')); return shown; }
    for (const e of shown) {
      const li = el('li');
      const b = el('button', e.id === current ? 'selected' : '', e.name);
      b.appendChild(el('span', 'kind', e.kind === 'activation' ? 'f(x)' : ''));
      b.addEventListener('click', function () { show(e.id); });
      li.appendChild(b);
      list.appendChild(li);
    }
    return shown;
  }

  function svgEl(tag, attrs) {
    const n = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const k in attrs) n.setAttribute(k, String(attrs[k]));
    return n;
  }
  function plot(p) {
    const wrap = el('div');
    const svg = svgEl('svg', { class: 'plot', width: p.width, height: p.height, viewBox: '0 0 ' + p.width + ' ' + p.height, role: 'img' });
    svg.appendChild(svgEl('line', { class: 'axis', x1: 0, y1: p.xAxisY, x2: p.width, y2: p.xAxisY }));
    svg.appendChild(svgEl('line', { class: 'axis', x1: p.yAxisX, y1: 0, x2: p.yAxisX, y2: p.height }));
    svg.appendChild(svgEl('path', { class: 'df', d: p.dfPath }));
    svg.appendChild(svgEl('path', { class: 'f', d: p.fPath }));
    const title = svgEl('title', {});
    title.textContent = 'f and its derivative for x from ' + p.xMin + ' to ' + p.xMax;
    svg.appendChild(title);
    wrap.appendChild(svg);
    const legend = el('div', 'legend');
    legend.appendChild(el('span', 'f-key', '━ f(x)'));
    legend.appendChild(document.createTextNode('   '));
    legend.appendChild(el('span', 'df-key', '┅ f′(x)'));
    legend.appendChild(document.createTextNode('   x ∈ [' + p.xMin + ', ' + p.xMax + '], y ∈ [' + p.yMin.toFixed(2) + ', ' + p.yMax.toFixed(2) + ']' + (p.params ? ' · ' + p.params : '')));
    wrap.appendChild(legend);
    return wrap;
  }
  function section(title, body) {
    view.appendChild(el('h2', '', title));
    if (typeof body === 'string') view.appendChild(el('p', '', body)); else view.appendChild(body);
  }
  function items(arr) {
    const ul = el('ul', 'items');
    for (const s of arr) ul.appendChild(el('li', '', s));
    return ul;
  }
  function pairs(rows) {
    const dl = el('dl');
    for (const r of rows) { if (!r[1]) continue; dl.appendChild(el('dt', '', r[0])); dl.appendChild(el('dd', '', r[1])); }
    return dl;
  }

  function renderEntry() {
    const e = byId.get(current);
    view.textContent = '';
    view.scrollTop = 0;
    view.appendChild(el('h1', '', e.name));
    view.appendChild(el('p', 'summary', e.summary));
    if (data.plots[e.id]) view.appendChild(plot(data.plots[e.id]));
    section('Definition', e.definition);
    section('Formula', el('div', 'formula', e.formula));
    section('Derivative', el('div', 'formula', e.derivative));
    section('Output range', e.range);
    section('Advantages', items(e.advantages));
    section('Drawbacks', items(e.drawbacks));
    section('Dying ReLU', e.dyingRelu);
    section('When to use', e.whenToUse);
    section('Compute cost', e.computeCost);
    const ops = e.onnxOpset.ops.map(function (o) { return (o.domain ? o.domain + '.' : '') + o.op + ' (opset ' + o.since + '–' + o.latest + ')'; }).join(', ');
    section('ONNX', pairs([['Operators', ops || '—'], ['Note', e.onnxOpset.note]]));
    section('Defaults', pairs([['ONNX', e.defaults.onnx], ['PyTorch', e.defaults.pytorch], ['Keras', e.defaults.keras], ['TF.js', e.defaults.tfjs]]));
    const a = e.aliases;
    section('Names', pairs([['ONNX', a.onnx.join(', ')], ['PyTorch', a.pytorch.join(', ')], ['Keras', a.keras.join(', ')], ['TF.js', a.tfjs.join(', ')], ['TensorFlow', a.tensorflow.join(', ')], ['Also', a.other.join(', ')]]));
    if (e.related.length) {
      const rel = el('div', 'related');
      for (const id of e.related) {
        const r = byId.get(id);
        if (!r) continue;
        const b = el('button', '', r.name);
        b.addEventListener('click', function () { show(id); });
        rel.appendChild(b);
      }
      section('Related', rel);
    }
    section('Sources', items(e.sources.study.map(function (s) { return 'Study text: ' + s; }).concat(e.sources.docs)));
  }

  function show(id) {
    if (!byId.has(id)) return;
    current = id;
    renderList();
    renderEntry();
    save();
  }

  search.addEventListener('input', function () { renderList(); save(); });
  search.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { const shown = renderList(); if (shown.length) show(shown[0].id); }
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      // Step through the filtered list without leaving the search box.
      ev.preventDefault();
      const shown = renderList();
      if (!shown.length) return;
      const i = shown.findIndex(function (e) { return e.id === current; });
      const next = ev.key === 'ArrowDown' ? Math.min(shown.length - 1, i + 1) : Math.max(0, i < 0 ? 0 : i - 1);
      show(shown[next].id);
      const sel = list.querySelector('button.selected');
      if (sel) sel.scrollIntoView({ block: 'nearest' });
    }
  });
  window.addEventListener('message', function (ev) {
    const m = ev.data;
    if (m && m.type === 'show' && typeof m.id === 'string') { search.value = ''; show(m.id); }
  });
  show(current);
  search.focus();
  vscode.postMessage({ type: 'ready' });
})();
`;

/** The whole panel page. `nonce` must be fresh per page load (the host passes a random one). */
export function glossaryHtml(initialId: string | undefined, n: string): string {
  const csp = ["default-src 'none'", `style-src 'nonce-${n}'`, `script-src 'nonce-${n}'`].join('; ');
  const initial = initialId && /^[a-z0-9-]+$/.test(initialId) ? initialId : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${n}">${STYLE}</style>
<title>Activation Lens Glossary</title>
</head>
<body data-initial="${initial}">
<div class="layout">
  <nav class="side"><input id="search" type="search" placeholder="Search terms and aliases (nn.ReLU, leaky relu…)" aria-label="Search the glossary"><ul class="list" id="list"></ul></nav>
  <main class="entry" id="entry" aria-live="polite"></main>
</div>
<script type="application/json" id="glossary-data">${jsonForScriptBlock(panelData())}</script>
<script nonce="${n}">${SCRIPT}</script>
</body>
</html>`;
}

