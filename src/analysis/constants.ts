// Resolves small constant inputs (initializers and Constant nodes) to numbers without reading
// weight files: only scalars stored inline are considered.
import type { Graph } from '../core/model';

/** The map is built on the first lookup: only Clip nodes ask, and most graphs have none (on the
 *  100,000-node bench model building it up front cost ≈50 ms of every open). */
export function constantScalarLookup(graph: Graph): (name: string) => number | undefined {
  let scalars: Map<string, number> | undefined;
  return (name) => (scalars ??= scalarsOf(graph)).get(name);
}

function scalarsOf(graph: Graph): Map<string, number> {
  const scalars = new Map<string, number>();
  for (const n of graph.nodes) {
    if (n.opType !== 'Constant' || n.domain !== '') continue;
    for (const a of n.attributes) {
      if (a.name === 'value_float' && a.value.type === 'float') scalars.set(n.outputs[0], a.value.value);
      if (a.name === 'value_int' && a.value.type === 'int') scalars.set(n.outputs[0], Number(a.value.value));
      if (a.name === 'value' && a.value.type === 'tensor' && a.value.value.elementCount === 1) {
        const v = a.value.value.scalarValue;
        if (v !== undefined) scalars.set(n.outputs[0], v);
      }
    }
  }
  for (const t of graph.initializers) {
    const v = t.scalarValue;
    if (t.elementCount === 1 && v !== undefined) scalars.set(t.name, v);
  }
  return scalars;
}
