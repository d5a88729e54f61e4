// Layout timings for the model viewer (media/layout.ts) on generated residual-style graphs of
// 1k/5k/20k nodes, the shape that stresses layered layouts (long skip edges). scripts/bench.ts
// calls benchLayout(). Run alone: npx tsx scripts/bench-layout.ts [--compare]
// (--compare also times d3-dag's sugiyama with the fastest settings, the reason media/layout.ts exists).
import { layoutGraph } from '../media/layout';

/** A ResNet-like chain: every 4th node also takes the output from 4 nodes back. */
export function residualGraph(nodes: number): { widths: Float64Array; heights: Float64Array; edges: Int32Array } {
  const edges: number[] = [];
  for (let i = 1; i < nodes; i++) {
    edges.push(i - 1, i);
    if (i % 4 === 0 && i >= 4) edges.push(i - 4, i);
  }
  return { widths: new Float64Array(nodes).fill(140), heights: new Float64Array(nodes).fill(44), edges: Int32Array.from(edges) };
}

export async function benchLayout(sizes = [1000, 5000, 20000]): Promise<{ nodes: number; ms: number }[]> {
  const out: { nodes: number; ms: number }[] = [];
  layoutGraph({ ...residualGraph(200), direction: 'TB' }); // warm up the JIT
  for (const nodes of sizes) {
    const g = residualGraph(nodes);
    const t0 = performance.now();
    layoutGraph({ ...g, direction: 'TB' });
    out.push({ nodes, ms: Math.round(performance.now() - t0) });
  }
  return out;
}

/** d3-dag 1.2 sugiyama: longest-path layering, two-layer decrossing, greedy coordinates. */
export async function benchD3Dag(sizes = [1000, 5000, 20000]): Promise<{ nodes: number; ms: number }[]> {
  const d3 = await import('d3-dag');
  const out: { nodes: number; ms: number }[] = [];
  for (const nodes of sizes) {
    const g = residualGraph(nodes);
    const links: [string, string][] = [];
    for (let e = 0; e < g.edges.length; e += 2) links.push([String(g.edges[e]), String(g.edges[e + 1])]);
    const t0 = performance.now();
    const dag = d3.graphConnect().sourceId((l: [string, string]) => l[0]).targetId((l: [string, string]) => l[1])(links);
    d3.sugiyama().layering(d3.layeringLongestPath()).decross(d3.decrossTwoLayer()).coord(d3.coordGreedy()).nodeSize([140, 44]).gap([30, 46])(dag);
    out.push({ nodes, ms: Math.round(performance.now() - t0) });
  }
  return out;
}

if (require.main === module) {
  void (async () => {
    for (const r of await benchLayout()) console.log(`media/layout.ts ${r.nodes} nodes: ${r.ms} ms`);
    if (process.argv.includes('--compare')) for (const r of await benchD3Dag()) console.log(`d3-dag sugiyama ${r.nodes} nodes: ${r.ms} ms`);
  })();
}
