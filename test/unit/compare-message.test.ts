// The comparison message the host sends the viewer (src/extension/compareMessage.ts) for the dead
// digits CNN and the same network exported under other names, and its replay by the session.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { compareRuns } from '../../src/analysis/compare/compare';
import type { RunForCompare } from '../../src/analysis/compare/types';
import { comparisonInfo } from '../../src/extension/compareMessage';
import { ViewerSession } from '../../src/extension/viewerGraph';
import { loadModel } from '../../src/formats/load';
import { isWebviewMessage, type HostMessage } from '../../src/protocol';
import { rewriteOnnx } from '../../src/formats/onnx/rewrite';
import { runActivations } from '../../src/runtime/runActivations';
import { runToJson } from '../../src/runtime/runJson';
import { ROOT } from '../support/cli';
import { tmpDir } from '../support/onnxBuild';

const ORIGINAL = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
const RENAMED = path.join(ROOT, 'test/fixtures/compare/renamed_cnn.onnx');
const DIGITS = path.join(ROOT, 'test/fixtures/dead-cnn/inputs.npy');

describe('compare: the viewer message', function () {
  this.timeout(60000);
  let a: RunForCompare, renamed: RunForCompare, leaky: RunForCompare;

  before(async () => {
    const leakyFile = path.join(tmpDir(), 'leaky.onnx');
    rewriteOnnx(ORIGINAL, leakyFile, { variant: 'leaky-relu', params: { alpha: 0.01 } });
    a = runToJson(await runActivations(ORIGINAL, { inputs: DIGITS }));
    renamed = runToJson(await runActivations(RENAMED, { inputs: DIGITS }));
    leaky = runToJson(await runActivations(leakyFile, { inputs: DIGITS }));
  });

  it('for the viewer of A: one entry per matched node under A\'s names, with both runs\' histograms, active rates and the change', () => {
    const info = comparisonInfo(compareRuns(a, leaky), a, leaky, 'a');
    assert.equal(info.side, 'a');
    assert.equal(info.comparable, true);
    assert.deepEqual(info.nodes.map((n) => [n.node, n.other, n.how]), a.layers.map((l) => [l.node, l.node, 'name']));
    for (const [k, n] of info.nodes.entries()) {
      assert.deepEqual(n.a.histogram, a.layers[k].histogram);
      assert.deepEqual(n.b.histogram, leaky.layers[k].histogram);
      assert.deepEqual(n.a.activeRate, a.layers[k].activeRate);
      assert.deepEqual(n.a.deadUnits, a.layers[k].deadUnits);
      assert.deepEqual(n.b.deadUnits, [], 'Leaky ReLU units are not dead');
      assert.deepEqual(n.revived, a.layers[k].deadUnits);
      assert.equal(n.delta.zeroFraction, leaky.layers[k].zeroFraction - a.layers[k].zeroFraction);
      assert.equal(n.a.kind, 'Relu');
      assert.equal(n.b.kind, 'LeakyRelu');
    }
    assert.equal(info.totals.revived, a.layers.reduce((s, l) => s + l.deadUnits.length, 0));
    assert.equal(info.totals.newDead, 0);
    assert.equal(info.a.label, 'dead_cnn.onnx');
    assert.match(info.a.inputs, /inputs\.npy \(sha256 [0-9a-f]{12}\)/);
    // Every layer changed (a Leaky ReLU output is almost never exactly 0): the summary lists them.
    assert.deepEqual([...info.biggestChanges].sort(), a.layers.map((l) => l.node).sort());
  });

  it('for the viewer of a renamed export (side b): keyed by its own node names, matched by structure with the evidence', () => {
    const c = compareRuns(a, renamed);
    const info = comparisonInfo(c, a, renamed, 'b');
    assert.deepEqual(info.nodes.map((n) => n.node), renamed.layers.map((l) => l.node));
    assert.deepEqual(info.nodes.map((n) => n.other), a.layers.map((l) => l.node));
    assert.ok(info.nodes.every((n) => n.how === 'structure' && /units; layer \d of 3 in A/.test(n.evidence ?? '')));
    assert.deepEqual(info.nodes.map((n) => n.deadInBoth), a.layers.map((l) => l.deadUnits));
    assert.deepEqual(info.biggestChanges, [], 'the same weights on the same inputs: nothing changed');
    assert.deepEqual(info.unmatched, { here: [], other: [] });
  });

  it('the viewer session replays the comparison after the webview reloads, and a message without one clears it', async () => {
    const sent: HostMessage[] = [];
    const session = new ViewerSession(ORIGINAL, () => loadModel(ORIGINAL), (m) => void sent.push(m));
    await session.handle({ type: 'ready' });
    const comparison = comparisonInfo(compareRuns(a, leaky), a, leaky, 'a');
    session.send({ type: 'comparison', comparison });
    sent.length = 0;
    await session.handle({ type: 'ready' });
    assert.deepEqual(sent.map((m) => m.type), ['loading', 'init', 'comparison']);
    assert.deepEqual(sent[2], { type: 'comparison', comparison });
    session.send({ type: 'comparison' });
    sent.length = 0;
    await session.handle({ type: 'ready' });
    assert.deepEqual(sent[2], { type: 'comparison' });
  });

  it('the webview may ask the host to run "Compare with…"', () => {
    assert.ok(isWebviewMessage({ type: 'compareWith' }));
  });
});
