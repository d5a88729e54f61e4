import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../src/formats/load';
import { buildViewerGraph } from '../../src/extension/viewerGraph';
import type { GraphInfo, NodeInfo } from '../../src/protocol';
import { CompoundLayout, layoutRequest, type CompoundResult } from '../../media/compoundLayout';
import { chunkBounds, CHUNK_MAX, FIRST_PICTURE_BUDGET, GraphModel, kerasScope, MAX_READERS, MAX_SCOPE_DEPTH, type VisibleGraph } from '../../media/graphModel';
import { boxContent, frameLabel, frameLabelRect, frameLabelWidth, modelBoxContext } from '../../media/boxes';
import { layoutViolations, type DrawnBox, type DrawnFrame } from '../support/overlaps';

const FIXTURES = path.resolve(__dirname, '../fixtures/onnx');
const TRANSFORMER = path.join(FIXTURES, 'torch_transformer_encoder.onnx');
const RESNET = path.join(FIXTURES, 'torch_resnet18_bn.onnx');

async function modelOf(file: string): Promise<GraphModel> {
  return new GraphModel(buildViewerGraph(await loadModel(file)).graph);
}

/** Lays out what is visible with the given clusters open, as the webview does. */
function lay(gm: GraphModel, open: (key: string) => boolean, engine = new CompoundLayout(), direction: 'TB' | 'LR' = 'TB'): { vg: VisibleGraph; r: CompoundResult; boxes: { w: number; h: number }[] } {
  const vg = gm.visible({ isOpen: (c) => open(c.key), showFolded: false, revealed: new Set() });
  const ctx = modelBoxContext(gm, { showNames: true, isOpen: open });
  const boxes = vg.items.map((it, i) => boxContent(it, ctx, { reads: vg.refs.get(i), readers: vg.fanOut.get(i) }));
  const r = engine.run(layoutRequest(gm, vg, boxes, { model: 1, direction, frameWidth: frameLabelWidth }));
  return { vg, r, boxes };
}

function drawn(vg: VisibleGraph, r: CompoundResult, boxes: { w: number; h: number }[]): { boxes: DrawnBox[]; frames: DrawnFrame[] } {
  const key = (c: number) => (c === 0 ? '' : vg.frames.find((f) => f.index === c)!.key);
  return {
    boxes: vg.items.map((it, i) => ({ id: it.id, frame: key(it.frame), r: { x: r.x[i] - boxes[i].w / 2, y: r.y[i] - boxes[i].h / 2, w: boxes[i].w, h: boxes[i].h } })),
    frames: vg.frames.map((c, k) => {
      const f = { x: r.frames[4 * (k + 1)], y: r.frames[4 * (k + 1) + 1], w: r.frames[4 * (k + 1) + 2], h: r.frames[4 * (k + 1) + 3] };
      return { key: c.key, parent: key(c.parent), r: f, label: frameLabelRect({ ...f, text: frameLabel(c) }) };
    }),
  };
}

describe('viewer clusters (media/graphModel.ts)', () => {
  it('opens the transformer export on its encoder layers and their blocks: no folded op, within the box budget', async () => {
    const gm = await modelOf(TRANSFORMER);
    const vg = gm.visible({ isOpen: (c) => gm.isOpen(c.key, new Set(), new Set()), showFolded: false, revealed: new Set() });
    assert.ok(vg.items.length <= FIRST_PICTURE_BUDGET, `${vg.items.length} boxes`);
    for (const it of vg.items) if (it.flat?.node) assert.equal(it.flat.fold, 0, `${it.id} is folded`);
    // every one of the 12 layers is open (they open together or not at all), showing its blocks
    const frames = vg.frames.map((c) => c.key);
    for (let l = 0; l < 12; l++) assert.ok(frames.includes(`encoder/layers.${l}`), `layers.${l} is not open`);
    const blocks = vg.items.filter((it) => it.kind === 'group').map((it) => it.container!.key);
    for (const b of ['self_attn', 'norm1', 'norm2', 'linear1', 'linear2']) assert.ok(blocks.includes(`encoder/layers.7/${b}`), `no ${b} box`);
    assert.ok(!vg.items.some((it) => it.flat?.node && /^(Identity|Constant|Shape)$/.test(it.flat.node.op)));
  });

  it('splits a level with more children than CHUNK_MAX where the fewest tensors cross', () => {
    // a residual chain: conv → relu → conv → add(skip) → relu, 5 nodes per block
    const pairs: number[] = [];
    for (let b = 0; b < 40; b++) {
      const o = 5 * b;
      pairs.push(o, o + 1, o + 1, o + 2, o + 2, o + 3, o + 3, o + 4);
      if (b) pairs.push(o - 1, o, o - 1, o + 3); // previous block's output feeds conv1 and the skip
    }
    const bounds = chunkBounds(200, pairs, 40);
    assert.equal(bounds[0], 0);
    assert.equal(bounds[bounds.length - 1], 200);
    for (let k = 1; k + 1 < bounds.length; k++) {
      assert.equal(bounds[k] % 5, 4, `chunk boundary ${bounds[k]} is inside a block (not after its Add)`);
      assert.ok(bounds[k] - bounds[k - 1] <= 40 && bounds[k] - bounds[k - 1] >= 20);
    }
  });

  it('gives a flat 5,000-node graph levels of at most CHUNK_MAX children and a first picture within budget', () => {
    const nodes: NodeInfo[] = [];
    for (let i = 0; i < 5000; i++) {
      nodes.push({ id: `n${i}`, name: `n${i}`, op: i % 2 ? 'Relu' : 'Conv', domain: '', category: 'linear', inputs: [{ name: i ? `t${i - 1}` : 'x' }], outputs: [{ name: `t${i}` }], weights: [], attributes: [], subgraphs: [], parameters: 0 });
    }
    const g: GraphInfo = { name: 'flat', inputs: [{ name: 'x' }], outputs: [{ name: 't4999' }], nodes };
    const gm = new GraphModel(g);
    for (const c of gm.clusters) assert.ok(c.items.length + c.clusters.length <= CHUNK_MAX + 2, `${c.key} has ${c.items.length + c.clusters.length} children`);
    const vg = gm.visible({ isOpen: (c) => gm.isOpen(c.key, new Set(), new Set()), showFolded: false, revealed: new Set() });
    assert.ok(vg.items.length <= FIRST_PICTURE_BUDGET && vg.items.length > 3);
    // every node is reachable: each sits in exactly one chunk chain under the model
    assert.equal(gm.clusters[0].size, 5000);
  });

  it('groups hostile scope names (6,000 nodes, each in its own 300-level scope) in well under a second, nesting at most MAX_SCOPE_DEPTH levels', () => {
    const nodes: NodeInfo[] = [];
    for (let i = 0; i < 6000; i++) {
      const name = `/x${i % 3000}/${'a/'.repeat(300)}${i}/Relu`;
      nodes.push({ id: name, name, op: 'Relu', domain: '', category: 'relu', inputs: [{ name: i ? `t${i - 1}` : 'x' }], outputs: [{ name: `t${i}` }], weights: [], attributes: [], subgraphs: [], parameters: 0 });
    }
    const t = performance.now();
    const gm = new GraphModel({ name: 'deep', inputs: [{ name: 'x' }], outputs: [{ name: 't5999' }], nodes });
    const ms = performance.now() - t;
    assert.ok(ms < 1000, `grouping took ${Math.round(ms)} ms`);
    assert.ok(Math.max(...gm.clusters.map((c) => c.key.split('/').length)) <= MAX_SCOPE_DEPTH);
    // nodes sharing the first levels (x0 … x2999, two nodes each) are still grouped
    assert.ok(gm.containers.has('x7'));
  });
});

describe('viewer edges of tensors with very many readers', () => {
  const chain = (readers: number): GraphInfo => {
    const nodes: NodeInfo[] = [];
    for (let i = 0; i < 30; i++) {
      const inputs = [{ name: i ? `h${i - 1}` : 'x' }, ...(i < readers ? [{ name: 'mask' }] : [])];
      nodes.push({ id: `add${i}`, name: `add${i}`, op: 'Add', domain: '', category: 'math', inputs, outputs: [{ name: `h${i}` }], weights: [], attributes: [], subgraphs: [], parameters: 0 });
    }
    return { name: 'g', inputs: [{ name: 'x' }, { name: 'mask' }], outputs: [{ name: 'h29' }], nodes };
  };
  const visible = (g: GraphInfo) => {
    const gm = new GraphModel(g);
    return gm.visible({ isOpen: () => true, showFolded: false, revealed: new Set() });
  };

  it(`draws up to ${MAX_READERS} readers as edges`, () => {
    const vg = visible(chain(MAX_READERS));
    const mask = vg.items.findIndex((it) => it.id === 'input:mask');
    assert.equal(vg.edges.filter((e) => e.s === mask).length, MAX_READERS);
    assert.equal(vg.refs.size, 0);
  });

  it('names a tensor read by more boxes on each reader instead of drawing an edge to each', () => {
    const vg = visible(chain(20));
    const mask = vg.items.findIndex((it) => it.id === 'input:mask');
    assert.equal(vg.edges.filter((e) => e.s === mask).length, 0);
    assert.equal(vg.fanOut.get(mask), 20);
    const add3 = vg.items.findIndex((it) => it.id === 'add3');
    assert.deepEqual(vg.refs.get(add3), ['mask']);
    // the chain itself is still drawn
    assert.equal(vg.edges.filter((e) => e.t === add3).length, 1);
  });
});

describe('viewer clusters from Keras layer names (TF.js layers-models)', () => {
  it('reads the scopes Keras applications put in layer names, and none from default names', () => {
    assert.equal(kerasScope('block1_conv1'), 'block1');
    assert.equal(kerasScope('conv2_block1_1_conv'), 'conv2/conv2_block1/conv2_block1_1');
    assert.equal(kerasScope('conv2_block1_add'), 'conv2/conv2_block1');
    assert.equal(kerasScope('block_1_expand_relu'), 'block_1');
    assert.equal(kerasScope('block1a_se_squeeze'), 'block1a');
    for (const plain of ['dense_3', 'dense', 'conv2d_5', 'max_pooling2d_1', 'batch_normalization_12', 'global_average_pooling2d', 'input_1']) assert.equal(kerasScope(plain), '', plain);
  });

  it('groups a ResNet50-style layers-model into stages and blocks', () => {
    const names = ['conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool'];
    for (const stage of [2, 3])
      for (const block of [1, 2, 3])
        for (const part of ['1_conv', '1_bn', '1_relu', '2_conv', '2_bn', '2_relu', '3_conv', '3_bn', 'add', 'out']) names.push(`conv${stage}_block${block}_${part}`);
    names.push('avg_pool', 'predictions');
    const nodes: NodeInfo[] = names.map((name, i) => ({ id: name, name, op: 'Conv2D', domain: '', category: 'linear', inputs: [{ name: i ? `${names[i - 1]}/0/0` : 'x' }], outputs: [{ name: `${name}/0/0` }], weights: [], attributes: [], subgraphs: [], parameters: 0 }));
    const g: GraphInfo = { name: 'resnet50', inputs: [{ name: 'x' }], outputs: [{ name: `${names[names.length - 1]}/0/0` }], nodes };
    const keras = new GraphModel(g, { keras: true });
    const keys = keras.clusters.filter((c) => c.kind === 'group').map((c) => c.key);
    for (const k of ['conv1', 'conv2', 'conv2/conv2_block1', 'conv2/conv2_block1/conv2_block1_1', 'conv3/conv3_block3']) assert.ok(keys.includes(k), `no ${k} in ${keys.join(', ')}`);
    assert.equal(keras.clusters.find((c) => c.key === 'conv2/conv2_block2')!.short, 'conv2_block2');
    // ONNX names are not read this way: the same names from another format stay flat
    assert.equal(new GraphModel(g).clusters.filter((c) => c.kind === 'group').length, 0);
  });
});

describe('viewer cluster layout (media/compoundLayout.ts)', () => {
  it('ResNet-18 export, every scope open: no box or frame overlaps another, no label overlaps anything (top-down and left-right)', async () => {
    const gm = await modelOf(RESNET);
    for (const dir of ['TB', 'LR'] as const) {
      const { vg, r, boxes } = lay(gm, () => true, new CompoundLayout(), dir);
      assert.ok(vg.frames.length >= 12, `${vg.frames.length} frames`);
      const d = drawn(vg, r, boxes);
      assert.deepEqual(layoutViolations(d.boxes, d.frames), [], dir);
      assert.ok(!vg.items.some((it) => it.flat?.node?.op === 'Identity'));
    }
  });

  it('transformer export, every cluster open (12 layers × 5 blocks): no overlaps', async () => {
    const gm = await modelOf(TRANSFORMER);
    const { vg, r, boxes } = lay(gm, () => true);
    assert.ok(vg.frames.length > 60);
    const d = drawn(vg, r, boxes);
    assert.deepEqual(layoutViolations(d.boxes, d.frames), []);
  });

  it('opening a cluster lays out only that cluster and the clusters around it; the others keep their layout', async () => {
    const gm = await modelOf(TRANSFORMER);
    const engine = new CompoundLayout();
    const open = new Set<string>();
    const isOpen = (k: string) => open.has(k) || gm.isOpen(k, new Set(), new Set());
    const before = lay(gm, isOpen, engine);
    assert.equal(before.r.relaid, before.r.levels, 'the first layout computes every cluster');
    open.add('encoder/layers.5/self_attn');
    const after = lay(gm, isOpen, engine);
    // self_attn, layers.5, encoder and the model: four clusters, of 14
    assert.equal(after.r.relaid, 4);
    assert.equal(after.r.levels, before.r.levels + 1);
    // a box of another layer sits at the same place within its layer's frame
    const rel = (x: typeof before, id: string) => {
      const i = x.vg.items.findIndex((it) => it.id === id);
      const k = x.vg.frames.findIndex((c) => c.key === 'encoder/layers.9');
      return [x.r.x[i] - x.r.frames[4 * (k + 1)], x.r.y[i] - x.r.frames[4 * (k + 1) + 1]];
    };
    assert.deepEqual(rel(after, 'group:encoder/layers.9/norm1'), rel(before, 'group:encoder/layers.9/norm1'));
    const d = drawn(after.vg, after.r, after.boxes);
    assert.deepEqual(layoutViolations(d.boxes, d.frames), []);
  });
});
