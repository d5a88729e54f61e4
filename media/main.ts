// The model viewer webview: graph, layer table, model panel and details, talking to the
// extension host through the typed protocol in src/protocol.ts.
import { decodeGraph } from '../src/protocol';
import type { ComparisonInfo, FindingInfo, GraphInfo, HostMessage, ModelInfo, NodeActivationResult, OverlayChoice, OverlayQuantity, TensorStatsInfo, ViewerState, ViewName, WebviewMessage, WireGraph } from '../src/protocol';
import { clear, h, icon } from './dom';
import { GraphModel } from './graphModel';
import type { Container, VisibleGraph, ViewOptions } from './graphModel';
import { CATEGORIES, frameLabelWidth, GraphView, modelBoxContext, type BoxContent, type BoxContext, type Transform } from './graphView';
import { visibleBoxes } from './boxes';
import { layoutRequest } from './compoundLayout';
import { LayoutClient } from './layoutClient';
import { pictureView, type FirstPicture } from './firstPicture';
import { renderDetails, type DetailsContext } from './details';
import { LayerTable } from './table';
import { renderModelPanel } from './modelPanel';
import { exportPng, exportSvg } from './export';
import { GlossaryCards } from './glossaryCard';
import { changeValue, choiceLabel, comparedValue, formatChange, formatValue, isChange, mix, MIX_MAX, MIX_MIN, Overlay, parseChoice, parseColor, QUANTITIES, QUANTITY_KEYS, quantityOf, type Palette } from './overlay';
import { renderCompareSummary, runLabel } from './compareView';
import type { CompareColumns, OverlayColumn } from './table';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage) => vscode.postMessage(m);

const defaults: ViewerState = { view: 'graph', expanded: [], collapsed: [], direction: 'TB', showNames: true };
const saved = vscode.getState() as ViewerState | undefined;
const state: ViewerState = { ...defaults, ...(saved && typeof saved === 'object' ? saved : {}) };
state.overlay = parseChoice(state.overlay);

// ---- skeleton ---------------------------------------------------------------------------------

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const viewButtons = (['graph', 'table', 'model'] as const).map((v) =>
  h('button', { type: 'button', class: 'view-button', 'data-view': v, title: { graph: 'Graph', table: 'Layer table', model: 'Model' }[v] }, icon({ graph: 'type-hierarchy', table: 'table', model: 'info' }[v]), h('span', null, { graph: 'Graph', table: 'Layers', model: 'Model' }[v])),
);
const search = h('input', { id: 'search', type: 'search', placeholder: 'Find node, op or tensor (Ctrl+F)', 'aria-label': 'Find node, op type or tensor', spellcheck: 'false' });
const searchCount = h('span', { id: 'search-count', class: 'count', 'aria-live': 'polite' });
const tool = (id: string, codicon: string, title: string) => h('button', { type: 'button', id, class: 'tool', title, 'aria-label': title }, icon(codicon));
const prevBtn = tool('search-prev', 'arrow-up', 'Previous match (Shift+Enter)');
const nextBtn = tool('search-next', 'arrow-down', 'Next match (Enter)');
const dirBtn = tool('toggle-direction', 'arrow-swap', 'Toggle top-to-bottom / left-to-right');
const namesBtn = tool('toggle-names', 'symbol-string', 'Show or hide node names');
const foldBtn = tool('toggle-folding', 'fold', 'Show folded weights and shape computations as boxes of their own');
const fitBtn = tool('fit', 'screen-full', 'Fit to view (F)');
const zoomInBtn = tool('zoom-in', 'zoom-in', 'Zoom in (+)');
const zoomOutBtn = tool('zoom-out', 'zoom-out', 'Zoom out (-)');
const svgBtn = tool('export-svg', 'file-media', 'Export view as SVG');
const pngBtn = tool('export-png', 'device-camera', 'Export view as PNG');
// What the graph is coloured by (media/overlay.ts): layer kind, a measured quantity, or its change.
const overlaySelect = h('select', { id: 'overlay-choice', title: 'Colour the graph by: layer kind, a measured value of the last run, or its change from the comparison run', 'aria-label': 'Colour the graph by' });
overlaySelect.append(h('option', { value: 'category' }, 'Colour: layer kind'));
const runGroup = h('optgroup', { label: 'Last run' });
for (const q of QUANTITY_KEYS) runGroup.append(h('option', { value: q, title: QUANTITIES[q].title }, QUANTITIES[q].label));
const changeGroup = h('optgroup', { label: 'Change from comparison (B − A)' });
for (const q of QUANTITY_KEYS) changeGroup.append(h('option', { value: `change:${q}` }, `Δ ${QUANTITIES[q].label}`));
overlaySelect.append(runGroup, changeGroup);
const compareBtn = h('button', { type: 'button', id: 'compare-with', class: 'tool labelled', title: 'Compare with another run of this model, a saved run or another model file (Activation Lens: Compare with…)' }, icon('diff'), h('span', null, 'Compare with…'));
const toolbar = h(
  'div',
  { id: 'toolbar', role: 'toolbar' },
  h('div', { class: 'views', role: 'tablist' }, ...viewButtons),
  h('div', { class: 'search' }, search, searchCount, prevBtn, nextBtn),
  h('div', { class: 'graph-tools' }, dirBtn, namesBtn, foldBtn, fitBtn, zoomInBtn, zoomOutBtn, svgBtn, pngBtn),
  h('div', { class: 'overlay-tools' }, overlaySelect, compareBtn),
);
const graphHost = h('div', { id: 'graph-view', class: 'view' });
const legend = h('div', { id: 'legend', 'aria-label': 'Colour key' });
const breadcrumb = h('nav', { id: 'breadcrumb', 'aria-label': 'Where you are in the model' });
const tableHost = h('div', { id: 'table-view', class: 'view' });
const modelHost = h('div', { id: 'model-view', class: 'view' });
const compareHost = h('section', { id: 'compare-summary', class: 'model-panel compare-summary', 'aria-label': 'Comparison', hidden: '' });
const modelPanelHost = h('div', { id: 'model-panel-host' });
modelHost.append(compareHost, modelPanelHost);
const details = h('aside', { id: 'details', 'aria-label': 'Details' });
const overlay = h('div', { id: 'overlay', role: 'status' });
const status = h('div', { id: 'status' });
app.append(toolbar, h('div', { id: 'main' }, h('div', { id: 'views' }, graphHost, tableHost, modelHost, overlay), details), status);

// Colours for the canvas overview and PNG export, read from the theme's CSS variables.
function readColors(view: GraphView): void {
  const probe = h('span', { class: 'color-probe' });
  document.body.append(probe);
  for (const c of CATEGORIES) {
    probe.className = `color-probe cat-${c}`;
    view.colors.set(c, getComputedStyle(probe).color);
  }
  probe.remove();
  const cs = getComputedStyle(document.body);
  view.colors.set('background', cs.backgroundColor && cs.backgroundColor !== 'rgba(0, 0, 0, 0)' ? cs.backgroundColor : cs.getPropertyValue('--vscode-editor-background') || '#ffffff');
  view.colors.set('foreground', cs.color);
  view.colors.set('font', cs.fontFamily);
  view.colors.set('edge', cs.getPropertyValue('--al-edge').trim() || '#888888');
  readPalette();
}

/** The overlay's theme colours as numbers (mixed in JS: the canvas and exports need concrete colours). */
let palette: Palette = { bg: { r: 255, g: 255, b: 255 }, seq: { r: 209, g: 134, b: 22 }, neg: { r: 26, g: 133, b: 255 }, pos: { r: 229, g: 20, b: 0 } };
function readPalette(): void {
  const probe = h('span', { class: 'color-probe' });
  document.body.append(probe);
  const read = (v: string) => {
    probe.style.color = `var(${v})`;
    return parseColor(getComputedStyle(probe).color);
  };
  palette = { bg: read('--al-bg') ?? palette.bg, seq: read('--al-seq') ?? palette.seq, neg: read('--al-neg') ?? palette.neg, pos: read('--al-pos') ?? palette.pos };
  probe.remove();
}

// ---- state --------------------------------------------------------------------------------------

let model: GraphModel | undefined;
let info: ModelInfo | undefined;
let file = '';
let visible: VisibleGraph | undefined;
let selectedFlat = -1;
let focusedItem = -1;
let matches: number[] = [];
let matchAt = -1;
let layoutGeneration = 0;
let firstLayout = true;
const stats = new Map<string, { stats?: TensorStatsInfo; error?: string; pending?: boolean }>();
const pendingStats = new Map<number, string>();
let nextRequest = 1;
let activation = new Map<string, NodeActivationResult>();
let findings: FindingInfo[] = [];
let comparison: ComparisonInfo | undefined;
let overlayData: Overlay | undefined;
let table: LayerTable | undefined;
/** Milliseconds per stage of the last (re)load, for the status line and the scale tests. */
const timings: Record<string, number> = {};
(window as unknown as { __alTimings: typeof timings }).__alTimings = timings;

const expanded = () => new Set(state.expanded);
const collapsed = () => new Set(state.collapsed);

let saveTimer = 0;
function saveState(): void {
  vscode.setState(state);
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => post({ type: 'stateChanged', state }), 250);
}

const view = new GraphView(graphHost, {
  select: (i) => {
    const item = visible?.items[i];
    if (item?.flat) select(item.flat.index, false);
  },
  toggle: (key) => void toggleContainer(key),
  reveal: (i) => {
    const item = visible?.items[i];
    if (item?.flat?.node) post({ type: 'revealNode', node: item.flat.node.name });
  },
  transformed: (t: Transform) => {
    cards.hide(); // it would float away from its node
    state.transform = t;
    saveState();
  },
});
view.boxFill = (item) => overlayData?.fill(item, palette);
readColors(view);
graphHost.append(legend, breadcrumb);
let crumbTimer = 0;
view.onPaint = () => {
  cards.checkAnchor();
  // where the middle of the view is, once panning pauses (it scans the open frames)
  if (selectedFlat < 0 && !crumbTimer) crumbTimer = window.setTimeout(() => ((crumbTimer = 0), selectedFlat < 0 && updateBreadcrumb()), 120);
};

const cards = new GlossaryCards(post, (node) => {
  const it = model?.byId.get(node) ?? model?.items.find((x) => x.node?.name === node);
  if (it) void select(it.index, true);
});
new MutationObserver(() => {
  readColors(view);
  // overlay colours are concrete: the theme's new ones are mixed again
  if (overlayData?.painting) {
    renderLegend();
    view.redrawNodes();
  } else view.schedule();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

const layoutClient = new LayoutClient(document.body.dataset.worker);
layoutClient.warmUp();

// ---- messages from the host ---------------------------------------------------------------------

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  if (!m || typeof m !== 'object') return;
  switch (m.type) {
    case 'loading':
      file = m.file;
      if (!model) showOverlay('loading', `Reading ${baseName(m.file)}…`);
      break;
    case 'preview':
      file = m.file;
      timings.previewAt = performance.now();
      if (!model) showPreview(JSON.parse(m.picture) as FirstPicture);
      break;
    case 'init':
      file = m.file;
      {
        const t = performance.now();
        timings.initAt = t;
        const g = decodeGraph(JSON.parse(m.graph) as WireGraph);
        timings.decode = performance.now() - t;
        void init(g, m.model);
      }
      break;
    case 'error':
      file = m.file;
      model = undefined;
      showOverlay('error', `Cannot show ${baseName(m.file)}`, m.message);
      break;
    case 'weightStats': {
      const tensor = pendingStats.get(m.id) ?? m.tensor;
      pendingStats.delete(m.id);
      stats.set(tensor, m.error ? { error: m.error } : { stats: m.stats });
      refreshDetails();
      break;
    }
    case 'exportDone':
      setStatus(m.error ? `Export failed: ${m.error}` : m.path ? `Saved ${m.path}` : 'Export cancelled');
      break;
    case 'selectNode': {
      const it = model?.byId.get(m.node) ?? model?.items.find((x) => x.node?.name === m.node);
      if (it) select(it.index, true);
      break;
    }
    case 'activationResults':
      activation = new Map(m.results.map((r) => [r.node, r]));
      worstDead = model ? model.worstDead(new Map(m.results.map((r) => [r.node, r.deadShare]))) : new Float64Array(0);
      cards.invalidate(); // cards show the measured dead share
      table?.setActivation(activation);
      refreshOverlay(false);
      refreshDetails(); // the selected node's histogram and heat strip
      void relayout(false);
      break;
    case 'comparison':
      showComparison(m.comparison);
      break;
    case 'findings':
      findings = m.findings;
      refreshDetails();
      break;
    case 'glossaryCard':
      cards.handle(m);
      break;
  }
});

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function showOverlay(kind: 'loading' | 'error' | 'empty' | 'none', title = '', message = ''): void {
  clear(overlay);
  overlay.className = kind === 'none' ? '' : `shown ${kind}`;
  if (kind === 'none') return;
  const ic = kind === 'loading' ? 'loading codicon-modifier-spin' : kind === 'error' ? 'error' : 'info';
  overlay.append(h('div', { class: 'overlay-box' }, icon(ic), h('h2', null, title), message ? h('pre', { class: 'message' }, message) : null));
}

function setStatus(text: string): void {
  status.textContent = text;
}

/** A cluster the user opened on the preview: opened once the whole graph is in. */
let pendingToggle: string | undefined;

/** Draws a large model's first picture, computed by the host (media/firstPicture.ts), while the
 *  whole graph is still on its way; only for the view settings it was computed for. */
function showPreview(p: FirstPicture): void {
  const s = p.settings;
  const pristine = state.view === 'graph' && !state.expanded.length && !state.collapsed.length && !state.showFolded && !state.renderAll;
  if (!pristine || state.direction !== s.direction || state.showNames !== s.showNames) {
    timings.previewSkipped = 1;
    return;
  }
  const t0 = performance.now();
  const { vg, layout, boxes } = pictureView(p);
  showOverlay('none');
  view.eager = false;
  view.setGraph(vg, layout, boxes, s.direction);
  if (state.transform) view.setTransform(state.transform, false);
  else view.initialView();
  view.update();
  document.body.dataset.boxes = String(vg.items.length);
  const folded = p.foldedCount ? ` (${p.foldedCount.toLocaleString('en-US')} folded into their consumers)` : '';
  setStatus(`${p.nodeCount.toLocaleString('en-US')} nodes${folded} · first picture in ${Math.round(performance.now() - t0)} ms · loading the whole graph…`);
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      timings.previewPictureAt ??= performance.now();
      document.body.dataset.preview = 'true';
    }),
  );
}

async function init(graph: GraphInfo, m: ModelInfo): Promise<void> {
  const t0 = performance.now();
  model = new GraphModel(graph, { keras: m.format === 'tfjs-layers' });
  modelId++;
  worstDead = model.worstDead(new Map([...activation.values()].map((r) => [r.node, r.deadShare])));
  timings.model = performance.now() - t0;
  info = m;
  stats.clear();
  cards.hide();
  cards.invalidate();
  table = undefined;
  clear(tableHost);
  // A reload keeps the selection when the node still exists, and searches the new graph.
  selectedFlat = state.selection ? (model.byId.get(state.selection)?.index ?? -1) : -1;
  runSearch();
  if (model.nodeCount === 0) showOverlay('empty', 'This model has no nodes.', 'Its inputs, outputs and metadata are in the Model view.');
  else showOverlay('none');
  refreshOverlay(false);
  let t = performance.now();
  renderModelPanel(modelPanelHost, m, graph);
  renderCompareSummary(compareHost, comparison, selectByName);
  timings.modelPanel = performance.now() - t;
  await relayout(firstLayout && !state.transform);
  firstLayout = false;
  refreshDetails();
  setView(state.view);
  document.body.dataset.ready = 'true';
  // When the first picture is on screen: after the frame that draws it (for the benchmark).
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      timings.pictureAt = performance.now();
      document.body.dataset.painted = 'true';
    }),
  );
  const folded = model.foldedCount ? ` (${model.foldedCount.toLocaleString('en-US')} folded into their consumers)` : '';
  setStatus(`${m.format.toUpperCase()} · ${model.nodeCount.toLocaleString('en-US')} nodes${folded} · ${m.parameters.toLocaleString('en-US')} parameters · first picture in ${Math.round(performance.now() - t0)} ms (layout ${layoutClient.lastRunner === 'worker' ? 'in a worker' : 'on the UI thread'})`);
  // Build the search index while the user looks at the first picture: the first keystroke
  // then costs what every other one does.
  const idle = (window as unknown as { requestIdleCallback?: (f: () => void) => void }).requestIdleCallback ?? ((f: () => void) => setTimeout(f, 50));
  const built = model;
  idle(() => built.searchIndex());
  if (pendingToggle) {
    const key = pendingToggle;
    pendingToggle = undefined;
    void toggleContainer(key);
  }
}

const CATEGORY_LABELS: Record<string, string> = {
  linear: 'conv / linear',
  normalization: 'normalisation',
  pooling: 'pooling',
  shape: 'tensor shuffling',
  math: 'arithmetic',
  activation: 'activation',
  relu: 'ReLU family',
  control: 'control flow',
  constant: 'constant',
  other: 'other',
};

/** The colour key in the graph's corner: the overlay's scale with its min and max, or the
 *  categories this model has. */
function renderLegend(): void {
  clear(legend);
  delete legend.dataset.overlay;
  legend.classList.remove('overlay-legend');
  if (!model) return;
  const o = overlayData;
  if (o?.quantity) {
    legend.dataset.overlay = o.choice;
    legend.classList.add('overlay-legend');
    const title = h('span', { class: 'legend-title' }, o.change ? `${choiceLabel(o.choice)} (B − A)` : choiceLabel(o.choice));
    legend.append(title);
    if (!o.painting) {
      legend.append(h('span', { class: 'legend-note' }, o.change ? 'no comparison: use Compare with…' : 'no measurements yet: Run Activations… or Compare with…'));
      legend.append(h('span', { class: 'legend-break' }));
    } else {
      const bar = h('span', { class: 'legend-bar', 'aria-hidden': 'true' });
      const minText = o.format(o.min), maxText = o.format(o.max);
      if (o.change) {
        const m = Math.max(Math.abs(o.min), Math.abs(o.max));
        bar.style.background = `linear-gradient(to right, ${mix(palette.neg, palette.bg, MIX_MAX)}, ${mix(palette.neg, palette.bg, MIX_MIN)} 45%, ${mix(palette.bg, palette.bg, 100)} 50%, ${mix(palette.pos, palette.bg, MIX_MIN)} 55%, ${mix(palette.pos, palette.bg, MIX_MAX)})`;
        legend.append(h('span', { class: 'legend-end' }, o.format(-m)), bar, h('span', { class: 'legend-end' }, o.format(m)));
        legend.append(h('span', { class: 'legend-range' }, 'min ', h('span', { class: 'legend-min' }, minText), ' · max ', h('span', { class: 'legend-max' }, maxText)));
      } else {
        bar.style.background = `linear-gradient(to right, ${mix(palette.seq, palette.bg, MIX_MIN)}, ${mix(palette.seq, palette.bg, MIX_MAX)})`;
        legend.append(h('span', { class: 'legend-end' }, 'min ', h('span', { class: 'legend-min' }, minText)), bar, h('span', { class: 'legend-end' }, 'max ', h('span', { class: 'legend-max' }, maxText)));
      }
      legend.append(h('span', { class: 'legend-item no-data' }, h('span', { class: 'swatch' }), 'no data'));
      if (o.change && comparison) {
        legend.append(h('span', { class: 'legend-runs' }, `${runLabel(comparison, 'a')} → ${runLabel(comparison, 'b')}`));
        if (!comparison.comparable) legend.append(h('span', { class: 'legend-warning' }, icon('warning'), ' runs on different inputs'));
      }
      return;
    }
  }
  const present = new Set<string>();
  for (const it of model.items) if (it.node && (!it.fold || state.showFolded)) present.add(it.node.category);
  for (const [cat, label] of Object.entries(CATEGORY_LABELS)) {
    if (!present.has(cat)) continue;
    legend.append(h('span', { class: `legend-item cat-${cat}` }, h('span', { class: 'swatch' }), label));
  }
}

// ---- overlay and comparison --------------------------------------------------------------------

/** Recomputes the overlay's values for the current choice and data, and everything showing them:
 *  legend, table columns and (when `redraw`) the boxes' fills, badges and tooltips. */
function refreshOverlay(redraw = true): void {
  overlaySelect.value = state.overlay ?? 'category';
  for (const o of changeGroup.querySelectorAll('option')) o.disabled = !comparison;
  changeGroup.label = comparison ? 'Change from comparison (B − A)' : 'Change from comparison (none: use Compare with…)';
  if (!model) return;
  overlayData = new Overlay(model, state.overlay ?? 'category', activation, comparison);
  view.overlayOn = overlayData.painting;
  renderLegend();
  updateTableExtras();
  if (redraw && visible) {
    decorateBoxes(visible, view.boxes);
    view.redrawNodes();
  }
}

/** Per box: its tooltip and badge before the overlay added its value. */
const plainBoxes = new WeakMap<BoxContent, { tooltip: string; badge?: string }>();

/** Adds the overlay's value to the boxes' tooltips and badges (colour never stands alone). */
function decorateBoxes(vg: VisibleGraph, boxes: BoxContent[]): void {
  const o = overlayData;
  boxes.forEach((b, i) => {
    let plain = plainBoxes.get(b);
    if (!plain) plainBoxes.set(b, (plain = { tooltip: b.tooltip, badge: b.badge }));
    const item = vg.items[i];
    const line = o?.describe(item);
    b.tooltip = line ? `${plain.tooltip}\n${line}` : plain.tooltip;
    b.badge = o?.badge(item) ?? plain.badge;
  });
}

function updateTableExtras(): void {
  if (!table) return;
  const o = overlayData;
  const q = o?.quantity;
  // The overlay's values: in the Dead or Zero fraction column when it is one of those, in a column
  // of their own otherwise; with a comparison, in the A, B and Change columns.
  let overlayColumn: OverlayColumn | undefined;
  if (o && q && o.painting && !comparison && !o.change && q !== 'deadShare' && q !== 'zeroFraction') {
    overlayColumn = { label: QUANTITIES[q].label, title: `${QUANTITIES[q].title} (the graph's colour)`, value: (name) => resultValue(name, q), format: (v) => formatValue(q, v) };
  }
  let compareColumns: CompareColumns | undefined;
  if (comparison) {
    const c = comparison;
    const cq = q ?? 'deadShare';
    const byNode = new Map(c.nodes.map((n) => [n.node, n]));
    const short = { deadShare: 'Dead', dyingShare: 'Dying', zeroFraction: 'Zero fr.', mean: 'Mean', std: 'Std', max: 'Max' }[cq];
    const label = QUANTITIES[cq].label.toLowerCase();
    const other = c.side === 'a' ? 'b' : 'a';
    compareColumns = {
      labelA: `${short} A`,
      labelB: `${short} B`,
      titleA: `${QUANTITIES[cq].label} in A: ${c.a.label}`,
      titleB: `${QUANTITIES[cq].label} in B: ${c.b.label}`,
      changeLabel: `Δ ${short}`,
      changeTitle: `Change in ${label}, B − A${c.comparable ? '' : ' (the runs did not see the same inputs)'}`,
      a: (name) => comparedValue(byNode.get(name), cq, 'a'),
      b: (name) => comparedValue(byNode.get(name), cq, 'b'),
      change: (name) => changeValue(byNode.get(name), cq),
      formatValue: (v) => formatValue(cq, v),
      formatChange: (v) => formatChange(cq, v),
      unmatched: (name) => {
        if (byNode.has(name)) return undefined;
        const amb = c.ambiguous.find((g) => g.here.includes(name));
        if (amb) return `Not matched: fits more than one layer of ${runLabel(c, other)} (${amb.other.join(', ')})`;
        return c.unmatched.here.includes(name) ? `Not matched: no layer of ${runLabel(c, other)} corresponds to it` : undefined;
      },
    };
  }
  table.setExtras(overlayColumn, compareColumns);
  table.markOverlayColumn(o?.painting && q ? (comparison ? 'change' : o.change ? undefined : q === 'deadShare' ? 'dead' : q === 'zeroFraction' ? 'zeroFraction' : 'overlay') : undefined);
}

function resultValue(name: string, q: OverlayQuantity): number | undefined {
  const v = activation.get(name)?.[q];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Identifies a comparison: its replay after a reload is the same one. */
function comparisonKey(c: ComparisonInfo): string {
  return JSON.stringify([c.side, c.a.model, c.a.runFile, c.a.inputs, c.a.samples, c.b.model, c.b.runFile, c.b.inputs, c.b.samples]);
}

function showComparison(c: ComparisonInfo | undefined): void {
  comparison = c;
  if (c) {
    // A new comparison shows its change at once (the quantity in view, else the dead share).
    const key = comparisonKey(c);
    if (state.seenComparison !== key) {
      state.seenComparison = key;
      const choice = state.overlay ?? 'category';
      if (!isChange(choice)) state.overlay = `change:${quantityOf(choice) ?? 'deadShare'}` as OverlayChoice;
    }
  } else {
    state.seenComparison = undefined;
    if (isChange(state.overlay ?? 'category')) state.overlay = 'category';
  }
  saveState();
  refreshOverlay();
  renderCompareSummary(compareHost, comparison, selectByName);
  refreshDetails();
}

/** Shows a layer of this model (by node name) in the graph: from the compare summary. */
function selectByName(name: string): boolean {
  const it = model?.items.find((x) => x.node?.name === name);
  if (!it) return false;
  setView('graph');
  void select(it.index, true);
  return true;
}

overlaySelect.addEventListener('change', () => {
  state.overlay = parseChoice(overlaySelect.value);
  saveState();
  refreshOverlay();
});
compareBtn.addEventListener('click', () => post({ type: 'compareWith' }));

/** What is drawn besides the open clusters: folded nodes shown, revealed ones; the flat
 *  every-box mode of the benchmark's baseline. */
function viewOptions(): ViewOptions {
  const ex = expanded(), co = collapsed();
  const revealed = new Set<number>();
  for (const id of state.revealed ?? []) {
    const it = model?.byId.get(id);
    if (it) revealed.add(it.index);
  }
  return { isOpen: (c) => model!.isOpen(c.key, ex, co), showFolded: !!state.showFolded || !!state.renderAll, revealed, flat: !!state.renderAll };
}

let worstDead: Float64Array = new Float64Array(0);
let modelId = 0;
/** Layouts done (the benchmark and tests wait on it), and what the last one recomputed. */
let layoutsDone = 0;
const layoutStats = { relaid: 0, levels: 0 };
(window as unknown as { __alLayoutStats: typeof layoutStats }).__alLayoutStats = layoutStats;

function boxContext(): BoxContext {
  const ex = expanded(), co = collapsed();
  return modelBoxContext(model!, { showNames: state.showNames, isOpen: (k) => model!.isOpen(k, ex, co), worstDead });
}

async function relayout(resetView: boolean): Promise<void> {
  if (!model) return;
  const gen = ++layoutGeneration;
  let t = performance.now();
  const vg = model.visible(viewOptions());
  timings.visible = performance.now() - t;
  t = performance.now();
  const ctx = boxContext();
  const boxes = visibleBoxes(vg, ctx);
  boxes.forEach((b, i) => {
    const node = vg.items[i].flat?.node;
    const r = node ? activation.get(node.name) : undefined;
    if (r) b.badge = `dead ${Math.round(r.deadShare * 100)}%`;
  });
  timings.boxes = performance.now() - t;
  t = performance.now();
  const result = await layoutClient.layout(layoutRequest(model, vg, boxes, { model: modelId, direction: state.direction, frameWidth: frameLabelWidth }));
  if (gen !== layoutGeneration) return;
  timings.layout = performance.now() - t;
  timings.layoutCore = result.ms;
  layoutStats.relaid = result.relaid;
  layoutStats.levels = result.levels;
  t = performance.now();
  visible = vg;
  decorateBoxes(vg, boxes);
  view.eager = !!state.renderAll;
  view.setGraph(vg, result, boxes, state.direction);
  view.setSelected(selectedFlat >= 0 ? vg.repOf[selectedFlat] : -1);
  focusedItem = -1;
  view.setFocused(-1);
  view.setMatches(new Set(matches.map((f) => vg.repOf[f])));
  if (resetView) view.initialView();
  else if (state.transform) view.setTransform(state.transform, false);
  view.update();
  timings.render = performance.now() - t;
  updateBreadcrumb();
  // boxes in the picture (only those near the view are in the DOM)
  document.body.dataset.boxes = String(vg.items.length);
  document.body.dataset.layouts = String(++layoutsDone);
}

// ---- breadcrumb ---------------------------------------------------------------------------------

/** The clusters "where you are": around the selection, else around the middle of the view. */
function currentPath(): Container[] {
  if (!model || !visible) return [];
  if (selectedFlat >= 0) {
    const rep = visible.repOf[selectedFlat];
    const item = visible.items[rep];
    if (item?.container) return [...clustersOf(item.container.parent), item.container];
    return model.clustersAround(selectedFlat);
  }
  const W = view.W, H = view.H, t = view.transform;
  const cx = (W / 2 - t.x) / t.k, cy = (H / 2 - t.y) / t.k;
  let best: Container | undefined;
  for (const f of view.frameBoxes) if (cx >= f.x && cx <= f.x + f.w && cy >= f.y && cy <= f.y + f.h && (!best || f.c.depth > best.depth)) best = f.c;
  return best ? [...clustersOf(best.parent), best] : [];
}

function clustersOf(c: number): Container[] {
  const out: Container[] = [];
  for (; c > 0; c = model!.clusters[c].parent) out.push(model!.clusters[c]);
  return out.reverse();
}

let crumbKey = '';
function updateBreadcrumb(): void {
  const path = currentPath();
  const key = path.map((c) => c.key).join('\u0000') + `|${!!model}`;
  if (key === crumbKey) return;
  crumbKey = key;
  clear(breadcrumb);
  if (!model) return;
  const home = h('button', { type: 'button', class: 'crumb', 'data-crumb': '', title: 'The whole model (fit to view)' }, icon('home'), ` ${baseName(file) || 'model'}`);
  home.addEventListener('click', () => view.fit());
  breadcrumb.append(home);
  for (const c of path) {
    breadcrumb.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
    const b = h('button', { type: 'button', class: 'crumb', 'data-crumb': c.key, title: `${c.label}: show` }, c.kind === 'chunk' ? c.label : c.short);
    b.addEventListener('click', () => void showCluster(c));
    breadcrumb.append(b);
  }
}

/** Brings a cluster into view: its frame fitted when it is open, its box centred when closed. */
async function showCluster(c: Container): Promise<void> {
  if (!visible) return;
  const k = view.frameBoxes.findIndex((f) => f.c === c);
  if (k >= 0) return view.fitRect(view.frameBoxes[k]);
  const i = visible.items.findIndex((it) => it.container === c);
  if (i >= 0) view.centerOn(i);
}

// ---- views ------------------------------------------------------------------------------------

function setView(v: ViewName): void {
  state.view = v;
  for (const b of viewButtons) {
    const on = b.dataset.view === v;
    b.classList.toggle('active', on);
    b.setAttribute('aria-selected', String(on));
  }
  graphHost.classList.toggle('active', v === 'graph');
  tableHost.classList.toggle('active', v === 'table');
  modelHost.classList.toggle('active', v === 'model');
  document.body.dataset.view = v;
  if (v === 'table' && model && !table) {
    table = new LayerTable(tableHost, model, (flat) => select(flat, false), state, saveState);
    if (activation.size) table.setActivation(activation);
    updateTableExtras();
    table.setSelected(selectedFlat);
  }
  if (v === 'graph') view.schedule();
  saveState();
}
for (const b of viewButtons) b.addEventListener('click', () => setView(b.dataset.view as ViewName));

// ---- selection and details ----------------------------------------------------------------------

async function select(flat: number, center: boolean): Promise<void> {
  if (!model) return;
  selectedFlat = flat;
  state.selection = flat >= 0 ? model.items[flat].id : undefined;
  if (flat >= 0) {
    // Open the clusters and bodies around it, and unfold it, so it is drawn itself.
    const closed = model.pathTo(flat).filter((k) => !model!.isOpen(k, expanded(), collapsed()));
    const folded = model.hidden(flat, viewOptions());
    if (closed.length || folded) {
      for (const k of closed) openKey(k);
      if (folded) reveal(flat);
      await relayout(false);
      center = true;
    }
  }
  const rep = flat >= 0 && visible ? visible.repOf[flat] : -1;
  view.setSelected(rep);
  if (center && rep >= 0) view.centerOn(rep, true);
  table?.setSelected(flat);
  refreshDetails();
  updateBreadcrumb();
  if (flat >= 0) requestStatsFor(flat);
  saveState();
}

/** Draws a folded node, with the folded nodes shown on the same consumer, as boxes. */
function reveal(flat: number): void {
  const ids = new Set(state.revealed ?? []);
  for (const i of model!.foldGroup(flat)) ids.add(model!.items[i].id);
  state.revealed = [...ids];
}

function openKey(k: string): void {
  state.collapsed = state.collapsed.filter((x) => x !== k);
  if (!state.expanded.includes(k)) state.expanded.push(k);
}

function closeKey(k: string): void {
  state.expanded = state.expanded.filter((x) => x !== k);
  if (!state.collapsed.includes(k)) state.collapsed.push(k);
}

/** Where cluster `key` is drawn (its box when closed, its frame when open), in layout coordinates. */
function clusterRect(key: string): { x: number; y: number } | undefined {
  if (!visible || !view.layout) return undefined;
  const f = view.frameBoxes.find((b) => b.c.key === key);
  if (f) return { x: f.x, y: f.y };
  const i = visible.items.findIndex((it) => it.container?.key === key);
  if (i < 0) return undefined;
  const b = view.boxes[i];
  return { x: view.layout.x[i] - b.w / 2, y: view.layout.y[i] - b.h / 2 };
}

async function toggleContainer(key: string): Promise<void> {
  if (!model) {
    // On the preview: remember it (the whole graph is on its way).
    if (document.body.dataset.preview === 'true') {
      pendingToggle = key;
      setStatus(`${status.textContent?.replace(/ · opens .*$/, '') ?? ''} · opens ${key} when the graph is in`);
    }
    return;
  }
  const opening = !model.isOpen(key, expanded(), collapsed());
  const before = clusterRect(key);
  if (opening) openKey(key);
  else closeKey(key);
  saveState();
  await relayout(false);
  // The view does not jump: the cluster's top-left corner stays where it was on screen.
  const after = clusterRect(key);
  const c = model.containers.get(key);
  if (before && after) {
    const t = view.transform;
    view.setTransform({ x: t.x + (before.x - after.x) * t.k, y: t.y + (before.y - after.y) * t.k, k: t.k });
    view.update();
  } else if (c && visible) {
    const first = c.kind === 'sub' && !opening ? c.owner! : c.first;
    if (first >= 0 && first < model.items.length) view.centerOn(visible.repOf[first], true);
  }
  updateBreadcrumb();
}

/** Weights up to this size get their statistics as soon as their node is selected. */
const AUTO_STATS_ELEMENTS = 4_000_000;

function requestStatsFor(flat: number, force = false): void {
  const n = model?.items[flat]?.node;
  if (!n) return;
  for (const w of n.weights) {
    if (stats.has(w.name)) continue;
    if (!force && w.elementCount > AUTO_STATS_ELEMENTS) continue;
    requestStats(w.name);
  }
}

function requestStats(tensor: string): void {
  const id = nextRequest++;
  pendingStats.set(id, tensor);
  stats.set(tensor, { pending: true });
  post({ type: 'requestWeightStats', id, tensor });
}

function refreshDetails(): void {
  const ctx: DetailsContext = {
    model,
    info,
    file,
    stats,
    findings,
    activation,
    comparison,
    requestStats: (t) => {
      requestStats(t);
      refreshDetails();
    },
    select: (flat) => void select(flat, true),
  };
  renderDetails(details, selectedFlat, ctx);
  cards.checkAnchor();
}

// ---- search ------------------------------------------------------------------------------------

function runSearch(): void {
  matches = model ? model.search(search.value) : [];
  matchAt = -1;
  view.setMatches(new Set(visible ? matches.map((f) => visible!.repOf[f]) : []));
  searchCount.textContent = search.value.trim() ? (matches.length ? `${matches.length} found` : 'No results') : '';
}

function gotoMatch(step: number): void {
  if (!matches.length) return;
  matchAt = (matchAt + step + matches.length) % matches.length;
  searchCount.textContent = `${matchAt + 1} of ${matches.length}`;
  void select(matches[matchAt], true);
}

search.addEventListener('input', runSearch);
search.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') {
    ev.preventDefault();
    gotoMatch(ev.shiftKey ? -1 : 1);
  } else if (ev.key === 'Escape') {
    search.value = '';
    runSearch();
    view.svg.focus();
  }
});
prevBtn.addEventListener('click', () => gotoMatch(-1));
nextBtn.addEventListener('click', () => gotoMatch(1));

// ---- toolbar -----------------------------------------------------------------------------------

dirBtn.addEventListener('click', () => {
  state.direction = state.direction === 'TB' ? 'LR' : 'TB';
  state.transform = undefined;
  saveState();
  void relayout(true);
});
namesBtn.addEventListener('click', () => {
  state.showNames = !state.showNames;
  namesBtn.classList.toggle('active', state.showNames);
  saveState();
  void relayout(false);
});
namesBtn.classList.toggle('active', state.showNames);
foldBtn.addEventListener('click', () => {
  state.showFolded = !state.showFolded;
  if (!state.showFolded) state.revealed = [];
  syncFoldButton();
  renderLegend();
  saveState();
  void relayout(false);
});
function syncFoldButton(): void {
  foldBtn.classList.toggle('active', !!state.showFolded);
  foldBtn.setAttribute('aria-pressed', String(!!state.showFolded));
}
syncFoldButton();
fitBtn.addEventListener('click', () => view.fit());
zoomInBtn.addEventListener('click', () => view.zoomBy(1.25));
zoomOutBtn.addEventListener('click', () => view.zoomBy(0.8));
const stem = () => baseName(file).replace(/\.[^.]*$/, '') || 'model';
svgBtn.addEventListener('click', () => {
  const data = exportSvg(view);
  post({ type: 'exportFile', id: nextRequest++, kind: 'svg', data, suggestedName: `${stem()}.svg` });
});
pngBtn.addEventListener('click', () => {
  const data = exportPng(view);
  post({ type: 'exportFile', id: nextRequest++, kind: 'png', data, suggestedName: `${stem()}.png` });
});

// ---- keyboard -----------------------------------------------------------------------------------

document.addEventListener('keydown', (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'f') {
    ev.preventDefault();
    search.focus();
    search.select();
  }
});

view.svg.addEventListener('keydown', (ev) => {
  if (!visible || !view.layout) return;
  const lr = state.direction === 'LR';
  const key = ev.key;
  const forward = lr ? 'ArrowRight' : 'ArrowDown', backward = lr ? 'ArrowLeft' : 'ArrowUp';
  const sideNext = lr ? 'ArrowDown' : 'ArrowRight', sidePrev = lr ? 'ArrowUp' : 'ArrowLeft';
  let next = -1;
  const cur = focusedItem >= 0 ? focusedItem : view.selected;
  if (key === forward || key === backward || key === sideNext || key === sidePrev) {
    ev.preventDefault();
    if (cur < 0) next = firstItem();
    else if (key === forward) next = neighbour(cur, true);
    else if (key === backward) next = neighbour(cur, false);
    else next = sibling(cur, key === sideNext ? 1 : -1);
  } else if (key === 'Enter' || key === ' ') {
    ev.preventDefault();
    const item = visible.items[cur];
    if (!item) return;
    if (item.kind === 'group') void toggleContainer(item.container!.key);
    else if (item.flat) void select(item.flat.index, false);
    return;
  } else if (key === '+' || key === '=') view.zoomBy(1.25);
  else if (key === '-') view.zoomBy(0.8);
  else if (key === 'f' || key === '0') view.fit();
  else if (key === 'Escape') void select(-1, false);
  if (next >= 0) {
    focusedItem = next;
    view.setFocused(next);
    view.centerOn(next, true);
    // The focused box's glossary card, as a pointer hover would show it.
    view.update();
    const el = view.elementOf(next), b = view.boxes[next];
    if (el && b?.term) cards.open(el, b.term, b.tooltip, 'keyboard');
    else cards.hide();
  }
});

function firstItem(): number {
  const L = view.layout!;
  let best = 0;
  for (let i = 1; i < visible!.items.length; i++) if ((state.direction === 'TB' ? L.y[i] : L.x[i]) < (state.direction === 'TB' ? L.y[best] : L.x[best])) best = i;
  return best;
}

/** Along an edge: the successor (or predecessor) nearest on the cross axis. */
function neighbour(i: number, down: boolean): number {
  const L = view.layout!;
  let best = -1, bestD = Infinity;
  for (const e of visible!.edges) {
    const j = down ? (e.s === i ? e.t : -1) : e.t === i ? e.s : -1;
    if (j < 0) continue;
    const d = state.direction === 'TB' ? Math.abs(L.x[j] - L.x[i]) : Math.abs(L.y[j] - L.y[i]);
    if (d < bestD) (bestD = d), (best = j);
  }
  return best;
}

/** The next box in the same row, left/right (or the same column, above/below in left-to-right). */
function sibling(i: number, dir: 1 | -1): number {
  const L = view.layout!;
  const along = state.direction === 'TB' ? L.y : L.x, across = state.direction === 'TB' ? L.x : L.y;
  let best = -1, bestD = Infinity;
  for (let j = 0; j < visible!.items.length; j++) {
    if (j === i || Math.abs(along[j] - along[i]) > 1) continue;
    const d = (across[j] - across[i]) * dir;
    if (d > 0 && d < bestD) (bestD = d), (best = j);
  }
  return best;
}

// Tell the host we are listening; it answers with the model.
showOverlay('loading', 'Opening model…');
setView(state.view);
refreshOverlay(false);
timings.readyAt = performance.now();
post({ type: 'ready' });
