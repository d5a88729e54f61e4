// The message protocol between the extension host and the model viewer webview.
// Both sides import these types; this file must stay free of Node and DOM APIs (it is compiled
// by the extension's tsconfig and by media/tsconfig.json).
//
// Flow: the webview posts `ready`; the host answers `init` (or `error`). Requests carry an `id`
// the response echoes, so several can be in flight. The host never sends weight bytes: only the
// compact graph and statistics computed on its side.

export type Dim = number | string | null;

/** Node categories the viewer colours by. */
export type NodeCategory =
  | 'linear' // Conv, Gemm, MatMul, Dense …
  | 'normalization'
  | 'pooling'
  | 'shape' // tensor shuffling: Reshape, Transpose, Concat, Gather …
  | 'math' // element-wise arithmetic
  | 'activation' // any activation function outside the ReLU family
  | 'relu' // ReLU and its variants
  | 'control' // If, Loop, Scan
  | 'constant'
  | 'other';

export interface ValueRef {
  name: string;
  dtype?: string;
  /** null when the rank is unknown; undefined when the value has no recorded type */
  shape?: Dim[] | null;
}

export interface WeightInfo {
  name: string;
  dtype: string;
  shape: number[];
  elementCount: number;
  byteSize?: number;
  location: string;
}

export interface AttributeInfo {
  name: string;
  /** The attribute's type as the model stores it: int, floats, tensor, graph … */
  type: string;
  /** A display string: numbers and lists printed, tensors summarised (dtype, shape), long lists cut. */
  value: string;
}

export interface ActivationTag {
  op: string;
  family: string;
  fused: boolean;
  relu: boolean;
}

export interface NodeInfo {
  /** Unique over the whole model (nested graphs included): the node's name, made unique if needed. */
  id: string;
  name: string;
  op: string;
  domain: string;
  category: NodeCategory;
  activation?: ActivationTag;
  inputs: ValueRef[];
  outputs: ValueRef[];
  /** Inputs that are stored weights (initializers), with their metadata. */
  weights: WeightInfo[];
  attributes: AttributeInfo[];
  docString?: string;
  /** Bodies of If/Loop/Scan nodes, one per graph-valued attribute. */
  subgraphs: SubgraphInfo[];
  /** Parameters the node's weights hold. */
  parameters: number;
}

export interface SubgraphInfo {
  /** The attribute holding it: then_branch, else_branch, body … */
  attribute: string;
  graph: GraphInfo;
}

export interface GraphInfo {
  name: string;
  inputs: ValueRef[];
  outputs: ValueRef[];
  nodes: NodeInfo[];
}

/** The `inspect --json` summary (src/analysis/summary.ts), as plain data. */
export interface ModelInfo {
  file: string;
  format: string;
  producer: string;
  producerVersion: string;
  irVersion: number | null;
  opsets: Record<string, number>;
  metadata: Record<string, string>;
  inputs: { name: string; dtype: string; shape: Dim[] | null }[];
  outputs: { name: string; dtype: string; shape: Dim[] | null }[];
  nodeCount: number;
  nodeCountAll: number;
  ops: Record<string, number>;
  parameters: number;
  initializers: number;
  activations: { node: string; op: string; activation: string }[];
  functions: string[];
  warnings: string[];
  docString?: string;
}

export interface Histogram {
  /** bins + 1 ascending edges */
  edges: number[];
  counts: number[];
}

export interface TensorStatsInfo {
  count: number;
  /** Elements that were NaN or ±Infinity (left out of min/max/mean/std/histogram). */
  nonFinite: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  zeroFraction: number;
  histogram: Histogram;
}

/** Measured activations per node, for the badge and the details panel (filled by a later issue). */
export interface NodeActivationResult {
  node: string;
  deadShare: number;
  zeroFraction: number;
  activeRate: number[];
  histogram: Histogram;
}

export interface FindingInfo {
  node: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  code?: string;
}

// ---- host → webview ----------------------------------------------------------------------

export type HostMessage =
  | { type: 'loading'; file: string }
  | { type: 'init'; file: string; model: ModelInfo; graph: GraphInfo }
  | { type: 'error'; file: string; message: string }
  | { type: 'weightStats'; id: number; tensor: string; stats?: TensorStatsInfo; error?: string }
  | { type: 'exportDone'; id: number; path?: string; error?: string }
  | { type: 'selectNode'; node: string }
  | { type: 'activationResults'; results: NodeActivationResult[]; inputSource?: string }
  | { type: 'findings'; findings: FindingInfo[] };

// ---- webview → host ----------------------------------------------------------------------

export interface ViewerState {
  view: ViewName;
  selection?: string;
  /** Group and subgraph keys the user opened. */
  expanded: string[];
  /** Group keys the user closed (those open by default). */
  collapsed: string[];
  transform?: { x: number; y: number; k: number };
  direction: 'TB' | 'LR';
  showNames: boolean;
  sort?: { column: string; descending: boolean };
  filter?: string;
}

export type ViewName = 'graph' | 'table' | 'model';

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'requestWeightStats'; id: number; tensor: string }
  | { type: 'revealNode'; node: string }
  | { type: 'exportFile'; id: number; kind: 'svg' | 'png'; /** SVG text, or PNG as base64 */ data: string; suggestedName?: string }
  | { type: 'stateChanged'; state: ViewerState };

/** Number of histogram bins the viewer asks for and the host computes. */
export const HISTOGRAM_BINS = 32;

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  return t === 'ready' || t === 'requestWeightStats' || t === 'revealNode' || t === 'exportFile' || t === 'stateChanged';
}
