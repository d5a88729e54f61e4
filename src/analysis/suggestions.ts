// What to do about dead or dying ReLUs: activation variants (which `rewrite` can apply) and
// non-activation remedies, ranked for the finding's context, each with parameters, cost and reason.
import type { RuleId, SuggestionRef } from './findings';

export type VariantId = 'leaky-relu' | 'prelu' | 'elu' | 'selu' | 'celu' | 'silu' | 'gelu';
export type RemedyId = 'lower-learning-rate' | 'initialisation' | 'batchnorm-placement' | 'reinitialise-dead-units' | 'remove-output-relu' | 'lower-threshold' | 'skip-connections';

export const VARIANTS: readonly VariantId[] = ['leaky-relu', 'prelu', 'elu', 'selu', 'celu', 'silu', 'gelu'];

export interface Suggestion extends SuggestionRef {
  variant: VariantId | RemedyId;
  /** True for activation variants `activation-lens rewrite --to` can write into a copy. */
  rewritable: boolean;
  cost: string;
}

export interface VariantInfo {
  id: VariantId;
  label: string;
  /** Default parameters when the user gives none. */
  params: Record<string, number>;
  cost: string;
  reason: string;
  /** Glossary entry id. */
  glossary: string;
}

export const VARIANT_INFO: Record<VariantId, VariantInfo> = {
  'leaky-relu': {
    id: 'leaky-relu',
    label: 'Leaky ReLU',
    params: { alpha: 0.01 },
    cost: 'no parameters, same compute as ReLU',
    reason: 'a small negative slope keeps a gradient flowing through units below zero, so they can recover (defaults differ: PyTorch 0.01, Keras/TF.js LeakyReLU layer 0.3, tf.nn.leaky_relu 0.2 — set α explicitly)',
    glossary: 'leaky-relu',
  },
  prelu: {
    id: 'prelu',
    label: 'PReLU',
    params: { init: 0.25 },
    cost: '+1 learned slope per channel (C parameters), negligible compute',
    reason: 'the negative slope is learned per channel, starting at 0.25 (He et al. 2015); needs fine-tuning to pay off',
    glossary: 'prelu',
  },
  elu: {
    id: 'elu',
    label: 'ELU',
    params: { alpha: 1 },
    cost: 'an exp for negative inputs',
    reason: 'smooth and saturating at −α below zero, pushes mean activations toward 0 and never has a zero gradient region',
    glossary: 'elu',
  },
  selu: {
    id: 'selu',
    label: 'SELU',
    params: { alpha: 1.6732632423543772, gamma: 1.0507009873554805 },
    cost: 'an exp for negative inputs; needs LeCun-normal initialisation',
    reason: 'self-normalising for plain dense stacks without BatchNorm (with LeCun-normal init and AlphaDropout)',
    glossary: 'selu',
  },
  celu: {
    id: 'celu',
    label: 'CELU',
    params: { alpha: 1 },
    cost: 'an exp for negative inputs',
    reason: 'ELU made continuously differentiable in α; same behaviour as ELU at α = 1',
    glossary: 'celu',
  },
  silu: {
    id: 'silu',
    label: 'SiLU / Swish',
    params: {},
    cost: 'a sigmoid per element (more compute)',
    reason: 'smooth, non-monotonic, small negative outputs with non-zero gradient; common in deep modern CNNs (EfficientNet)',
    glossary: 'silu',
  },
  gelu: {
    id: 'gelu',
    label: 'GELU',
    params: {},
    cost: 'an erf per element (most compute of the variants)',
    reason: 'smooth gate x·Φ(x) with gradient everywhere; the default in transformers and deep modern networks',
    glossary: 'gelu',
  },
};

const REMEDIES: Record<RemedyId, { params: Record<string, number | string>; cost: string; reason: string }> = {
  'lower-learning-rate': { params: { factor: 0.1 }, cost: 'retraining', reason: 'a too-large step can push a unit\'s bias so far negative that it never fires again; lower the learning rate or warm it up' },
  initialisation: { params: { scheme: 'he-normal' }, cost: 'retraining', reason: 'He (Kaiming) initialisation with zero or small positive biases keeps ReLU units active at the start' },
  'batchnorm-placement': { params: { placement: 'before activation' }, cost: 'retraining, +2 parameters per channel', reason: 'a BatchNorm before the ReLU keeps each channel\'s pre-activation centred, so fewer channels die' },
  'reinitialise-dead-units': { params: { method: 'ReDo', threshold: 0.0 }, cost: 'a fine-tuning pass', reason: 're-initialise the incoming weights of dead units and zero their outgoing weights (ReDo, Sokar et al. 2023), then keep training' },
  'remove-output-relu': { params: {}, cost: 'none', reason: 'drop the ReLU on the output (or use Softplus when outputs must be positive), so negative predictions keep a gradient' },
  'lower-threshold': { params: { alpha: 1 }, cost: 'none', reason: 'a threshold near the input scale keeps most units passing values' },
  'skip-connections': { params: {}, cost: 'retraining', reason: 'residual connections or normalisation between layers keep deep ReLU stacks trainable' },
};

export interface SuggestionContext {
  rule: RuleId;
  /** The ReLU reads a BatchNorm output (or one folded into the bias). */
  afterBatchNorm?: boolean;
  /** Dense layers only, no convolution and no normalisation in the model. */
  denseStackWithoutNorm?: boolean;
  /** Number of channels/units of the layer (for PReLU's parameter count). */
  units?: number;
  /** Share of the layer's units affected (0..1). */
  fraction?: number;
}

function variant(id: VariantId, ctx: SuggestionContext, why?: string): Suggestion {
  const v = VARIANT_INFO[id];
  const cost = id === 'prelu' && ctx.units ? `+${ctx.units} learned slopes (one per channel), negligible compute` : v.cost;
  return { variant: id, params: { ...v.params }, rewritable: true, cost, reason: why ?? v.reason };
}

function remedy(id: RemedyId): Suggestion {
  const r = REMEDIES[id];
  return { variant: id, params: { ...r.params }, rewritable: false, cost: r.cost, reason: r.reason };
}

/** Suggestions for one finding, best first. */
export function suggestFor(ctx: SuggestionContext): Suggestion[] {
  const out: Suggestion[] = [];
  switch (ctx.rule) {
    case 'relu-before-output':
    case 'relu-before-softmax':
      out.push(remedy('remove-output-relu'), variant('leaky-relu', ctx));
      return out;
    case 'thresholded-relu-large-alpha':
      out.push(remedy('lower-threshold'), variant('leaky-relu', ctx));
      return out;
    case 'deep-plain-relu-chain':
      out.push(remedy('skip-connections'), remedy('batchnorm-placement'));
      if (ctx.denseStackWithoutNorm) out.push(variant('selu', ctx));
      out.push(variant('leaky-relu', ctx), variant('gelu', ctx));
      return out;
    default:
      break;
  }
  // Dead or dying units.
  if (ctx.denseStackWithoutNorm) {
    out.push(variant('leaky-relu', ctx), variant('selu', ctx), variant('elu', ctx), variant('prelu', ctx));
  } else {
    out.push(variant('leaky-relu', ctx), variant('prelu', ctx), variant('elu', ctx));
  }
  if (ctx.rule === 'bn-relu-dead' || ctx.rule === 'bn-relu-inactive') {
    out.push(remedy('reinitialise-dead-units'));
  }
  if ((ctx.fraction ?? 0) >= 0.5) out.push(remedy('lower-learning-rate'), remedy('initialisation'));
  else if (!ctx.afterBatchNorm && !ctx.denseStackWithoutNorm) out.push(remedy('batchnorm-placement'));
  out.push(variant('silu', ctx), variant('gelu', ctx));
  if (!ctx.denseStackWithoutNorm) out.push(variant('selu', ctx));
  out.push(variant('celu', ctx));
  if (ctx.rule === 'dead-units' || ctx.rule === 'dying-units' || ctx.rule === 'linear-relu-dead') {
    if (!out.some((s) => s.variant === 'reinitialise-dead-units')) out.push(remedy('reinitialise-dead-units'));
  }
  if (!out.some((s) => s.variant === 'lower-learning-rate')) out.push(remedy('lower-learning-rate'));
  return out;
}

/** Parses `leaky-relu:0.1`, `elu`, `celu:2` into a variant and its parameters. */
export function parseVariant(spec: string): { id: VariantId; params: Record<string, number> } {
  const [name, arg, ...rest] = spec.trim().toLowerCase().split(':');
  const aliases: Record<string, VariantId> = { leakyrelu: 'leaky-relu', 'leaky_relu': 'leaky-relu', leaky: 'leaky-relu', swish: 'silu' };
  const id = (aliases[name] ?? name) as VariantId;
  if (!VARIANTS.includes(id)) throw new Error(`unknown variant '${name}' (choose one of ${VARIANTS.join(', ')})`);
  const params: Record<string, number> = {};
  if (id === 'leaky-relu' || id === 'elu' || id === 'celu') params.alpha = VARIANT_INFO[id].params.alpha;
  if (id === 'prelu') params.init = 0.25;
  if (rest.length) throw new Error(`variant '${spec}' has too many ':' parts`);
  if (arg !== undefined) {
    if (id !== 'leaky-relu' && id !== 'elu' && id !== 'celu' && id !== 'prelu') throw new Error(`variant '${id}' takes no parameter`);
    const v = Number(arg);
    if (arg === '' || !Number.isFinite(v)) throw new Error(`variant '${spec}': '${arg}' is not a number`);
    if (id === 'celu' && v === 0) throw new Error(`CELU's alpha must not be 0`);
    if (id === 'prelu') params.init = v;
    else params.alpha = v;
  }
  return { id, params };
}
