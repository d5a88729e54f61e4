// Topologies as the Python converter writes them from TF-Keras 2 (model_config wrapper, explicit
// InputLayer in a Sequential, wrappers), checked against tfjs's own deserializer (modelFromJSON).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activationOf } from '../../src/analysis/activations';
import { summarize } from '../../src/analysis/summary';
import { loadModel } from '../../src/formats/load';
import { tempDir, tf } from '../support/tfjsFixtures';

/** Writes model.json with zero-filled weights shaped as tfjs builds them for this topology. */
async function writeConverted(topology: object): Promise<{ file: string; reference: tf.LayersModel }> {
  const reference = await tf.models.modelFromJSON({ modelTopology: topology } as never);
  const weights = reference.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[], dtype: w.dtype }));
  const bytes = weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.alloc(bytes));
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      format: 'layers-model',
      generatedBy: 'keras v2.13.1',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: topology,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
    }),
  );
  return { file, reference };
}

function histogram(layers: tf.layers.Layer[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const l of layers) h[l.getClassName()] = (h[l.getClassName()] ?? 0) + 1;
  return h;
}

describe('TF.js layers-models converted from TF-Keras 2', () => {
  it('a Sequential with an explicit InputLayer inside model_config: counts equal tfjs modelFromJSON', async () => {
    const topology = {
      keras_version: '2.13.1',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 5, 3], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } },
            { class_name: 'Bidirectional', config: { name: 'bidi', trainable: true, dtype: 'float32', merge_mode: 'concat', layer: { class_name: 'GRU', config: { name: 'gru', units: 4, activation: 'tanh', recurrent_activation: 'sigmoid', return_sequences: true } } } },
            { class_name: 'TimeDistributed', config: { name: 'td', trainable: true, dtype: 'float32', layer: { class_name: 'Dense', config: { name: 'td_dense', units: 2, activation: 'relu', use_bias: true } } } },
            { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32' } },
            { class_name: 'Dense', config: { name: 'dense', units: 1, activation: 'sigmoid', use_bias: true, trainable: true, dtype: 'float32' } },
          ],
        },
      },
      training_config: { loss: 'binary_crossentropy' },
    };
    const { file, reference } = await writeConverted(topology);
    const model = await loadModel(file);
    const s = summarize(model);
    assert.equal(s.nodeCount, reference.layers.length);
    assert.deepEqual({ ...s.ops }, histogram(reference.layers));
    assert.equal(s.parameters, reference.countParams());
    assert.deepEqual(s.inputs, [{ name: 'input_1', dtype: 'float', shape: [null, 5, 3] }]);
    assert.equal(s.producer, 'keras');
    assert.equal(s.metadata.keras_version, '2.13.1');
    assert.equal(s.metadata.trainingConfig, '{"loss":"binary_crossentropy"}');
    const act = Object.fromEntries(s.activations.map((a) => [a.node, a.activation]));
    assert.deepEqual(act, { bidi: 'Tanh', td: 'Relu', dense: 'Sigmoid' });
    // Wrapped layers own the weights stored under their name.
    const bidi = model.graph.nodes.find((n) => n.name === 'bidi')!;
    assert.ok((bidi.weights ?? []).length >= 6, `bidi weights: ${bidi.weights}`);
    assert.equal(activationOf(model.graph.nodes.find((n) => n.name === 'flatten')!), undefined);
  });

  it('a functional model with a nested functional model (node indices from 1) matches tfjs', async () => {
    const innerIn = tf.input({ shape: [4], name: 'inner_in' });
    const innerOut = tf.layers.dense({ units: 3, activation: 'relu', name: 'inner_dense' }).apply(innerIn) as tf.SymbolicTensor;
    const inner = tf.model({ inputs: innerIn, outputs: innerOut, name: 'inner_model' });
    const x = tf.input({ shape: [4], name: 'x' });
    const a = inner.apply(x) as tf.SymbolicTensor;
    const b = inner.apply(tf.layers.reLU({ name: 'pre' }).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const out = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: out, name: 'outer' });
    const topology = { keras_version: '2.13.1', backend: 'tensorflow', model_config: m.toJSON(undefined, false) };
    const { file, reference } = await writeConverted(topology);
    const model = await loadModel(file);
    const s = summarize(model);
    assert.equal(s.nodeCount, reference.layers.length);
    assert.deepEqual({ ...s.ops }, histogram(reference.layers));
    assert.equal(s.parameters, reference.countParams());
    const nested = model.graph.nodes.find((n) => n.name === 'inner_model')!;
    assert.deepEqual(nested.inputs, ['x/0/0', 'pre/0/0']);
    assert.deepEqual(nested.outputs, ['inner_model/1/0', 'inner_model/2/0']);
    const sum = model.graph.nodes.find((n) => n.name === 'sum')!;
    assert.deepEqual(sum.inputs, nested.outputs);
    assert.deepEqual(s.outputs.map((o) => o.name), ['sum/0/0']);
  });
});
