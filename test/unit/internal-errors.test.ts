// A rule that throws is a bug: it is reported once as "rule X failed on node Y (internal error;
// please report)", the other rules' findings stand, nothing of the JavaScript error reaches the
// model's warnings, and in strict mode (the test suite, the fuzzer) the error is thrown instead.
import * as assert from 'node:assert/strict';
import { analyzeModel } from '../../src/analysis/rules/index';
import { STRICT_ENV } from '../../src/core/internalErrors';
import type { Model, Tensor } from '../../src/core/model';
import { loadModel } from '../../src/formats/load';
import { floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';

/** A weight whose reader has a bug (as a broken reader would behave): reading it throws a TypeError. */
function brokenReader(t: Tensor): Tensor {
  return {
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    elementCount: t.elementCount,
    location: t.location,
    values(): AsyncIterable<Float64Array> {
      return {
        [Symbol.asyncIterator]() {
          return { next: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'buffer')")) };
        },
      };
    },
    bytes: () => t.bytes(),
  };
}

/** Three Gemm → ReLU layers reading the weight 'wb' (one unit dead by a zero row), and one healthy
 *  layer with a dead unit of its own weight 'w'. */
async function model(): Promise<Model> {
  const file = writeModel(tmpDir(), 'm.onnx', {
    inputs: [valueInfo('x', 1, [1, 2])],
    outputs: [valueInfo('y', 1, [1, 2])],
    nodes: [
      { opType: 'Gemm', input: ['x', 'w', 'b'], output: ['g'], name: 'g', attribute: [{ name: 'transB', type: 2, i: 1 }] },
      { opType: 'Relu', input: ['g'], output: ['y'], name: 'healthy' },
      ...['r1', 'r2', 'r3'].flatMap((r) => [
        { opType: 'Gemm', input: ['x', 'wb', 'b'], output: [`${r}_g`], name: `${r}_g`, attribute: [{ name: 'transB', type: 2, i: 1 }] },
        { opType: 'Relu', input: [`${r}_g`], output: [`${r}_y`], name: r },
      ]),
    ],
    initializers: [floatTensor('w', [2, 2], [0, 0, 1, 1]), floatTensor('wb', [2, 2], [0, 0, 1, 1]), floatTensor('b', [2], [-1, 0])],
  });
  const m = await loadModel(file);
  m.graph.initializers = m.graph.initializers.map((t) => (t.name === 'wb' ? brokenReader(t) : t));
  return m;
}

describe('internal errors stay internal', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env[STRICT_ENV];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[STRICT_ENV];
    else process.env[STRICT_ENV] = saved;
  });

  it('reports a failing rule once, by rule and first node, keeps the other findings and adds no warning', async () => {
    delete process.env[STRICT_ENV];
    const m = await model();
    const a = await analyzeModel(m);
    // Two components read the weight: each reports once, naming its first node.
    assert.deepEqual(a.internalErrors, [
      "moment propagation failed on node 'r1_g' and 2 more (internal error; please report)",
      "rule linear-relu-dead failed on node 'r1' and 2 more (internal error; please report)",
    ]);
    const healthy = a.findings.filter((f) => f.node === 'healthy' && f.rule === 'linear-relu-dead');
    assert.deepEqual(healthy.map((f) => f.units), [[0]]);
    assert.deepEqual(m.warnings, []);
    assert.ok(a.findings.every((f) => !/Cannot read|TypeError/.test(f.message)));
  });

  it('throws the error itself in strict mode, so the test suite fails on it', async () => {
    process.env[STRICT_ENV] = '1';
    await assert.rejects(analyzeModel(await model()), (e: unknown) => e instanceof TypeError && /Cannot read properties/.test(e.message));
  });
});
