// Folding: which nodes are not computation on the data and are drawn as part of the node that
// consumes them instead of as boxes of their own.
//
// - Weight folding: a node whose inputs are all weights (initializers) or outputs of other such
//   nodes, recursively (Identity-of-weight copies the exporter makes of shared parameters,
//   Constant, Cast/DequantizeLinear/Reshape of a weight) is a weight of its consumer, exactly as
//   an initializer is.
// - Shape folding: `Shape`/`Size` and the arithmetic fed only by them and by constants
//   (Shape → Gather → Unsqueeze → Concat …) is one "shape computation" chip on the node that
//   consumes its result (the Reshape, Slice or Expand it sizes).
//
// A folded node needs a consumer that is drawn (its anchor); without one (it feeds a graph output,
// or nothing) it stays a box of its own. Pure functions over flat arrays: the webview's graph
// model calls them once per model, and the unit tests call them on real exports.

export const FOLD_NONE = 0;
export const FOLD_WEIGHT = 1;
export const FOLD_SHAPE = 2;
export type FoldKind = typeof FOLD_NONE | typeof FOLD_WEIGHT | typeof FOLD_SHAPE;

/** Ops whose output is a tensor's shape (or size), not its data. */
const SHAPE_SOURCES = new Set(['Shape', 'Size', 'ShapeN', 'Rank']);
/** Ops with no inputs that are constants (other input-less ops, such as RandomNormal, are not). */
const CONSTANT_OPS = new Set(['Constant', 'Const']);
/** Ops whose output differs from run to run even on constant inputs: computation, never folded. */
const NONDETERMINISTIC = /^(Random|Multinomial|Bernoulli|Dropout$)/;

export interface FoldInput {
  /** Items in graph order (node order of each graph body); non-node items never fold. */
  count: number;
  /** Per item: 1 for an operator node (graph inputs and outputs are items too). */
  isNode: ArrayLike<number>;
  op: ArrayLike<string>;
  /** Number of non-empty inputs of each node. */
  inputCount: ArrayLike<number>;
  /** Number of inputs of each node that are stored weights (initializers). */
  weightInputCount: ArrayLike<number>;
  /** 1 for nodes with graph-valued attributes (If/Loop bodies): never folded. */
  hasSubgraphs: ArrayLike<number>;
  /** Data edges: producer item → consumer item, one per consumed tensor (duplicates allowed). */
  edgeSource: ArrayLike<number>;
  edgeTarget: ArrayLike<number>;
}

export interface FoldResult {
  kind: Uint8Array;
  /** The drawn node each folded item is shown on (the first reached through its consumers), else -1. */
  anchor: Int32Array;
}

/** Kahn's topological order over the data edges; items on cycles follow in index order. */
export function topologicalOrder(count: number, source: ArrayLike<number>, target: ArrayLike<number>): Int32Array {
  const indeg = new Int32Array(count);
  const outStart = new Int32Array(count + 1);
  for (let e = 0; e < source.length; e++) {
    indeg[target[e]]++;
    outStart[source[e] + 1]++;
  }
  for (let i = 0; i < count; i++) outStart[i + 1] += outStart[i];
  const out = new Int32Array(source.length);
  const fill = outStart.slice(0, count);
  for (let e = 0; e < source.length; e++) out[fill[source[e]]++] = target[e];
  const order = new Int32Array(count);
  const done = new Uint8Array(count);
  let head = 0, tail = 0, next = 0;
  for (let i = 0; i < count; i++) if (indeg[i] === 0) order[tail++] = i;
  while (tail < count) {
    while (head < tail) {
      const v = order[head++];
      done[v] = 1;
      for (let k = outStart[v]; k < outStart[v + 1]; k++) if (--indeg[out[k]] === 0) order[tail++] = out[k];
    }
    if (tail < count) {
      while (done[next] || indeg[next] <= 0) next++;
      indeg[next] = 0;
      order[tail++] = next;
    }
  }
  return order;
}

export function computeFolding(g: FoldInput): FoldResult {
  const n = g.count;
  const kind = new Uint8Array(n);
  const anchor = new Int32Array(n).fill(-1);
  const m = g.edgeSource.length;
  // incoming and outgoing data edges (CSR)
  const inStart = new Int32Array(n + 1), outStart = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    inStart[g.edgeTarget[e] + 1]++;
    outStart[g.edgeSource[e] + 1]++;
  }
  for (let i = 0; i < n; i++) {
    inStart[i + 1] += inStart[i];
    outStart[i + 1] += outStart[i];
  }
  const ins = new Int32Array(m), outs = new Int32Array(m);
  {
    const fi = inStart.slice(0, n), fo = outStart.slice(0, n);
    for (let e = 0; e < m; e++) {
      ins[fi[g.edgeTarget[e]]++] = g.edgeSource[e];
      outs[fo[g.edgeSource[e]]++] = g.edgeTarget[e];
    }
  }
  const order = topologicalOrder(n, g.edgeSource, g.edgeTarget);

  // Forward: what each node's output is, given its inputs.
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (!g.isNode[i] || g.hasSubgraphs[i]) continue;
    const op = g.op[i];
    if (NONDETERMINISTIC.test(op)) continue;
    if (SHAPE_SOURCES.has(op)) {
      kind[i] = FOLD_SHAPE;
      continue;
    }
    const inputs = g.inputCount[i];
    if (inputs === 0) {
      if (CONSTANT_OPS.has(op)) kind[i] = FOLD_WEIGHT;
      continue;
    }
    // Inputs that are neither weights nor produced by a node here (graph inputs, values of an
    // enclosing graph) are data.
    const produced = inStart[i + 1] - inStart[i];
    if (g.weightInputCount[i] + produced < inputs) continue;
    let shape = false, data = false;
    for (let k2 = inStart[i]; k2 < inStart[i + 1]; k2++) {
      const p = kind[ins[k2]];
      if (p === FOLD_NONE) data = true;
      else if (p === FOLD_SHAPE) shape = true;
    }
    if (!data) kind[i] = shape ? FOLD_SHAPE : FOLD_WEIGHT;
  }

  // Backward: every foldable node needs a drawn consumer to be shown on.
  for (let k = n - 1; k >= 0; k--) {
    const i = order[k];
    if (kind[i] === FOLD_NONE) continue;
    let a = -1;
    for (let k2 = outStart[i]; k2 < outStart[i + 1]; k2++) {
      const c = outs[k2];
      if (!g.isNode[c]) {
        a = -1; // it is a graph output: its box stays, the output's edge starts there
        break;
      }
      if (a < 0) a = kind[c] === FOLD_NONE ? c : anchor[c];
    }
    if (a < 0) kind[i] = FOLD_NONE;
    else anchor[i] = a;
  }
  return { kind, anchor };
}
