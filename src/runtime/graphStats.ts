// Activation statistics computed inside the ONNX graph, by onnxruntime's own kernels, so the
// captured tensors never leave the runtime: per unit (channel) the count of positive values (and
// for activations that can be negative, of negative ones), and the layer's maximum (and minimum),
// over every value; and a sample of the batch (runActivations.ts, DISTRIBUTION_EVERY), from which
// JavaScript takes the mean, the standard deviation and the histogram.
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
//     every normal x > 0 and 0 for x ≤ 0, so its mean × K is the count of positives.
//   channels last (dense, sequences): X = Flatten(T, axis = -1) → [R, C]; the same through
//     ReduceSum over axis 0.
//   The layer's maximum is one ReduceMax over all of X (no unit needs its own), and activations
//   other than ReLU/ReLU6 also get the layer's minimum (ReduceMin) and, those that can be
//   negative, the count of negatives (HardSigmoid with α = −2¹²⁶). A Slice of sample 0
//   (channels first: every SAMPLE_STRIDE-th value over its channels and positions) feeds mean,
//   std and histogram; Shape gives the sizes.
//   Every layer's values, with its shape, then travel in one output, which `unbundle` splits.
//   ReLU-like image layers [N, C, H, W] whose C, H and W onnxruntime infers before the run
//   (activationShapes.ts) instead get statistics onnxruntime computes on its blocked NCHWc layout
//   (GridShape, gridLayer below): no Shape or Reshape of T, which would make it copy T out of
//   that layout; their sizes travel in the plan, not in the values.
// Appended to the model's bytes as a protobuf merge (see onnxCapture.ts), never decoded whole.
//
// What it costs per inference call (`npm run bench`, "Inference calls alone", ResNet-50, 8
// samples): with the grid statistics 1.10–1.13× plain; with the Reshape-based ones, which copy
// every activation out of NCHWc, 1.21× (the same table at 4a19821). Where onnxruntime runs these
// nodes matters for memory, not for the time of later calls: see the order of the layers below.
import { onnx } from 'onnx-proto';
import type { Model } from '../core/model';
import type { HostTensor } from './hostTensor';
import type { ActivationLayer } from './layers';
import { FIRST_GOLDEN_PHASE, nextGoldenPhase } from './goldenRatio';

/** Activations whose outputs are never negative and often exactly 0: the non-positive values are
 *  then the zeros, and the minimum is 0 as soon as one occurs. */
const RELU_LIKE = new Set(['Relu', 'Relu6']);
/** Never negative, rarely 0: no negatives to count, but the minimum is measured. */
const POSITIVE = new Set(['Sigmoid', 'HardSigmoid', 'Softplus']);

export interface LayerStatsPlan {
  layout: 'first' | 'last';
  /** The counts per unit: positives, then negatives when `hasNegatives`; then the layer's
   *  maximum and, when `hasMin`, its minimum (grid layers: see GridShape). */
  hasMin: boolean;
  hasNegatives: boolean;
  /** A ReLU-like image layer whose shape is known before the run (see GridShape): its statistics
   *  are zeros (not positives) and max, with no shape in the values, and its sample covers
   *  every sample of the batch on a grid of positions. */
  grid?: GridShape;
}

/** A [N, C, H, W] activation whose C, H and W the runtime infers before running (and N is the
 *  batch): its statistics need no Shape node, which would make onnxruntime copy the activation
 *  out of its blocked NCHWc layout. */
export interface GridShape {
  channels: number;
  height: number;
  width: number;
  /** The sample takes one value from each cell of this many rows and columns (sizes that divide
   *  the plane, so every position can be picked), at a place that differs from channel to channel
   *  (pickWeights). */
  cell: [number, number];
  /** The window of each cell the picked place moves over: the cell, unless that would make the
   *  picking weights large (MAX_PICK_WEIGHTS), then its top-left part. */
  window: [number, number];
  /** The sample's rows and columns per channel: the plane's size in cells. */
  sampleHeight: number;
  sampleWidth: number;
  /** The batch dimension when the model fixes it; else the batch of each call. */
  batch?: number;
}

export interface GraphStatsPlan {
  /** Per layer (same order as the layers): what its statistics hold, or undefined to fetch it raw. */
  layers: (LayerStatsPlan | undefined)[];
  /** The one graph output that carries every planned layer's values (`unbundle` splits it). */
  output: string;
  /** What to append to the model: nodes, initializers and outputs. */
  graph: onnx.IGraphProto;
}

/** Known activation shapes (onnxruntime's inference before the run, activationShapes.ts): per
 *  tensor name, its dims as numbers or symbols. */
export type ActivationShapes = ReadonlyMap<string, readonly (number | string)[]>;

/** One layer's statistics from one inference call. */
export interface LayerStatsValues {
  /** The layer output's shape. */
  dims: number[];
  /** Statistic-major: count j of slice s (a sample, channels first; the batch, channels last)
   *  and unit u at packed[j × slices × units + s × units + u]; grid layers sample-major, at
   *  packed[s × GRID_STATS × units + j × units + u] (zeros, then each unit's maximum). Channels
   *  first: the counts are means over the slice's positions. */
  packed: Float32Array;
  /** The layer's maximum and, when the plan has it, its minimum (not for grid layers). */
  extremes?: Float32Array;
  /** Values for mean, std and histogram: channels first, every SAMPLE_STRIDE-th value of sample 0
   *  over its channels and positions ([1, ⌈C·K/stride⌉]); channels last, sample 0; grid layers, every
   *  sample of the batch on the grid ([N, C, sampleHeight, sampleWidth]). */
  sample: Float32Array;
  /** How many of the batch's samples `sample` covers. */
  sampleSamples: number;
}

const AT = onnx.AttributeProto.AttributeType;
/** Channels-first samples keep every 5th value of a sample's channels and positions in a row, so
 *  JavaScript scans a fifth of the sample. A prime, so the picked positions move from channel to
 *  channel unless a channel's positions are a multiple of it; every 4th position of each channel
 *  picked the same columns in every channel (in 4×4 planes the left edge only), and MobileNetV2
 *  ×0.25's sampled means on wasm missed the full ones by a median 10% instead of 4% (unit test,
 *  runtime-backends, "samples of a channels-first layer move from channel to channel"). */
export const SAMPLE_STRIDE = 5;
const INT64 = onnx.TensorProto.DataType.INT64;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Plans in-graph statistics for the layers, or returns undefined when the model's opset or the
 *  layers do not allow it (then every output is fetched raw). */
export function planGraphStats(model: Model, layers: readonly ActivationLayer[], known?: ActivationShapes, samplesPerCall = 8): GraphStatsPlan | undefined {
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

  const batchSymbols = new Set(model.graph.inputs.map((v) => v.shape?.[0]).filter((d): d is string => typeof d === 'string'));
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
  // ReduceSum over axis 0: its axes became an input in opset 13.
  const sum0 = (x: string, out: string, i: number): string => {
    if (opset >= 13) return node('ReduceSum', [x, shared0(i)], out, [int('keepdims', 0)]);
    return node('ReduceSum', [x], out, [ints('axes', [0]), int('keepdims', 0)]);
  };
  let axis0: string | undefined;
  const shared0 = (i: number): string => (axis0 ??= constant(name(i, 'axis0'), [0]));

  const plans: (LayerStatsPlan | undefined)[] = new Array(layers.length).fill(undefined);
  let sliceConsts: { starts: string; ends: string; axes: string } | undefined;
  let strideConsts: { starts: string; ends: string; axes: string; steps: string } | undefined;
  let reshapeConst: string | undefined;
  let sampleConst: string | undefined;
  let flatConst: string | undefined;
  const flat = (input: string, out: string, i: number): string => node('Reshape', [input, (flatConst ??= constant(name(i, 'flat'), [-1]))], out);
  const parts: string[][] = new Array(layers.length);
  const initializers: onnx.ITensorProto[] = [];
  /** Per channel count: the constants of the zero indicator's BatchNormalization. */
  const indicatorConsts = new Map<number, string[]>();
  const vector = (out: string, n: number, value: number): string => {
    initializers.push({ name: out, dims: [n], dataType: FLOAT, rawData: new Uint8Array(new Float32Array(n).fill(value).buffer) });
    return out;
  };
  /** Per channel count and cell: the weights of a depthwise convolution with the cell as kernel
   *  and stride that picks one value per cell, 1 at the picked place and 0 elsewhere, so the value
   *  passes exactly. The place moves from channel to channel over the cell (golden-ratio
   *  sequence), so the layer's sample covers the whole plane. A strided MaxPool with a 1×1 window
   *  would pick every cell's top-left corner, and on small planes the sample would hold the corner
   *  of each channel only, where padding shapes the values: MobileNetV2 ×0.25's sampled means now
   *  stay within 25% of the full ones on every layer, which the corner grid failed (unit test,
   *  runtime-backends, "grid samples cover the whole plane"). */
  const pickConsts = new Map<string, string>();
  const pickWeights = (i: number, g: GridShape): string => {
    const [kh, kw] = g.window;
    const key = `${g.channels}_${kh}x${kw}`;
    let w = pickConsts.get(key);
    if (!w) {
      const values = new Float32Array(g.channels * kh * kw);
      for (let c = 0, phase = FIRST_GOLDEN_PHASE; c < g.channels; c++, phase = nextGoldenPhase(phase)) {
        values[c * kh * kw + Math.min(kh * kw - 1, Math.floor(phase * kh * kw))] = 1;
      }
      w = name(i, `pick_${key}`);
      initializers.push({ name: w, dims: [g.channels, 1, kh, kw], dataType: FLOAT, rawData: new Uint8Array(values.buffer) });
      pickConsts.set(key, w);
    }
    return w;
  };
  const gridLayer = (i: number, t: string, g: GridShape): string[] => {
    // 1 where x ≤ 0, 0 where x ≥ 2⁻¹²⁷: Relu(1 − 2¹²⁷·x), as a BatchNormalization (scale −2¹²⁷,
    // bias 1, mean 0, variance 1, ε 0) that onnxruntime turns into a depthwise NCHWc convolution
    // with the Relu fused. Its mean over the positions is the zero fraction; ReLU-like outputs
    // are never negative, so the rest are positives. Positives below 2⁻¹²⁷ (subnormal) count as
    // fractions of a zero. A NaN stays NaN through it (onnxruntime's Relu, fused or not, passes
    // NaN on) and makes that mean NaN; an infinity makes the maximum infinite: either sends the
    // run to raw outputs (runActivations.ts). Unit tests hold onnxruntime to both.
    const [scale, bias, mean, variance] = indicatorConsts.get(g.channels) ?? (() => {
      const c = g.channels;
      const v = [vector(name(i, `negative_scale_${c}`), c, -(2 ** 127)), vector(name(i, `ones_${c}`), c, 1), vector(name(i, `zeros_${c}`), c, 0)];
      const made = [v[0], v[1], v[2], v[1]];
      indicatorConsts.set(c, made);
      return made;
    })();
    const isZero = node('Relu', [node('BatchNormalization', [t, scale, bias, mean, variance], name(i, 'scaled'), [float('epsilon', 0)])], name(i, 'is_zero'));
    // Joined along channels, [N, 2C, 1, 1]: onnxruntime concatenates blocked tensors whose
    // channels fill its blocks in place and copies one result out of NCHWc instead of two.
    const stats = node('Concat', [node('GlobalAveragePool', [isZero], name(i, 'zeros')), node('GlobalMaxPool', [t], name(i, 'max'))], name(i, 'stats'), [int('axis', 1)]);
    const sample = node('Conv', [t, pickWeights(i, g)], name(i, 'sample'), [int('group', g.channels), ints('strides', g.cell)]);
    // Straight into the one output's Concat, without a Concat per layer (one node less each).
    return [flat(stats, name(i, 'flat_stats'), i), flat(sample, name(i, 'flat_sample'), i)];
  };
  // Layers are appended last to first, and their values meet in one Concat. onnxruntime orders
  // nodes by a depth-first walk back from the graph's outputs that takes a node's inputs highest
  // index first, so each layer's statistics run right after the layer, while its output is still
  // in cache, and onnxruntime can free that output at once instead of holding every activation
  // until the end of the graph: ResNet-50's `run --json` on 32 samples at 8 per call peaks at
  // 526–545 MB instead of 793, and its inference takes 1,445–1,619 ms instead of 1,967 (`npm run
  // bench`, ResNet-50 whole processes).
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    const t = layer.output;
    const rank = shapes.get(t);
    const dtype = dtypes.get(t);
    if ((rank !== undefined && rank < 2) || (dtype !== undefined && dtype !== 'float')) continue;
    const reluLike = RELU_LIKE.has(layer.activation);
    const hasNegatives = !reluLike && !POSITIVE.has(layer.activation);
    const hasMin = !reluLike;
    const layout = layer.layout === 'channels-last' ? 'last' : 'first';
    const grid = reluLike && layout === 'first' ? gridShape(known?.get(t), batchSymbols, samplesPerCall) : undefined;
    if (grid) {
      parts[i] = gridLayer(i, t, grid);
      plans[i] = { layout, hasMin: false, hasNegatives: false, grid };
      continue;
    }
    let x: string;
    let countOver: (input: string, out: string) => string;
    if (layout === 'first') {
      reshapeConst ??= constant(name(i, 'ncx'), [0, 0, -1]);
      x = node('Reshape', [t, reshapeConst], name(i, 'x'));
      countOver = (input, out) => node('GlobalAveragePool', [input], out);
    } else {
      x = node('Flatten', [t], name(i, 'x'), [int('axis', -1)]);
      countOver = (input, out) => sum0(input, out, i);
    }
    const stats = [countOver(node('HardSigmoid', [x], name(i, 'is_positive'), [float('alpha', 2 ** 126), float('beta', 0)]), name(i, 'positives'))];
    if (hasNegatives) stats.push(countOver(node('HardSigmoid', [x], name(i, 'is_negative'), [float('alpha', -(2 ** 126)), float('beta', 0)]), name(i, 'negatives')));
    // The layer's extremes over all of X, not per unit and sample: only the layer's are reported.
    // One reduction to a number costs onnxruntime-web less than a GlobalMaxPool per unit and
    // sample (and a Neg and a second pool for the minimum): MobileNetV2 ×0.25 on wasm, capture /
    // plain 1.19× instead of 1.28–1.33× (`npm run bench`, capture table, runs before and after).
    stats.push(node('ReduceMax', [x], name(i, 'max'), [int('keepdims', 1)]));
    if (hasMin) stats.push(node('ReduceMin', [x], name(i, 'min'), [int('keepdims', 1)]));
    let sample: string;
    if (layout === 'first') {
      // Sample 0, every SAMPLE_STRIDE-th value over its channels and positions: [1, ⌈C·K/stride⌉].
      strideConsts ??= {
        starts: constant(name(i, 'sample_starts'), [0, 0]),
        ends: constant(name(i, 'sample_ends'), [1, 2 ** 62]),
        axes: constant(name(i, 'sample_axes'), [0, 1]),
        steps: constant(name(i, 'sample_steps'), [1, SAMPLE_STRIDE]),
      };
      const perSample = node('Reshape', [t, (sampleConst ??= constant(name(i, 'per_sample_shape'), [0, -1]))], name(i, 'per_sample'));
      sample = node('Slice', [perSample, strideConsts.starts, strideConsts.ends, strideConsts.axes, strideConsts.steps], name(i, 'sample'));
    } else {
      sliceConsts ??= { starts: constant(name(i, 'slice_starts'), [0]), ends: constant(name(i, 'slice_ends'), [1]), axes: constant(name(i, 'slice_axes'), [0]) };
      sample = node('Slice', [t, sliceConsts.starts, sliceConsts.ends, sliceConsts.axes], name(i, 'sample'));
    }
    // The shape travels as floats with the statistics: exact for dimensions below 2²⁴, and
    // `unbundle` rejects values whose lengths do not add up. Its rank is a constant wherever
    // onnxruntime knows it, which it folds away.
    const shape = node('Shape', [t], name(i, 'shape'));
    const rankF = node('Cast', [node('Shape', [shape], name(i, 'rank'))], name(i, 'rank_f'), [int('to', FLOAT)]);
    const shapeF = node('Cast', [shape], name(i, 'shape_f'), [int('to', FLOAT)]);
    const flats = [...stats, sample].map((v, k) => flat(v, name(i, `flat${k}`), i));
    parts[i] = [node('Concat', [rankF, shapeF, ...flats], name(i, 'values'), [int('axis', 0)])];
    plans[i] = { layout, hasMin, hasNegatives };
  }
  if (!plans.some((p) => p)) return undefined;
  // One output, which also gives onnxruntime's walk its one starting point (above), and one
  // tensor object per call for onnxruntime-node to build instead of three per layer.
  const output = node('Concat', parts.filter((p) => p).flat(), `${prefix}/values`, [int('axis', 0)]);
  return { layers: plans, output, graph: { node: nodes, initializer: initializers, output: [{ name: output }] } };
}

/** Whether a layer can be measured on the grid once its shape is known (see GridShape). */
export function gridCandidate(layer: ActivationLayer): boolean {
  return RELU_LIKE.has(layer.activation) && layer.layout !== 'channels-last';
}

/** About this many values of a grid layer reach JavaScript per call, for mean, std and histogram:
 *  the sample is a pass over a fraction of the layer, copied out of onnxruntime and scanned here,
 *  which on small models costs as much as their inference (MobileNetV2 ×0.25 at 64×64: 1.3 ms per
 *  call of 16 samples, `npm run bench`, "Inference calls alone"). */
export const GRID_CALL_VALUES = 2048;

/** At most this many picking weights per grid layer (4 MB). ResNet-50 at 8 samples per call needs
 *  200,704 at most (64 channels of 56×56 cells); a model that asks for a terabyte plane would
 *  otherwise get weights of gigabytes (unit test: a Resize to terabytes). */
const MAX_PICK_WEIGHTS = 1 << 20;

/** Grid layers' statistics per unit: the zero fraction and the maximum. A third, the activation's
 *  mean, only guarded against NaN, which the zero fraction already does (gridLayer). Without it,
 *  MobileNetV2 ×0.25's capture graph costs 2.27–2.59× plain per call instead of 2.47–3.18× (`npm
 *  run bench`, "Inference calls alone", before and after). */
export const GRID_STATS = 2;

/** The grid plan of an activation whose shape is [batch, C, H, W] with C, H and W known; its sample
 *  cells keep about GRID_CALL_VALUES values per call of `samplesPerCall` samples (at least one
 *  position per channel and sample). */
function gridShape(dims: readonly (number | string)[] | undefined, batchSymbols: ReadonlySet<string>, samplesPerCall: number): GridShape | undefined {
  if (!dims || dims.length !== 4) return undefined;
  const [n, channels, height, width] = dims;
  const known = (d: number | string): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d > 0;
  if (!known(channels) || !known(height) || !known(width)) return undefined;
  if (!(known(n) || (typeof n === 'string' && batchSymbols.has(n)))) return undefined;
  const perSample = GRID_CALL_VALUES / Math.max(1, known(n) ? n : samplesPerCall);
  // The smallest cell (the squarer of equal ones) whose sample fits; the whole plane if none does.
  let cell: [number, number] = [height, width];
  for (const ch of divisors(height)) {
    for (const cw of divisors(width)) {
      if (channels * (height / ch) * (width / cw) > perSample) continue;
      const area = ch * cw, best = cell[0] * cell[1];
      if (area < best || (area === best && Math.abs(ch - cw) < Math.abs(cell[0] - cell[1]))) cell = [ch, cw];
    }
  }
  // The picking weights hold channels × window values: bounded, so a huge plane (a model that asks
  // for terabytes) does not make them huge too.
  const side = Math.max(1, Math.floor(Math.sqrt(MAX_PICK_WEIGHTS / channels)));
  const window: [number, number] = [Math.min(cell[0], side), Math.min(cell[1], side)];
  return { channels, height, width, cell, window, sampleHeight: height / cell[0], sampleWidth: width / cell[1], batch: known(n) ? n : undefined };
}

function divisors(n: number): number[] {
  const small: number[] = [], large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d) continue;
    small.push(d);
    if (d * d !== n) large.unshift(n / d);
  }
  return [...small, ...large];
}

/** How many counts each unit has in a non-grid layer's packed values. */
function countsPerUnit(p: LayerStatsPlan): number {
  return 1 + (p.hasNegatives ? 1 : 0);
}

/** One run's values split into each planned layer's statistics (views, not copies); throws when
 *  they do not add up. `batch`: the samples of the call. */
export function unbundle(plan: GraphStatsPlan, values: HostTensor, batch: number): (LayerStatsValues | undefined)[] {
  const v = values.data;
  if (!(v instanceof Float32Array)) throw new Error('in-graph statistics are not float32');
  let at = 0;
  const take = (n: number): Float32Array => {
    if (!(n >= 0 && at + n <= v.length)) throw new Error('in-graph statistics do not add up');
    const out = v.subarray(at, at + n);
    at += n;
    return out;
  };
  const res = plan.layers.map((p): LayerStatsValues | undefined => {
    if (!p) return undefined;
    if (p.grid) {
      const g = p.grid;
      const n = g.batch ?? batch;
      const packed = take(GRID_STATS * n * g.channels);
      const sample = take(n * g.channels * g.sampleHeight * g.sampleWidth);
      return { dims: [n, g.channels, g.height, g.width], packed, sample, sampleSamples: n };
    }
    const rank = take(1)[0];
    const dims = Array.from(take(rank), Number);
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error('in-graph statistics do not add up');
    const first = p.layout === 'first';
    const units = dims[first ? 1 : rank - 1] ?? 1;
    // Channels first: one slice per sample; channels last: the batch is one slice.
    const slices = first ? dims[0] : 1;
    const packed = take(countsPerUnit(p) * slices * units);
    const extremes = take(p.hasMin ? 2 : 1);
    const positions = size(dims.slice(2));
    const sampleDims = first ? [1, Math.ceil((units * positions) / SAMPLE_STRIDE)] : [1, ...dims.slice(1)];
    return { dims, packed, extremes, sample: take(size(sampleDims)), sampleSamples: 1 };
  });
  if (at !== v.length) throw new Error('in-graph statistics do not add up');
  return res;
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
