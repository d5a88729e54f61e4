// Layout timings for the model viewer (media/layout.ts) on generated residual-style graphs of
// 1k/5k/20k nodes, the shape that stresses layered layouts (long skip edges). scripts/bench.ts
// calls benchLayout(); run alone: npx tsx scripts/bench-layout.ts
import { layoutGraph } from '../media/layout';

/** A ResNet-like chain: every 4th node also takes the output from 4 nodes back; a few side inputs. */
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

if (require.main === module) {
  void benchLayout().then((rows) => {
    for (const r of rows) console.log(`layout ${r.nodes} nodes: ${r.ms} ms`);
  });
}
