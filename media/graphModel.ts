// The viewer's graph model: flattens the host's nested graph (subgraphs of If/Loop/Scan included),
// groups nodes by name scope (`/layer1/0/conv1/Conv` → layer1 › 0 › conv1), and computes the
// graph that is visible for a set of open/closed containers.
import type { GraphInfo, NodeInfo, ValueRef } from '../src/protocol';

/** Above this many nodes, name-scope groups start closed… */
export const GROUP_THRESHOLD = 200;
/** …except the biggest ones, opened while the first picture stays under this many boxes. */
export const FIRST_PICTURE_BUDGET = 120;

export type FlatKind = 'node' | 'input' | 'output';

export interface FlatItem {
  index: number;
  kind: FlatKind;
  /** data-node-id: the node's unique id; `input:NAME` / `output:NAME` for graph inputs/outputs */
  id: string;
  node?: NodeInfo;
  value?: ValueRef;
  /** Container keys, outermost first. */
  ancestors: string[];
  /** Owning node of the subgraph this node belongs to. */
  owner?: number;
}

export interface Container {
  key: string;
  kind: 'group' | 'sub';
  /** Display label: the scope path "layer1 › 0", or a body's attribute "then_branch". */
  label: string;
  /** The last part of the label ("0"), for boxes and frames drawn inside their parent. */
  short: string;
  /** Nodes inside, at any depth. */
  size: number;
  ops: Map<string, number>;
  owner?: number;
  defaultOpen: boolean;
  depth: number;
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
  /** Open containers around it, outermost first (for frames). */
  ancestors: string[];
}

export interface VisibleEdge {
  s: number;
  t: number;
  label: string;
  dashed: boolean;
  /** Distinct tensors this edge stands for (several when it enters or leaves a closed group). */
  count: number;
}

export interface VisibleGraph {
  items: VisibleItem[];
  edges: VisibleEdge[];
  /** Open containers whose members are on screen: drawn as frames around them. */
  frames: Container[];
  /** Flat item index → index in `items` of what represents it. */
  repOf: Int32Array;
}

export function shapeText(shape: ValueRef['shape']): string {
  if (shape === undefined) return '';
  if (shape === null) return '?';
  return shape.length === 0 ? 'scalar' : shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

export class GraphModel {
  readonly items: FlatItem[] = [];
  readonly edges: FlatEdge[] = [];
  readonly containers = new Map<string, Container>();
  readonly byId = new Map<string, FlatItem>();
  /** Flat item → outgoing/incoming flat edges. */
  readonly nodeCount: number;

  constructor(readonly root: GraphInfo) {
    const rootNodes = root.nodes.length;
    const groupKeys = scopeGroups(root.nodes, rootNodes);
    const rootScope = new Map<string, number>();
    for (const v of root.inputs) {
      const it = this.add({ kind: 'input', id: `input:${v.name}`, value: v, ancestors: [] });
      rootScope.set(v.name, it.index);
    }
    this.flatten(root, [], undefined, { values: rootScope }, groupKeys);
    for (const v of root.outputs) {
      const it = this.add({ kind: 'output', id: `output:${v.name}`, value: v, ancestors: [] });
      const p = rootScope.get(v.name);
      if (p !== undefined) this.edges.push({ s: p, t: it.index, value: v, dashed: false });
    }
    this.nodeCount = this.items.filter((i) => i.kind === 'node').length;
    if (root.nodes.length > GROUP_THRESHOLD) this.openWithinBudget(FIRST_PICTURE_BUDGET);
  }

  /**
   * Chooses which closed groups start open: biggest first, as long as the number of boxes drawn
   * stays within `budget`. A model whose nodes all sit in one scope ("/model/…") would otherwise
   * open as a single box.
   */
  private openWithinBudget(budget: number): void {
    // direct children of each group, and the top level
    const children = new Map<string, Set<string>>();
    const top = new Set<string>();
    for (const it of this.items) {
      const groups = it.ancestors.filter((k) => this.containers.get(k)!.kind === 'group');
      if (it.ancestors.length && this.containers.get(it.ancestors[0])!.kind === 'sub') continue;
      if (!groups.length) {
        if (it.owner === undefined) top.add(it.id);
        continue;
      }
      top.add(groups[0]);
      for (let a = 0; a < groups.length; a++) {
        let set = children.get(groups[a]);
        if (!set) children.set(groups[a], (set = new Set()));
        set.add(a + 1 < groups.length ? groups[a + 1] : it.id);
      }
    }
    let shown = top.size;
    const candidates = [...top].filter((k) => children.has(k));
    while (candidates.length) {
      candidates.sort((a, b) => this.containers.get(b)!.size - this.containers.get(a)!.size);
      const key = candidates.shift()!;
      const add = children.get(key)!.size - 1;
      if (shown + add > budget) continue;
      shown += add;
      this.containers.get(key)!.defaultOpen = true;
      for (const c of children.get(key)!) if (children.has(c)) candidates.push(c);
    }
  }

  private add(it: Omit<FlatItem, 'index'>): FlatItem {
    let id = it.id;
    for (let k = 2; this.byId.has(id); k++) id = `${it.id}#${k}`;
    const item = it as FlatItem;
    item.id = id;
    item.index = this.items.length;
    this.items.push(item);
    this.byId.set(id, item);
    return item;
  }

  private container(key: string, kind: Container['kind'], label: string, depth: number, defaultOpen: boolean, owner?: number): Container {
    let c = this.containers.get(key);
    if (!c) {
      const short = kind === 'group' ? key.slice(key.lastIndexOf('/') + 1) : label;
      c = { key, kind, label, short, size: 0, ops: new Map(), defaultOpen, depth, owner };
      this.containers.set(key, c);
    }
    return c;
  }

  private flatten(graph: GraphInfo, base: string[], owner: number | undefined, scope: Scope, groupKeys?: Map<NodeInfo, string[]>): void {
    const large = graph.nodes.length > GROUP_THRESHOLD;
    for (const node of graph.nodes) {
      const ancestors = [...base];
      for (const key of groupKeys?.get(node) ?? []) {
        this.container(key, 'group', key.split('/').join(' › '), ancestors.length, !large);
        ancestors.push(key);
      }
      const item = this.add({ kind: 'node', id: node.id, node, ancestors, owner });
      for (const key of ancestors) {
        const c = this.containers.get(key)!;
        c.size++;
        c.ops.set(node.op, (c.ops.get(node.op) ?? 0) + 1);
      }
      const weightNames = new Set(node.weights.map((w) => w.name));
      let incoming = 0;
      for (const input of node.inputs) {
        if (weightNames.has(input.name)) continue;
        // Inside a body, values from enclosing graphs are not drawn as edges: the body hangs
        // below its owning node instead of being pulled across the drawing.
        const p = owner === undefined ? resolve(scope, input.name) : scope.values.get(input.name);
        if (p !== undefined) {
          this.edges.push({ s: p, t: item.index, value: input, dashed: false });
          incoming++;
        }
      }
      if (incoming === 0 && owner !== undefined) this.edges.push({ s: owner, t: item.index, dashed: true });
      for (const out of node.outputs) scope.values.set(out.name, item.index);
      for (const sub of node.subgraphs) {
        const key = `sub:${node.id}:${sub.attribute}`;
        this.container(key, 'sub', sub.attribute, ancestors.length, false, item.index);
        const subScope: Scope = { values: new Map(), parent: scope };
        this.flatten(sub.graph, [...ancestors, key], item.index, subScope);
      }
    }
  }

  isOpen(key: string, expanded: Set<string>, collapsed: Set<string>): boolean {
    if (expanded.has(key)) return true;
    if (collapsed.has(key)) return false;
    return this.containers.get(key)?.defaultOpen ?? true;
  }

  visible(expanded: Set<string>, collapsed: Set<string>): VisibleGraph {
    const n = this.items.length;
    const items: VisibleItem[] = [];
    const repOf = new Int32Array(n).fill(-1);
    const groupItem = new Map<string, number>();
    const frames = new Set<string>();
    for (let i = 0; i < n; i++) {
      const it = this.items[i];
      let rep = -1;
      for (let a = 0; a < it.ancestors.length; a++) {
        const key = it.ancestors[a];
        if (this.isOpen(key, expanded, collapsed)) {
          frames.add(key);
          continue;
        }
        const c = this.containers.get(key)!;
        if (c.kind === 'sub') {
          rep = repOf[c.owner!];
        } else {
          let g = groupItem.get(key);
          if (g === undefined) {
            g = items.length;
            items.push({ id: `group:${key}`, kind: 'group', container: c, ancestors: it.ancestors.slice(0, a) });
            groupItem.set(key, g);
          }
          rep = g;
        }
        break;
      }
      if (rep === -1) {
        rep = items.length;
        items.push({ id: it.id, kind: it.kind, flat: it, ancestors: it.ancestors });
      }
      repOf[i] = rep;
    }
    const edges: VisibleEdge[] = [];
    const seen = new Map<number, number>();
    const tensors: Set<string>[] = [];
    const stride = items.length + 1;
    for (const e of this.edges) {
      const s = repOf[e.s], t = repOf[e.t];
      if (s === t) continue;
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
      edges.push({ s, t, label: e.value ? shapeText(e.value.shape) : '', dashed: e.dashed, count: 1 });
    }
    // Frames are only drawn for open containers with something of theirs visible.
    const openFrames = [...frames].map((k) => this.containers.get(k)!).filter((c) => c.size > 0);
    return { items, edges, frames: openFrames, repOf };
  }

  /** Keys to open so that flat item `index` is drawn itself. */
  pathTo(index: number): string[] {
    return this.items[index].ancestors;
  }

  /** Case-insensitive search over node names, op types and tensor names. */
  search(query: string): number[] {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const out: number[] = [];
    for (const it of this.items) {
      if (it.kind !== 'node') {
        if (it.value!.name.toLowerCase().includes(q)) out.push(it.index);
        continue;
      }
      const n = it.node!;
      if (
        n.name.toLowerCase().includes(q) ||
        n.op.toLowerCase().includes(q) ||
        n.inputs.some((v) => v.name.toLowerCase().includes(q)) ||
        n.outputs.some((v) => v.name.toLowerCase().includes(q)) ||
        n.weights.some((w) => w.name.toLowerCase().includes(q))
      )
        out.push(it.index);
    }
    return out;
  }
}

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

/** Name-scope path of a node name: "/layer1/0/conv1/Conv" → ["layer1", "0", "conv1"]. */
export function scopeOf(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '');
  return parts.slice(0, -1);
}

/**
 * The group keys each node belongs to, outermost first. A scope becomes a group only when it
 * holds at least two nodes and fewer than its enclosing group (a scope around everything, such as
 * TF's "model/", would only add a click).
 */
function scopeGroups(nodes: NodeInfo[], total: number): Map<NodeInfo, string[]> {
  const count = new Map<string, number>();
  const paths = nodes.map((n) => {
    const scope = scopeOf(n.name);
    const keys: string[] = [];
    for (let i = 1; i <= scope.length; i++) keys.push(scope.slice(0, i).join('/'));
    for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
    return keys;
  });
  const out = new Map<NodeInfo, string[]>();
  nodes.forEach((n, i) => {
    const chosen: string[] = [];
    let enclosing = total;
    for (const k of paths[i]) {
      const c = count.get(k)!;
      if (c >= 2 && c < enclosing) {
        chosen.push(k);
        enclosing = c;
      }
    }
    out.set(n, chosen);
  });
  return out;
}
