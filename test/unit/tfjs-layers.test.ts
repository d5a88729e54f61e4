// TF.js layers-models written by @tensorflow/tfjs itself, opened through loadModel: node counts,
// ops, parameters and activations must agree with what tfjs says about the same model.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activationOf } from '../../src/analysis/activations';
import { summarize } from '../../src/analysis/summary';
import { loadModel } from '../../src/formats/load';
import type { Graph, Model, Tensor } from '../../src/core/model';
import { runCli } from '../support/cli';
import { saveLayersModel, tempDir, tf } from '../support/tfjsFixtures';

async function allValues(t: Tensor): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of t.values(7)) out.push(...chunk);
  return out;
}

function opHistogram(layers: tf.layers.Layer[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const l of layers) h[l.getClassName()] = (h[l.getClassName()] ?? 0) + 1;
  return h;
}

/** Every node input is a graph input or some node's output: the viewer can draw each edge. */
function assertEdgesConnect(g: Graph): void {
  const produced = new Set(g.inputs.map((i) => i.name));
  for (const n of g.nodes) n.outputs.forEach((o) => produced.add(o));
  for (const n of g.nodes) for (const i of n.inputs) assert.ok(produced.has(i), `input '${i}' of '${n.name}' comes from nowhere`);
  for (const o of g.outputs) assert.ok(produced.has(o.name), `graph output '${o.name}' comes from nowhere`);
}

function activationsByNode(model: Model): Record<string, string> {
  return Object.fromEntries(summarize(model).activations.map((a) => [a.node, a.activation]));
}

describe('TF.js layers-models written by tfjs', () => {
  let activationModel: tf.Sequential;
  let saved: Awaited<ReturnType<typeof saveLayersModel>>;
  let model: Model;

  before(async () => {
    activationModel = tf.sequential({ name: 'acts' });
    activationModel.add(tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', name: 'dense_relu' }));
    activationModel.add(tf.layers.reLU({ name: 'relu_plain' }));
    activationModel.add(tf.layers.reLU({ maxValue: 6, name: 'relu_max6' }));
    activationModel.add(tf.layers.leakyReLU({ alpha: 0.1, name: 'leaky' }));
    activationModel.add(tf.layers.leakyReLU({ name: 'leaky_default' }));
    activationModel.add(tf.layers.prelu({ name: 'prelu' }));
    activationModel.add(tf.layers.elu({ name: 'elu' }));
    activationModel.add(tf.layers.thresholdedReLU({ theta: 0.7, name: 'thresholded' }));
    activationModel.add(tf.layers.activation({ activation: 'tanh', name: 'act_tanh' }));
    activationModel.add(tf.layers.activation({ activation: 'linear', name: 'act_linear' }));
    activationModel.add(tf.layers.dense({ units: 5, activation: 'linear', name: 'dense_linear' }));
    activationModel.add(tf.layers.dense({ units: 5, activation: 'hardSigmoid', name: 'dense_hard_sigmoid' }));
    activationModel.add(tf.layers.dense({ units: 5, activation: 'swish', name: 'dense_swish' }));
    activationModel.add(tf.layers.dense({ units: 3, activation: 'selu', name: 'dense_selu' }));
    activationModel.add(tf.layers.softmax({ name: 'softmax' }));
    saved = await saveLayersModel(activationModel, tempDir());
    model = await loadModel(saved.modelJson);
  });

  it('counts the layers tfjs counts, by class name, and the parameters countParams() counts', () => {
    const s = summarize(model);
    assert.equal(s.format, 'tfjs-layers');
    assert.equal(s.nodeCount, activationModel.layers.length);
    assert.deepEqual({ ...s.ops }, opHistogram(activationModel.layers));
    assert.equal(s.parameters, activationModel.countParams());
    assert.equal(s.producer, 'TensorFlow.js tfjs-layers');
    assert.match(s.producerVersion, /^\d+\.\d+\.\d+/);
    assert.deepEqual(s.inputs, [{ name: 'dense_relu_input', dtype: 'float', shape: [null, 4] }]);
    assertEdgesConnect(model.graph);
  });

  it('recognises every activation layer class and every non-linear activation setting', () => {
    assert.deepEqual(activationsByNode(model), {
      dense_relu: 'Relu',
      relu_plain: 'Relu',
      relu_max6: 'Relu6',
      leaky: 'LeakyRelu',
      leaky_default: 'LeakyRelu',
      prelu: 'PRelu',
      elu: 'Elu',
      thresholded: 'ThresholdedRelu',
      act_tanh: 'Tanh',
      dense_hard_sigmoid: 'HardSigmoid',
      dense_swish: 'Swish',
      dense_selu: 'Selu',
      softmax: 'Softmax',
    });
  });

  it('carries the activation parameters tfjs stores (alpha, theta, max_value) and their defaults', () => {
    const node = (name: string) => model.graph.nodes.find((n) => n.name === name)!;
    assert.deepEqual(activationOf(node('leaky'))?.params, { alpha: 0.1 });
    assert.equal(activationOf(node('leaky_default'))?.params.alpha, 0.3);
    assert.equal(activationOf(node('elu'))?.params.alpha, 1);
    assert.equal(activationOf(node('thresholded'))?.params.alpha, 0.7);
    assert.equal(activationOf(node('relu_max6'))?.params.max, 6);
    const dense = activationOf(node('dense_relu'))!;
    assert.equal(dense.fused, true);
    assert.equal(activationOf(node('relu_plain'))!.fused, false);
    assert.equal(activationOf(node('dense_linear')), undefined);
  });

  it('keeps the layer config as attributes and names the weights each layer owns', () => {
    const dense = model.graph.nodes.find((n) => n.name === 'dense_relu')!;
    const units = dense.attributes.find((a) => a.name === 'units');
    assert.deepEqual(units?.value, { type: 'int', value: 8 });
    assert.deepEqual(dense.attributes.find((a) => a.name === 'activation')?.value, { type: 'string', value: 'relu' });
    assert.deepEqual(dense.weights, ['dense_relu/kernel', 'dense_relu/bias']);
    assert.deepEqual(model.graph.nodes.find((n) => n.name === 'prelu')!.weights, ['prelu/alpha']);
  });

  it('reads weight values exactly as tfjs saved them', async () => {
    for (const t of model.graph.initializers) {
      assert.equal(t.location, 'shard');
      const expected = [...saved.weights.get(t.name)!];
      assert.deepEqual(await allValues(t), expected, t.name);
    }
    const kernel = model.graph.initializers.find((t) => t.name === 'dense_relu/kernel')!;
    assert.deepEqual(kernel.shape, [4, 8]);
    assert.equal(kernel.dtype, 'float');
    const bytes = await kernel.bytes();
    assert.deepEqual([...new Float32Array(bytes.buffer, bytes.byteOffset, 32)], [...saved.weights.get('dense_relu/kernel')!]);
  });

  it('inspect --json on the CLI reports the same counts', () => {
    const r = runCli(['inspect', '--json', saved.modelJson]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.format, 'tfjs-layers');
    assert.equal(s.nodeCount, activationModel.layers.length);
    assert.equal(s.parameters, activationModel.countParams());
    assert.equal(s.activations.length, 13);
  });
});

describe('TF.js functional layers-models', () => {
  it('opens multi-input, multi-output models with a shared layer and a nested model, edges connected', async () => {
    const in1 = tf.input({ shape: [3], name: 'in1' });
    const in2 = tf.input({ shape: [3], name: 'in2' });
    const shared = tf.layers.dense({ units: 4, activation: 'elu', name: 'shared' });
    const a = shared.apply(in1) as tf.SymbolicTensor;
    const b = shared.apply(in2) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
    const inner = tf.sequential({
      name: 'inner',
      layers: [tf.layers.dense({ units: 6, inputShape: [8], activation: 'relu', name: 'inner_dense' }), tf.layers.leakyReLU({ name: 'inner_leaky' })],
    });
    const nested = inner.apply(cat) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(nested) as tf.SymbolicTensor;
    const head1 = tf.layers.dense({ units: 2, activation: 'softmax', name: 'head1' }).apply(bn) as tf.SymbolicTensor;
    const head2 = tf.layers.dense({ units: 1, name: 'head2' }).apply(cat) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [in1, in2], outputs: [head1, head2], name: 'multi' });
    const saved = await saveLayersModel(m, tempDir());
    const model = await loadModel(saved.modelJson);
    const s = summarize(model);

    // tfjs counts InputLayers among a functional model's layers; so do we.
    assert.equal(s.nodeCount, m.layers.length);
    assert.deepEqual({ ...s.ops }, opHistogram(m.layers));
    assert.equal(s.parameters, m.countParams());
    assert.deepEqual(
      s.inputs.map((i) => [i.name, i.shape]),
      [['in1', [null, 3]], ['in2', [null, 3]]],
    );
    assert.equal(s.outputs.length, 2);
    assertEdgesConnect(model.graph);

    const node = (name: string) => model.graph.nodes.find((n) => n.name === name)!;
    // The shared layer is one node called twice: two inputs, two outputs, both feeding `cat`.
    assert.deepEqual(node('shared').inputs, ['in1/0/0', 'in2/0/0']);
    assert.deepEqual(node('cat').inputs, node('shared').outputs);
    assert.deepEqual(node('head2').inputs, node('cat').outputs);
    // The nested model is one node holding its own graph; its weights are the inner layers'.
    const nestedNode = node('inner');
    assert.equal(nestedNode.opType, 'Sequential');
    const innerGraph = nestedNode.attributes.find((x) => x.name === 'model');
    assert.equal(innerGraph?.value.type, 'graph');
    if (innerGraph?.value.type === 'graph') {
      assert.equal(innerGraph.value.value.nodes.length, inner.layers.length);
      assertEdgesConnect(innerGraph.value.value);
    }
    assert.deepEqual(nestedNode.weights?.sort(), ['inner_dense/bias', 'inner_dense/kernel']);
    assert.deepEqual(node('bn').inputs, nestedNode.outputs);
    assert.equal(s.nodeCountAll, m.layers.length + inner.layers.length);
    assert.deepEqual(activationsByNode(model), { shared: 'Elu', head1: 'Softmax' });
    assert.equal(node('bn').weights?.length, 4, 'gamma, beta, moving mean and variance');
  });

  it('opens convolutional models with activation settings (Conv2D, DepthwiseConv2D, SeparableConv2D)', async () => {
    const m = tf.sequential({ name: 'convs' });
    m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu6', name: 'conv' }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, activation: 'elu', name: 'dw' }));
    m.add(tf.layers.separableConv2d({ filters: 2, kernelSize: 1, activation: 'sigmoid', name: 'sep' }));
    m.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
    m.add(tf.layers.dense({ units: 2, activation: 'softplus', name: 'out' }));
    const saved = await saveLayersModel(m, tempDir());
    const model = await loadModel(saved.modelJson);
    const s = summarize(model);
    assert.equal(s.nodeCount, m.layers.length);
    assert.equal(s.parameters, m.countParams());
    assert.deepEqual(s.inputs[0].shape, [null, 8, 8, 3]);
    assert.deepEqual(activationsByNode(model), { conv: 'Relu6', dw: 'Elu', sep: 'Sigmoid', out: 'Softplus' });
  });
});

describe('TF.js weight shards and quantized weights', () => {
  async function buildModel() {
    const m = tf.sequential({ name: 'q' });
    m.add(tf.layers.dense({ units: 16, inputShape: [10], activation: 'relu', name: 'd1' }));
    m.add(tf.layers.dense({ units: 4, name: 'd2' }));
    return m;
  }

  it('reads weights that span several shards (multi-shard manifest) exactly', async () => {
    const m = await buildModel();
    const saved = await saveLayersModel(m, tempDir(), { shardBytes: 100 });
    assert.ok(saved.shards.length > 5, `expected many shards, got ${saved.shards.length}`);
    const model = await loadModel(saved.modelJson);
    assert.deepEqual(model.warnings, []);
    assert.equal(summarize(model).parameters, m.countParams());
    for (const t of model.graph.initializers) assert.deepEqual(await allValues(t), [...saved.weights.get(t.name)!], t.name);
  });

  for (const mode of ['uint8', 'uint16', 'float16'] as const) {
    it(`dequantizes ${mode} weights to the original values within the quantization step`, async () => {
      const m = await buildModel();
      const saved = await saveLayersModel(m, tempDir(), { quantize: mode, shardBytes: 64 });
      const model = await loadModel(saved.modelJson);
      assert.equal(summarize(model).parameters, m.countParams());
      for (const t of model.graph.initializers) {
        const original = [...saved.weights.get(t.name)!];
        const got = await allValues(t);
        assert.equal(got.length, original.length);
        const min = Math.min(...original);
        const max = Math.max(...original);
        const step = mode === 'uint8' ? (max - min) / 255 : mode === 'uint16' ? (max - min) / 65535 : 0;
        for (let i = 0; i < got.length; i++) {
          const tol = mode === 'float16' ? Math.abs(original[i]) * 2 ** -11 + 1e-7 : step / 2 + 1e-6;
          assert.ok(Math.abs(got[i] - original[i]) <= tol, `${t.name}[${i}]: ${got[i]} vs ${original[i]}`);
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        assert.ok(Math.abs(mean(got) - mean(original)) <= (step || 1e-3), `${t.name}: mean ${mean(got)} vs ${mean(original)}`);
        // The stored size is the quantized size; bytes() gives float32 values matching dtype.
        assert.equal(t.byteSize, t.elementCount * (mode === 'uint8' ? 1 : 2));
        const bytes = await t.bytes();
        assert.deepEqual([...new Float32Array(bytes.buffer, bytes.byteOffset, t.elementCount)], got);
      }
    });
  }

  it('dequantizes exactly as tfjs-core does (same float32 values)', async () => {
    const m = await buildModel();
    const saved = await saveLayersModel(m, tempDir(), { quantize: 'uint8' });
    const json = JSON.parse(fs.readFileSync(saved.modelJson, 'utf8'));
    const buf = fs.readFileSync(path.join(saved.dir, saved.shards[0]));
    const theirs = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, json.weightsManifest[0].weights);
    const model = await loadModel(saved.modelJson);
    for (const t of model.graph.initializers) assert.deepEqual(await allValues(t), [...theirs[t.name].dataSync()], t.name);
  });
});
