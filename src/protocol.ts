// The message protocol between the extension host and the model viewer webview.
// Both sides import these types; this file must stay free of Node and DOM APIs (it is compiled
// by the extension's tsconfig and by media/tsconfig.json).
//
// Flow: the webview posts `ready`; the host answers `init` (or `error`). Requests carry an `id`
// the response echoes, so several can be in flight. The host never sends weight bytes: only the
// compact graph and statistics computed on its side.
import type { GlossaryCard } from './glossary/card';
import type { ModelSummary } from './analysis/summary';
import type { Histogram } from './analysis/activationStats';
import type { TensorStats } from './analysis/tensorStats';

export type { GlossaryCard };

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

/** The `inspect --json` summary (src/analysis/summary.ts), as plain data; the viewer gets the
 *  first MAX_ACTIVATION_LIST activation layers (every node's activation is in the graph) and
 *  their number. */
export type ModelInfo = ModelSummary & { docString?: string; activationCount?: number };
export const MAX_ACTIVATION_LIST = 100;

export type { Histogram };

export type TensorStatsInfo = TensorStats;

/** Measured activations per node, for the badge and the details panel (filled by a later issue). */
export interface NodeActivationResult {
  node: string;
  deadShare: number;
  zeroFraction: number;
  activeRate: number[];
  histogram: Histogram;
  /** More statistics a graph overlay can show (absent in results from older hosts). Dying share:
   *  units that fired, but on fewer positions than the dying rate (ReLU-like layers; else 0). */
  dyingShare?: number;
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
}

// ---- comparison of two runs ("Compare with…", issue 15) -----------------------------------------

/** One run's values of a compared node. Dead units count only for activations whose output is
 *  exactly 0 when inactive (ReLU, ReLU6): a Leaky ReLU unit that stays negative is not dead. */
export interface ComparedValues {
  /** The activation applied (Relu, LeakyRelu …), else the op. */
  kind: string;
  units: number;
  deadUnits: number[];
  deadShare: number;
  dyingShare: number;
  zeroFraction: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  activeRate: number[];
  histogram: Histogram;
}

/** B − A of each overlay quantity (0 when the difference is rounding; NaN, which arrives as null,
 *  when a side has no value). */
export interface ComparedDeltas {
  deadShare: number;
  dyingShare: number;
  zeroFraction: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface NodeComparison {
  /** The node in THIS viewer's model (the key of its graph node and table row). */
  node: string;
  /** Its counterpart in the other model or run. */
  other: string;
  /** Matched by node name, or by position, kind and units (renamed exports). */
  how: 'name' | 'structure';
  /** Why a structural match was made. */
  evidence?: string;
  a: ComparedValues;
  b: ComparedValues;
  delta: ComparedDeltas;
  /** Unit indices: dead in B not in A, dead in A not in B, dead in both (empty when unit counts differ). */
  died: number[];
  revived: number[];
  deadInBoth: number[];
  /** Remarks: unit counts differ, units of B that stay negative but are not dead … */
  notes: string[];
}

export interface ComparedRunInfo {
  /** Short label: the model's (or run file's) file name. */
  label: string;
  model: string;
  /** The run file B was read from, when it was. */
  runFile?: string;
  samples: number;
  /** What the inputs were: "synthetic normal, seed 0", "/x/digits.npy (sha256 …)". */
  inputs: string;
}

/** A comparison of run A (the baseline) with run B; "change" is B − A. */
export interface ComparisonInfo {
  /** Which run this viewer's model is: 'a' (the usual case) or 'b' (the viewer of the other model). */
  side: 'a' | 'b';
  a: ComparedRunInfo;
  b: ComparedRunInfo;
  /** False when the runs did not see the same inputs; `warnings` says how they differ. */
  comparable: boolean;
  warnings: string[];
  /** One per matched layer, keyed by this viewer's node names, in this model's layer order. */
  nodes: NodeComparison[];
  /** Layers without a counterpart: `here` in this viewer's model, `other` in the other one. */
  unmatched: { here: string[]; other: string[] };
  /** Unmatched layers that fitted more than one counterpart: listed, not guessed. */
  ambiguous: { here: string[]; other: string[] }[];
  totals: {
    matchedByName: number;
    matchedByStructure: number;
    deadA: number;
    deadB: number;
    died: number;
    revived: number;
    deadInBoth: number;
    /** Dead units of B that A did not have (the CLI's --fail-on new-dead). */
    newDead: number;
  };
  /** This viewer's nodes that changed most, most first (the Model view's compare summary). */
  biggestChanges: string[];
  notes: string[];
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
  /** `graph`: the WireGraph as JSON text. One string crosses each hop (extension host →
   *  workbench → webview frames) as one copy, where an object of 100,000 small arrays is
   *  serialized or structured-cloned at every hop: in Chromium, a 100,000-node graph's message
   *  arrived and was decoded 120–190 ms sooner as text (test/webview/harness.ts, bench-viewer). */
  | { type: 'init'; file: string; model: ModelInfo; graph: string }
  /** A large model's first picture (media/firstPicture.ts's FirstPicture as JSON text), sent
   *  before `init` so the webview can draw it while the whole graph is encoded and sent. */
  | { type: 'preview'; file: string; picture: string }
  | { type: 'error'; file: string; message: string }
  | { type: 'weightStats'; id: number; tensor: string; stats?: TensorStatsInfo; error?: string }
  | { type: 'exportDone'; id: number; path?: string; error?: string }
  | { type: 'selectNode'; node: string }
  | { type: 'activationResults'; results: NodeActivationResult[]; inputSource?: string }
  | { type: 'findings'; findings: FindingInfo[] }
  /** Answer to `requestGlossaryCard`: no card when the term is not in the glossary. `node`: the
   *  first layer of this model with that activation, which the card's "Select" link selects. */
  | { type: 'glossaryCard'; id: number; term: string; card?: GlossaryCard; node?: string }
  /** The comparison to show ("Compare with…"); without one, the viewer drops the one it shows. */
  | { type: 'comparison'; comparison?: ComparisonInfo };

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
  /** Draw folded nodes (weights of their consumer, shape computations) as boxes of their own. */
  showFolded?: boolean;
  /** Ids of folded nodes drawn anyway (the user selected them). */
  revealed?: string[];
  /** Every node flat and every box in the DOM: the benchmark's Netron-like baseline, not a user setting. */
  renderAll?: boolean;
  /** What the graph is coloured by: layer kind (default), a measured quantity, or its change from
   *  the comparison run. */
  overlay?: OverlayChoice;
  /** The last comparison this viewer switched to its change overlay for (a replay of the same one
   *  after a reload leaves the user's choice alone). */
  seenComparison?: string;
}

/** Per-node measured quantities the graph overlay and the layer table can show. */
export type OverlayQuantity = 'deadShare' | 'dyingShare' | 'zeroFraction' | 'mean' | 'std' | 'max';
export type OverlayChoice = 'category' | OverlayQuantity | `change:${OverlayQuantity}`;

export type ViewName = 'graph' | 'table' | 'model';

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'requestWeightStats'; id: number; tensor: string }
  | { type: 'revealNode'; node: string }
  | { type: 'exportFile'; id: number; kind: 'svg' | 'png'; /** SVG text, or PNG as base64 */ data: string; suggestedName?: string }
  | { type: 'stateChanged'; state: ViewerState }
  /** A glossary card for an op type, activation op, glossary term or finding rule id. */
  | { type: 'requestGlossaryCard'; id: number; term: string }
  /** Run "Activation Lens: Open Glossary" at an entry (a card's "Open full entry" link). */
  | { type: 'openGlossary'; entry: string }
  /** Run "Activation Lens: Explain Term" (a card's "Other terms…" link). */
  | { type: 'explainTerm' }
  /** Run "Activation Lens: Compare with…" for this viewer's model (its toolbar button). */
  | { type: 'compareWith' };

/** Number of histogram bins the viewer asks for and the host computes. */
export const HISTOGRAM_BINS = 32;

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { type?: unknown }).type;
  return (
    t === 'ready' || t === 'requestWeightStats' || t === 'revealNode' || t === 'exportFile' || t === 'stateChanged' || t === 'requestGlossaryCard' || t === 'openGlossary' || t === 'explainTerm' || t === 'compareWith'
  );
}

// ---- compact wire form of the graph ---------------------------------------------------------
// A 20,000-node model as plain GraphInfo JSON is ~6 MB, mostly repeated keys and repeated value
// types; with a string table and a value table it is about a third of that, which is what keeps
// the first picture fast (and VS Code Remote light). The string table is sorted and front-coded
// (each string as the length of the prefix it shares with the one before, and the rest): node
// and tensor names share long scope prefixes, so a 100,000-node BERT-shaped export's 8.6 MB of
// names take 2.2 MB. Nodes leave out a name equal to their id and trailing empty fields.
// decodeGraph(encodeGraph(g)) deep-equals g.

/** [name, dtype, shape] as string-table indices; dtype -1 and shape -1 when unknown/absent;
 *  just the name's index when both are (most intermediate values of a torch export). */
type WireValue = [number, number, Dim[] | null | -1] | number;
/** [name, dtype, shape, elementCount, byteSize (-1 unknown), location] */
type WireWeight = [number, number, number[], number, number, number];
/** [id, op, category, activation (0 none, else [op, family, fused, relu]), inputs, outputs
 *  (value indices), weights (weight indices), attributes [name, type, value], docString (-1 none),
 *  subgraphs [attribute, body], parameters, domain (-1: ai.onnx's ""), name (-1: same as id)];
 *  trailing fields that are empty or default are left out. */
type WireNode = [number, number, number, 0 | [number, number, 0 | 1, 0 | 1], number[], number[], number[]?, [number, number, number][]?, number?, [number, WireBody][]?, number?, number?, number?];
interface WireBody {
  n: number;
  i: number[];
  o: number[];
  nodes: WireNode[];
}

export interface WireGraph {
  /** The string table starts with the most used strings… */
  head: string[];
  /** …and goes on sorted, front-coded: [shared prefix length, rest, shared prefix length, rest, …]. */
  strings: (number | string)[];
  values: WireValue[];
  weights: WireWeight[];
  body: WireBody;
}

/** Strings used this often get a place at the head of the table (short indices), up to HEAD_MAX. */
const HEAD_USES = 8;
const HEAD_MAX = 1000;

export function encodeGraph(graph: GraphInfo): WireGraph {
  const strings: string[] = [];
  const uses: number[] = [];
  const stringIds = new Map<string, number>();
  const str = (s: string): number => {
    let i = stringIds.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      uses.push(0);
      stringIds.set(s, i);
    }
    uses[i]++;
    return i;
  };
  const values: WireValue[] = [];
  // The host shares one ValueRef per tensor and scope, so most lookups hit by identity; equal
  // values from other objects (other scopes) are found among those of the same name.
  const valueObjects = new Map<ValueRef, number>();
  const valuesByName = new Map<string, number[]>();
  const sameShape = (a: ValueRef['shape'], b: Dim[] | null | -1): boolean => {
    if (a === undefined || a === null || b === -1 || b === null) return (a === undefined && b === -1) || (a === null && b === null);
    return a.length === b.length && a.every((d, k) => d === b[k]);
  };
  const value = (v: ValueRef): number => {
    const known = valueObjects.get(v);
    if (known !== undefined) return known;
    const dtype = v.dtype === undefined ? -1 : str(v.dtype);
    let same = valuesByName.get(v.name);
    let i = same?.find((k) => {
      const x = values[k] as [number, number, Dim[] | null | -1];
      return x[1] === dtype && sameShape(v.shape, x[2]);
    });
    if (i === undefined) {
      i = values.length;
      values.push([str(v.name), dtype, v.shape === undefined ? -1 : v.shape]);
      if (!same) valuesByName.set(v.name, (same = []));
      same.push(i);
    }
    valueObjects.set(v, i);
    return i;
  };
  const weights: WireWeight[] = [];
  const weightIds = new Map<string, number>();
  const weight = (w: WeightInfo): number => {
    const key = `${w.name}\u0000${w.dtype}\u0000${w.shape.join(',')}\u0000${w.elementCount}\u0000${w.byteSize ?? -1}\u0000${w.location}`;
    let i = weightIds.get(key);
    if (i === undefined) {
      i = weights.length;
      weights.push([str(w.name), str(w.dtype), w.shape, w.elementCount, w.byteSize ?? -1, str(w.location)]);
      weightIds.set(key, i);
    }
    return i;
  };
  const body = (g: GraphInfo): WireBody => ({
    n: str(g.name),
    i: g.inputs.map(value),
    o: g.outputs.map(value),
    nodes: g.nodes.map((n): WireNode => {
      const id = str(n.id);
      const w: WireNode = [
        id,
        str(n.op),
        str(n.category),
        n.activation ? [str(n.activation.op), str(n.activation.family), n.activation.fused ? 1 : 0, n.activation.relu ? 1 : 0] : 0,
        n.inputs.map(value),
        n.outputs.map(value),
        n.weights.map(weight),
        n.attributes.map((a) => [str(a.name), str(a.type), str(a.value)]),
        n.docString === undefined ? -1 : str(n.docString),
        n.subgraphs.map((sg) => [str(sg.attribute), body(sg.graph)]),
        n.parameters,
        n.domain === '' ? -1 : str(n.domain),
        n.name === n.id ? -1 : str(n.name),
      ];
      // trailing defaults are left out
      let end = w.length;
      while (end > 6) {
        const x = w[end - 1];
        if (end - 1 === 10 ? x !== 0 : Array.isArray(x) ? x.length > 0 : x !== -1) break;
        end--;
      }
      w.length = end;
      return w;
    }),
  });
  const b = body(graph);

  // The most used strings (op types, categories, attribute names…) first, with short indices;
  // the rest sorted and front-coded. Then renumber every reference.
  const head = strings.map((_, i) => i).filter((i) => uses[i] >= HEAD_USES).sort((x, y) => uses[y] - uses[x]).slice(0, HEAD_MAX);
  const inHead = new Uint8Array(strings.length);
  for (const i of head) inHead[i] = 1;
  // Array.prototype.sort without a comparator sorts strings natively, by UTF-16 code units:
  // three times faster than with one on 200,000 names.
  const sorted = strings.filter((_, i) => !inHead[i]).sort();
  const rank = new Int32Array(strings.length);
  head.forEach((old, k) => (rank[old] = k));
  sorted.forEach((str, k) => (rank[stringIds.get(str)!] = head.length + k));
  const fc: (number | string)[] = [];
  let prev = '';
  for (const s of sorted) {
    const max = Math.min(prev.length, s.length);
    let p = 0;
    while (p < max && prev.charCodeAt(p) === s.charCodeAt(p)) p++;
    // never split a surrogate pair between the prefix and the rest
    if (p > 0 && p < s.length && s.charCodeAt(p - 1) >= 0xd800 && s.charCodeAt(p - 1) <= 0xdbff) p--;
    fc.push(p, s.slice(p));
    prev = s;
  }
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as [number, number, Dim[] | null | -1];
    values[k] = v[1] === -1 && v[2] === -1 ? rank[v[0]] : [rank[v[0]], v[1] === -1 ? -1 : rank[v[1]], v[2]];
  }
  for (const w of weights) {
    w[0] = rank[w[0]];
    w[1] = rank[w[1]];
    w[5] = rank[w[5]];
  }
  const renumber = (bd: WireBody): void => {
    bd.n = rank[bd.n];
    for (const n of bd.nodes) {
      n[0] = rank[n[0]];
      n[1] = rank[n[1]];
      n[2] = rank[n[2]];
      const act = n[3];
      if (act) {
        act[0] = rank[act[0]];
        act[1] = rank[act[1]];
      }
      for (const a of n[7] ?? []) {
        a[0] = rank[a[0]];
        a[1] = rank[a[1]];
        a[2] = rank[a[2]];
      }
      if (n[8] !== undefined && n[8] !== -1) n[8] = rank[n[8]];
      for (const sg of n[9] ?? []) {
        sg[0] = rank[sg[0]];
        renumber(sg[1]);
      }
      if (n[11] !== undefined && n[11] !== -1) n[11] = rank[n[11]];
      if (n[12] !== undefined && n[12] !== -1) n[12] = rank[n[12]];
    }
  };
  renumber(b);
  return { head: head.map((i) => strings[i]), strings: fc, values, weights, body: b };
}

export function decodeGraph(w: WireGraph): GraphInfo {
  const H = w.head.length;
  const S: string[] = new Array(H + (w.strings.length >> 1));
  for (let k = 0; k < H; k++) S[k] = w.head[k];
  let prev = '';
  for (let k = 0; 2 * k < w.strings.length; k++) {
    const p = w.strings[2 * k] as number, rest = w.strings[2 * k + 1] as string;
    prev = S[H + k] = p ? prev.slice(0, p) + rest : rest;
  }
  const values: ValueRef[] = w.values.map((x) => {
    if (typeof x === 'number') return { name: S[x] };
    const [n, d, sh] = x;
    const v: ValueRef = { name: S[n] };
    if (d !== -1) v.dtype = S[d];
    if (sh !== -1) v.shape = sh;
    return v;
  });
  const weights: WeightInfo[] = w.weights.map(([n, d, shape, elementCount, byteSize, loc]) => {
    const x: WeightInfo = { name: S[n], dtype: S[d], shape, elementCount, location: S[loc] };
    if (byteSize !== -1) x.byteSize = byteSize;
    return x;
  });
  const body = (b: WireBody): GraphInfo => ({
    name: S[b.n],
    inputs: b.i.map((i) => values[i]),
    outputs: b.o.map((i) => values[i]),
    nodes: b.nodes.map(([id, op, category, act, ins, outs, ws, attrs, doc, subs, parameters, domain, name]) => {
      const n: NodeInfo = {
        id: S[id],
        name: name === undefined || name === -1 ? S[id] : S[name],
        op: S[op],
        domain: domain === undefined || domain === -1 ? '' : S[domain],
        category: S[category] as NodeCategory,
        inputs: ins.map((i) => values[i]),
        outputs: outs.map((i) => values[i]),
        weights: ws ? ws.map((i) => weights[i]) : [],
        attributes: attrs ? attrs.map(([an, at, av]) => ({ name: S[an], type: S[at], value: S[av] })) : [],
        subgraphs: subs ? subs.map(([a, g]) => ({ attribute: S[a], graph: body(g) })) : [],
        parameters: parameters ?? 0,
      };
      if (act) n.activation = { op: S[act[0]], family: S[act[1]], fused: act[2] === 1, relu: act[3] === 1 };
      if (doc !== undefined && doc !== -1) n.docString = S[doc];
      return n;
    }),
  });
  return body(w.body);
}
