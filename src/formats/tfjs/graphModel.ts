// A TF.js graph-model (`format: "graph-model"`): the GraphDef in TF's JSON encoding. One core
// node per GraphDef node; tensors are named as TF names them ("node" for output 0, "node:1" …);
// control inputs ("^node") are not data edges and are kept as a 'control_inputs' attribute.
import { textOf, type Attribute, type FunctionDef, type FusedActivation, type Graph, type Node, type Tensor, type ValueInfo } from '../../core/model';
import { coreDtypeOfTf, decodeAttr, tfShape } from './tfAttrs';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits a GraphDef input into producer and output index; null for a control input. */
function parseInput(input: string): { node: string; index: number } | null {
  if (input.startsWith('^')) return null;
  const m = /^(.*):(\d+)$/.exec(input);
  return m ? { node: m[1], index: Number(m[2]) } : { node: input, index: 0 };
}

function outputName(node: string, index: number): string {
  return index === 0 ? node : `${node}:${index}`;
}

/** The activation TF's fused ops apply after the convolution / matmul, from `fused_ops`. */
const FUSED_TF_ACTIVATIONS: Record<string, string> = {
  Relu: 'Relu',
  Relu6: 'Relu6',
  Elu: 'Elu',
  Selu: 'Selu',
  LeakyRelu: 'LeakyRelu',
  Prelu: 'PRelu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
  Softplus: 'Softplus',
  Softsign: 'Softsign',
  Swish: 'Swish',
  GeluApproximate: 'Gelu',
  GeluExact: 'Gelu',
};

export function fusedActivationOf(op: string, attributes: Attribute[]): FusedActivation | undefined {
  if (!/Fused/.test(op)) return undefined;
  const fused = attributes.find((a) => a.name === 'fused_ops');
  if (!fused || fused.value.type !== 'strings') return undefined;
  const act = [...fused.value.value].reverse().find((s) => Object.hasOwn(FUSED_TF_ACTIVATIONS, s));
  if (!act) return undefined;
  const canonical = FUSED_TF_ACTIVATIONS[act];
  const num = (name: string): number | undefined => {
    const a = attributes.find((x) => x.name === name);
    return a && (a.value.type === 'float' || a.value.type === 'int') ? Number(a.value.value) : undefined;
  };
  if (canonical === 'LeakyRelu') return { op: canonical, params: { alpha: num('leakyrelu_alpha') ?? 0.2 } };
  if (canonical === 'Relu6') return { op: canonical, params: { max: 6 } };
  if (canonical === 'Elu') return { op: canonical, params: { alpha: 1 } };
  return { op: canonical };
}

interface RawNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, unknown>;
  device?: string;
}

function rawNodes(list: unknown): RawNode[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((n, i) => ({
    name: typeof n.name === 'string' ? n.name : `node_${i}`,
    op: typeof n.op === 'string' ? n.op : 'Unknown',
    input: Array.isArray(n.input) ? n.input.map(textOf) : [],
    attr: isObject(n.attr) ? n.attr : {},
    device: typeof n.device === 'string' && n.device ? n.device : undefined,
  }));
}

function convertNode(raw: RawNode, inputs: string[], outputs: string[], weights: ReadonlyMap<string, Tensor>): Node {
  const attributes: Attribute[] = Object.entries(raw.attr).map(([name, v]) => ({ name, value: decodeAttr(name, v, raw.name) }));
  const control = raw.input.filter((i) => i.startsWith('^')).map((i) => i.slice(1));
  if (control.length) attributes.push({ name: 'control_inputs', value: { type: 'strings', value: control } });
  if (raw.device) attributes.push({ name: 'device', value: { type: 'string', value: raw.device } });
  const node: Node = { name: raw.name, opType: raw.op, domain: '', inputs, outputs, attributes };
  const stored = weights.get(raw.name);
  if (raw.op === 'Const' && stored) {
    // The converter moves Const values into the weight shards; the JSON keeps only dtype and shape.
    const value = attributes.find((a) => a.name === 'value');
    if (value) value.value = { type: 'tensor', value: stored };
    else attributes.push({ name: 'value', value: { type: 'tensor', value: stored } });
  }
  const read = inputs.filter((i) => weights.has(i));
  if (read.length) node.weights = read;
  const fused = fusedActivationOf(raw.op, attributes);
  if (fused) node.fusedActivation = fused;
  return node;
}

/** Outputs below this index are listed densely (node, node:1 … node:15) when any of them is used;
 *  higher ones only when referred to, so an input naming output 4294967296 costs one name, not 2^32. */
const DENSE_OUTPUTS = 16;

/** Converts GraphDef nodes, naming outputs after what consumers refer to. */
function convertNodes(list: RawNode[], weights: ReadonlyMap<string, Tensor>): { nodes: Node[]; consumed: Set<string> } {
  const maxDense = new Map<string, number>();
  const sparse = new Map<string, Set<number>>();
  const consumed = new Set<string>();
  const parsedInputs = list.map((n) =>
    n.input.flatMap((i) => {
      const p = parseInput(i);
      if (!p) {
        consumed.add(i.slice(1));
        return [];
      }
      consumed.add(p.node);
      if (p.index < DENSE_OUTPUTS) maxDense.set(p.node, Math.max(maxDense.get(p.node) ?? 0, p.index));
      else {
        let set = sparse.get(p.node);
        if (!set) sparse.set(p.node, (set = new Set()));
        set.add(p.index);
      }
      return [outputName(p.node, p.index)];
    }),
  );
  const nodes = list.map((n, k) => {
    const count = (maxDense.get(n.name) ?? 0) + 1;
    const outputs = Array.from({ length: count }, (_, i) => outputName(n.name, i));
    const high = sparse.get(n.name);
    if (high) for (const i of [...high].sort((a, b) => a - b)) outputs.push(outputName(n.name, i));
    return convertNode(n, parsedInputs[k], outputs, weights);
  });
  return { nodes, consumed };
}

function signatureInfos(sig: unknown): ValueInfo[] {
  if (!isObject(sig)) return [];
  return Object.entries(sig).map(([key, v]) => {
    const o = isObject(v) ? v : {};
    const name = typeof o.name === 'string' ? o.name : key;
    const p = parseInput(name);
    return {
      name: p ? outputName(p.node, p.index) : name,
      dtype: coreDtypeOfTf(o.dtype),
      shape: tfShape(o.tensorShape),
      docString: key !== name ? `signature key '${key}'` : undefined,
    };
  });
}

function attrDtype(raw: RawNode): string {
  for (const key of ['dtype', 'T', 'DstT', 'out_type']) {
    const a = raw.attr[key];
    if (isObject(a) && 'type' in a) return coreDtypeOfTf(a.type);
  }
  return 'float';
}

export function buildGraphDefGraph(topology: Record<string, unknown>, signature: unknown, weights: ReadonlyMap<string, Tensor>, name: string): Graph {
  const list = rawNodes(topology.node);
  const { nodes, consumed } = convertNodes(list, weights);
  const sig = isObject(signature) ? signature : {};
  const byName = new Map(list.map((n) => [n.name, n]));

  const sigInputs = new Map(signatureInfos(sig.inputs).map((v) => [v.name, v]));
  const inputs: ValueInfo[] = list
    .filter((n) => n.op === 'Placeholder' || n.op === 'PlaceholderWithDefault')
    .map((n) => {
      const fromSig = sigInputs.get(n.name);
      const shapeAttr = n.attr.shape;
      const shape = isObject(shapeAttr) ? tfShape(shapeAttr.shape) : undefined;
      return { name: n.name, dtype: fromSig?.dtype ?? attrDtype(n), shape: shape ?? fromSig?.shape, docString: fromSig?.docString };
    });

  let outputs = signatureInfos(sig.outputs).filter((v) => byName.has(parseInput(v.name)?.node ?? v.name));
  if (outputs.length === 0) {
    // As tfjs's GraphModel does without a signature: the nodes nothing consumes are the outputs.
    outputs = list
      .filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp' && n.op !== 'Placeholder')
      .map((n) => ({ name: n.name, dtype: attrDtype(n) }));
  }
  return { name, inputs, outputs, valueInfo: [], nodes, initializers: [], sparseInitializers: [] };
}

/** library.function entries (control-flow bodies, called functions) as core functions. */
export function buildFunctions(topology: Record<string, unknown>, weights: ReadonlyMap<string, Tensor>): FunctionDef[] {
  const library = isObject(topology.library) ? topology.library : {};
  const list = Array.isArray(library.function) ? library.function.filter(isObject) : [];
  return list.map((f, i) => {
    const sig = isObject(f.signature) ? f.signature : {};
    const args = (v: unknown) => (Array.isArray(v) ? v.filter(isObject).map((a) => textOf(a.name ?? '')) : []);
    const nodeDefs = rawNodes(f.nodeDef);
    // Inside a function, inputs name a producer's output arg: "node:out_arg:0". Each distinct
    // reference becomes an output of its producer so edges connect.
    const outputsOf = new Map<string, Set<string>>();
    const refOf = (input: string): { producer: string; tensor: string } | null => {
      if (input.startsWith('^')) return null;
      const colon = input.indexOf(':');
      return { producer: colon < 0 ? input : input.slice(0, colon), tensor: input };
    };
    const ret = isObject(f.ret) ? f.ret : {};
    const allRefs = [...nodeDefs.flatMap((n) => n.input), ...Object.values(ret).map(textOf)];
    for (const input of allRefs) {
      const r = refOf(input);
      if (!r) continue;
      if (!outputsOf.has(r.producer)) outputsOf.set(r.producer, new Set());
      (outputsOf.get(r.producer) as Set<string>).add(r.tensor);
    }
    const nodes = nodeDefs.map((n) => {
      const inputs = n.input.filter((x) => !x.startsWith('^'));
      const outputs = [...(outputsOf.get(n.name) ?? new Set([n.name]))];
      return convertNode(n, inputs, outputs, weights);
    });
    const outputArgs = args(sig.outputArg);
    return {
      name: typeof sig.name === 'string' ? sig.name : `function_${i}`,
      domain: '',
      inputs: args(sig.inputArg),
      outputs: outputArgs.map((a) => (typeof ret[a] === 'string' ? (ret[a] as string) : a)),
      attributes: Array.isArray(sig.attr) ? sig.attr.filter(isObject).map((a) => textOf(a.name ?? '')) : [],
      nodes,
      opsets: {},
      docString: typeof sig.description === 'string' ? sig.description : undefined,
    };
  });
}
