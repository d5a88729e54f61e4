// Who produces and who consumes each value of a graph, and which values are constants
// (initializers, Constant nodes, and Identity chains over them — PyTorch's exporter deduplicates
// equal initializers through Identity nodes).
import type { Graph, Node, Tensor } from '../../core/model';
import { activationOf } from '../activations';
import { constantScalarLookup } from '../constants';

/** Ops that pass values through without changing their range or unit identity much. */
export const PASS_THROUGH = new Set([
  'Identity', 'Dropout', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'MaxPool', 'AveragePool',
  'GlobalAveragePool', 'GlobalMaxPool', 'Pad', 'Slice', 'Resize', 'Upsample', 'ReduceMax', 'ReduceMean',
  'Split', 'Expand', 'Cast', 'SpaceToDepth', 'DepthToSpace', 'Tile',
  // TF.js layer types
  'Flatten', 'Reshape', 'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D',
  'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'ZeroPadding2D',
  'UpSampling2D', 'Permute', 'RepeatVector', 'Cropping2D', 'SpatialDropout1D', 'SpatialDropout2D', 'AlphaDropout',
  'GaussianDropout', 'InputLayer', 'MaxPool', 'AvgPool',
]);

export const NORMALISATION = new Set([
  'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'LRN',
  'MeanVarianceNormalization', 'FusedBatchNorm', 'FusedBatchNormV3', 'LayerNormalization',
  'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'RMSNormalization',
]);

export class GraphIndex {
  readonly producer = new Map<string, Node>();
  readonly consumers = new Map<string, Node[]>();
  readonly initializers = new Map<string, Tensor>();
  readonly graphOutputs: Set<string>;
  readonly constScalar: (name: string) => number | undefined;

  constructor(readonly graph: Graph) {
    for (const t of graph.initializers) this.initializers.set(t.name, t);
    for (const n of graph.nodes) {
      for (const o of n.outputs) if (o) this.producer.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    this.graphOutputs = new Set(graph.outputs.map((v) => v.name));
    this.constScalar = constantScalarLookup(graph);
  }

  /** The constant tensor a value is, following Identity nodes; undefined if not a constant. */
  constTensor(name: string | undefined, depth = 0): Tensor | undefined {
    if (!name || depth > 16) return undefined;
    const init = this.initializers.get(name);
    if (init) return init;
    const p = this.producer.get(name);
    if (!p) return undefined;
    if (p.opType === 'Identity') return this.constTensor(p.inputs[0], depth + 1);
    if (p.opType === 'Constant') {
      const a = p.attributes.find((x) => x.name === 'value');
      if (a?.value.type === 'tensor') return a.value.value;
    }
    return undefined;
  }

  isConst(name: string): boolean {
    return this.constTensor(name) !== undefined || this.constScalar(name) !== undefined;
  }

  /** The weight of a TF.js node by name suffix (kernel, bias, gamma …). */
  weightBySuffix(node: Node, ...suffixes: string[]): Tensor | undefined {
    for (const w of node.weights ?? []) {
      const base = w.split('/').pop()!.replace(/:\d+$/, '').toLowerCase();
      if (suffixes.includes(base)) return this.initializers.get(w);
    }
    return undefined;
  }

  private readonly dataInputCache = new Map<Node, string[]>();

  /** Non-constant inputs of a node (computed once per node: rules walking back through a node of
   *  100,000 inputs from many places must not rescan it each time). */
  dataInputs(node: Node): string[] {
    let d = this.dataInputCache.get(node);
    if (!d) {
      d = node.inputs.filter((i) => i && !this.isConst(i));
      this.dataInputCache.set(node, d);
    }
    return d;
  }

  /** The node producing a value, skipping Identity/Dropout (which do not change values at inference). */
  producerThroughIdentity(name: string): Node | undefined {
    let p = this.producer.get(name);
    for (let i = 0; p && i < 64 && (p.opType === 'Identity' || p.opType === 'Dropout'); i++) p = this.producer.get(p.inputs[0]);
    return p;
  }
}

export interface ReluSite {
  /** The node applying the ReLU (a Relu/Clip node, or a layer/fused op carrying it). */
  node: Node;
  op: string;
  /** True when the activation is fused into a linear node (TF.js Dense/Conv, _FusedConv2D …). */
  fused: boolean;
}

/** Every node of the graph applying a plain ReLU (or ReLU6), fused or not. */
export function reluSites(index: GraphIndex): ReluSite[] {
  const out: ReluSite[] = [];
  for (const node of index.graph.nodes) {
    const act = activationOf(node, index.constScalar);
    if (act && (act.op === 'Relu' || act.op === 'Relu6')) out.push({ node, op: act.op, fused: act.fused });
    else if (!act && /^relu6?$/i.test(node.opType) && node.domain === '') out.push({ node, op: /6$/.test(node.opType) ? 'Relu6' : 'Relu', fused: false });
  }
  return out;
}
