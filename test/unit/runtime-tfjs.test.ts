// TF.js: captured layer outputs equal `predict` of a sub-model, and planted dead units in
// layers-models and graph-models are found by `run`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getTf, readArtifacts, TfjsBackend } from '../../src/runtime/tfjsBackend';
import { runActivations } from '../../src/runtime/runActivations';
import { loadModel } from '../../src/formats/load';
import { activationLayers } from '../../src/runtime/layers';
import { ROOT, runCli } from '../support/cli';

const CNN = path.join(ROOT, 'samples/tfjs-cnn/model.json');

async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = Array.isArray(a.weightData) ? a.weightData : [a.weightData!];
      fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.concat(data.map((b) => Buffer.from(b))));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', generatedBy: 'test', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

describe('run: TensorFlow.js models', function () {
  this.timeout(120000);

  it('uses the WebAssembly backend offline', async () => {
    const { backend } = await getTf();
    assert.equal(backend, 'wasm');
  });

  it('captured layer outputs equal predict() of a sub-model ending at each layer', async () => {
    const model = await loadModel(CNN);
    const layers = activationLayers(model);
    assert.deepEqual(layers.map((l) => l.node), ['conv1', 'conv2', 'hidden', 'classes']);
    const backend = await TfjsBackend.create(model, layers);
    const { tf: tfr } = await getTf();
    const reference = await tfr.loadLayersModel({ load: async () => readArtifacts(CNN) });
    try {
      const x = new Float32Array(3 * 28 * 28).map((_, i) => Math.sin(i * 0.37));
      const captured = await backend.run({ [backend.inputs[0].name]: { dtype: 'float32', dims: [3, 28, 28, 1], data: x } }, layers.map((l) => l.output));
      for (const l of layers) {
        const sub = tfr.model({ inputs: reference.inputs, outputs: reference.getLayer(l.node).output as tf.SymbolicTensor });
        const y = sub.predict(tfr.tensor(x, [3, 28, 28, 1])) as tf.Tensor;
        assert.deepEqual(captured[l.output].dims, y.shape, l.node);
        const want = y.dataSync();
        const got = captured[l.output].data as Float32Array;
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `${l.node}[${i}]: ${got[i]} vs ${want[i]}`);
        y.dispose();
      }
    } finally {
      await backend.dispose();
      reference.dispose();
    }
  });

  it('finds dead units planted in a layers-model (Dense with relu, ReLU layer after Conv2D)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tfjs-'));
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ name: 'conv', inputShape: [6, 6, 2], filters: 4, kernelSize: 3, useBias: true }));
    m.add(tf.layers.reLU({ name: 'conv_relu' }));
    m.add(tf.layers.flatten({ name: 'flat' }));
    m.add(tf.layers.dense({ name: 'fc', units: 6, activation: 'relu' }));
    // Seeded weights: with tfjs's unseeded initialisers an unplanted unit was dead now and then.
    const [k] = m.getLayer('conv').getWeights();
    m.getLayer('conv').setWeights([tf.randomNormal(k.shape, 0, 0.1, 'float32', 7), tf.tensor1d([0, -100, 0, 0])]);
    const [fk] = m.getLayer('fc').getWeights();
    m.getLayer('fc').setWeights([tf.randomNormal(fk.shape, 0, 0.1, 'float32', 11), tf.tensor1d([0, 0, -100, 0, -100, 0])]);
    const file = await saveLayersModel(m, dir);
    const r = runCli(['run', file, '--samples', '64', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { layers: { node: string; op: string; units: number; deadUnits: number[] }[] };
    assert.deepEqual(out.layers.map((l) => [l.node, l.units, l.deadUnits]), [['conv_relu', 4, [1]], ['fc', 6, [2, 4]]]);
  });

  it('finds dead units planted in a graph-model (MatMul, BiasAdd, Relu) through GraphModel.execute', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tfjs-graph-'));
    const w = new Float32Array(4 * 5).map((_, i) => Math.cos(i) * 0.5);
    const bias = new Float32Array([0.1, -50, 0.2, 0, -50]);
    const topology = {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '4' }, { size: '5' }] } } } } },
        { name: 'b', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '5' }] } } } } },
        { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'add', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'act', op: 'Relu', input: ['add'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'out', op: 'Identity', input: ['act'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
      library: {},
      versions: { producer: 1 },
    };
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.concat([Buffer.from(w.buffer), Buffer.from(bias.buffer)]));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', generatedBy: 'test', convertedBy: 'test', modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [4, 5], dtype: 'float32' }, { name: 'b', shape: [5], dtype: 'float32' }] }] }));
    const r = await runActivations(path.join(dir, 'model.json'), { samples: 50 });
    const act = r.layers.find((l) => l.node === 'act');
    assert.ok(act, `layers: ${r.layers.map((l) => l.node)}`);
    assert.equal(act.units, 5);
    assert.deepEqual(act.deadUnits, [1, 4]);
  });

  it('runs a Keras 3 layers-model (batch_shape, DTypePolicy, keras_history, nested Sequential) that tfjs alone cannot load', async () => {
    const file = path.join(ROOT, 'test/fixtures/tfjs/keras3-functional/model.json');
    const { tf: tfr } = await getTf();
    await assert.rejects(tfr.loadLayersModel({ load: async () => ({ ...readArtifacts(file), modelTopology: JSON.parse(fs.readFileSync(file, 'utf8')).modelTopology }) }));
    const r = await runActivations(file, { samples: 32 });
    const names = r.layers.map((l) => l.node);
    for (const n of ['dense', 'relu_leaky', 'relu_thr', 'leaky', 'act', 'head']) assert.ok(names.includes(n), `${n} missing from ${names}`);
    // relu_thr is ReLU(threshold=0.5) of relu_leaky's output: it zeroes everything relu_leaky zeroes, and more
    const z = (n: string): number => r.layers.find((l) => l.node === n)!.zeroFraction;
    assert.ok(z('relu_thr') > z('relu_leaky'));
  });

  it('computes Keras ReLU(negative_slope) as a leaky ReLU, as Keras does (tfjs ReLU ignores the slope)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tfjs-relu-'));
    const topology = {
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'ReLU', config: { name: 'slope', negative_slope: 0.1, threshold: 0, max_value: null, batch_input_shape: [null, 3], dtype: 'float32' } }] },
      keras_version: '2.15.0',
      backend: 'tensorflow',
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [] }));
    const model = await loadModel(path.join(dir, 'model.json'));
    const layers = activationLayers(model);
    const backend = await TfjsBackend.create(model, layers);
    try {
      const out = await backend.run({ [backend.inputs[0].name]: { dtype: 'float32', dims: [1, 3], data: new Float32Array([-2, 0, 3]) } }, layers.map((l) => l.output));
      assert.deepEqual(Array.from(out[layers[0].output].data as Float32Array).map((v) => +v.toFixed(5)), [-0.2, 0, 3]);
    } finally {
      await backend.dispose();
    }
  });
});
