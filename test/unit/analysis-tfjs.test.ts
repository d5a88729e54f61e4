// Static rules on TF.js layers-models saved by TF.js itself: BatchNormalization → ReLU layer with
// planted channels, Conv2D/Dense with activation 'relu', Activation('relu') layers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../src/formats/load';
import { analyzeModel } from '../../src/analysis/rules/index';

async function save(model: tf.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (art) => {
      fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(art.weightData as ArrayBuffer));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: art.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

describe('static rules on TF.js layers-models', () => {
  before(() => tf.setBackend('cpu'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tfjs-analysis-'));

  it('BatchNormalization → ReLU layer: planted channels (gamma 0 with beta ≤ 0; beta = −20·gamma) and only those', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ name: 'c', inputShape: [6, 6, 2], filters: 4, kernelSize: 3 }));
    m.add(tf.layers.batchNormalization({ name: 'bn' }));
    m.add(tf.layers.reLU({ name: 'r' }));
    m.add(tf.layers.conv2d({ name: 'c2', filters: 3, kernelSize: 3 }));
    m.add(tf.layers.activation({ activation: 'relu', name: 'a2' }));
    m.add(tf.layers.flatten({ name: 'f' }));
    m.add(tf.layers.dense({ name: 'out', units: 2 }));
    const [, , mean, variance] = m.getLayer('bn').getWeights();
    m.getLayer('bn').setWeights([tf.tensor([1, 0, 1, 2]), tf.tensor([0, -0.1, 0.5, -40]), mean, variance]);
    const a = await analyzeModel(await loadModel(await save(m, path.join(tmp, 'bn'))));
    assert.deepEqual(
      a.findings.map((f) => [f.rule, f.node, f.source, f.units]),
      [['bn-relu-dead', 'r', 'bn', [1]], ['bn-relu-inactive', 'r', 'bn', [3]]],
    );
  });

  it('a default-initialised TF.js CNN with BatchNorm and relu activations gets no warnings', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ name: 'c1', inputShape: [16, 16, 3], filters: 8, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.batchNormalization({ name: 'bn1' }));
    m.add(tf.layers.conv2d({ name: 'c2', filters: 8, kernelSize: 3 }));
    m.add(tf.layers.batchNormalization({ name: 'bn2' }));
    m.add(tf.layers.activation({ activation: 'relu', name: 'a2' }));
    m.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
    m.add(tf.layers.dense({ name: 'head', units: 10, activation: 'softmax' }));
    const a = await analyzeModel(await loadModel(await save(m, path.join(tmp, 'healthy'))));
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'info'), []);
  });
});

describe('static rules on TF.js graph-models (fused ops)', () => {
  it('_FusedMatMul and _FusedConv2D with fused Relu: dead units from their weights, the rest clean', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tfjs-graph-'));
    // MatMul weights [4 in, 3 units]: unit 1 has an all-zero column and bias −1.
    const w = [0.5, 0, -0.2, 0.1, 0, 0.3, -0.4, 0, 0.2, 0.3, 0, -0.1];
    const b = [0.1, -1, 0];
    // Conv2D filter HWIO [1, 1, 3, 2] on the (≥ 0) MatMul+Relu output reshaped: channel 0 all ≤ 0, bias −0.5.
    const f = [-0.5, 0.4, -0.1, 0.2, -0.3, 0.6];
    const fb = [-0.5, 0.1];
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(new Float32Array([...w, ...b, ...f, ...fb]).buffer));
    const attrs = (ops: string[]) => ({ fused_ops: { list: { s: ops.map((s) => Buffer.from(s).toString('base64')) } }, T: { type: 'DT_FLOAT' } });
    const json = {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
          { name: 'dense/w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } },
          { name: 'dense/b', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } },
          { name: 'conv/f', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } },
          { name: 'conv/b', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } },
          { name: 'shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '4' }] }, intVal: [-1, 1, 1, 3] } } } },
          { name: 'dense/Relu', op: '_FusedMatMul', input: ['x', 'dense/w', 'dense/b'], attr: { ...attrs(['BiasAdd', 'Relu']), transpose_a: { b: false }, transpose_b: { b: false } } },
          { name: 'reshape', op: 'Reshape', input: ['dense/Relu', 'shape'], attr: {} },
          { name: 'conv/Relu', op: '_FusedConv2D', input: ['reshape', 'conv/f', 'conv/b'], attr: { ...attrs(['BiasAdd', 'Relu']), strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: Buffer.from('VALID').toString('base64') } } },
          { name: 'Identity', op: 'Identity', input: ['conv/Relu'], attr: {} },
        ],
      },
      weightsManifest: [{ paths: ['w.bin'], weights: [
        { name: 'dense/w', shape: [4, 3], dtype: 'float32' },
        { name: 'dense/b', shape: [3], dtype: 'float32' },
        { name: 'conv/f', shape: [1, 1, 3, 2], dtype: 'float32' },
        { name: 'conv/b', shape: [2], dtype: 'float32' },
      ] }],
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const model = await loadModel(path.join(dir, 'model.json'));
    assert.equal(model.format, 'tfjs-graph');
    const a = await analyzeModel(model);
    const dead = a.findings.filter((x) => x.rule === 'linear-relu-dead').map((x) => [x.node, x.units]);
    assert.deepEqual(dead, [['conv/Relu', [0]], ['dense/Relu', [1]]]);
  });
});
