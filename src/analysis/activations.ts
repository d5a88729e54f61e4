// The activation catalogue: which nodes are activation functions, and of which family.
import { fileKeyed, textOf, type Attribute, type Node } from '../core/model';

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

/** The family of an activation op; a name outside the catalogue (a custom Keras activation) counts
 *  as smooth, ReLU6 as ReLU. */
function familyOf(op: string): ActivationFamily {
  return Object.hasOwn(ACTIVATION_OPS, op) ? ACTIVATION_OPS[op] : op === 'Relu6' ? 'relu' : 'smooth';
}

/** Names of activations that are ReLU or a close variant (what dying-ReLU analysis cares about). */
/** Activations whose output is exactly 0 when the unit is inactive: a unit never above 0 there
 *  passes no gradient, so it is dead. (Leaky ReLU, ELU, GELU … still pass one below 0.) */
export const ZERO_WHEN_INACTIVE: ReadonlySet<string> = new Set(['Relu', 'Relu6', 'ThresholdedRelu']);

/** Whether "never above 0" means dead for a layer, from its activation (or its op when the
 *  activation is not recorded). */
export function canDieOf(activation: string | undefined, op: string): boolean {
  if (activation) return ZERO_WHEN_INACTIVE.has(activation);
  return ZERO_WHEN_INACTIVE.has(op) || /^relu6?$/i.test(op);
}

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

/** Keras / TF.js activation identifiers (a layer's `activation` setting, the `Activation` layer)
 *  → the canonical op and its Keras defaults. Keys are lower case without separators, since
 *  TF.js writes 'hardSigmoid' where Keras writes 'hard_sigmoid'. `null` marks the identity. */
const KERAS_ACTIVATIONS: Record<string, { op: string; params?: Record<string, number> } | null> = {
  linear: null,
  relu: { op: 'Relu' },
  relu6: { op: 'Relu6', params: { max: 6 } },
  elu: { op: 'Elu', params: { alpha: 1 } },
  selu: { op: 'Selu' },
  sigmoid: { op: 'Sigmoid' },
  hardsigmoid: { op: 'HardSigmoid' },
  tanh: { op: 'Tanh' },
  softmax: { op: 'Softmax' },
  logsoftmax: { op: 'LogSoftmax' },
  softplus: { op: 'Softplus' },
  softsign: { op: 'Softsign' },
  swish: { op: 'Swish' },
  silu: { op: 'Swish' },
  hardswish: { op: 'HardSwish' },
  hardsilu: { op: 'HardSwish' },
  gelu: { op: 'Gelu' },
  gelunew: { op: 'Gelu' },
  mish: { op: 'Mish' },
  leakyrelu: { op: 'LeakyRelu', params: { alpha: 0.2 } },
  exponential: { op: 'Exp' },
};

/** The activation a Keras/TF.js `activation` setting names: `null` for linear (none), the
 *  op for a known name, and the name itself for a custom activation. */
export function kerasActivation(setting: unknown): { op: string; params?: Record<string, number> } | null {
  let name = setting;
  if (typeof setting === 'object' && setting !== null) {
    // Keras 3 may serialise an activation as {class_name, config: {name}} or {module, class_name, ...}.
    const o = setting as Record<string, unknown>;
    const config = (o.config ?? {}) as Record<string, unknown>;
    name = typeof config.name === 'string' ? config.name : o.class_name;
  }
  if (name === undefined || name === null || name === '') return null;
  const key = textOf(name).toLowerCase().replace(/[_\s-]/g, '');
  const known = Object.hasOwn(KERAS_ACTIVATIONS, key) ? KERAS_ACTIVATIONS[key] : undefined;
  if (known === null) return null;
  if (known) return { op: known.op, params: known.params ? { ...known.params } : undefined };
  return { op: textOf(name) };
}

/** TF.js layer classes and TF GraphDef ops that are activations under a name ONNX does not use
 *  (TF ops spelled like ONNX ones — Relu, Elu, Selu, Sigmoid, Tanh, Softmax, Softplus, Softsign,
 *  LeakyRelu — are found in ACTIVATION_OPS). ONNX never defines these names, so ONNX models are
 *  unaffected. Returns null for an `Activation` layer set to linear. */
function kerasLayerActivation(node: Node): ActivationInfo | null | undefined {
  // Checked first: this runs for every node of every model, and the helpers below are closures
  // (on a 100,000-node ONNX graph they were 10% of everything the viewer's open allocated).
  if (!KERAS_LAYER_OPS.has(node.opType)) return undefined;
  const num = (name: string) => numberAttr(node, name);
  const info = (op: string, params: Record<string, number>): ActivationInfo => ({
    op,
    family: familyOf(op),
    params,
    fused: false,
  });
  switch (node.opType) {
    case 'ReLU': {
      // Keras ReLU(max_value, negative_slope, threshold): f(x) = max_value if x >= max_value,
      // x if threshold <= x < max_value, negative_slope * (x - threshold) otherwise.
      const max = num('max_value');
      const slope = num('negative_slope') ?? 0;
      const threshold = num('threshold') ?? 0;
      const params: Record<string, number> = {};
      if (max !== undefined) params.max = max;
      if (threshold !== 0) params.threshold = threshold;
      if (slope !== 0) return info('LeakyRelu', { alpha: slope, ...params });
      if (threshold !== 0 && max === undefined) return info('ThresholdedRelu', { alpha: threshold });
      if (max !== undefined) return info('Relu6', params);
      return info('Relu', params);
    }
    case 'LeakyReLU':
      // TF.js and Keras 2 call the slope alpha, Keras 3 negative_slope; both default to 0.3.
      return info('LeakyRelu', { alpha: num('alpha') ?? num('negative_slope') ?? 0.3 });
    case 'PReLU':
    case 'Prelu':
      return info('PRelu', {});
    case 'ELU':
      return info('Elu', { alpha: num('alpha') ?? 1 });
    case 'ThresholdedReLU':
      return info('ThresholdedRelu', { alpha: num('theta') ?? 1 });
    case 'Relu6':
      return info('Relu6', { max: 6 });
    case 'Activation': {
      const a = attr(node, 'activation');
      const setting = a?.value.type === 'string' ? a.value.value : a?.value.type === 'json' ? a.value.value : undefined;
      const act = kerasActivation(setting);
      return act ? info(act.op, act.params ?? {}) : null;
    }
    default:
      return undefined;
  }
}

/** The layer types kerasLayerActivation knows (its switch). */
const KERAS_LAYER_OPS = new Set(['ReLU', 'LeakyReLU', 'PReLU', 'Prelu', 'ELU', 'ThresholdedReLU', 'Relu6', 'Activation']);

/** The activation function a node applies, if any. */
export function activationOf(node: Node, constScalar: (name: string) => number | undefined = () => undefined): ActivationInfo | undefined {
  if (node.fusedActivation) {
    const op = node.fusedActivation.op;
    return { op, family: familyOf(op), params: node.fusedActivation.params ?? {}, fused: true };
  }
  const domain = node.domain === 'ai.onnx' ? '' : node.domain;
  if (domain === '' || domain === 'com.microsoft') {
    if (node.opType === 'Clip' && domain === '') return clipActivation(node, constScalar);
    // com.microsoft FusedConv / FusedGemm carry their activation as an attribute.
    if (domain === 'com.microsoft' && (node.opType === 'FusedConv' || node.opType === 'FusedGemm' || node.opType === 'FusedMatMul')) {
      const act = stringAttr(node, 'activation');
      if (!act) return undefined;
      const op = Object.hasOwn(FUSED_ONNX_ACTIVATION, act) ? FUSED_ONNX_ACTIVATION[act] : act;
      const params = fileKeyed<number>();
      const ps = attr(node, 'activation_params');
      if (ps?.value.type === 'floats') ps.value.value.forEach((v, i) => (params[`p${i}`] = v));
      const alpha = numberAttr(node, 'alpha');
      if (alpha !== undefined) params.alpha = alpha;
      return { op, family: familyOf(op), params, fused: true };
    }
    if (domain === '') {
      const keras = kerasLayerActivation(node);
      if (keras !== undefined) return keras ?? undefined;
    }
    // Own properties only: an op named 'constructor' or 'toString' is no activation.
    const family = Object.hasOwn(ACTIVATION_OPS, node.opType) ? ACTIVATION_OPS[node.opType] : undefined;
    if (!family) return undefined;
    if (domain === 'com.microsoft' && !['FastGelu', 'BiasGelu', 'QuickGelu', 'Gelu'].includes(node.opType)) return undefined;
    const params = fileKeyed<number>();
    for (const a of node.attributes) {
      if (a.value.type === 'float' || a.value.type === 'int') params[a.name] = Number(a.value.value);
    }
    return { op: node.opType, family, params, fused: false };
  }
  return undefined;
}
