// A Keras 3 topology (dict-form inbound_nodes with __keras_tensor__ / keras_history, DTypePolicy
// objects, explicit InputLayer in a nested Sequential, batch_shape), committed as a fixture.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { activationOf } from '../../src/analysis/activations';
import { summarize } from '../../src/analysis/summary';
import { loadModel } from '../../src/formats/load';
import type { Graph, Model } from '../../src/core/model';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'tfjs', 'keras3-functional', 'model.json');

describe('TF.js layers-model with a Keras 3 topology', () => {
  let model: Model;
  before(async () => {
    model = await loadModel(FIXTURE);
  });
  const node = (name: string) => model.graph.nodes.find((n) => n.name === name)!;

  it('has one node per layer, InputLayer included as Keras counts functional layers', () => {
    const s = summarize(model);
    assert.equal(s.format, 'tfjs-layers');
    assert.equal(s.nodeCount, 11);
    assert.deepEqual({ ...s.ops }, { InputLayer: 1, Dense: 3, ReLU: 3, LeakyReLU: 1, Add: 1, Activation: 1, Sequential: 1 });
    assert.equal(s.parameters, 4 * 3 + 3 + 3 * 3 + 3 + 3 * 2 + 2 + 3 * 1 + 1);
    assert.deepEqual(s.inputs, [{ name: 'input_layer', dtype: 'float', shape: [null, 4] }]);
    assert.deepEqual(s.outputs.map((o) => o.name), ['seq/0/0', 'head/0/0']);
    assert.equal(s.producer, 'keras');
    assert.equal(s.producerVersion, '3.6.0');
  });

  it('follows keras_history references in args, including tensors inside a list argument', () => {
    assert.deepEqual(node('dense').inputs, ['input_layer/0/0']);
    assert.deepEqual(node('shared').inputs, ['relu_cap/0/0', 'leaky/0/0']);
    assert.deepEqual(node('shared').outputs, ['shared/0/0', 'shared/1/0']);
    assert.deepEqual(node('add').inputs, ['shared/0/0', 'shared/1/0']);
    assert.deepEqual(node('seq').inputs, ['act/0/0']);
    assert.deepEqual(node('head').inputs, ['relu_thr/0/0']);
    const produced = new Set([...model.graph.inputs.map((i) => i.name), ...model.graph.nodes.flatMap((n) => n.outputs)]);
    for (const n of model.graph.nodes) for (const i of n.inputs) assert.ok(produced.has(i), `${n.name} reads ${i} which nothing produces`);
  });

  it('maps ReLU negative_slope / threshold / max_value and LeakyReLU negative_slope to their activations', () => {
    assert.deepEqual(activationOf(node('relu_leaky')), { op: 'LeakyRelu', family: 'relu-variant', params: { alpha: 0.1 }, fused: false });
    assert.deepEqual(activationOf(node('relu_thr')), { op: 'ThresholdedRelu', family: 'relu-variant', params: { alpha: 0.5 }, fused: false });
    assert.deepEqual(activationOf(node('relu_cap')), { op: 'Relu6', family: 'relu', params: { max: 6 }, fused: false });
    assert.deepEqual(activationOf(node('leaky'))?.params, { alpha: 0.2 });
    assert.equal(activationOf(node('act'))?.op, 'Gelu');
    assert.equal(activationOf(node('dense'))?.op, 'Relu');
    assert.equal(activationOf(node('dense'))?.fused, true);
    assert.equal(activationOf(node('shared')), undefined, 'linear is no activation');
    assert.equal(activationOf(node('head'))?.op, 'Sigmoid');
  });

  it('opens the nested Sequential as a subgraph whose explicit InputLayer is its first layer, as tfjs counts it', () => {
    const attr = node('seq').attributes.find((a) => a.name === 'model');
    assert.equal(attr?.value.type, 'graph');
    const inner = (attr!.value as { value: Graph }).value;
    assert.deepEqual(inner.nodes.map((n) => n.name), ['seq_input', 'seq_dense']);
    assert.deepEqual(inner.nodes[1].inputs, inner.nodes[0].outputs);
    assert.deepEqual(inner.inputs, [{ name: 'seq_input', dtype: 'float', shape: [null, 3] }]);
    assert.equal(activationOf(inner.nodes[1])?.op, 'Softmax');
    assert.deepEqual(node('seq').weights?.sort(), ['seq_dense/bias', 'seq_dense/kernel']);
  });

  it('reads the weights it names', async () => {
    const kernel = model.graph.initializers.find((t) => t.name === 'dense/kernel')!;
    const values: number[] = [];
    for await (const c of kernel.values()) values.push(...c);
    assert.deepEqual(values, Array.from({ length: 12 }, (_, k) => ((k % 7) - 3) / 4));
  });
});
