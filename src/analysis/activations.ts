// The activation catalogue: which nodes are activation functions, and of which family.
import type { Attribute, Node } from '../core/model';

export type ActivationFamily = 'relu' | 'relu-variant' | 'smooth' | 'saturating' | 'softmax';

export interface ActivationInfo {
  /** The activation's canonical op name (ONNX spelling where ONNX has one). */
  op: string;
  family: ActivationFamily;
  params: Record<string, number>;
  /** True when the activation is carried by another node (fused op, layer `activation` setting). */
  fused: boolean;
}

/** ONNX op types (default domain unless noted) that are activation functions. */
export const ACTIVATION_OPS: Record<string, ActivationFamily> = {
  Relu: 'relu',
  LeakyRelu: 'relu-variant',
  PRelu: 'relu-variant',
  Elu: 'relu-variant',
  Selu: 'relu-variant',
  Celu: 'relu-variant',
  ThresholdedRelu: 'relu-variant',
  Gelu: 'smooth',
  Swish: 'smooth',
  Mish: 'smooth',
  Softplus: 'smooth',
  HardSwish: 'smooth',
  Sigmoid: 'saturating',
  HardSigmoid: 'saturating',
  Tanh: 'saturating',
  Softsign: 'saturating',
  Softmax: 'softmax',
  LogSoftmax: 'softmax',
  // com.microsoft contrib ops
  FastGelu: 'smooth',
  BiasGelu: 'smooth',
  QuickGelu: 'smooth',
};

/** Names of activations that are ReLU or a close variant (what dying-ReLU analysis cares about). */
export function isReluFamily(op: string): boolean {
  return op === 'Relu' || op === 'Relu6' || ACTIVATION_OPS[op] === 'relu-variant';
}

function attr(node: Node, name: string): Attribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

function numberAttr(node: Node, name: string): number | undefined {
  const a = attr(node, name);
  if (!a) return undefined;
  if (a.value.type === 'float') return a.value.value;
  if (a.value.type === 'int') return Number(a.value.value);
  return undefined;
}

function stringAttr(node: Node, name: string): string | undefined {
  const a = attr(node, name);
  return a?.value.type === 'string' ? a.value.value : undefined;
}

/** ONNX Clip(x, 0, 6) is ReLU6 and Clip(x, 0, +inf) is ReLU. Bounds come from attributes (opset < 11)
 *  or from constant inputs, which the caller resolves (`constScalar`). */
function clipActivation(node: Node, constScalar: (name: string) => number | undefined): ActivationInfo | undefined {
  let min = numberAttr(node, 'min');
  let max = numberAttr(node, 'max');
  if (min === undefined && node.inputs[1]) min = constScalar(node.inputs[1]);
  if (max === undefined && node.inputs[2]) max = constScalar(node.inputs[2]);
  if (min !== 0) return undefined;
  const hasMax = numberAttr(node, 'max') !== undefined || (node.inputs[2] ?? '') !== '';
  if (!hasMax || max === Infinity || (max !== undefined && max >= 3.4e38)) return { op: 'Relu', family: 'relu', params: {}, fused: false };
  if (max === undefined) return undefined; // a bound computed at run time: not a fixed activation
  return { op: 'Relu6', family: 'relu', params: { max }, fused: false };
}

const FUSED_ONNX_ACTIVATION: Record<string, string> = {
  Relu: 'Relu',
  LeakyRelu: 'LeakyRelu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  HardSigmoid: 'HardSigmoid',
  Clip: 'Relu6',
  Elu: 'Elu',
  Selu: 'Selu',
  Softplus: 'Softplus',
  Softsign: 'Softsign',
  ThresholdedRelu: 'ThresholdedRelu',
};

/** The activation function a node applies, if any. */
export function activationOf(node: Node, constScalar: (name: string) => number | undefined = () => undefined): ActivationInfo | undefined {
  if (node.fusedActivation) {
    const op = node.fusedActivation.op;
    return { op, family: ACTIVATION_OPS[op] ?? (op === 'Relu6' ? 'relu' : 'smooth'), params: node.fusedActivation.params ?? {}, fused: true };
  }
  const domain = node.domain === 'ai.onnx' ? '' : node.domain;
  if (domain === '' || domain === 'com.microsoft') {
    if (node.opType === 'Clip' && domain === '') return clipActivation(node, constScalar);
    // com.microsoft FusedConv / FusedGemm carry their activation as an attribute.
    if (domain === 'com.microsoft' && (node.opType === 'FusedConv' || node.opType === 'FusedGemm' || node.opType === 'FusedMatMul')) {
      const act = stringAttr(node, 'activation');
      if (!act) return undefined;
      const op = FUSED_ONNX_ACTIVATION[act] ?? act;
      const params: Record<string, number> = {};
      const ps = attr(node, 'activation_params');
      if (ps?.value.type === 'floats') ps.value.value.forEach((v, i) => (params[`p${i}`] = v));
      const alpha = numberAttr(node, 'alpha');
      if (alpha !== undefined) params.alpha = alpha;
      return { op, family: ACTIVATION_OPS[op] ?? (op === 'Relu6' ? 'relu' : 'smooth'), params, fused: true };
    }
    const family = ACTIVATION_OPS[node.opType];
    if (!family) return undefined;
    if (domain === 'com.microsoft' && !['FastGelu', 'BiasGelu', 'QuickGelu', 'Gelu'].includes(node.opType)) return undefined;
    const params: Record<string, number> = {};
    for (const a of node.attributes) {
      if (a.value.type === 'float' || a.value.type === 'int') params[a.name] = Number(a.value.value);
    }
    return { op: node.opType, family, params, fused: false };
  }
  return undefined;
}
