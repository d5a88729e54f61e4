// Which nodes of a model can make a run take unbounded time or memory, found statically before
// it runs. Used to name the node when a run is stopped by its time or memory limit.
//
// Why static: onnxruntime does not say which node it is executing (its release builds log no
// per-node events, and a profile is written only when the run ends), and a run stopped from
// outside gives no trace. What does make one operator run for ever or allocate terabytes is
// visible in the graph: a Loop whose trip count is huge or absent, and ops whose output size is a
// constant in the file (Expand, ConstantOfShape, Tile, Resize, Upsample). When a stopped run
// has such a node, the message names it and says why; when it has none, the message says the time
// was spent in the model as a whole rather than blame a node it cannot know.
import type { Graph, Model, Node, Tensor } from '../core/model';

export interface RunHazard {
  node: string;
  op: string;
  kind: 'loop' | 'size';
  /** Why: "1,099,511,627,776 iterations", "no iteration limit", "output [1048576, 1048576, 4]". */
  detail: string;
  /** Trip count (loops; Infinity when unbounded) or output elements (size ops), to rank them. */
  weight: number;
  /** Size ops: the output shape when every factor is a constant. */
  shape?: number[];
}

/** Output elements from which a size op counts as a hazard (1 GiB of float32). */
const SIZE_HAZARD_ELEMENTS = 2 ** 28;
/** Loop trip counts from which a Loop counts as a hazard. */
const LOOP_HAZARD_TRIPS = 1e6;

export async function findRunHazards(model: Model): Promise<RunHazard[]> {
  const hazards: RunHazard[] = [];
  await visit(model.graph, hazards, 0);
  return hazards.sort((a, b) => (a.kind === b.kind ? b.weight - a.weight : a.kind === 'loop' ? -1 : 1));
}

async function visit(graph: Graph, out: RunHazard[], depth: number): Promise<void> {
  if (depth > 8) return;
  const constants = constantLookup(graph);
  const shapes = new Map<string, number[]>();
  for (const v of graph.inputs) if (v.shape && v.shape.every((d) => typeof d === 'number')) shapes.set(v.name, v.shape as number[]);
  let checked = 0;
  for (const node of graph.nodes) {
    if (++checked > 100_000) break; // bounded work on hostile graphs
    const name = node.name || node.outputs[0] || node.opType;
    if (node.opType === 'Loop' && node.domain === '') {
      const m = node.inputs[0];
      if (!m) {
        out.push({ node: name, op: 'Loop', kind: 'loop', detail: 'no iteration limit', weight: Infinity });
      } else {
        const trips = await constantInts(constants, m);
        if (!trips) out.push({ node: name, op: 'Loop', kind: 'loop', detail: 'an iteration count computed at run time', weight: Number.MAX_VALUE });
        else if (trips[0] >= LOOP_HAZARD_TRIPS) out.push({ node: name, op: 'Loop', kind: 'loop', detail: `${trips[0].toLocaleString('en-US')} iterations`, weight: trips[0] });
      }
    }
    const shape = await constantOutputShape(node, constants, shapes);
    if (shape) {
      const elements = shape.reduce((a, b) => a * b, 1);
      if (elements >= SIZE_HAZARD_ELEMENTS) out.push({ node: name, op: node.opType, kind: 'size', detail: `output [${shape.join(', ')}]`, weight: elements, shape });
    }
    for (const a of node.attributes) {
      if (a.value.type === 'graph') await visit(a.value.value, out, depth + 1);
      else if (a.value.type === 'graphs') for (const g of a.value.value) await visit(g, out, depth + 1);
    }
  }
}

type ConstantLookup = (name: string) => Tensor | undefined;

function constantLookup(graph: Graph): ConstantLookup {
  const byName = new Map<string, Tensor>();
  for (const t of graph.initializers) byName.set(t.name, t);
  for (const n of graph.nodes) {
    if (n.opType !== 'Constant' || !n.outputs[0]) continue;
    const a = n.attributes.find((x) => x.name === 'value');
    if (a?.value.type === 'tensor') byName.set(n.outputs[0], a.value.value);
  }
  return (name) => byName.get(name);
}

/** A small constant integer/float tensor's values (at most 16 elements), else undefined. */
async function constantInts(lookup: ConstantLookup, name: string): Promise<number[] | undefined> {
  const t = lookup(name);
  if (!t || t.elementCount > 16 || t.location === 'none') return undefined;
  try {
    const values: number[] = [];
    for await (const chunk of t.values(16)) values.push(...chunk);
    return values.every((v) => Number.isFinite(v)) ? values : undefined;
  } catch {
    return undefined;
  }
}

/** The output shape of a size op whose sizes are constants in the file. */
async function constantOutputShape(node: Node, lookup: ConstantLookup, shapes: Map<string, number[]>): Promise<number[] | undefined> {
  if (node.domain !== '') return undefined;
  const input = shapes.get(node.inputs[0]);
  switch (node.opType) {
    case 'Expand': {
      const target = await constantInts(lookup, node.inputs[1]);
      if (!target) return undefined;
      return broadcast(input ?? [], target);
    }
    case 'ConstantOfShape':
      return constantInts(lookup, node.inputs[0]);
    case 'Tile': {
      const repeats = await constantInts(lookup, node.inputs[1]);
      if (!repeats || !input || input.length !== repeats.length) return undefined;
      return input.map((d, i) => d * repeats[i]);
    }
    case 'Resize':
    case 'Upsample': {
      const sizes = node.opType === 'Resize' && node.inputs[3] ? await constantInts(lookup, node.inputs[3]) : undefined;
      if (sizes) return sizes;
      const scales = await constantInts(lookup, node.opType === 'Resize' ? node.inputs[2] : node.inputs[1]);
      if (!scales) return undefined;
      // Unknown input sizes count as 1: the output is at least this large.
      return scales.map((s, i) => Math.floor((input?.[i] ?? 1) * s));
    }
    default:
      return undefined;
  }
}

function broadcast(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : Math.max(x, y));
  }
  return out;
}
