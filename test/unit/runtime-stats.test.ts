// Streaming activation statistics: exact against a direct computation, independent of how the
// samples are split into batches, with units on the channel axis.
import * as assert from 'node:assert/strict';
import { LayerAccumulator, spreadSample, StreamingHistogram } from '../../src/runtime/statsAccumulator';
import { LayoutResolver, unitAxisFor } from '../../src/runtime/unitAxis';
import type { Graph, Node } from '../../src/core/model';
import { SeededRandom } from '../../src/runtime/inputs/random';

function randomBatch(rng: SeededRandom, n: number, c: number, hw: number, deadUnit: number): Float32Array {
  const d = new Float32Array(n * c * hw);
  for (let i = 0; i < n; i++)
    for (let u = 0; u < c; u++)
      for (let k = 0; k < hw; k++) {
        const v = rng.normal() * 3 + 0.5;
        d[(i * c + u) * hw + k] = u === deadUnit ? 0 : Math.max(0, v); // ReLU output
      }
  return d;
}

const axis1 = (rank: number): number => unitAxisFor(undefined, rank, 'channels-first');

describe('run: the values the distribution takes from a large sample', () => {
  it('are spread over every position of a channel, even when the sample length is a multiple of the limit', () => {
    // 16,384 channels of 4 positions each, position p holding p: a plain stride of 4 would read
    // position 0 of every channel and report a mean of 0.
    const data = Float32Array.from({ length: 16384 * 4 }, (_, i) => i % 4);
    const picked = spreadSample(data, 16384);
    assert.equal(picked.length, 16384);
    const counts = [0, 1, 2, 3].map((p) => picked.filter((v) => v === p).length);
    assert.ok(counts.every((c) => Math.abs(c - 4096) < 200), `positions picked ${counts.join(', ')}`);
  });

  it('keep a sample at or under the limit whole', () => {
    const data = Float32Array.from({ length: 100 }, (_, i) => i);
    assert.equal(spreadSample(data, 100), data);
  });
});

describe('run: streaming activation statistics', () => {
  it('in-graph means per sample become exact counts, also when summed before rounding (every batch size up to 2^21 positions per unit, and beyond)', () => {
    // Means as onnxruntime's GlobalAveragePool gives them: float32(count × float32(1/K)).
    const rng = new SeededRandom(7);
    for (const [slices, perSlice] of [[16, 1024], [8, 12544], [64, 32768], [2, 2 ** 21]]) {
      const units = 5;
      const counts: number[][] = [];
      const packed = new Float32Array(2 * slices * units);
      const inverse = Math.fround(1 / perSlice);
      for (let s = 0; s < slices; s++) {
        counts.push([]);
        for (let u = 0; u < units; u++) {
          // Unit 0 dead, unit 1 all positive, the others anything in between.
          const c = u === 0 ? 0 : u === 1 ? perSlice : Math.floor(rng.uniform() * (perSlice + 1));
          counts[s].push(c);
          packed[s * units + u] = Math.fround(c * inverse);
          packed[slices * units + s * units + u] = c ? 1 : 0; // the maximum
        }
      }
      const acc = new LayerAccumulator({ node: 'n', op: 'Relu', output: 'y' }, axis1, 16);
      acc.addPartials({ units, unitAxis: 1, slices, perSlice, means: true, packed, sliceStride: units, jStride: slices * units, maxAt: 1, negativesAt: -1, samples: slices });
      const r = acc.result();
      const expected = [0, 1, 2, 3, 4].map((u) => counts.reduce((sum, row) => sum + row[u], 0) / (slices * perSlice));
      assert.deepEqual(r.activeRate, expected, `${slices} slices of ${perSlice} positions`);
      assert.deepEqual(r.deadUnits, [0]);
    }
  });

  it('active rates, dead units, zero fraction, min/max/mean/std equal a direct computation over all samples', () => {
    const rng = new SeededRandom(1);
    const batches = [randomBatch(rng, 3, 5, 4, 2), randomBatch(rng, 2, 5, 4, 2), randomBatch(rng, 4, 5, 4, 2)];
    const acc = new LayerAccumulator({ node: 'r', op: 'Relu', output: 'y' }, axis1);
    for (const b of batches) acc.add([b.length / 20, 5, 2, 2], b, b.length / 20);
    const s = acc.result();
    const all = batches.flatMap((b) => Array.from(b));
    const mean = all.reduce((a, v) => a + v, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, v) => a + (v - mean) ** 2, 0) / all.length);
    assert.equal(s.units, 5);
    assert.equal(s.unitAxis, 1);
    assert.equal(s.samples, 9);
    assert.deepEqual(s.deadUnits, [2]);
    assert.ok(Math.abs(s.mean - mean) < 1e-9 && Math.abs(s.std - std) < 1e-9);
    assert.equal(s.min, Math.min(...all));
    assert.equal(s.max, Math.max(...all));
    assert.equal(s.zeroFraction, all.filter((v) => v === 0).length / all.length);
    // per-unit active rate: positives of that channel over its positions
    for (let u = 0; u < 5; u++) {
      let pos = 0, tot = 0;
      for (const b of batches) for (let i = 0; i < b.length / 20; i++) for (let k = 0; k < 4; k++) { tot++; if (b[(i * 5 + u) * 4 + k] > 0) pos++; }
      assert.equal(s.activeRate[u], pos / tot);
    }
    assert.equal(s.histogram.counts.reduce((a, c) => a + c, 0), all.length);
  });

  it('gives the same result whether the samples come in one batch or many', () => {
    const rng = new SeededRandom(2);
    const data = randomBatch(rng, 12, 3, 6, -1);
    const one = new LayerAccumulator({ node: 'r', op: 'Relu', output: 'y' }, axis1);
    one.add([12, 3, 6], data, 12);
    const many = new LayerAccumulator({ node: 'r', op: 'Relu', output: 'y' }, axis1);
    for (let i = 0; i < 12; i += 5) {
      const n = Math.min(5, 12 - i);
      many.add([n, 3, 6], data.subarray(i * 18, (i + n) * 18), n);
    }
    const a = one.result(), b = many.result();
    assert.deepEqual(a.activeRate, b.activeRate);
    assert.deepEqual(a.deadUnits, b.deadUnits);
    assert.ok(Math.abs(a.std - b.std) < 1e-12 && Math.abs(a.mean - b.mean) < 1e-12);
    assert.equal(a.histogram.counts.reduce((x, c) => x + c, 0), b.histogram.counts.reduce((x, c) => x + c, 0));
  });

  it('takes dense and sequence units from the last axis and NCHW conv units from axis 1', () => {
    assert.equal(unitAxisFor('channels-last', 3, 'channels-first'), 2);
    assert.equal(unitAxisFor('channels-first', 4, 'channels-first'), 1);
    assert.equal(unitAxisFor(undefined, 2, 'channels-first'), 1);
    assert.equal(unitAxisFor(undefined, 4, 'channels-last'), 3);
  });

  it('histogram: bins keep exact counts as the range grows in both directions', () => {
    const h = new StreamingHistogram(8);
    const values = [0, 0.5, 1, 1, 2];
    h.cover(0, 2);
    h.addAll(values);
    h.cover(-10, 100);
    h.addAll([-10, 100, 50]);
    const r = h.result();
    assert.equal(r.edges.length, 9);
    assert.ok(r.edges[0] <= -10 && r.edges[8] >= 100);
    assert.equal(r.counts.reduce((a, c) => a + c, 0), 8);
    // every value lies in the bin whose edges enclose it
    const binOf = (v: number): number => Math.min(7, r.edges.findIndex((e, i) => i < 8 && v >= e && v < r.edges[i + 1]) === -1 ? 7 : r.edges.findIndex((e, i) => i < 8 && v >= e && v < r.edges[i + 1]));
    const expect = new Array(8).fill(0);
    for (const v of [...values, -10, 100, 50]) expect[binOf(v)]++;
    assert.deepEqual(r.counts, expect);
  });

  it('a unit that is always exactly zero is dead and its layer histogram is not empty', () => {
    const acc = new LayerAccumulator({ node: 'r', op: 'Relu', output: 'y' }, (r) => r - 1);
    acc.add([4, 2], new Float32Array([0, 1, 0, 2, 0, 0, 0, 3]), 4);
    const s = acc.result();
    assert.deepEqual(s.deadUnits, [0]);
    assert.deepEqual(s.activeRate, [0, 0.75]);
    assert.equal(s.zeroFraction, 5 / 8);
    assert.equal(s.histogram.counts.reduce((a, c) => a + c, 0), 8);
  });

  it('leaves NaN and infinities out of range, moments and histogram, counting +Infinity as active', () => {
    const acc = new LayerAccumulator({ node: 'r', op: 'Relu', output: 'y' }, (r) => r - 1);
    acc.add([3, 2], new Float32Array([NaN, 1, Infinity, 3, 0, -Infinity]), 3);
    const s = acc.result();
    assert.equal(s.min, 0);
    assert.equal(s.max, 3);
    assert.equal(s.mean, 4 / 3);
    assert.deepEqual(s.activeRate, [1 / 3, 2 / 3]);
    assert.deepEqual(s.deadUnits, []);
    assert.equal(s.histogram.counts.reduce((a, c) => a + c, 0), 3);
  });

  it('channels-last batches (units varying fastest) count per unit like channels-first ones', () => {
    const rng = new SeededRandom(7);
    const n = 10, c = 6;
    const nhwc = new Float32Array(n * 4 * c).map(() => Math.max(0, rng.normal()));
    for (let i = 0; i < nhwc.length; i += c) nhwc[i + 4] = 0; // unit 4 dead
    const acc = new LayerAccumulator({ node: 'r', op: 'Relu', output: 'y' }, (r) => r - 1);
    acc.add([n, 2, 2, c], nhwc, n);
    const s = acc.result();
    assert.equal(s.units, c);
    assert.deepEqual(s.deadUnits, [4]);
    for (let u = 0; u < c; u++) {
      let pos = 0;
      for (let i = u; i < nhwc.length; i += c) if (nhwc[i] > 0) pos++;
      assert.equal(s.activeRate[u], pos / (n * 4));
    }
  });

  it('finds the layout from the producing op: through residual adds to a Conv, MatMul outputs, tf2onnx transposes', () => {
    const node = (name: string, opType: string, inputs: string[], perm?: number[]): Node => ({
      name, opType, domain: '', inputs, outputs: [name], attributes: perm ? [{ name: 'perm', value: { type: 'ints', value: perm } }] : [],
    });
    const nodes = [
      node('conv', 'Conv', ['x', 'w']),
      node('bn', 'BatchNormalization', ['conv']),
      node('relu1', 'Relu', ['bn']),
      node('add', 'Add', ['relu1', 'conv']),
      node('relu2', 'Relu', ['add']),
      node('mm', 'MatMul', ['seq', 'w2']),
      node('bias', 'Add', ['mm', 'b2']),
      node('gelu', 'Relu', ['bias']),
      node('toNhwc', 'Transpose', ['conv'], [0, 2, 3, 1]),
      node('relu3', 'Relu', ['toNhwc']),
      node('toNchw', 'Transpose', ['x'], [0, 3, 1, 2]),
      node('relu4', 'Relu', ['toNchw']),
    ];
    const graph: Graph = { name: 'g', inputs: [], outputs: [], valueInfo: [], nodes, initializers: [], sparseInitializers: [] };
    const r = new LayoutResolver(graph);
    const at = (n: string): string | undefined => r.layoutOf(nodes.find((x) => x.name === n)!);
    assert.equal(at('relu1'), 'channels-first');
    assert.equal(at('relu2'), 'channels-first');
    assert.equal(at('gelu'), 'channels-last');
    assert.equal(at('relu3'), 'channels-last');
    assert.equal(at('relu4'), 'channels-first');
  });
});
