// The summary `activation-lens inspect` prints: the same fields for every format.
import { fileKeyed, ModelError, printable, type Dim, type Graph, type Model, type Node } from '../core/model';
import { activationOf } from './activations';
import { constantScalarLookup } from './constants';

export interface ModelSummary {
  file: string;
  format: Model['format'];
  producer: string;
  producerVersion: string;
  irVersion: number | null;
  opsets: Record<string, number>;
  metadata: Record<string, string>;
  inputs: { name: string; dtype: string; shape: Dim[] | null }[];
  outputs: { name: string; dtype: string; shape: Dim[] | null }[];
  nodeCount: number;
  nodeCountAll: number;
  ops: Record<string, number>;
  parameters: number;
  initializers: number;
  activations: { node: string; op: string; activation: string }[];
  functions: string[];
  warnings: string[];
}

function countAll(nodes: Node[]): number {
  let n = nodes.length;
  for (const node of nodes) {
    for (const a of node.attributes) {
      if (a.value.type === 'graph') n += countAll(a.value.value.nodes);
      if (a.value.type === 'graphs') for (const g of a.value.value) n += countAll(g.nodes);
    }
  }
  return n;
}

/** The number of parameters the weights declare, exactly: a ModelError past 2^53 (where float64
 *  counts stop being exact and sums reach Infinity). Claimed counts are what the file says; the
 *  readers check them against stored bytes where the bytes are in the file. */
function parameterCount(model: Model): number {
  let total = 0;
  for (const t of model.graph.initializers) {
    total += t.elementCount;
    // Each count is exact (≤ 2^53 − 1); a sum that is not has passed 2^53.
    if (!Number.isSafeInteger(total)) throw new ModelError(`${model.path}: the weights declare more than 2^53 parameters, which no real model has`);
  }
  return total;
}

export function summarize(model: Model): ModelSummary {
  const g: Graph = model.graph;
  // Op types come from the file: a plain object would count 'constructor' onto Object's function.
  const ops = fileKeyed<number>();
  for (const n of g.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  let nodeCountAll = countAll(g.nodes);
  for (const f of model.functions) nodeCountAll += countAll(f.nodes);
  const constScalar = constantScalarLookup(g);
  const activations: ModelSummary['activations'] = [];
  for (const n of g.nodes) {
    const act = activationOf(n, constScalar);
    if (act) activations.push({ node: n.name, op: n.opType, activation: act.op });
  }
  return {
    file: model.path,
    format: model.format,
    producer: model.producer.name,
    producerVersion: model.producer.version,
    irVersion: model.irVersion ?? null,
    opsets: model.opsets,
    metadata: model.metadata,
    inputs: g.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape ?? null })),
    outputs: g.outputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape ?? null })),
    nodeCount: g.nodes.length,
    nodeCountAll,
    ops,
    parameters: parameterCount(model),
    initializers: g.initializers.length,
    activations,
    functions: model.functions.map((f) => (f.domain ? `${f.domain}.${f.name}` : f.name)),
    // One line each: names from the file inside a warning cannot break it up.
    warnings: model.warnings.map((w) => printable(w, 2000)),
  };
}
