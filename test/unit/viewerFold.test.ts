import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../src/formats/load';
import type { Model } from '../../src/core/model';
import { buildViewerGraph } from '../../src/extension/viewerGraph';
import { FOLD_NONE, FOLD_SHAPE, FOLD_WEIGHT } from '../../media/fold';
import { GraphModel } from '../../media/graphModel';
import { floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';
import { dataNodes } from '../support/dataFlow';

const FIXTURES = path.resolve(__dirname, '../fixtures/onnx');
const TRANSFORMER = path.join(FIXTURES, 'torch_transformer_encoder.onnx');
const RESNET = path.join(FIXTURES, 'torch_resnet18_bn.onnx');

async function folded(file: string): Promise<{ model: Model; gm: GraphModel; foldedNames: Set<string> }> {
  const model = await loadModel(file);
  const gm = new GraphModel(buildViewerGraph(model).graph);
  const foldedNames = new Set(gm.items.filter((it) => it.node && it.fold !== FOLD_NONE).map((it) => it.node!.name));
  return { model, gm, foldedNames };
}

describe('viewer folding on real torch exports (media/fold.ts)', () => {
  it('ResNet-18 with BatchNorm: folds exactly the 72 Identity copies of BatchNorm parameters, as weights of their BatchNormalization', async () => {
    const { model, gm, foldedNames } = await folded(RESNET);
    const identities = model.graph.nodes.filter((n) => n.opType === 'Identity').map((n) => n.name);
    assert.equal(identities.length, 72);
    assert.deepEqual([...foldedNames].sort(), identities.sort());
    for (const it of gm.items) {
      if (it.fold === FOLD_NONE) continue;
      assert.equal(it.fold, FOLD_WEIGHT);
      assert.equal(gm.items[it.anchor].node!.op, 'BatchNormalization');
    }
    // the BatchNorm of layer1.0 shows its four parameters, two of them read through Identity copies
    const bn = gm.byId.get('/layer1/layer1.0/bn1/BatchNormalization')!;
    const weights = gm.foldedWeights(bn.index);
    assert.deepEqual(weights.map((w) => [w.tensor, w.shape]).sort(), [
      ['layer1.0.bn1.bias', [8]],
      ['layer1.0.bn1.running_mean', [8]],
      ['layer1.0.bn1.running_var', [8]],
      ['layer1.0.bn1.weight', [8]],
    ]);
    assert.equal(gm.nodeParameters(bn.index), 32);
  });

  it('transformer encoder: folds every node that does not compute on the data, and none that does', async () => {
    const { model, gm, foldedNames } = await folded(TRANSFORMER);
    const data = dataNodes(model);
    for (const n of model.graph.nodes) {
      if (data.has(n.name)) assert.ok(!foldedNames.has(n.name), `${n.opType} ${n.name} computes on the data but is folded`);
      else assert.ok(foldedNames.has(n.name), `${n.opType} ${n.name} does not compute on the data but is drawn`);
    }
    const ops = (names: Set<string>) => new Set(model.graph.nodes.filter((n) => names.has(n.name)).map((n) => n.opType));
    for (const op of ['Identity', 'Constant', 'Shape']) assert.ok(ops(foldedNames).has(op));
    assert.ok(!model.graph.nodes.some((n) => (n.opType === 'Identity' || n.opType === 'Constant' || n.opType === 'Shape') && data.has(n.name)));
    assert.equal(gm.foldedCount, foldedNames.size);
    assert.ok(foldedNames.size > 1000, `${foldedNames.size} folded of ${model.graph.nodes.length}`);
  });

  it('transformer encoder: the Shape → Gather → Unsqueeze → Concat arithmetic is one shape-computation chip on the Reshape it sizes', async () => {
    const { gm } = await folded(TRANSFORMER);
    const reshape = gm.byId.get('/encoder/layers.1/self_attn/Reshape')!;
    const chip = gm.shapeComputation(reshape.index).map((i) => gm.items[i].node!);
    const ops = new Set(chip.map((n) => n.op));
    for (const op of ['Shape', 'Gather', 'Unsqueeze', 'Concat']) assert.ok(ops.has(op), `no ${op} in ${[...ops].join(', ')}`);
    for (const n of chip) assert.notEqual(gm.byId.get(n.id)!.fold, FOLD_NONE);
    assert.ok(chip.some((n) => gm.byId.get(n.id)!.fold === FOLD_SHAPE));
    // its data input stays an edge: the Slice of the projected q/k/v
    assert.ok(gm.producers(reshape.index).some((p) => gm.items[p.item].node?.op === 'Slice' && gm.items[p.item].fold === FOLD_NONE));
    // the weight copies of every layer land on the layer's own MatMul/Gemm/Add/Mul boxes
    const identity = gm.items.find((it) => it.node?.op === 'Identity' && it.node.outputs[0].name === 'encoder.layers.3.norm2.bias')!;
    assert.equal(identity.fold, FOLD_WEIGHT);
    assert.equal(gm.items[identity.anchor].node!.name, '/encoder/layers.3/norm2/Add_1');
  });

  it('keeps as boxes: a constant that is a graph output, random ops, and anything fed by data; folds Cast/DequantizeLinear of weights', async () => {
    const dir = tmpDir();
    const file = writeModel(dir, 'fold.onnx', {
      inputs: [valueInfo('x', 1, [1, 4])],
      outputs: [valueInfo('y', 1, [1, 4]), valueInfo('c_out', 1, [4])],
      initializers: [floatTensor('w', [4, 4], Array(16).fill(0.5)), floatTensor('scale', [], [0.1]), floatTensor('b', [4], [0, 0, 0, 0])],
      nodes: [
        { name: 'cast_w', opType: 'Cast', input: ['w'], output: ['w16'], attribute: [{ name: 'to', type: 2, i: 1 }] },
        { name: 'deq', opType: 'DequantizeLinear', input: ['w16', 'scale'], output: ['wq'] },
        { name: 'mm', opType: 'MatMul', input: ['x', 'wq'], output: ['h'] },
        { name: 'noise', opType: 'RandomNormal', input: [], output: ['n'], attribute: [{ name: 'shape', type: 7, ints: [1, 4] }] },
        { name: 'add_noise', opType: 'Add', input: ['h', 'n'], output: ['h2'] },
        { name: 'bias_copy', opType: 'Identity', input: ['b'], output: ['b2'] },
        { name: 'add_bias', opType: 'Add', input: ['h2', 'b2'], output: ['y'] },
        { name: 'const_out', opType: 'Constant', input: [], output: ['c_out'], attribute: [{ name: 'value', type: 4, t: floatTensor('', [4], [1, 2, 3, 4]) }] },
      ],
    });
    const { gm, foldedNames } = await folded(file);
    assert.deepEqual([...foldedNames].sort(), ['bias_copy', 'cast_w', 'deq']);
    assert.equal(gm.items[gm.byId.get('cast_w')!.anchor].id, 'mm');
    // the MatMul shows the dequantized weight with the shape of the weight it is made from
    assert.deepEqual(gm.foldedWeights(gm.byId.get('mm')!.index).map((w) => [w.tensor, w.shape]), [['wq', [4, 4]]]);
    assert.deepEqual(gm.foldedWeights(gm.byId.get('add_bias')!.index).map((w) => [w.tensor, w.shape]), [['b2', [4]]]);
  });
});
