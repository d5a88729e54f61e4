// TF.js layers-model rewrites: the copy (model.json + its own shards) loads in TF.js and predicts
// what the same network built directly with the variant predicts, for Sequential and functional
// models, layers with activation 'relu' and ReLU layers; the input files stay untouched.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../src/core/model';
import { rewriteTfjsLayersModel } from '../../src/formats/tfjs/rewrite';
import { loadModel } from '../../src/formats/load';
import { analyzeModel } from '../../src/analysis/rules/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-tfjs-rewrite-'));

async function save(model: tf.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (art) => {
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(art.weightData as ArrayBuffer));
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({ format: 'layers-model', generatedBy: 'test', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }] }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

/** Loads a model.json from disk the way tf.loadLayersModel would over HTTP: shards in manifest order. */
async function load(file: string): Promise<tf.LayersModel> {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) parts.push(fs.readFileSync(path.join(path.dirname(file), p)));
  }
  const data = Buffer.concat(parts);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) }));
}

type Act = 'relu' | 'leaky' | 'prelu' | 'elu' | 'selu' | 'swish' | 'gelu';

function actLayer(act: Act, name: string, sharedAxes?: number[]): tf.layers.Layer {
  switch (act) {
    case 'leaky': return tf.layers.leakyReLU({ alpha: 0.01, name });
    case 'prelu': return tf.layers.prelu({ name, alphaInitializer: tf.initializers.constant({ value: 0.25 }), sharedAxes });
    case 'relu': return tf.layers.reLU({ name });
    default: return tf.layers.activation({ activation: act, name });
  }
}

/** Sequential: Conv2D(activation) → Flatten → Dense → ReLU layer → Dense. */
function seqModel(act: Act): tf.Sequential {
  const m = tf.sequential();
  const fusedName = act === 'relu' || act === 'elu' || act === 'selu' || act === 'swish' || act === 'gelu';
  m.add(tf.layers.conv2d({ name: 'conv', inputShape: [4, 4, 2], filters: 3, kernelSize: 3, padding: 'same', activation: fusedName ? (act as 'relu') : 'linear' }));
  if (!fusedName) m.add(actLayer(act, act === 'prelu' ? 'conv_prelu' : 'conv_leaky_relu', [1, 2]));
  m.add(tf.layers.flatten({ name: 'flat' }));
  m.add(tf.layers.dense({ name: 'hidden', units: 5 }));
  m.add(actLayer(act, 'relu_layer'));
  m.add(tf.layers.dense({ name: 'out', units: 3 }));
  return m;
}

function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  for (const l of to.layers) {
    const src = from.layers.find((x) => x.name === l.name);
    if (src && src.getWeights().length) l.setWeights(src.getWeights());
  }
}

describe('TF.js rewrite: layers-models load and predict in TF.js', () => {
  before(() => tf.setBackend('cpu'));
  const x = tf.randomNormal([6, 4, 4, 2], 0, 1, 'float32', 3);
  const cases: [string, Act][] = [['leaky-relu', 'leaky'], ['prelu', 'prelu'], ['elu', 'elu'], ['selu', 'selu'], ['silu', 'swish'], ['gelu', 'gelu']];
  for (const [variant, act] of cases) {
    it(`Sequential, --to ${variant}: predicts what the network built with ${act} predicts`, async () => {
      const original = seqModel('relu');
      const dir = path.join(tmp, `seq-${variant}`);
      const file = await save(original, dir);
      const before = fs.readFileSync(file, 'utf8');
      const out = path.join(dir, 'out', 'model-rw.json');
      fs.mkdirSync(path.dirname(out));
      const r = await rewriteTfjsLayersModel(file, out, { variant: variant as never, params: variant === 'leaky-relu' ? { alpha: 0.01 } : undefined });
      assert.deepEqual(r.replaced.sort(), ['conv', 'relu_layer']);
      const rewritten = await load(out);
      const reference = seqModel(act);
      copyWeights(original, reference);
      const got = (rewritten.predict(x) as tf.Tensor).dataSync();
      const want = (reference.predict(x) as tf.Tensor).dataSync();
      const base = (original.predict(x) as tf.Tensor).dataSync();
      let worst = 0, differsFromRelu = 0;
      for (let i = 0; i < want.length; i++) {
        worst = Math.max(worst, Math.abs(got[i] - want[i]));
        differsFromRelu = Math.max(differsFromRelu, Math.abs(got[i] - base[i]));
      }
      assert.ok(worst < 1e-5, `largest difference ${worst}`);
      assert.ok(differsFromRelu > 1e-4, 'the rewrite changed the computation');
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'input model.json untouched');
      // manifest and shards consistent: every listed shard exists beside the copy, sizes add up
      const json = JSON.parse(fs.readFileSync(out, 'utf8'));
      let bytes = 0, expected = 0;
      for (const g of json.weightsManifest) {
        for (const p of g.paths) bytes += fs.statSync(path.join(path.dirname(out), p)).size;
        for (const w of g.weights) expected += 4 * w.shape.reduce((a: number, b: number) => a * b, 1);
      }
      assert.equal(bytes, expected);
    });
  }

  it('functional model: the inserted LeakyReLU feeds every consumer of the rewired layer', async () => {
    const inp = tf.input({ shape: [6], name: 'x' });
    const d1 = tf.layers.dense({ units: 4, activation: 'relu', name: 'd1' }).apply(inp) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([d1, inp]) as tf.SymbolicTensor;
    const outT = tf.layers.dense({ units: 2, name: 'head' }).apply(cat) as tf.SymbolicTensor;
    const original = tf.model({ inputs: inp, outputs: [outT, d1] });
    const file = await save(original, path.join(tmp, 'functional'));
    const out = path.join(tmp, 'functional', 'leaky.json');
    const r = await rewriteTfjsLayersModel(file, out, { variant: 'leaky-relu', params: { alpha: 0.1 } });
    assert.deepEqual(r.addedLayers, ['d1_leaky_relu']);
    const rewritten = await load(out);
    const xs = tf.randomNormal([5, 6], 0, 2, 'float32', 9);
    const [head, hidden] = rewritten.predict(xs) as tf.Tensor[];
    // reference by hand: leaky(x·W1 + b1) then the head on [hidden, x]
    const [w1, b1] = original.getLayer('d1').getWeights();
    const [w2, b2] = original.getLayer('head').getWeights();
    const h = tf.leakyRelu(tf.add(tf.matMul(xs, w1), b1), 0.1);
    const y = tf.add(tf.matMul(tf.concat([h, xs], 1), w2), b2);
    assert.ok(tf.max(tf.abs(tf.sub(hidden, h))).dataSync()[0] < 1e-5);
    assert.ok(tf.max(tf.abs(tf.sub(head, y))).dataSync()[0] < 1e-5);
  });

  it('refuses an existing output, the input itself, CELU with alpha ≠ 1 and unknown layers', async () => {
    const file = await save(seqModel('relu'), path.join(tmp, 'refuse'));
    await assert.rejects(rewriteTfjsLayersModel(file, file, { variant: 'selu', force: true }), /is the input model/);
    const out = path.join(tmp, 'refuse', 'exists.json');
    fs.writeFileSync(out, '{}');
    await assert.rejects(rewriteTfjsLayersModel(file, out, { variant: 'selu' }), /already exists/);
    await assert.rejects(rewriteTfjsLayersModel(file, path.join(tmp, 'refuse', 'c.json'), { variant: 'celu', params: { alpha: 2 } }), (e: unknown) => e instanceof ModelError && /no CELU/.test(e.message));
    await assert.rejects(rewriteTfjsLayersModel(file, path.join(tmp, 'refuse', 'd.json'), { variant: 'elu', nodes: ['nope'] }), /no layer named 'nope'/);
    assert.equal(fs.readFileSync(out, 'utf8'), '{}');
  });

  it('static rules read TF.js weights: a Dense unit with zero kernel column and negative bias is dead', async () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ name: 'd', inputShape: [3], units: 4, activation: 'relu' }));
    m.add(tf.layers.dense({ name: 'o', units: 1 }));
    const [k, b] = m.getLayer('d').getWeights();
    const kk = k.arraySync() as number[][];
    for (const row of kk) row[2] = 0;
    const bb = b.arraySync() as number[];
    bb[2] = -0.5;
    m.getLayer('d').setWeights([tf.tensor(kk), tf.tensor(bb)]);
    const file = await save(m, path.join(tmp, 'dead-dense'));
    const a = await analyzeModel(await loadModel(file));
    const f = a.findings.filter((x) => x.severity !== 'info');
    assert.deepEqual(f.map((x) => [x.rule, x.node, x.units]), [['linear-relu-dead', 'd', [2]]]);
  });
});
