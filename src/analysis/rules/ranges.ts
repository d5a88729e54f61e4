// Value ranges by interval propagation over the graph: what every element of a tensor can be,
// for every input. Graph inputs and learned values are unbounded; activations bound their outputs
// (ReLU ≥ 0, Sigmoid in [0, 1], Clip(lo, hi) …) and shape/pool ops keep their input's range.
import type { Node } from '../../core/model';
import { InternalErrorLog } from '../../core/internalErrors';
import { activationOf } from '../activations';
import { PASS_THROUGH, type GraphIndex } from './graphIndex';

export interface Interval {
  lo: number;
  hi: number;
  /** The node whose output bounded the range, for messages ("≥ 0, from Relu 'r1'"). */
  from?: string;
}

const ANY: Interval = { lo: -Infinity, hi: Infinity };

/** A parameter of an activation, when the file's value is usable (finite). */
function param(params: Record<string, number>, name: string, fallback: number): number | undefined {
  const v = Object.hasOwn(params, name) ? params[name] : fallback;
  return Number.isFinite(v) ? v : undefined;
}

function activationRange(op: string, params: Record<string, number>, x: Interval): Interval | undefined {
  switch (op) {
    case 'Relu': return { lo: Math.max(0, x.lo), hi: Math.max(0, x.hi) };
    case 'Relu6': {
      const max = param(params, 'max', 6);
      if (max === undefined) return undefined;
      return { lo: Math.min(Math.max(0, x.lo), max), hi: Math.min(Math.max(0, x.hi), max) };
    }
    case 'Sigmoid': case 'HardSigmoid': case 'Softmax': return { lo: 0, hi: 1 };
    case 'Tanh': case 'Softsign': return { lo: -1, hi: 1 };
    case 'Softplus': return { lo: 0, hi: Infinity };
    case 'Elu': {
      const alpha = param(params, 'alpha', 1);
      return alpha === undefined ? undefined : { lo: Math.min(0, -alpha), hi: Infinity };
    }
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
  // A NaN bound from the file bounds nothing.
  return [Number.isNaN(min) ? -Infinity : min, Number.isNaN(max) ? Infinity : max];
}

/** The smallest lo and largest hi (or both largest / both smallest) over many intervals, in a loop:
 *  Math.min(...list) with 200,000 inputs overflows the stack. */
function combine(data: Interval[], lo: 'min' | 'max', hi: 'min' | 'max'): Interval {
  let l = lo === 'min' ? Infinity : -Infinity;
  let h = hi === 'min' ? Infinity : -Infinity;
  for (const d of data) {
    l = lo === 'min' ? Math.min(l, d.lo) : Math.max(l, d.lo);
    h = hi === 'min' ? Math.min(h, d.hi) : Math.max(h, d.hi);
  }
  return { lo: l, hi: h };
}

export function computeRanges(index: GraphIndex, log = new InternalErrorLog()): Map<string, Interval> {
  const ranges = new Map<string, Interval>();
  for (const node of index.graph.nodes) {
    try {
      nodeRange(index, node, ranges);
    } catch (e) {
      log.report('value-range propagation', `node '${node.name || node.opType}'`, e);
    }
  }
  return ranges;
}

function nodeRange(index: GraphIndex, node: Node, ranges: Map<string, Interval>): void {
  const get = (name: string): Interval => ranges.get(name) ?? ANY;
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
    const data = index.dataInputs(node).map(get);
    if (data.length && data.length === ins.length) {
      out = node.opType === 'Max' ? combine(data, 'max', 'max') : node.opType === 'Min' ? combine(data, 'min', 'min') : combine(data, 'min', 'max');
    }
  } else if ((node.opType === 'Add' || node.opType === 'Sum') && ins.length >= 2 && index.dataInputs(node).length === ins.length) {
    const data = ins.map(get);
    out = { lo: data.reduce((s, d) => s + d.lo, 0), hi: data.reduce((s, d) => s + d.hi, 0) };
  }
  if (out && (out.lo > -Infinity || out.hi < Infinity)) {
    if (Number.isNaN(out.lo) || Number.isNaN(out.hi)) return;
    const from = act || node.opType === 'Clip' ? node.name || node.opType : first.from;
    for (const o of node.outputs) if (o) ranges.set(o, { ...out, from });
  }
}
