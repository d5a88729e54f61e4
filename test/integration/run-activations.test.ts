// "Activation Lens: Run Activations…" through the real `vscode` API: the command runs a model in
// its supervised runtime process (native onnxruntime in the platform VSIX) without prompts when
// given arguments, reports the dead units an independent forward pass finds, survives a crash of
// that process, and "Export Activation Results as JSON" writes the `run --json` object.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { loadModel } from '../../src/formats/load';
import type { Graph, Node } from '../../src/core/model';
import { activateExtension, closeAllEditors, waitForCustomEditor, workspaceFile } from './helpers';

interface LayerResult {
  node: string;
  op: string;
  units: number;
  deadUnits: number[];
  activeRate: number[];
  zeroFraction: number;
  min: number;
  max: number;
  histogram: { edges: number[]; counts: number[] };
  /** Mean, std and histogram cover this many samples (in-graph statistics on native runs). */
  distributionSamples?: number;
}
interface RunResultLike {
  samples: number;
  inputSource: string;
  layers: LayerResult[];
  backend: string;
  threads: number;
  runtime: string;
}

const MODEL = 'dead_relu_mlp.onnx';
const SCRATCH = 'run-activations-scratch';

async function runCommand(uri: vscode.Uri, args: Record<string, unknown>): Promise<RunResultLike> {
  const result = await vscode.commands.executeCommand<RunResultLike | undefined>('activationLens.runActivations', uri, args);
  assert.ok(result, 'Run Activations returned no result (see the extension host log for its error message)');
  return result;
}

/** Inputs in [-2, 2] from a fixed Park–Miller sequence: the same numbers on every run. */
function fixedInputs(samples: number, features: number): number[][] {
  let s = 12345;
  const next = () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 4 - 2;
  };
  return Array.from({ length: samples }, () => Array.from({ length: features }, next));
}

async function tensorValues(graph: Graph, name: string): Promise<{ shape: readonly number[]; data: number[] }> {
  const t = graph.initializers.find((x) => x.name === name);
  assert.ok(t, `no initializer ${name}`);
  const data: number[] = [];
  for await (const chunk of t.values()) data.push(...chunk);
  return { shape: t.shape, data };
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes.find((x) => x.name === name)?.value;
  return a?.type === 'int' ? Number(a.value) : fallback;
}

function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes.find((x) => x.name === name)?.value;
  return a?.type === 'float' ? a.value : fallback;
}

/**
 * The reference: evaluates the MLP (Gemm, Relu, Sigmoid only) in plain float64 JavaScript from the
 * weights the core reader gives, independent of onnxruntime, and returns every value per sample.
 */
async function forwardPass(file: string, inputs: number[][]): Promise<Map<string, number[][]>> {
  const model = await loadModel(file);
  const g = model.graph;
  const values = new Map<string, number[][]>([[g.inputs[0].name, inputs]]);
  for (const node of g.nodes) {
    const x = values.get(node.inputs[0]);
    assert.ok(x, `the reference has no value for ${node.inputs[0]} (node ${node.name})`);
    let y: number[][];
    if (node.opType === 'Gemm') {
      assert.equal(intAttr(node, 'transA', 0), 0, 'the reference evaluates Gemm without transA');
      const w = await tensorValues(g, node.inputs[1]);
      const b = node.inputs[2] ? await tensorValues(g, node.inputs[2]) : undefined;
      const transB = intAttr(node, 'transB', 0) === 1;
      const alpha = floatAttr(node, 'alpha', 1), beta = floatAttr(node, 'beta', 1);
      const [k, n] = transB ? [w.shape[1], w.shape[0]] : [w.shape[0], w.shape[1]];
      y = x.map((row) => {
        assert.equal(row.length, k);
        return Array.from({ length: n }, (_, j) => {
          let acc = 0;
          for (let i = 0; i < k; i++) acc += row[i] * (transB ? w.data[j * k + i] : w.data[i * n + j]);
          const bias = b ? (b.data.length === 1 ? b.data[0] : b.data[j]) : 0;
          return alpha * acc + beta * bias;
        });
      });
    } else if (node.opType === 'Relu') {
      y = x.map((row) => row.map((v) => Math.max(0, v)));
    } else if (node.opType === 'Sigmoid') {
      y = x.map((row) => row.map((v) => 1 / (1 + Math.exp(-v))));
    } else {
      throw new Error(`the reference cannot evaluate ${node.opType} (node ${node.name})`);
    }
    values.set(node.outputs[0], y);
  }
  return values;
}

describe('Run Activations in VS Code', function () {
  this.timeout(180_000);
  let scratch: vscode.Uri;

  before(async () => {
    await activateExtension();
    scratch = workspaceFile(SCRATCH);
    await vscode.workspace.fs.createDirectory(scratch);
  });
  afterEach(closeAllEditors);
  after(async () => {
    await vscode.workspace.fs.delete(scratch, { recursive: true, useTrash: false });
  });

  it('runs dead_relu_mlp.onnx on an input file and reports exactly the dead units, active rates and ranges of an independent forward pass', async () => {
    const uri = workspaceFile(MODEL);
    const inputs = fixedInputs(24, 64);
    const inputFile = vscode.Uri.joinPath(scratch, 'inputs.json');
    await vscode.workspace.fs.writeFile(inputFile, new TextEncoder().encode(JSON.stringify(inputs)));

    const result = await runCommand(uri, { inputs: inputFile.fsPath });
    assert.equal(result.samples, 24, 'a file source runs all of its samples');

    const model = await loadModel(uri.fsPath);
    const reference = await forwardPass(uri.fsPath, inputs);
    const activationNodes = model.graph.nodes.filter((n) => n.opType === 'Relu' || n.opType === 'Sigmoid');
    assert.deepEqual(result.layers.map((l) => l.node), activationNodes.map((n) => n.name), 'one result per activation layer, in graph order');

    let deadTotal = 0;
    for (const node of activationNodes) {
      const layer = result.layers.find((l) => l.node === node.name)!;
      const out = reference.get(node.outputs[0])!;
      const units = out[0].length;
      const activeRate = Array.from({ length: units }, (_, u) => out.filter((row) => row[u] > 0).length / out.length);
      const dead = activeRate.flatMap((r, u) => (r === 0 ? [u] : []));
      deadTotal += dead.length;
      assert.equal(layer.op, node.opType);
      assert.equal(layer.units, units, `${node.name}: units`);
      assert.deepEqual(layer.deadUnits, dead, `${node.name}: dead units`);
      layer.activeRate.forEach((r, u) => assert.ok(Math.abs(r - activeRate[u]) < 1e-9, `${node.name} unit ${u}: active rate ${r}, expected ${activeRate[u]}`));
      const flat = out.flat();
      const tol = (v: number) => 1e-4 * Math.max(1, Math.abs(v));
      assert.ok(Math.abs(layer.min - Math.min(...flat)) < tol(layer.min), `${node.name}: min ${layer.min}, expected ${Math.min(...flat)}`);
      assert.ok(Math.abs(layer.max - Math.max(...flat)) < tol(layer.max), `${node.name}: max ${layer.max}, expected ${Math.max(...flat)}`);
      const zeros = flat.filter((v) => v === 0).length / flat.length;
      assert.ok(Math.abs(layer.zeroFraction - zeros) < 1e-9, `${node.name}: zero fraction ${layer.zeroFraction}, expected ${zeros}`);
      const histogramValues: number = layer.distributionSamples ? (flat.length / result.samples) * layer.distributionSamples : flat.length;
      assert.equal(layer.histogram.counts.reduce((a, b) => a + b, 0), histogramValues, `${node.name}: the histogram counts every value of the samples it covers`);
    }
    // The sample plants 16 dead units in relu1 (bias −20): the comparison above is not vacuous.
    assert.ok(deadTotal >= 16, `only ${deadTotal} dead units in the reference`);
  });

  it('runs synthetic inputs with arguments and no prompts: the planted dead units of relu1 are found, and the results export as JSON', async () => {
    const uri = workspaceFile(MODEL);
    // With the viewer open the results are also painted on its graph (checked by the UI tests).
    await vscode.commands.executeCommand('vscode.openWith', uri, 'activationLens.modelViewer');
    await waitForCustomEditor(uri, 'activationLens.modelViewer');
    const result = await runCommand(uri, { inputs: 'synthetic', samples: 8 });
    assert.equal(result.samples, 8);
    assert.match(result.inputSource, /synthetic/);

    // Units whose bias alone keeps them far below zero for inputs of ordinary scale: read from the model.
    const model = await loadModel(uri.fsPath);
    const dense1 = model.graph.nodes.find((n) => n.name === 'dense1')!;
    const bias = await tensorValues(model.graph, dense1.inputs[2]);
    const planted = bias.data.flatMap((b, u) => (b <= -10 ? [u] : []));
    assert.equal(planted.length, 16, 'the sample model plants 16 dead units');
    const relu1 = result.layers.find((l) => l.node === 'relu1');
    assert.ok(relu1, `no relu1 in ${result.layers.map((l) => l.node).join(', ')}`);
    for (const u of planted) assert.ok(relu1.deadUnits.includes(u), `planted unit ${u} of relu1 not reported dead (${relu1.deadUnits.join(', ')})`);
    // Live units fire on random inputs: not everything is reported dead.
    assert.ok(relu1.deadUnits.length < relu1.units, 'every unit of relu1 reported dead');

    const target = vscode.Uri.joinPath(scratch, 'dead_relu_mlp.activations.json');
    const saved = await vscode.commands.executeCommand<string | undefined>('activationLens.exportRunResults', uri, target);
    assert.equal(saved, target.fsPath);
    const json = JSON.parse(fs.readFileSync(target.fsPath, 'utf8')) as RunResultLike & { model: string };
    assert.equal(json.samples, 8);
    assert.ok(Array.isArray(json.layers));
    assert.deepEqual(json.layers.map((l) => [l.node, l.op, l.units, l.deadUnits]), result.layers.map((l) => [l.node, l.op, l.units, l.deadUnits]));
    for (const l of json.layers) {
      for (const key of ['activeRate', 'zeroFraction', 'min', 'max', 'mean', 'std', 'histogram'] as const) assert.ok(key in l, `exported layer ${l.node} lacks ${key}`);
    }
    // The model file itself is untouched.
    assert.equal((await loadModel(uri.fsPath)).graph.nodes.length, model.graph.nodes.length);
  });

  it('runs on the native runtime (onnxruntime-node) in a child process, leaving a core to the editor', async () => {
    const result = await runCommand(workspaceFile(MODEL), { inputs: 'synthetic', samples: 4 });
    assert.equal(result.backend, 'native', `ran on ${result.runtime}`);
    assert.match(result.runtime, /^onnxruntime-node \d+\.\d+\.\d+ \(native, \d+ threads?\)$/);
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    assert.equal(result.threads, Math.max(1, cores - 1));
  });

  it('a crash of the runtime process ends that run with one clean error naming the model; the extension host lives on', async () => {
    const uri = workspaceFile(MODEL);
    process.env.ACTIVATION_LENS_TEST_CHILD_CRASH = 'abort';
    try {
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand('activationLens.runActivations', uri, { inputs: 'synthetic', samples: 4 })),
        (e: Error) => {
          assert.equal(e.name, 'ModelError');
          assert.match(e.message, new RegExp(`^${uri.fsPath.replace(/[.*+?^\${}()|[\]\\]/g, '\\$&')}: the runtime process was killed by SIGABRT while running the model`));
          return true;
        },
      );
    } finally {
      delete process.env.ACTIVATION_LENS_TEST_CHILD_CRASH;
    }
    // Same extension host, same extension: the next run works.
    const again = await runCommand(uri, { inputs: 'synthetic', samples: 4 });
    assert.equal(again.samples, 4);
  });

  it('refuses to export results over the model file itself', async () => {
    const uri = workspaceFile(MODEL);
    await runCommand(uri, { inputs: 'synthetic', samples: 2 });
    const before = fs.readFileSync(uri.fsPath);
    const saved = await vscode.commands.executeCommand<string | undefined>('activationLens.exportRunResults', uri, uri);
    assert.equal(saved, undefined);
    assert.ok(fs.readFileSync(uri.fsPath).equals(before), 'the model file changed');
  });
});
