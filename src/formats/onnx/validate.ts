// Structural checks that keep hostile graphs from hanging or misleading later stages.
import { ModelError, type Node } from '../../core/model';

/** Refuses a graph whose nodes feed each other in a cycle (ONNX graphs are acyclic). A graph in
 *  topological order passes at once; any other gets Kahn's algorithm over producer → consumer
 *  edges. Plain loops, since it runs on every open. */
export function checkAcyclic(file: string, where: string, nodes: Node[]): void {
  const count = nodes.length;
  const producer = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const outs = nodes[i].outputs;
    for (let k = 0; k < outs.length; k++) if (outs[k]) producer.set(outs[k], i);
  }
  // ONNX requires the nodes in topological order, and writers keep it: when every input comes
  // from an earlier node (or from no node), there is no cycle, and the edge lists below are not
  // needed (on the 100,000-node bench model they cost ≈90 ms of every open).
  let sorted = true;
  for (let i = 0; i < count && sorted; i++) {
    const ins = nodes[i].inputs;
    for (let k = 0; k < ins.length; k++) {
      const p = producer.get(ins[k]);
      if (p !== undefined && p >= i) {
        sorted = false;
        break;
      }
    }
  }
  if (sorted) return;
  const indegree = new Int32Array(count);
  // Edges in CSR form: first count per producer, then fill.
  const edgeFrom: number[] = [];
  const edgeTo: number[] = [];
  for (let i = 0; i < count; i++) {
    const ins = nodes[i].inputs;
    // A node that reads the same tensor twice counts that edge once. Few inputs: compare with the
    // earlier ones; many: a set (comparing pairs is O(k²): 150,000 inputs took minutes).
    const seen = ins.length > 16 ? new Set<string>() : undefined;
    for (let k = 0; k < ins.length; k++) {
      const p = producer.get(ins[k]);
      if (p === undefined) continue;
      let dup = false;
      if (seen) {
        dup = seen.has(ins[k]);
        seen.add(ins[k]);
      } else {
        for (let j = 0; j < k && !dup; j++) if (ins[j] === ins[k]) dup = true;
      }
      if (dup) continue;
      edgeFrom.push(p);
      edgeTo.push(i);
      indegree[i]++;
    }
  }
  const start = new Int32Array(count + 1);
  for (const p of edgeFrom) start[p + 1]++;
  for (let i = 0; i < count; i++) start[i + 1] += start[i];
  const fill = start.slice(0, count);
  const targets = new Int32Array(edgeFrom.length);
  for (let e = 0; e < edgeFrom.length; e++) targets[fill[edgeFrom[e]]++] = edgeTo[e];
  const queue = new Int32Array(count);
  let head = 0, tail = 0;
  for (let i = 0; i < count; i++) if (indegree[i] === 0) queue[tail++] = i;
  while (head < tail) {
    const i = queue[head++];
    for (let e = start[i]; e < start[i + 1]; e++) if (--indegree[targets[e]] === 0) queue[tail++] = targets[e];
  }
  if (tail < count) {
    const stuck = indegree.findIndex((d) => d > 0);
    const n = nodes[stuck];
    throw new ModelError(`${file}: ${where} contains a cycle through node '${n.name || `#${stuck}`}' (${n.opType})`);
  }
}
