// The text side of the editor features: ReLU uses found in PyTorch, Keras, tf.nn and TF.js code and
// rewritten in that framework's API (the replacements are executed where a runtime is at hand:
// TF.js here, PyTorch when python3-torch is installed); exact JSON ranges of TF.js layers.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { findReluSites, replacementsFor, siteAt } from '../../src/extension/codeActionsText';
import { layerRanges } from '../../src/extension/diagnosticsJson';

const PY = `import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = nn.ReLU(inplace=True)
        self.block = nn.Sequential(nn.Linear(4, 4), torch.nn.ReLU())

    def forward(self, x):
        # nn.ReLU() in a comment is ignored
        y = F.relu(self.block(x))
        return torch.relu(y + 1) + self.act(x)
`;

const KERAS = `from tensorflow import keras
from keras import layers
model = keras.Sequential([
    layers.Dense(64, activation='relu'),
    layers.ReLU(),
    layers.Dense(10, activation="softmax"),
])
y = tf.nn.relu(x)
`;

const TFJS = `const model = tf.sequential();
model.add(tf.layers.dense({units: 8, activation: 'relu', inputShape: [4]}));
model.add(tf.layers.reLU({name: 'r1'}));
const y = tf.relu(tf.add(x, 1));
// activation: 'relu' in a comment
`;

describe('code actions: ReLU uses in source code', () => {
  it('finds PyTorch modules and functional calls, skipping comments', () => {
    const sites = findReluSites(PY, 'python');
    assert.deepEqual(sites.map((s) => [s.kind, PY.slice(s.start, s.end)]), [
      ['torch-module', 'nn.ReLU(inplace=True)'],
      ['torch-module', 'torch.nn.ReLU()'],
      ['torch-functional', 'F.relu(self.block(x))'],
      ['torch-functional', 'torch.relu(y + 1)'],
    ]);
  });
  it('writes PyTorch variants with PyTorch parameter names, keeping inplace where the variant has it', () => {
    const [mod, , fn, trelu] = findReluSites(PY, 'python');
    const m = Object.fromEntries(replacementsFor(mod).map((r) => [r.variant, r.newText]));
    assert.deepEqual(m, {
      'leaky-relu': 'nn.LeakyReLU(negative_slope=0.01, inplace=True)',
      prelu: 'nn.PReLU(num_parameters=1, init=0.25)',
      elu: 'nn.ELU(alpha=1.0, inplace=True)',
      selu: 'nn.SELU(inplace=True)',
      celu: 'nn.CELU(alpha=1.0, inplace=True)',
      silu: 'nn.SiLU(inplace=True)',
      gelu: 'nn.GELU()',
    });
    assert.equal(replacementsFor(fn, 0.05)[0].newText, 'F.leaky_relu(self.block(x), negative_slope=0.05)');
    assert.equal(replacementsFor(trelu).find((r) => r.variant === 'gelu')!.newText, 'torch.nn.functional.gelu(y + 1)');
    assert.ok(!replacementsFor(fn).some((r) => r.variant === 'prelu'), 'functional PReLU needs a weight: not offered');
  });
  it('finds Keras activation strings, ReLU layers and tf.nn.relu, and writes Keras/TF names', () => {
    const sites = findReluSites(KERAS, 'python');
    assert.deepEqual(sites.map((s) => [s.kind, KERAS.slice(s.start, s.end)]), [
      ['keras-string', "activation='relu'"],
      ['keras-layer', 'layers.ReLU()'],
      ['tf-nn', 'tf.nn.relu(x)'],
    ]);
    const str = Object.fromEntries(replacementsFor(sites[0]).map((r) => [r.variant, r.newText]));
    assert.equal(str.silu, "activation='swish'");
    assert.equal(str['leaky-relu'], 'activation=layers.LeakyReLU(negative_slope=0.01)', 'the file imports layers from keras');
    const tfk = findReluSites("import tensorflow as tf\nd = tf.keras.layers.Dense(4, activation='relu')\n", 'python')[0];
    assert.equal(replacementsFor(tfk)[0].newText, 'activation=tf.keras.layers.LeakyReLU(negative_slope=0.01)');
    const layer = Object.fromEntries(replacementsFor(sites[1]).map((r) => [r.variant, r.newText]));
    assert.equal(layer.elu, 'layers.ELU(alpha=1.0)');
    assert.equal(layer.gelu, "layers.Activation('gelu')");
    assert.equal(replacementsFor(sites[2])[0].newText, 'tf.nn.leaky_relu(x, alpha=0.01)');
    assert.match(replacementsFor(sites[2])[0].title, /default alpha is 0\.2/);
  });
  it('a bare ReLU() is PyTorch\'s in a file importing torch, Keras\'s otherwise', () => {
    assert.equal(findReluSites('from torch.nn import ReLU\nimport torch\na = ReLU()\n', 'python')[0].kind, 'torch-module');
    assert.equal(findReluSites('from keras.layers import ReLU\na = ReLU()\n', 'python')[0].kind, 'keras-layer');
  });
  it('finds TF.js uses in TypeScript, keeps a layer\'s name, and siteAt finds the use under the cursor', () => {
    const sites = findReluSites(TFJS, 'typescript');
    assert.deepEqual(sites.map((s) => [s.kind, TFJS.slice(s.start, s.end)]), [
      ['tfjs-string', "activation: 'relu'"],
      ['tfjs-layer', "tf.layers.reLU({name: 'r1'})"],
      ['tfjs-op', 'tf.relu(tf.add(x, 1))'],
    ]);
    const layer = Object.fromEntries(replacementsFor(sites[1]).map((r) => [r.variant, r.newText]));
    assert.equal(layer['leaky-relu'], "tf.layers.leakyReLU({name: 'r1', alpha: 0.01})");
    assert.equal(layer.elu, "tf.layers.elu({name: 'r1'})");
    assert.equal(siteAt(sites, TFJS.indexOf('tf.relu') + 3), sites[2]);
    assert.equal(siteAt(sites, 0), undefined);
  });
  it('the TF.js replacements run in TF.js and compute the variant', () => {
    tf.setBackend('cpu');
    const x = tf.tensor1d([-2, -0.5, 0, 1.5]);
    const sites = findReluSites(TFJS, 'typescript');
    for (const r of replacementsFor(sites[2], 0.1)) {
      // evaluate the replacement text with tf and x in scope
      const f = new Function('tf', 'x', `return ${r.newText};`) as (t: typeof tf, v: tf.Tensor) => tf.Tensor;
      const got = Array.from(f(tf, x).dataSync());
      const yref = Array.from(tf.add(x, 1).dataSync()).map((v) => (r.variant === 'leaky-relu' ? (v > 0 ? v : 0.1 * v) : r.variant === 'elu' ? (v > 0 ? v : Math.expm1(v)) : 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v))));
      got.forEach((g, i) => assert.ok(Math.abs(g - yref[i]) < 1e-5, `${r.newText}: ${got} vs ${yref}`));
    }
    const layerCode = replacementsFor(sites[1]).map((r) => r.newText);
    for (const code of layerCode) {
      const layer = (new Function('tf', `return ${code};`) as (t: typeof tf) => tf.layers.Layer)(tf);
      assert.equal(layer.name, 'r1', code);
    }
  });
  const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  (hasTorch ? it : it.skip)('the PyTorch replacements run in PyTorch and compute the variant (python3-torch)', function () {
    this.timeout(60000);
    const [mod, , fn] = findReluSites(PY, 'python');
    const exprs = [...replacementsFor(mod).map((r) => [r.variant, `(${r.newText})(x.clone())`]), ...replacementsFor(fn).map((r) => [r.variant, r.newText.replace('self.block(x)', 'x.clone()')])];
    const script = `
import json, sys, torch, torch.nn as nn, torch.nn.functional as F
x = torch.linspace(-3, 3, 13)
ref = {'leaky-relu': nn.LeakyReLU(0.01), 'prelu': nn.PReLU(1, 0.25), 'elu': nn.ELU(), 'selu': nn.SELU(), 'celu': nn.CELU(), 'silu': nn.SiLU(), 'gelu': nn.GELU()}
for variant, expr in json.loads(sys.argv[1]):
    got = eval(expr)
    assert torch.allclose(got, ref[variant](x), atol=1e-6), (variant, expr)
print('ok', len(json.loads(sys.argv[1])))
`;
    const p = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(exprs)], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /^ok 13/);
  });
});

describe('diagnostics: exact JSON ranges of TF.js layers', () => {
  it('finds each layer object of a layers-model, nested or not, and graph-model nodes', () => {
    const text = JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { name: 'seq', layers: [
      { class_name: 'Dense', config: { name: 'd1', units: 4, activation: 'relu' } },
      { class_name: 'ReLU', config: { name: 'r1' } },
    ] } } }, null, 2);
    const r = layerRanges(text);
    const d1 = r.get('d1')!;
    const obj = text.slice(d1.offset, d1.offset + d1.length);
    assert.ok(obj.startsWith('{') && obj.endsWith('}'));
    assert.deepEqual(JSON.parse(obj), { class_name: 'Dense', config: { name: 'd1', units: 4, activation: 'relu' } });
    assert.deepEqual(JSON.parse(text.slice(r.get('r1')!.offset, r.get('r1')!.offset + r.get('r1')!.length)).class_name, 'ReLU');
    const graph = JSON.stringify({ format: 'graph-model', modelTopology: { node: [{ name: 'conv/Relu', op: 'Relu', input: ['conv/BiasAdd'] }] } });
    const g = layerRanges(graph).get('conv/Relu')!;
    assert.equal(JSON.parse(graph.slice(g.offset, g.offset + g.length)).op, 'Relu');
  });
});
