import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../src/formats/load';
import type { Model, Node } from '../../src/core/model';
import { attributeText, buildViewerGraph, categoryOf, ViewerSession } from '../../src/extension/viewerGraph';
import { viewerCsp, viewerPage } from '../../src/extension/viewerHtml';
import { decodeGraph, encodeGraph, type GraphInfo, type HostMessage, type NodeInfo, type ValueRef } from '../../src/protocol';

const FIXTURES = path.resolve(__dirname, '../fixtures/onnx');
const CONVNET = path.join(FIXTURES, 'viewer_convnet.onnx');
const IF_MODEL = path.join(FIXTURES, 'viewer_if.onnx');

describe('viewer graph built by the host', () => {
  it('describes every node with its op, category, activation, typed inputs/outputs and weights', async () => {
    const { graph, model } = buildViewerGraph(await loadModel(CONVNET));
    assert.equal(graph.nodes.length, 10);
    const conv = graph.nodes.find((n) => n.name === '/conv1/Conv')!;
    assert.equal(conv.category, 'linear');
    assert.deepEqual(conv.inputs.map((v) => v.name), ['input', 'conv1.weight', 'conv1.bias']);
    assert.deepEqual(conv.outputs[0], { name: 'conv1_out', dtype: 'float', shape: ['N', 8, 16, 16] });
    assert.deepEqual(conv.weights.map((w) => [w.name, w.shape, w.elementCount]), [['conv1.weight', [8, 3, 3, 3], 216], ['conv1.bias', [8], 8]]);
    assert.equal(conv.parameters, 224);
    assert.deepEqual(conv.attributes.find((a) => a.name === 'pads'), { name: 'pads', type: 'ints', value: '[1, 1, 1, 1]' });
    const relu = graph.nodes.find((n) => n.op === 'Relu')!;
    assert.equal(relu.category, 'relu');
    assert.deepEqual(relu.activation, { op: 'Relu', family: 'relu', fused: false, relu: true });
    const softmax = graph.nodes.find((n) => n.op === 'Softmax')!;
    assert.equal(softmax.category, 'activation');
    assert.equal(softmax.activation?.relu, false);
    assert.equal(model.parameters, 2132);
    assert.equal(model.nodeCount, 10);
  });

  it('nests If branches as subgraphs with ids unique over the whole model', async () => {
    const { graph } = buildViewerGraph(await loadModel(IF_MODEL));
    const branch = graph.nodes.find((n) => n.op === 'If')!;
    assert.equal(branch.category, 'control');
    assert.deepEqual(branch.subgraphs.map((s) => s.attribute).sort(), ['else_branch', 'then_branch']);
    const ids: string[] = [];
    const walk = (nodes: typeof graph.nodes) => nodes.forEach((n) => (ids.push(n.id), n.subgraphs.forEach((s) => walk(s.graph.nodes))));
    walk(graph.nodes);
    assert.equal(ids.length, 6);
    assert.equal(new Set(ids).size, 6);
    assert.match(branch.attributes.find((a) => a.name === 'then_branch')!.value, /graph then_body: 1 nodes/);
  });

  it('gives each call of a model-local function its body, with ids under the call', async () => {
    const { graph } = buildViewerGraph(await loadModel(path.join(FIXTURES, 'viewer_function.onnx')));
    assert.deepEqual(
      graph.nodes.map((n) => [n.id, n.subgraphs.map((s) => [s.attribute, s.graph.nodes.map((b) => `${b.id}:${b.op}`)])]),
      [
        ['first_call', [['function', ['first_call/Constant_0:Constant', 'first_call/Relu_1:Relu', 'first_call/Mul_2:Mul']]]],
        ['second_call', [['function', ['second_call/Constant_0:Constant', 'second_call/Relu_1:Relu', 'second_call/Mul_2:Mul']]]],
      ],
    );
  });

  it('sends the graph in a compact form that decodes to exactly the same graph and is smaller', async () => {
    const { graph } = buildViewerGraph(await loadModel(IF_MODEL));
    assert.deepEqual(decodeGraph(JSON.parse(JSON.stringify(encodeGraph(graph)))), graph);
    const conv = buildViewerGraph(await loadModel(CONVNET)).graph;
    assert.deepEqual(decodeGraph(JSON.parse(JSON.stringify(encodeGraph(conv)))), conv);
    assert.ok(JSON.stringify(encodeGraph(conv)).length < JSON.stringify(conv).length * 0.7);
  });

  it('decodes every field of the compact form as it was: names apart from ids, domains, docs, bodies, odd strings', () => {
    const v = (name: string, extra: Partial<ValueRef> = {}): ValueRef => ({ name, ...extra });
    const x = v('x', { dtype: 'float', shape: ['N', 3, null] }), y = v('y😀', { dtype: 'float', shape: null }), z = v('z', {}), s = v('', { dtype: 'int64', shape: [] });
    const node = (id: string, extra: Partial<NodeInfo>): NodeInfo => ({ id, name: id, op: 'Relu', domain: '', category: 'relu', inputs: [x], outputs: [y], weights: [], attributes: [], subgraphs: [], parameters: 0, ...extra });
    const body: GraphInfo = { name: 'then', inputs: [], outputs: [z], nodes: [node('inner', { outputs: [z] })] };
    const g: GraphInfo = {
      name: 'g',
      inputs: [x],
      outputs: [y, s],
      nodes: [
        node('a', { name: '', domain: 'com.microsoft', activation: { op: 'Relu', family: 'relu', fused: false, relu: true } }),
        node('b#2', { name: 'b', op: 'If', category: 'control', docString: 'doc 😀 <b>', subgraphs: [{ attribute: 'then_branch', graph: body }], attributes: [{ name: 'axis', type: 'int', value: '-1' }] }),
        node('c', { op: 'Conv', category: 'linear', weights: [{ name: 'w', dtype: 'float', shape: [2, 3], elementCount: 6, byteSize: 24, location: 'inline' }, { name: 'w2', dtype: 'float', shape: [], elementCount: 1, location: 'external' }], parameters: 7, outputs: [s] }),
      ],
    };
    assert.deepEqual(decodeGraph(JSON.parse(JSON.stringify(encodeGraph(g)))), g);
  });

  it('colours fused activations as activations and plain ops by kind', () => {
    assert.equal(categoryOf('Conv'), 'linear');
    assert.equal(categoryOf('BatchNormalization'), 'normalization');
    assert.equal(categoryOf('MaxPool'), 'pooling');
    assert.equal(categoryOf('Transpose'), 'shape');
    assert.equal(categoryOf('FooBar'), 'other');
    assert.equal(categoryOf('Clip', { op: 'Relu6' }), 'relu');
    assert.equal(categoryOf('Gelu', { op: 'Gelu' }), 'activation');
    // a Conv with a fused ReLU stays a Conv (its box shows the fused activation)
    assert.equal(categoryOf('FusedConv', { op: 'Relu' }), 'linear');
  });

  it('summarises long attribute values instead of sending them whole', () => {
    const ints = attributeText({ name: 'x', value: { type: 'ints', value: Array.from({ length: 100 }, (_, i) => i) } });
    assert.match(ints, /… 84 more\]$/);
    const long = attributeText({ name: 's', value: { type: 'string', value: 'a'.repeat(5000) } });
    assert.ok(long.length < 300);
  });
});

describe('viewer session (the host side of the protocol)', () => {
  it('answers ready with the model, and weight statistics requests with statistics', async () => {
    const sent: HostMessage[] = [];
    const session = new ViewerSession(CONVNET, () => loadModel(CONVNET), (m) => void sent.push(m));
    await session.handle({ type: 'ready' });
    assert.deepEqual(sent.map((m) => m.type), ['loading', 'init']);
    await session.handle({ type: 'requestWeightStats', id: 7, tensor: 'fc.weight' });
    const reply = sent[2];
    assert.ok(reply.type === 'weightStats' && reply.id === 7 && reply.stats);
    assert.equal(reply.stats.count, 1280);
    assert.equal(reply.stats.histogram.counts.reduce((a, b) => a + b, 0), 1280);
    await session.handle({ type: 'requestWeightStats', id: 8, tensor: 'no-such-weight' });
    const missing = sent[3];
    assert.ok(missing.type === 'weightStats' && missing.id === 8 && /no weight named "no-such-weight"/.test(missing.error ?? ''));
  });

  it('replays findings and activation results after the webview reloads (hidden and shown again)', async () => {
    const sent: HostMessage[] = [];
    const session = new ViewerSession(CONVNET, () => loadModel(CONVNET), (m) => void sent.push(m));
    await session.handle({ type: 'ready' });
    session.send({ type: 'findings', findings: [{ node: '/relu1/Relu', severity: 'warning', message: 'dead' }] });
    session.send({ type: 'selectNode', node: '/relu1/Relu' });
    sent.length = 0;
    await session.handle({ type: 'ready' });
    assert.deepEqual(sent.map((m) => m.type), ['loading', 'init', 'findings']);
  });

  it("sends a large model's first picture, then holds the whole graph until VS Code has taken the picture", async () => {
    // 6,000 nodes in 60 scopes: over the preview threshold (5,000), so the host draws it first.
    const nodes: Node[] = [];
    for (let i = 0; i < 6000; i++) nodes.push({ name: `/block${Math.floor(i / 100)}/Relu_${i}`, opType: 'Relu', domain: '', inputs: [i ? `t${i - 1}` : 'x'], outputs: [`t${i}`], attributes: [] });
    const model: Model = {
      format: 'onnx', path: '/models/chain.onnx', producer: { name: 'test', version: '' }, opsets: { '': 17 }, metadata: {}, functions: [], warnings: [],
      graph: { name: 'chain', inputs: [{ name: 'x', dtype: 'float', shape: [1, 8] }], outputs: [{ name: 't5999', dtype: 'float', shape: [1, 8] }], valueInfo: [], nodes, initializers: [], sparseInitializers: [] },
    };
    const ackAfterMs = 150;
    const log: { type: string; at: number }[] = [];
    let previewTaken = Infinity;
    const t0 = performance.now();
    const session = new ViewerSession(model.path, async () => model, (m) => {
      log.push({ type: m.type, at: performance.now() - t0 });
      if (m.type !== 'preview') return undefined;
      // VS Code's postMessage promise resolves when the workbench has taken the message.
      return new Promise<boolean>((resolve) => setTimeout(() => { previewTaken = performance.now() - t0; resolve(true); }, ackAfterMs));
    });
    session.preload();
    await session.handle({ type: 'ready' });
    const preview = log.find((m) => m.type === 'preview'), init = log.find((m) => m.type === 'init');
    assert.ok(preview && init, `messages: ${log.map((m) => m.type).join(', ')}`);
    assert.ok(init.at >= previewTaken, `init posted at ${init.at.toFixed(0)} ms, before the preview was taken at ${previewTaken.toFixed(0)} ms`);
    assert.equal(log.filter((m) => m.type === 'init').length, 1);
  });

  it('reports a model the reader rejects as an error message naming the file', async () => {
    const sent: HostMessage[] = [];
    const bad = path.join(FIXTURES, 'make_viewer_fixtures.py');
    const session = new ViewerSession(bad, () => loadModel(bad), (m) => void sent.push(m));
    await session.handle({ type: 'ready' });
    const last = sent[sent.length - 1];
    assert.equal(last.type, 'error');
    assert.ok(last.type === 'error' && last.message.length > 0);
  });

  it('passes the messages VS Code handles (export, reveal, state) to the host callback', async () => {
    const other: string[] = [];
    const session = new ViewerSession(CONVNET, () => loadModel(CONVNET), () => undefined, (m) => other.push(m.type));
    await session.handle({ type: 'revealNode', node: '/fc/Gemm' });
    await session.handle({ type: 'exportFile', id: 1, kind: 'svg', data: '<svg/>' });
    assert.deepEqual(other, ['revealNode', 'exportFile']);
  });
});

describe('viewer page', () => {
  it('allows only its own nonce\'d script, local styles and fonts, and a blob: layout worker', () => {
    const csp = viewerCsp('https://x.vscode-resource.test', 'abc123');
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-abc123'/);
    assert.doesNotMatch(csp, /unsafe|\*/);
    const a = viewerPage({ cspSource: 's', script: 'w.js', worker: 'l.js', codicons: 'c.css', css: 'v.css' });
    const b = viewerPage({ cspSource: 's', script: 'w.js', worker: 'l.js', codicons: 'c.css', css: 'v.css' });
    const nonce = (html: string) => /nonce="([^"]+)"/.exec(html)![1];
    assert.notEqual(nonce(a), nonce(b));
    assert.ok(nonce(a).length >= 20);
    assert.doesNotMatch(a, /\son[a-z]+=/i);
  });
});
