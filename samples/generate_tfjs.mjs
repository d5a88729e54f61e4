// Writes the sample TensorFlow.js layers model (samples/tfjs-cnn/model.json + weights) with
// @tensorflow/tfjs itself, so the file is exactly what `model.save()` produces for users.
// Run: node samples/generate_tfjs.mjs   (seeded initialisers: re-running reproduces the files)
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), 'tfjs-cnn');
const weightsFile = 'group1-shard1of1.bin';
let seed = 10;
const kernel = () => tf.initializers.glorotUniform({ seed: seed++ });

await tf.setBackend('cpu');
const model = tf.sequential({ name: 'tfjs_cnn' });
model.add(tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: kernel() }));
model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
model.add(tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: kernel() }));
model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
model.add(tf.layers.flatten({ name: 'flatten' }));
model.add(tf.layers.dense({ name: 'hidden', units: 16, activation: 'elu', kernelInitializer: kernel() }));
model.add(tf.layers.dense({ name: 'classes', units: 10, activation: 'softmax', kernelInitializer: kernel() }));

await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    mkdirSync(out, { recursive: true });
    const json = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(out, 'model.json'), JSON.stringify(json));
    const data = artifacts.weightData;
    const buffers = Array.isArray(data) ? data : [data];
    writeFileSync(join(out, weightsFile), Buffer.concat(buffers.map((b) => Buffer.from(b))));
    console.log(`tfjs-cnn/model.json: ${model.layers.length} layers, ${model.countParams()} parameters`);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
