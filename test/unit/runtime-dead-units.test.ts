// `run --json` measures dead units that equal the ground truth computed independently by the
// framework that trained or planted them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, ROOT } from '../support/cli';
import { runActivations } from '../../src/runtime/runActivations';

const DEAD_CNN = path.join(ROOT, 'test/fixtures/dead-cnn');
const ANALYSIS = path.join(ROOT, 'test/fixtures/analysis');

interface JsonLayer {
  node: string;
  op: string;
  units: number;
  deadUnits: number[];
  activeRate: number[];
  zeroFraction: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  histogram: { edges: number[]; counts: number[] };
}

describe('run: dead units against ground truth', () => {
  it('a CNN trained on digits until units died: run --json dead units equal the PyTorch forward-hook truth exactly', () => {
    const truth = JSON.parse(fs.readFileSync(path.join(DEAD_CNN, 'truth.json'), 'utf8')) as { samples: number; layers: { node: string; units: number; deadUnits: number[] }[] };
    const r = runCli(['run', path.join(DEAD_CNN, 'dead_cnn.onnx'), '--inputs', path.join(DEAD_CNN, 'inputs.npy'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { model: string; samples: number; layers: JsonLayer[] };
    assert.equal(out.samples, truth.samples);
    assert.deepEqual(out.layers.map((l) => l.node), truth.layers.map((l) => l.node));
    for (const t of truth.layers) {
      const l = out.layers.find((x) => x.node === t.node)!;
      assert.equal(l.op, 'Relu');
      assert.equal(l.units, t.units, `${t.node} units`);
      assert.deepEqual(l.deadUnits, t.deadUnits, `${t.node} dead units`);
      for (const u of t.deadUnits) assert.equal(l.activeRate[u], 0);
      assert.ok(l.activeRate.filter((_, u) => !t.deadUnits.includes(u)).every((a) => a > 0), `${t.node}: live units have a positive active rate`);
      assert.equal(l.histogram.counts.length, l.histogram.edges.length - 1);
      assert.ok(l.min >= 0 && l.max > 0 && l.zeroFraction > 0 && l.zeroFraction < 1);
    }
    assert.ok(truth.layers.some((l) => l.deadUnits.length > 0), 'the fixture has dead units');
  });

  it('the same model in smaller batches, fed by a folder of .npy files, gives the same dead units', async () => {
    const truth = JSON.parse(fs.readFileSync(path.join(DEAD_CNN, 'truth.json'), 'utf8')) as { layers: { node: string; deadUnits: number[] }[] };
    const r = await runActivations(path.join(DEAD_CNN, 'dead_cnn.onnx'), { inputs: path.join(DEAD_CNN, 'inputs.npy'), batchSize: 7 });
    assert.equal(r.samples, 512);
    for (const t of truth.layers) assert.deepEqual(r.layers.find((l) => l.node === t.node)!.deadUnits, t.deadUnits);
  });

  it('a trained MLP with dead units (JSON inputs) matches its truth', async () => {
    const truth = JSON.parse(fs.readFileSync(path.join(ANALYSIS, 'trained_dead_mlp.truth.json'), 'utf8')) as { samples: number; dead: Record<string, number[]> };
    const r = await runActivations(path.join(ANALYSIS, 'trained_dead_mlp.onnx'), { inputs: path.join(ANALYSIS, 'trained_dead_mlp.inputs.json') });
    assert.equal(r.samples, truth.samples);
    for (const [node, dead] of Object.entries(truth.dead)) assert.deepEqual(r.layers.find((l) => l.node === node)?.deadUnits, dead, node);
  });

  it('a transformer encoder with named dynamic dims (batch, sequence) and int64 tokens: dead feed-forward units on the last axis equal the hook truth', () => {
    const dir = path.join(DEAD_CNN, 'transformer');
    const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as { samples: number; layers: { node: string; units: number; deadUnits: number[] }[] };
    const r = runCli(['run', path.join(dir, 'tiny_transformer.onnx'), '--inputs', path.join(dir, 'tokens.npy'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { samples: number; layers: (JsonLayer & { unitAxis: number })[] };
    assert.equal(out.samples, truth.samples);
    const t = truth.layers[0];
    const l = out.layers.find((x) => x.node === t.node)!;
    assert.equal(l.units, t.units);
    assert.equal(l.unitAxis, 2, 'units of a [batch, sequence, hidden] output are on the last axis');
    assert.deepEqual(l.deadUnits, t.deadUnits);
  });

  it('resolves the named sequence dimension from --dim for synthetic tokens and reports it', () => {
    const r = runCli(['run', path.join(DEAD_CNN, 'transformer', 'tiny_transformer.onnx'), '--dim', 'sequence=5', '--samples', '8', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { dims: Record<string, number>; layers: JsonLayer[] };
    assert.equal(out.dims.sequence, 5);
    assert.deepEqual(out.layers.find((x) => x.node === '/enc/ffn_relu/Relu')!.deadUnits.filter((u) => [3, 17, 40].includes(u)), [3, 17, 40]);
  });

  for (const name of ['bn_planted', 'bn_folded', 'mlp_planted']) {
    it(`planted dead channels in ${name}.onnx are found on synthetic inputs, and only those`, async () => {
      const truth = JSON.parse(fs.readFileSync(path.join(ANALYSIS, `${name}.truth.json`), 'utf8')) as { planted: Record<string, number[]> };
      const r = await runActivations(path.join(ANALYSIS, `${name}.onnx`), { samples: 512, seed: 3 });
      for (const [node, dead] of Object.entries(truth.planted)) assert.deepEqual(r.layers.find((l) => l.node === node)?.deadUnits, dead, node);
    });
  }
});
