// "Activation Lens: Compare with…" through the real `vscode` API: a model against its Leaky ReLU
// rewrite ("Compare with Original"), against another run of itself, against a saved run, and
// against a copy whose nodes were all renamed; the `comparison` messages sent to the open viewers.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { onnx } from 'onnx-proto';
import type { RunComparison } from '../../src/analysis/compare/types';
import type { HostMessage } from '../../src/protocol';
import { activateExtension, closeAllEditors, waitForCustomEditor, workspaceFile } from './helpers';

interface CompareResult {
  comparison: RunComparison;
  message: HostMessage;
  posted: number;
}

const MODEL = 'dead_relu_mlp.onnx';
const SCRATCH = 'compare-scratch';
const VIEWER = 'activationLens.modelViewer';

async function compare(uri: vscode.Uri, args: Record<string, unknown>): Promise<CompareResult> {
  const result = await vscode.commands.executeCommand<CompareResult | undefined>('activationLens.compareWith', uri, args);
  assert.ok(result, 'Compare with… returned nothing (see the extension host log for its error message)');
  return result;
}

async function openViewer(uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', uri, VIEWER);
  await waitForCustomEditor(uri, VIEWER);
}

function comparisonOf(m: HostMessage) {
  assert.equal(m.type, 'comparison');
  assert.ok(m.type === 'comparison' && m.comparison, 'the message carries a comparison');
  return m.comparison;
}

describe('Compare with… in VS Code', function () {
  this.timeout(240_000);
  let scratch: vscode.Uri;
  let original: vscode.Uri;
  let planted: number[];

  before(async () => {
    await activateExtension();
    scratch = workspaceFile(SCRATCH);
    await vscode.workspace.fs.createDirectory(scratch);
    // A copy: runs stored for it here do not touch the other suites' sample.
    original = vscode.Uri.joinPath(scratch, MODEL);
    fs.copyFileSync(workspaceFile(MODEL).fsPath, original.fsPath);
    // relu1's units whose bias alone keeps them far below zero (the sample plants 16).
    const m = onnx.ModelProto.decode(fs.readFileSync(original.fsPath));
    const dense1 = m.graph!.node!.find((n) => n.name === 'dense1')!;
    const bias = m.graph!.initializer!.find((t) => t.name === dense1.input![2])!;
    const raw = bias.rawData!;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    planted = values.flatMap((b, u) => (b <= -10 ? [u] : []));
    assert.equal(planted.length, 16);
  });
  afterEach(closeAllEditors);
  after(async () => {
    await vscode.workspace.fs.delete(scratch, { recursive: true, useTrash: false });
  });

  it('"Compare with Original" after a Leaky ReLU rewrite: both run on the same inputs, the dead units revive, and both viewers get the comparison', async () => {
    const rewritten = vscode.Uri.joinPath(scratch, 'dead_relu_mlp-leaky.onnx');
    const rw = await vscode.commands.executeCommand<{ replaced: string[] }>('activationLens.rewriteWithLeakyRelu', { uri: original, output: rewritten.fsPath, scope: 'all' });
    assert.deepEqual(rw.replaced, ['relu1', 'relu2']);
    await openViewer(original);
    await vscode.commands.executeCommand('vscode.openWith', rewritten, VIEWER, vscode.ViewColumn.Beside);
    await waitForCustomEditor(rewritten, VIEWER);

    const { comparison: c, message, posted } = await compare(original, { model: rewritten.fsPath, inputs: 'synthetic', samples: 16, seed: 2 });
    assert.equal(posted, 2, 'the viewer of the original and the viewer of the rewrite');
    assert.equal(c.comparable, true, c.warnings.join('; '));
    assert.equal(c.samples, 16);
    assert.equal(c.matched.length, 3, 'two ReLUs and a Sigmoid');
    assert.ok(c.matched.every((p) => p.how === 'name' && p.a === p.b), JSON.stringify(c.matched));
    assert.deepEqual(c.unmatched, { a: [], b: [] });
    const relu1 = c.layers.find((l) => l.a === 'relu1')!;
    for (const u of planted) assert.ok(relu1.deadA.includes(u), `planted unit ${u} not dead in the original`);
    assert.deepEqual(relu1.deadB, [], 'a Leaky ReLU unit is never dead');
    assert.deepEqual(relu1.revived, relu1.deadA);
    assert.deepEqual(c.newDead, []);

    const info = comparisonOf(message);
    assert.equal(info.side, 'a');
    assert.equal(info.a.label, MODEL);
    assert.equal(info.b.label, 'dead_relu_mlp-leaky.onnx');
    const node = info.nodes.find((n) => n.node === 'relu1')!;
    assert.equal(node.a.kind, 'Relu');
    assert.equal(node.b.kind, 'LeakyRelu');
    assert.equal(node.a.histogram.counts.reduce((s, x) => s + x, 0), node.b.histogram.counts.reduce((s, x) => s + x, 0), 'both histograms count the same values');
    assert.ok(node.delta.zeroFraction < 0);
    assert.ok(info.biggestChanges.includes('relu1'));

    // The original's run is stored like one from "Run Activations" (its badges, its export).
    const exported = vscode.Uri.joinPath(scratch, 'original-run.json');
    assert.equal(await vscode.commands.executeCommand('activationLens.exportRunResults', original, exported), exported.fsPath);
    const saved = JSON.parse(fs.readFileSync(exported.fsPath, 'utf8')) as { samples: number; inputIdentity: unknown };
    assert.equal(saved.samples, 16);
    assert.deepEqual(saved.inputIdentity, { kind: 'synthetic', distribution: 'normal', seed: 2, generator: 'ziggurat', sampleShapes: ['float32[64]'] });
  });

  it('another run of the same model with another seed: compared with the stored run, the differing seeds are a warning', async () => {
    await openViewer(original);
    const first = await vscode.commands.executeCommand<{ samples: number }>('activationLens.runActivations', original, { inputs: 'synthetic', samples: 12, seed: 0 });
    assert.equal(first.samples, 12);
    const { comparison: c, message, posted } = await compare(original, { run: { inputs: 'synthetic', samples: 12, seed: 1 } });
    assert.equal(posted, 1);
    assert.equal(c.comparable, false);
    assert.match(c.warnings.join('\n'), /different seeds: A 0, B 1/);
    assert.ok(c.matched.length >= 3 && c.matched.every((p) => p.how === 'name' && p.a === p.b));
    const info = comparisonOf(message);
    assert.equal(info.comparable, false);
    assert.deepEqual(info.warnings, c.warnings);
    assert.equal(info.a.inputs, 'synthetic normal, seed 0');
    assert.equal(info.b.inputs, 'synthetic normal, seed 1');
    // The planted dead units are dead on every input: dead in both runs.
    const relu1 = c.layers.find((l) => l.a === 'relu1')!;
    for (const u of planted) assert.ok(relu1.deadInBoth.includes(u), `planted unit ${u}`);
  });

  it('a saved run of the same inputs: comparable, nothing changed', async () => {
    await vscode.commands.executeCommand('activationLens.runActivations', original, { inputs: 'synthetic', samples: 10, seed: 3 });
    const file = vscode.Uri.joinPath(scratch, 'saved-run.json');
    await vscode.commands.executeCommand('activationLens.exportRunResults', original, file);
    const { comparison: c } = await compare(original, { runFile: file.fsPath });
    assert.equal(c.comparable, true, c.warnings.join('; '));
    assert.equal(c.runs.b.runFile, file.fsPath);
    assert.ok(c.layers.every((l) => !l.died.length && !l.revived.length && l.deltaMean === 0 && l.deltaZeroFraction === 0));
  });

  it('a copy with every node renamed is matched by structure, and its viewer gets the comparison under its own names', async () => {
    const m = onnx.ModelProto.decode(fs.readFileSync(original.fsPath));
    for (const n of m.graph!.node!) n.name = `exported/${n.opType}_${n.name!.length}_${n.output![0]}`;
    const renamed = vscode.Uri.joinPath(scratch, 'renamed.onnx');
    fs.writeFileSync(renamed.fsPath, onnx.ModelProto.encode(m).finish());
    await openViewer(renamed);
    const { comparison: c, posted } = await compare(original, { model: renamed.fsPath, inputs: 'synthetic', samples: 8 });
    assert.equal(posted, 1, 'only the renamed model has a viewer open');
    const names = m.graph!.node!.filter((n) => /Relu|Sigmoid/.test(n.opType!)).map((n) => n.name);
    assert.deepEqual(c.matched.map((p) => p.b), names);
    assert.ok(c.matched.every((p) => p.how === 'structure' && !!p.evidence), JSON.stringify(c.matched));
    assert.deepEqual(c.unmatched, { a: [], b: [] });
    assert.ok(c.layers.every((l) => l.deltaMean === 0 && !l.died.length), 'the same weights on the same inputs');
  });

  it('a file that is not a run, or a broken model, fails with one error naming the file; the viewer stays open', async () => {
    await openViewer(original);
    await assert.rejects(compare(original, { runFile: workspaceFile('mlp.onnx').fsPath }), /mlp\.onnx/);
    const broken = vscode.Uri.joinPath(scratch, 'broken.onnx');
    fs.writeFileSync(broken.fsPath, fs.readFileSync(original.fsPath).subarray(0, 300));
    await assert.rejects(compare(original, { model: broken.fsPath }), /broken\.onnx/);
    await waitForCustomEditor(original, VIEWER);
  });
});
