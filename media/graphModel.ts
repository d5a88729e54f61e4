// The viewer's graph model: flattens the host's nested graph (subgraphs of If/Loop/Scan included),
// folds what is not computation on the data (media/fold.ts), groups nodes into a tree of clusters
// (name scopes `/layer1/0/conv1/Conv` → layer1 › 0 › conv1; synthetic chunks of long flat runs;
// subgraph bodies) and computes the graph that is visible for a set of open/closed clusters.
import type { GraphInfo, NodeInfo, ValueRef } from '../src/protocol';
import { computeFolding, FOLD_NONE, FOLD_SHAPE, FOLD_WEIGHT, type FoldKind } from './fold';

/** Models with more drawn nodes than this open with their clusters closed down to a budget… */
export const GROUP_THRESHOLD = 200;
/** …of at most this many boxes in the first picture. */
export const FIRST_PICTURE_BUDGET = 150;
/**
 * In a model above GROUP_THRESHOLD, a cluster (or the model itself) with more direct children
 * than this is split into chunks of consecutive children, recursively, so that every level opens
 * onto a readable number of boxes: a flat 100,000-node graph becomes 100,000 → 2,500 → 63 → 2
 * levels of at most 40. Chunks end where the fewest tensors cross (between blocks of a residual
 * chain, not inside one); see `chunkLevel`.
 */
export const CHUNK_MAX = 40;

/** Name scopes deeper than this, or past this many characters, add no further clusters; and the
 *  depth shrinks so that all scopes together make at most SCOPE_KEY_BUDGET cluster candidates.
 *  Every prefix of a scope is a candidate: a hostile model of 6,000 nodes with distinct 300-level
 *  scopes took 5.8 s to group (quadratic in the depth), 100,000 nodes with distinct 40-level ones
 *  3.9 s with a fixed cap of 24; real exports nest 4–8 levels (a 100,000-node BERT export has
 *  13,000 distinct scopes). */
export const MAX_SCOPE_DEPTH = 12;
export const MAX_SCOPE_CHARS = 400;
const SCOPE_KEY_BUDGET = 300_000;

export type FlatKind = 'node' | 'input' | 'output';

export interface FlatItem {
  index: number;
  kind: FlatKind;
  /** data-node-id: the node's unique id; `input:NAME` / `output:NAME` for graph inputs/outputs */
  id: string;
  node?: NodeInfo;
  value?: ValueRef;
  /** Innermost cluster (index into GraphModel.clusters; 0 is the model itself). */
  parent: number;
  /** Owning node of the subgraph this node belongs to. */
  owner?: number;
  /** FOLD_WEIGHT / FOLD_SHAPE when the node is drawn as part of `anchor` (see media/fold.ts). */
  fold: FoldKind;
  anchor: number;
}

export interface Container {
  index: number;
  key: string;
  /** root: the model itself (always open); group: a name scope; chunk: a run of consecutive
   *  children of a large cluster; sub: an If/Loop/Scan body or function body. */
  kind: 'root' | 'group' | 'chunk' | 'sub';
  /** Display label: the scope path "layer1 › 0", a chunk's range, or a body's attribute. */
  label: string;
  /** The last part of the label ("0"), for boxes and frames drawn inside their parent. */
  short: string;
  parent: number;
  depth: number;
  /** Nodes inside, at any depth (folded ones included). */
  size: number;
  /** Of those, the nodes drawn as boxes of their own (folded ones excluded). */
  drawn: number;
  owner?: number;
  defaultOpen: boolean;
  /** Direct children: drawn items (folded ones excluded) and clusters, by first flat index. */
  items: number[];
  clusters: number[];
  /** Smallest flat index inside: orders siblings and finds something to centre on. */
  first: number;
}

export interface FlatEdge {
  s: number;
  t: number;
  value?: ValueRef;
  /** Subgraph body attached to its owning node. */
  dashed: boolean;
}

export interface VisibleItem {
  /** Unique key: a flat item's id or `group:KEY`. */
  id: string;
  kind: FlatKind | 'group';
  flat?: FlatItem;
  container?: Container;
  /** The open cluster it is drawn in (0: the model itself). */
  frame: number;
}

export interface VisibleEdge {
  s: number;
  t: number;
  label: string;
  dashed: boolean;
  /** Distinct tensors this edge stands for (several when it enters or leaves a closed group). */
  count: number;
  /** Flat index of the producer of its first tensor: names the edge's ports in cluster layouts. */
  key: number;
  /** Its first tensor. */
  tensor?: string;
}

/** A tensor read by more boxes than this is named on its readers instead of drawn as edges. */
export const MAX_READERS = 16;

export interface VisibleGraph {
  items: VisibleItem[];
  edges: VisibleEdge[];
  /** Open clusters with something drawn inside, parents before children. */
  frames: Container[];
  /** Flat item index → index in `items` of what represents it. */
  repOf: Int32Array;
  /** Per box: tensors it reads that are read by more than MAX_READERS boxes (no edges drawn). */
  refs: Map<number, string[]>;
  /** Per box: how many readers of its outputs are such references. */
  fanOut: Map<number, number>;
}

/** What decides the picture besides the graph: which clusters are open, what is unfolded. */
export interface ViewOptions {
  isOpen(c: Container): boolean;
  /** Draw folded nodes as boxes of their own (the toolbar's "show everything"). */
  showFolded: boolean;
  /** Folded nodes drawn anyway (the user selected them). */
  revealed: Set<number>;
  /** No clusters: every item a box of its own at the top level (the benchmark's eager baseline). */
  flat?: boolean;
}

export function shapeText(shape: ValueRef['shape']): string {
  if (shape === undefined) return '';
  if (shape === null) return '?';
  return shape.length === 0 ? 'scalar' : shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

/** A weight a node reads through folded nodes (an Identity copy of a shared weight, a Constant…). */
export interface FoldedWeight {
  /** The folded node that produces it (what the consumer reads). */
  producer: number;
  tensor: string;
  shape?: number[];
  elementCount: number;
}

export class GraphModel {
  readonly items: FlatItem[] = [];
  readonly edges: FlatEdge[] = [];
  readonly clusters: Container[] = [];
  /** Clusters by key (the model itself is ''). */
  readonly containers = new Map<string, Container>();
  readonly byId = new Map<string, FlatItem>();
  /** Operator nodes (graph inputs and outputs are items too). */
  readonly nodeCount: number;
  /** Nodes drawn as boxes of their own when nothing is unfolded. */
  readonly drawnCount: number;
  readonly foldedCount: number;
  /** Incoming flat edges per item (CSR over `edges`): producers of its inputs. */
  private inStart!: Int32Array;
  private inEdges!: Int32Array;
  private outStart!: Int32Array;
  private outEdges!: Int32Array;
  private haystack?: string[];

  /** `keras`: layer names of a Keras/TF.js layers-model, where `conv2_block1_1_conv` means the
   *  scopes conv2 › conv2_block1 › conv2_block1_1 (see kerasScope). */
  constructor(
    readonly root: GraphInfo,
    private readonly options: { keras?: boolean } = {},
  ) {
    this.addCluster('', 'root', '', -1, true); // cluster 0: the model itself
    const scopeOfItem: (string | undefined)[] = [];
    const rootScope = new Map<string, number>();
    for (const v of root.inputs) {
      const it = this.add('input', `input:${v.name}`, 0, undefined, v);
      rootScope.set(v.name, it.index);
    }
    this.flatten(root, 0, undefined, { values: rootScope }, scopeOfItem);
    for (const v of root.outputs) {
      const it = this.add('output', `output:${v.name}`, 0, undefined, v);
      const p = rootScope.get(v.name);
      if (p !== undefined) this.edges.push({ s: p, t: it.index, value: v, dashed: false });
    }
    this.indexEdges();
    this.fold();
    let nodes = 0, folded = 0;
    for (const it of this.items) {
      if (it.kind !== 'node') continue;
      nodes++;
      if (it.fold !== FOLD_NONE) folded++;
    }
    this.nodeCount = nodes;
    this.foldedCount = folded;
    this.drawnCount = nodes - folded;
    const large = this.drawnCount > GROUP_THRESHOLD;
    this.buildScopes(scopeOfItem, large);
    this.buildChildren();
    if (large) for (const c of [...this.clusters]) this.chunk(c);
    // Folded nodes live where their anchor lives, so that unfolded they are drawn beside it.
    for (const it of this.items) if (it.fold !== FOLD_NONE) it.parent = this.items[it.anchor].parent;
    this.finishClusters();
    if (large) this.openWithinBudget(FIRST_PICTURE_BUDGET);
  }

  // ---- construction ---------------------------------------------------------------------------

  private add(kind: FlatKind, id: string, parent: number, node?: NodeInfo, value?: ValueRef, owner?: number): FlatItem {
    if (this.byId.has(id)) {
      let k = 2;
      while (this.byId.has(`${id}#${k}`)) k++;
      id = `${id}#${k}`;
    }
    const item: FlatItem = { index: this.items.length, kind, id, node, value, parent, owner, fold: FOLD_NONE, anchor: -1 };
    this.items.push(item);
    this.byId.set(id, item);
    return item;
  }

  private addCluster(key: string, kind: Container['kind'], label: string, parent: number, defaultOpen: boolean, owner?: number): Container {
    const short = kind === 'group' ? key.slice(key.lastIndexOf('/') + 1) : label;
    const c: Container = { index: this.clusters.length, key, kind, label, short, parent, depth: 0, size: 0, drawn: 0, owner, defaultOpen, items: [], clusters: [], first: Infinity };
    this.clusters.push(c);
    this.containers.set(key, c);
    return c;
  }

  /** Per node: inputs that are weights (for folding), filled while flattening. */
  private weightInputs: number[] = [];

  private flatten(graph: GraphInfo, parent: number, owner: number | undefined, scope: Scope, scopeOfItem: (string | undefined)[]): void {
    for (const node of graph.nodes) {
      const item = this.add('node', node.id, parent, node, undefined, owner);
      if (owner === undefined) scopeOfItem[item.index] = this.options.keras && !node.name.includes('/') ? kerasScope(node.name) : node.name.slice(0, Math.max(0, node.name.lastIndexOf('/')));
      const weights = node.weights;
      let incoming = 0, weightInputs = 0;
      for (const input of node.inputs) {
        let isWeight = false;
        for (let k = 0; k < weights.length; k++) if (weights[k].name === input.name) isWeight = true;
        if (isWeight) {
          weightInputs++;
          continue;
        }
        // Inside a body, values from enclosing graphs are not drawn as edges: the body hangs
        // below its owning node instead of being pulled across the drawing.
        const p = owner === undefined ? resolve(scope, input.name) : scope.values.get(input.name);
        if (p !== undefined) {
          this.edges.push({ s: p, t: item.index, value: input, dashed: false });
          incoming++;
        }
      }
      this.weightInputs[item.index] = weightInputs;
      if (incoming === 0 && owner !== undefined) this.edges.push({ s: owner, t: item.index, dashed: true });
      for (const out of node.outputs) scope.values.set(out.name, item.index);
      for (const sub of node.subgraphs) {
        const key = `sub:${node.id}:${sub.attribute}`;
        const c = this.addCluster(key, 'sub', sub.attribute, parent, false, item.index);
        const subScope: Scope = { values: new Map(), parent: scope };
        this.flatten(sub.graph, c.index, item.index, subScope, scopeOfItem);
      }
    }
  }

  private indexEdges(): void {
    const n = this.items.length, m = this.edges.length;
    const inStart = new Int32Array(n + 1), outStart = new Int32Array(n + 1);
    for (const e of this.edges) {
      inStart[e.t + 1]++;
      outStart[e.s + 1]++;
    }
    for (let i = 0; i < n; i++) {
      inStart[i + 1] += inStart[i];
      outStart[i + 1] += outStart[i];
    }
    const inEdges = new Int32Array(m), outEdges = new Int32Array(m);
    const fi = inStart.slice(0, n), fo = outStart.slice(0, n);
    this.edges.forEach((e, k) => {
      inEdges[fi[e.t]++] = k;
      outEdges[fo[e.s]++] = k;
    });
    this.inStart = inStart;
    this.inEdges = inEdges;
    this.outStart = outStart;
    this.outEdges = outEdges;
  }

  private fold(): void {
    const items = this.items, n = items.length;
    const isNode = new Uint8Array(n), inputCount = new Int32Array(n), weightInputCount = new Int32Array(n), hasSubgraphs = new Uint8Array(n);
    const op: string[] = new Array(n).fill('');
    for (let i = 0; i < n; i++) {
      const node = items[i].node;
      if (!node) continue;
      isNode[i] = 1;
      op[i] = node.op;
      inputCount[i] = node.inputs.length;
      weightInputCount[i] = this.weightInputs[i] ?? 0;
      hasSubgraphs[i] = node.subgraphs.length ? 1 : 0;
    }
    let m = 0;
    for (const e of this.edges) if (!e.dashed) m++;
    const edgeSource = new Int32Array(m), edgeTarget = new Int32Array(m);
    m = 0;
    for (const e of this.edges) {
      if (e.dashed) continue;
      edgeSource[m] = e.s;
      edgeTarget[m++] = e.t;
    }
    const { kind, anchor } = computeFolding({ count: n, isNode, op, inputCount, weightInputCount, hasSubgraphs, edgeSource, edgeTarget });
    for (let i = 0; i < n; i++) {
      items[i].fold = kind[i] as FoldKind;
      items[i].anchor = anchor[i];
    }
    this.weightInputs = [];
  }

  /**
   * Name-scope clusters of the main graph. A scope becomes a cluster when it holds at least two
   * drawn nodes and fewer than its enclosing cluster (a scope around everything, such as TF's
   * "model/", would only add a click); folded nodes do not count. Work is per distinct scope
   * (a 100,000-node encoder has ~13,000), not per node.
   */
  private buildScopes(scopeOfItem: (string | undefined)[], large: boolean): void {
    // drawn nodes directly in each raw scope ("/bert/encoder/layer.3/attention/self")
    const direct = new Map<string, number>();
    for (const it of this.items) {
      const raw = scopeOfItem[it.index];
      if (raw === undefined || it.fold !== FOLD_NONE) continue;
      direct.set(raw, (direct.get(raw) ?? 0) + 1);
    }
    const depthCap = Math.min(MAX_SCOPE_DEPTH, Math.max(2, Math.floor(SCOPE_KEY_BUDGET / Math.max(1, direct.size))));
    const keysOf = new Map<string, string[]>();
    const keys = (raw: string): string[] => {
      let k = keysOf.get(raw);
      if (!k) {
        k = [];
        let key = '';
        for (const part of raw.slice(0, MAX_SCOPE_CHARS).split('/')) {
          if (!part) continue;
          key = key ? `${key}/${part}` : part;
          k.push(key);
          if (k.length === depthCap) break;
        }
        keysOf.set(raw, k);
      }
      return k;
    };
    const count = new Map<string, number>();
    for (const [raw, n] of direct) for (const k of keys(raw)) count.set(k, (count.get(k) ?? 0) + n);
    const parentOf = new Map<string, number>();
    const clusterOf = (raw: string): number => {
      let parent = parentOf.get(raw);
      if (parent !== undefined) return parent;
      parent = 0;
      let enclosing = this.drawnCount;
      for (const k of keys(raw)) {
        const c = count.get(k) ?? 0;
        if (c < 2 || c >= enclosing) continue;
        enclosing = c;
        let cl = this.containers.get(k);
        if (!cl) cl = this.addCluster(k, 'group', k.split('/').join(' › '), parent, !large);
        parent = cl.index;
      }
      parentOf.set(raw, parent);
      return parent;
    };
    for (const it of this.items) {
      const raw = scopeOfItem[it.index];
      if (raw === undefined || it.fold !== FOLD_NONE) continue;
      it.parent = clusterOf(raw);
    }
    // Subgraph bodies hang below their owner: in the owner's cluster.
    for (const c of this.clusters) if (c.kind === 'sub') c.parent = this.items[c.owner!].parent;
  }

  /** Direct children lists (drawn items and clusters), ordered by first flat index. */
  private buildChildren(): void {
    for (const c of this.clusters) {
      c.items = [];
      c.clusters = [];
      c.first = Infinity;
    }
    for (const it of this.items) {
      if (it.fold !== FOLD_NONE) continue;
      this.clusters[it.parent].items.push(it.index);
      for (let c = it.parent; c >= 0 && this.clusters[c].first > it.index; c = this.clusters[c].parent) this.clusters[c].first = it.index;
    }
    for (const c of this.clusters) if (c.parent >= 0) this.clusters[c.parent].clusters.push(c.index);
    for (const c of this.clusters) c.clusters.sort((a, b) => this.clusters[a].first - this.clusters[b].first);
  }

  /** The direct child of cluster `c` that holds item `i` (an item index ≥ 0, or ~cluster), or undefined. */
  private childOf(c: number, i: number): number | undefined {
    let p = this.items[i].parent;
    if (p === c) return i;
    while (p >= 0) {
      const up = this.clusters[p].parent;
      if (up === c) return ~p;
      p = up;
    }
    return undefined;
  }

  /**
   * Splits a cluster with more than CHUNK_MAX direct children into chunks of consecutive
   * children (in graph order), recursively. A chunk boundary goes where the fewest tensors
   * cross it, searched among the positions that keep chunks between CHUNK_MAX/2 and CHUNK_MAX
   * children: on a residual chain that is between two blocks (one tensor) rather than inside a
   * block (the main path and the skip), so a chunk is a run of whole blocks.
   */
  private chunk(c: Container): void {
    // Most clusters are small: decided before any list is built (a 100,000-node encoder has
    // 13,000 clusters, and each open built and dropped two lists for every one of them).
    if (c.items.length + c.clusters.length <= CHUNK_MAX) return;
    // Graph inputs and outputs stay at the top, outside every chunk.
    let children: number[] = [...c.items.filter((i) => this.items[i].kind === 'node'), ...c.clusters.map((k) => ~k)];
    if (children.length <= CHUNK_MAX) return;
    const firstOf = (x: number) => (x >= 0 ? x : this.clusters[~x].first);
    children.sort((a, b) => firstOf(a) - firstOf(b));
    // edges between direct children of c, as child positions
    const pos = new Map<number, number>();
    children.forEach((x, k) => pos.set(x, k));
    const pairs: number[] = [];
    for (const e of this.edges) {
      if (e.dashed) continue;
      if (this.items[e.s].fold !== FOLD_NONE || this.items[e.t].fold !== FOLD_NONE) continue;
      const a = this.childOf(c.index, e.s), b = this.childOf(c.index, e.t);
      if (a === undefined || b === undefined || a === b) continue;
      const pa = pos.get(a), pb = pos.get(b);
      if (pa !== undefined && pb !== undefined) pairs.push(pa, pb);
    }
    let level = 0;
    let parentKey = c.key;
    while (children.length > CHUNK_MAX) {
      const bounds = chunkBounds(children.length, pairs);
      const chunks: number[] = [];
      const chunkOf = new Int32Array(children.length);
      for (let k = 0; k + 1 < bounds.length; k++) {
        const members = children.slice(bounds[k], bounds[k + 1]);
        const label = `${this.childLabel(members[0], false)} … ${this.childLabel(members[members.length - 1], true)}`;
        const ch = this.addCluster(`chunk:${parentKey}:${level}:${k}`, 'chunk', label, c.index, false);
        ch.first = firstOf(members[0]);
        for (const x of members) {
          if (x >= 0) this.items[x].parent = ch.index;
          else this.clusters[~x].parent = ch.index;
        }
        for (let j = bounds[k]; j < bounds[k + 1]; j++) chunkOf[j] = k;
        chunks.push(~ch.index);
      }
      for (let p = 0; p < pairs.length; p++) pairs[p] = chunkOf[pairs[p]];
      children = chunks;
      parentKey = `${parentKey}:${level}`;
      level++;
    }
    // keys of nested chunk levels must not depend on the iteration: recompute from parents
    this.buildChildren();
    for (const k of c.clusters) this.clusters[k].defaultOpen = false;
  }

  private childLabel(x: number, last: boolean): string {
    if (x < 0) {
      const c = this.clusters[~x];
      if (c.kind !== 'chunk') return c.short;
      const ends = c.label.split(' … ');
      return last ? ends[ends.length - 1] : ends[0];
    }
    const it = this.items[x];
    const name = it.node ? it.node.name || it.node.op : it.value!.name;
    const parts = name.split('/').filter(Boolean);
    return parts.length > 1 ? parts.slice(-2).join('/') : name;
  }

  private finishClusters(): void {
    this.buildChildren();
    // depth, parents first
    const order: number[] = [0];
    for (let k = 0; k < order.length; k++) {
      const c = this.clusters[order[k]];
      for (const d of c.clusters) {
        this.clusters[d].depth = c.depth + 1;
        order.push(d);
      }
    }
    this.order = order;
    for (const it of this.items) {
      if (it.kind !== 'node') continue;
      for (let c = it.parent; c >= 0; c = this.clusters[c].parent) {
        this.clusters[c].size++;
        if (it.fold === FOLD_NONE) this.clusters[c].drawn++;
      }
    }
  }

  /** Clusters, parents before children. */
  private order: number[] = [];

  /**
   * Chooses which clusters start open: the biggest first, as long as the first picture stays
   * within `budget` boxes. Clusters of equal size open together or not at all (the 12 layers of
   * an encoder, not 7 of them), and opening stops at the first batch that does not fit, so the
   * picture shows whole levels of the architecture.
   */
  private openWithinBudget(budget: number): void {
    for (const c of this.clusters) if (c.kind !== 'root') c.defaultOpen = false;
    const root = this.clusters[0];
    // boxes a cluster shows when open (bodies of subgraphs stay drawn as their owner)
    const boxes = (c: Container) => c.items.length + c.clusters.filter((d) => this.clusters[d].kind !== 'sub').length;
    let shown = boxes(root);
    let candidates = root.clusters.filter((k) => this.clusters[k].kind !== 'sub');
    while (candidates.length) {
      let biggest = 0;
      for (const k of candidates) biggest = Math.max(biggest, this.clusters[k].drawn);
      const batch = candidates.filter((k) => this.clusters[k].drawn === biggest);
      let cost = 0;
      for (const k of batch) cost += boxes(this.clusters[k]) - 1;
      if (shown + cost > budget) break;
      shown += cost;
      candidates = candidates.filter((k) => this.clusters[k].drawn !== biggest);
      for (const k of batch) {
        this.clusters[k].defaultOpen = true;
        for (const d of this.clusters[k].clusters) if (this.clusters[d].kind !== 'sub') candidates.push(d);
      }
    }
  }

  // ---- queries --------------------------------------------------------------------------------

  isOpen(key: string, expanded: Set<string>, collapsed: Set<string>): boolean {
    if (key === '') return true;
    if (expanded.has(key)) return true;
    if (collapsed.has(key)) return false;
    return this.containers.get(key)?.defaultOpen ?? true;
  }

  /** Whether folded item i is hidden (drawn as part of its anchor) under these options. */
  hidden(i: number, o: Pick<ViewOptions, 'showFolded' | 'revealed'>): boolean {
    return this.items[i].fold !== FOLD_NONE && !o.showFolded && !o.revealed.has(i);
  }

  visible(o: ViewOptions): VisibleGraph {
    const n = this.items.length;
    const items: VisibleItem[] = [];
    const repOf = new Int32Array(n).fill(-1);
    // topmost closed cluster around each cluster (-1: all open)
    const closedTop = new Int32Array(this.clusters.length).fill(-1);
    for (const k of this.order) {
      const c = this.clusters[k];
      if (c.parent < 0) continue;
      const up = closedTop[c.parent];
      closedTop[k] = up >= 0 ? up : o.isOpen(c) ? -1 : k;
    }
    const groupItem = new Int32Array(this.clusters.length).fill(-1);
    const hasContent = new Uint8Array(this.clusters.length);
    const mark = (c: number) => {
      for (; c >= 0 && !hasContent[c]; c = this.clusters[c].parent) hasContent[c] = 1;
    };
    if (o.flat) closedTop.fill(-1);
    for (let i = 0; i < n; i++) {
      const it = this.items[i];
      const top = closedTop[it.parent];
      if (top >= 0) {
        const c = this.clusters[top];
        if (c.kind === 'sub') {
          repOf[i] = repOf[c.owner!];
          continue;
        }
        let g = groupItem[top];
        if (g < 0) {
          g = groupItem[top] = items.length;
          items.push({ id: `group:${c.key}`, kind: 'group', container: c, frame: c.parent });
          mark(c.parent);
        }
        repOf[i] = g;
        continue;
      }
      if (this.hidden(i, o)) continue; // resolved below, once its anchor has a box
      repOf[i] = items.length;
      items.push({ id: it.id, kind: it.kind, flat: it, frame: o.flat ? 0 : it.parent });
      if (!o.flat) mark(it.parent);
    }
    for (let i = 0; i < n; i++) if (repOf[i] < 0 && this.items[i].anchor >= 0) repOf[i] = repOf[this.items[i].anchor];

    const edges: VisibleEdge[] = [];
    const seen = new Map<number, number>();
    const tensors: Set<string>[] = [];
    const stride = items.length + 1;
    for (const e of this.edges) {
      // A hidden folded node has no edges: it is drawn inside its consumer, and the data a
      // Shape node reads is not data flow.
      if (this.hidden(e.s, o) || this.hidden(e.t, o)) continue;
      const s = repOf[e.s], t = repOf[e.t];
      if (s === t || s < 0 || t < 0) continue;
      const key = s * stride + t;
      const at = seen.get(key);
      if (at !== undefined) {
        // merged edges count the distinct tensors they carry
        if (e.value && !tensors[at].has(e.value.name)) {
          tensors[at].add(e.value.name);
          edges[at].count++;
        }
        continue;
      }
      seen.set(key, edges.length);
      tensors.push(new Set(e.value ? [e.value.name] : []));
      edges.push({ s, t, label: e.value ? shapeText(e.value.shape) : '', dashed: e.dashed, count: 1, key: e.s, tensor: e.value?.name });
    }
    // A tensor read by very many boxes (an attention mask read by every layer) is not drawn as
    // that many edges across the drawing: each reader names it instead.
    const readers = new Map<string, number>();
    for (const e of edges) if (e.tensor !== undefined && e.count === 1) readers.set(`${e.s}\u0000${e.tensor}`, (readers.get(`${e.s}\u0000${e.tensor}`) ?? 0) + 1);
    const refs = new Map<number, string[]>();
    const fanOut = new Map<number, number>();
    const drawn = edges.filter((e) => {
      if (e.tensor === undefined || e.count !== 1 || (readers.get(`${e.s}\u0000${e.tensor}`) ?? 0) <= MAX_READERS) return true;
      let list = refs.get(e.t);
      if (!list) refs.set(e.t, (list = []));
      list.push(e.tensor);
      fanOut.set(e.s, (fanOut.get(e.s) ?? 0) + 1);
      return false;
    });
    const frames = this.order.filter((k) => k !== 0 && hasContent[k] && closedTop[k] < 0).map((k) => this.clusters[k]);
    return { items, edges: drawn, frames, repOf, refs, fanOut };
  }

  /** Cluster keys to open so that flat item `index` is drawn itself, outermost first. */
  pathTo(index: number): string[] {
    const keys: string[] = [];
    for (let c = this.items[index].parent; c > 0; c = this.clusters[c].parent) keys.push(this.clusters[c].key);
    return keys.reverse();
  }

  /** The clusters around item `index`, outermost first (the model itself excluded). */
  clustersAround(index: number): Container[] {
    const out: Container[] = [];
    for (let c = this.items[index].parent; c > 0; c = this.clusters[c].parent) out.push(this.clusters[c]);
    return out.reverse();
  }

  /** Folded nodes drawn as part of the same consumer as folded item i (i included). */
  foldGroup(i: number): number[] {
    const a = this.items[i].anchor;
    if (a < 0) return [i];
    return this.items.filter((x) => x.anchor === a).map((x) => x.index);
  }

  /** Producer items of item i's inputs (flat edges into it). */
  producers(i: number): { item: number; value?: ValueRef }[] {
    const out: { item: number; value?: ValueRef }[] = [];
    for (let k = this.inStart[i]; k < this.inStart[i + 1]; k++) {
      const e = this.edges[this.inEdges[k]];
      out.push({ item: e.s, value: e.value });
    }
    return out;
  }

  /** Consumer items of item i's outputs. */
  consumers(i: number): { item: number; value?: ValueRef }[] {
    const out: { item: number; value?: ValueRef }[] = [];
    for (let k = this.outStart[i]; k < this.outStart[i + 1]; k++) {
      const e = this.edges[this.outEdges[k]];
      out.push({ item: e.t, value: e.value });
    }
    return out;
  }

  /** Weights node i reads through folded nodes (one per folded producer it reads directly). */
  foldedWeights(i: number): FoldedWeight[] {
    const out: FoldedWeight[] = [];
    const seen = new Set<number>();
    for (const { item, value } of this.producers(i)) {
      const p = this.items[item];
      if (p.fold !== FOLD_WEIGHT || seen.has(item) || !value) continue;
      seen.add(item);
      const shape = this.foldedShape(item, value, 0);
      out.push({ producer: item, tensor: value.name, shape, elementCount: shape ? shape.reduce((a, b) => a * b, 1) : 0 });
    }
    return out;
  }

  /** The shape of a folded weight: recorded, else that of the weight an Identity/Cast/… copies,
   *  else a Constant's value. */
  private foldedShape(i: number, value: ValueRef, depth: number): number[] | undefined {
    if (value.shape && value.shape.every((d): d is number => typeof d === 'number')) return value.shape;
    const n = this.items[i].node;
    if (!n || depth > 16) return undefined;
    if (n.op === 'Constant' || n.op === 'Const') {
      const a = n.attributes.find((x) => x.name === 'value');
      const m = a && /\[([\d, ]*)\]/.exec(a.value);
      if (m) return m[1].trim() ? m[1].split(',').map((d) => Number(d.trim())) : [];
      return undefined;
    }
    if (!SHAPE_PRESERVING.has(n.op)) return undefined;
    const w = n.weights.find((x) => x.name === n.inputs[0]?.name);
    if (w) return w.shape;
    const from = this.producers(i).find((p) => p.value?.name === n.inputs[0]?.name);
    return from?.value ? this.foldedShape(from.item, from.value, depth + 1) : undefined;
  }

  /** Folded shape arithmetic feeding node i (through folded producers only). */
  shapeComputation(i: number): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    const stack = this.producers(i).map((p) => p.item).filter((p) => this.items[p].fold === FOLD_SHAPE);
    while (stack.length) {
      const p = stack.pop()!;
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(p);
      for (const q of this.producers(p)) if (this.items[q.item].fold !== FOLD_NONE) stack.push(q.item);
    }
    return out.sort((a, b) => a - b);
  }

  /** Parameters of node i as drawn: its weights and the weights folded into it. */
  nodeParameters(i: number): number {
    const it = this.items[i];
    if (!it.node || it.fold !== FOLD_NONE) return 0;
    let p = it.node.parameters;
    // Most nodes read no folded weight: look before collecting (a cluster's parameter count
    // visits every node inside it, 100,000 in the first picture of the bench model).
    let folded = false;
    for (let k = this.inStart[i]; k < this.inStart[i + 1] && !folded; k++) folded = this.items[this.edges[this.inEdges[k]].s].fold === FOLD_WEIGHT;
    if (folded) for (const w of this.foldedWeights(i)) p += w.elementCount;
    return p;
  }

  private clusterStats = new Map<number, { ops: Map<string, number>; params: number }>();

  /** Op mix (drawn nodes) and parameters of a cluster, computed on first use. */
  stats(c: number): { ops: Map<string, number>; params: number } {
    let s = this.clusterStats.get(c);
    if (s) return s;
    const ops = new Map<string, number>();
    let params = 0;
    const cl = this.clusters[c];
    for (const i of cl.items) {
      const n = this.items[i].node;
      if (!n) continue;
      ops.set(n.op, (ops.get(n.op) ?? 0) + 1);
      params += this.nodeParameters(i);
    }
    for (const d of cl.clusters) {
      const sub = this.stats(d);
      params += sub.params;
      for (const [op, k] of sub.ops) ops.set(op, (ops.get(op) ?? 0) + k);
    }
    s = { ops, params };
    this.clusterStats.set(c, s);
    return s;
  }

  /** Worst measured dead share per cluster, from per-node results. */
  worstDead(deadByNode: Map<string, number>): Float64Array {
    const worst = new Float64Array(this.clusters.length).fill(-1);
    if (!deadByNode.size) return worst;
    for (const it of this.items) {
      const d = it.node ? deadByNode.get(it.node.name) : undefined;
      if (d === undefined) continue;
      for (let c = it.parent; c >= 0; c = this.clusters[c].parent) if (worst[c] < d) worst[c] = d;
    }
    return worst;
  }

  /** Case-insensitive search over node names, op types and tensor names. */
  search(query: string): number[] {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const hay = this.searchIndex();
    const out: number[] = [];
    for (let i = 0; i < hay.length; i++) if (hay[i].includes(q)) out.push(i);
    return out;
  }

  /** One lower-cased string per item: name, op, tensors and weights, separated so no match spans two. */
  searchIndex(): string[] {
    if (this.haystack) return this.haystack;
    this.haystack = this.items.map((it) => {
      if (it.kind !== 'node') return it.value!.name.toLowerCase();
      const n = it.node!;
      let s = `${n.name}\u0000${n.op}`;
      for (const v of n.inputs) s += `\u0000${v.name}`;
      for (const v of n.outputs) s += `\u0000${v.name}`;
      for (const w of n.weights) s += `\u0000${w.name}`;
      return s.toLowerCase();
    });
    return this.haystack;
  }
}

/** Ops that keep their input's shape: a folded Identity/Cast of a weight has the weight's shape. */
const SHAPE_PRESERVING = new Set(['Identity', 'Cast', 'CastLike', 'DequantizeLinear', 'QuantizeLinear', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Reciprocal', 'Relu', 'Sigmoid', 'Tanh']);

interface Scope {
  values: Map<string, number>;
  parent?: Scope;
}

function resolve(scope: Scope | undefined, name: string): number | undefined {
  for (let s = scope; s; s = s.parent) {
    const v = s.values.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The scope path hidden in a Keras layer name, as "a/b/c": Keras applications name layers
 * `block1_conv1` (VGG), `conv2_block1_1_conv` (ResNet), `block_1_expand_relu` (MobileNetV2),
 * `block1a_se_squeeze` (EfficientNet). The last part is the layer itself; before it, every run of
 * parts that ends in a numbered part (`block1`, `block_1`, `1`) is one level, named by the whole
 * prefix up to it. Counters of default names (`dense_3`), dimension suffixes (`conv2d`,
 * `max_pooling2d`) and unnumbered parts are no levels: "dense_3" and "max_pooling2d_1" have none.
 */
export function kerasScope(name: string): string {
  const parts = name.split('_');
  if (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1])) parts.pop(); // dense_3
  parts.pop(); // the layer itself
  const levels: string[] = [];
  for (let k = 0; k < parts.length; k++) {
    if (/\d/.test(parts[k]) && !/\dd$/.test(parts[k])) levels.push(parts.slice(0, k + 1).join('_'));
  }
  return levels.join('/');
}

/**
 * Boundaries [0, …, n] of chunks of n children in order, each of CHUNK_MAX/2 … CHUNK_MAX children
 * (the last may be smaller), ending where the fewest edges cross. `pairs` are edges as
 * (position, position).
 */
export function chunkBounds(n: number, pairs: ArrayLike<number>, max = CHUNK_MAX): number[] {
  // cut[b]: edges crossing the boundary before position b
  const diff = new Int32Array(n + 1);
  for (let p = 0; p + 1 < pairs.length; p += 2) {
    const a = Math.min(pairs[p], pairs[p + 1]), b = Math.max(pairs[p], pairs[p + 1]);
    if (a === b) continue;
    diff[a + 1]++;
    diff[b + 1]--;
  }
  const cut = new Int32Array(n + 1);
  for (let b = 1; b <= n; b++) cut[b] = cut[b - 1] + diff[b];
  const count = Math.ceil(n / max);
  const target = Math.ceil(n / count);
  const min = Math.max(1, Math.floor(target / 2));
  const bounds = [0];
  let start = 0;
  while (n - start > max) {
    let best = -1;
    for (let b = start + min; b <= Math.min(start + target, n - 1); b++) if (best < 0 || cut[b] <= cut[best]) best = b;
    bounds.push(best);
    start = best;
  }
  bounds.push(n);
  return bounds;
}
