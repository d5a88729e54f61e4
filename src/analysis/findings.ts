// Dying-ReLU findings: what a rule found, how bad it is, how sure we are, and the rule catalogue
// (ids, titles, help text) that the CLI, SARIF output and the Problems panel share.

export type Severity = 'error' | 'warning' | 'info';

/** high: proven for every input (or measured); medium: a distributional estimate that holds when
 *  the layer's input is near its running statistics; low: a heuristic under a unit-variance
 *  assumption about the input. */
export type Confidence = 'high' | 'medium' | 'low';

export interface SuggestionRef {
  variant: string;
  params: Record<string, number | string>;
  reason: string;
}

export interface Finding {
  rule: RuleId;
  severity: Severity;
  confidence: Confidence;
  /** The activation node (ONNX node name / TF.js layer name) the finding is about. */
  node: string;
  /** The node that computes the pre-activation (Conv, Gemm, BatchNormalization…), when different. */
  source?: string;
  /** Unit (channel) indices concerned, ascending; empty for layer-level findings. */
  units: number[];
  /** Units in the layer, when known. */
  unitCount?: number;
  message: string;
  suggestions: SuggestionRef[];
}

export type RuleId =
  | 'bn-relu-dead'
  | 'bn-relu-inactive'
  | 'linear-relu-dead'
  | 'linear-relu-negative-bias'
  | 'thresholded-relu-large-alpha'
  | 'relu-before-output'
  | 'relu-before-softmax'
  | 'deep-plain-relu-chain'
  | 'dead-units'
  | 'dying-units';

export interface RuleInfo {
  id: RuleId;
  title: string;
  /** One paragraph: what the rule checks and why it matters. */
  help: string;
  /** Glossary term the Problems panel links to. */
  glossary: string;
  kind: 'static' | 'dynamic';
}

export const RULES: Record<RuleId, RuleInfo> = {
  'bn-relu-dead': {
    id: 'bn-relu-dead',
    title: 'BatchNorm channel feeding a ReLU is dead for every input',
    help: 'A BatchNormalization channel with scale 0 and shift ≤ 0 outputs a constant ≤ 0, so the ReLU after it outputs 0 for every input and the channel never learns again.',
    glossary: 'dying-relu',
    kind: 'static',
  },
  'bn-relu-inactive': {
    id: 'bn-relu-inactive',
    title: 'BatchNorm channel feeding a ReLU is almost never active',
    help: 'With its input near the running statistics, a BatchNormalization channel outputs roughly Normal(B, scale²), so the following ReLU is active with probability Φ(B/|scale|). A very small probability means the channel is dead or dying.',
    glossary: 'dying-relu',
    kind: 'static',
  },
  'linear-relu-dead': {
    id: 'linear-relu-dead',
    title: 'Unit feeding a ReLU can never be positive',
    help: 'The largest pre-activation a unit of a Conv/Gemm/MatMul/Dense layer can reach, given its weights, bias and the range of its inputs, is ≤ 0 (an all-zero weight row with bias ≤ 0; non-negative inputs with weights ≤ 0 and bias ≤ 0; bounded inputs with a bias below the weights\' reach). The ReLU after it outputs 0 for every input.',
    glossary: 'dying-relu',
    kind: 'static',
  },
  'linear-relu-negative-bias': {
    id: 'linear-relu-negative-bias',
    title: 'Unit feeding a ReLU has a bias far below its weight scale',
    help: 'Assuming inputs of zero mean and unit variance, a unit\'s pre-activation is roughly Normal(b, ‖w‖²); a bias many weight-norms below zero (as a BatchNorm shift folded into the bias leaves it) makes the ReLU almost never active. A heuristic: the real input statistics may differ.',
    glossary: 'dying-relu',
    kind: 'static',
  },
  'thresholded-relu-large-alpha': {
    id: 'thresholded-relu-large-alpha',
    title: 'ThresholdedRelu with a large threshold',
    help: 'ThresholdedRelu passes only inputs above alpha; for inputs of unit scale a large alpha leaves almost every unit at 0 and without gradient.',
    glossary: 'thresholded-relu',
    kind: 'static',
  },
  'relu-before-output': {
    id: 'relu-before-output',
    title: 'ReLU right before the model output',
    help: 'A ReLU on the output clips every negative prediction to 0 with zero gradient; unless the targets are non-negative by design, units stuck below zero cannot recover.',
    glossary: 'relu',
    kind: 'static',
  },
  'relu-before-softmax': {
    id: 'relu-before-softmax',
    title: 'ReLU right before a Softmax',
    help: 'Logits clipped at 0 cannot express "less likely than the rest"; classes whose logits are negative all get the same probability and no gradient.',
    glossary: 'relu',
    kind: 'static',
  },
  'deep-plain-relu-chain': {
    id: 'deep-plain-relu-chain',
    title: 'Long chain of plain ReLU layers',
    help: 'Deep stacks of ReLU layers without normalisation or skip connections are more likely to collapse into a dead network at initialisation (Lu et al. 2019); BatchNorm, residual connections or a leaky variant lower the odds.',
    glossary: 'dying-relu',
    kind: 'static',
  },
  'dead-units': {
    id: 'dead-units',
    title: 'Units never fired on the inputs run',
    help: 'Measured: these units output 0 for every input that was run. A layer with ≥ 10% dead units is a warning (keras-contrib DeadReluDetector\'s default), ≥ 50% an error.',
    glossary: 'dying-relu',
    kind: 'dynamic',
  },
  'dying-units': {
    id: 'dying-units',
    title: 'Units almost never fire on the inputs run',
    help: 'Measured: these units were active on fewer positions than the threshold (1% by default); they get little gradient and are at risk of dying.',
    glossary: 'dying-relu',
    kind: 'dynamic',
  },
};

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function severityAtLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[s] >= SEVERITY_RANK[threshold];
}

export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.node.localeCompare(b.node) || a.rule.localeCompare(b.rule);
}

/** "3 channels (2, 9, 17)" — short lists in full, long ones abbreviated. */
export function describeUnits(units: number[], noun = 'channel'): string {
  const n = units.length;
  const list = n <= 12 ? units.join(', ') : `${units.slice(0, 10).join(', ')}, … ${units[n - 1]}`;
  return `${n} ${noun}${n === 1 ? '' : 's'} (${list})`;
}

/** "2, 9, 17" — short lists in full, long ones abbreviated. */
export function listUnits(units: number[]): string {
  const n = units.length;
  return n <= 12 ? units.join(', ') : `${units.slice(0, 10).join(', ')}, … ${units[n - 1]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Severity by the fraction of a layer's units affected: warning at ≥ 10%, error at ≥ 50%. */
export function severityForFraction(count: number, total: number, floor: Severity = 'info'): Severity {
  const f = total > 0 ? count / total : 0;
  const s: Severity = f >= 0.5 ? 'error' : f >= 0.1 ? 'warning' : 'info';
  return SEVERITY_RANK[s] >= SEVERITY_RANK[floor] ? s : floor;
}
