import * as assert from 'node:assert/strict';
import { tensorStats } from '../../src/analysis/tensorStats';

function chunks(values: number[], size: number) {
  return async function* () {
    for (let i = 0; i < values.length; i += size) yield Float64Array.from(values.slice(i, i + size));
  };
}

describe('tensorStats (weight statistics computed by streaming)', () => {
  it('gives min, max, mean, population std and zero fraction independent of chunking', async () => {
    const values = [0, 1, 2, 3, 4, 0, -2, 8];
    for (const size of [1, 3, 8, 100]) {
      const s = await tensorStats(chunks(values, size), 4);
      assert.equal(s.count, 8);
      assert.equal(s.min, -2);
      assert.equal(s.max, 8);
      assert.equal(s.mean, 2);
      const variance = values.reduce((a, v) => a + (v - 2) ** 2, 0) / 8;
      assert.ok(Math.abs(s.std - Math.sqrt(variance)) < 1e-12);
      assert.equal(s.zeroFraction, 0.25);
    }
  });

  it('puts every finite value in exactly one histogram bin, the maximum in the last', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const s = await tensorStats(chunks(values, 97), 10);
    assert.equal(s.histogram.counts.length, 10);
    assert.equal(s.histogram.edges.length, 11);
    assert.equal(s.histogram.counts.reduce((a, b) => a + b, 0), 1000);
    assert.equal(s.histogram.edges[0], s.min);
    assert.equal(s.histogram.edges[10], s.max);
    // sin is densest near ±1·3: the outer bins hold more than the middle ones
    assert.ok(s.histogram.counts[0] > s.histogram.counts[5]);
  });

  it('leaves NaN and infinities out of the statistics and counts them', async () => {
    const s = await tensorStats(chunks([1, NaN, 3, Infinity, -Infinity], 2), 2);
    assert.equal(s.count, 5);
    assert.equal(s.nonFinite, 3);
    assert.equal(s.min, 1);
    assert.equal(s.max, 3);
    assert.equal(s.mean, 2);
    assert.deepEqual(s.histogram.counts, [1, 1]);
  });

  it('handles a constant tensor with one bin and an empty tensor without NaN counts', async () => {
    const c = await tensorStats(chunks([5, 5, 5], 2), 8);
    assert.equal(c.std, 0);
    assert.deepEqual(c.histogram, { edges: [5, 5], counts: [3] });
    const e = await tensorStats(chunks([], 2), 8);
    assert.equal(e.count, 0);
    assert.equal(e.zeroFraction, 0);
    assert.deepEqual(e.histogram.counts, []);
  });
});
