// The inferred layer output shapes where users see them: `inspect` (JSON and text) and the viewer's
// graph (edge labels and the layer table read the ValueRefs of node inputs and outputs).
import * as assert from 'node:assert/strict';
import { buildViewerGraph } from '../../src/extension/viewerGraph';
import { loadModel } from '../../src/formats/load';
import type { GraphInfo, NodeInfo } from '../../src/protocol';
import { runCli } from '../support/cli';
import { tfjsLoad } from '../support/tfjsShapeTruth';
import { saveLayersModel, tempDir, tf } from '../support/tfjsFixtures';

type Sym = tf.SymbolicTensor;
const L = tf.layers;

async function multiModel(): Promise<string> {
  const img = tf.input({ shape: [16, 16, 3], name: 'img' });
  const meta = tf.input({ shape: [4], name: 'meta' });
  const features = tf.sequential({
    name: 'features',
    layers: [
      L.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv' }),
      L.maxPooling2d({ poolSize: 2, name: 'pool' }),
      L.flatten({ name: 'flat' }),
    ],
  });
  const f = features.apply(img) as Sym;
  const m = L.dense({ units: 6, activation: 'relu', name: 'meta_dense' }).apply(meta) as Sym;
  const joined = L.concatenate({ name: 'joined' }).apply([f, m]) as Sym;
  const logits = L.dense({ units: 5, name: 'dense_3' }).apply(joined) as Sym;
  const aux = L.reshape({ targetShape: [2, 3], name: 'aux' }).apply(m) as Sym;
  const model = tf.model({ inputs: [img, meta], outputs: [logits, aux], name: 'two_heads' });
  return (await saveLayersModel(model, tempDir())).modelJson;
}

describe('TF.js layer output shapes in inspect and the viewer', () => {
  let file: string;
  let reference: tf.LayersModel;
  before(async () => {
    file = await multiModel();
    reference = await tfjsLoad(file);
  });

  it("inspect --json gives each output the shape tf.loadLayersModel's outputs[i].shape reports", () => {
    const r = runCli(['inspect', '--json', file]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(
      s.outputs.map((o: { shape: unknown }) => o.shape),
      reference.outputs.map((t) => t.shape),
    );
    assert.deepEqual(s.outputs[0], { name: 'dense_3/0/0', dtype: 'float', shape: [null, 5] });
  });

  it('inspect prints the output shapes with ? for the unknown batch', () => {
    const r = runCli(['inspect', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dense_3\/0\/0 {2}float \[\?, 5\]/);
    assert.match(r.stdout, /aux\/0\/0 {2}float \[\?, 2, 3\]/);
  });

  it('the viewer graph carries every layer output shape on node outputs, edge inputs and graph outputs, nested model included', async () => {
    const { graph } = buildViewerGraph(await loadModel(file));
    const byName = (g: GraphInfo, name: string): NodeInfo => g.nodes.find((n) => n.name === name)!;
    for (const layer of reference.layers) {
      const node = byName(graph, layer.name);
      layer.inboundNodes.forEach((call, k) => {
        call.outputTensors.forEach((t, i) => {
          const out = node.outputs.find((o) => o.name === `${layer.name}/${k}/${i}`);
          if (out) assert.deepEqual(out.shape, t.shape, `${out.name} in the table`);
        });
      });
    }
    // Edges are drawn from the consumers' input refs: they carry the same shapes.
    assert.deepEqual(byName(graph, 'joined').inputs.map((v) => v.shape), [[null, 128], [null, 6]]);
    assert.deepEqual(graph.outputs.map((v) => v.shape), [[null, 5], [null, 2, 3]]);
    const inner = byName(graph, 'features').subgraphs[0].graph;
    const innerRef = reference.getLayer('features') as tf.Sequential;
    assert.deepEqual(
      inner.nodes.filter((n) => n.op !== 'InputLayer').map((n) => n.outputs[0].shape),
      innerRef.layers.map((l) => l.outputShape),
    );
  });
});
