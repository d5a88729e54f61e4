// The glossary data and its lookup: every required term, every field, aliases across ecosystems,
// every activation the analysis knows, close-match suggestions, the card and the plot data.
import * as assert from 'node:assert/strict';
import { ACTIVATION_OPS, activationOf, kerasActivation } from '../../src/analysis/activations';
import { RULES } from '../../src/analysis/findings';
import type { Node } from '../../src/core/model';
import {
  GLOSSARY, aliasConflicts, cardCommands, cardMarkdown, entryById, glossaryCard, plotFor, resolveTerm, setModelActivationCounts, suggestTerms,
  activationUsage, entryIdForActivationOp, CURVES,
} from '../../src/glossary';

const REQUIRED_TERMS = [
  'activation function', 'non-linearity', 'ReLU', 'dying ReLU', 'dead unit', 'Leaky ReLU', 'PReLU', 'ELU', 'SELU', 'CELU', 'SiLU', 'Swish',
  'GELU', 'Mish', 'Sigmoid', 'Tanh', 'Softplus', 'ReLU6', 'HardSwish', 'HardSigmoid', 'ThresholdedReLU', 'Softmax', 'vanishing gradient',
  'sparsity', 'backpropagation', 'gradient', 'saturation', 'unbounded output', 'self-normalising network', 'batch normalisation',
  'convolutional neural network',
];

const FIELDS = ['name', 'aliases', 'summary', 'definition', 'formula', 'derivative', 'range', 'advantages', 'drawbacks', 'dyingRelu', 'whenToUse',
  'computeCost', 'onnxOpset', 'defaults', 'related', 'sources'] as const;

function node(opType: string, inputs: string[], attributes: Node['attributes'] = []): Node {
  return { name: `n_${opType}`, opType, domain: '', inputs, outputs: ['y'], attributes };
}

describe('glossary entries', () => {
  it('has an entry for every term the issue lists', () => {
    const missing = REQUIRED_TERMS.filter((t) => !resolveTerm(t));
    assert.deepEqual(missing, []);
    assert.equal(resolveTerm('dead unit')?.id, 'dying-relu');
    assert.equal(resolveTerm('Swish')?.id, resolveTerm('SiLU')?.id);
    assert.equal(resolveTerm('dying ReLU / dead unit')?.id, 'dying-relu');
    assert.equal(resolveTerm('SiLU / Swish')?.id, 'silu');
    assert.equal(resolveTerm('sparsity of activations')?.id, 'sparsity');
  });

  it('fills every field of every entry', () => {
    for (const e of GLOSSARY) {
      for (const f of FIELDS) assert.ok(e[f] !== undefined && e[f] !== null, `${e.id}.${f} missing`);
      for (const f of ['name', 'summary', 'definition', 'formula', 'derivative', 'range', 'dyingRelu', 'whenToUse', 'computeCost'] as const) {
        assert.ok(e[f].trim().length > 0, `${e.id}.${f} empty`);
      }
      assert.ok(e.advantages.length > 0 && e.drawbacks.length > 0, `${e.id}: pros/cons`);
      assert.ok(!/\n/.test(e.summary), `${e.id}: summary must be one line`);
      for (const fw of ['onnx', 'pytorch', 'keras', 'tfjs'] as const) assert.ok(e.defaults[fw].length > 0, `${e.id}.defaults.${fw}`);
      assert.ok(e.sources.study.length + e.sources.docs.length > 0, `${e.id}: no sources`);
      if (e.kind === 'activation') {
        assert.ok(e.onnxOpset.ops.length > 0, `${e.id}: activation without ONNX op`);
        assert.ok(e.sources.docs.length > 0, `${e.id}: defaults/opsets need documentation sources`);
        assert.ok(e.aliases.pytorch.length > 0, `${e.id}: no PyTorch name`);
      }
    }
  });

  it('has unique ids, related ids that exist, and no alias claimed by two entries', () => {
    assert.equal(new Set(GLOSSARY.map((e) => e.id)).size, GLOSSARY.length);
    for (const e of GLOSSARY) for (const r of e.related) assert.ok(entryById(r), `${e.id}.related: unknown ${r}`);
    assert.deepEqual(aliasConflicts(), []);
  });

  it('resolves aliases across ecosystems, case-insensitively and across spellings', () => {
    const cases: Record<string, string[]> = {
      'leaky-relu': ['nn.LeakyReLU', 'LeakyRelu', 'leakyReLU', 'leaky relu', 'Leaky-ReLU', 'F.leaky_relu', 'torch.nn.functional.leaky_relu',
        'tf.layers.leakyReLU', 'keras.layers.LeakyReLU', 'tf.keras.layers.LeakyReLU', 'tf.nn.leaky_relu', 'LEAKY_RELU'],
      relu: ['nn.ReLU', 'torch.relu', 'F.relu', 'Relu', "'relu'", 'tf.nn.relu', 'rectified linear unit', 'nn.ReLU()'],
      silu: ['F.silu', 'nn.SiLU', 'swish', 'Swish', 'tf.nn.silu', 'sigmoid linear unit'],
      gelu: ['Gelu', 'FastGelu', 'QuickGelu', 'gelu_new', 'nn.GELU'],
      relu6: ['Relu6', 'nn.ReLU6', 'relu6', 'tf.nn.relu6'],
      hardswish: ['nn.Hardswish', 'HardSwish', 'hard_swish', 'hard swish', 'h-swish'],
      hardsigmoid: ['hard_sigmoid', 'hardSigmoid', 'nn.Hardsigmoid'],
      'thresholded-relu': ['ThresholdedRelu', 'ThresholdedReLU', 'tf.layers.thresholdedReLU'],
      prelu: ['PRelu', 'nn.PReLU', 'parametric relu', 'tf.layers.prelu'],
      'batch-normalization': ['BatchNormalization', 'nn.BatchNorm2d', 'batch normalization', 'batchnorm'],
      cnn: ['CNN', 'CNNs', 'convnet', 'Conv'],
      'dying-relu': ['Dying ReLU', 'dead neurons', 'dead ReLU'],
      'vanishing-gradient': ['vanishing gradients', 'Vanishing Gradient Problem'],
    };
    for (const [id, spellings] of Object.entries(cases)) {
      for (const s of spellings) assert.equal(resolveTerm(s)?.id, id, `${s} → ${resolveTerm(s)?.id}`);
    }
  });

  it('has an entry for every activation op the analysis knows, including ReLU6 and Clip used as ReLU6', () => {
    for (const op of [...Object.keys(ACTIVATION_OPS), 'Relu6']) {
      const id = entryIdForActivationOp(op);
      assert.ok(id, `no glossary entry for activation op ${op}`);
      assert.equal(entryById(id)?.kind, 'activation');
    }
    const bounds: Record<string, number> = { zero: 0, six: 6 };
    const clip6 = activationOf(node('Clip', ['x', 'zero', 'six']), (n) => bounds[n]);
    assert.equal(clip6 && entryIdForActivationOp(clip6.op), 'relu6');
    const clip0 = activationOf(node('Clip', ['x'], [{ name: 'min', value: { type: 'float', value: 0 } }]));
    assert.equal(clip0 && entryIdForActivationOp(clip0.op), 'relu');
  });

  it('has an entry for every activation string TF.js layers accept, as the analysis maps it', () => {
    // The serialisable names of @tensorflow/tfjs-layers (activation_config.d.ts) plus Keras 3 spellings.
    const names = ['relu', 'elu', 'relu6', 'sigmoid', 'hard_sigmoid', 'hardSigmoid', 'selu', 'softmax', 'softplus', 'softsign', 'tanh', 'swish',
      'mish', 'gelu', 'gelu_new', 'silu', 'hard_silu', 'leaky_relu', 'log_softmax'];
    for (const name of names) {
      const act = kerasActivation(name);
      assert.ok(act, name);
      assert.ok(entryIdForActivationOp(act.op), `${name} → ${act.op} has no glossary entry`);
      assert.equal(entryIdForActivationOp(act.op), resolveTerm(name)?.id, `${name}: analysis and glossary disagree`);
    }
  });

  it('has the entry every dying-ReLU finding links to (Problems panel "code" links open it)', () => {
    for (const [rule, info] of Object.entries(RULES)) assert.ok(entryById(info.glossary), `${rule} → missing glossary entry ${info.glossary}`);
  });

  it('suggests close matches for unknown terms and nothing for gibberish', () => {
    assert.equal(resolveTerm('sigmod'), undefined);
    assert.equal(suggestTerms('sigmod')[0]?.id, 'sigmoid');
    assert.equal(suggestTerms('leaky rel')[0]?.id, 'leaky-relu');
    assert.equal(suggestTerms('hardsig')[0]?.id, 'hardsigmoid');
    assert.equal(suggestTerms('gleu')[0]?.id, 'gelu');
    assert.deepEqual(suggestTerms('qwertyuiop'), []);
  });
});

describe('glossary card (hover and viewer)', () => {
  it('shows name, formula, range, one-line pro and con, and the dying-ReLU note', () => {
    const card = glossaryCard(resolveTerm('nn.ReLU')!, []);
    assert.equal(card.title, 'ReLU');
    const byLabel = Object.fromEntries(card.lines.map((l) => [l.label, l.text]));
    assert.equal(byLabel.Formula, 'f(x) = max(0, x)');
    assert.equal(byLabel.Range, '[0, +∞)');
    assert.ok(byLabel.Pro && byLabel.Con && byLabel['Dying ReLU']);
    const md = cardMarkdown(card);
    assert.match(md, /`f\(x\) = max\(0, x\)`/);
    assert.ok(md.includes(`command:activationLens.openGlossary?${encodeURIComponent('["relu"]')}`));
    assert.deepEqual(cardCommands(card).sort(), ['activationLens.explainTerm', 'activationLens.openGlossary']);
  });

  it('adds layer counts and dead share from registered model providers, and drops them on dispose', () => {
    const reg = setModelActivationCounts((id) =>
      id === 'relu' ? [{ model: 'convnet.onnx', layers: 3, deadShare: 0.125, reveal: { command: 'activationLens.revealNode', args: ['convnet.onnx', 'relu1'] } }] : [],
    );
    const broken = setModelActivationCounts(() => {
      throw new Error('provider bug');
    });
    try {
      const card = glossaryCard(resolveTerm('relu')!, activationUsage('relu'));
      assert.ok(card.lines.some((l) => l.label === 'In open model' && l.text === 'convnet.onnx: 3 layers, 13 % dead units measured'));
      assert.ok(cardCommands(card).includes('activationLens.revealNode'));
      assert.equal(activationUsage('elu').length, 0);
    } finally {
      reg.dispose();
      broken.dispose();
    }
    assert.equal(activationUsage('relu').length, 0);
  });

  it('escapes Markdown in text that may come from a model (no injected links)', () => {
    const reg = setModelActivationCounts(() => [{ model: '[x](command:workbench.action.terminal.new)', layers: 1 }]);
    try {
      const md = cardMarkdown(glossaryCard(resolveTerm('relu')!, activationUsage('relu')));
      assert.ok(!md.includes('[x](command:workbench'), md);
      assert.ok(md.includes('\\[x\\]\\(command:workbench'));
    } finally {
      reg.dispose();
    }
  });
});

describe('glossary plots (f and f′)', () => {
  it('has a curve for every element-wise activation entry', () => {
    for (const e of GLOSSARY.filter((x) => x.kind === 'activation' && !['softmax', 'log-softmax'].includes(x.id))) {
      assert.ok(plotFor(e.id), `no plot for ${e.id}`);
    }
    assert.equal(plotFor('gradient'), undefined);
  });

  it('has derivatives that agree with finite differences of f away from kinks', () => {
    const kinks = [0, 6, -3, 3, 1, -2.5, 2.5];
    for (const [id, c] of Object.entries(CURVES)) {
      for (let x = -4.9; x <= 4.9; x += 0.35) {
        if (kinks.some((k) => Math.abs(x - k) < 0.01)) continue;
        const h = 1e-5;
        const numeric = (c.f(x + h) - c.f(x - h)) / (2 * h);
        assert.ok(Math.abs(numeric - c.df(x)) < 1e-3, `${id} at x=${x.toFixed(2)}: f′=${c.df(x)} vs ${numeric}`);
      }
    }
  });

  it('matches known values of the formulas', () => {
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-4, `${a} ≠ ${b}`);
    near(CURVES.gelu.f(1), 0.841345);
    near(CURVES.silu.f(-1.278465), -0.278465);
    near(CURVES.selu.f(-100), -1.050701 * 1.673263);
    near(CURVES.mish.f(1), 0.865098);
    near(CURVES.relu6.f(9), 6);
  });

  it('produces SVG path data with only numbers and path commands', () => {
    const p = plotFor('relu')!;
    assert.match(p.fPath, /^M[\d.,-]+(L[\d.,-]+)+$/);
    assert.match(p.dfPath, /^M[\d.,-]+(L[\d.,-]+)+$/);
    assert.ok(p.yMin < 0 && p.yMax > 1);
  });
});
