// Static rules on TF.js layers-models saved by TF.js itself: BatchNormalization → ReLU layer with
// planted channels, Conv2D/Dense with activation 'relu', Activation('relu') layers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../src/core/load';
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
