// What the graph's boxes and frames show: the lines of a node box (op, name, weights, folded
// weights, the shape-computation chip), of a closed cluster's box (op mix, parameters, worst dead
// share), and the labels of frames. No DOM here: the layout tests measure the same boxes in Node.
import { FRAME_HEADER } from './compoundLayout';
import type { Container, FoldedWeight, GraphModel, VisibleGraph, VisibleItem } from './graphModel';
import { shapeText } from './graphModel';

/** Cuts a string for a node box; the full text stays in the tooltip and details. */
export function ellipsis(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a box shows; computed once per visible item. */
export interface BoxContent {
  w: number;
  h: number;
  lines: { text: string; cls: string }[];
  cls: string;
  tooltip: string;
  toggle?: string;
  badge?: string;
  /** Glossary term of an activation node: hovering the box shows its card (media/glossaryCard.ts). */
  term?: string;
}

/** What box contents need to know beyond the item itself. */
export interface BoxContext {
  showNames: boolean;
  /** Whether a subgraph body (`sub:…` key) is open. */
  subOpen(key: string): boolean;
  clusterStats(c: Container): { ops: Map<string, number>; params: number };
  /** Weights the node reads through folded nodes (Identity copies, Constants…). */
  foldedWeights(flat: number): FoldedWeight[];
  /** Folded shape arithmetic feeding the node (0: none). */
  shapeOps(flat: number): number;
  /** Worst measured dead share inside a cluster, after a run. */
  worstDead(c: Container): number | undefined;
}

/** The box context of a model: what main.ts draws with, and what the layout tests measure. */
export function modelBoxContext(model: GraphModel, o: { showNames: boolean; isOpen(key: string): boolean; worstDead?: Float64Array }): BoxContext {
  return {
    showNames: o.showNames,
    subOpen: o.isOpen,
    clusterStats: (c) => model.stats(c.index),
    foldedWeights: (i) => model.foldedWeights(i),
    shapeOps: (i) => (model.items[i].fold ? 0 : model.shapeComputation(i).length),
    worstDead: (c) => (o.worstDead && o.worstDead[c.index] >= 0 ? o.worstDead[c.index] : undefined),
  };
}

export const LINE = 16;
export const PAD_TOP = 17;
/** Width of one character of a frame label (11px UI font), for fitting labels into frames. */
export const LABEL_CHAR = 6.4;

export const CATEGORIES = ['linear', 'normalization', 'pooling', 'shape', 'math', 'activation', 'relu', 'control', 'constant', 'other', 'group', 'io'] as const;

const NUMBER = new Intl.NumberFormat('en-US');

/** Parameters in a short form: 1,234 → "1.2k", 3,400,000 → "3.4M". */
export function shortCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
  return `${(n / 1e9).toFixed(1)}B`;
}

/** The label a frame shows: the full path at the top level, its own name inside another frame. */
export function frameLabel(c: Container): string {
  return c.depth > 1 ? c.short : c.label;
}

/** The width a frame needs so that its label fits (capped: longer labels are cut). */
export function frameLabelWidth(c: Container): number {
  return Math.min(260, (frameLabel(c).length + 2) * LABEL_CHAR + 24);
}

/** Edges not drawn for a box (see MAX_READERS): tensors it reads by name, and how many readers
 *  of its own outputs name it. */
export interface BoxRefs {
  reads?: string[];
  readers?: number;
}

/** Lines naming a box's undrawn edges. */
function refLines(refs: BoxRefs | undefined): { text: string; cls: string }[] {
  const out: { text: string; cls: string }[] = [];
  if (!refs) return out;
  for (const t of (refs.reads ?? []).slice(0, 2)) out.push({ text: ellipsis(`⇠ ${shortName(t)}`, 36), cls: 'ref' });
  if ((refs.reads?.length ?? 0) > 2) out.push({ text: `⇠ +${refs.reads!.length - 2} more`, cls: 'ref' });
  if (refs.readers) out.push({ text: `⇢ ${refs.readers.toLocaleString('en-US')} readers`, cls: 'ref' });
  return out;
}

export function boxContent(item: VisibleItem, ctx: BoxContext, refs?: BoxRefs): BoxContent {
  if (item.kind === 'group') {
    const c = item.container!;
    const st = ctx.clusterStats(c);
    const ops = [...st.ops.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([op, n]) => `${op}×${n}`).join(' · ');
    const dead = ctx.worstDead(c);
    const title = item.frame ? c.short : c.label;
    const lines = [
      { text: ellipsis(title, 36), cls: 'op' },
      { text: `${NUMBER.format(c.drawn)} node${c.drawn === 1 ? '' : 's'}${st.params ? ` · ${shortCount(st.params)} params` : ''}`, cls: 'name' },
      { text: ellipsis(ops, 40), cls: 'w' },
      ...refLines(refs),
    ];
    if (dead !== undefined) lines.push({ text: `worst dead ${Math.round(dead * 100)}%`, cls: 'w dead' });
    const what = c.kind === 'chunk' ? 'a run of consecutive nodes' : c.kind === 'sub' ? 'subgraph' : 'name scope';
    const folded = c.size > c.drawn ? ` (and ${NUMBER.format(c.size - c.drawn)} folded into them)` : '';
    const tooltip = `${c.label} (${what}): ${NUMBER.format(c.drawn)} nodes${folded}, ${NUMBER.format(st.params)} parameters; ${[...st.ops.entries()].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ×${n}`).join(', ')}${dead !== undefined ? `; worst dead share ${Math.round(dead * 100)} %` : ''} (click to open)`;
    return { ...measure(lines), lines, cls: `group-box cat-group kind-${c.kind}`, tooltip };
  }
  if (item.kind === 'input' || item.kind === 'output') {
    const v = item.flat!.value!;
    const shape = shapeText(v.shape);
    const lines = [{ text: ellipsis(v.name, 32), cls: 'op' }, ...(shape ? [{ text: `${v.dtype ?? ''} ${shape}`.trim(), cls: 'w' }] : []), ...refLines(refs)];
    return { ...measure(lines), lines, cls: `io ${item.kind} cat-io`, tooltip: `${item.kind} ${v.name}` };
  }
  const flat = item.flat!;
  const n = flat.node!;
  const lines: BoxContent['lines'] = [{ text: ellipsis(n.op, 32), cls: 'op' }];
  if (ctx.showNames && n.name && n.name !== n.op) lines.push({ text: ellipsis(n.name, 36), cls: 'name' });
  const weights: string[] = n.weights.map((w) => `${shortName(w.name)} ⟨${w.shape.join('×') || 'scalar'}⟩`);
  for (const w of ctx.foldedWeights(flat.index)) weights.push(`${shortName(w.tensor)} ⟨${w.shape ? w.shape.join('×') || 'scalar' : '?'}⟩`);
  for (const w of weights.slice(0, 3)) lines.push({ text: ellipsis(w, 36), cls: 'w' });
  if (weights.length > 3) lines.push({ text: `+${weights.length - 3} more weights`, cls: 'w' });
  if (n.activation && n.activation.fused) lines.push({ text: `+ ${n.activation.op}`, cls: 'w act-fused' });
  const shapeOps = ctx.shapeOps(flat.index);
  if (shapeOps) lines.push({ text: `⚙ shape computation · ${shapeOps} op${shapeOps > 1 ? 's' : ''}`, cls: 'chip' });
  lines.push(...refLines(refs));
  let toggle: string | undefined;
  if (n.subgraphs.length) {
    const open = n.subgraphs.some((sg) => ctx.subOpen(`sub:${n.id}:${sg.attribute}`));
    toggle = `${open ? '▾' : '▸'} ${n.subgraphs.map((sg) => sg.attribute).join(', ')}`;
    lines.push({ text: ellipsis(toggle, 36), cls: 'toggle' });
  }
  let cls = `node cat-${n.category}`;
  if (n.activation) cls += n.activation.relu ? ' act relu' : ' act';
  if (flat.fold) cls += ' folded';
  const folded = flat.fold ? ` (folded: ${flat.fold === 1 ? 'a weight' : 'shape computation'} of its consumer)` : '';
  return { ...measure(lines), lines, cls, tooltip: `${n.name ? `${n.op}: ${n.name}` : n.op}${folded}`, toggle, term: n.activation?.op };
}

function shortName(name: string): string {
  const parts = name.split(/[/.]/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : name;
}

function measure(lines: { text: string }[]): { w: number; h: number } {
  let chars = 0;
  for (const l of lines) chars = Math.max(chars, l.text.length);
  return { w: Math.min(300, Math.max(96, Math.round(chars * 6.8 + 26))), h: PAD_TOP + LINE * (lines.length - 1) + 11 };
}

/** A frame's label as drawn: cut to the frame's width. */
export function frameLabelText(f: { w: number; text: string }): string {
  const room = Math.max(1, Math.floor((f.w - 24) / LABEL_CHAR) - 2);
  return `− ${ellipsis(f.text, room)}`;
}

/** Where a frame's label is (its header strip's text extent), for the overlap tests. */
export function frameLabelRect(f: { x: number; y: number; w: number; text: string }): { x: number; y: number; w: number; h: number } {
  return { x: f.x + 8, y: f.y + 3, w: Math.min(f.w - 16, frameLabelText(f).length * LABEL_CHAR), h: FRAME_HEADER - 6 };
}

/** The boxes of a visible graph, in its item order: what the webview lays out and draws. */
export function visibleBoxes(vg: VisibleGraph, ctx: BoxContext): BoxContent[] {
  return vg.items.map((item, i) => {
    const reads = vg.refs.get(i), readers = vg.fanOut.get(i);
    return boxContent(item, ctx, reads || readers ? { reads, readers } : undefined);
  });
}
