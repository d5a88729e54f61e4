// Output shapes of Keras layers from their config and input shapes, as TF.js and Keras compute them
// (each layer class's computeOutputShape / compute_output_shape), so a layers-model's values have
// shapes although its model.json records only the input shapes.
//
// Which answer counts: a layers-model is what @tensorflow/tfjs runs, so for the classes tfjs-layers
// implements the shapes are those tf.loadLayersModel gives its symbolic tensors ('tfjs' semantics),
// also where tfjs knows less than Keras (a Reshape -1 stays unknown while any input dimension, the
// batch included, is unknown) or departs from Keras consistently, in what it runs too (it ignores
// GlobalPooling keepdims, 1D pooling data_format, DepthwiseConv2D dilation, and the output_padding
// and dilation of Conv2D/3DTranspose). Where tfjs's symbolic shape contradicts Keras and what tfjs
// itself computes (Conv1D 'causal' padding keeps the length; Resizing and RandomWidth keep the batch
// axis; Cropping2D of an unknown size stays unknown rather than negative) the shape is Keras's.
// Keras 3 topologies, which tfjs does not load as they are, get Keras semantics ('keras'), and so
// do classes tfjs does not implement. Unknown classes (Lambda, TFOpLambda, custom layers) and
// inputs of the wrong rank give an unknown shape, never a guess.
import type { Dim } from '../../core/model';

/** A value's shape; undefined when even the rank is unknown. */
export type Shape = Dim[] | undefined;

export type ShapeSemantics = 'tfjs' | 'keras';

type Config = Record<string, unknown>;

/** Layer classes @tensorflow/tfjs-layers 4.x registers (its SerializationMap), the ones whose
 *  tfjs behaviour 'tfjs' semantics follows. */
const TFJS_CLASSES = new Set([
  'Activation', 'Add', 'AlphaDropout', 'Average', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D', 'BatchNormalization',
  'Bidirectional', 'CategoryEncoding', 'CenterCrop', 'Concatenate', 'Conv1D', 'Conv2D', 'Conv2DTranspose', 'Conv3D', 'Conv3DTranspose',
  'ConvLSTM2D', 'Cropping2D', 'Dense', 'DepthwiseConv2D', 'Dot', 'Dropout', 'ELU', 'Embedding', 'Flatten', 'GRU', 'GaussianDropout',
  'GaussianNoise', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'InputLayer', 'LSTM',
  'LayerNormalization', 'LeakyReLU', 'Masking', 'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'Maximum', 'Minimum', 'Multiply', 'PReLU',
  'Permute', 'RNN', 'RandomWidth', 'ReLU', 'RepeatVector', 'Rescaling', 'Reshape', 'Resizing', 'SeparableConv2D', 'SimpleRNN', 'Softmax',
  'SpatialDropout1D', 'ThresholdedReLU', 'TimeDistributed', 'UpSampling2D', 'ZeroPadding2D',
]);

/** Layers whose output has the shape of their (first) input. */
const SAME_SHAPE = new Set([
  'Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax',
  'BatchNormalization', 'BatchNormalizationV1', 'BatchNormalizationV2', 'SyncBatchNormalization', 'LayerNormalization',
  'GroupNormalization', 'UnitNormalization', 'Normalization', 'SpectralNormalization',
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'ActivityRegularization', 'Masking', 'Rescaling', 'Identity', 'Discretization', 'Hashing',
  'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast', 'RandomBrightness', 'AutoContrast', 'Solarization',
]);

const MERGE = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);
const RNN_STATES: Record<string, number> = { LSTM: 2, CuDNNLSTM: 2, GRU: 1, CuDNNGRU: 1, SimpleRNN: 1 };
const CELL_STATES: Record<string, number> = { LSTMCell: 2, GRUCell: 1, SimpleRNNCell: 1, PeepholeLSTMCell: 2 };

// --- config reading -------------------------------------------------------------------------

function isObject(v: unknown): v is Config {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A config value under its Keras (snake_case) key, or the camelCase key tfjs uses in memory. */
function get(c: Config, key: string): unknown {
  if (key in c) return c[key];
  const camel = key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return c[camel];
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function intOf(c: Config, key: string, fallback?: number): number | undefined {
  const v = get(c, key);
  if (Array.isArray(v) && v.length === 1 && isInt(v[0])) return v[0];
  return isInt(v) ? v : fallback;
}

/** An int or a list of n ints (Keras writes tuples as lists) as n ints. */
function intsOf(c: Config, key: string, n: number, fallback?: number): number[] | undefined {
  const v = get(c, key);
  if (isInt(v)) return Array<number>(n).fill(v);
  if (Array.isArray(v) && v.length === n && v.every(isInt)) return v as number[];
  if (Array.isArray(v) && v.length === 1 && isInt(v[0])) return Array<number>(n).fill(v[0]);
  if ((v === undefined || v === null) && fallback !== undefined) return Array<number>(n).fill(fallback);
  return undefined;
}

function positive(xs: number[] | undefined): xs is number[] {
  return xs !== undefined && xs.every((x) => x >= 1);
}

/** Padding/cropping amounts per spatial axis as [before, after] pairs: an int, one int per axis,
 *  or one pair per axis (ZeroPadding1D/Cropping1D take a single pair). */
function pairsOf(c: Config, key: string, n: number, fallback: number): [number, number][] | undefined {
  const v = get(c, key) ?? fallback;
  if (isInt(v)) return Array.from({ length: n }, () => [v, v]);
  if (!Array.isArray(v)) return undefined;
  if (n === 1 && v.length === 2 && v.every(isInt)) return [[v[0], v[1]]];
  if (v.length !== n) return undefined;
  const out: [number, number][] = [];
  for (const x of v) {
    if (isInt(x)) out.push([x, x]);
    else if (Array.isArray(x) && x.length === 2 && x.every(isInt)) out.push([x[0], x[1]]);
    else return undefined;
  }
  return out;
}

function stringOf(c: Config, key: string, fallback: string): string {
  const v = get(c, key);
  return typeof v === 'string' ? v : fallback;
}

/** A convolution or pooling padding mode Keras knows, lower-cased; undefined for anything else. */
function paddingOf(c: Config): string | undefined {
  const p = stringOf(c, 'padding', 'valid').toLowerCase();
  return ['valid', 'same', 'causal', 'full'].includes(p) ? p : undefined;
}

function channelsFirst(c: Config): boolean {
  const f = stringOf(c, 'data_format', 'channels_last').toLowerCase().replace('_', '');
  return f === 'channelsfirst';
}

function boolOf(c: Config, key: string, fallback = false): boolean {
  const v = get(c, key);
  return typeof v === 'boolean' ? v : fallback;
}

function innerLayer(c: Config): { className: string; config: Config } | undefined {
  const l = get(c, 'layer');
  if (!isObject(l) || typeof l.class_name !== 'string') return undefined;
  return { className: l.class_name, config: isObject(l.config) ? l.config : {} };
}

// --- dimension arithmetic -------------------------------------------------------------------

function known(d: Dim | undefined): d is number {
  return typeof d === 'number' && Number.isInteger(d) && d >= 0;
}

/** A non-negative safe integer, else unknown (arithmetic on unknown or absurd sizes). */
function dim(n: number): Dim {
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function add(d: Dim, n: number): Dim {
  return known(d) ? dim(d + n) : null;
}

function mul(d: Dim, n: number): Dim {
  return known(d) ? dim(d * n) : null;
}

/** Keras conv_output_length: 'same' and 'causal' keep the length, 'valid' loses the dilated kernel
 *  less one, 'full' gains it. */
function convLength(length: Dim, kernel: number, padding: string, stride: number, dilation: number): Dim {
  if (!known(length) || stride < 1) return null;
  const k = kernel + (kernel - 1) * (dilation - 1);
  let out: number;
  if (padding === 'same' || padding === 'causal') out = length;
  else if (padding === 'valid') out = length - k + 1;
  else if (padding === 'full') out = length + k - 1;
  else return null;
  return dim(Math.floor((out + stride - 1) / stride));
}

/** Keras deconv_output_length (tfjs's deconvLength when dilation is 1 and output_padding unset). */
function deconvLength(length: Dim, kernel: number, padding: string, stride: number, dilation: number, outputPadding: number | undefined): Dim {
  if (!known(length)) return null;
  const k = kernel + (kernel - 1) * (dilation - 1);
  if (outputPadding === undefined) {
    if (padding === 'valid') return dim(length * stride + Math.max(k - stride, 0));
    if (padding === 'same') return dim(length * stride);
    if (padding === 'full') return dim(length * stride - (stride + k - 2));
    return null;
  }
  const pad = padding === 'same' ? Math.floor(k / 2) : padding === 'valid' ? 0 : padding === 'full' ? k - 1 : NaN;
  return dim((length - 1) * stride + k - 2 * pad + outputPadding);
}

/** The spatial axes of a rank-(n+2) batch with channels first or last. */
function spatialAxes(rank: number, n: number, first: boolean): number[] {
  return Array.from({ length: n }, (_, i) => (first ? 2 + i : rank - 1 - n + i));
}

function channelAxis(rank: number, first: boolean): number {
  return first ? 1 : rank - 1;
}

function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/** The rank-n suffix number of a class name: Conv2D → 2, ZeroPadding3D → 3. */
function rankOf(className: string): number {
  const m = /([123])D(?:Transpose)?$/.exec(className);
  return m ? Number(m[1]) : 0;
}

// --- layer classes --------------------------------------------------------------------------

interface Ctx {
  className: string;
  config: Config;
  inputs: Shape[];
  /** tfjs's behaviour applies: 'tfjs' semantics and a class tfjs implements. */
  tfjs: boolean;
  semantics: ShapeSemantics;
}

function conv(x: Dim[], c: Ctx): Shape {
  const cls = c.className;
  const n = rankOf(cls);
  if (n === 0 || x.length !== n + 2) return undefined;
  const first = channelsFirst(c.config);
  const kernel = intsOf(c.config, 'kernel_size', n);
  const strides = intsOf(c.config, 'strides', n, 1);
  const depthwise = cls.startsWith('Depthwise');
  // tfjs-layers' DepthwiseConv2D neither honours nor reports dilation_rate (4.22: a TODO).
  const dilation = depthwise && c.tfjs ? Array<number>(n).fill(1) : intsOf(c.config, 'dilation_rate', n, 1);
  if (!positive(kernel) || !positive(strides) || !positive(dilation)) return undefined;
  const padding = paddingOf(c.config);
  if (!padding) return undefined;
  const transpose = cls.endsWith('Transpose');
  const outputPadding = transpose && !c.tfjs ? intsOf(c.config, 'output_padding', n) : undefined;
  const out = x.slice();
  const axes = spatialAxes(x.length, n, first);
  axes.forEach((a, i) => {
    out[a] = transpose
      ? deconvLength(x[a], kernel[i], padding, strides[i], c.tfjs ? 1 : dilation[i], outputPadding?.[i])
      : convLength(x[a], kernel[i], padding, strides[i], dilation[i]);
  });
  const ch = channelAxis(x.length, first);
  if (depthwise) out[ch] = mul(x[ch], intOf(c.config, 'depth_multiplier', 1) ?? 1);
  else {
    const filters = intOf(c.config, 'filters');
    if (filters === undefined) return undefined;
    out[ch] = filters;
  }
  return out;
}

function pooling(x: Dim[], c: Ctx): Shape {
  const n = rankOf(c.className);
  if (n === 0 || x.length !== n + 2) return undefined;
  // tfjs's 1D pooling reads the steps from axis 1 whatever data_format says.
  const first = n === 1 && c.tfjs ? false : channelsFirst(c.config);
  const pool = intsOf(c.config, 'pool_size', n, 2);
  const strides = intsOf(c.config, 'strides', n) ?? pool;
  if (!positive(pool) || !positive(strides)) return undefined;
  const padding = paddingOf(c.config);
  if (!padding) return undefined;
  const out = x.slice();
  spatialAxes(x.length, n, first).forEach((a, i) => (out[a] = convLength(x[a], pool[i], padding, strides[i], 1)));
  return out;
}

function globalPooling(x: Dim[], c: Ctx): Shape {
  const n = rankOf(c.className);
  if (n === 0 || x.length !== n + 2) return undefined;
  // tfjs ignores keepdims, and data_format of the 1D layers.
  const first = n === 1 && c.tfjs ? false : channelsFirst(c.config);
  if (!c.tfjs && boolOf(c.config, 'keepdims')) {
    const out = x.slice();
    for (const a of spatialAxes(x.length, n, first)) out[a] = 1;
    return out;
  }
  return [x[0], x[channelAxis(x.length, first)]];
}

function padOrCrop(x: Dim[], c: Ctx, sign: 1 | -1): Shape {
  const n = rankOf(c.className);
  if (n === 0 || x.length !== n + 2) return undefined;
  const pairs = pairsOf(c.config, sign > 0 ? 'padding' : 'cropping', n, sign > 0 ? 1 : 0);
  if (!pairs) return undefined;
  const first = n > 1 && channelsFirst(c.config);
  const out = x.slice();
  spatialAxes(x.length, n, first).forEach((a, i) => (out[a] = add(x[a], sign * (pairs[i][0] + pairs[i][1]))));
  return out;
}

function upSampling(x: Dim[], c: Ctx): Shape {
  const n = rankOf(c.className);
  if (n === 0 || x.length !== n + 2) return undefined;
  const size = intsOf(c.config, 'size', n, 2);
  if (!size) return undefined;
  const first = n > 1 && channelsFirst(c.config);
  const out = x.slice();
  spatialAxes(x.length, n, first).forEach((a, i) => (out[a] = mul(x[a], size[i])));
  return out;
}

function reshape(x: Dim[], c: Ctx): Shape {
  const target = get(c.config, 'target_shape');
  if (!Array.isArray(target) || x.length < 1) return undefined;
  const t: Dim[] = target.map((d) => (known(d) ? d : null)); // -1 and None alike
  const unknownAt = t.flatMap((d, i) => (d === null ? [i] : []));
  if (unknownAt.length > 1) return [x[0], ...t];
  // tfjs leaves -1 unknown when any input dimension is, the batch included; Keras looks past the batch.
  const sized = c.tfjs ? x : x.slice(1);
  if (!sized.every(known)) return [x[0], ...t];
  const total = (x.slice(1) as number[]).reduce((a, b) => a * b, 1);
  if (unknownAt.length === 1) {
    const rest = (t.filter((d) => d !== null) as number[]).reduce((a, b) => a * b, 1);
    t[unknownAt[0]] = rest > 0 && total % rest === 0 ? dim(total / rest) : null;
  }
  return [x[0], ...t];
}

function flatten(x: Dim[]): Shape {
  if (x.length < 1) return undefined;
  const rest = x.slice(1);
  return [x[0], rest.every(known) ? dim((rest as number[]).reduce((a, b) => a * b, 1)) : null];
}

function permute(x: Dim[], c: Ctx): Shape {
  const dims = get(c.config, 'dims');
  if (!Array.isArray(dims) || !dims.every(isInt) || dims.length !== x.length - 1) return undefined;
  const sorted = [...(dims as number[])].sort((a, b) => a - b);
  if (!sorted.every((d, i) => d === i + 1)) return undefined;
  return [x[0], ...(dims as number[]).map((d) => x[d])];
}

/** Merge layers broadcast their inputs from the right; the batch is known when all known batches agree. */
function merge(inputs: Shape[]): Shape {
  if (inputs.length === 0 || inputs.some((s) => s === undefined || s.length === 0)) return undefined;
  const shapes = inputs as Dim[][];
  let out: Dim[] | undefined = shapes[0].slice(1);
  for (const s of shapes.slice(1)) {
    const a: Dim[] = out.length >= s.length - 1 ? out : s.slice(1);
    const b: Dim[] = out.length >= s.length - 1 ? s.slice(1) : out;
    const next = a.slice(0, a.length - b.length);
    for (let k = 0; k < b.length; k++) {
      const i = a[a.length - b.length + k];
      const j = b[k];
      if (!known(i) || !known(j)) next.push(null);
      else if (i === 1) next.push(j);
      else if (j === 1 || i === j) next.push(i);
      else return undefined; // not broadcastable: a broken model, not a shape to show
    }
    out = next;
  }
  const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null));
  return [batches.size === 1 ? [...batches][0] : null, ...out];
}

function concatenate(inputs: Shape[], c: Ctx): Shape {
  if (inputs.length === 0 || inputs.some((s) => s === undefined)) return undefined;
  const shapes = inputs as Dim[][];
  const rank = shapes[0].length;
  if (shapes.some((s) => s.length !== rank)) return undefined;
  const axis = normalizeAxis(intOf(c.config, 'axis', -1) ?? -1, rank);
  if (axis === undefined) return undefined;
  const out = shapes[0].slice();
  out[axis] = shapes.every((s) => known(s[axis])) ? dim(shapes.reduce((n, s) => n + (s[axis] as number), 0)) : null;
  if (!c.tfjs) {
    // Keras 3 takes a known size of another axis from whichever input knows it.
    for (let a = 0; a < rank; a++) if (a !== axis && out[a] === null) out[a] = shapes.map((s) => s[a]).find((d) => d !== null) ?? null;
  }
  return out;
}

function dot(inputs: Shape[], c: Ctx): Shape {
  const [s1, s2] = inputs;
  if (inputs.length !== 2 || !s1 || !s2 || s1.length < 2 || s2.length < 2) return undefined;
  const axes = get(c.config, 'axes');
  const pair = isInt(axes) ? [axes, axes] : Array.isArray(axes) && axes.length === 2 && axes.every(isInt) ? (axes as number[]) : undefined;
  if (!pair) return undefined;
  const a0 = normalizeAxis(pair[0], s1.length);
  const a1 = normalizeAxis(pair[1], s2.length);
  if (a0 === undefined || a1 === undefined) return undefined;
  const out = [...s1.filter((_, i) => i !== a0), ...s2.filter((_, i) => i !== a1).slice(1)];
  if (out.length === 1) out.push(1);
  return out;
}

function embedding(x: Dim[], c: Ctx): Shape {
  const outputDim = intOf(c.config, 'output_dim');
  if (outputDim === undefined) return undefined;
  const len = get(c.config, 'input_length');
  if (len === undefined || len === null) return [...x, outputDim];
  const lens = (Array.isArray(len) ? len : [len]).map((d) => (known(d as Dim) ? (d as number) : null));
  if (lens.length !== x.length - 1) return undefined;
  return [x[0], ...lens.map((d, k) => d ?? x[k + 1]), outputDim];
}

/** Units and number of states of a recurrent layer, from its own config or its cell(s). */
function recurrentCell(c: Ctx): { units: number; states: number[] } | undefined {
  const n = RNN_STATES[c.className];
  const units = intOf(c.config, 'units');
  if (n !== undefined) return units === undefined ? undefined : { units, states: Array<number>(n).fill(units) };
  // RNN(cell) and RNN([cells]): the output is the last cell's, the states are every cell's, last cell first.
  const cell = get(c.config, 'cell');
  const list = Array.isArray(cell) ? cell : isObject(cell) && cell.class_name === 'StackedRNNCells' && isObject(cell.config) && Array.isArray(cell.config.cells) ? cell.config.cells : [cell];
  const cells: { units: number; states: number }[] = [];
  for (const x of list) {
    if (!isObject(x) || typeof x.class_name !== 'string' || !isObject(x.config)) return undefined;
    const u = intOf(x.config, 'units') ?? intOf(x.config, 'filters');
    const s = CELL_STATES[x.class_name];
    if (u === undefined || s === undefined) return undefined;
    cells.push({ units: u, states: s });
  }
  if (cells.length === 0) return undefined;
  const states = cells.slice().reverse().flatMap((x) => Array<number>(x.states).fill(x.units));
  return { units: cells[cells.length - 1].units, states };
}

function recurrent(x: Dim[], c: Ctx): Shape[] {
  if (x.length !== 3) return [];
  const cell = recurrentCell(c);
  if (!cell) return [];
  const timeMajor = boolOf(c.config, 'time_major');
  const batch = timeMajor ? x[1] : x[0];
  const out: Dim[] = boolOf(c.config, 'return_sequences') ? [x[0], x[1], cell.units] : [batch, cell.units];
  if (!boolOf(c.config, 'return_state')) return [out];
  return [out, ...cell.states.map((u) => [batch, u])];
}

function convLstm(x: Dim[], c: Ctx): Shape[] {
  const n = rankOf(c.className);
  if (n === 0 || x.length !== n + 3) return [];
  const first = channelsFirst(c.config);
  const kernel = intsOf(c.config, 'kernel_size', n);
  const strides = intsOf(c.config, 'strides', n, 1);
  const dilation = intsOf(c.config, 'dilation_rate', n, 1);
  const filters = intOf(c.config, 'filters');
  if (!positive(kernel) || !positive(strides) || !positive(dilation) || filters === undefined) return [];
  const padding = paddingOf(c.config);
  if (!padding) return [];
  // Per time step: [batch, *spatial, filters] (or filters first).
  const step = [x[0], ...x.slice(2)];
  const spatial = spatialAxes(step.length, n, first);
  spatial.forEach((a, i) => (step[a] = convLength(step[a], kernel[i], padding, strides[i], dilation[i])));
  step[channelAxis(step.length, first)] = filters;
  const out = boolOf(c.config, 'return_sequences') ? [x[0], x[1], ...step.slice(1)] : step;
  if (!boolOf(c.config, 'return_state')) return [out];
  return [out, step.slice(), step.slice()];
}

function timeDistributed(x: Dim[], c: Ctx): Shape {
  const inner = innerLayer(c.config);
  if (!inner || x.length < 3) return undefined;
  const child = layerOutputShapes(inner.className, inner.config, [[x[0], ...x.slice(2)]], c.semantics)[0];
  if (!child || child.length < 1) return undefined;
  return [child[0], x[1], ...child.slice(1)];
}

function bidirectional(inputs: Shape[], c: Ctx): Shape[] {
  const inner = innerLayer(c.config);
  if (!inner) return [];
  const forward = layerOutputShapes(inner.className, inner.config, inputs.slice(0, 1), c.semantics);
  const out = forward[0];
  if (!out) return [];
  const mode = get(c.config, 'merge_mode');
  const states = forward.slice(1);
  let outputs: Shape[];
  if (mode === null) outputs = [out, out.slice()];
  else if (mode === undefined || mode === 'concat') {
    const backward = isObject(get(c.config, 'backward_layer')) ? (get(c.config, 'backward_layer') as Config) : undefined;
    const bwd = backward && typeof backward.class_name === 'string' && isObject(backward.config) ? layerOutputShapes(backward.class_name, backward.config, inputs.slice(0, 1), c.semantics)[0] : out;
    const last = out[out.length - 1];
    const other = bwd?.[bwd.length - 1];
    outputs = [[...out.slice(0, -1), known(last) && known(other) ? last + other : null]];
  } else outputs = [out];
  if (!boolOf(inner.config, 'return_state')) return outputs;
  return [...outputs, ...states, ...states.map((s) => s?.slice())];
}

/** EinsumDense: the batch, then the configured partial output shape, plus the elided ("...") axes. */
function einsumDense(x: Dim[], c: Ctx): Shape {
  const equation = get(c.config, 'equation');
  const partial = get(c.config, 'output_shape');
  if (typeof equation !== 'string') return undefined;
  const spec = Array.isArray(partial) ? partial : [partial];
  if (!spec.every((d) => d === null || isInt(d))) return undefined;
  const eq = equation.replace(/\s/g, '').replace(/\.\.\./g, '0');
  const plain = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$/.exec(eq);
  const left = /^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$/.exec(eq);
  const right = /^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$/.exec(eq);
  const m = plain ?? left ?? right;
  if (!m) return undefined;
  const elided = x.length - m[1].length;
  const out: Dim[] = [x[0], ...(spec as Dim[]).map((d) => (known(d) ? d : null))];
  if (elided > 0 && left) for (let i = 1; i < elided; i++) out.splice(i, 0, x[i]);
  else if (elided > 0) for (let i = x.length - elided; i < x.length; i++) out.push(x[i]);
  // Output axes shared with the input take the input's size where the config leaves them open.
  const inAxis = (ch: string) => (left ? m[1].indexOf(ch) + elided : m[1].indexOf(ch));
  const outAxis = (ch: string) => (left ? m[3].indexOf(ch) + elided : m[3].indexOf(ch));
  for (const ch of m[3]) if (m[1].includes(ch) && out[outAxis(ch)] === null) out[outAxis(ch)] = x[inAxis(ch)] ?? null;
  return out;
}

function attention(inputs: Shape[], c: Ctx): Shape[] {
  const [q, v] = inputs;
  if (!q || !v || q.length < 2 || v.length < 2) return [];
  if (c.className === 'MultiHeadAttention') {
    const os = get(c.config, 'output_shape');
    const tail = isInt(os) ? [os] : Array.isArray(os) && os.every((d) => d === null || isInt(d)) ? (os as Dim[]) : [q[q.length - 1]];
    const heads = intOf(c.config, 'num_heads');
    const scores = q.length === 3 && v.length === 3 && heads !== undefined ? [q[0], heads, q[1], v[1]] : undefined;
    return [[...q.slice(0, -1), ...tail], scores];
  }
  // Attention / AdditiveAttention: one output per query step with the value's features.
  return [[...q.slice(0, -1), v[v.length - 1]], q.length === 3 && v.length === 3 ? [q[0], q[1], v[1]] : undefined];
}

function imageSize(x: Dim[], c: Ctx, height: Dim, width: Dim): Shape {
  if (x.length !== 3 && x.length !== 4) return undefined;
  const first = channelsFirst(c.config);
  const out = x.slice();
  const h = first ? x.length - 2 : x.length - 3;
  out[h] = height;
  out[h + 1] = width;
  return out;
}

function categoryEncoding(x: Shape, c: Ctx): Shape {
  const tokens = intOf(c.config, 'num_tokens');
  if (tokens === undefined) return undefined;
  if (!x || x.length === 0) return [tokens];
  const mode = stringOf(c.config, 'output_mode', 'multi_hot').replace('_', '').toLowerCase();
  if (mode === 'onehot' && x[x.length - 1] !== 1) return [...x, tokens];
  return [...x.slice(0, -1), tokens];
}

/**
 * The output shapes of one call of a layer, by output tensor index (an empty list when nothing is
 * known). `inputs` are the shapes of the call's input tensors in call order.
 */
export function layerOutputShapes(className: string, config: Config, inputs: Shape[], semantics: ShapeSemantics = 'tfjs'): Shape[] {
  const c: Ctx = { className, config, inputs, semantics, tfjs: semantics === 'tfjs' && TFJS_CLASSES.has(className) };
  const x = inputs[0];
  const one = (s: Shape): Shape[] => (s ? [s] : []);
  if (className === 'InputLayer' || SAME_SHAPE.has(className)) return one(x?.slice());
  if (MERGE.has(className)) return one(merge(inputs));
  if (className === 'Concatenate') return one(concatenate(inputs, c));
  if (className === 'Dot') return one(dot(inputs, c));
  if (className === 'Attention' || className === 'AdditiveAttention' || className === 'MultiHeadAttention') return attention(inputs, c);
  if (className === 'Bidirectional') return bidirectional(inputs, c);
  // Flattening anything gives [batch, features], even from an input of unknown rank.
  if (className === 'Flatten') return one(x ? flatten(x) : [null, null]);
  if (!x) return [];
  if (className === 'Dense') return one(x.length >= 1 && intOf(config, 'units') !== undefined ? [...x.slice(0, -1), intOf(config, 'units') as number] : undefined);
  if (/^(Conv|Convolution|SeparableConv|SeparableConvolution|DepthwiseConv|LocallyConnected)[123]D(Transpose)?$/.test(className)) return one(conv(x, c));
  if (/^(Max|Average|Avg)Pool(ing)?[123]D$/.test(className)) return one(pooling(x, c));
  if (/^Global(Max|Average|Avg)Pool(ing)?[123]D$/.test(className)) return one(globalPooling(x, c));
  if (/^ZeroPadding[123]D$/.test(className)) return one(padOrCrop(x, c, 1));
  if (/^Cropping[123]D$/.test(className)) return one(padOrCrop(x, c, -1));
  if (/^UpSampling[123]D$/.test(className)) return one(upSampling(x, c));
  if (/^ConvLSTM[123]D$/.test(className)) return convLstm(x, c);
  if (className in RNN_STATES || className === 'RNN') return recurrent(x, c);
  switch (className) {
    case 'Reshape':
      return one(reshape(x, c));
    case 'Permute':
      return one(permute(x, c));
    case 'RepeatVector':
      return one(x.length === 2 && intOf(config, 'n') !== undefined ? [x[0], intOf(config, 'n') as number, x[1]] : undefined);
    case 'Embedding':
      return one(embedding(x, c));
    case 'TimeDistributed':
      return one(timeDistributed(x, c));
    case 'EinsumDense':
      return one(einsumDense(x, c));
    case 'CategoryEncoding':
      return one(categoryEncoding(x, c));
    case 'Resizing':
    case 'CenterCrop':
    case 'RandomCrop': {
      const h = intOf(config, 'height');
      const w = intOf(config, 'width');
      return one(h !== undefined && w !== undefined ? imageSize(x, c, h, w) : undefined);
    }
    case 'RandomWidth':
    case 'RandomHeight': {
      const first = channelsFirst(config);
      const h = x.length - (first ? 2 : 3);
      if (x.length !== 3 && x.length !== 4) return [];
      return one(className === 'RandomWidth' ? imageSize(x, c, x[h], null) : imageSize(x, c, null, x[h + 1]));
    }
    default:
      return [];
  }
}
