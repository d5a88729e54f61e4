// Structural checks that keep hostile graphs from hanging or misleading later stages.
import { ModelError, type Node } from '../../core/model';

/** Refuses a graph whose nodes feed each other in a cycle (ONNX graphs are acyclic). */
export function checkAcyclic(file: string, where: string, nodes: Node[]): void {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const indegree = new Array<number>(nodes.length).fill(0);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const input of new Set(n.inputs)) {
      const p = producer.get(input);
      if (p !== undefined) {
        indegree[i]++;
        consumers[p].push(i);
      }
    }
  });
  const queue: number[] = [];
  indegree.forEach((d, i) => d === 0 && queue.push(i));
  let seen = 0;
  while (queue.length) {
    const i = queue.pop()!;
    seen++;
    for (const c of consumers[i]) if (--indegree[c] === 0) queue.push(c);
  }
  if (seen < nodes.length) {
    const stuck = nodes.findIndex((_, i) => indegree[i] > 0);
    const n = nodes[stuck];
    throw new ModelError(`${file}: ${where} contains a cycle through node '${n.name || `#${stuck}`}' (${n.opType})`);
  }
}
