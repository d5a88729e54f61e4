// The activation layers of a core model and the values to capture for them.
import type { Graph, Model, Node } from '../core/model';
import { activationOf } from '../analysis/activations';
import { LayoutResolver, type ChannelLayout } from './unitAxis';

export interface ActivationLayer {
  /** Node name (ONNX; the first output when the node is unnamed) or layer name (TF.js). */
  node: string;
  /** The node's op type (Relu, Clip, FusedConv, Dense …). */
  op: string;
  /** The activation it applies (Relu, Relu6, LeakyRelu …). */
  activation: string;
  /** The captured value: the node's output, which is post-activation also for fused ops. */
  output: string;
  layout: ChannelLayout | undefined;
}

function constScalarLookup(graph: Graph): (name: string) => number | undefined {
  const byName = new Map(graph.initializers.map((t) => [t.name, t]));
  const constNodes = new Map<string, Node>();
  for (const n of graph.nodes) if (n.opType === 'Constant' && n.outputs[0]) constNodes.set(n.outputs[0], n);
  return (name) => {
    const t = byName.get(name);
    if (t) return t.scalarValue;
    const c = constNodes.get(name);
    const a = c?.attributes.find((x) => x.name === 'value' || x.name === 'value_float');
    if (a?.value.type === 'tensor') return a.value.value.scalarValue;
    if (a?.value.type === 'float') return a.value.value;
    return undefined;
  };
}

/** Every activation node of the main graph, in graph order. With `everyNode`, every node's
 *  first output is captured as well (op-level statistics). */
export function activationLayers(model: Model, everyNode = false): ActivationLayer[] {
  const graph = model.graph;
  const lookup = constScalarLookup(graph);
  const layout = new LayoutResolver(graph);
  const layers: ActivationLayer[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const output = node.outputs[0];
    if (!output || seen.has(output)) continue;
    const info = activationOf(node, lookup);
    if (!info && !everyNode) continue;
    seen.add(output);
    layers.push({
      node: node.name || output,
      op: node.opType,
      activation: info?.op ?? '',
      output,
      layout: model.format === 'onnx' ? layout.layoutOf(node) : undefined,
    });
  }
  return layers;
}
