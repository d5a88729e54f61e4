// Value ranges by interval propagation over the graph: what every element of a tensor can be,
// for every input. Graph inputs and learned values are unbounded; activations bound their outputs
// (ReLU ≥ 0, Sigmoid in [0, 1], Clip(lo, hi) …) and shape/pool ops keep their input's range.
import type { Node } from '../../core/model';
import { activationOf } from '../activations';
import { PASS_THROUGH, type GraphIndex } from './graphIndex';

export interface Interval {
  lo: number;
  hi: number;
  /** The node whose output bounded the range, for messages ("≥ 0, from Relu 'r1'"). */
  from?: string;
}

const ANY: Interval = { lo: -Infinity, hi: Infinity };

function activationRange(op: string, params: Record<string, number>, x: Interval): Interval | undefined {
  switch (op) {
    case 'Relu': return { lo: Math.max(0, x.lo), hi: Math.max(0, x.hi) };
    case 'Relu6': {
      const max = params.max ?? 6;
      return { lo: Math.min(Math.max(0, x.lo), max), hi: Math.min(Math.max(0, x.hi), max) };
    }
    case 'Sigmoid': case 'HardSigmoid': case 'Softmax': return { lo: 0, hi: 1 };
    case 'Tanh': case 'Softsign': return { lo: -1, hi: 1 };
    case 'Softplus': return { lo: 0, hi: Infinity };
    case 'Elu': return { lo: -(params.alpha ?? 1), hi: Infinity };
    case 'Selu': return { lo: -1.7581, hi: Infinity };
    case 'ThresholdedRelu': return { lo: 0, hi: Math.max(0, x.hi) };
    default: return undefined;
  }
}

function clipBounds(node: Node, index: GraphIndex): [number, number] {
  let min = -Infinity, max = Infinity;
  for (const a of node.attributes) {
    if (a.name === 'min' && a.value.type === 'float') min = a.value.value;
    if (a.name === 'max' && a.value.type === 'float') max = a.value.value;
  }
  if (node.inputs[1]) min = index.constScalar(node.inputs[1]) ?? -Infinity;
  if (node.inputs[2]) max = index.constScalar(node.inputs[2]) ?? Infinity;
  return [min, max];
}

export function computeRanges(index: GraphIndex): Map<string, Interval> {
  const ranges = new Map<string, Interval>();
  const get = (name: string): Interval => ranges.get(name) ?? ANY;
  for (const node of index.graph.nodes) {
    let out: Interval | undefined;
    const ins = node.inputs.filter((i) => i);
    const first = ins.length ? get(ins[0]) : ANY;
    const act = activationOf(node, index.constScalar);
    if (node.opType === 'Clip' && node.domain === '') {
      const [min, max] = clipBounds(node, index);
      out = { lo: Math.min(Math.max(first.lo, min), max), hi: Math.max(Math.min(first.hi, max), min) };
    } else if (act) {
      // A fused activation applies to the layer's linear output, which is unbounded.
      out = activationRange(act.op, act.params, act.fused ? ANY : first);
    } else if (PASS_THROUGH.has(node.opType)) {
      out = { ...first };
      if (node.opType === 'Pad' || node.opType === 'ZeroPadding2D') out = { lo: Math.min(0, first.lo), hi: Math.max(0, first.hi) };
    } else if (node.opType === 'Concat' || node.opType === 'Concatenate' || node.opType === 'Max' || node.opType === 'Min') {
      const data = ins.filter((i) => !index.isConst(i)).map(get);
      if (data.length && data.length === ins.length) {
        out = node.opType === 'Max'
          ? { lo: Math.max(...data.map((d) => d.lo)), hi: Math.max(...data.map((d) => d.hi)) }
          : node.opType === 'Min'
            ? { lo: Math.min(...data.map((d) => d.lo)), hi: Math.min(...data.map((d) => d.hi)) }
            : { lo: Math.min(...data.map((d) => d.lo)), hi: Math.max(...data.map((d) => d.hi)) };
      }
    } else if ((node.opType === 'Add' || node.opType === 'Sum') && ins.length >= 2 && ins.every((i) => !index.isConst(i))) {
      const data = ins.map(get);
      out = { lo: data.reduce((s, d) => s + d.lo, 0), hi: data.reduce((s, d) => s + d.hi, 0) };
    }
    if (out && (out.lo > -Infinity || out.hi < Infinity)) {
      if (Number.isNaN(out.lo) || Number.isNaN(out.hi)) continue;
      const from = act || node.opType === 'Clip' ? node.name || node.opType : first.from;
      for (const o of node.outputs) if (o) ranges.set(o, { ...out, from });
    }
  }
  return ranges;
}
