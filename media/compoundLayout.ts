// Layout of nested clusters: every open cluster's content is laid out on its own (media/layout.ts),
// then drawn as one box of that size inside its parent's layout, bottom-up. So a frame is the box
// its parent's layout reserved for it: it never overlaps another box, another frame or another
// frame's label (the label sits in the frame's own header), whatever the nesting.
//
// An edge between boxes in different clusters is routed level by level: inside the source's
// cluster from the box to an out-port on the cluster's bottom, in the common parent between the
// two cluster boxes, inside the target's cluster from an in-port on its top to the box. Ports are
// named by the tensor's producer (a flat item index), which does not change when something outside
// the cluster opens or closes, so a cluster's layout depends only on what is inside it and is
// cached: opening a cluster lays out that cluster and its ancestors again, nothing else.

import { layoutGraph } from './layout';
import type { Container, GraphModel, VisibleGraph } from './graphModel';

export interface CompoundInput {
  /** Changes with the model: cached cluster layouts of another model are dropped. */
  model: number;
  direction: 'TB' | 'LR';
  /** Box sizes as drawn (the caller does not swap them for left-to-right). */
  widths: Float64Array;
  heights: Float64Array;
  /** Frame slot each box is drawn in (slot 0 is the model itself). */
  itemFrame: Int32Array;
  /** Stable identity of each box: a flat item index, or -1 - cluster index for a closed cluster. */
  itemKey: Int32Array;
  /** Per frame slot, parents before children (slot 0: the model, parent -1). */
  frameParent: Int32Array;
  /** Stable identity of each frame (its cluster index) for the cache. */
  frameKey: Int32Array;
  /** The width a frame needs for its label. */
  frameMinWidth: Float64Array;
  /** Edges as pairs of box indices. */
  edges: Int32Array;
  /** Per edge: the flat index of its tensor's producer (names its ports). */
  edgeKey: Int32Array;
}

export interface CompoundResult {
  /** Box centres. */
  x: Float64Array;
  y: Float64Array;
  /** Frame rectangles (x, y, w, h) per slot; slot 0 spans the whole drawing. */
  frames: Float64Array;
  /** Per edge: offset into `points` (in points) and number of points (x, y pairs). */
  edgeStart: Int32Array;
  edgeCount: Int32Array;
  points: Float64Array;
  width: number;
  height: number;
  ms: number;
  /** Clusters whose layout was computed (the others came from the cache) and all clusters. */
  relaid: number;
  levels: number;
}

/** Space around a frame's content, and the header strip on top that holds its label. */
export const FRAME_PAD = 10;
export const FRAME_HEADER = 22;
const PORT = 6;
const K_ITEM = 0, K_FRAME = 1, K_IN = 2, K_OUT = 3;

interface Level {
  kinds: number[];
  refs: number[];
  inPort: Map<number, number>;
  outPort: Map<number, number>;
  edgeOf: Map<number, number>;
  edges: number[];
}

interface LevelLayout {
  sig: string;
  x: Float64Array;
  y: Float64Array;
  edgeStart: Int32Array;
  edgeCount: Int32Array;
  points: Float64Array;
  /** Box size (content and padding) and where the content starts in it. */
  w: number;
  h: number;
  ox: number;
  oy: number;
}

export class CompoundLayout {
  private cache = new Map<number, LevelLayout>();
  private model = -1;

  run(input: CompoundInput): CompoundResult {
    const t0 = performance.now();
    if (input.model !== this.model) {
      this.cache.clear();
      this.model = input.model;
    }
    const lr = input.direction === 'LR';
    const n = input.widths.length;
    const F = input.frameParent.length;
    // Everything runs top-to-bottom on swapped sizes and is transposed at the end.
    const W = lr ? input.heights : input.widths;
    const H = lr ? input.widths : input.heights;
    const depth = new Int32Array(F);
    for (let f = 1; f < F; f++) depth[f] = depth[input.frameParent[f]] + 1;

    const levels: Level[] = Array.from({ length: F }, () => ({ kinds: [], refs: [], inPort: new Map(), outPort: new Map(), edgeOf: new Map(), edges: [] }));
    const frameNode = new Int32Array(F).fill(-1);
    const itemNode = new Int32Array(n);
    const addNode = (slot: number, kind: number, ref: number) => {
      const L = levels[slot];
      L.kinds.push(kind);
      L.refs.push(ref);
      return L.kinds.length - 1;
    };
    // A frame is placed in its parent where its first box comes: flow order.
    const ensureFrame = (f: number) => {
      if (f === 0 || frameNode[f] >= 0) return;
      ensureFrame(input.frameParent[f]);
      frameNode[f] = addNode(input.frameParent[f], K_FRAME, f);
    };
    for (let i = 0; i < n; i++) {
      ensureFrame(input.itemFrame[i]);
      itemNode[i] = addNode(input.itemFrame[i], K_ITEM, i);
    }
    const port = (slot: number, out: boolean, key: number) => {
      const L = levels[slot];
      const map = out ? L.outPort : L.inPort;
      let p = map.get(key);
      if (p === undefined) map.set(key, (p = addNode(slot, out ? K_OUT : K_IN, key)));
      return p;
    };
    const levelEdge = (slot: number, u: number, v: number) => {
      const L = levels[slot];
      const k = u * 1048576 + v;
      let e = L.edgeOf.get(k);
      if (e === undefined) {
        L.edgeOf.set(k, (e = L.edges.length >> 1));
        L.edges.push(u, v);
      }
      return e;
    };

    // Segments of each edge: (slot, level edge, source frame slot or -1, target frame slot or -1).
    const m = input.edges.length >> 1;
    const segStart = new Int32Array(m + 1);
    const segs: number[] = [];
    const up: number[] = [], down: number[] = [];
    for (let e = 0; e < m; e++) {
      segStart[e] = segs.length >> 2;
      const s = input.edges[2 * e], t = input.edges[2 * e + 1];
      if (s === t) continue;
      const key = input.edgeKey[e];
      let a = input.itemFrame[s], b = input.itemFrame[t];
      up.length = 0;
      down.length = 0;
      while (depth[a] > depth[b]) up.push(a), (a = input.frameParent[a]);
      while (depth[b] > depth[a]) down.push(b), (b = input.frameParent[b]);
      while (a !== b) {
        up.push(a), (a = input.frameParent[a]);
        down.push(b), (b = input.frameParent[b]);
      }
      // inside the source's clusters, innermost first: child → out-port
      let from = itemNode[s], fromFrame = -1;
      for (const f of up) {
        segs.push(f, levelEdge(f, from, port(f, true, key)), fromFrame, -1);
        from = frameNode[f];
        fromFrame = f;
      }
      // in the common cluster, then down into the target's clusters: in-port → child
      const top = down.length ? frameNode[down[down.length - 1]] : itemNode[t];
      segs.push(a, levelEdge(a, from, top), fromFrame, down.length ? down[down.length - 1] : -1);
      for (let k = down.length - 1; k >= 0; k--) {
        const f = down[k];
        const inner = k > 0 ? frameNode[down[k - 1]] : itemNode[t];
        segs.push(f, levelEdge(f, port(f, false, key), inner), -1, k > 0 ? down[k - 1] : -1);
      }
    }
    segStart[m] = segs.length >> 2;

    // Bottom-up: children before parents (slots are parents-first).
    const layouts: LevelLayout[] = new Array(F);
    let relaid = 0;
    for (let f = F - 1; f >= 0; f--) {
      const L = levels[f];
      const k = L.kinds.length;
      const widths = new Float64Array(k), heights = new Float64Array(k);
      const pin = new Int8Array(k);
      let sig = lr ? 'L' : 'T';
      for (let v = 0; v < k; v++) {
        const kind = L.kinds[v], ref = L.refs[v];
        if (kind === K_ITEM) {
          widths[v] = W[ref];
          heights[v] = H[ref];
          sig += `|${input.itemKey[ref]}:${widths[v]}:${heights[v]}`;
        } else if (kind === K_FRAME) {
          widths[v] = layouts[ref].w;
          heights[v] = layouts[ref].h;
          sig += `|f${input.frameKey[ref]}:${widths[v]}:${heights[v]}`;
        } else {
          widths[v] = PORT;
          pin[v] = kind === K_IN ? -1 : 1;
          sig += `|${kind === K_IN ? 'i' : 'o'}${ref}`;
        }
      }
      sig += `#${L.edges.join(',')}`;
      if (f > 0) sig += `#${input.frameMinWidth[f]}`;
      const cached = this.cache.get(input.frameKey[f]);
      if (cached && cached.sig === sig) {
        layouts[f] = cached;
        continue;
      }
      relaid++;
      const r = layoutGraph({ widths, heights, edges: Int32Array.from(L.edges), direction: 'TB', pin, portGap: 14 });
      let w = r.width, h = r.height, ox = 0, oy = 0;
      if (f > 0) {
        // the header (label) is on top in the drawing: on the left of the top-to-bottom layout in LR
        const padL = lr ? FRAME_HEADER : FRAME_PAD, padT = lr ? FRAME_PAD : FRAME_HEADER;
        const minW = lr ? 0 : input.frameMinWidth[f] - 2 * FRAME_PAD;
        const minH = lr ? input.frameMinWidth[f] - 2 * FRAME_PAD : 0;
        const cw = Math.max(w, minW), ch = Math.max(h, minH);
        ox = padL + (cw - w) / 2;
        oy = padT + (ch - h) / 2;
        w = cw + padL + FRAME_PAD;
        h = ch + padT + FRAME_PAD;
      }
      const out: LevelLayout = { sig, x: r.x, y: r.y, edgeStart: r.edgeStart, edgeCount: r.edgeCount, points: r.points, w, h, ox, oy };
      this.cache.set(input.frameKey[f], out);
      layouts[f] = out;
    }

    // Top-down: absolute positions.
    const originX = new Float64Array(F), originY = new Float64Array(F);
    const frames = new Float64Array(4 * F);
    frames[2] = layouts[0].w;
    frames[3] = layouts[0].h;
    for (let f = 1; f < F; f++) {
      const p = input.frameParent[f], Lp = layouts[p], me = layouts[f];
      const v = frameNode[f];
      const x0 = originX[p] + Lp.x[v] - me.w / 2, y0 = originY[p] + Lp.y[v] - me.h / 2;
      frames[4 * f] = x0;
      frames[4 * f + 1] = y0;
      frames[4 * f + 2] = me.w;
      frames[4 * f + 3] = me.h;
      originX[f] = x0 + me.ox;
      originY[f] = y0 + me.oy;
    }
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const f = input.itemFrame[i];
      x[i] = originX[f] + layouts[f].x[itemNode[i]];
      y[i] = originY[f] + layouts[f].y[itemNode[i]];
    }
    const portAt = (f: number, out: boolean, key: number): [number, number] => {
      const v = (out ? levels[f].outPort : levels[f].inPort).get(key)!;
      return [originX[f] + layouts[f].x[v], originY[f] + layouts[f].y[v]];
    };

    // Edges: the segments' routes joined, their ends moved onto the ports they pass.
    const edgeStart = new Int32Array(m), edgeCount = new Int32Array(m);
    const pts: number[] = [];
    for (let e = 0; e < m; e++) {
      edgeStart[e] = pts.length >> 1;
      const key = input.edgeKey[e];
      for (let q = segStart[e]; q < segStart[e + 1]; q++) {
        const f = segs[4 * q], le = segs[4 * q + 1], srcFrame = segs[4 * q + 2], dstFrame = segs[4 * q + 3];
        const Lf = layouts[f];
        const s0 = Lf.edgeStart[le], c = Lf.edgeCount[le];
        for (let p = 0; p < c; p++) {
          let px = originX[f] + Lf.points[2 * (s0 + p)], py = originY[f] + Lf.points[2 * (s0 + p) + 1];
          if (p === 0 && srcFrame >= 0) [px, py] = portAt(srcFrame, true, key);
          if (p === c - 1 && dstFrame >= 0) [px, py] = portAt(dstFrame, false, key);
          const at = pts.length;
          if (at >= 2 && pts[at - 2] === px && pts[at - 1] === py) continue;
          pts.push(px, py);
        }
      }
      edgeCount[e] = (pts.length >> 1) - edgeStart[e];
    }
    const points = Float64Array.from(pts);
    let width = layouts[0].w, height = layouts[0].h;
    if (lr) {
      swap(x, y);
      for (let f = 0; f < F; f++) {
        const fx = frames[4 * f], fw = frames[4 * f + 2];
        frames[4 * f] = frames[4 * f + 1];
        frames[4 * f + 1] = fx;
        frames[4 * f + 2] = frames[4 * f + 3];
        frames[4 * f + 3] = fw;
      }
      for (let p = 0; p < points.length; p += 2) {
        const t = points[p];
        points[p] = points[p + 1];
        points[p + 1] = t;
      }
      [width, height] = [height, width];
    }
    return { x, y, frames, edgeStart, edgeCount, points, width, height, ms: performance.now() - t0, relaid, levels: F };
  }
}

function swap(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) {
    const t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

/** The layout request for a visible graph: its boxes, the open clusters they sit in (parents
 *  first), and its edges with the producers that name their ports. */
export function layoutRequest(
  model: GraphModel,
  vg: VisibleGraph,
  boxes: { w: number; h: number }[],
  o: { model: number; direction: 'TB' | 'LR'; frameWidth(c: Container): number },
): CompoundInput {
  const slotOf = new Int32Array(model.clusters.length).fill(-1);
  slotOf[0] = 0;
  vg.frames.forEach((c, k) => (slotOf[c.index] = k + 1));
  const F = vg.frames.length + 1;
  const frameParent = new Int32Array(F), frameKey = new Int32Array(F), frameMinWidth = new Float64Array(F);
  frameParent[0] = -1;
  vg.frames.forEach((c, k) => {
    frameParent[k + 1] = slotOf[c.parent];
    frameKey[k + 1] = c.index;
    frameMinWidth[k + 1] = o.frameWidth(c);
  });
  const n = vg.items.length;
  const edges = new Int32Array(vg.edges.length * 2), edgeKey = new Int32Array(vg.edges.length);
  vg.edges.forEach((e, i) => {
    edges[2 * i] = e.s;
    edges[2 * i + 1] = e.t;
    edgeKey[i] = e.key;
  });
  return {
    model: o.model,
    direction: o.direction,
    widths: Float64Array.from(boxes, (b) => b.w),
    heights: Float64Array.from(boxes, (b) => b.h),
    itemFrame: Int32Array.from(vg.items, (it) => slotOf[it.frame]),
    itemKey: Int32Array.from({ length: n }, (_, i) => {
      const it = vg.items[i];
      return it.flat ? it.flat.index : -1 - it.container!.index;
    }),
    frameParent,
    frameKey,
    frameMinWidth,
    edges,
    edgeKey,
  };
}
