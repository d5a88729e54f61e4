// The dying-ReLU rules on small hand-built models: each rule fires on the case it describes and
// stays quiet on the near miss next to it; dynamic thresholds; suggestions and their ranking.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Graph, Model, Node, Tensor } from '../../src/core/model';
import type { ActivationRun, LayerActivationStats } from '../../src/analysis/activationStats';
import { runStaticRules } from '../../src/analysis/rules/staticRules';
import { runDynamicRules } from '../../src/analysis/rules/dynamicRules';
import { normalCdf, normalQuantile, unitWeightSums } from '../../src/analysis/rules/stats';
import { computeMoments } from '../../src/analysis/rules/moments';
import { GraphIndex } from '../../src/analysis/rules/graphIndex';
import { parseVariant, suggestFor, VARIANT_INFO } from '../../src/analysis/suggestions';
import { loadModel } from '../../src/formats/load';

function tensor(name: string, shape: number[], values: number[]): Tensor {
  return {
    name, dtype: 'float', shape, elementCount: values.length, location: 'inline',
    async *values(chunk = 3) {
      // small chunks so per-unit indexing across chunk borders is exercised
      for (let i = 0; i < values.length; i += chunk) yield Float64Array.from(values.slice(i, i + chunk));
    },
    async bytes() { return new Uint8Array(new Float32Array(values).buffer); },
  };
}

function node(name: string, opType: string, inputs: string[], outputs: string[], attrs: Record<string, number> = {}): Node {
  return {
    name, opType, domain: '', inputs, outputs,
    attributes: Object.entries(attrs).map(([k, v]) => ({ name: k, value: Number.isInteger(v) && k !== 'alpha' ? { type: 'int' as const, value: v } : { type: 'float' as const, value: v } })),
  };
}

/** A model whose output 'z' is computed from 'y' (so a ReLU producing 'y' is not the output
 *  unless `outputs` says so). */
function model(nodes: Node[], inits: Tensor[], outputs?: string[]): Model {
  if (!outputs) {
    nodes = [...nodes, node('final', 'Neg', ['y'], ['z'])];
    outputs = ['z'];
  }
  const graph: Graph = { name: 'g', inputs: [{ name: 'x', dtype: 'float', shape: ['N', 4] }], outputs: outputs.map((o) => ({ name: o, dtype: 'float' })), valueInfo: [], nodes, initializers: inits, sparseInitializers: [] };
  return { format: 'onnx', path: '/tmp/test.onnx', producer: { name: 't', version: '' }, opsets: { '': 17 }, metadata: {}, graph, functions: [], warnings: [] };
}

const rules = async (m: Model) => (await runStaticRules(m)).map((f) => [f.rule, f.severity, f.node, f.units] as const);

describe('static rules: BatchNormalization → ReLU', () => {
  const bn = (scale: number[], bias: number[]) =>
    model(
      [node('bn', 'BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['h']), node('relu', 'Relu', ['h'], ['y'])],
      [tensor('s', [4], scale), tensor('b', [4], bias), tensor('m', [4], [0, 0, 0, 0]), tensor('v', [4], [1, 1, 1, 1])],
    );
  it('scale 0 with shift ≤ 0 is dead (high confidence); scale 0 with a positive shift is always active', async () => {
    const f = await runStaticRules(bn([0, 0, 1, 1], [0, 0.5, 0, 0]));
    assert.deepEqual(f.map((x) => [x.rule, x.units, x.confidence]), [['bn-relu-dead', [0], 'high']]);
  });
  it('flags P(active) = Φ(B/|scale|) below 0.1%: B/|scale| = −3.2 is flagged, −3.0 is not; negative scales use |scale|', async () => {
    const f = await runStaticRules(bn([1, 1, -2, 2], [-3.2, -3.0, -6.6, 6]));
    assert.deepEqual(f.map((x) => [x.rule, x.units, x.confidence]), [['bn-relu-inactive', [0, 2], 'medium']]);
    assert.match(f[0].message, /Φ\(-3\.3\)/);
  });
  it('half a layer flagged is an error', async () => {
    const f = await runStaticRules(bn([0, 0, 0, 1], [-1, -1, 0, 0]));
    assert.equal(f[0].severity, 'error');
  });
});

describe('static rules: linear layer → ReLU', () => {
  // Gemm with transB: weight rows are units
  const gemm = (w: number[], b: number[], before: Node[] = [], input = 'x') =>
    model([...before, node('fc', 'Gemm', [input, 'W', 'B'], ['h'], { transB: 1 }), node('relu', 'Relu', ['h'], ['y'])], [tensor('W', [3, 4], w), tensor('B', [3], b)]);
  it('an all-zero weight row with bias ≤ 0 is dead; with bias > 0 it is always active', async () => {
    assert.deepEqual(await rules(gemm([0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 1, -1], [0.5, -0.1, 0])), [['linear-relu-dead', 'warning', 'relu', [1]]]);
  });
  it('weights ≤ 0 with bias ≤ 0 are dead only when the inputs are provably ≥ 0', async () => {
    const w = [-1, -2, 0, -0.5, 1, 1, 1, 1, 1, 1, 1, 1];
    assert.deepEqual(await rules(gemm(w, [-0.1, 0, 0])), [], 'unbounded inputs: no proof');
    assert.deepEqual(await rules(gemm(w, [-0.1, 0, 0], [node('r0', 'Relu', ['x'], ['xr'])], 'xr')), [['linear-relu-dead', 'warning', 'relu', [0]]]);
    const sig = await rules(gemm(w, [-0.1, 0, 0], [node('s0', 'Sigmoid', ['x'], ['xs'])], 'xs'));
    assert.deepEqual(sig, [['linear-relu-dead', 'warning', 'relu', [0]]]);
  });
  it('bounded inputs: a bias below −Σ max(w·lo, w·hi) is dead, just above is not', async () => {
    // inputs in [0, 6] (ReLU6 as Clip); unit 0 reaches 6·(1+2) = 18 at most
    const clip = node('c', 'Clip', ['x', 'lo', 'hi'], ['xc']);
    const m = (b0: number) =>
      model([clip, node('fc', 'Gemm', ['xc', 'W', 'B'], ['h'], { transB: 1 }), node('relu', 'Relu', ['h'], ['y'])],
        [tensor('W', [3, 4], [1, 2, -1, -3, 1, 1, 1, 1, 1, 1, 1, 1]), tensor('B', [3], [b0, 0, 0]), { ...tensor('lo', [], [0]), scalarValue: 0 }, { ...tensor('hi', [], [6]), scalarValue: 6 }]);
    const dead = async (b: number) => (await rules(m(b))).filter((r) => r[0] === 'linear-relu-dead').map((r) => r[3]);
    assert.deepEqual(await dead(-18.01), [[0]]);
    assert.deepEqual(await dead(-17.99), [], 'not provably dead (the bias heuristic may still warn)');
  });
  it('MatMul + Add(bias) and Conv are read with their unit axes (MatMul: last axis, Conv: first)', async () => {
    const mm = model(
      [node('mm', 'MatMul', ['x', 'W'], ['p']), node('add', 'Add', ['p', 'B'], ['h']), node('relu', 'Relu', ['h'], ['y'])],
      // W is [4 in, 2 out]: column 1 is zero
      [tensor('W', [4, 2], [1, 0, 2, 0, 3, 0, 4, 0]), tensor('B', [2], [0, -1])],
    );
    assert.deepEqual(await rules(mm), [['linear-relu-dead', 'error', 'relu', [1]]], 'one of two units: half the layer');
    const conv = model(
      [node('conv', 'Conv', ['x', 'W', 'B'], ['h']), node('relu', 'Relu', ['h'], ['y'])],
      [tensor('W', [2, 1, 2, 2], [0, 0, 0, 0, 1, 1, 1, 1]), tensor('B', [2], [-0.2, -0.2])],
    );
    assert.deepEqual(await rules(conv), [['linear-relu-dead', 'error', 'relu', [0]]]);
  });
  it('a bias many weight-norms below zero is a low-confidence warning (a folded BatchNorm shift)', async () => {
    const f = await runStaticRules(gemm([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [-7, -2, 0]));
    assert.deepEqual(f.map((x) => [x.rule, x.confidence, x.units]), [['linear-relu-negative-bias', 'low', [0]]]);
  });
  it('follows Identity chains to deduplicated initializers (PyTorch exports)', async () => {
    const m = model(
      [node('id', 'Identity', ['W0'], ['W']), node('fc', 'Gemm', ['x', 'W', 'B'], ['h'], { transB: 1 }), node('relu', 'Relu', ['h'], ['y'])],
      [tensor('W0', [3, 4], new Array(12).fill(0)), tensor('B', [3], [-1, 0, 1])],
    );
    assert.deepEqual((await rules(m)).map((r) => r[3]), [[0, 1]]);
  });
});

describe('static rules: graph shape', () => {
  it('ThresholdedRelu with alpha ≥ 3 is flagged, alpha 1 is not', async () => {
    const m = (alpha: number) => model([node('t', 'ThresholdedRelu', ['x'], ['y'], { alpha })], [], ['y']);
    assert.deepEqual((await rules(m(4))).map((r) => r[0]), ['thresholded-relu-large-alpha']);
    assert.deepEqual(await rules(m(1)), []);
  });
  it('a ReLU right before the output or a Softmax is informational', async () => {
    assert.deepEqual(await rules(model([node('relu', 'Relu', ['x'], ['y'])], [], ['y'])), [['relu-before-output', 'info', 'relu', []]]);
    const sm = model([node('relu', 'Relu', ['x'], ['r']), node('flat', 'Flatten', ['r'], ['f']), node('sm', 'Softmax', ['f'], ['y'])], [], ['y']);
    assert.deepEqual(await rules(sm), [['relu-before-softmax', 'info', 'relu', []]]);
  });
  it('reports a chain of 8 plain ReLU layers once, and not when a BatchNorm or a skip breaks it', async () => {
    const chain = (n: number, breakAt = -1) => {
      const nodes: Node[] = [];
      const inits: Tensor[] = [];
      let v = 'x';
      for (let i = 0; i < n; i++) {
        inits.push(tensor(`W${i}`, [4, 4], new Array(16).fill(0.3)));
        nodes.push(node(`fc${i}`, 'MatMul', [v, `W${i}`], [`h${i}`]));
        let pre = `h${i}`;
        if (i === breakAt) {
          nodes.push(node(`bn${i}`, 'BatchNormalization', [pre, `s`, `b`, `m`, `v`], [`n${i}`]));
          pre = `n${i}`;
        }
        nodes.push(node(`relu${i}`, 'Relu', [pre], [`a${i}`]));
        v = `a${i}`;
      }
      nodes.push(node('out', 'MatMul', [v, 'W0'], ['y']));  // 'final' turns y into the output z
      inits.push(tensor('s', [4], [1, 1, 1, 1]), tensor('b', [4], [0, 0, 0, 0]), tensor('m', [4], [0, 0, 0, 0]), tensor('v', [4], [1, 1, 1, 1]));
      return model(nodes, inits);
    };
    const long = await runStaticRules(chain(9));
    assert.deepEqual(long.map((f) => [f.rule, f.node]), [['deep-plain-relu-chain', 'relu8']]);
    assert.match(long[0].message, /^9 ReLU layers in a row/);
    assert.deepEqual(await runStaticRules(chain(7)), []);
    assert.deepEqual(await runStaticRules(chain(12, 6)), [], 'BatchNorm at layer 6 splits 12 into 6 + 6');
  });
});

describe('moment propagation (folded BatchNorm estimate)', () => {
  it('matches a Monte-Carlo estimate through Gemm → Relu → Gemm (transB) on unit-normal inputs', async () => {
    const w1 = [0.8, -0.5, 0.3, 0.1, -0.2, 0.9, 0.4, 0.4, 0.7, -0.6, 0.2, 0.5]; // [4 in, 3 units], no transB
    const b1 = [0.2, -0.3, 0.1];
    const w2 = [1, -2, 0.5, -0.5, 0.3, 1.2]; // [2 units, 3 in], transB
    const b2 = [-0.4, 0.6];
    const m = model(
      [node('g1', 'Gemm', ['x', 'W1', 'B1'], ['h']), node('r', 'Relu', ['h'], ['a']), node('g2', 'Gemm', ['a', 'W2', 'B2'], ['y'], { transB: 1 })],
      [tensor('W1', [4, 3], w1), tensor('B1', [3], b1), tensor('W2', [2, 3], w2), tensor('B2', [2], b2)],
    );
    const moments = await computeMoments(new GraphIndex(m.graph));
    const y = moments.get('y')!;
    // Monte Carlo with a fixed-seed generator
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    const n = 200000;
    const s1 = [0, 0], s2 = [0, 0];
    for (let t = 0; t < n; t++) {
      const x = [gauss(), gauss(), gauss(), gauss()];
      const a = [0, 1, 2].map((u) => Math.max(0, b1[u] + x.reduce((s, xi, i) => s + xi * w1[i * 3 + u], 0)));
      for (let u = 0; u < 2; u++) {
        const v = b2[u] + a.reduce((s, ai, i) => s + ai * w2[u * 3 + i], 0);
        s1[u] += v;
        s2[u] += v * v;
      }
    }
    for (let u = 0; u < 2; u++) {
      const mean = s1[u] / n, variance = s2[u] / n - mean * mean;
      assert.ok(Math.abs(y.mean[u] - mean) < 0.02, `unit ${u} mean ${y.mean[u]} vs ${mean}`);
      // independence across the hidden units is an approximation; the variance is close, not exact
      assert.ok(Math.abs(y.variance[u] / variance - 1) < 0.25, `unit ${u} variance ${y.variance[u]} vs ${variance}`);
    }
  });
});

describe('streamed weight statistics are exact', () => {
  /** Float32 values streamed in chunks of `chunk` (sizes that split units and rows mid-way). */
  function streamed(name: string, shape: number[], values: number[], chunk: number): Tensor {
    return { ...tensor(name, shape, values), async *values() {
      for (let i = 0; i < values.length; i += chunk) yield Float64Array.from(values.slice(i, i + chunk));
    } };
  }
  function randomWeights(n: number, seed: number): number[] {
    let s = seed;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      // float32 values of both signs, some exact zeros
      out.push(i % 11 === 0 ? 0 : Math.fround((s / 2147483648 - 0.5) * 3));
    }
    return out;
  }

  it('per-unit weight sums equal element-by-element sums to the last bit, NaN and infinities only marking their unit', async () => {
    for (const [units, inner] of [[7, 1], [5, 6], [3, 40], [9, 5]]) {
      for (const chunk of [1, 3, 7, 64, 10000]) {
        const values = randomWeights(units * inner * 4, units + inner);
        values[inner * 2] = NaN;
        values[values.length - 1] = -Infinity;
        const got = (await unitWeightSums(streamed('w', [values.length], values, chunk), units, inner))!;
        const pos = new Float64Array(units), neg = new Float64Array(units), sq = new Float64Array(units), bad = new Uint8Array(units);
        values.forEach((w, i) => {
          const u = Math.floor(i / inner) % units;
          if (!Number.isFinite(w)) bad[u] = 1;
          else if (w > 0) pos[u] += w;
          else if (w < 0) neg[u] += w;
          sq[u] += w * w;
        });
        const where = `units ${units}, inner ${inner}, chunks of ${chunk}`;
        assert.deepEqual(got.sumPos, pos, where);
        assert.deepEqual(got.sumNeg, neg, where);
        assert.deepEqual(got.sumSq, sq, where);
        assert.deepEqual(got.nonFinite, bad, where);
      }
    }
  });

  it('static rules read a linear layer\'s weights once for both its moments and its per-unit sums', async () => {
    for (const transB of [0, 1]) {
      let reads = 0;
      const w = randomWeights(12, 9);
      const counted: Tensor = { ...tensor('W', [4, 3], w), async *values() {
        reads++;
        yield Float64Array.from(w);
      } };
      // Unit 1's bias is far below what its weights can reach: a dead unit whichever sums found it.
      const m = model([node('g', 'Gemm', ['x', 'W', 'B'], ['h'], { transB }), node('relu', 'Relu', ['h'], ['y'])], [counted, tensor('B', [transB ? 4 : 3], [0.5, -50, 0.2, 0.1].slice(0, transB ? 4 : 3))]);
      const findings = await runStaticRules(m);
      assert.equal(reads, 1, `transB ${transB}: weights read ${reads} times`);
      assert.ok(findings.some((f) => f.node === 'relu' && f.units?.includes(1)), `transB ${transB}: ${JSON.stringify(findings.map((f) => [f.rule, f.units]))}`);
    }
  });

  it('moments through Gemm (transB), MatMul and a grouped Conv equal Σ w·μ + b and Σ w²·σ² added in storage order', async () => {
    const features = 6, units = 4;
    const scale = [0.5, -1.5, 2, 0.25, 1, -3], shift = [0.1, -0.7, 1.3, 0, 2.5, -0.2];
    const bn = node('bn', 'BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['h']);
    const bnInits = [tensor('s', [features], scale), tensor('b', [features], shift), tensor('m', [features], Array(features).fill(0)), tensor('v', [features], Array(features).fill(1))];
    /** Reference: for unit u, the weights' (index, feature) pairs in storage order. */
    const expect = (w: number[], terms: (u: number) => [number, number][], bias: number[], alpha = 1, beta = 1) => ({
      mean: Float64Array.from({ length: bias.length }, (_, u) => terms(u).reduce((m, [i, f]) => (alpha * w[i] === 0 ? m : m + alpha * w[i] * shift[f]), 0) + beta * bias[u]),
      variance: Float64Array.from({ length: bias.length }, (_, u) => terms(u).reduce((v, [i, f]) => (alpha * w[i] === 0 ? v : v + alpha * w[i] * (alpha * w[i]) * (scale[f] * scale[f])), 0)),
    });
    const bias = [0.3, -1, 2, 0.5];
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    for (const chunk of [1, 5, 13, 1000]) {
      // Gemm with transB: W [units, features], alpha and beta
      const gw = randomWeights(units * features, 3);
      const gemm = model([bn, node('g', 'Gemm', ['h', 'W', 'B'], ['y'], { transB: 1, alpha: 0.75, beta: 2 })], [...bnInits, streamed('W', [units, features], gw, chunk), tensor('B', [units], bias)]);
      assert.deepEqual((await computeMoments(new GraphIndex(gemm.graph))).get('y'), expect(gw, (u) => range(features).map((f) => [u * features + f, f]), bias, 0.75, 2), `Gemm, chunks of ${chunk}`);
      // MatMul: W [features, units]
      const mw = randomWeights(units * features, 5);
      const matmul = model([bn, node('mm', 'MatMul', ['h', 'W'], ['y'])], [...bnInits, streamed('W', [features, units], mw, chunk)]);
      assert.deepEqual((await computeMoments(new GraphIndex(matmul.graph))).get('y'), expect(mw, (u) => range(features).map((f) => [f * units + u, f]), [0, 0, 0, 0]), `MatMul, chunks of ${chunk}`);
      // Conv, 2 groups of 4 output channels, 3×1 kernel: W [8, features / 2, 3, 1]
      const ipg = features / 2, k = 3, outs = 8;
      const cw = randomWeights(outs * ipg * k, 7);
      const convBias = [...bias, ...bias.map((b) => -b)];
      const conv = model([bn, node('c', 'Conv', ['h', 'W', 'B'], ['y'], { group: 2 })], [...bnInits, streamed('W', [outs, ipg, k, 1], cw, chunk), tensor('B', [outs], convBias)]);
      const convTerms = (u: number): [number, number][] => range(ipg * k).map((j) => [u * ipg * k + j, Math.floor(u / (outs / 2)) * ipg + Math.floor(j / k)]);
      assert.deepEqual((await computeMoments(new GraphIndex(conv.graph))).get('y'), expect(cw, convTerms, convBias), `Conv, chunks of ${chunk}`);
    }
  });
});

describe('dynamic rules', () => {
  const layer = (units: number, dead: number[], rates?: number[]): LayerActivationStats => ({
    node: 'relu', op: 'Relu', output: 'y', units, unitAxis: 1,
    activeRate: rates ?? Array.from({ length: units }, (_, i) => (dead.includes(i) ? 0 : 0.5)), deadUnits: dead,
    zeroFraction: 0.5, min: 0, max: 1, mean: 0.2, std: 0.3, histogram: { edges: [0, 1], counts: [1] }, samples: 1797, timeMs: 1,
  });
  const run = (l: LayerActivationStats): ActivationRun => ({ model: 'm', samples: 1797, inputSource: 'test', dims: {}, layers: [l] });
  it('states the evidence and grades a layer: < 10% info, ≥ 10% warning, ≥ 50% error', () => {
    const f = runDynamicRules(run(layer(64, Array.from({ length: 12 }, (_, i) => i * 5))));
    assert.equal(f[0].severity, 'warning');
    assert.match(f[0].message, /^12 of 64 units never fired over 1,797 samples/);
    assert.equal(runDynamicRules(run(layer(64, [1, 2, 3, 4, 5, 6])))[0].severity, 'info');
    assert.equal(runDynamicRules(run(layer(64, Array.from({ length: 32 }, (_, i) => i))))[0].severity, 'error');
  });
  it('dying units: active on fewer than 1% of positions, dead ones excluded; the threshold is a parameter', () => {
    const rates = [0, 0.005, 0.009, 0.011, 0.5];
    const f = runDynamicRules(run(layer(5, [0], rates)));
    assert.deepEqual(f.map((x) => [x.rule, x.units]), [['dead-units', [0]], ['dying-units', [1, 2]]]);
    assert.deepEqual(runDynamicRules(run(layer(5, [0], rates)), undefined, { dyingRate: 0.02 })[1].units, [1, 2, 3]);
  });
  it('ignores activations that are not zero when inactive (Sigmoid, LeakyRelu)', () => {
    assert.deepEqual(runDynamicRules(run({ ...layer(4, [0]), op: 'Sigmoid' })), []);
    assert.deepEqual(runDynamicRules(run({ ...layer(4, [0]), op: 'LeakyRelu' })), []);
  });
  it('on statistics PyTorch measured for a model trained until units died, reports exactly its dead units', async () => {
    const FIX = path.join(__dirname, '..', 'fixtures', 'analysis');
    const r = JSON.parse(fs.readFileSync(path.join(FIX, 'trained_dead_mlp.run.json'), 'utf8')) as ActivationRun;
    const truth = JSON.parse(fs.readFileSync(path.join(FIX, 'trained_dead_mlp.truth.json'), 'utf8')) as { dead: Record<string, number[]> };
    const m = await loadModel(path.join(FIX, 'trained_dead_mlp.onnx'));
    const f = runDynamicRules(r, m).filter((x) => x.rule === 'dead-units');
    assert.deepEqual(Object.fromEntries(f.map((x) => [x.node, x.units])), Object.fromEntries(Object.entries(truth.dead).filter(([, u]) => u.length)));
  });
});

describe('suggestions', () => {
  it('Leaky ReLU first with α 0.01, and the reason names the framework defaults', () => {
    const s = suggestFor({ rule: 'dead-units' });
    assert.equal(s[0].variant, 'leaky-relu');
    assert.deepEqual(s[0].params, { alpha: 0.01 });
    assert.match(s[0].reason, /PyTorch 0\.01.*0\.3.*0\.2/);
    for (const x of s) assert.ok(x.cost && x.reason);
  });
  it('SELU ranks high for dense stacks without normalisation and low elsewhere; PReLU counts its parameters', () => {
    const dense = suggestFor({ rule: 'dead-units', denseStackWithoutNorm: true }).map((x) => x.variant);
    const conv = suggestFor({ rule: 'dead-units', units: 64 });
    assert.ok(dense.indexOf('selu') <= 2);
    assert.ok(conv.map((x) => x.variant).indexOf('selu') > 4);
    assert.match(conv.find((x) => x.variant === 'prelu')!.cost, /\+64/);
  });
  it('non-activation remedies: lower learning rate and initialisation when half a layer died; ReDo for BatchNorm-dead channels', () => {
    const many = suggestFor({ rule: 'dead-units', fraction: 0.6 }).map((x) => x.variant);
    assert.ok(many.indexOf('lower-learning-rate') < many.indexOf('silu'));
    assert.ok(suggestFor({ rule: 'bn-relu-dead', afterBatchNorm: true }).some((x) => x.variant === 'reinitialise-dead-units'));
    assert.equal(suggestFor({ rule: 'relu-before-output' })[0].variant, 'remove-output-relu');
  });
  it('parses variant specs with parameters and refuses bad ones', () => {
    assert.deepEqual(parseVariant('leaky-relu:0.2'), { id: 'leaky-relu', params: { alpha: 0.2 } });
    assert.deepEqual(parseVariant('celu'), { id: 'celu', params: { alpha: 1 } });
    assert.deepEqual(parseVariant('prelu:0.1'), { id: 'prelu', params: { init: 0.1 } });
    assert.deepEqual(parseVariant('swish'), { id: 'silu', params: {} });
    assert.throws(() => parseVariant('gelu:2'), /takes no parameter/);
    assert.throws(() => parseVariant('elu:x'), /not a number/);
    assert.throws(() => parseVariant('celu:0'), /must not be 0/);
    assert.equal(Object.keys(VARIANT_INFO).length, 7);
  });
});

describe('normal distribution helpers', () => {
  it('Φ keeps relative accuracy in the far tail and Φ⁻¹ inverts it', () => {
    assert.ok(Math.abs(normalCdf(-10) / 7.6198530241604696e-24 - 1) < 1e-5);
    assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-7);
    assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306167813) < 1e-5);
  });
});
