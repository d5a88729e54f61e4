// Turns a core Model into the compact graph the viewer webview draws, and answers the webview's
// requests (weight statistics). No `vscode` import here: the webview tests drive this module
// directly with models read by the real readers.
import { type Attribute, type FunctionDef, type Graph, type Model, type Node, type Tensor, type ValueInfo } from '../core/model';
import { activationOf, isReluFamily } from '../analysis/activations';
import { constantScalarLookup } from '../analysis/constants';
import { summarize } from '../analysis/summary';
import { tensorStats } from '../analysis/tensorStats';
import { RULES } from '../analysis/findings';
import { countActivationEntries, glossaryCard, resolveTerm, type ActivationUsage, type ModelActivationCount } from '../glossary';
import { firstPicture, PREVIEW_MIN_NODES } from '../../media/firstPicture';
import {
  encodeGraph,
  HISTOGRAM_BINS,
  MAX_ACTIVATION_LIST,
  type AttributeInfo,
  type GraphInfo,
  type HostMessage,
  type ModelInfo,
  type NodeCategory,
  type NodeInfo,
  type ValueRef,
  type WebviewMessage,
  type WeightInfo,
} from '../protocol';

const CATEGORY_OPS: Record<Exclude<NodeCategory, 'activation' | 'relu' | 'other'>, string[]> = {
  linear: ['Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'Gemm', 'MatMul', 'MatMulInteger', 'QLinearMatMul', 'FusedConv', 'FusedGemm', 'FusedMatMul', 'Einsum', 'Attention', 'MultiHeadAttention', 'LSTM', 'GRU', 'RNN',
    'Dense', 'Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose', 'Conv2DBackpropInput', 'DepthwiseConv2dNative', '_FusedConv2D', '_FusedMatMul', 'BatchMatMul', 'BatchMatMulV2', 'Embedding'],
  normalization: ['BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'LRN', 'LpNormalization', 'MeanVarianceNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'RMSNormalization', 'FusedBatchNorm', 'FusedBatchNormV3', 'Dropout', 'SpatialDropout2D'],
  pooling: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool', 'MaxRoiPool', 'RoiAlign', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'MaxPool2D', 'AvgPool', 'ReduceMean', 'ReduceMax', 'ReduceSum', 'ReduceMin', 'ReduceProd', 'ReduceL2'],
  shape: ['Reshape', 'Transpose', 'Concat', 'Split', 'Flatten', 'Squeeze', 'Unsqueeze', 'Gather', 'GatherElements', 'GatherND', 'Slice', 'Pad', 'Expand', 'Tile', 'Shape', 'Size', 'Identity', 'Cast', 'CastLike', 'ScatterND', 'ScatterElements', 'DepthToSpace', 'SpaceToDepth', 'Resize', 'Upsample', 'ConcatV2', 'Pack', 'Unpack', 'StridedSlice', 'ExpandDims', 'ZeroPadding2D', 'UpSampling2D', 'Concatenate', 'Permute', 'Range', 'ConstantOfShape', 'NonZero', 'Where', 'TopK', 'ArgMax', 'ArgMin'],
  math: ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Min', 'Max', 'Sum', 'Mean', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor', 'Mod', 'BiasAdd', 'AddV2', 'Multiply', 'Subtract', 'Average', 'RealDiv', 'Maximum', 'Minimum', 'Clip', 'Sin', 'Cos', 'Tan', 'CumSum', 'Square', 'Rsqrt'],
  control: ['If', 'Loop', 'Scan', 'SequenceMap'],
  constant: ['Constant', 'Const', 'InputLayer', 'Placeholder'],
};
const CATEGORY_OF = new Map<string, NodeCategory>();
for (const [cat, ops] of Object.entries(CATEGORY_OPS)) for (const op of ops) CATEGORY_OF.set(op, cat as NodeCategory);

/** The colour category of a node; activations (fused ones included) win over the op's own kind. */
export function categoryOf(op: string, activation?: { op: string }): NodeCategory {
  if (activation && CATEGORY_OF.get(op) === undefined) return isReluFamily(activation.op) ? 'relu' : 'activation';
  if (activation && (op === activation.op || op === 'Clip')) return isReluFamily(activation.op) ? 'relu' : 'activation';
  return CATEGORY_OF.get(op) ?? 'other';
}

const MAX_LIST = 16;
const MAX_STRING = 200;

function cut(s: string, max = MAX_STRING): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

function list<T>(values: T[], show: (v: T) => string): string {
  const shown = values.slice(0, MAX_LIST).map(show).join(', ');
  return values.length > MAX_LIST ? `[${shown}, … ${values.length - MAX_LIST} more]` : `[${shown}]`;
}

function shapeText(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function tensorText(t: Tensor): string {
  const value = t.scalarValue !== undefined && t.elementCount === 1 ? ` = ${t.scalarValue}` : '';
  return `tensor ${t.dtype}${shapeText(t.shape)}${value}`;
}

function graphText(g: Graph): string {
  return `graph ${g.name || '(unnamed)'}: ${g.nodes.length} nodes`;
}

export function attributeText(a: Attribute): string {
  const v = a.value;
  switch (v.type) {
    case 'float':
    case 'int':
      return String(v.value);
    case 'string':
      return cut(v.value);
    case 'tensor':
      return tensorText(v.value);
    case 'graph':
      return graphText(v.value);
    case 'sparse_tensor':
      return `sparse tensor ${shapeText(v.value.dims)}`;
    case 'type_proto':
    case 'ref':
      return cut(v.value);
    case 'floats':
    case 'ints':
      return list<number | string>(v.value, String);
    case 'strings':
    case 'type_protos':
      return list(v.value, (s) => JSON.stringify(cut(s, 60)));
    case 'tensors':
      return list(v.value, tensorText);
    case 'graphs':
      return list(v.value, graphText);
    case 'sparse_tensors':
      return list(v.value, (s) => `sparse tensor ${shapeText(s.dims)}`);
    case 'json': {
      let s: string;
      try {
        s = JSON.stringify(v.value) ?? 'undefined';
      } catch {
        s = '(unprintable)';
      }
      return cut(s, 400);
    }
    case 'undefined':
      return '(undefined)';
  }
}

/** Scope: the values, weights and ids visible while converting one graph (outer scopes chained). */
interface Scope {
  values: Map<string, ValueInfo>;
  weights: Map<string, Tensor>;
  parent?: Scope;
}

/** The named values of a node's input or output list ('' marks an omitted optional input). Built
 *  by map, not push: a pushed list reserves room for 17 entries, and a 100,000-node model keeps
 *  200,000 of these lists. */
function refs(names: string[], ref: (name: string) => ValueRef): ValueRef[] {
  return (names.includes('') ? names.filter((name) => name !== '') : names).map(ref);
}

function lookupValue(scope: Scope | undefined, name: string): ValueInfo | undefined {
  for (let s = scope; s; s = s.parent) {
    const v = s.values.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

function lookupWeight(scope: Scope | undefined, name: string): Tensor | undefined {
  for (let s = scope; s; s = s.parent) {
    const v = s.weights.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Turns of 5 ms the host gives a queued `ready` after building the graph. Measured in
 *  code-server: processed 8–30 ms after the build, having waited behind the read; on a loaded
 *  machine (CI) not within 50 ms. A webview that is slower still gets the whole graph at once. */
const READY_TURNS = 50;

/** After posting a preview the host waits until VS Code acknowledges the message (its
 *  postMessage promise: the workbench has taken it) before the encoding of the whole graph blocks
 *  this thread, at least PREVIEW_FLUSH_MS and at most PREVIEW_ACK_MAX_MS. A fixed 20 ms pause was
 *  not always enough: in code-server (test/ui, 100,000-node model) one preview of three was drawn
 *  1.1 s after the host posted it, right before the whole graph, instead of 0.3 s after. */
const PREVIEW_FLUSH_MS = 20;
const PREVIEW_ACK_MAX_MS = 400;

/** Function bodies bigger than this are not expanded at each call (the payload would multiply). */
const MAX_FUNCTION_BODY = 200;

class GraphBuilder {
  private readonly usedIds = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();
  readonly tensors = new Map<string, Tensor>();
  private readonly functions = new Map<string, FunctionDef>();
  /** Weight metadata shared by every node that reads the same tensor. */
  private readonly weightInfos = new Map<Tensor, WeightInfo>();
  private functionDepth = 0;

  constructor(functions: FunctionDef[] = []) {
    for (const f of functions) this.functions.set(`${f.domain}\u0000${f.name}`, f);
  }

  /** A model-local function's body as a graph (its values have no declared types). */
  private functionBody(f: FunctionDef, scope: Scope, callId: string): GraphInfo | undefined {
    if (f.nodes.length > MAX_FUNCTION_BODY || this.functionDepth >= 4) return undefined;
    const graph: Graph = { name: f.domain ? `${f.domain}.${f.name}` : f.name, inputs: [], outputs: [], valueInfo: [], nodes: f.nodes, initializers: [], sparseInitializers: [] };
    this.functionDepth++;
    try {
      return this.build(graph, scope, callId);
    } finally {
      this.functionDepth--;
    }
  }

  build(graph: Graph, parent?: Scope, idPrefix?: string): GraphInfo {
    const scope: Scope = { values: new Map(), weights: new Map(), parent };
    for (const v of [...graph.inputs, ...graph.valueInfo, ...graph.outputs]) scope.values.set(v.name, v);
    for (const t of graph.initializers) {
      scope.weights.set(t.name, t);
      if (!this.tensors.has(t.name)) this.tensors.set(t.name, t);
    }
    const constScalar = constantScalarLookup(graph);
    const initNames = new Set(graph.initializers.map((t) => t.name));
    // One ValueRef per tensor name and scope: a tensor is the output of one node and the input of
    // others, and sharing the object keeps a 20,000-node graph from allocating it three times.
    const refs = new Map<string, ValueRef>();
    const ref = (name: string): ValueRef => {
      let r = refs.get(name);
      if (r) return r;
      const v = lookupValue(scope, name);
      const t = v ? undefined : lookupWeight(scope, name);
      r = v ? { name, dtype: v.dtype, shape: v.shape ?? null } : t ? { name, dtype: t.dtype, shape: [...t.shape] } : { name };
      refs.set(name, r);
      return r;
    };
    const prefix = idPrefix ?? graph.name;
    const nodes: NodeInfo[] = graph.nodes.map((n, i) => this.node(n, i, prefix, scope, ref, constScalar));
    return {
      name: graph.name,
      inputs: graph.inputs.filter((v) => !initNames.has(v.name)).map((v) => ref(v.name)),
      outputs: graph.outputs.map((v) => ref(v.name)),
      nodes,
    };
  }

  /** Unnamed nodes get "<graph or call>/<op>_<index>"; clashes get "#2", "#3" … */
  private uniqueId(node: Node, index: number, prefix: string): string {
    let base = node.name || `${node.opType}_${index}`;
    if (!node.name && prefix) base = `${prefix}/${base}`;
    if (!this.usedIds.has(base)) {
      this.usedIds.add(base);
      return base;
    }
    let id = base;
    // Continue from the last suffix given to this base: 50,000 nodes of one name must not probe
    // #2, #3 … again for each (quadratic).
    let k = this.nextSuffix.get(base) ?? 2;
    while (this.usedIds.has(id)) id = `${base}#${k++}`;
    this.nextSuffix.set(base, k);
    this.usedIds.add(id);
    return id;
  }

  private node(n: Node, index: number, prefix: string, scope: Scope, ref: (name: string) => ValueRef, constScalar: (name: string) => number | undefined): NodeInfo {
    const act = activationOf(n, constScalar);
    // The node's weights: those the reader named, and inputs that are initializers in scope.
    // (No Set per node: most nodes have none, and 100,000 of them made the garbage collector busy.)
    const found: Tensor[] = [];
    for (const w of n.weights ?? []) {
      const t = lookupWeight(scope, w);
      if (t && !found.includes(t)) found.push(t);
    }
    for (const i of n.inputs) {
      const t = i ? lookupWeight(scope, i) : undefined;
      if (t && !found.includes(t)) found.push(t);
    }
    // By map: the list lives as long as the graph, and a pushed one reserves room for 17.
    const weights: WeightInfo[] = found.map((t) => {
      let info = this.weightInfos.get(t);
      if (!info) {
        info = { name: t.name, dtype: t.dtype, shape: [...t.shape], elementCount: t.elementCount, location: t.location };
        if (t.byteSize !== undefined) info.byteSize = t.byteSize;
        this.weightInfos.set(t, info);
      }
      return info;
    });
    const info: NodeInfo = {
      id: this.uniqueId(n, index, prefix),
      name: n.name,
      op: n.opType,
      domain: n.domain,
      category: categoryOf(n.opType, act),
      inputs: refs(n.inputs, ref),
      outputs: refs(n.outputs, ref),
      weights,
      attributes: n.attributes.map((a) => ({ name: a.name, type: a.value.type, value: attributeText(a) }) satisfies AttributeInfo),
      subgraphs: [],
      parameters: weights.reduce((s, w) => s + w.elementCount, 0),
    };
    if (act) info.activation = { op: act.op, family: act.family, fused: act.fused, relu: isReluFamily(act.op) };
    if (n.docString) info.docString = cut(n.docString, 2000);
    for (const a of n.attributes) {
      const graphs = a.value.type === 'graph' ? [a.value.value] : a.value.type === 'graphs' ? a.value.value : [];
      graphs.forEach((g, k) => info.subgraphs.push({ attribute: graphs.length > 1 ? `${a.name}[${k}]` : a.name, graph: this.build(g, scope) }));
    }
    const fn = this.functions.get(`${n.domain}\u0000${n.opType}`);
    if (fn) {
      const body = this.functionBody(fn, scope, info.id);
      if (body) info.subgraphs.push({ attribute: 'function', graph: body });
    }
    return info;
  }
}

export interface BuiltModel {
  model: ModelInfo;
  graph: GraphInfo;
  /** Every weight by name (nested graphs included) for statistics requests. */
  tensors: Map<string, Tensor>;
  /** The model itself, for what is computed on request only (glossary card usage counts). */
  source?: Model;
}

export function buildViewerGraph(model: Model): BuiltModel {
  const builder = new GraphBuilder(model.functions);
  const graph = builder.build(model.graph);
  let info: ModelInfo | undefined;
  return {
    // Summarised when first asked (for `init`), after a large model's first picture has gone out.
    get model(): ModelInfo {
      return (info ??= modelInfo(model));
    },
    graph,
    tensors: builder.tensors,
    source: model,
  };
}

function modelInfo(model: Model): ModelInfo {
  const info: ModelInfo = { ...summarize(model) };
  // A 100,000-node chain has 50,000 activation layers: 2.4 MB of a list the viewer only counts.
  info.activationCount = info.activations.length;
  info.activations = info.activations.slice(0, MAX_ACTIVATION_LIST);
  if (model.docString) info.docString = cut(model.docString, 4000);
  return info;
}

/** The card link that selects a layer in this viewer: handled by the webview itself, never run
 *  as a VS Code command. */
export const SELECT_NODE_LINK = 'activationLens.viewer.selectNode';

/** Longer "terms" (op types of a hostile model) are not looked up at all. */
const MAX_TERM = 200;

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** Where the host gets its model from: loaded once per (re)render. */
export type ModelSource = () => Promise<Model>;

/**
 * One webview's conversation with the host. `post` sends to the webview; `onOther` receives the
 * messages the host side handles with VS Code APIs (reveal, export, state).
 */
export class ViewerSession {
  private built?: Promise<BuiltModel>;
  private file: string;

  constructor(
    file: string,
    private readonly source: ModelSource,
    private readonly post: (m: HostMessage) => void | Thenable<unknown>,
    private readonly onOther: (m: WebviewMessage) => void = () => {},
  ) {
    this.file = file;
  }

  /** Results other features sent (measured activations, findings), replayed after every init:
   *  a webview that was hidden and shown again starts from scratch. */
  private readonly sticky = new Map<HostMessage['type'], HostMessage>();

  /** Posts a message from another feature, remembering the kinds that must survive a reload. */
  send(m: HostMessage): void {
    if (m.type === 'activationResults' || m.type === 'findings' || m.type === 'comparison') this.sticky.set(m.type, m);
    void this.post(m);
  }

  /** Starts reading the model (and encoding its graph) before the webview asks, so both get
   *  ready at the same time. */
  preload(): void {
    this.load()
      .then(async (b) => {
        // Reading and building held this thread: let the webview's `ready` (usually waiting in
        // the queue by now) through, then send a large model's first picture before the encoding
        // of the whole graph blocks the thread again.
        if (b.graph.nodes.length >= PREVIEW_MIN_NODES) for (let turn = 0; turn < READY_TURNS && !this.readyForPreview; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
        if (this.readyForPreview && (await this.sendPreview(b))) return;
        this.encoded(b);
      })
      .catch(() => undefined); // the error is reported when the webview is ready
  }

  /** The first picture of a large model as JSON text (computed once per built model). */
  private pictureOf(b: BuiltModel): string | undefined {
    if (this.picture?.of !== b) {
      let json: string | undefined;
      // Cheap gate first: the picture needs the viewer's whole graph model.
      if (b.graph.nodes.length >= PREVIEW_MIN_NODES) {
        try {
          const p = firstPicture(b.graph, { direction: 'TB', showNames: true, keras: b.source?.format === 'tfjs-layers' });
          json = p ? JSON.stringify(p) : undefined;
        } catch {
          json = undefined; // a preview is an extra: the whole graph follows anyway
        }
      }
      this.picture = { of: b, json };
    }
    return this.picture.json;
  }

  private picture?: { of: BuiltModel; json?: string };
  /** The webview is ready and has drawn nothing (not a reload after a file change). */
  private readyForPreview = false;
  /** The preview this webview (load) was sent, and when VS Code has had time to write it out. */
  private previewSent?: { of: BuiltModel; flushed: Promise<void> };

  /** Posts the first picture unless the whole graph is already encoded (then `init` follows at
   *  once); resolves true, once the message has had time to leave, when a preview was posted. */
  private async sendPreview(b: BuiltModel): Promise<boolean> {
    if (this.previewSent?.of === b) {
      await this.previewSent.flushed;
      return true;
    }
    if (this.wire?.of === b) return false;
    const picture = this.pictureOf(b);
    if (!picture) return false;
    const posted = this.post({ type: 'preview', file: this.file, picture });
    // VS Code writes webview messages out on a timer: without this wait the preview would sit
    // behind the encoding that follows (measured in code-server: a setImmediate was not enough).
    const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const acknowledged = posted ? Promise.race([Promise.resolve(posted).then(() => undefined, () => undefined), pause(PREVIEW_ACK_MAX_MS)]) : Promise.resolve();
    const flushed = Promise.all([acknowledged, pause(PREVIEW_FLUSH_MS)]).then(() => undefined);
    this.previewSent = { of: b, flushed };
    await flushed;
    return true;
  }

  /** The wire form of a built model's graph, encoded once (a webview shown again gets it as is). */
  private encoded(b: BuiltModel): string {
    if (this.wire?.of !== b) this.wire = { of: b, graph: JSON.stringify(encodeGraph(b.graph)) };
    return this.wire.graph;
  }

  /** Re-reads the model (file changed on disk) and sends the new graph. */
  reload(): Promise<void> {
    this.built = undefined;
    // The webview shows the old graph until the new one arrives: no preview.
    return this.sendInit(false);
  }

  async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.sendInit();
      case 'requestWeightStats':
        return this.weightStats(m.id, m.tensor);
      case 'requestGlossaryCard':
        return this.glossaryCard(m.id, m.term);
      default:
        this.onOther(m);
    }
  }

  private load(): Promise<BuiltModel> {
    this.built ??= this.source().then(buildViewerGraph);
    return this.built;
  }

  /** Layers per glossary entry, counted on the first card request (not on the way to first paint). */
  private activationCounts?: { of: BuiltModel; counts: Map<string, ModelActivationCount> };

  /**
   * The viewer's glossary card, built here rather than in the webview: bundling the glossary into
   * dist/webview.js would add 68 KB (unminified; 56 KB minified) to a 90 KB bundle that every model
   * opening parses before its first paint, while a card is needed only on hover, where one message
   * round trip hides under the hover delay. It also keeps one code path with the editor hovers:
   * the same `glossaryCard` and the same `countActivationEntries` over the core model.
   */
  private async glossaryCard(id: number, term: string): Promise<void> {
    let card, node: string | undefined;
    try {
      if (term.length > MAX_TERM) throw new Error('not a glossary term');
      const rule = Object.prototype.hasOwnProperty.call(RULES, term) ? RULES[term as keyof typeof RULES] : undefined;
      const entry = resolveTerm(rule ? rule.glossary : term);
      if (entry) {
        const usage: ActivationUsage[] = [];
        const b = await this.load().catch(() => undefined);
        if (b?.source) {
          if (this.activationCounts?.of !== b) this.activationCounts = { of: b, counts: countActivationEntries(b.source) };
          const c = this.activationCounts.counts.get(entry.id);
          if (c?.layers) {
            node = c.nodes[0];
            usage.push({
              model: baseName(this.file),
              layers: c.layers,
              deadShare: this.measuredDeadShare(c.nodes),
              reveal: { command: SELECT_NODE_LINK, args: [c.nodes[0]], label: `Select first: ${c.nodes[0]}` },
            });
          }
        }
        card = glossaryCard(entry, usage);
      }
    } catch {
      card = undefined; // a glossary problem must not break the viewer: no card, no hover
    }
    await this.post({ type: 'glossaryCard', id, term, card, node });
  }

  /** Dead units over all units of `nodes` in the activation results this viewer received. */
  private measuredDeadShare(nodes: string[]): number | undefined {
    const m = this.sticky.get('activationResults');
    if (m?.type !== 'activationResults') return undefined;
    const wanted = new Set(nodes);
    let dead = 0, units = 0;
    for (const r of m.results) {
      if (!wanted.has(r.node)) continue;
      const n = r.activeRate.length || 1;
      dead += r.deadShare * n;
      units += n;
    }
    return units ? dead / units : undefined;
  }

  private wire?: { of: BuiltModel; graph: string };

  private initSent?: () => void;
  /** Settles once this session has posted its first graph (or error) to the webview. */
  readonly firstInit = new Promise<void>((resolve) => (this.initSent = resolve));

  private async sendInit(preview = true): Promise<void> {
    // Not awaited: the model is usually read already (preload), and init follows in order.
    void this.post({ type: 'loading', file: this.file });
    // A webview (re)loaded: it has drawn nothing, so a preview is worth sending again.
    this.readyForPreview = preview;
    this.previewSent = undefined;
    try {
      const b = await this.load();
      if (preview) await this.sendPreview(b);
      await this.post({ type: 'init', file: this.file, model: b.model, graph: this.encoded(b) });
      for (const m of this.sticky.values()) await this.post(m);
    } catch (e) {
      await this.post({ type: 'error', file: this.file, message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.initSent?.();
    }
  }

  private async weightStats(id: number, tensor: string): Promise<void> {
    try {
      const b = await this.load();
      const t = b.tensors.get(tensor);
      if (!t) throw new Error(`no weight named "${tensor}" in this model`);
      const stats = await tensorStats(() => t.values(), HISTOGRAM_BINS);
      await this.post({ type: 'weightStats', id, tensor, stats });
    } catch (e) {
      await this.post({ type: 'weightStats', id, tensor, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
