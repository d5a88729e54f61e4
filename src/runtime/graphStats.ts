// Activation statistics computed inside the ONNX graph, by onnxruntime's own kernels, so the
// captured tensors never leave the runtime: per unit (channel) the count of positive values and
// the maximum (and for activations that can be negative, the negatives and the minimum), over
// every value; and the first sample of a batch (runActivations.ts, DISTRIBUTION_EVERY), from
// which JavaScript takes the mean, the standard deviation and the histogram.
//
// Why: onnxruntime-node copies every fetched output into a fresh JavaScript buffer, and
// JavaScript statistics cost ≈3 ns per value even without data-dependent branches. Measured on
// torchvision ResNet-50 (8 samples per call, one thread, CPU time against plain inference):
// fetching every ReLU output alone costs +30–45%, and our statistics on them as much again;
// each reduction here is a vectorised pass in onnxruntime costing ≈4–5%, and exact sums and
// squares for the moments would add three more passes (+15%), so the moments come from the
// sample instead. What stays in JavaScript is a few numbers per unit and at most one sample per
// batch.
//
// How, per activation output T (float):
//   channels first (conv, NCHW): X = Reshape(T, [0, 0, -1]) → [N, C, K];
//     positives = GlobalAveragePool(HardSigmoid(X, α = 2¹²⁶, β = 0)) — HardSigmoid is 1 for
//     every normal x > 0 and 0 for x ≤ 0, so its mean × K is the count of positives —, max =
//     GlobalMaxPool(X), packed side by side into one output (Concat).
//   channels last (dense, sequences): X = Flatten(T, axis = -1) → [R, C]; the same through
//     ReduceSum / ReduceMax over axis 0.
//   Activations other than ReLU/ReLU6 also get the minimum (GlobalMaxPool of −X), and those that
//   can be negative the count of negatives (HardSigmoid with α = −2¹²⁶). A Slice of sample 0
//   (channels first: every 4th position) feeds mean, std and histogram; Shape gives the sizes.
//   Every layer's values then travel in three outputs (`bundles`), which `unbundle` splits.
// Appended to the model's bytes as a protobuf merge (see onnxCapture.ts), never decoded whole.
//
// What it costs, from onnxruntime's profile of ResNet-50 (8 samples per call, 2 threads): the
// statistics kernels ≈9% of kernel time, ReorderOutput ≈7% (the activations leave the NCHWc
// layout for them), and the convolutions ≈30% more than in the plain model once their outputs
// have a second consumer (the same whether these nodes are appended or spliced right after
// each activation, so they are appended).
import { onnx } from 'onnx-proto';
import type { Model } from '../core/model';
import type { HostTensor } from './hostTensor';
import type { ActivationLayer } from './layers';

/** Activations whose outputs are never negative and often exactly 0: the non-positive values are
 *  then the zeros, and the minimum is 0 as soon as one occurs. */
const RELU_LIKE = new Set(['Relu', 'Relu6']);
/** Never negative, rarely 0: no negatives to count, but the minimum is measured. */
const POSITIVE = new Set(['Sigmoid', 'HardSigmoid', 'Softplus']);

export interface LayerStatsOutputs {
  layout: 'first' | 'last';
  /** One output holding the statistics side by side, to keep the outputs per layer (each one a
   *  JavaScript object per call) few: channels first [N, C, k], channels last [k × C]: positives,
   *  max, then −min when `hasMin`, then negatives when `hasNegatives`. */
  packed: string;
  hasMin: boolean;
  hasNegatives: boolean;
  /** Shape of X: [N, C, K] (channels first) or of T (channels last: rows per unit). */
  shape: string;
  /** Values for mean, std and histogram: channels first, sample 0 at every SAMPLE_STRIDE-th
   *  position of each channel; channels last, sample 0. */
  sample: string;
}

export interface GraphStatsPlan {
  /** Per layer (same order as the layers): its statistics values, or undefined to fetch it raw. */
  layers: (LayerStatsOutputs | undefined)[];
  /** The graph outputs that carry every planned layer's values, one tensor each (`unbundle`
   *  splits them): packed statistics, shapes (per layer its rank, then its dims) and samples. */
  bundles: { packed: string; shapes: string; samples: string };
  /** What to append to the model: nodes and outputs. */
  graph: onnx.IGraphProto;
}

const AT = onnx.AttributeProto.AttributeType;
/** Channels-first samples keep every 4th position: JavaScript statistics on a whole sample per call
 *  cost ≈9% of ResNet-50's inference, on a quarter ≈2%. */
export const SAMPLE_STRIDE = 4;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Plans in-graph statistics for the layers, or returns undefined when the model's opset or the
 *  layers do not allow it (then every output is fetched raw). */
export function planGraphStats(model: Model, layers: readonly ActivationLayer[]): GraphStatsPlan | undefined {
  if (model.format !== 'onnx') return undefined;
  const opset = model.opsets[''] ?? model.opsets['ai.onnx'] ?? 0;
  if (opset < 11) return undefined;
  const taken = new Set<string>();
  for (const n of model.graph.nodes) {
    taken.add(n.name);
    for (const o of n.outputs) taken.add(o);
  }
  for (const v of model.graph.inputs) taken.add(v.name);
  for (const t of model.graph.initializers) taken.add(t.name);
  const shapes = new Map<string, number | undefined>();
  for (const v of [...model.graph.valueInfo, ...model.graph.outputs]) shapes.set(v.name, v.shape?.length);
  const dtypes = new Map<string, string>();
  for (const v of [...model.graph.valueInfo, ...model.graph.outputs]) dtypes.set(v.name, v.dtype);

  let prefix = 'activation_lens_stats';
  while ([...taken].some((n) => n.startsWith(prefix))) prefix += '_';
  const nodes: onnx.INodeProto[] = [];
  const name = (i: number, what: string): string => `${prefix}/${i}/${what}`;
  const node = (op: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = []): string => {
    nodes.push({ name: output, opType: op, input: inputs, output: [output], attribute });
    return output;
  };
  const ints = (n: string, values: number[]): onnx.IAttributeProto => ({ name: n, type: AT.INTS, ints: values });
  const int = (n: string, value: number): onnx.IAttributeProto => ({ name: n, type: AT.INT, i: value });
  const float = (n: string, value: number): onnx.IAttributeProto => ({ name: n, type: AT.FLOAT, f: value });
  const constant = (out: string, values: number[]): string =>
    node('Constant', [], out, [{ name: 'value', type: AT.TENSOR, t: { dims: [values.length], dataType: INT64, int64Data: values } }]);
  // Reductions over axis 0: axes became an input in opset 13 (ReduceSum) and 18 (the others).
  const reduce0 = (op: string, x: string, out: string, i: number): string => {
    const asInput = op === 'ReduceSum' ? opset >= 13 : opset >= 18;
    if (asInput) return node(op, [x, shared0(i)], out, [int('keepdims', 0)]);
    return node(op, [x], out, [ints('axes', [0]), int('keepdims', 0)]);
  };
  let axis0: string | undefined;
  const shared0 = (i: number): string => (axis0 ??= constant(name(i, 'axis0'), [0]));

  const plans: (LayerStatsOutputs | undefined)[] = new Array(layers.length).fill(undefined);
  let sliceConsts: { starts: string; ends: string; axes: string } | undefined;
  let strideConsts: { starts: string; ends: string; axes: string; steps: string } | undefined;
  let reshapeConst: string | undefined;
  layers.forEach((layer, i) => {
    const t = layer.output;
    const rank = shapes.get(t);
    const dtype = dtypes.get(t);
    if ((rank !== undefined && rank < 2) || (dtype !== undefined && dtype !== 'float')) {
      return;
    }
    const reluLike = RELU_LIKE.has(layer.activation);
    const hasNegatives = !reluLike && !POSITIVE.has(layer.activation);
    const hasMin = !reluLike;
    const layout = layer.layout === 'channels-last' ? 'last' : 'first';
    let x: string;
    let pool: (kind: 'sum' | 'max', input: string, out: string) => string;
    if (layout === 'first') {
      reshapeConst ??= constant(name(i, 'ncx'), [0, 0, -1]);
      x = node('Reshape', [t, reshapeConst], name(i, 'x'));
      pool = (kind, input, out) => node(kind === 'sum' ? 'GlobalAveragePool' : 'GlobalMaxPool', [input], out);
    } else {
      x = node('Flatten', [t], name(i, 'x'), [int('axis', -1)]);
      pool = (kind, input, out) => reduce0(kind === 'sum' ? 'ReduceSum' : 'ReduceMax', input, out, i);
    }
    const positives = pool('sum', node('HardSigmoid', [x], name(i, 'is_positive'), [float('alpha', 2 ** 126), float('beta', 0)]), name(i, 'positives'));
    const max = pool('max', x, name(i, 'max'));
    const parts = [positives, max];
    if (hasMin) parts.push(pool('max', node('Neg', [x], name(i, 'neg')), name(i, 'neg_max')));
    if (hasNegatives) parts.push(pool('sum', node('HardSigmoid', [x], name(i, 'is_negative'), [float('alpha', -(2 ** 126)), float('beta', 0)]), name(i, 'negatives')));
    const packed = node('Concat', parts, name(i, 'packed'), [int('axis', layout === 'first' ? 2 : 0)]);
    const shape = node('Shape', [layout === 'first' ? x : t], name(i, 'shape'));
    let sample: string;
    if (layout === 'first') {
      // Sample 0, every SAMPLE_STRIDE-th position of each channel: [1, C, ⌈K/stride⌉].
      strideConsts ??= {
        starts: constant(name(i, 'sample_starts'), [0, 0]),
        ends: constant(name(i, 'sample_ends'), [1, 2 ** 62]),
        axes: constant(name(i, 'sample_axes'), [0, 2]),
        steps: constant(name(i, 'sample_steps'), [1, SAMPLE_STRIDE]),
      };
      sample = node('Slice', [x, strideConsts.starts, strideConsts.ends, strideConsts.axes, strideConsts.steps], name(i, 'sample'));
    } else {
      sliceConsts ??= { starts: constant(name(i, 'slice_starts'), [0]), ends: constant(name(i, 'slice_ends'), [1]), axes: constant(name(i, 'slice_axes'), [0]) };
      sample = node('Slice', [t, sliceConsts.starts, sliceConsts.ends, sliceConsts.axes], name(i, 'sample'));
    }
    plans[i] = { layout, packed, hasMin, hasNegatives, shape, sample };
  });
  if (!plans.some((p) => p)) return undefined;
  // Three outputs in all instead of three per layer: onnxruntime hands each fetched output to
  // JavaScript as a tensor object with a buffer of its own, which costs per output, not per
  // value. MobileNetV2 ×0.25 (35 layers, 16 samples per call, 2 threads, ms per inference call,
  // best of 12 windows in a fresh process, three processes each): plain 1.2–1.3; the capture
  // graph with 105 outputs 4.2–6.9, bundled into three 3.4–3.9.
  const flat = constant(`${prefix}/flat`, [-1]);
  const packedParts: string[] = [], shapeParts: string[] = [], sampleParts: string[] = [];
  plans.forEach((p, i) => {
    if (!p) return;
    packedParts.push(node('Reshape', [p.packed, flat], name(i, 'packed_flat')));
    shapeParts.push(node('Shape', [p.shape], name(i, 'rank')), p.shape);
    sampleParts.push(node('Reshape', [p.sample, flat], name(i, 'sample_flat')));
  });
  const bundles = {
    packed: node('Concat', packedParts, `${prefix}/packed`, [int('axis', 0)]),
    shapes: node('Concat', shapeParts, `${prefix}/shapes`, [int('axis', 0)]),
    samples: node('Concat', sampleParts, `${prefix}/samples`, [int('axis', 0)]),
  };
  return { layers: plans, bundles, graph: { node: nodes, output: [bundles.packed, bundles.shapes, bundles.samples].map((o) => ({ name: o })) } };
}

/** How many statistics each unit has in a layer's packed values. */
function statsPerUnit(p: LayerStatsOutputs): number {
  return 2 + (p.hasMin ? 1 : 0) + (p.hasNegatives ? 1 : 0);
}

/** One run's bundled outputs split into each planned layer's values, under the layer's own names
 *  (`packed`, `shape`, and `sample` when the samples were fetched). Views, not copies. */
export function unbundle(plan: GraphStatsPlan, out: Record<string, HostTensor>): Record<string, HostTensor> {
  const packedT = out[plan.bundles.packed], shapesT = out[plan.bundles.shapes], samplesT = out[plan.bundles.samples];
  if (!packedT || !shapesT) throw new Error('in-graph statistics missing from the run');
  const packed = packedT.data, shapes = shapesT.data, samples = samplesT?.data;
  if (!(packed instanceof Float32Array) || !(shapes instanceof BigInt64Array) || (samples && !(samples instanceof Float32Array))) {
    throw new Error('in-graph statistics have unexpected element types');
  }
  const res: Record<string, HostTensor> = {};
  let at = 0, packedAt = 0, sampleAt = 0;
  for (const p of plan.layers) {
    if (!p) continue;
    const rank = Number(shapes[at]);
    const dims = Array.from(shapes.subarray(at + 1, at + 1 + rank), Number);
    res[p.shape] = { dtype: 'int64', dims: [rank], data: shapes.subarray(at + 1, at + 1 + rank) };
    at += 1 + rank;
    const first = p.layout === 'first';
    const units = dims[first ? 1 : rank - 1] ?? 1;
    const k = statsPerUnit(p);
    const packedDims = first ? [dims[0], units, k] : [k * units];
    const packedLength = size(packedDims);
    res[p.packed] = { dtype: 'float32', dims: packedDims, data: packed.subarray(packedAt, packedAt + packedLength) };
    packedAt += packedLength;
    if (samples) {
      const sampleDims = first ? [1, units, Math.ceil(dims[2] / SAMPLE_STRIDE)] : [1, ...dims.slice(1)];
      const sampleLength = size(sampleDims);
      res[p.sample] = { dtype: 'float32', dims: sampleDims, data: samples.subarray(sampleAt, sampleAt + sampleLength) };
      sampleAt += sampleLength;
    }
  }
  if (at !== shapes.length || packedAt !== packed.length || (samples && sampleAt !== samples.length)) {
    throw new Error('in-graph statistics do not match the shapes the run reported');
  }
  return res;
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
