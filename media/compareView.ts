// A comparison of two runs in the viewer ("Compare with…"): the summary at the top of the Model
// view (the runs, whether they are comparable, totals, biggest changes, how layers were matched and
// what was not), and the Comparison section of a selected layer's details (both values and the
// change, both histograms on one axis, the units that died, revived or are dead in both).
// Every name comes from a model file and goes in as text.
import type { ComparedRunInfo, ComparisonInfo, Histogram, NodeComparison } from '../src/protocol';
import { clear, fmtNumber, fmtStat, h, icon, percent, s } from './dom';
import { formatChange } from './overlay';

/** Units listed by index at most; the rest are counted. */
const UNIT_LIST_MAX = 48;
/** Unit cells the unit strip draws at most. */
const UNIT_STRIP_MAX = 4096;

export function runLabel(info: ComparisonInfo, run: 'a' | 'b'): string {
  return `${run.toUpperCase()} · ${info[run].label}`;
}

function runLine(run: ComparedRunInfo): string {
  return `${fmtNumber(run.samples)} sample${run.samples === 1 ? '' : 's'}, ${run.inputs}`;
}

/** The runs were not compared on the same inputs: said first, in words. */
function warningsBlock(info: ComparisonInfo): HTMLElement | null {
  if (info.comparable && !info.warnings.length) return null;
  const title = info.comparable ? 'Note' : 'These runs did not see the same inputs: differences may come from the inputs, not the models';
  return h('div', { class: 'compare-warnings', role: 'note' }, h('div', { class: 'warning-title' }, icon('warning'), ' ', title), info.warnings.length ? h('ul', null, ...info.warnings.map((w) => h('li', null, w))) : null);
}

function list(items: string[], empty: string): HTMLElement {
  if (!items.length) return h('p', { class: 'muted' }, empty);
  return h('ul', { class: 'name-list' }, ...items.map((x) => h('li', null, h('span', { class: 'tensor-name' }, x))));
}

/**
 * The compare summary for the Model view. `select` brings a layer of this model into view (by node
 * name; false when the model has none of that name).
 */
export function renderCompareSummary(el: HTMLElement, info: ComparisonInfo | undefined, select: (name: string) => boolean): void {
  clear(el);
  el.hidden = !info;
  if (!info) return;
  const here = info.side, other = info.side === 'a' ? 'b' : 'a';
  const t = info.totals;
  el.append(
    h('h2', null, icon('diff'), ' Comparison'),
    h('p', { class: 'compare-what' }, 'Change is B − A: ', h('strong', null, runLabel(info, 'b')), ' minus ', h('strong', null, runLabel(info, 'a')), `. This model is ${here.toUpperCase()}.`),
    h(
      'dl',
      { class: 'kv compare-runs' },
      h('dt', null, 'A'),
      h('dd', null, h('span', { class: 'tensor-name' }, info.a.runFile ?? info.a.model), h('div', { class: 'muted' }, runLine(info.a))),
      h('dt', null, 'B'),
      h('dd', null, h('span', { class: 'tensor-name' }, info.b.runFile ?? info.b.model), h('div', { class: 'muted' }, runLine(info.b))),
    ),
  );
  const warn = warningsBlock(info);
  if (warn) el.append(warn);
  const matched = t.matchedByName + t.matchedByStructure;
  el.append(
    h(
      'dl',
      { class: 'kv compare-totals' },
      h('dt', null, 'layers matched'),
      h('dd', null, `${fmtNumber(matched)} (${fmtNumber(t.matchedByName)} by name, ${fmtNumber(t.matchedByStructure)} by structure)`),
      h('dt', null, 'dead units'),
      h('dd', null, `${fmtNumber(t.deadA)} in A → ${fmtNumber(t.deadB)} in B`),
      h('dt', null, 'died'),
      h('dd', null, `${fmtNumber(t.died)} (dead in B, not in A)`),
      h('dt', null, 'revived'),
      h('dd', null, `${fmtNumber(t.revived)} (dead in A, not in B)`),
      h('dt', null, 'dead in both'),
      h('dd', null, fmtNumber(t.deadInBoth)),
      h('dt', null, 'new dead units'),
      h('dd', { class: t.newDead ? 'error-text' : undefined }, fmtNumber(t.newDead)),
    ),
  );

  // Biggest changes: this model's layers, most changed first, with both values.
  const byNode = new Map(info.nodes.map((n) => [n.node, n]));
  const rows = info.biggestChanges.map((name) => byNode.get(name)).filter((n): n is NodeComparison => !!n);
  const section = h('section', { class: 'biggest-changes' }, h('h3', null, 'Biggest changes'));
  if (!rows.length) section.append(h('p', { class: 'muted' }, 'No layer changed.'));
  else {
    const table = h('table', { class: 'compare-table' });
    table.append(h('thead', null, h('tr', null, h('th', null, 'Layer'), h('th', { class: 'num' }, 'Dead A'), h('th', { class: 'num' }, 'Dead B'), h('th', { class: 'num' }, 'Δ dead'), h('th', { class: 'num' }, 'Δ zero fraction'), h('th', { class: 'num' }, 'Δ mean'))));
    const body = h('tbody');
    for (const n of rows) {
      const b = h('button', { type: 'button', class: 'link-button', 'data-goto-node': n.node, title: `Show ${n.node} in the graph` }, n.node);
      b.addEventListener('click', () => select(n.node));
      const name = h('td', null, b);
      if (n.other !== n.node) name.append(h('div', { class: 'muted' }, `↔ ${n.other}`));
      body.append(
        h(
          'tr',
          { 'data-node': n.node },
          name,
          h('td', { class: 'num' }, percent(n.a.deadShare)),
          h('td', { class: 'num' }, percent(n.b.deadShare)),
          h('td', { class: 'num' }, num(n.delta.deadShare, (v) => formatChange('deadShare', v))),
          h('td', { class: 'num' }, num(n.delta.zeroFraction, (v) => formatChange('zeroFraction', v))),
          h('td', { class: 'num' }, num(n.delta.mean, (v) => formatChange('mean', v))),
        ),
      );
    }
    table.append(body);
    section.append(table);
  }
  el.append(section);

  // How each layer was matched; by structure with the evidence, by name as a count with the list.
  const how = h('section', { class: 'matching' }, h('h3', null, 'How layers were matched'));
  const structural = info.nodes.filter((n) => n.how === 'structure');
  const byName = info.nodes.filter((n) => n.how === 'name');
  if (byName.length) {
    const d = h('details', { class: 'by-name' }, h('summary', null, `${fmtNumber(byName.length)} by name (the same node name in both)`));
    d.append(list(byName.map((n) => n.node), ''));
    how.append(d);
  }
  if (structural.length) {
    how.append(h('p', null, `${fmtNumber(structural.length)} by structure (position along the graph, kind and unit count):`));
    how.append(h('ul', { class: 'structure-matches' }, ...structural.map((n) => h('li', { 'data-node': n.node }, h('span', { class: 'tensor-name' }, n.node), ' ↔ ', h('span', { class: 'tensor-name' }, n.other), n.evidence ? h('div', { class: 'muted' }, n.evidence) : null))));
  }
  if (!info.nodes.length) how.append(h('p', { class: 'muted' }, 'No layer could be matched.'));
  el.append(how);

  const unmatched = h('section', { class: 'unmatched' }, h('h3', null, 'Not matched'));
  const hereLabel = runLabel(info, here), otherLabel = runLabel(info, other);
  const none = !info.unmatched.here.length && !info.unmatched.other.length && !info.ambiguous.length;
  if (none) unmatched.append(h('p', { class: 'muted' }, 'Every measured layer has a counterpart.'));
  else {
    unmatched.append(h('div', { class: 'unmatched-here' }, h('h4', null, `Only in ${hereLabel} (this model)`), list(info.unmatched.here, 'none')));
    unmatched.append(h('div', { class: 'unmatched-other' }, h('h4', null, `Only in ${otherLabel}`), list(info.unmatched.other, 'none')));
    if (info.ambiguous.length) {
      unmatched.append(h('h4', null, 'Ambiguous (fit more than one counterpart; not guessed)'));
      unmatched.append(h('ul', { class: 'ambiguous' }, ...info.ambiguous.map((g) => h('li', null, h('span', { class: 'tensor-name' }, g.here.join(', ')), ' ↔ ', h('span', { class: 'tensor-name' }, g.other.join(', '))))));
    }
  }
  el.append(unmatched);
  if (info.notes.length) el.append(h('section', null, h('h3', null, 'Notes'), h('ul', null, ...info.notes.map((x) => h('li', null, x)))));
}

function num(v: number | null, f: (v: number) => string): string {
  return typeof v === 'number' && Number.isFinite(v) ? f(v) : '–';
}

/** Both runs' histograms on one value axis, each bar's height its share of that run's values (the
 *  runs may have seen different numbers of samples). */
export function comparedHistograms(a: Histogram, b: Histogram, labelA: string, labelB: string, node: string): SVGSVGElement {
  const W = 250, ROW = 44, GAP = 16, LEFT = 14;
  const H = 2 * ROW + GAP;
  const edges = [...a.edges, ...b.edges].filter(Number.isFinite);
  const lo = edges.length ? Math.min(...edges) : 0, hi = edges.length ? Math.max(...edges) : 1;
  const span = hi > lo ? hi - lo : 1;
  const x = (v: number) => LEFT + ((v - lo) / span) * (W - LEFT);
  const share = (hist: Histogram) => {
    const total = hist.counts.reduce((s, c) => s + c, 0) || 1;
    return hist.counts.map((c) => c / total);
  };
  const sa = share(a), sb = share(b);
  const max = Math.max(1e-12, ...sa, ...sb);
  const svg = s('svg', { class: 'histogram compared', viewBox: `0 0 ${W} ${H + 14}`, width: W, height: H + 14, role: 'img', 'aria-label': `Activation histograms of ${node}: ${labelA} above, ${labelB} below, on one axis from ${fmtStat(lo)} to ${fmtStat(hi)}` });
  const row = (hist: Histogram, shares: number[], top: number, cls: 'a' | 'b', label: string) => {
    const g = s('g', { class: `run-${cls}`, 'data-run': cls, 'aria-label': `${label}` });
    g.append(s('text', { x: 0, y: top + ROW / 2 + 4, class: 'run-label' }, cls.toUpperCase()));
    hist.counts.forEach((c, i) => {
      const bh = c === 0 ? 0 : Math.max(1, (shares[i] / max) * (ROW - 2));
      const x0 = x(hist.edges[i]), x1 = x(hist.edges[i + 1]);
      const bar = s('rect', { class: `bar-${cls}`, x: x0 + 0.25, y: top + ROW - bh, width: Math.max(0.8, x1 - x0 - 0.5), height: bh });
      bar.append(s('title', null, `${label}: ${fmtStat(hist.edges[i])} … ${fmtStat(hist.edges[i + 1])}: ${fmtNumber(c)} (${percent(shares[i])})`));
      g.append(bar);
    });
    g.append(s('line', { x1: LEFT, x2: W, y1: top + ROW + 0.5, y2: top + ROW + 0.5, class: 'axis' }));
    svg.append(g);
  };
  row(a, sa, 0, 'a', labelA);
  row(b, sb, ROW + GAP, 'b', labelB);
  svg.append(s('text', { x: LEFT, y: H + 12, class: 'tick' }, fmtStat(lo)));
  if (lo < 0 && hi > 0) svg.append(s('line', { x1: x(0), x2: x(0), y1: 0, y2: H, class: 'zero' }), s('text', { x: x(0), y: H + 12, class: 'tick', 'text-anchor': 'middle' }, '0'));
  svg.append(s('text', { x: W, y: H + 12, class: 'tick', 'text-anchor': 'end' }, fmtStat(hi)));
  return svg;
}

function unitList(units: number[], label: string, cls: string): HTMLElement {
  const shown = units.slice(0, UNIT_LIST_MAX).join(', ');
  const more = units.length > UNIT_LIST_MAX ? ` and ${fmtNumber(units.length - UNIT_LIST_MAX)} more` : '';
  return h('div', { class: `unit-list ${cls}` }, h('span', { class: 'unit-swatch' }), h('strong', null, `${label}: ${fmtNumber(units.length)}`), units.length ? h('span', { class: 'units' }, ` — unit${units.length === 1 ? '' : 's'} ${shown}${more}`) : null);
}

/** One cell per unit: died, revived, dead in both, or alive in both. */
function unitStrip(n: NodeComparison): HTMLElement | null {
  const units = Math.max(n.a.units, n.b.units);
  if (!units || n.a.units !== n.b.units) return null;
  const state = new Uint8Array(units);
  for (const u of n.died) state[u] = 1;
  for (const u of n.revived) state[u] = 2;
  for (const u of n.deadInBoth) state[u] = 3;
  const names = ['alive in both', 'died', 'revived', 'dead in both'];
  const cls = ['unit', 'unit died', 'unit revived', 'unit both'];
  const shown = Math.min(units, UNIT_STRIP_MAX);
  const strip = h('div', { class: units > 512 ? 'unit-strip dense' : 'unit-strip', role: 'img', 'aria-label': `Units of ${n.node}: ${n.died.length} died, ${n.revived.length} revived, ${n.deadInBoth.length} dead in both, of ${fmtNumber(units)}` });
  const frag = document.createDocumentFragment();
  for (let i = 0; i < shown; i++) frag.append(h('span', { class: cls[state[i]], 'data-unit': String(i), title: `unit ${i}: ${names[state[i]]}` }));
  strip.append(frag);
  return strip;
}

const DETAIL_ROWS: [keyof NodeComparison['delta'], string, boolean][] = [
  ['deadShare', 'dead share', true],
  ['dyingShare', 'dying share', true],
  ['zeroFraction', 'zero fraction', true],
  ['mean', 'mean', false],
  ['std', 'std', false],
  ['min', 'min', false],
  ['max', 'max', false],
];

/** The Comparison section of a selected layer's details; null when the comparison does not
 *  concern it (not a measured layer of this model). */
export function compareDetails(info: ComparisonInfo, name: string): HTMLElement | null {
  const n = info.nodes.find((x) => x.node === name);
  const section = h('section', { class: 'compare-details' }, h('h3', null, 'Comparison'));
  const other = info.side === 'a' ? 'b' : 'a';
  if (!n) {
    const ambiguous = info.ambiguous.find((g) => g.here.includes(name));
    if (ambiguous) section.append(h('p', { class: 'unmatched-note' }, `Not matched: fits more than one layer of ${runLabel(info, other)} (${ambiguous.other.join(', ')}), so none was guessed.`));
    else if (info.unmatched.here.includes(name)) section.append(h('p', { class: 'unmatched-note' }, `Not matched: no layer of ${runLabel(info, other)} corresponds to it.`));
    else return null;
    return section;
  }
  const warn = warningsBlock(info);
  if (warn) section.append(warn);
  const how = n.how === 'name' ? 'by name' : `by structure${n.evidence ? ` (${n.evidence})` : ''}`;
  section.append(h('dl', { class: 'kv' }, h('dt', null, 'matched'), h('dd', null, h('span', { class: 'tensor-name' }, n.other), ` in ${runLabel(info, other)}, ${how}`), h('dt', null, 'activation'), h('dd', null, n.a.kind === n.b.kind ? n.a.kind : `${n.a.kind} → ${n.b.kind}`)));
  const table = h('table', { class: 'compare-values' });
  table.append(h('thead', null, h('tr', null, h('th', null, ''), h('th', { class: 'num', title: info.a.label }, 'A'), h('th', { class: 'num', title: info.b.label }, 'B'), h('th', { class: 'num' }, 'Change'))));
  const body = h('tbody');
  for (const [k, label, share] of DETAIL_ROWS) {
    const va = n.a[k], vb = n.b[k], d = n.delta[k];
    const f = (v: number) => (share ? percent(v) : fmtStat(v));
    const q = k === 'min' ? 'mean' : k; // min formats like the other plain values
    body.append(h('tr', { 'data-quantity': k }, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, num(va, f)), h('td', { class: 'num' }, num(vb, f)), h('td', { class: 'num' }, num(d, (v) => formatChange(q, v)))));
  }
  table.append(body);
  section.append(table);
  section.append(h('div', { class: 'muted' }, 'Activation histograms, A above B:'), comparedHistograms(n.a.histogram, n.b.histogram, runLabel(info, 'a'), runLabel(info, 'b'), n.node));
  const units = h('div', { class: 'compare-units' });
  units.append(h('div', { class: 'muted' }, n.a.units === n.b.units ? `${fmtNumber(n.a.units)} units; dead: ${fmtNumber(n.a.deadUnits.length)} in A, ${fmtNumber(n.b.deadUnits.length)} in B` : `units: ${fmtNumber(n.a.units)} in A, ${fmtNumber(n.b.units)} in B`));
  units.append(unitList(n.died, 'Died (dead in B, not in A)', 'died'), unitList(n.revived, 'Revived (dead in A, not in B)', 'revived'), unitList(n.deadInBoth, 'Dead in both', 'both'));
  const strip = unitStrip(n);
  if (strip) units.append(strip);
  section.append(units);
  if (n.notes.length) section.append(h('ul', { class: 'compare-notes muted' }, ...n.notes.map((x) => h('li', null, x))));
  return section;
}
