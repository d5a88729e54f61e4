// The details panel: what the selected node is, its attributes, inputs/outputs, weights and
// weight statistics (computed by the host on request), measured activations and findings.
import type { ComparisonInfo, FindingInfo, Histogram, ModelInfo, NodeActivationResult, TensorStatsInfo, ValueRef } from '../src/protocol';
import { compareDetails } from './compareView';
import { clear, fmtBytes, fmtNumber, fmtStat, h, icon, s } from './dom';
import type { GraphModel } from './graphModel';
import { shapeText } from './graphModel';

export interface DetailsContext {
  model?: GraphModel;
  info?: ModelInfo;
  file: string;
  stats: Map<string, { stats?: TensorStatsInfo; error?: string; pending?: boolean }>;
  findings: FindingInfo[];
  activation: Map<string, NodeActivationResult>;
  /** The comparison shown ("Compare with…"): the selected layer's values in both runs. */
  comparison?: ComparisonInfo;
  requestStats(tensor: string): void;
  select(flat: number): void;
}

/** A glossary term: hovering it (or focusing it, when `focusable`) shows its glossary card
 *  (media/glossaryCard.ts); the host decides whether the glossary knows it. */
function term(text: string, context: string, focusable: boolean): HTMLElement {
  return h('span', { class: 'term', 'data-term': text, 'data-term-context': context, tabindex: focusable ? '0' : undefined }, text);
}

function section(title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', null, h('h3', null, title), ...body);
}

function kv(rows: [string, string | Node][]): HTMLElement {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of rows) dl.append(h('dt', null, k), h('dd', null, v));
  return dl;
}

/** Inputs/outputs with where each comes from / goes to: click to select that node. */
function valueList(values: ValueRef[], ends: Map<string, number[]>, ctx: DetailsContext, dir: 'from' | 'to'): HTMLElement {
  const ul = h('ul', { class: 'values' });
  for (const v of values) {
    const shape = shapeText(v.shape);
    const li = h('li', null, h('span', { class: 'tensor-name' }, v.name), h('span', { class: 'dtype' }, [v.dtype, shape].filter(Boolean).join(' ')));
    const others = ends.get(v.name) ?? [];
    if (others.length) {
      const links = h('div', { class: 'value-links' }, `${dir} `);
      others.slice(0, 5).forEach((flat, k) => {
        const it = ctx.model!.items[flat];
        const label = it.node ? it.node.name || it.node.op : it.kind === 'input' ? 'graph input' : 'graph output';
        const b = h('button', { type: 'button', class: 'link-button', 'data-goto': it.id }, label);
        b.addEventListener('click', () => ctx.select(flat));
        if (k) links.append(', ');
        links.append(b);
      });
      if (others.length > 5) links.append(` and ${others.length - 5} more`);
      li.append(links);
    }
    ul.append(li);
  }
  return ul;
}

/** For flat item `flat`: producers of its inputs and consumers of its outputs, by tensor name. */
function neighbours(model: GraphModel, flat: number): { from: Map<string, number[]>; to: Map<string, number[]> } {
  const from = new Map<string, number[]>(), to = new Map<string, number[]>();
  for (const p of model.producers(flat)) if (p.value) (from.get(p.value.name) ?? from.set(p.value.name, []).get(p.value.name)!).push(p.item);
  for (const c of model.consumers(flat)) if (c.value) (to.get(c.value.name) ?? to.set(c.value.name, []).get(c.value.name)!).push(c.item);
  return { from, to };
}

export function histogramSvg(hist: Histogram, label: string): SVGSVGElement {
  const W = 240, H = 64;
  const svg = s('svg', { class: 'histogram', viewBox: `0 0 ${W} ${H + 14}`, width: W, height: H + 14, role: 'img', 'aria-label': label });
  const max = Math.max(1, ...hist.counts);
  const n = hist.counts.length;
  const bw = W / Math.max(1, n);
  hist.counts.forEach((c, i) => {
    const bh = c === 0 ? 0 : Math.max(1, (c / max) * H);
    const bar = s('rect', { x: i * bw + 0.5, y: H - bh, width: Math.max(1, bw - 1), height: bh });
    bar.append(s('title', null, `${fmtStat(hist.edges[i])} … ${fmtStat(hist.edges[i + 1])}: ${fmtNumber(c)}`));
    svg.append(bar);
  });
  svg.append(s('line', { x1: 0, x2: W, y1: H + 0.5, y2: H + 0.5, class: 'axis' }));
  if (hist.edges.length) {
    svg.append(s('text', { x: 0, y: H + 12, class: 'tick' }, fmtStat(hist.edges[0])));
    svg.append(s('text', { x: W, y: H + 12, class: 'tick', 'text-anchor': 'end' }, fmtStat(hist.edges[hist.edges.length - 1])));
  }
  return svg;
}

/** Per-unit cells the strip draws at most. Layers have one unit per channel/feature, rarely more
 *  than a few thousand; past this cap the strip shows the first HEAT_CAP units and says how many
 *  it left out (the dead count in the section above still covers every unit). */
export const HEAT_CAP = 4096;

function ratePercent(rate: number): string {
  const v = rate * 100;
  return v > 0 && v < 1 ? `${fmtStat(v)} %` : `${Math.round(v)} %`;
}

/** One cell per unit coloured by how often it was active; dead units (never active) marked. */
export function heatStrip(activeRate: number[], label: string): HTMLElement {
  const units = activeRate.length;
  const shown = Math.min(units, HEAT_CAP);
  const dead = activeRate.reduce((n, r) => n + (r === 0 ? 1 : 0), 0);
  const strip = h('div', { class: units > 512 ? 'heat-strip dense' : 'heat-strip', role: 'img', 'aria-label': `${label}: ${fmtNumber(units)} units, ${fmtNumber(dead)} dead` });
  const frag = document.createDocumentFragment();
  for (let i = 0; i < shown; i++) {
    const r = activeRate[i];
    const cell = h('span', { class: r === 0 ? 'unit dead' : 'unit', 'data-unit': String(i), title: `unit ${i}: active ${ratePercent(r)}${r === 0 ? ' (dead)' : ''}` });
    // the colour mix is driven by a custom property (CSSOM, allowed by the page's CSP)
    if (r > 0) cell.style.setProperty('--rate', `${Math.max(6, Math.round(r * 100))}%`);
    frag.append(cell);
  }
  strip.append(frag);
  const box = h('div', { class: 'heat' }, h('div', { class: 'heat-title muted' }, 'Active rate per unit'), strip);
  const legend = h('div', { class: 'heat-legend muted' }, h('span', { class: 'unit dead' }), `dead (${fmtNumber(dead)})`);
  const lo = h('span', { class: 'unit' });
  const hi = h('span', { class: 'unit' });
  hi.style.setProperty('--rate', '100%');
  legend.append(lo, 'never … always active', hi);
  box.append(legend);
  if (shown < units) box.append(h('p', { class: 'muted' }, `Showing the first ${fmtNumber(shown)} of ${fmtNumber(units)} units.`));
  return box;
}

function statsBlock(tensor: string, elementCount: number, ctx: DetailsContext): HTMLElement {
  const st = ctx.stats.get(tensor);
  const box = h('div', { class: 'weight-stats', 'data-tensor': tensor });
  if (!st) {
    const b = h('button', { type: 'button', class: 'link-button' }, icon('graph'), ` Compute statistics (${fmtNumber(elementCount)} values)`);
    b.addEventListener('click', () => ctx.requestStats(tensor));
    box.append(b);
  } else if (st.pending) box.append(h('span', { class: 'muted' }, icon('loading codicon-modifier-spin'), ' Computing statistics…'));
  else if (st.error) box.append(h('span', { class: 'error-text' }, st.error));
  else if (st.stats) {
    const x = st.stats;
    box.classList.add('done');
    box.append(
      kv([
        ['min', fmtStat(x.min)],
        ['max', fmtStat(x.max)],
        ['mean', fmtStat(x.mean)],
        ['std', fmtStat(x.std)],
        ['zeros', `${fmtStat(x.zeroFraction * 100)} %`],
        ...(x.nonFinite ? ([['non-finite', fmtNumber(x.nonFinite)]] as [string, string][]) : []),
      ]),
      histogramSvg(x.histogram, `Histogram of ${tensor}`),
    );
  }
  return box;
}

/** The weights and shape arithmetic folded into node `flat`, each linking to the folded node. */
function foldedInputs(flat: number, ctx: DetailsContext): HTMLElement | null {
  const model = ctx.model!;
  const link = (i: number) => {
    const it = model.items[i];
    const b = h('button', { type: 'button', class: 'link-button', 'data-goto': it.id }, it.node?.name || it.node?.op || it.id);
    b.addEventListener('click', () => ctx.select(i));
    return b;
  };
  const weights = model.foldedWeights(flat);
  const shape = model.items[flat].fold ? [] : model.shapeComputation(flat);
  if (!weights.length && !shape.length) return null;
  const ul = h('ul', { class: 'values folded-inputs' });
  for (const w of weights) {
    ul.append(h('li', null, h('span', { class: 'tensor-name' }, w.tensor), h('span', { class: 'dtype' }, w.shape ? `[${w.shape.join(', ')}]` : '?'), h('div', { class: 'value-links' }, 'weight, from ', link(w.producer))));
  }
  if (shape.length) {
    const links = h('div', { class: 'value-links' });
    shape.slice(0, 8).forEach((i, k) => {
      if (k) links.append(', ');
      links.append(link(i));
    });
    if (shape.length > 8) links.append(` and ${shape.length - 8} more`);
    ul.append(h('li', null, h('span', { class: 'tensor-name' }, `shape computation: ${shape.length} op${shape.length > 1 ? 's' : ''}`), links));
  }
  return section('Folded into this node', ul);
}

export function renderDetails(el: HTMLElement, flat: number, ctx: DetailsContext): void {
  clear(el);
  const item = flat >= 0 ? ctx.model?.items[flat] : undefined;
  if (!item) {
    el.append(h('div', { class: 'hint' }, icon('info'), h('p', null, 'Select a node to see its attributes, inputs, outputs and weights.'), h('p', { class: 'muted' }, 'Arrow keys move along edges, Enter selects, Ctrl+F finds.')));
    return;
  }
  if (item.kind !== 'node') {
    const v = item.value!;
    el.append(h('header', null, h('div', { class: 'op-title' }, item.kind === 'input' ? 'Graph input' : 'Graph output'), h('div', { class: 'node-name' }, v.name)), section('Value', kv([['type', v.dtype ?? '?'], ['shape', shapeText(v.shape) || '?']])));
    return;
  }
  const n = item.node!;
  const header = h('header', null, h('div', { class: `op-title cat-${n.category}` }, h('span', { class: 'swatch' }), term(n.op, n.name ? `${n.op}: ${n.name}` : n.op, !!n.activation), n.domain ? h('span', { class: 'muted' }, ` (${n.domain})`) : null), h('div', { class: 'node-name' }, n.name || '(unnamed)'));
  el.append(header);
  const facts: [string, string | Node][] = [['category', n.category]];
  if (n.activation) {
    const a = n.activation;
    facts.push(['activation', h('span', null, term(a.op, n.name ? `${n.op}: ${n.name}` : n.op, true), `${a.fused ? ' (fused)' : ''} · ${a.family}`)]);
  }
  if (n.parameters) facts.push(['parameters', fmtNumber(n.parameters)]);
  if (item.owner !== undefined) {
    const owner = ctx.model!.items[item.owner];
    const b = h('button', { type: 'button', class: 'link-button' }, owner.node?.name || owner.node?.op || owner.id);
    b.addEventListener('click', () => ctx.select(owner.index));
    facts.push(['inside', b]);
  }
  if (item.fold && item.anchor >= 0) {
    const anchor = ctx.model!.items[item.anchor];
    const b = h('button', { type: 'button', class: 'link-button', 'data-goto': anchor.id }, anchor.node?.name || anchor.node?.op || anchor.id);
    b.addEventListener('click', () => ctx.select(anchor.index));
    facts.push(['folded into', h('span', null, b, item.fold === 1 ? ' (drawn as its weight)' : ' (part of its shape computation)')]);
  }
  el.append(section('Node', kv(facts)));
  const folded = foldedInputs(flat, ctx);
  if (folded) el.append(folded);
  if (n.docString) el.append(section('Documentation', h('p', { class: 'doc' }, n.docString)));
  const act = ctx.activation.get(n.name);
  if (act) {
    el.append(section('Measured activations', kv([['dead units', `${fmtStat(act.deadShare * 100)} %`], ['zeros', `${fmtStat(act.zeroFraction * 100)} %`]]), histogramSvg(act.histogram, `Activation histogram of ${n.name}`), act.activeRate.length ? heatStrip(act.activeRate, `Active rate per unit of ${n.name}`) : null));
  }
  const compared = ctx.comparison ? compareDetails(ctx.comparison, n.name) : null;
  if (compared) el.append(compared);
  const f = ctx.findings.filter((x) => x.node === n.name);
  if (f.length) el.append(section('Findings', h('ul', { class: 'findings' }, ...f.map((x) => h('li', { class: x.severity }, icon(x.severity === 'info' ? 'info' : x.severity), ' ', x.message, x.code ? h('span', { class: 'rule' }, ' ', term(x.code, `Finding rule ${x.code}`, true)) : null)))));
  if (n.attributes.length) {
    const table = h('table', { class: 'attributes' });
    for (const a of n.attributes) table.append(h('tr', null, h('th', { scope: 'row' }, a.name), h('td', null, h('span', { class: 'value' }, a.value), h('span', { class: 'type' }, a.type))));
    el.append(section('Attributes', table));
  }
  const weightNames = new Set(n.weights.map((w) => w.name));
  const { from, to } = neighbours(ctx.model!, flat);
  el.append(section('Inputs', valueList(n.inputs.filter((v) => !weightNames.has(v.name)), from, ctx, 'from')));
  el.append(section('Outputs', valueList(n.outputs, to, ctx, 'to')));
  if (n.weights.length) {
    const list = h('div', { class: 'weights' });
    for (const w of n.weights) {
      list.append(
        h(
          'div',
          { class: 'weight', 'data-weight': w.name },
          h('div', { class: 'tensor-name' }, w.name),
          h('div', { class: 'dtype' }, `${w.dtype} [${w.shape.join(', ')}] · ${fmtNumber(w.elementCount)} values${w.byteSize !== undefined ? ` · ${fmtBytes(w.byteSize)}` : ''}${w.location !== 'inline' ? ` · ${w.location}` : ''}`),
          statsBlock(w.name, w.elementCount, ctx),
        ),
      );
    }
    el.append(section('Weights', list));
  }
  if (n.subgraphs.length) el.append(section('Subgraphs', h('ul', { class: 'values' }, ...n.subgraphs.map((sg) => h('li', null, h('span', { class: 'tensor-name' }, sg.attribute), h('span', { class: 'dtype' }, `${sg.graph.nodes.length} nodes`))))));
}
