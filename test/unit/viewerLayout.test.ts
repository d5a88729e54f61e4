import * as assert from 'node:assert/strict';
import { layoutGraph } from '../../media/layout';
import { residualGraph } from '../../scripts/bench-layout';

function boxesOverlap(r: ReturnType<typeof layoutGraph>, w: ArrayLike<number>, h: ArrayLike<number>): [number, number] | undefined {
  const n = r.x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r.y[a] - r.y[b] || r.x[a] - r.x[b]);
  for (let i = 0; i + 1 < order.length; i++) {
    const a = order[i], b = order[i + 1];
    if (Math.abs(r.y[a] - r.y[b]) < (h[a] + h[b]) / 2 && Math.abs(r.x[a] - r.x[b]) < (w[a] + w[b]) / 2) return [a, b];
  }
  return undefined;
}

describe('viewer graph layout (media/layout.ts)', () => {
  it('puts every edge downwards and never overlaps two boxes', () => {
    // a diamond-rich graph: fan out, fan in, skip connections
    const edges: number[] = [];
    const n = 300;
    for (let i = 1; i < n; i++) {
      edges.push(Math.floor((i - 1) / 3) * 3, i);
      if (i % 7 === 0) edges.push(i - 7, i);
    }
    const w = Array.from({ length: n }, (_, i) => 80 + (i % 5) * 30);
    const h = Array.from({ length: n }, (_, i) => 30 + (i % 3) * 16);
    const r = layoutGraph({ widths: w, heights: h, edges, direction: 'TB' });
    for (let e = 0; e < edges.length; e += 2) assert.ok(r.y[edges[e]] < r.y[edges[e + 1]], `edge ${edges[e]}→${edges[e + 1]} goes up`);
    assert.equal(boxesOverlap(r, w, h), undefined);
    // every edge's polyline starts at its source's bottom and ends at its target's top
    for (let e = 0; e < edges.length / 2; e++) {
      const s = edges[2 * e], t = edges[2 * e + 1];
      const p0 = r.edgeStart[e], c = r.edgeCount[e];
      assert.equal(r.points[2 * p0 + 1], r.y[s] + h[s] / 2);
      assert.equal(r.points[2 * (p0 + c - 1) + 1], r.y[t] - h[t] / 2);
    }
  });

  it('keeps the main path of a 20,000-node residual chain in one straight column', () => {
    const g = residualGraph(20000);
    const r = layoutGraph({ ...g, direction: 'TB' });
    const spread = Math.max(...r.x) - Math.min(...r.x);
    assert.ok(spread < 1, `the chain drifts ${spread} px sideways`);
    assert.ok(r.width < 1000);
  });

  it('lays out left to right by transposing', () => {
    const edges = [0, 1, 1, 2];
    const r = layoutGraph({ widths: [100, 100, 100], heights: [40, 40, 40], edges, direction: 'LR' });
    assert.ok(r.x[0] < r.x[1] && r.x[1] < r.x[2]);
    assert.equal(r.y[0], r.y[2]);
  });

  it('lays out an empty level (a cluster with nothing drawn in it) as an empty picture', () => {
    const r = layoutGraph({ widths: [], heights: [], edges: [], direction: 'TB' });
    assert.equal(r.x.length, 0);
    assert.ok(Number.isFinite(r.width) && Number.isFinite(r.height));
  });

  it('finishes on a graph with a cycle (merged group edges can form one)', () => {
    const r = layoutGraph({ widths: [50, 50, 50], heights: [20, 20, 20], edges: [0, 1, 1, 2, 2, 0, 1, 1], direction: 'TB' });
    assert.ok(Array.from(r.x).every(Number.isFinite) && Array.from(r.y).every(Number.isFinite));
  });
});

describe('viewer graph layout: very long edges', () => {
  it('routes edges spanning more than 60 layers down side lanes, clear of the boxes', () => {
    const n = 201;
    const edges: number[] = [];
    for (let i = 1; i < 200; i++) edges.push(i - 1, i);
    edges.push(200, 80, 200, 150, 0, 190); // a mask input read far down, and a very long skip
    const w = new Float64Array(n).fill(100), h = new Float64Array(n).fill(40);
    const r = layoutGraph({ widths: w, heights: h, edges, direction: 'TB' });
    const right = Math.max(...Array.from({ length: 200 }, (_, i) => r.x[i] + 50));
    const m = edges.length / 2;
    // the input sits just above its first reader (layer 79): 200→80 is short, the others are not
    assert.equal(r.edgeCount[m - 3], 2);
    const lanes = new Set<number>();
    for (let e = m - 2; e < m; e++) {
      assert.equal(r.edgeCount[e], 4);
      const laneX = r.points[2 * (r.edgeStart[e] + 1)];
      assert.equal(r.points[2 * (r.edgeStart[e] + 2)], laneX, 'the lane is vertical');
      assert.ok(laneX > right, 'the lane runs right of every box');
      lanes.add(laneX);
    }
    assert.equal(lanes.size, 2, 'overlapping long edges get lanes of their own');
    assert.ok(r.width >= Math.max(...lanes));
  });
});
