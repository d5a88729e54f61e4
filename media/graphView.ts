// The graph canvas: an SVG that draws only what is on screen (a grid index over the laid-out
// boxes, frames and edges), with a <canvas> stand-in when zoomed out so far that thousands of
// boxes would be visible. Pan by dragging or the wheel, zoom with Ctrl/Cmd+wheel or pinch.
//
// Boxes are coloured by category through CSS; `boxFill` is the hook for a per-node value overlay
// (a colour per box, e.g. a measured statistic, with its own legend): it sets the box's fill via a
// custom property and leaves everything else (text, selection, frames) as it is.
import { s } from './dom';
import type { CompoundResult } from './compoundLayout';
import type { Container, VisibleGraph, VisibleItem } from './graphModel';
import { frameLabel, frameLabelText, LABEL_CHAR, LINE, PAD_TOP, type BoxContent } from './boxes';

export { boxContent, CATEGORIES, frameLabel, frameLabelWidth, modelBoxContext, type BoxContent, type BoxContext } from './boxes';

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export interface GraphViewEvents {
  select(item: number): void;
  toggle(key: string): void;
  reveal(item: number): void;
  transformed(t: Transform): void;
}

const CELL = 512;
/** Above this many boxes on screen, draw the canvas overview instead of SVG boxes. */
const SVG_LIMIT = 1500;
/** Graphs up to this many boxes are drawn whole (every box in the DOM, for find-in-page and
 *  screen readers); larger ones only draw what is on screen. Zooming re-renders every SVG text in
 *  the DOM, on or off screen: a 146-box picture drawn whole (1,900 elements) zoomed at 30–45 fps
 *  in headless Chromium, at 60 fps with only its on-screen boxes in the DOM. */
const FULL_RENDER = 100;
const MIN_ZOOM = 0.02;
/** Height kept free at the bottom for the colour key when fitting. */
const LEGEND_SPACE = 24;
const MAX_ZOOM = 4;
/** Edges longer than this (layout px) are drawn only around the view and redrawn as it moves:
 *  Chromium re-rasterises a whole SVG path on every pan frame, and ~100 edges 15,000 px long (a
 *  mask input read by every layer) made each frame take 33–50 ms instead of 17 ms. */
const LONG_EDGE = 2500;

interface FrameBox {
  c: Container;
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
}

export class GraphView {
  readonly svg: SVGSVGElement;
  readonly canvas: HTMLCanvasElement;
  private readonly viewport: SVGGElement;
  private readonly framesG: SVGGElement;
  private readonly edgesG: SVGGElement;
  private readonly nodesG: SVGGElement;
  transform: Transform = { x: 0, y: 0, k: 1 };
  graph?: VisibleGraph;
  layout?: CompoundResult;
  boxes: BoxContent[] = [];
  direction: 'TB' | 'LR' = 'TB';
  private nodeGrid = new Map<number, number[]>();
  private edgeGrid = new Map<number, number[]>();
  /** Open clusters as laid out: one per `graph.frames` entry. */
  frameBoxes: FrameBox[] = [];
  private frameKeys = new Map<number, string>();
  private renderedNodes = new Map<number, SVGGElement>();
  private renderedEdges = new Map<number, SVGGElement>();
  /** Per edge: 1 when it is long (see LONG_EDGE); the window each long edge was drawn for. */
  private longEdge = new Uint8Array(0);
  private edgeWindows = new Map<number, [number, number, number, number]>();
  private edgeWindow: [number, number, number, number] = [0, 0, 0, 0];
  private labelled = new Uint8Array(0);
  private renderedFrames = new Map<number, SVGGElement>();
  private stamp: Uint32Array = new Uint32Array(0);
  private stampValue = 0;
  private frame = 0;
  selected = -1;
  focused = -1;
  matches = new Set<number>();
  /** Boxes drawn as SVG in the last update (0 when the canvas overview is shown). */
  drawnBoxes = 0;
  mode: 'svg' | 'canvas' = 'svg';
  colors = new Map<string, string>();
  onPaint?: () => void;
  /** Draw every box in the DOM, never the canvas overview (the benchmark's Netron-like baseline). */
  eager = false;
  /** Per-node value overlay: a CSS colour for a box's fill, or undefined for its category colour
   *  (or, while `overlayOn`, for a neutral box: an item without a value). Concrete colours: the
   *  canvas overview and the PNG export paint them too. */
  boxFill?: (item: VisibleItem) => string | undefined;
  private overlay = false;
  /** Boxes without an overlay value are drawn neutral (the graph is painted by a measured value). */
  get overlayOn(): boolean {
    return this.overlay;
  }
  set overlayOn(on: boolean) {
    this.overlay = on;
    this.svg.classList.toggle('overlay', on);
  }

  constructor(host: HTMLElement, private readonly events: GraphViewEvents) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'overview';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.svg = s('svg', { id: 'graph', tabindex: 0, role: 'img', 'aria-label': 'Model graph. Arrow keys move along edges, Enter selects.' });
    const defs = s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' })));
    this.viewport = s('g', { class: 'viewport' });
    this.framesG = s('g', { class: 'frames' });
    this.edgesG = s('g', { class: 'edges' });
    this.nodesG = s('g', { class: 'nodes' });
    this.viewport.append(this.framesG, this.edgesG, this.nodesG);
    this.svg.append(defs, this.viewport);
    host.append(this.canvas, this.svg);
    this.bindInput();
    new ResizeObserver((entries) => {
      const r = entries[entries.length - 1]?.contentRect;
      if (r) this.size = { w: r.width, h: r.height };
      this.schedule();
    }).observe(this.svg);
  }

  setGraph(graph: VisibleGraph, layout: CompoundResult, boxes: BoxContent[], direction: 'TB' | 'LR'): void {
    this.graph = graph;
    this.layout = layout;
    this.boxes = boxes;
    this.direction = direction;
    for (const e of this.renderedNodes.values()) e.remove();
    for (const e of this.renderedEdges.values()) e.remove();
    for (const e of this.renderedFrames.values()) e.remove();
    this.renderedNodes.clear();
    this.renderedEdges.clear();
    this.renderedFrames.clear();
    this.buildIndex();
    this.schedule();
  }

  private cellKey(cx: number, cy: number): number {
    return (cx + 32768) * 65536 + (cy + 32768);
  }

  private insert(grid: Map<number, number[]>, id: number, x0: number, y0: number, x1: number, y1: number): void {
    const cx0 = Math.floor(x0 / CELL), cx1 = Math.floor(x1 / CELL), cy0 = Math.floor(y0 / CELL), cy1 = Math.floor(y1 / CELL);
    for (let cx = cx0; cx <= cx1; cx++)
      for (let cy = cy0; cy <= cy1; cy++) {
        const k = this.cellKey(cx, cy);
        let list = grid.get(k);
        if (!list) grid.set(k, (list = []));
        if (list[list.length - 1] !== id) list.push(id);
      }
  }

  private buildIndex(): void {
    this.nodeGrid.clear();
    this.edgeGrid.clear();
    const L = this.layout!, g = this.graph!;
    for (let i = 0; i < g.items.length; i++) {
      const b = this.boxes[i];
      this.insert(this.nodeGrid, i, L.x[i] - b.w / 2, L.y[i] - b.h / 2, L.x[i] + b.w / 2, L.y[i] + b.h / 2);
    }
    this.longEdge = new Uint8Array(g.edges.length);
    this.edgeWindows.clear();
    // One shape label per source and tensor: a value read by many nodes (a mask read by every
    // layer) would print its label on top of itself once per edge.
    this.labelled = new Uint8Array(g.edges.length);
    const seenLabel = new Set<string>();
    g.edges.forEach((e, k) => {
      const key = `${e.s}\u0000${e.count > 1 ? e.count : e.label}`;
      if (!seenLabel.has(key)) (seenLabel.add(key), (this.labelled[k] = 1));
    });
    for (let e = 0; e < g.edges.length; e++) {
      const start = L.edgeStart[e], count = L.edgeCount[e];
      let ex0 = Infinity, ey0 = Infinity, ex1 = -Infinity, ey1 = -Infinity;
      for (let p = 0; p < count; p++) {
        const px = L.points[2 * (start + p)], py = L.points[2 * (start + p) + 1];
        ex0 = Math.min(ex0, px);
        ex1 = Math.max(ex1, px);
        ey0 = Math.min(ey0, py);
        ey1 = Math.max(ey1, py);
      }
      if (ex1 - ex0 > LONG_EDGE || ey1 - ey0 > LONG_EDGE) this.longEdge[e] = 1;
      for (let p = 0; p + 1 < count; p++) {
        const ax = L.points[2 * (start + p)], ay = L.points[2 * (start + p) + 1], bx = L.points[2 * (start + p + 1)], by = L.points[2 * (start + p + 1) + 1];
        this.insert(this.edgeGrid, e, Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by));
      }
    }
    this.stamp = new Uint32Array(Math.max(g.items.length, g.edges.length) + 1);
    // frames: the boxes the layout reserved for open clusters (slot k + 1 for graph.frames[k])
    this.frameKeys = new Map(g.frames.map((c) => [c.index, c.key]));
    this.frameBoxes = g.frames.map((c, k) => {
      const f = 4 * (k + 1);
      return { c, x: L.frames[f], y: L.frames[f + 1], w: L.frames[f + 2], h: L.frames[f + 3], text: frameLabel(c) };
    });
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  }

  /** The graph's size on screen, kept by a ResizeObserver: reading clientWidth in every frame
   *  forced a style recalculation of the whole drawing after each transform change (zooming a
   *  1,800-element drawing ran at 30 fps, 60 without). */
  private size = { w: 0, h: 0 };
  private origin?: DOMRect;
  private originAt = 0;

  get W(): number {
    return this.size.w || this.svg.clientWidth || 800;
  }

  get H(): number {
    return this.size.h || this.svg.clientHeight || 600;
  }

  /** Synchronous redraw (tests and export call it). */
  update(): void {
    const g = this.graph, L = this.layout;
    const t = this.transform;
    const W = this.W, H = this.H;
    this.viewport.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    if (!g || !L) return;
    const margin = 150 / t.k;
    const x0 = -t.x / t.k - margin, y0 = -t.y / t.k - margin, x1 = (W - t.x) / t.k + margin, y1 = (H - t.y) / t.k + margin;
    const whole = this.eager || g.items.length <= FULL_RENDER;
    const nodes = whole
      ? g.items.map((_, i) => i)
      : this.query(this.nodeGrid, x0, y0, x1, y1, (i) => {
          const b = this.boxes[i];
          return L.x[i] + b.w / 2 >= x0 && L.x[i] - b.w / 2 <= x1 && L.y[i] + b.h / 2 >= y0 && L.y[i] - b.h / 2 <= y1;
        });
    const useCanvas = !whole && (nodes.length > SVG_LIMIT || t.k < 0.12);
    if (useCanvas) {
      this.mode = 'canvas';
      this.clearSvg();
      this.drawCanvas(W, H);
      this.drawnBoxes = 0;
      this.onPaint?.();
      return;
    }
    if (this.mode === 'canvas') {
      this.mode = 'svg';
      const ctx = this.canvas.getContext('2d');
      ctx?.clearRect(0, 0, this.canvas.width, this.canvas.height);
      this.canvas.classList.remove('shown');
    }
    const edges = whole ? g.edges.map((_, i) => i) : this.query(this.edgeGrid, x0, y0, x1, y1, () => true);
    // Long edges are drawn for a window one view beyond each side, and again when the view leaves it.
    const band = Math.max(W, H) / t.k;
    this.edgeWindow = [x0 - band, y0 - band, x1 + band, y1 + band];
    for (const [e, w] of this.edgeWindows) {
      if (w[0] <= x0 && w[1] <= y0 && w[2] >= x1 && w[3] >= y1) continue;
      this.renderedEdges.get(e)?.remove();
      this.renderedEdges.delete(e);
      this.edgeWindows.delete(e);
    }
    const showLabels = t.k >= 0.45;
    this.svg.classList.toggle('no-labels', !showLabels);
    sync(this.renderedNodes, nodes, (i) => this.drawNode(i), this.nodesG);
    sync(this.renderedEdges, edges, (e) => this.drawEdge(e), this.edgesG);
    const frames: number[] = [];
    this.frameBoxes.forEach((f, i) => {
      if (whole || (f.x + f.w >= x0 && f.x <= x1 && f.y + f.h >= y0 && f.y <= y1)) frames.push(i);
    });
    sync(this.renderedFrames, frames, (i) => this.drawFrame(i), this.framesG);
    this.drawnBoxes = nodes.length;
    this.onPaint?.();
  }

  private clearSvg(): void {
    for (const m of [this.renderedNodes, this.renderedEdges, this.renderedFrames]) {
      for (const e of m.values()) e.remove();
      m.clear();
    }
  }

  private query(grid: Map<number, number[]>, x0: number, y0: number, x1: number, y1: number, keep: (i: number) => boolean): number[] {
    const out: number[] = [];
    const v = ++this.stampValue;
    const cx0 = Math.floor(x0 / CELL), cx1 = Math.floor(x1 / CELL), cy0 = Math.floor(y0 / CELL), cy1 = Math.floor(y1 / CELL);
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > grid.size) {
      for (const list of grid.values()) for (const i of list) if (this.stamp[i] !== v) (this.stamp[i] = v), keep(i) && out.push(i);
      return out;
    }
    for (let cx = cx0; cx <= cx1; cx++)
      for (let cy = cy0; cy <= cy1; cy++) {
        const list = grid.get(this.cellKey(cx, cy));
        if (!list) continue;
        for (const i of list) {
          if (this.stamp[i] === v) continue;
          this.stamp[i] = v;
          if (keep(i)) out.push(i);
        }
      }
    return out;
  }

  private drawNode(i: number): SVGGElement {
    const item = this.graph!.items[i], b = this.boxes[i], L = this.layout!;
    const g = s('g', { class: b.cls, transform: `translate(${L.x[i] - b.w / 2},${L.y[i] - b.h / 2})` });
    if (item.kind === 'group') {
      g.setAttribute('data-group', item.container!.key);
      g.setAttribute('data-kind', item.container!.kind);
    } else if (item.kind === 'node') {
      g.setAttribute('data-node-id', item.id);
      g.setAttribute('data-op', item.flat!.node!.op);
      if (item.flat!.fold) g.setAttribute('data-folded', item.flat!.fold === 1 ? 'weight' : 'shape');
    } else g.setAttribute('data-io', item.flat!.value!.name);
    const fill = this.boxFill?.(item);
    if (fill) {
      g.setAttribute('data-fill', '');
      g.style.setProperty('--al-fill', fill);
    }
    g.setAttribute('data-index', String(i));
    g.setAttribute('data-in', this.frameKeys.get(item.frame) ?? '');
    if (b.term) {
      // The glossary card replaces the native tooltip (two would overlap) and repeats its text.
      g.setAttribute('data-term', b.term);
      g.setAttribute('data-term-context', b.tooltip);
    } else g.append(s('title', null, b.tooltip));
    g.append(s('rect', { class: 'box', width: b.w, height: b.h, rx: item.kind === 'input' || item.kind === 'output' ? b.h / 2 : 5 }));
    if (item.kind === 'node') g.append(s('rect', { class: 'band', width: 5, height: b.h, rx: 2 }));
    const tx = item.kind === 'node' ? 13 : 12;
    b.lines.forEach((l, k) => g.append(s('text', { class: l.cls, x: tx, y: PAD_TOP + k * LINE }, l.text)));
    if (item.kind === 'group') g.append(s('text', { class: 'expander', x: b.w - 16, y: PAD_TOP }, '+'));
    if (b.badge) {
      const bw = Math.max(52, Math.round(b.badge.length * 5.6 + 10));
      g.append(s('g', { class: 'badge', transform: `translate(${b.w - 4},-6)` }, s('rect', { x: 4 - bw, width: bw, height: 14, rx: 7 }), s('text', { x: 4 - bw / 2, y: 10.5, 'text-anchor': 'middle' }, b.badge)));
    }
    else g.append(s('g', { class: 'badge' }));
    if (i === this.selected) g.classList.add('selected');
    if (i === this.focused) g.classList.add('focused');
    if (this.matches.has(i)) g.classList.add('match');
    return g;
  }

  private drawEdge(e: number): SVGGElement {
    const g = this.graph!, L = this.layout!;
    const edge = g.edges[e];
    const start = L.edgeStart[e], count = L.edgeCount[e];
    let d = '';
    const lr = this.direction === 'LR';
    const long = this.longEdge[e] === 1;
    const [wx0, wy0, wx1, wy1] = this.edgeWindow;
    if (long) this.edgeWindows.set(e, this.edgeWindow);
    let first = !long, last = !long;
    for (let p = 0; p < count; p++) {
      const x = L.points[2 * (start + p)], y = L.points[2 * (start + p) + 1];
      if (p === 0) {
        if (!long) d = `M${r(x)},${r(y)}`;
      } else {
        const px = L.points[2 * (start + p - 1)], py = L.points[2 * (start + p - 1) + 1];
        if (long) {
          // only the segments that cross the window; a gap starts a new subpath
          const inside = Math.max(px, x) >= wx0 && Math.min(px, x) <= wx1 && Math.max(py, y) >= wy0 && Math.min(py, y) <= wy1;
          if (!inside) continue;
          if (Math.abs(x - px) > LONG_EDGE / 2 || Math.abs(y - py) > LONG_EDGE / 2) {
            // A long stretch (a lane down the side of the drawing) as a straight line cut to the
            // window: Chromium flattens a curve along its whole length, 100,000 px of it per frame.
            const c = clip(px, py, x, y, wx0, wy0, wx1, wy1);
            if (!c) continue;
            if (!d.endsWith(` ${r(c[0])},${r(c[1])}`) && !d.endsWith(`M${r(c[0])},${r(c[1])}`)) d += `${d ? ' ' : ''}M${r(c[0])},${r(c[1])}`;
            d += ` L${r(c[2])},${r(c[3])}`;
            if (p === count - 1 && c[2] === x && c[3] === y) last = true;
            if (p === 1 && c[0] === px && c[1] === py) first = true;
            continue;
          }
          if (!d.endsWith(` ${r(px)},${r(py)}`)) d += `${d ? ' ' : ''}M${r(px)},${r(py)}`;
          if (p === count - 1) last = true;
          if (p === 1) first = true;
        }
        if (lr) {
          const mx = (px + x) / 2;
          d += ` C${r(mx)},${r(py)} ${r(mx)},${r(y)} ${r(x)},${r(y)}`;
        } else {
          const my = (py + y) / 2;
          d += ` C${r(px)},${r(my)} ${r(x)},${r(my)} ${r(x)},${r(y)}`;
        }
      }
    }
    const el = s('g', { class: edge.dashed ? 'edge dashed' : 'edge', 'data-from': g.items[edge.s].id, 'data-to': g.items[edge.t].id });
    el.append(s('path', { d, 'marker-end': last ? 'url(#arrow)' : undefined }));
    const label = edge.count > 1 ? `${edge.count} tensors` : edge.label;
    if (label && count >= 2 && first && this.labelled[e]) {
      const x = L.points[2 * start], y = L.points[2 * start + 1];
      el.append(lr ? s('text', { class: 'shape', x: x + 6, y: y - 5 }, label) : s('text', { class: 'shape', x: x + 5, y: y + 13 }, label));
    }
    if (this.selected === edge.s || this.selected === edge.t) el.classList.add('hot');
    return el;
  }

  private drawFrame(i: number): SVGGElement {
    const f = this.frameBoxes[i];
    const g = s('g', { class: `frame frame-${f.c.kind}`, 'data-frame': f.c.key, 'data-parent': this.frameKeys.get(f.c.parent) ?? '' });
    g.append(s('rect', { x: f.x, y: f.y, width: f.w, height: f.h, rx: 8 }));
    // The label lives in the frame's header strip, cut to the frame's width: it can overlap
    // nothing but its own frame's border.
    const label = s('text', { class: 'frame-label', x: f.x + 8, y: f.y + 15 }, frameLabelText(f));
    label.append(s('title', null, `${f.c.label}: click to close`));
    g.append(label);
    return g;
  }

  // ---- canvas overview --------------------------------------------------------------------

  private drawCanvas(W: number, H: number): void {
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(W * dpr) || this.canvas.height !== Math.round(H * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(H * dpr);
    }
    this.canvas.classList.add('shown');
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    this.paint(ctx, this.transform, W, H, false);
  }

  /** Draws the graph on a 2D canvas: the zoomed-out overview, and PNG export (with text). */
  paint(ctx: CanvasRenderingContext2D, t: Transform, W: number, H: number, withText: boolean): void {
    const g = this.graph, L = this.layout;
    if (!g || !L) return;
    const x0 = -t.x / t.k, y0 = -t.y / t.k, x1 = (W - t.x) / t.k, y1 = (H - t.y) / t.k;
    ctx.save();
    ctx.translate(t.x, t.y);
    ctx.scale(t.k, t.k);
    ctx.strokeStyle = this.colors.get('edge') ?? '#888';
    ctx.lineWidth = 1 / Math.max(t.k, 0.3);
    ctx.beginPath();
    for (const e of this.query(this.edgeGrid, x0, y0, x1, y1, () => true)) {
      const start = L.edgeStart[e], count = L.edgeCount[e];
      for (let p = 0; p < count; p++) {
        const x = L.points[2 * (start + p)], y = L.points[2 * (start + p) + 1];
        if (p === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
    }
    ctx.stroke();
    ctx.strokeStyle = this.colors.get('group') ?? '#888';
    for (const f of this.frameBoxes) if (f.x + f.w >= x0 && f.x <= x1 && f.y + f.h >= y0 && f.y <= y1) ctx.strokeRect(f.x, f.y, f.w, f.h);
    const nodes = this.query(this.nodeGrid, x0, y0, x1, y1, () => true);
    const bg = this.colors.get('background') ?? '#fff';
    const fg = this.colors.get('foreground') ?? '#000';
    for (const i of nodes) {
      const b = this.boxes[i];
      const item = this.graph!.items[i];
      const cat = catOf(item);
      const fill = this.boxFill?.(item);
      const color = this.overlayOn ? (fill ? fg : this.colors.get('edge') ?? '#888') : (this.colors.get(cat) ?? '#888');
      const x = L.x[i] - b.w / 2, y = L.y[i] - b.h / 2;
      ctx.fillStyle = fill ?? bg;
      ctx.fillRect(x, y, b.w, b.h);
      if (!fill && !this.overlayOn) {
        ctx.globalAlpha = cat === 'relu' || cat === 'activation' ? 0.45 : 0.2;
        ctx.fillStyle = color;
        ctx.fillRect(x, y, b.w, b.h);
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = color;
      ctx.lineWidth = i === this.selected ? 3 : 1;
      ctx.strokeRect(x, y, b.w, b.h);
      if (withText) {
        ctx.fillStyle = fg;
        b.lines.forEach((l, k) => {
          ctx.font = `${l.cls === 'op' ? 'bold ' : ''}12px ${this.colors.get('font') ?? 'sans-serif'}`;
          ctx.fillText(l.text, x + 12, y + PAD_TOP + k * LINE);
        });
      }
    }
    ctx.restore();
  }

  /** Draws the boxes again (their fills, badges or tooltips changed; the layout did not). */
  redrawNodes(): void {
    for (const e of this.renderedNodes.values()) e.remove();
    this.renderedNodes.clear();
    this.schedule();
  }

  // ---- selection, focus, matches -------------------------------------------------------------

  setSelected(i: number): void {
    this.selected = i;
    this.refreshClasses();
  }

  setFocused(i: number): void {
    this.focused = i;
    this.refreshClasses();
  }

  setMatches(m: Set<number>): void {
    this.matches = m;
    this.refreshClasses();
  }

  private refreshClasses(): void {
    for (const [i, el] of this.renderedNodes) {
      el.classList.toggle('selected', i === this.selected);
      el.classList.toggle('focused', i === this.focused);
      el.classList.toggle('match', this.matches.has(i));
    }
    const g = this.graph;
    if (g) for (const [e, el] of this.renderedEdges) el.classList.toggle('hot', g.edges[e].s === this.selected || g.edges[e].t === this.selected);
    if (this.mode === 'canvas') this.schedule();
  }

  // ---- view transform -----------------------------------------------------------------------

  setTransform(t: Transform, notify = true): void {
    this.transform = { x: t.x, y: t.y, k: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, t.k)) };
    this.schedule();
    if (notify) this.events.transformed(this.transform);
  }

  zoomAt(factor: number, sx: number, sy: number): void {
    const t = this.transform;
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, t.k * factor));
    const f = k / t.k;
    this.setTransform({ x: sx - (sx - t.x) * f, y: sy - (sy - t.y) * f, k });
  }

  zoomBy(factor: number): void {
    this.zoomAt(factor, this.W / 2, this.H / 2);
  }

  fit(): void {
    const L = this.layout;
    if (!L) return;
    const W = this.W, H = this.H - LEGEND_SPACE;
    const k = Math.min(1.5, Math.max(MIN_ZOOM, Math.min((W - 40) / Math.max(L.width, 1), (H - 40) / Math.max(L.height, 1))));
    this.setTransform({ x: (W - L.width * k) / 2, y: (H - L.height * k) / 2, k });
  }

  /** Fits a rectangle (a cluster's frame) into the view, at most at 100 %. */
  fitRect(f: { x: number; y: number; w: number; h: number }): void {
    const W = this.W, H = this.H - LEGEND_SPACE;
    const k = Math.min(1, Math.max(MIN_ZOOM, Math.min((W - 40) / Math.max(f.w, 1), (H - 40) / Math.max(f.h, 1))));
    this.setTransform({ x: W / 2 - (f.x + f.w / 2) * k, y: H / 2 - (f.y + f.h / 2) * k, k });
  }

  /** The first picture: the whole graph when it is readable that way, else its start at 90 %. */
  initialView(): void {
    const L = this.layout;
    if (!L) return;
    const W = this.W, H = this.H;
    const fitK = Math.min((W - 40) / Math.max(L.width, 1), (H - 40 - LEGEND_SPACE) / Math.max(L.height, 1));
    if (fitK >= 0.5) return this.fit();
    const k = 0.9;
    // Start at the top (left) edge, centred across the flow on the median of the first boxes
    // down the flow: the main column of a chain, not an outlier in a wide first row, and not the
    // middle of a drawing whose boxes further down spread wide (clusters all open).
    const n = this.graph!.items.length;
    const along = this.direction === 'TB' ? L.y : L.x, acrossOf = this.direction === 'TB' ? L.x : L.y;
    const first = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => along[a] - along[b])
      .slice(0, 15);
    const across = Float64Array.from(first, (i) => acrossOf[i]).sort();
    const mid = across[across.length >> 1] ?? 0;
    const top = Math.min(...first.map((i) => along[i] - (this.direction === 'TB' ? this.boxes[i].h : this.boxes[i].w) / 2), 0);
    if (this.direction === 'TB') this.setTransform({ x: W / 2 - mid * k, y: 34 - top * k, k }); // below the breadcrumb
    else this.setTransform({ x: 20 - top * k, y: H / 2 - mid * k, k });
  }

  centerOn(i: number, onlyIfHidden = false): void {
    const L = this.layout;
    if (!L || i < 0) return;
    const W = this.W, H = this.H;
    const t = this.transform;
    const sx = L.x[i] * t.k + t.x, sy = L.y[i] * t.k + t.y;
    if (onlyIfHidden && sx > 40 && sx < W - 40 && sy > 40 && sy < H - 40) return;
    const k = Math.max(t.k, 0.6);
    this.setTransform({ x: W / 2 - L.x[i] * k, y: H / 2 - L.y[i] * k, k });
  }

  private bindInput(): void {
    let drag: { id: number; x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
    this.svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, tx: this.transform.x, ty: this.transform.y, moved: false };
    });
    this.svg.addEventListener('pointermove', (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) {
        drag.moved = true;
        this.svg.setPointerCapture(ev.pointerId);
        this.svg.classList.add('panning');
      }
      this.setTransform({ x: drag.tx + dx, y: drag.ty + dy, k: this.transform.k });
    });
    const end = (ev: PointerEvent) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const moved = drag.moved;
      drag = undefined;
      this.svg.classList.remove('panning');
      if (!moved) this.click(ev);
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', () => {
      drag = undefined;
      this.svg.classList.remove('panning');
    });
    this.svg.addEventListener('dblclick', (ev) => {
      const i = this.itemAt(ev.target);
      if (i >= 0) this.events.reveal(i);
    });
    this.svg.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        // The position of the drawing in the page, read once per gesture: reading it on every
        // wheel step forced a layout of the whole drawing right after the last transform change.
        if (!this.origin || ev.timeStamp - this.originAt > 500) this.origin = this.svg.getBoundingClientRect();
        this.originAt = ev.timeStamp;
        const rect = this.origin;
        if (ev.ctrlKey || ev.metaKey) this.zoomAt(Math.exp(-ev.deltaY * 0.004), ev.clientX - rect.left, ev.clientY - rect.top);
        else this.setTransform({ x: this.transform.x - ev.deltaX, y: this.transform.y - ev.deltaY, k: this.transform.k });
      },
      { passive: false },
    );
  }

  private itemAt(target: EventTarget | null): number {
    const el = (target as Element | null)?.closest?.('[data-index]');
    return el ? Number(el.getAttribute('data-index')) : -1;
  }

  private click(ev: PointerEvent): void {
    const target = ev.target as Element | null;
    const frame = target?.closest?.('.frame-label') ? target.closest('[data-frame]') : null;
    if (frame) return this.events.toggle(frame.getAttribute('data-frame')!);
    const i = this.itemAt(target);
    if (i < 0) return;
    const item = this.graph!.items[i];
    if (item.kind === 'group') return this.events.toggle(item.container!.key);
    if (target?.closest?.('text.toggle') && item.flat?.node?.subgraphs.length) {
      const n = item.flat.node;
      // one click opens (or closes) all bodies of the node
      for (const sg of n.subgraphs) this.events.toggle(`sub:${n.id}:${sg.attribute}`);
      return;
    }
    this.events.select(i);
  }

  /** The drawn box of item i, if it is on screen as SVG. */
  elementOf(i: number): SVGGElement | undefined {
    return this.renderedNodes.get(i);
  }

  /** Screen position of item i (for tests and keyboard scrolling). */
  screenOf(i: number): { x: number; y: number } {
    const L = this.layout!, t = this.transform;
    return { x: L.x[i] * t.k + t.x, y: L.y[i] * t.k + t.y };
  }
}

/** The part of segment (ax, ay)–(bx, by) inside a rectangle (Liang–Barsky), or undefined. */
function clip(ax: number, ay: number, bx: number, by: number, x0: number, y0: number, x1: number, y1: number): [number, number, number, number] | undefined {
  const dx = bx - ax, dy = by - ay;
  let t0 = 0, t1 = 1;
  for (const [p, q] of [[-dx, ax - x0], [dx, x1 - ax], [-dy, ay - y0], [dy, y1 - ay]]) {
    if (p === 0) {
      if (q < 0) return undefined;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  if (t0 > t1) return undefined;
  return [t0 === 0 ? ax : ax + t0 * dx, t0 === 0 ? ay : ay + t0 * dy, t1 === 1 ? bx : ax + t1 * dx, t1 === 1 ? by : ay + t1 * dy];
}

function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

export function catOf(item: VisibleItem): string {
  if (item.kind === 'group') return 'group';
  if (item.kind !== 'node') return 'io';
  return item.flat!.node!.category;
}

function sync(rendered: Map<number, SVGGElement>, want: number[], make: (i: number) => SVGGElement, parent: SVGGElement): void {
  const keep = new Set(want);
  for (const [i, el] of rendered) {
    if (!keep.has(i)) {
      el.remove();
      rendered.delete(i);
    }
  }
  const frag = document.createDocumentFragment();
  for (const i of want) {
    if (rendered.has(i)) continue;
    const el = make(i);
    rendered.set(i, el);
    frag.appendChild(el);
  }
  parent.appendChild(frag);
}
