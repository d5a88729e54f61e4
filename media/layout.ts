// Layered (Sugiyama-style) graph layout, top to bottom: longest-path layering, barycentric
// ordering sweeps, and coordinates by isotonic regression (each node as close as possible to the
// mean of its neighbours, in order, without overlaps). Linear-ish in nodes + edges.
//
// Why not d3-dag (installed; `npx tsx scripts/bench-layout.ts --compare` times both): on this
// machine (Node 20, 2 shared cores) on a residual chain, d3-dag 1.2 sugiyama with longest-path
// layering, two-layer decrossing and greedy coordinates took 351 ms for 1,000 nodes, 1,126 ms for
// 5,000 and 3,201 ms for 20,000 — over the whole 3 s first-picture budget on its own. This layout
// took 27 ms, 60 ms and 198 ms on the same graphs.

export interface LayoutInput {
  /** Node sizes in top-to-bottom orientation (the caller swaps w/h for left-to-right). */
  widths: Float64Array | number[];
  heights: Float64Array | number[];
  /** Edge list: pairs of node indices, source then target. */
  edges: Int32Array | number[];
  direction: 'TB' | 'LR';
  /** Gap between neighbours in a layer and between layers. */
  nodeGap?: number;
  layerGap?: number;
  /** Per node: -1 keeps it in the first layer, 1 in the last (the ports where edges enter and
   *  leave a cluster's frame, media/compoundLayout.ts); 0 or absent: free. */
  pin?: Int8Array;
  /** Gap between a layer of pinned nodes only and its neighbour (ports need little room). */
  portGap?: number;
}

export interface LayoutResult {
  /** Node centres. */
  x: Float64Array;
  y: Float64Array;
  layer: Int32Array;
  /** Per edge (same order as input pairs): offset into `points` and number of points (x,y pairs). */
  edgeStart: Int32Array;
  edgeCount: Int32Array;
  points: Float64Array;
  width: number;
  height: number;
  ms: number;
}

/** Edges spanning more layers than this are drawn straight instead of routed through dummies. */
const MAX_DUMMY_SPAN = 60;

export function layoutGraph(input: LayoutInput): LayoutResult {
  const t0 = performance.now();
  const lr = input.direction === 'LR';
  const n = input.widths.length;
  const nodeGap = input.nodeGap ?? 30;
  const layerGap = input.layerGap ?? 46;
  // In LR the layout runs top-to-bottom on swapped sizes and is transposed at the end.
  const W = lr ? input.heights : input.widths;
  const H = lr ? input.widths : input.heights;
  const m = input.edges.length >> 1;

  // --- adjacency (CSR) -------------------------------------------------------------------
  const outDeg = new Int32Array(n), inDeg = new Int32Array(n);
  for (let e = 0; e < m; e++) {
    const s = input.edges[2 * e], t = input.edges[2 * e + 1];
    if (s === t) continue;
    outDeg[s]++;
    inDeg[t]++;
  }
  const outStart = prefix(outDeg), inStart = prefix(inDeg);
  const outAdj = new Int32Array(outStart[n]), inAdj = new Int32Array(inStart[n]);
  {
    const o = outStart.slice(0, n), i = inStart.slice(0, n);
    for (let e = 0; e < m; e++) {
      const s = input.edges[2 * e], t = input.edges[2 * e + 1];
      if (s === t) continue;
      outAdj[o[s]++] = t;
      inAdj[i[t]++] = s;
    }
  }

  // --- topological order; nodes on cycles are taken in index order (back edges ignored) ----
  const order = new Int32Array(n);
  const remaining = Int32Array.from(inDeg);
  const done = new Uint8Array(n);
  let head = 0, tail = 0;
  for (let v = 0; v < n; v++) if (remaining[v] === 0) order[tail++] = v;
  let nextForced = 0;
  while (tail < n) {
    while (head < tail) {
      const v = order[head++];
      done[v] = 1;
      for (let k = outStart[v]; k < outStart[v + 1]; k++) if (--remaining[outAdj[k]] === 0) order[tail++] = outAdj[k];
    }
    if (tail < n) {
      while (done[nextForced] || remaining[nextForced] === 0) nextForced++;
      remaining[nextForced] = 0;
      order[tail++] = nextForced;
    }
  }
  while (head < tail) done[order[head++]] = 1;
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[order[i]] = i;
  const forward = (s: number, t: number) => rank[s] < rank[t];

  // --- layering: longest path from the sources, then sources pulled down to their consumers ----
  const layer = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = order[i];
    for (let k = outStart[v]; k < outStart[v + 1]; k++) {
      const t = outAdj[k];
      if (forward(v, t) && layer[t] < layer[v] + 1) layer[t] = layer[v] + 1;
    }
  }
  const pin = input.pin;
  for (let v = 0; v < n; v++) {
    if (inDeg[v] !== 0 || outDeg[v] === 0 || (pin && pin[v] < 0)) continue;
    let min = Infinity;
    for (let k = outStart[v]; k < outStart[v + 1]; k++) min = Math.min(min, layer[outAdj[k]]);
    if (min !== Infinity && min - 1 > layer[v]) layer[v] = min - 1;
  }
  let layerCount = 0;
  // Pinned nodes: the first layer of its own above everything, the last below everything.
  let topOnly = false, bottomOnly = false;
  if (pin) {
    let anyTop = false, anyBottom = false;
    for (let v = 0; v < n; v++) {
      if (pin[v] < 0) anyTop = true;
      else if (pin[v] > 0) anyBottom = true;
    }
    let free = 0;
    for (let v = 0; v < n; v++) {
      if (pin[v]) continue;
      if (anyTop) layer[v]++;
      if (layer[v] + 1 > free) free = layer[v] + 1;
    }
    if (anyTop && free === 0) free = 1;
    for (let v = 0; v < n; v++) {
      if (pin[v] < 0) layer[v] = 0;
      else if (pin[v] > 0) layer[v] = free;
    }
    layerCount = anyBottom ? free + 1 : free;
    topOnly = anyTop;
    bottomOnly = anyBottom;
  } else for (let v = 0; v < n; v++) if (layer[v] + 1 > layerCount) layerCount = layer[v] + 1;

  // --- dummies for edges spanning several layers ----------------------------------------------
  // Virtual graph: real nodes 0..n-1, then dummies. Each layer-to-layer link is (u, v) with
  // layer[v] = layer[u] + 1.
  const vLayer: number[] = Array.from(layer);
  const linkS: number[] = [], linkT: number[] = [];
  const edgeDummies: (number[] | null)[] = new Array(m).fill(null);
  for (let e = 0; e < m; e++) {
    let s = input.edges[2 * e], t = input.edges[2 * e + 1];
    if (s === t) continue;
    if (layer[s] > layer[t]) [s, t] = [t, s];
    const span = layer[t] - layer[s];
    if (span === 0) continue;
    if (span === 1) {
      linkS.push(s);
      linkT.push(t);
    } else if (span <= MAX_DUMMY_SPAN) {
      const chain: number[] = [];
      let prev = s;
      for (let l = layer[s] + 1; l < layer[t]; l++) {
        const d = vLayer.length;
        vLayer.push(l);
        chain.push(d);
        linkS.push(prev);
        linkT.push(d);
        prev = d;
      }
      linkS.push(prev);
      linkT.push(t);
      edgeDummies[e] = chain;
    }
  }
  const N = vLayer.length;
  const vW = new Float64Array(N), vH = new Float64Array(N);
  for (let v = 0; v < N; v++) {
    vW[v] = v < n ? W[v] : 8;
    vH[v] = v < n ? H[v] : 0;
  }
  const L = linkS.length;
  const upDeg = new Int32Array(N), downDeg = new Int32Array(N);
  for (let i = 0; i < L; i++) {
    downDeg[linkS[i]]++;
    upDeg[linkT[i]]++;
  }
  const downStart = prefix(downDeg), upStart = prefix(upDeg);
  const down = new Int32Array(L), up = new Int32Array(L);
  {
    const d = downStart.slice(0, N), u = upStart.slice(0, N);
    for (let i = 0; i < L; i++) {
      down[d[linkS[i]]++] = linkT[i];
      up[u[linkT[i]]++] = linkS[i];
    }
  }

  // Sources below the first layer (Constants, Identity-of-weight nodes) follow their consumers
  // instead of pulling them: otherwise the Clip(x, min, max) constants of every block drag a chain
  // sideways, block after block.
  const pendant = new Uint8Array(N);
  for (let v = 0; v < n; v++) if (upDeg[v] === 0 && vLayer[v] > 0) pendant[v] = 1;

  // --- initial order: depth-first from the sources so chains stay in one column -------------
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  const placed = new Uint8Array(N);
  const stack: number[] = [];
  const visitFrom = (root: number) => {
    stack.push(root);
    while (stack.length) {
      const v = stack.pop()!;
      if (placed[v]) continue;
      placed[v] = 1;
      layers[vLayer[v]].push(v);
      for (let k = downStart[v + 1] - 1; k >= downStart[v]; k--) if (!placed[down[k]]) stack.push(down[k]);
    }
  };
  for (let i = 0; i < n; i++) if (upDeg[order[i]] === 0) visitFrom(order[i]);
  for (let v = 0; v < N; v++) if (!placed[v]) visitFrom(v);
  const pos = new Float64Array(N);
  const setPos = () => {
    for (const row of layers) for (let i = 0; i < row.length; i++) pos[row[i]] = i;
  };
  setPos();

  // --- barycentric sweeps (skipped on huge layers where they cost more than they help) ------
  const bary = new Float64Array(N);
  const sweep = (downward: boolean) => {
    const from = downward ? 1 : layerCount - 2, to = downward ? layerCount : -1, step = downward ? 1 : -1;
    // `<`/`>`, not `!==`: with no layers at all (an empty level) the upward pass starts below 0.
    for (let l = from; downward ? l < to : l > to; l += step) {
      const row = layers[l];
      if (row.length < 2) continue;
      for (const v of row) {
        const s0 = downward ? upStart[v] : downStart[v], s1 = downward ? upStart[v + 1] : downStart[v + 1];
        const adj = downward ? up : down;
        let sum = 0, count = 0;
        for (let k = s0; k < s1; k++) {
          if (downward && pendant[adj[k]]) continue;
          sum += pos[adj[k]];
          count++;
        }
        bary[v] = count ? sum / count : pos[v];
      }
      row.sort((a, b) => bary[a] - bary[b] || pos[a] - pos[b]);
      for (let i = 0; i < row.length; i++) pos[row[i]] = i;
    }
  };
  for (let it = 0; it < 2; it++) {
    sweep(true);
    sweep(false);
  }

  // --- coordinates --------------------------------------------------------------------------
  const x = new Float64Array(N);
  for (const row of layers) {
    let cx = 0;
    for (const v of row) {
      x[v] = cx + vW[v] / 2;
      cx += vW[v] + nodeGap;
    }
    const shift = cx / 2;
    for (const v of row) x[v] -= shift;
  }
  const desired = new Float64Array(N);
  // Who gives way when neighbours want the same spot: constants and long-edge bends step aside
  // for real nodes almost entirely (a real node pushed even a few pixels per residual block would
  // drift the column of a 4,000-block chain far sideways).
  const weight = new Float64Array(N);
  for (let v = 0; v < N; v++) weight[v] = v >= n ? 1e-6 : pendant[v] ? 1e-9 : 1;
  const place = (downward: boolean) => {
    const from = downward ? 1 : layerCount - 2, to = downward ? layerCount : -1, step = downward ? 1 : -1;
    // `<`/`>`, not `!==`: with no layers at all (an empty level) the upward pass starts below 0.
    for (let l = from; downward ? l < to : l > to; l += step) {
      const row = layers[l];
      for (const v of row) {
        const s0 = downward ? upStart[v] : downStart[v], s1 = downward ? upStart[v + 1] : downStart[v + 1];
        const adj = downward ? up : down;
        // Real neighbours outrank dummies (the bends of long edges): the main path of a residual
        // block stays straight and its skip edge goes around it, instead of every block's Add
        // settling halfway between the two and the whole chain drifting sideways.
        let sum = 0, count = 0, dsum = 0, dcount = 0;
        for (let k = s0; k < s1; k++) {
          const u = adj[k];
          if (downward && pendant[u]) continue;
          if (u >= n && v < n) {
            dsum += x[u];
            dcount++;
          } else {
            sum += x[u];
            count++;
          }
        }
        desired[v] = count ? sum / count : dcount ? dsum / dcount : x[v];
      }
      isotonicPlace(row, vW, nodeGap, desired, x, weight);
    }
  };
  for (let it = 0; it < 3; it++) {
    place(true);
    place(false);
  }
  place(true);

  // --- y per layer -------------------------------------------------------------------------
  const layerY = new Float64Array(layerCount);
  const portGap = input.portGap ?? layerGap;
  let cy = 0, lastGap = 0;
  for (let l = 0; l < layerCount; l++) {
    let h = 0;
    for (const v of layers[l]) if (vH[v] > h) h = vH[v];
    layerY[l] = cy + h / 2;
    lastGap = (l === 0 && topOnly) || (l === layerCount - 2 && bottomOnly) ? portGap : layerGap;
    cy += h + lastGap;
  }
  let minX = Infinity, maxX = -Infinity;
  for (let v = 0; v < N; v++) {
    minX = Math.min(minX, x[v] - vW[v] / 2);
    maxX = Math.max(maxX, x[v] + vW[v] / 2);
  }
  if (N === 0) minX = maxX = 0;

  // --- output ------------------------------------------------------------------------------
  const ox = new Float64Array(n), oy = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    ox[v] = x[v] - minX;
    oy[v] = layerY[layer[v]];
  }
  // Edges too long for dummies (a mask input read by every block of a transformer) run down
  // lanes to the right of the drawing instead of straight through the boxes in between; lanes
  // are shared by edges whose layer ranges do not overlap.
  const LANE_GAP = 14;
  const laneOf = new Int32Array(m).fill(-1);
  const long: number[] = [];
  for (let e = 0; e < m; e++) {
    const s = input.edges[2 * e], t = input.edges[2 * e + 1];
    if (s !== t && Math.abs(layer[s] - layer[t]) > MAX_DUMMY_SPAN) long.push(e);
  }
  const top = (e: number) => Math.min(layer[input.edges[2 * e]], layer[input.edges[2 * e + 1]]);
  const bottom = (e: number) => Math.max(layer[input.edges[2 * e]], layer[input.edges[2 * e + 1]]);
  long.sort((a, b) => top(a) - top(b));
  const laneEnd: number[] = [];
  for (const e of long) {
    let lane = laneEnd.findIndex((end) => end < top(e));
    if (lane < 0) lane = laneEnd.push(0) - 1;
    laneEnd[lane] = bottom(e);
    laneOf[e] = lane;
  }
  const laneBase = maxX - minX + 2 * nodeGap;
  if (laneEnd.length) maxX += 2 * nodeGap + laneEnd.length * LANE_GAP;

  const edgeStart = new Int32Array(m), edgeCount = new Int32Array(m);
  const pts: number[] = [];
  for (let e = 0; e < m; e++) {
    const s = input.edges[2 * e], t = input.edges[2 * e + 1];
    edgeStart[e] = pts.length >> 1;
    if (s === t) continue;
    const back = layer[s] > layer[t];
    const a = back ? t : s, b = back ? s : t;
    const dummies = edgeDummies[e];
    const lane = laneOf[e];
    const count = lane >= 0 ? 4 : 2 + (dummies ? dummies.length : 0);
    // points from a (upper) to b (lower), written in the edge's own direction
    const at = pts.length;
    for (let p = 0; p < count; p++) pts.push(0, 0);
    const put = (p: number, px: number, py: number) => {
      const slot = at + 2 * (back ? count - 1 - p : p);
      pts[slot] = lr ? py : px;
      pts[slot + 1] = lr ? px : py;
    };
    put(0, ox[a], oy[a] + H[a] / 2);
    if (lane >= 0) {
      const lx = laneBase + lane * LANE_GAP;
      put(1, lx, oy[a] + H[a] / 2 + layerGap / 2);
      put(2, lx, oy[b] - H[b] / 2 - layerGap / 2);
    } else if (dummies) for (let p = 0; p < dummies.length; p++) put(p + 1, x[dummies[p]] - minX, layerY[vLayer[dummies[p]]]);
    put(count - 1, ox[b], oy[b] - H[b] / 2);
    edgeCount[e] = count;
  }
  const width = maxX - minX, height = Math.max(0, cy - lastGap);
  return {
    x: lr ? oy : ox,
    y: lr ? ox : oy,
    layer,
    edgeStart,
    edgeCount,
    points: Float64Array.from(pts),
    width: lr ? height : width,
    height: lr ? width : height,
    ms: performance.now() - t0,
  };
}

function prefix(deg: Int32Array): Int32Array {
  const out = new Int32Array(deg.length + 1);
  for (let i = 0; i < deg.length; i++) out[i + 1] = out[i] + deg[i];
  return out;
}

/**
 * Places one layer's nodes, in their order, as close as possible (weighted least squares) to
 * `desired` while keeping neighbours `gap` apart: pool-adjacent-violators on x minus the packing
 * offsets.
 */
/** Scratch buffers for isotonicPlace, grown on demand (it runs once per layer per pass). */
let scratch = { offset: new Float64Array(64), bSum: new Float64Array(64), bCnt: new Float64Array(64), bEnd: new Int32Array(64) };

function isotonicPlace(row: number[], w: Float64Array, gap: number, desired: Float64Array, x: Float64Array, weight: Float64Array): void {
  const k = row.length;
  if (k === 0) return;
  if (k === 1) {
    x[row[0]] = desired[row[0]];
    return;
  }
  if (scratch.offset.length < k) scratch = { offset: new Float64Array(2 * k), bSum: new Float64Array(2 * k), bCnt: new Float64Array(2 * k), bEnd: new Int32Array(2 * k) };
  const { offset, bSum, bCnt, bEnd } = scratch;
  offset[0] = 0;
  for (let i = 1; i < k; i++) offset[i] = offset[i - 1] + w[row[i - 1]] / 2 + gap + w[row[i]] / 2;
  // blocks of (weighted sum, weight) whose weighted mean is the shared shifted position
  let nb = 0;
  for (let i = 0; i < k; i++) {
    const wt = weight[row[i]];
    bSum[nb] = (desired[row[i]] - offset[i]) * wt;
    bCnt[nb] = wt;
    bEnd[nb] = i;
    nb++;
    while (nb > 1 && bSum[nb - 2] / bCnt[nb - 2] > bSum[nb - 1] / bCnt[nb - 1]) {
      bSum[nb - 2] += bSum[nb - 1];
      bCnt[nb - 2] += bCnt[nb - 1];
      bEnd[nb - 2] = bEnd[nb - 1];
      nb--;
    }
  }
  let i = 0;
  for (let b = 0; b < nb; b++) {
    const z = bSum[b] / bCnt[b];
    for (; i <= bEnd[b]; i++) x[row[i]] = z + offset[i];
  }
}
