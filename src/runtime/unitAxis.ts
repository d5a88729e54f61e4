// Which axis of an activation's output holds its units (channels), decided from the op that
// produced the activation's input and the model's layout convention.
import type { Graph, Node } from '../core/model';

export type ChannelLayout = 'channels-first' | 'channels-last';

/** ONNX ops whose outputs are NCHW-like: channels on axis 1. */
const CHANNELS_FIRST_OPS = new Set([
  'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'FusedConv', 'NhwcConv', 'DeformConv',
  'BatchNormalization', 'InstanceNormalization', 'GroupNormalization', 'LpNormalization',
  'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool', 'MaxRoiPool', 'RoiAlign',
  'LRN', 'Upsample', 'Resize', 'SpaceToDepth', 'DepthToSpace', 'QLinearAveragePool', 'QLinearGlobalAveragePool',
]);

/** ONNX ops whose outputs carry features on the last axis (dense, sequence, attention). */
const CHANNELS_LAST_OPS = new Set([
  'MatMul', 'Gemm', 'FusedGemm', 'FusedMatMul', 'MatMulInteger', 'QLinearMatMul', 'MatMulNBits', 'QGemm',
  'LayerNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'Einsum', 'Attention',
  'MultiHeadAttention', 'RNN', 'LSTM', 'GRU', 'Gather', 'EmbedLayerNormalization', 'Flatten',
]);

/** Ops that keep their first input's layout; the search walks through them. */
const LAYOUT_PRESERVING = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Identity', 'Dropout', 'Cast', 'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu',
  'Celu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Clip', 'Softplus', 'Softsign', 'HardSwish', 'Gelu', 'Mish',
  'ThresholdedRelu', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Erf', 'Pad', 'QuantizeLinear', 'DequantizeLinear', 'BiasGelu',
  'FastGelu', 'QuickGelu', 'Max', 'Min', 'Sum', 'Mean', 'Where',
]);

export class LayoutResolver {
  private readonly producer = new Map<string, Node>();
  private readonly constants = new Set<string>();

  constructor(graph: Graph) {
    for (const n of graph.nodes) for (const o of n.outputs) if (o) this.producer.set(o, n);
    for (const t of graph.initializers) this.constants.add(t.name);
  }

  /** The layout of `node`'s output, found by walking back to the op that fixes it. */
  layoutOf(node: Node): ChannelLayout | undefined {
    let current: Node | undefined = node;
    for (let steps = 0; current && steps < 64; steps++) {
      const op = current.opType;
      if (op === 'Transpose') return transposeLayout(current);
      if (CHANNELS_FIRST_OPS.has(op)) return 'channels-first';
      if (CHANNELS_LAST_OPS.has(op)) return 'channels-last';
      if (steps > 0 && !LAYOUT_PRESERVING.has(op)) return undefined;
      // Follow the first input that another node computes (not a weight or a graph input).
      const next: string | undefined = current.inputs.find((i) => i && !this.constants.has(i) && this.producer.has(i));
      current = next ? this.producer.get(next) : undefined;
    }
    return undefined;
  }
}

/** A Transpose that moves channels: NCHW→NHWC ([0, 2, …, 1]) leaves them last, NHWC→NCHW
 *  ([0, n−1, 1, …]) puts them on axis 1 (tf2onnx wraps convolutions in such pairs). */
function transposeLayout(node: Node): ChannelLayout | undefined {
  const a = node.attributes.find((x) => x.name === 'perm');
  if (!a || a.value.type !== 'ints') return undefined;
  const perm = a.value.value.map(Number);
  const n = perm.length;
  if (n < 3 || perm[0] !== 0) return undefined;
  if (perm[n - 1] === 1 && perm.slice(1, -1).every((p, i) => p === i + 2)) return 'channels-last';
  if (perm[1] === n - 1 && perm.slice(2).every((p, i) => p === i + 1)) return 'channels-first';
  return undefined;
}

/** The unit axis for an output of the given rank. Unknown layouts follow the format's convention:
 *  ONNX (and PyTorch exports) are NCHW, so rank ≥ 3 means channels on axis 1; TF.js is NHWC. */
export function unitAxisFor(layout: ChannelLayout | undefined, rank: number, formatDefault: ChannelLayout): number {
  if (rank <= 1) return rank - 1; // scalar: one unit; vector: each element a unit
  const l = layout ?? formatDefault;
  return l === 'channels-first' && rank >= 3 ? 1 : rank - 1;
}
