// A Keras layers-model topology (TF.js `format: "layers-model"`) as a core graph: one node per
// layer of the model, edges from `inbound_nodes` (Keras 2 list form or Keras 3 dict form), nested
// models as a 'model' graph attribute of their node.
//
// The topology is read here rather than through tfjs-layers' deserializer because that one
// instantiates every layer and every weight variable (allocating and initialising all weights),
// so opening a model would cost what its weights cost.
import { kerasActivation } from '../../analysis/activations';
import { fileKeyed, ModelError, textOf, type Dim, type Graph, type Node, type ValueInfo } from '../../core/model';
import { configAttributes } from './layerConfig';
import { WeightOwners } from './weightOwners';
import { annotateShapes, cleanShape, type LayerCall, type ShapeProgram, type ShapeStep } from './modelShapes';
import { coreDtype } from './weights';

interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
  /** The tensor's shape as Keras 3 records it in call arguments. */
  shape?: unknown;
}

interface LayerEntry {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** One list of input tensors per call of the layer, in call order. */
  calls: TensorRef[][];
}

interface Context {
  file: string;
  weightNames: readonly string[];
  /** The weights each layer name owns (see weightOwners.ts). */
  owners: WeightOwners;
  warnings: string[];
  depth: number;
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);
const MAX_NESTING = 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A layer's outputs per call are kept by tensor index: an index like 2³¹ in a hostile file made
 *  a sparse array that iterating took forever (`npm run fuzz -- --cases 1500 --seed 4242`, case
 *  135). Keras layers have a handful of outputs and calls; anything beyond these is not a reference. */
const MAX_TENSOR_INDEX = 1 << 12;
const MAX_NODE_INDEX = 1 << 20;

function isRefLike(x: unknown): x is [string, number, number, ...unknown[]] {
  return (
    Array.isArray(x) && x.length >= 3 && typeof x[0] === 'string' &&
    Number.isInteger(x[1]) && x[1] >= 0 && x[1] <= MAX_NODE_INDEX &&
    Number.isInteger(x[2]) && x[2] >= 0 && x[2] <= MAX_TENSOR_INDEX
  );
}

function toRef(x: [string, number, number, ...unknown[]]): TensorRef {
  return { layer: x[0], node: x[1], tensor: x[2] };
}

export function tensorName(r: TensorRef): string {
  return `${r.layer}/${r.node}/${r.tensor}`;
}

/** Keras 3 tensors inside call arguments: {class_name: '__keras_tensor__', config: {keras_history}}. */
function kerasTensors(v: unknown, out: TensorRef[]): void {
  if (Array.isArray(v)) {
    for (const x of v) kerasTensors(x, out);
  } else if (isObject(v)) {
    const history = isObject(v.config) ? v.config.keras_history : undefined;
    if (v.class_name === '__keras_tensor__' && isRefLike(history)) out.push({ ...toRef(history), shape: (v.config as Record<string, unknown>).shape });
    else for (const x of Object.values(v)) kerasTensors(x, out);
  }
}

/** Keras 2 call kwargs may hold tensors as [layer, node, tensor] lists (TFOpLambda `y`). */
function legacyKwargTensors(v: unknown, known: (name: string) => boolean, out: TensorRef[]): void {
  if (isRefLike(v) && v.length <= 4 && known(v[0])) out.push(toRef(v));
  else if (Array.isArray(v)) for (const x of v) legacyKwargTensors(x, known, out);
  else if (isObject(v)) for (const x of Object.values(v)) legacyKwargTensors(x, known, out);
}

function parseCalls(inbound: unknown, known: (name: string) => boolean): TensorRef[][] {
  if (!Array.isArray(inbound)) return [];
  return inbound.map((call) => {
    const refs: TensorRef[] = [];
    if (isObject(call)) {
      kerasTensors([call.args, call.kwargs], refs); // Keras 3 dict form
    } else if (isRefLike(call)) {
      refs.push(toRef(call)); // a single unwrapped reference
      legacyKwargTensors(call[3], known, refs);
    } else if (Array.isArray(call)) {
      for (const x of call) {
        if (isRefLike(x)) {
          refs.push(toRef(x));
          legacyKwargTensors(x[3], known, refs);
        }
      }
    }
    return refs;
  });
}

function parseLayer(raw: unknown, index: number, known: (name: string) => boolean): LayerEntry {
  if (!isObject(raw)) return { className: 'Unknown', name: `layer_${index}`, config: {}, calls: [] };
  const config = isObject(raw.config) ? raw.config : Array.isArray(raw.config) ? { layers: raw.config } : {};
  const className = typeof raw.class_name === 'string' ? raw.class_name : 'Unknown';
  const name = typeof raw.name === 'string' ? raw.name : typeof config.name === 'string' ? config.name : `${className.toLowerCase()}_${index}`;
  return { className, name, config, calls: parseCalls(raw.inbound_nodes, known) };
}

function isModelLayer(e: LayerEntry): boolean {
  return MODEL_CLASSES.has(e.className) || Array.isArray(e.config.layers);
}

/** Input references as Keras writes them: one [name, node, tensor] or a list (or dict) of them. */
function refList(v: unknown): TensorRef[] {
  if (isRefLike(v)) return [toRef(v)];
  if (Array.isArray(v)) return v.flatMap(refList);
  if (isObject(v)) return Object.values(v).flatMap(refList);
  return [];
}

function dtypeOf(config: Record<string, unknown>): string {
  const d = config.dtype;
  // Keras 3 writes a DTypePolicy object: {class_name: 'DTypePolicy', config: {name: 'float32'}}.
  if (isObject(d)) return coreDtype(isObject(d.config) ? d.config.name : undefined);
  return coreDtype(d ?? 'float32');
}

function shapeOf(config: Record<string, unknown>): Dim[] | undefined {
  const s = config.batch_input_shape ?? config.batch_shape;
  if (Array.isArray(s)) return s.map((d) => (typeof d === 'number' ? d : d === null ? null : textOf(d)));
  if (Array.isArray(config.input_shape)) return [null, ...config.input_shape.map((d) => (typeof d === 'number' ? d : null))];
  return undefined;
}

/** The weights a layer owns: those whose name has the layer's name as a path segment
 *  ("dense_1/kernel", "model/dense_1/bias" — converters prefix outer model names). */
function weightsOf(name: string, ctx: Context): string[] {
  return ctx.owners.of(name);
}

const MODEL_CONFIG_KEYS = new Set(['layers', 'input_layers', 'output_layers']);

function layerNode(e: LayerEntry, inputs: string[], outputs: string[], ctx: Context): Node {
  const node: Node = {
    name: e.name,
    opType: e.className,
    domain: '',
    inputs,
    outputs,
    attributes: [],
    weights: weightsOf(e.name, ctx),
  };
  if (isModelLayer(e)) {
    const inner = buildModelGraph(e.className, e.config, { ...ctx, depth: ctx.depth + 1 });
    node.attributes = configAttributes(e.config, MODEL_CONFIG_KEYS);
    node.attributes.push({ name: 'model', value: { type: 'graph', value: inner } });
    const all = new Set(node.weights);
    const collect = (g: Graph) => {
      for (const n of g.nodes) {
        for (const w of n.weights ?? []) all.add(w);
        for (const a of n.attributes) if (a.value.type === 'graph') collect(a.value.value);
      }
    };
    collect(inner);
    node.weights = [...all];
  } else {
    node.attributes = configAttributes(e.config);
    // Wrappers (TimeDistributed, Bidirectional) apply their wrapped layer's activation.
    const wrapped = isObject(e.config.layer) && isObject(e.config.layer.config) ? e.config.layer.config : undefined;
    const setting = 'activation' in e.config ? e.config.activation : wrapped?.activation;
    if (e.className !== 'Activation' && setting !== undefined) {
      const act = kerasActivation(setting);
      if (act) node.fusedActivation = act.params ? { op: act.op, params: act.params } : { op: act.op };
    }
  }
  return node;
}

function emptyGraph(name: string): Graph {
  return { name, inputs: [], outputs: [], valueInfo: [], nodes: [], initializers: [], sparseInitializers: [] };
}

function buildSequential(config: Record<string, unknown>, ctx: Context): Graph {
  const raw = Array.isArray(config.layers) ? config.layers : [];
  const entries = raw.map((l, i) => parseLayer(l, i, () => false));
  const graph = emptyGraph(typeof config.name === 'string' ? config.name : 'sequential');
  if (entries.length === 0) return graph;
  // An InputLayer written in the config (TF-Keras 2.x, Keras 3) is a layer of the model as
  // tfjs counts them (model.layers of such a Sequential includes it); without one, the first
  // layer carries the input shape and the input is named `<first>_input`, as tfjs and Keras name it.
  let prev: string;
  if (entries[0].className === 'InputLayer') {
    const input = entries[0];
    graph.inputs.push({ name: input.name, dtype: dtypeOf(input.config), shape: shapeOf(input.config) });
    prev = input.name;
  } else {
    prev = `${entries[0].name}_input`;
    graph.inputs.push({ name: prev, dtype: dtypeOf(entries[0].config), shape: shapeOf(entries[0].config) });
  }
  const steps: ShapeStep[] = [];
  for (const e of entries) {
    const out = `${e.name}/0/0`;
    const node = layerNode(e, e.className === 'InputLayer' ? [e.name] : [prev], [out], ctx);
    graph.nodes.push(node);
    steps.push(shapeStep(e, node, [{ inputs: node.inputs, outputs: [out] }]));
    prev = out;
  }
  graph.outputs.push({ name: prev, dtype: 'float' });
  setProgram(graph, steps, new Map(), config.build_input_shape);
  return graph;
}

function buildFunctional(config: Record<string, unknown>, ctx: Context): Graph {
  const raw = Array.isArray(config.layers) ? config.layers : [];
  const names = new Set(raw.map((l, i) => (isObject(l) ? textOf(l.name ?? (isObject(l.config) ? l.config.name : '') ?? i) : '')));
  const entries = raw.map((l, i) => parseLayer(l, i, (n) => names.has(n)));
  const byName = new Map(entries.map((e) => [e.name, e]));
  const graph = emptyGraph(typeof config.name === 'string' ? config.name : 'model');
  const inputRefs = refList(config.input_layers);
  const outputRefs = refList(config.output_layers);

  // Every reference to a layer's outputs, to know which (call, tensor) outputs exist.
  const referenced = new Map<string, TensorRef[]>();
  const note = (r: TensorRef) => {
    if (!referenced.has(r.layer)) referenced.set(r.layer, []);
    (referenced.get(r.layer) as TensorRef[]).push(r);
  };
  for (const e of entries) for (const call of e.calls) call.forEach(note);
  outputRefs.forEach(note);
  const steps: ShapeStep[] = [];
  const recorded = new Map<string, Dim[] | undefined>();
  for (const e of entries) for (const r of e.calls.flat()) if (r.shape !== undefined) recorded.set(tensorName(r), cleanShape(r.shape));
  const unknown = new Set<string>();
  for (const r of [...referenced.keys()]) if (!byName.has(r)) unknown.add(r);
  if (unknown.size) ctx.warnings.push(`${graph.name}: layers refer to unknown layer(s) ${[...unknown].map((n) => `'${n}'`).join(', ')}`);

  for (const e of entries) {
    const refs = referenced.get(e.name) ?? [];
    // A nested model's own construction created its node 0, so references to its calls are
    // numbered from 1 (Keras's node re-indexing); unless something refers to node 0.
    const offset = isModelLayer(e) && !refs.some((r) => r.node === 0) ? 1 : 0;
    const tensorsByNode = new Map<number, Set<number>>();
    const add = (node: number, tensor: number) => {
      if (!tensorsByNode.has(node)) tensorsByNode.set(node, new Set());
      (tensorsByNode.get(node) as Set<number>).add(tensor);
    };
    e.calls.forEach((_, i) => add(i + offset, 0));
    for (const r of refs) add(r.node, r.tensor);
    if (tensorsByNode.size === 0) add(0, 0);
    const outputs: string[] = [];
    for (const node of [...tensorsByNode.keys()].sort((a, b) => a - b)) {
      for (const t of [...(tensorsByNode.get(node) as Set<number>)].sort((a, b) => a - b)) outputs.push(tensorName({ layer: e.name, node, tensor: t }));
    }
    const inputs = e.className === 'InputLayer' ? [e.name] : e.calls.flat().map(tensorName);
    const node = layerNode(e, inputs, outputs, ctx);
    graph.nodes.push(node);
    const callOutputs = (n: number) => {
      const names: (string | undefined)[] = [];
      for (const t of tensorsByNode.get(n) ?? []) names[t] = tensorName({ layer: e.name, node: n, tensor: t });
      return names;
    };
    const calls: LayerCall[] = e.className === 'InputLayer' ? [{ inputs, outputs: callOutputs(0) }] : e.calls.map((refs, i) => ({ inputs: refs.map(tensorName), outputs: callOutputs(i + offset) }));
    steps.push(shapeStep(e, node, calls));
  }

  for (const r of inputRefs) {
    const e = byName.get(r.layer);
    const info: ValueInfo = e && e.className === 'InputLayer'
      ? { name: e.name, dtype: dtypeOf(e.config), shape: shapeOf(e.config) }
      : { name: tensorName(r), dtype: 'float' };
    graph.inputs.push(info);
  }
  // An InputLayer that input_layers does not list still feeds the graph.
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  for (const e of entries) {
    if (e.className === 'InputLayer' && !inputNames.has(e.name)) {
      inputNames.add(e.name);
      graph.inputs.push({ name: e.name, dtype: dtypeOf(e.config), shape: shapeOf(e.config) });
    }
  }
  for (const r of outputRefs) graph.outputs.push({ name: tensorName(r), dtype: dtypeOf(byName.get(r.layer)?.config ?? {}) });
  setProgram(graph, steps, recorded);
  return graph;
}

/** Each model graph's layer calls, for inferring the shapes of its values once all are read. */
const programs = new WeakMap<Graph, ShapeProgram>();

function setProgram(graph: Graph, steps: ShapeStep[], recorded: Map<string, Dim[] | undefined>, buildInputShape?: unknown): void {
  const inputs = graph.inputs.map((i) => ({ name: i.name, shape: cleanShape(i.shape ?? (graph.inputs.length === 1 ? buildInputShape : undefined)) }));
  programs.set(graph, { graph, inputs, steps, outputs: graph.outputs.map((o) => o.name), recorded });
}

function shapeStep(e: LayerEntry, node: Node, calls: LayerCall[]): ShapeStep {
  const inner = node.attributes.find((a) => a.name === 'model' && a.value.type === 'graph');
  const model = inner?.value.type === 'graph' ? programs.get(inner.value.value) : undefined;
  return { className: e.className, config: e.config, dtype: dtypeOf(e.config), calls, model };
}

export function buildModelGraph(className: string, config: Record<string, unknown>, ctx: Context): Graph {
  if (ctx.depth > MAX_NESTING) throw new ModelError(`${ctx.file}: models are nested more than ${MAX_NESTING} deep`);
  const layers = config.layers;
  if (!Array.isArray(layers)) throw new ModelError(`${ctx.file}: modelTopology of class '${className}' has no list of layers`);
  const sequential = className === 'Sequential' || (!('input_layers' in config) && !layers.some((l) => isObject(l) && 'inbound_nodes' in l));
  return sequential ? buildSequential(config, ctx) : buildFunctional(config, ctx);
}

export interface LayersTopology {
  graph: Graph;
  warnings: string[];
  metadata: Record<string, string>;
}

/** Reads `modelTopology` of a layers-model: {class_name, config} or Keras's {model_config, …}. */
export function readLayersTopology(file: string, topology: unknown, weightNames: readonly string[]): LayersTopology {
  if (!isObject(topology)) throw new ModelError(`${file}: modelTopology is not an object`);
  const outer = topology;
  const model = isObject(outer.model_config) ? outer.model_config : outer;
  const className = typeof model.class_name === 'string' ? model.class_name : 'Model';
  const rawConfig = model.config;
  const config = Array.isArray(rawConfig) ? { layers: rawConfig } : isObject(rawConfig) ? rawConfig : undefined;
  if (!config) throw new ModelError(`${file}: modelTopology has no model config (expected {class_name, config: {layers}})`);
  const warnings: string[] = [];
  const graph = buildModelGraph(className, config, { file, weightNames, owners: new WeightOwners(weightNames), warnings, depth: 0 });
  // Keras 3 files (which tfjs does not load as they are) get Keras's shape rules; the rest tfjs's.
  const program = programs.get(graph) as ShapeProgram;
  const keras3 = /^3\./.test(textOf(outer.keras_version ?? '')) || program.recorded.size > 0;
  const shapeWarning = annotateShapes(program, keras3 ? 'keras' : 'tfjs');
  if (shapeWarning) warnings.push(shapeWarning);
  const metadata = fileKeyed<string>();
  metadata.modelClass = className;
  for (const key of ['keras_version', 'backend']) {
    if (typeof outer[key] === 'string') metadata[key] = outer[key] as string;
  }
  return { graph, warnings, metadata };
}
