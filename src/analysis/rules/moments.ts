// Per-channel mean and variance of every value, propagated through an ONNX graph from the weights
// alone: graph inputs are taken as zero-mean unit-variance, a BatchNormalization's output as
// Normal(B, scale²) (its input near the running statistics), linear layers add means and (assuming
// independent inputs) variances, element-wise activations are integrated numerically.
//
// Why: PyTorch's eval-mode export folds BatchNorm into the convolution's weights and bias, so a
// planted shift leaves only a large negative bias. Judging that bias against ‖w‖ alone assumes
// unit-variance inputs; after a ReLU the inputs are smaller and non-negative, and the measured
// miss was total: channels shifted by 4–6 σ in a second conv layer (dead over 2,048 samples)
// scored b/‖w‖ ≈ −2.5. With propagated moments the same channels score ≈ −5.
import { ModelError, type Node, type Tensor } from '../../core/model';
import { InternalErrorLog } from '../../core/internalErrors';
import { activationOf } from '../activations';
import { WorkBudget } from './budget';
import type { GraphIndex } from './graphIndex';
import { MAX_UNITS, readAll, unitWeightSumsAlongside } from './stats';

export interface Moments {
  /** Per channel (axis 1); one entry when the same for every channel. */
  mean: Float64Array;
  variance: Float64Array;
}

const SHAPE_ONLY = new Set(['Identity', 'Dropout', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Pad', 'Cast']);

/** A numeric attribute as stored (NaN and ±Infinity included: callers check what they use). */
function attrNum(node: Node, name: string): number | undefined {
  const a = node.attributes.find((x) => x.name === name);
  return a && (a.value.type === 'int' || a.value.type === 'float') ? Number(a.value.value) : undefined;
}

/** A parameter of an activation, when the file's value is usable (finite). */
function param(params: Record<string, number>, name: string, fallback: number): number | undefined {
  const v = Object.hasOwn(params, name) ? params[name] : fallback;
  return Number.isFinite(v) ? v : undefined;
}

/** E[f(X)] and Var[f(X)] for X ~ Normal(m, v), by the trapezoid rule over m ± 8σ. */
function throughFunction(f: (x: number) => number, m: number, v: number): [number, number] {
  if (!(v > 0)) {
    const y = f(m);
    return [y, 0];
  }
  const s = Math.sqrt(v);
  const n = 128;
  let e1 = 0, e2 = 0, wsum = 0;
  for (let i = 0; i <= n; i++) {
    const z = -8 + (16 * i) / n;
    const w = Math.exp(-0.5 * z * z) * (i === 0 || i === n ? 0.5 : 1);
    const y = f(m + s * z);
    e1 += w * y;
    e2 += w * y * y;
    wsum += w;
  }
  e1 /= wsum;
  e2 /= wsum;
  return [e1, Math.max(0, e2 - e1 * e1)];
}

function elementwise(op: string, params: Record<string, number>): ((x: number) => number) | undefined {
  switch (op) {
    case 'Relu': return (x) => (x > 0 ? x : 0);
    case 'Relu6': { const hi = param(params, 'max', 6); return hi === undefined ? undefined : (x) => Math.min(Math.max(x, 0), hi); }
    case 'LeakyRelu': { const a = param(params, 'alpha', 0.01); return a === undefined ? undefined : (x) => (x > 0 ? x : a * x); }
    case 'Elu': { const a = param(params, 'alpha', 1); return a === undefined ? undefined : (x) => (x > 0 ? x : a * Math.expm1(x)); }
    case 'Sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'Tanh': return Math.tanh;
    case 'HardSigmoid': {
      const a = param(params, 'alpha', 0.2), b = param(params, 'beta', 0.5);
      return a === undefined || b === undefined ? undefined : (x) => Math.min(1, Math.max(0, a * x + b));
    }
    case 'HardSwish': return (x) => x * Math.min(1, Math.max(0, x / 6 + 0.5));
    default: return undefined;
  }
}

function mapChannels(m: Moments, f: (x: number) => number): Moments {
  const mean = new Float64Array(m.mean.length);
  const variance = new Float64Array(m.mean.length);
  for (let c = 0; c < m.mean.length; c++) [mean[c], variance[c]] = throughFunction(f, m.mean[c], m.variance[c]);
  return { mean, variance };
}

/** How weight elements map to output units and input channels. `rows`: element i belongs to unit
 *  ⌊i / perUnit⌋ and reads input feature ⌊(i mod perUnit) / spatial⌋ (Conv, Gemm with transB);
 *  `cols`: unit i mod units, feature ⌊i / units⌋ (MatMul, Gemm). Feature → input channel via `channel`. */
type Layout =
  | { kind: 'rows'; units: number; perUnit: number; spatial: number; unitsPerGroup: number; featuresPerGroup: number }
  | { kind: 'cols'; units: number };

/** Per-unit mean and variance of a linear map's output: Σ w·μ(ch) + b and Σ w²·v(ch). Each unit's
 *  terms are added in the order the weights are stored, in runs that share a unit (rows) or an
 *  input feature (cols), with counters instead of a division per element, one chunk per call of a
 *  small function that V8 optimises whole (a loop optimised while it runs is slower). When each
 *  element chose its layout and skipped zeros, this took 6.4–9.1 s of a 32 s `scan` of 4.3 GB of
 *  MatMul weights (CPU profile; `npm run bench`, "Static rules on it", has the whole). A zero
 *  weight adds ±0, which changes no sum: the moments are finite and the sums start at +0. */
async function linearMoments(weight: Tensor, layout: Layout, channel: Int32Array, input: Moments, bias: Float64Array | undefined, alpha = 1, beta = 1): Promise<Moments | undefined> {
  const units = layout.units;
  let sums: LinearSums | undefined;
  // The per-unit weight sums the linear → ReLU rule asks for (same units and runs), from this
  // same read of the weights.
  const unitSums = unitWeightSumsAlongside(weight, units, layout.kind === 'rows' ? layout.perUnit : 1);
  for await (const chunk of weight.values()) {
    // Sized by the units only once the weight has produced values (never by its claim alone).
    sums ??= { channel: input.mean.length === 1 ? undefined : channel, mu: input.mean, va: input.variance, alpha, mean: new Float64Array(units), variance: new Float64Array(units), u: 0, f: 0, sp: 0 };
    if (layout.kind === 'rows') addRows(sums, layout, chunk);
    else addCols(sums, units, chunk);
    unitSums?.add(chunk);
  }
  unitSums?.finish();
  if (!sums) return undefined;
  const { mean, variance } = sums;
  if (bias) for (let q = 0; q < units; q++) mean[q] += beta * (bias.length === 1 ? bias[0] : bias[q]);
  return { mean, variance };
}

/** The running sums of linearMoments and where the stream is: rows, unit u, feature f of its
 *  group, position sp in the spatial kernel; cols, unit u of input feature f. Without `channel`
 *  every feature reads the one input channel. */
interface LinearSums {
  channel: Int32Array | undefined;
  mu: Float64Array;
  va: Float64Array;
  alpha: number;
  mean: Float64Array;
  variance: Float64Array;
  u: number;
  f: number;
  sp: number;
}

function addRows(s: LinearSums, layout: Extract<Layout, { kind: 'rows' }>, chunk: Float64Array): void {
  const { perUnit, spatial, unitsPerGroup, featuresPerGroup } = layout;
  const { channel, mu, va, alpha, mean, variance } = s;
  const n = chunk.length;
  let { u, f, sp } = s;
  for (let k = 0; k < n; ) {
    const end = Math.min(n, k + perUnit - (f * spatial + sp));
    const base = Math.floor(u / unitsPerGroup) * featuresPerGroup;
    let m = mean[u], v = variance[u];
    for (; k < end; k++) {
      const w = alpha * chunk[k];
      const c = channel ? channel[base + f] : 0;
      m += w * mu[c];
      v += w * w * va[c];
      if (++sp === spatial) {
        sp = 0;
        f++;
      }
    }
    mean[u] = m;
    variance[u] = v;
    if (f === featuresPerGroup) {
      f = 0;
      u++;
    }
  }
  s.u = u;
  s.f = f;
  s.sp = sp;
}

function addCols(s: LinearSums, units: number, chunk: Float64Array): void {
  const { channel, mu, va, alpha, mean, variance } = s;
  const n = chunk.length;
  let { u, f } = s;
  for (let k = 0; k < n; ) {
    const end = Math.min(n, k + units - u);
    const c = channel ? channel[f] : 0;
    const m = mu[c], v = va[c];
    for (; k < end; k++, u++) {
      const w = alpha * chunk[k];
      mean[u] += w * m;
      variance[u] += w * w * v;
    }
    if (u === units) {
      u = 0;
      f++;
    }
  }
  s.u = u;
  s.f = f;
}

/** Input feature → channel of the moments: the same index, or blocks of a flattened NCHW tensor. */
function featureToChannel(input: Moments, features: number): Int32Array | undefined {
  const c = input.mean.length;
  const map = new Int32Array(features);
  if (c === 1) return map;
  if (c === features) return map.map((_, k) => k);
  if (features % c === 0) {
    const per = features / c;
    return map.map((_, k) => Math.floor(k / per));
  }
  return undefined;
}

export async function computeMoments(index: GraphIndex, log = new InternalErrorLog(), budget = WorkBudget.forGraph(index.graph)): Promise<Map<string, Moments>> {
  const out = new Map<string, Moments>();
  for (const v of index.graph.inputs) out.set(v.name, { mean: Float64Array.of(0), variance: Float64Array.of(1) });
  for (const node of index.graph.nodes) {
    try {
      const m = await nodeMoments(index, node, out, budget);
      if (m && node.outputs[0]) {
        let finite = true;
        for (let c = 0; c < m.mean.length; c++) if (!Number.isFinite(m.mean[c]) || !Number.isFinite(m.variance[c])) finite = false;
        if (finite) out.set(node.outputs[0], m);
      }
    } catch (e) {
      // Unreadable weights: the value simply has no moments (the rules report the weights).
      if (!(e instanceof ModelError)) log.report('moment propagation', `node '${node.name || node.opType}'`, e);
    }
  }
  return out;
}

/** A whole number usable as a count (group, channels). */
function count(v: number | undefined): v is number {
  return v !== undefined && Number.isSafeInteger(v) && v >= 1;
}

async function nodeMoments(index: GraphIndex, node: Node, known: Map<string, Moments>, budget: WorkBudget): Promise<Moments | undefined> {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  const x = known.get(node.inputs[0] ?? '');
  const op = node.opType;
  if (op === 'BatchNormalization') {
    const scale = index.constTensor(node.inputs[1]);
    const bias = index.constTensor(node.inputs[2]);
    if (!scale || !bias) return undefined;
    const g = await readAll(scale), b = await readAll(bias);
    if (!g || !b || g.length !== b.length) return undefined;
    return { mean: b, variance: g.map((v) => v * v) };
  }
  if (!x) return undefined;
  if (SHAPE_ONLY.has(op)) return x;
  const act = activationOf(node, index.constScalar);
  if (act && !act.fused) {
    const f = elementwise(act.op, act.params);
    return f ? mapChannels(x, f) : undefined;
  }
  if (op === 'Clip') return undefined;
  if (op === 'Conv') {
    const w = index.constTensor(node.inputs[1]);
    // No elements, no channels: dims such as [2^31, 0, 3, 3] claim what is not there.
    if (!w || w.shape.length < 3 || w.elementCount === 0) return undefined;
    const [o, ipg] = w.shape;
    const k = w.elementCount / (o * ipg);
    const groups = attrNum(node, 'group') ?? 1;
    // groups divides the output channels, so groups × ipg ≤ o × ipg ≤ the weight's elements.
    if (!count(groups) || o % groups !== 0 || o > MAX_UNITS) return undefined;
    const opg = o / groups;
    if (x.mean.length !== 1 && x.mean.length !== ipg * groups) return undefined;
    const b = index.constTensor(node.inputs[2]);
    const bias = b ? await readAll(b) : undefined;
    if (b && (!bias || (bias.length !== 1 && bias.length !== o))) return undefined;
    if (!budget.spend(w.elementCount)) return undefined;
    const identity = Int32Array.from({ length: ipg * groups }, (_, i) => i);
    return linearMoments(w, { kind: 'rows', units: o, perUnit: ipg * k, spatial: k, unitsPerGroup: opg, featuresPerGroup: ipg }, identity, x, bias);
  }
  if (op === 'Gemm' || op === 'MatMul') {
    const w = index.constTensor(node.inputs[1]);
    if (!w || w.shape.length !== 2 || w.elementCount === 0) return undefined;
    const transB = op === 'Gemm' ? (attrNum(node, 'transB') ?? 0) !== 0 : false;
    if (op === 'Gemm' && attrNum(node, 'transA')) return undefined;
    const alpha = op === 'Gemm' ? attrNum(node, 'alpha') ?? 1 : 1;
    const beta = op === 'Gemm' ? attrNum(node, 'beta') ?? 1 : 1;
    if (!Number.isFinite(alpha) || !Number.isFinite(beta)) return undefined;
    const [r, c] = w.shape;
    const units = transB ? r : c;
    const features = transB ? c : r;
    if (units > MAX_UNITS || features > MAX_UNITS) return undefined;
    const ch = featureToChannel(x, features);
    if (!ch) return undefined;
    const cT = op === 'Gemm' ? index.constTensor(node.inputs[2]) : undefined;
    if (cT && cT.elementCount !== units && cT.elementCount !== 1) return undefined;
    const bias = cT ? await readAll(cT) : undefined;
    if (cT && !bias) return undefined;
    if (!budget.spend(w.elementCount)) return undefined;
    const layout: Layout = transB ? { kind: 'rows', units, perUnit: c, spatial: 1, unitsPerGroup: units, featuresPerGroup: c } : { kind: 'cols', units };
    return linearMoments(w, layout, ch, x, bias, alpha, beta);
  }
  if (op === 'Add' || op === 'Sub') {
    const [a, b] = node.inputs;
    const ca = index.constTensor(a), cb = index.constTensor(b);
    if (ca || cb) {
      const t = (cb ?? ca)!;
      const data = known.get(cb ? a : b);
      if (!data || (op === 'Sub' && ca)) return undefined;
      if (t.elementCount !== 1 && t.elementCount !== data.mean.length) return undefined;
      const v = await readAll(t);
      if (!v) return undefined;
      const sign = op === 'Sub' ? -1 : 1;
      const mean = Float64Array.from(data.mean, (m, c) => m + sign * (v.length === 1 ? v[0] : v[c]));
      return { mean, variance: data.variance };
    }
    const ma = known.get(a), mb = known.get(b);
    if (!ma || !mb) return undefined;
    const n = Math.max(ma.mean.length, mb.mean.length);
    if ((ma.mean.length !== 1 && ma.mean.length !== n) || (mb.mean.length !== 1 && mb.mean.length !== n)) return undefined;
    const at = (arr: Float64Array, c: number) => (arr.length === 1 ? arr[0] : arr[c]);
    const sign = op === 'Sub' ? -1 : 1;
    return {
      mean: Float64Array.from({ length: n }, (_, c) => at(ma.mean, c) + sign * at(mb.mean, c)),
      variance: Float64Array.from({ length: n }, (_, c) => at(ma.variance, c) + at(mb.variance, c)),
    };
  }
  if (op === 'Concat' && (attrNum(node, 'axis') ?? 0) === 1) {
    const parts = node.inputs.map((i) => known.get(i));
    // The output has as many channels as its parts together: one value concatenated 50,000 times
    // is a hundred million channels, which no rule needs.
    let channels = 0;
    for (const p of parts) {
      if (!p || p.mean.length === 1) return undefined;
      channels += p.mean.length;
      if (channels > MAX_UNITS) return undefined;
    }
    const mean = new Float64Array(channels), variance = new Float64Array(channels);
    let at = 0;
    for (const p of parts as Moments[]) {
      mean.set(p.mean, at);
      variance.set(p.variance, at);
      at += p.mean.length;
    }
    return { mean, variance };
  }
  return undefined;
}
