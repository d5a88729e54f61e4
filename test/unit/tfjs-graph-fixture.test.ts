// A graph-model with the parts the npm models lack: library functions (While cond/body, a called
// function), inline Const tensors (floatVal, intVal, tensorContent), a multi-output op referenced
// as "split:1", control inputs, fused LeakyRelu with leakyrelu_alpha, and a float16 weight.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { activationOf } from '../../src/analysis/activations';
import { summarize } from '../../src/analysis/summary';
import { loadModel } from '../../src/formats/load';
import type { Model, Node, Tensor } from '../../src/core/model';
import { runCli } from '../support/cli';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'tfjs', 'graph-control-flow', 'model.json');

async function read(t: Tensor): Promise<number[]> {
  const out: number[] = [];
  for await (const c of t.values()) out.push(...c);
  return out;
}

describe('TF.js graph-model with control flow, inline constants and functions', () => {
  let model: Model;
  before(async () => {
    model = await loadModel(FIXTURE);
  });
  const node = (name: string): Node => model.graph.nodes.find((n) => n.name === name)!;
  const attr = (n: Node, name: string) => n.attributes.find((a) => a.name === name)?.value;

  it('summarises nodes, functions, parameters, producer and metadata', () => {
    const s = summarize(model);
    assert.equal(s.format, 'tfjs-graph');
    assert.equal(s.nodeCount, 15);
    assert.equal(s.nodeCountAll, 15 + 2 + 3 + 2);
    assert.deepEqual(s.functions, ['loop_cond_10', 'loop_body_11', 'scaled_relu_12']);
    assert.equal(s.parameters, 20);
    assert.equal(s.producer, 'TensorFlow');
    assert.equal(s.producerVersion, '2.15.0');
    assert.equal(s.metadata.task, 'fixture');
    assert.equal(s.metadata.labels, '["a","b"]');
    assert.equal(s.metadata.graphDefVersion, '1645');
    assert.deepEqual(s.outputs.map((o) => o.name), ['Identity', 'Identity_1']);
    assert.deepEqual(s.inputs, [{ name: 'x', dtype: 'float', shape: [null, 4] }]);
  });

  it('names multi-output tensors as TF does and keeps control inputs out of the data edges', () => {
    assert.deepEqual(node('split').outputs, ['split', 'split:1']);
    assert.deepEqual(node('loop').inputs, ['split:1', 'two']);
    assert.deepEqual(node('gate').inputs, []);
    assert.deepEqual(attr(node('gate'), 'control_inputs'), { type: 'strings', value: ['loop'] });
    assert.deepEqual(node('call').inputs, ['split']);
    const produced = new Set(model.graph.nodes.flatMap((n) => n.outputs));
    for (const n of model.graph.nodes) for (const i of n.inputs) assert.ok(produced.has(i), `${n.name} reads ${i}`);
  });

  it('decodes function attributes, type lists and shape lists', () => {
    assert.deepEqual(attr(node('loop'), 'body'), { type: 'string', value: 'loop_body_11' });
    assert.deepEqual(attr(node('loop'), 'cond'), { type: 'string', value: 'loop_cond_10' });
    assert.deepEqual(attr(node('loop'), 'T'), { type: 'strings', value: ['DT_FLOAT', 'DT_FLOAT'] });
    assert.deepEqual(attr(node('loop'), 'output_shapes'), { type: 'json', value: [[-1, 2], []].map((s) => s.map((d) => (d < 0 ? null : d))) });
    assert.deepEqual(attr(node('call'), 'f'), { type: 'string', value: 'scaled_relu_12' });
    assert.deepEqual(attr(node('dense'), 'transpose_a'), { type: 'json', value: false });
    assert.deepEqual(attr(node('split'), 'num_split'), { type: 'int', value: 2 });
  });

  it('reads inline Const values (floatVal, intVal, tensorContent) without weight shards', async () => {
    const two = attr(node('two'), 'value');
    assert.equal(two?.type, 'tensor');
    const t2 = (two as { value: Tensor }).value;
    assert.equal(t2.location, 'inline');
    assert.equal(t2.scalarValue, 2);
    assert.deepEqual(await read((attr(node('limits'), 'value') as { value: Tensor }).value), [0.5, 1.5, -3]);
    assert.equal((attr(node('split/dim'), 'value') as { value: Tensor }).value.scalarValue, 1);
    // Inline constants are values in the graph, not weights: parameters count the manifest only.
    assert.deepEqual(model.graph.initializers.map((t) => t.name), ['kernel', 'bias']);
  });

  it('Const nodes whose values moved to the shards hold the shard tensor; float16 is dequantized', async () => {
    const kernel = (attr(node('kernel'), 'value') as { value: Tensor }).value;
    assert.equal(kernel.location, 'shard');
    assert.deepEqual(await read(kernel), Array.from({ length: 16 }, (_, i) => (i - 8) / 8));
    assert.deepEqual(await read(model.graph.initializers[1]), [1, -1, 0.5, 0]);
    assert.deepEqual(node('dense').weights, ['kernel', 'bias']);
  });

  it('surfaces the fused LeakyRelu with its alpha and the standalone Relu6 and Selu', () => {
    assert.deepEqual(activationOf(node('dense')), { op: 'LeakyRelu', family: 'relu-variant', params: { alpha: 0.15 }, fused: true });
    assert.deepEqual(activationOf(node('act')), { op: 'Relu6', family: 'relu', params: { max: 6 }, fused: false });
    assert.equal(activationOf(node('sel'))?.op, 'Selu');
    assert.deepEqual(summarize(model).activations.map((a) => a.node), ['dense', 'act', 'sel']);
  });

  it('inspect --json prints the same summary from the command line', () => {
    const r = runCli(['inspect', '--json', FIXTURE]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.format, 'tfjs-graph');
    assert.equal(s.nodeCount, 15);
    assert.equal(s.parameters, 20);
    assert.deepEqual(s.activations, [
      { node: 'dense', op: '_FusedMatMul', activation: 'LeakyRelu' },
      { node: 'act', op: 'Relu6', activation: 'Relu6' },
      { node: 'sel', op: 'Selu', activation: 'Selu' },
    ]);
  });

  it('builds functions whose node edges connect to their arguments and to each other', () => {
    for (const f of model.functions) {
      const produced = new Set([...f.inputs, ...f.nodes.flatMap((n) => n.outputs)]);
      for (const n of f.nodes) for (const i of n.inputs) assert.ok(produced.has(i), `${f.name}: ${n.name} reads ${i}`);
      for (const o of f.outputs) assert.ok(produced.has(o), `${f.name}: output ${o}`);
    }
    const body = model.functions.find((f) => f.name === 'loop_body_11')!;
    assert.deepEqual(body.inputs, ['v', 'k']);
    assert.deepEqual(body.outputs, ['mul:z:0', 'inc:z:0']);
    const relu = model.functions.find((f) => f.name === 'scaled_relu_12')!;
    assert.deepEqual(relu.attributes, ['T']);
    assert.equal(activationOf(relu.nodes[0])?.op, 'Relu');
  });
});
