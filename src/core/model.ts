// The format-neutral model. Every reader produces it; everything else consumes only it.
// No `vscode` import may appear here or anywhere outside src/extension/.

/** A dimension: a known size, a symbolic name ("batch", "N"), or unknown (null). */
export type Dim = number | string | null;

/** Element type names. ONNX types by their ONNX name in lower case ("float", "float16", "int64",
 *  "float8e4m3fn" …); an element type the reader cannot name is "dtype(N)". */
export type DType = string;

export type ModelFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph' | 'tfjs-weights';

export interface ValueInfo {
  name: string;
  dtype: DType;
  /** undefined when the rank is unknown */
  shape?: Dim[];
  docString?: string;
}

/** Where a tensor's elements live. Readers keep data on disk and read it on demand. */
export type TensorLocation = 'inline' | 'external' | 'shard' | 'none';

export interface Tensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Product of the shape (1 for a scalar). */
  readonly elementCount: number;
  /** Bytes the stored data occupies (on disk or inline), when known. */
  readonly byteSize?: number;
  readonly location: TensorLocation;
  readonly docString?: string;
  /** The value of a one-element tensor whose data is stored inline in the model (a cheap read
   *  at open time), for resolving constant bounds such as Clip's min/max. */
  readonly scalarValue?: number;
  /** Streams the values as float64 numbers, chunk by chunk, so memory stays bounded.
   *  Rejects with a clear error when the data cannot be read (missing file, short data). */
  values(chunkElements?: number): AsyncIterable<Float64Array>;
  /** The stored little-endian bytes of the whole tensor, for runtimes and rewrites. */
  bytes(): Promise<Uint8Array>;
}

export interface SparseTensor {
  values: Tensor;
  indices: Tensor;
  dims: number[];
}

export type AttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number | string } // string when an int64 exceeds 2^53
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: Graph }
  | { type: 'sparse_tensor'; value: SparseTensor }
  | { type: 'type_proto'; value: string }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: (number | string)[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: Graph[] }
  | { type: 'sparse_tensors'; value: SparseTensor[] }
  | { type: 'type_protos'; value: string[] }
  | { type: 'ref'; value: string } // attribute that refers to a function attribute (ref_attr_name)
  | { type: 'json'; value: unknown } // format-specific configuration (TF.js layer config, TF attrs)
  | { type: 'undefined'; value: null };

export interface Attribute {
  name: string;
  docString?: string;
  value: AttributeValue;
}

/** An activation carried by a layer or a fused op rather than by a node of its own
 *  (TF.js `Dense({activation: 'relu'})`, `_FusedConv2D` with fused Relu, com.microsoft FusedConv). */
export interface FusedActivation {
  /** The activation's op name as ONNX spells it where one exists: Relu, LeakyRelu, Elu, Sigmoid … */
  op: string;
  params?: Record<string, number>;
}

export interface Node {
  name: string;
  opType: string;
  /** "" is the default ONNX domain (ai.onnx). */
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
  docString?: string;
  /** Names of the weights (initializers) this node reads. */
  weights?: string[];
  fusedActivation?: FusedActivation;
}

export interface Graph {
  name: string;
  docString?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  nodes: Node[];
  initializers: Tensor[];
  sparseInitializers: SparseTensor[];
}

export interface FunctionDef {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: string[];
  nodes: Node[];
  opsets: Record<string, number>;
  docString?: string;
}

export interface Model {
  format: ModelFormat;
  /** Absolute path of the file it was read from. */
  path: string;
  producer: { name: string; version: string };
  irVersion?: number;
  /** Domain → version; "" is the default domain. */
  opsets: Record<string, number>;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  metadata: Record<string, string>;
  graph: Graph;
  functions: FunctionDef[];
  /** Non-fatal problems found while reading (e.g. a missing weight shard). */
  warnings: string[];
}

/** Longest ModelError message: names from a hostile file can be megabytes long. Half of it (more
 *  than any path, PATH_MAX is 4096) is kept from the start, where the file is named. */
const MAX_MESSAGE = 10_000;

/** An expected failure: a bad file or a bad argument. Shown to the user without a stack trace, as
 *  one line: control characters that strings from the file carry (a node named "a\nb") are escaped
 *  here, once for every message, and an overlong message is cut in the middle. */
export class ModelError extends Error {
  constructor(message: string) {
    super(printable(message, MAX_MESSAGE));
    this.name = 'ModelError';
  }
}

export function elementCountOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The number of elements a shape holds when it is exact in a float64 (at most 2^53 − 1) and every
 *  dimension is a non-negative integer; undefined otherwise. A zero dimension makes 0 whatever the
 *  others claim. */
export function exactElementCount(shape: readonly number[]): number | undefined {
  let n = 1n;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    if (d === 0) return 0;
  }
  for (const d of shape) {
    n *= BigInt(d);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  }
  return Number(n);
}

/** A string from a model file as messages show it: control characters escaped (a name cannot
 *  break a message into lines) and long strings cut in the middle. */
export function printable(s: string, max = 160): string {
  // eslint-disable-next-line no-control-regex
  let t = s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (t.length > max) t = `${t.slice(0, Math.ceil(max / 2) - 1)}…${t.slice(t.length - Math.floor(max / 2))}`;
  return t;
}

/** A value parsed from a model file (JSON) as text. String(x) and `${x}` call the value's own
 *  toString/valueOf, and a JSON object can carry data properties of those names
 *  ({"toString": 1}), which makes both throw; this never does. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return String(v);
  } catch {
    try {
      return JSON.stringify(v) ?? '';
    } catch {
      return '[object]';
    }
  }
}

/** A value parsed from a model file as a number (NaN when it is none), never throwing (see textOf). */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  try {
    return Number(v);
  } catch {
    return NaN;
  }
}

/** An object for keys that come from a model file (op types, opset domains, metadata keys):
 *  without a prototype, '__proto__' and 'constructor' are plain keys like any other. */
export function fileKeyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Every graph nested in a graph's node attributes (If/Loop/Scan bodies), depth first. */
export function* nestedGraphs(graph: Graph): Generator<Graph> {
  for (const node of graph.nodes) yield* nodeSubgraphs(node);
}

export function* nodeSubgraphs(node: Node): Generator<Graph> {
  for (const a of node.attributes) {
    if (a.value.type === 'graph') {
      yield a.value.value;
      yield* nestedGraphs(a.value.value);
    } else if (a.value.type === 'graphs') {
      for (const g of a.value.value) {
        yield g;
        yield* nestedGraphs(g);
      }
    }
  }
}
