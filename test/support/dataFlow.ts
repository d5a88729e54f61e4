// Which nodes compute on the data, derived independently of the viewer's folding: a value is data
// when it is a graph input or an output of a node with a data input, except that `Shape` (and
// `Size`) yield a tensor's shape, not data. Every other node only transforms weights, constants
// or shapes, and the viewer must fold it into its consumer.
import type { Model } from '../../src/core/model';

export function dataNodes(model: Model): Set<string> {
  const data = new Set(model.graph.inputs.map((v) => v.name));
  const out = new Set<string>();
  for (const n of model.graph.nodes) {
    if (n.opType === 'Shape' || n.opType === 'Size' || !n.inputs.some((i) => data.has(i))) continue;
    out.add(n.name);
    for (const o of n.outputs) data.add(o);
  }
  return out;
}
