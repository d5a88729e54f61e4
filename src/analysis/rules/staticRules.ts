// Static dying-ReLU rules: weights only, no data. Each rule looks at a ReLU and what computes its
// input (BatchNormalization, Conv/Gemm/MatMul(+Add), a TF.js layer with `activation: 'relu'`, a fused
// graph-model op) and reports the channels that are dead for every input or almost never active.
import { ModelError, printable, type Model, type Node, type Tensor } from '../../core/model';
import { InternalErrorLog } from '../../core/internalErrors';
import { activationOf } from '../activations';
import { describeUnits, RULES, severityForFraction, type Confidence, type Finding, type RuleId, type Severity } from '../findings';
import { suggestFor, type SuggestionContext } from '../suggestions';
import { GraphIndex, NORMALISATION, PASS_THROUGH, reluSites, type ReluSite } from './graphIndex';
import { computeMoments, type Moments } from './moments';
import { computeRanges, type Interval } from './ranges';
import { formatProbability, normalCdf, normalQuantile, readAll, unitWeightSums } from './stats';
import { WorkBudget } from './budget';

export interface StaticRuleOptions {
  /** Channels whose estimated probability of being active is below this are flagged (default 0.001). */
  activeProbability?: number;
  /** Plain ReLU layers in a row before the chain rule reports (default 8). */
  chainLength?: number;
  /** ThresholdedRelu alphas at or above this are flagged (default 3: P(N(0,1) > 3) ≈ 0.13%). */
  thresholdedAlpha?: number;
}

interface Ctx {
  model: Model;
  index: GraphIndex;
  /** forwardThroughShapeOps results by value. */
  forward: Map<string, Forward>;
  ranges: Map<string, Interval>;
  /** Per-channel mean/variance of values (ONNX), for the folded-bias estimate. */
  moments: Map<string, Moments>;
  opts: Required<StaticRuleOptions>;
  zThreshold: number;
  denseStackWithoutNorm: boolean;
  findings: Finding[];
}

const LINEAR_TFJS = new Set(['Dense', 'Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'Conv2DTranspose', '_FusedConv2D', '_FusedMatMul', 'FusedConv2D', 'FusedMatMul', 'FusedDepthwiseConv2dNative', 'Conv2d', 'MatMul', 'DepthwiseConv2dNative']);
const CONV_OPS = /conv/i;

/** A numeric attribute as stored (NaN and ±Infinity included: callers check what they use). */
function attrNum(node: Node, name: string): number | undefined {
  const a = node.attributes.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.value.type === 'float' || a.value.type === 'int') return Number(a.value.value);
  if (a.value.type === 'json' && typeof a.value.value === 'number') return a.value.value;
  if (a.value.type === 'json' && typeof a.value.value === 'boolean') return a.value.value ? 1 : 0;
  return undefined;
}

function attrJson(node: Node, name: string): unknown {
  const a = node.attributes.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.value.type === 'json' || a.value.type === 'string' || a.value.type === 'float' || a.value.type === 'int') return a.value.value;
  return undefined;
}

/** A node or value name as findings show it (a name from the file cannot break the message). */
function nm(name: string): string {
  return printable(name, 80);
}

function label(node: Node): string {
  return `${nm(node.opType)} '${nm(node.name || node.outputs[0] || '?')}'`;
}

function push(ctx: Ctx, f: Omit<Finding, 'suggestions'>, sctx: Partial<SuggestionContext> = {}): void {
  const suggestions = suggestFor({
    rule: f.rule,
    units: f.unitCount,
    fraction: f.unitCount ? f.units.length / f.unitCount : undefined,
    denseStackWithoutNorm: ctx.denseStackWithoutNorm,
    ...sctx,
  }).map((s) => ({ variant: s.variant, params: s.params, reason: s.reason, cost: s.cost }));
  ctx.findings.push({ ...f, suggestions });
}

function severityFor(count: number, total: number): Severity {
  // A proven or near-certain dead channel is always worth a warning; half a layer is an error.
  return severityForFraction(count, total, 'warning');
}

/** Walks back from a ReLU's input through Identity/Dropout to the node computing the pre-activation. */
function preActivationNode(ctx: Ctx, site: ReluSite): Node | undefined {
  if (site.fused && carriesLinear(site.node)) return site.node;
  const input = ctx.index.dataInputs(site.node)[0] ?? site.node.inputs[0];
  return input ? ctx.index.producerThroughIdentity(input) : undefined;
}

// ---------------------------------------------------------------------------- BatchNorm → ReLU

interface BnParams {
  scale?: Tensor;
  bias?: Tensor;
  /** TF.js `scale: false` / `center: false`: the parameter is the constant 1 / 0. */
  scaleIsOne: boolean;
  biasIsZero: boolean;
}

function bnParams(ctx: Ctx, node: Node): BnParams | undefined {
  if (node.opType !== 'BatchNormalization') return undefined;
  if (ctx.model.format === 'onnx') {
    const scale = ctx.index.constTensor(node.inputs[1]);
    const bias = ctx.index.constTensor(node.inputs[2]);
    if (!scale || !bias) return undefined;
    return { scale, bias, scaleIsOne: false, biasIsZero: false };
  }
  const scale = ctx.index.weightBySuffix(node, 'gamma', 'scale');
  const bias = ctx.index.weightBySuffix(node, 'beta', 'offset');
  const cfgScale = attrJson(node, 'scale');
  const cfgCenter = attrJson(node, 'center');
  if (!scale && cfgScale !== false) return undefined;
  if (!bias && cfgCenter !== false) return undefined;
  return { scale, bias, scaleIsOne: !scale, biasIsZero: !bias };
}

async function batchNormRule(ctx: Ctx, site: ReluSite, bn: Node): Promise<boolean> {
  const p = bnParams(ctx, bn);
  if (!p) return false;
  // Read what the file stores first; a missing parameter (TF.js scale: false) takes its length.
  const storedScale = p.scale ? await readAll(p.scale) : undefined;
  const storedBias = p.bias ? await readAll(p.bias) : undefined;
  if ((p.scale && !storedScale) || (p.bias && !storedBias)) return false;
  const n = storedScale?.length ?? storedBias?.length ?? 0;
  if (n === 0) return false;
  const scale = storedScale ?? new Float64Array(n).fill(1);
  const bias = storedBias ?? new Float64Array(n);
  if (scale.length !== bias.length) return false;
  const dead: number[] = [];
  const inactive: { c: number; z: number }[] = [];
  for (let c = 0; c < n; c++) {
    const g = scale[c], b = bias[c];
    if (!Number.isFinite(g) || !Number.isFinite(b)) continue;
    if (g === 0) {
      if (b <= 0) dead.push(c);
      continue;
    }
    const z = b / Math.abs(g);
    if (z < ctx.zThreshold) inactive.push({ c, z });
  }
  const sctx = { afterBatchNorm: true };
  if (dead.length) {
    push(ctx, {
      rule: 'bn-relu-dead', severity: severityFor(dead.length, n), confidence: 'high', node: site.node.name, source: bn.name, units: dead, unitCount: n,
      message: `${describeUnits(dead)} of ${n} in ${label(bn)} ${dead.length === 1 ? 'has' : 'have'} scale 0 and shift ≤ 0: the ReLU '${nm(site.node.name)}' outputs 0 for every input.`,
    }, sctx);
  }
  if (inactive.length) {
    const worst = inactive.reduce((a, b) => (b.z < a.z ? b : a));
    const units = inactive.map((x) => x.c);
    push(ctx, {
      rule: 'bn-relu-inactive', severity: severityFor(units.length, n), confidence: 'medium', node: site.node.name, source: bn.name, units, unitCount: n,
      message: `${describeUnits(units)} of ${n} in ${label(bn)} are almost never active after the ReLU '${nm(site.node.name)}': P(active) ≈ Φ(B/|scale|) < ${formatProbability(ctx.opts.activeProbability)} (channel ${worst.c}: Φ(${fmtZ(worst.z)}) ≈ ${formatProbability(normalCdf(worst.z))}).`,
    }, sctx);
  }
  return true;
}

// ---------------------------------------------------------------------------- Linear → ReLU

interface LinearUnits {
  node: Node;
  weight: Tensor;
  units: number;
  /** See unitWeightSums. */
  inner: number;
  /** Effective weight multiplier (Gemm alpha). */
  alpha: number;
  bias?: Tensor;
  biasScale: number;
  /** The tensor the weights multiply. */
  input: string;
  isConv: boolean;
}

function onnxLinear(ctx: Ctx, node: Node): LinearUnits | undefined {
  const idx = ctx.index;
  if (node.domain !== '' && node.domain !== 'com.microsoft') return undefined;
  // Weights with no elements hold no unit, whatever their dims claim ([2^31, 0, 3, 3]).
  if (node.opType === 'Conv' || node.opType === 'FusedConv') {
    const w = idx.constTensor(node.inputs[1]);
    if (!w || w.shape.length < 3 || w.elementCount === 0) return undefined;
    const units = w.shape[0];
    return { node, weight: w, units, inner: w.elementCount / units, alpha: 1, bias: idx.constTensor(node.inputs[2]), biasScale: 1, input: node.inputs[0], isConv: true };
  }
  if (node.opType === 'Gemm' || node.opType === 'FusedGemm') {
    const w = idx.constTensor(node.inputs[1]);
    if (!w || w.shape.length !== 2 || w.elementCount === 0) return undefined;
    const transB = (attrNum(node, 'transB') ?? 0) !== 0;
    const units = transB ? w.shape[0] : w.shape[1];
    const alpha = attrNum(node, 'alpha') ?? 1, beta = attrNum(node, 'beta') ?? 1;
    if (!Number.isFinite(alpha) || !Number.isFinite(beta)) return undefined; // NaN/∞ scales say nothing about units
    const c = idx.constTensor(node.inputs[2]);
    const bias = c && (c.elementCount === units || c.elementCount === 1) ? c : undefined;
    if (c && !bias) return undefined; // a bias per row of the batch: not per unit
    return { node, weight: w, units, inner: transB ? w.shape[1] : 1, alpha, bias, biasScale: beta, input: node.inputs[0], isConv: false };
  }
  if (node.opType === 'MatMul') {
    const w = idx.constTensor(node.inputs[1]);
    if (!w || w.shape.length !== 2 || w.elementCount === 0) return undefined;
    return { node, weight: w, units: w.shape[1], inner: 1, alpha: 1, biasScale: 1, input: node.inputs[0], isConv: false };
  }
  return undefined;
}

function tfjsLinear(ctx: Ctx, node: Node): LinearUnits | undefined {
  if (!LINEAR_TFJS.has(node.opType)) return undefined;
  const idx = ctx.index;
  const weights = (node.weights ?? []).map((w) => idx.initializers.get(w)).filter((t): t is Tensor => !!t);
  const kernel = idx.weightBySuffix(node, 'kernel', 'depthwise_kernel', 'weights', 'filter') ?? weights.find((t) => t.shape.length >= 2);
  if (!kernel || kernel.shape.length < 2 || kernel.elementCount === 0) return undefined;
  const bias = idx.weightBySuffix(node, 'bias', 'biases') ?? weights.find((t) => t !== kernel && t.shape.length === 1);
  const s = kernel.shape;
  const depthwise = /depthwise/i.test(node.opType);
  const transposeB = attrJson(node, 'transpose_b') === true;
  // TF kernels keep the output units on the last axis (depthwise: in × multiplier on the last two).
  const units = depthwise ? s[s.length - 2] * s[s.length - 1] : transposeB ? s[0] : s[s.length - 1];
  const inner = transposeB ? kernel.elementCount / s[0] : 1;
  if (bias && bias.elementCount !== units) return undefined;
  const input = node.inputs.find((i) => !idx.initializers.has(i)) ?? node.inputs[0];
  return { node, weight: kernel, units, inner, alpha: 1, bias, biasScale: 1, input, isConv: CONV_OPS.test(node.opType) };
}

/** A node that computes a linear map itself (as opposed to a TF.js Activation/ReLU layer). */
function carriesLinear(node: Node): boolean {
  return LINEAR_TFJS.has(node.opType) || node.opType === 'FusedConv' || node.opType === 'FusedGemm' || node.opType === 'FusedMatMul';
}

/** The linear node feeding a ReLU, with an Add of a per-unit constant folded in as its bias. */
function linearFeeding(ctx: Ctx, site: ReluSite, pre: Node): LinearUnits | undefined {
  if (pre === site.node || ctx.model.format !== 'onnx') return ctx.model.format === 'onnx' ? onnxLinear(ctx, pre) : tfjsLinear(ctx, pre);
  if (pre.opType === 'Add' && pre.domain === '') {
    const [a, b] = pre.inputs;
    const constA = ctx.index.constTensor(a), constB = ctx.index.constTensor(b);
    const bias = constB ?? constA;
    const other = constB ? a : constA ? b : undefined;
    if (!bias || !other) return undefined;
    const lin = ctx.index.producerThroughIdentity(other);
    if (!lin) return undefined;
    const l = onnxLinear(ctx, lin);
    if (!l || l.bias || (bias.elementCount !== l.units && bias.elementCount !== 1)) return undefined;
    // A conv bias must lie on the channel axis: [C], [C,1,1] or [1,C,1,1].
    if (l.isConv && bias.elementCount !== 1 && bias.shape.filter((d) => d !== 1).length > 1) return undefined;
    if (!l.isConv && bias.elementCount !== 1 && bias.shape[bias.shape.length - 1] !== l.units) return undefined;
    return { ...l, bias };
  }
  return onnxLinear(ctx, pre);
}

async function linearRule(ctx: Ctx, site: ReluSite, lin: LinearUnits): Promise<void> {
  // Sums first: they confirm the claimed units are backed by weight values before anything is
  // sized by them (undefined for a claim without data).
  const sums = await unitWeightSums(lin.weight, lin.units, lin.inner);
  if (!sums) return;
  let bias: Float64Array = new Float64Array(lin.units);
  if (lin.bias) {
    const b = await readAll(lin.bias);
    if (!b) return;
    bias = b.length === 1 ? new Float64Array(lin.units).fill(b[0]) : b;
    if (bias.length !== lin.units) return;
  }
  const range = ctx.ranges.get(lin.input);
  // Zero padding and zero-filled positions can always reach the unit, so the box includes 0.
  const lo = Math.min(0, range?.lo ?? -Infinity);
  const hi = Math.max(0, range?.hi ?? Infinity);
  const a = lin.alpha, bs = lin.biasScale;
  const dead: number[] = [];
  const weak: { u: number; z: number }[] = [];
  // The pre-activation's propagated moments, when the graph lets us follow them to this layer.
  const preValue = pre(ctx, site);
  const m = preValue ? ctx.moments.get(preValue) : undefined;
  const moments = m && m.mean.length === lin.units ? m : undefined;
  let zeroRows = 0, signRows = 0;
  for (let u = 0; u < lin.units; u++) {
    if (sums.nonFinite[u]) continue;
    const b = bs * bias[u];
    // Largest pre-activation over the input box: b + α(hi·Σw⁺ + lo·Σw⁻), counting 0·∞ as 0.
    const pos = a >= 0 ? sums.sumPos[u] : sums.sumNeg[u];
    const neg = a >= 0 ? sums.sumNeg[u] : sums.sumPos[u];
    // α = 0 (Gemm) leaves only the bias: no reach, however unbounded the input (0·∞ is not NaN here).
    const reachUp = pos === 0 || a === 0 ? 0 : Math.abs(a) * Math.abs(pos) * hi;
    const reachDown = neg === 0 || a === 0 ? 0 : Math.abs(a) * Math.abs(neg) * -lo;
    const upper = b + reachUp + reachDown;
    if (upper <= 0) {
      dead.push(u);
      if (sums.sumSq[u] === 0) zeroRows++;
      else if (lo === 0 && pos === 0) signRows++;
      continue;
    }
    if (lin.bias && b < 0 && sums.sumSq[u] > 0) {
      const z = moments && moments.variance[u] > 0
        ? moments.mean[u] / Math.sqrt(moments.variance[u])
        : b / (Math.abs(a) * Math.sqrt(sums.sumSq[u]));
      if (z < ctx.zThreshold) weak.push({ u, z });
    }
  }
  const n = lin.units;
  const noun = lin.isConv ? 'channel' : 'unit';
  const src = label(lin.node);
  // Weights ≤ 0 with a bias of exactly 0 happens by chance at initialisation for small fan-ins
  // (probability 2^-k for k weights: 1 in 512 channels of a 3×3 depthwise conv) and is what an
  // untrained export with default BatchNorm statistics folded into the bias looks like; training
  // with BatchNorm revives such channels, so they are reported as information, not a warning.
  const fanIn = lin.weight.elementCount / lin.units;
  const chance = dead.filter((u) => bias[u] === 0 && sums.sumSq[u] > 0 && fanIn < 20);
  const chanceSet = new Set(chance);
  const proven = dead.filter((u) => !chanceSet.has(u));
  if (chance.length) {
    push(ctx, {
      rule: 'linear-relu-dead', severity: 'info', confidence: 'high', node: site.node.name, source: lin.node.name, units: chance, unitCount: lin.units,
      message: `${describeUnits(chance, lin.isConv ? 'channel' : 'unit')} of ${lin.units} in ${label(lin.node)} have all ${fanIn} weights ≤ 0 and bias 0 on inputs ≥ 0, so the ReLU outputs 0 for every input of this file; at initialisation this happens by chance (probability 2^-${fanIn}) and training with BatchNorm usually revives them.`,
    });
  }
  dead.length = 0;
  for (const u of proven) dead.push(u);
  if (dead.length) {
    const why: string[] = [];
    if (zeroRows) why.push(`${zeroRows === dead.length ? 'all' : zeroRows} with all-zero weights and bias ≤ 0`);
    if (signRows) why.push(`${signRows === dead.length ? 'all' : signRows} with weights ≤ 0 and bias ≤ 0 on inputs ≥ 0${range?.from ? ` (from '${nm(range.from)}')` : ''}`);
    const rest = dead.length - zeroRows - signRows;
    if (rest) why.push(`${rest === dead.length ? 'all' : rest} with a bias below what the weights can reach on inputs in [${fmt(lo)}, ${fmt(hi)}]${range?.from ? ` (from '${nm(range.from)}')` : ''}`);
    push(ctx, {
      rule: 'linear-relu-dead', severity: severityFor(dead.length, n), confidence: 'high', node: site.node.name, source: lin.node.name, units: dead, unitCount: n,
      message: `${describeUnits(dead, noun)} of ${n} in ${src} can never be positive (${why.join('; ')}): the ReLU${site.fused ? '' : ` '${nm(site.node.name)}'`} outputs 0 for every input.`,
    });
  }
  if (weak.length) {
    const worst = weak.reduce((x, y) => (y.z < x.z ? y : x));
    const units = weak.map((w) => w.u);
    push(ctx, {
      rule: 'linear-relu-negative-bias', severity: severityFor(units.length, n), confidence: 'low', node: site.node.name, source: lin.node.name, units, unitCount: n,
      message: moments
        ? `${describeUnits(units, noun)} of ${n} in ${src} have a bias far below what their inputs bring: with input statistics propagated through the graph (BatchNorm statistics, unit-variance model inputs) P(active) ≈ Φ(mean/σ) < ${formatProbability(ctx.opts.activeProbability)} (${noun} ${worst.u}: mean/σ = ${fmtZ(worst.z)}); a BatchNorm shift folded into the bias looks like this.`
        : `${describeUnits(units, noun)} of ${n} in ${src} have a bias far below the weight scale: with unit-variance inputs P(active) ≈ Φ(b/‖w‖) < ${formatProbability(ctx.opts.activeProbability)} (${noun} ${worst.u}: b/‖w‖ = ${fmtZ(worst.z)}); a BatchNorm shift folded into the bias looks like this.`,
    }, { afterBatchNorm: true });
  }
}

/** The value a ReLU reads (its pre-activation), for non-fused ReLUs. */
function pre(ctx: Ctx, site: ReluSite): string | undefined {
  if (site.fused && carriesLinear(site.node)) return undefined;
  return ctx.index.dataInputs(site.node)[0] ?? site.node.inputs[0];
}

/** A z-score as messages show it (a tiny scale can make it −∞). */
function fmtZ(z: number): string {
  return Number.isFinite(z) ? z.toFixed(1) : fmt(z);
}

function fmt(v: number): string {
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  return String(+v.toPrecision(4));
}

// ---------------------------------------------------------------------------- graph-shape rules

function thresholdedReluRule(ctx: Ctx, node: Node): void {
  const act = activationOf(node, ctx.index.constScalar);
  if (act?.op !== 'ThresholdedRelu') return;
  const alpha = act.params.alpha ?? attrNum(node, 'theta') ?? 1;
  // A NaN or infinite threshold from the file is no statement about units: nothing to report.
  if (!Number.isFinite(alpha) || alpha < ctx.opts.thresholdedAlpha) return;
  push(ctx, {
    rule: 'thresholded-relu-large-alpha', severity: 'warning', confidence: 'low', node: node.name, units: [],
    message: `ThresholdedRelu '${nm(node.name)}' passes only inputs above ${alpha}: for inputs of unit scale a unit is active with probability ≈ ${formatProbability(1 - normalCdf(alpha))}.`,
  });
}

const SHAPE_OPS = new Set(['Identity', 'Dropout', 'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Transpose']);

interface Forward {
  /** The value reaches a graph output. */
  outputs: boolean;
  /** The first Softmax-like node it feeds. */
  softmax?: Node;
}

/** Follows a value forward through shape-only ops (as their data input, never as a Reshape's shape
 *  input); returns where it ends up. Every value is walked once per analysis (memoised: ReLUs that
 *  share an output name share the walk), and walks from different values never share a shape op,
 *  so all walks together cost the graph's size. */
function forwardThroughShapeOps(ctx: Ctx, value: string): Forward {
  const memo = ctx.forward.get(value);
  if (memo) return memo;
  let outputs = false;
  const consumers: Node[] = [];
  const seen = new Set<string>();
  const stack = [value];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (ctx.index.graphOutputs.has(v)) outputs = true;
    const seenConsumers = new Set<Node>();
    for (const c of ctx.index.consumers.get(v) ?? []) {
      if (seenConsumers.has(c)) continue; // a node reading v 150,000 times is one consumer
      seenConsumers.add(c);
      if (SHAPE_OPS.has(c.opType) && c.inputs[0] === v) {
        for (const o of c.outputs) if (o) stack.push(o);
      } else consumers.push(c);
    }
  }
  const softmax = consumers.find((c) => c.opType === 'Softmax' || c.opType === 'LogSoftmax' || activationOf(c)?.family === 'softmax');
  const result = { outputs, softmax };
  ctx.forward.set(value, result);
  return result;
}

function outputRule(ctx: Ctx, site: ReluSite): void {
  const out = site.node.outputs[0];
  if (!out) return;
  const { outputs, softmax } = forwardThroughShapeOps(ctx, out);
  if (outputs) {
    push(ctx, {
      rule: 'relu-before-output', severity: 'info', confidence: 'medium', node: site.node.name, units: [],
      message: `${site.fused ? `${label(site.node)} applies a ReLU` : `ReLU '${nm(site.node.name)}'`} right before the model output: negative predictions are clipped to 0 with no gradient.`,
    });
  }
  if (softmax) {
    push(ctx, {
      rule: 'relu-before-softmax', severity: 'info', confidence: 'medium', node: site.node.name, units: [],
      message: `${site.fused ? `${label(site.node)} applies a ReLU` : `ReLU '${nm(site.node.name)}'`} feeds ${label(softmax)}: logits clipped at 0 cannot rank classes below the rest.`,
    });
  }
}

/** Chains of ReLU layers connected only through linear layers, biases and shape ops. */
function chainRule(ctx: Ctx, sites: ReluSite[]): void {
  const siteOf = new Map(sites.map((s) => [s.node, s]));
  const depth = new Map<Node, number>();
  const prev = new Map<Node, Node>();
  const hasNext = new Set<Node>();
  const linearish = (n: Node) =>
    n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul' || LINEAR_TFJS.has(n.opType) ||
    ((n.opType === 'Add' || n.opType === 'BiasAdd') && ctx.index.dataInputs(n).length === 1) || PASS_THROUGH.has(n.opType);
  for (const s of sites) {
    // Walk back from the ReLU's input to the previous ReLU.
    let v: string | undefined = s.fused ? ctx.index.dataInputs(s.node)[0] : s.node.inputs[0];
    let found: Node | undefined;
    for (let steps = 0; v && steps < 64; steps++) {
      const p = ctx.index.producer.get(v);
      if (!p) break;
      if (siteOf.has(p)) { found = p; break; }
      if (NORMALISATION.has(p.opType) || !linearish(p)) break;
      const data = ctx.index.dataInputs(p);
      if (data.length !== 1) break;
      v = data[0];
    }
    const d = found ? (depth.get(found) ?? 1) + 1 : 1;
    depth.set(s.node, d);
    if (found) {
      prev.set(s.node, found);
      hasNext.add(found);
    }
  }
  for (const s of sites) {
    const d = depth.get(s.node)!;
    if (d < ctx.opts.chainLength || hasNext.has(s.node)) continue;
    // Layers can name each other in a cycle (TF.js names are not checked for it): walk back at
    // most the chain's length.
    let first = s.node;
    for (let k = 0; k < d && prev.has(first); k++) first = prev.get(first)!;
    push(ctx, {
      rule: 'deep-plain-relu-chain', severity: 'info', confidence: 'low', node: s.node.name, units: [],
      message: `${d} ReLU layers in a row without normalisation or skip connections (from '${nm(first.name)}' to '${nm(s.node.name)}'): deep plain ReLU stacks are more likely to die at initialisation (Lu et al. 2019).`,
    });
  }
}

// ---------------------------------------------------------------------------- entry point

/** Runs `fn` for one node of one rule: a ModelError (weights that cannot be read) becomes a model
 *  warning naming the node, anything else is an internal error of that rule — reported once, never
 *  as a warning, and thrown in strict mode (tests) so the bug fails the suite. */
export class RuleBoundary {
  /** Unreadable-weight messages, with the nodes whose analysis they stopped. */
  private readonly skipped = new Map<string, string[]>();

  constructor(readonly log: InternalErrorLog = new InternalErrorLog()) {}

  async run(rule: string, node: Node | string, fn: () => void | Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const name = typeof node === 'string' ? node : node.name || node.outputs[0] || node.opType;
      if (e instanceof ModelError) {
        const nodes = this.skipped.get(e.message);
        if (nodes) nodes.push(name);
        else this.skipped.set(e.message, [name]);
      } else {
        this.log.report(`rule ${rule}`, `node '${printable(name, 80)}'`, e);
      }
    }
  }

  /** One warning per unreadable weight, however many nodes it stopped. */
  warnings(): string[] {
    return [...this.skipped].map(([message, nodes]) =>
      `analysis of '${printable(nodes[0], 80)}'${nodes.length > 1 ? ` and ${nodes.length - 1} more node${nodes.length > 2 ? 's' : ''}` : ''} skipped: ${message}`);
  }
}

export async function runStaticRules(model: Model, options: StaticRuleOptions = {}, boundary = new RuleBoundary()): Promise<Finding[]> {
  const opts: Required<StaticRuleOptions> = {
    activeProbability: options.activeProbability ?? 0.001,
    chainLength: options.chainLength ?? 8,
    thresholdedAlpha: options.thresholdedAlpha ?? 3,
  };
  const index = new GraphIndex(model.graph);
  const hasConv = model.graph.nodes.some((n) => CONV_OPS.test(n.opType));
  const hasNorm = model.graph.nodes.some((n) => NORMALISATION.has(n.opType));
  const ctx: Ctx = {
    model,
    index,
    forward: new Map(),
    ranges: computeRanges(index, boundary.log),
    moments: model.format === 'onnx' ? await computeMoments(index, boundary.log, WorkBudget.forGraph(model.graph)) : new Map(),
    opts,
    zThreshold: normalQuantile(opts.activeProbability),
    denseStackWithoutNorm: !hasConv && !hasNorm,
    findings: [],
  };
  const sites = reluSites(index);
  for (const site of sites) {
    const pre = preActivationNode(ctx, site);
    if (!pre) continue;
    if (!site.fused && pre.opType === 'BatchNormalization') {
      let handled = false;
      await boundary.run('bn-relu-dead', site.node, async () => {
        handled = await batchNormRule(ctx, site, pre);
      });
      if (handled) continue;
    }
    await boundary.run('linear-relu-dead', site.node, async () => {
      const lin = linearFeeding(ctx, site, pre);
      if (lin) await linearRule(ctx, site, lin);
    });
  }
  for (const node of index.graph.nodes) await boundary.run('thresholded-relu-large-alpha', node, () => thresholdedReluRule(ctx, node));
  for (const site of sites) await boundary.run('relu-before-output', site.node, () => outputRule(ctx, site));
  await boundary.run('deep-plain-relu-chain', sites[0]?.node ?? '(graph)', () => chainRule(ctx, sites));
  for (const w of boundary.warnings()) if (!model.warnings.includes(w)) model.warnings.push(w);
  return ctx.findings;
}

export type { RuleId, Confidence };
export { RULES };
