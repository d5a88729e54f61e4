// Models whose weights live in external data files: run with them, and never read outside the
// model's folder.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { ModelError } from '../../src/core/model';
import { runActivations } from '../../src/runtime/runActivations';
import { readExternalData } from '../../src/runtime/onnxCapture';
import { tmpDir, valueInfo, writeModel } from '../support/onnxBuild';

function externalModel(dir: string, location: string): string {
  const bias: onnx.ITensorProto = {
    name: 'b',
    dims: [4],
    dataType: 1,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: '16' },
    ],
  };
  return writeModel(dir, 'ext.onnx', {
    opset: 13,
    nodes: [
      { name: 'add', opType: 'Add', input: ['x', 'b'], output: ['h'] },
      { name: 'relu', opType: 'Relu', input: ['h'], output: ['y'] },
    ],
    initializers: [bias],
    inputs: [valueInfo('x', 1, ['batch', 4])],
    outputs: [valueInfo('y', 1, ['batch', 4])],
  });
}

describe('run: external data', function () {
  this.timeout(60000);

  it('runs a model whose weights are in an external file next to it', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(new Float32Array([1, -100, 1, -100]).buffer));
    const r = await runActivations(externalModel(dir, 'weights.bin'), { samples: 64 });
    assert.equal(r.layers.length, 1);
    assert.deepEqual(r.layers[0].deadUnits, [1, 3]);
  });

  it('refuses external data that points outside the model folder', async () => {
    const root = tmpDir();
    const dir = path.join(root, 'model');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(root, 'secret.bin'), Buffer.alloc(16));
    await assert.rejects(runActivations(externalModel(dir, '../secret.bin'), { samples: 2 }), (e: Error) => e instanceof ModelError && /secret\.bin.*(outside|inside the model's folder)/.test(e.message));
    // The runtime's own reader of external files applies the same rule (it does not rely on the model reader).
    const file = path.join(dir, 'ext.onnx');
    assert.throws(() => readExternalData(file, new Uint8Array(fs.readFileSync(file))), (e: Error) => e instanceof ModelError && /'\.\.\/secret\.bin'.*must stay inside the model's folder/.test(e.message));
  });

  it('refuses external data reached through a symbolic link that leads out, on either backend', async () => {
    const root = tmpDir();
    const dir = path.join(root, 'model');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(root, 'secret.bin'), Buffer.from(new Float32Array([1, 1, 1, 1]).buffer));
    fs.symlinkSync(path.join(root, 'secret.bin'), path.join(dir, 'weights.bin'));
    const model = externalModel(dir, 'weights.bin');
    for (const backend of ['native', 'wasm'] as const) {
      await assert.rejects(runActivations(model, { samples: 2, backend }), (e: Error) => e instanceof ModelError && /weights\.bin.*symbolic link/.test(e.message), backend);
    }
  });

  it('refuses a named pipe as external data at once instead of waiting for a writer', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = tmpDir();
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(dir, 'weights.bin')]);
    const t0 = performance.now();
    await assert.rejects(runActivations(externalModel(dir, 'weights.bin'), { samples: 2 }), (e: Error) => e instanceof ModelError && /weights\.bin.*named pipe/.test(e.message));
    assert.ok(performance.now() - t0 < 20000);
  });
});
