// Comparing two runs (src/analysis/compare): per-layer values and changes, the input check, the
// identity runs record of their inputs, and reading run files back.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareRuns, compareLayer, biggestChanges } from '../../src/analysis/compare/compare';
import { checkInputs } from '../../src/analysis/compare/inputs';
import { parseRunJson, runFromJson } from '../../src/analysis/compare/runFile';
import type { CompareLayerStats, RunForCompare } from '../../src/analysis/compare/types';
import { rewriteOnnx } from '../../src/formats/onnx/rewrite';
import { inputIdentity, movedInputs } from '../../src/runtime/inputs/identity';
import { rerunOptions } from '../../src/runtime/inputs/rerun';
import { runActivations } from '../../src/runtime/runActivations';
import { runToJson } from '../../src/runtime/runJson';
import { ROOT } from '../support/cli';
import { tmpDir } from '../support/onnxBuild';

const DEAD_CNN = path.join(ROOT, 'test/fixtures/dead-cnn');
const MODEL = path.join(DEAD_CNN, 'dead_cnn.onnx');
const INPUTS = path.join(DEAD_CNN, 'inputs.npy');

/** A layer record with the given units and dead units (other statistics neutral). */
function layer(node: string, op: string, units: number, dead: number[], extra: Partial<CompareLayerStats> = {}): CompareLayerStats {
  const activeRate = Array.from({ length: units }, (_, u) => (dead.includes(u) ? 0 : 0.5));
  return { node, op, output: `${node}:0`, units, unitAxis: 1, activeRate, deadUnits: dead, zeroFraction: 0.5, min: 0, max: 1, mean: 0.3, std: 0.2, histogram: { edges: [0, 1], counts: [1] }, samples: 4, timeMs: 0, ...extra };
}

function run(layers: CompareLayerStats[], extra: Partial<RunForCompare> = {}): RunForCompare {
  return { model: '/m.onnx', samples: 4, inputSource: 'synthetic normal seed 0', dims: {}, inputIdentity: { kind: 'synthetic', distribution: 'normal', seed: 0 }, layers, ...extra };
}

describe('compare: runs', function () {
  this.timeout(60000);

  it('the dead CNN and its Leaky ReLU rewrite on the same digits: A\'s dead units are the measured ones, B has none, all revived', async () => {
    const dir = tmpDir();
    const leaky = path.join(dir, 'leaky.onnx');
    rewriteOnnx(MODEL, leaky, { variant: 'leaky-relu', params: { alpha: 0.01 } });
    const a = runToJson(await runActivations(MODEL, { inputs: INPUTS }));
    const b = runToJson(await runActivations(leaky, { inputs: INPUTS }));
    const c = compareRuns(a, b);
    assert.equal(c.comparable, true, c.warnings.join('; '));
    assert.equal(c.samples, 512);
    assert.deepEqual(c.layers.map((l) => l.deadA), a.layers.map((l) => l.deadUnits));
    assert.ok(c.layers.some((l) => l.deadA.length), 'the fixture has dead units');
    for (const l of c.layers) {
      assert.deepEqual(l.deadB, [], `${l.b} dead in B`);
      assert.deepEqual(l.revived, l.deadA);
      assert.deepEqual(l.died, []);
      assert.equal(l.kindA, 'Relu');
      assert.equal(l.kindB, 'LeakyRelu');
      assert.ok(l.deltaZeroFraction < -0.8, `${l.a}: a Leaky ReLU output is almost never exactly 0`);
    }
    // Units of B that stay negative are reported, but not as dead: they still pass a gradient.
    const relu3 = c.layers.find((l) => l.a === '/relu3/Relu')!;
    assert.deepEqual(relu3.neverPositiveB, b.layers[2].deadUnits);
    assert.ok(relu3.neverPositiveB.length > 0);
    assert.equal(c.newDead.length, 0);
    // The other way round every one of them died.
    const back = compareRuns(b, a);
    assert.deepEqual(back.newDead.map((d) => [d.b, d.units]), a.layers.filter((l) => l.deadUnits.length).map((l) => [l.node, l.deadUnits]));
    assert.equal(back.totals.newDead, a.layers.reduce((s, l) => s + l.deadUnits.length, 0));
  });

  it('units that died, revived and are dead in both, and the deltas of every statistic', () => {
    const a = run([layer('r', 'Relu', 6, [0, 1, 2], { zeroFraction: 0.6, mean: 1, std: 2, min: 0, max: 5 })]);
    const b = run([layer('r', 'Relu', 6, [2, 3], { zeroFraction: 0.4, mean: 1.5, std: 1, min: 0, max: 7 })]);
    const [l] = compareRuns(a, b).layers;
    assert.deepEqual([l.died, l.revived, l.deadInBoth], [[3], [0, 1], [2]]);
    assert.equal(l.deadShareA, 0.5);
    assert.ok(Math.abs(l.deltaDeadShare - (2 / 6 - 0.5)) < 1e-12);
    assert.ok(Math.abs(l.deltaZeroFraction + 0.2) < 1e-12);
    assert.deepEqual([l.deltaMean, l.deltaStd, l.deltaMax, l.deltaMin], [0.5, -1, 2, 0]);
  });

  it('dying share counts units that fired on fewer positions than the dying rate, ReLU-like layers only', () => {
    const rates = [0, 0.005, 0.009, 0.5];
    const a = run([layer('r', 'Relu', 4, [0], { activeRate: rates }), layer('t', 'Tanh', 4, [0], { activeRate: rates })]);
    const c = compareRuns(a, a);
    assert.equal(c.layers[0].dyingShareA, 0.5);
    assert.equal(c.layers[1].dyingShareA, 0);
    assert.deepEqual(c.layers[1].deadA, [], 'a Tanh unit that never goes above 0 is not dead');
    assert.equal(compareRuns(a, a, { dyingRate: 0.006 }).layers[0].dyingShareA, 0.25);
  });

  it('when unit counts differ, units are not compared one by one; more dead units still count as new', () => {
    const c = compareRuns(run([layer('r', 'Relu', 4, [0])]), run([layer('r', 'Relu', 8, [0, 1, 5])]));
    const [l] = c.layers;
    assert.deepEqual([l.died, l.revived, l.deadInBoth], [[], [], []]);
    assert.match(l.notes.join(), /unit counts differ \(4 → 8\)/);
    assert.deepEqual(c.newDead, [{ b: 'r', a: 'r', units: [], count: 2 }]);
  });

  it('dead units in a layer of B that has no counterpart in A are new', () => {
    const c = compareRuns(run([layer('r', 'Relu', 4, [])]), run([layer('r', 'Relu', 4, []), layer('extra', 'Relu', 3, [1])]));
    assert.deepEqual(c.unmatched, { a: [], b: ['extra'] });
    assert.deepEqual(c.newDead, [{ b: 'extra', units: [1], count: 1 }]);
  });

  it('lists the layers that changed most first', () => {
    const a = run([layer('x', 'Relu', 4, []), layer('y', 'Relu', 4, []), layer('z', 'Relu', 4, [])]);
    const b = run([layer('x', 'Relu', 4, []), layer('y', 'Relu', 4, [0, 1]), layer('z', 'Relu', 4, [0])]);
    assert.deepEqual(biggestChanges(compareRuns(a, b).layers).map((l) => l.a), ['y', 'z']);
  });

  it('compareLayer names a layer pair with the node names of each side', () => {
    const l = compareLayer(layer('a/relu', 'Relu', 2, []), layer('b/relu', 'LeakyRelu', 2, []), 'structure');
    assert.deepEqual([l.a, l.b, l.how, l.kindA, l.kindB], ['a/relu', 'b/relu', 'structure', 'Relu', 'LeakyRelu']);
  });
});

describe('compare: same inputs?', () => {
  it('the same seed and distribution: comparable, no warnings', () => {
    const c = checkInputs(run([]), run([]));
    assert.deepEqual([c.comparable, c.warnings, c.samples], [true, [], 4]);
    assert.equal(c.inputs, 'synthetic normal, seed 0');
  });

  it('normal inputs of a run file from before the ziggurat sampler are not taken for this version\'s, though seed and shape agree', () => {
    const now = { kind: 'synthetic' as const, distribution: 'normal', seed: 0, generator: 'ziggurat' };
    const older = checkInputs(run([], { inputIdentity: { kind: 'synthetic', distribution: 'normal', seed: 0 } }), run([], { inputIdentity: now }));
    assert.equal(older.comparable, false);
    assert.equal(older.inputs, null);
    assert.match(older.warnings.join('\n'), /different generators \(A Box–Muller \(an older version\), B ziggurat\)/);
    assert.equal(checkInputs(run([], { inputIdentity: now }), run([], { inputIdentity: { ...now } })).comparable, true);
    assert.deepEqual(inputIdentity({ seed: 0 }), now);
  });

  it('different seeds, distributions, sample counts: each one said, not comparable', () => {
    const c = checkInputs(run([]), run([], { samples: 8, inputIdentity: { kind: 'synthetic', distribution: 'uniform', seed: 3 } }));
    assert.equal(c.comparable, false);
    assert.equal(c.inputs, null);
    assert.equal(c.samples, null);
    const text = c.warnings.join('\n');
    assert.match(text, /different numbers of samples: A 4, B 8/);
    assert.match(text, /synthetic inputs differ: A normal, B uniform/);
    assert.match(text, /different seeds: A 0, B 3/);
  });

  it('the same file content under another path is the same inputs; a changed file is not', () => {
    const file = (p: string, sha: string) => ({ kind: 'file' as const, path: p, sha256: sha.repeat(64), files: 1, bytes: 10 });
    assert.equal(checkInputs(run([], { inputIdentity: file('/a/x.npy', 'a') }), run([], { inputIdentity: file('/b/x.npy', 'a') })).comparable, true);
    const changed = checkInputs(run([], { inputIdentity: file('/a/x.npy', 'a') }), run([], { inputIdentity: file('/a/x.npy', 'b') }));
    assert.equal(changed.comparable, false);
    assert.match(changed.warnings[0], /the input file \/a\/x\.npy changed between the runs/);
    const other = checkInputs(run([]), run([], { inputIdentity: file('/a/x.npy', 'a') }));
    assert.match(other.warnings[0], /A on synthetic normal, seed 0, B on \/a\/x\.npy/);
  });

  it('the same seed filling differently shaped inputs (NCHW and NHWC exports) is not the same inputs', () => {
    const shaped = (shape: string): Partial<RunForCompare> => ({ inputIdentity: { kind: 'synthetic', distribution: 'normal', seed: 0, sampleShapes: [shape] } });
    const c = checkInputs(run([], shaped('float32[1,8,8]')), run([], shaped('float32[8,8,1]')));
    assert.equal(c.comparable, false);
    assert.match(c.warnings.join(), /differently shaped inputs \(A float32\[1,8,8\]; B float32\[8,8,1\]\)/);
    assert.equal(checkInputs(run([], shaped('float32[1,8,8]')), run([])).comparable, true, 'a run file without shapes is not held against it');
  });

  it('a run file without an input identity cannot be confirmed, and says so', () => {
    const c = checkInputs(run([], { inputIdentity: undefined }), run([]));
    assert.equal(c.comparable, false);
    assert.match(c.warnings[0], /A does not record a hash of its inputs/);
  });

  it('different sizes of the same symbolic dimension are a warning', () => {
    const c = checkInputs(run([], { dims: { sequence: 128 } }), run([], { dims: { sequence: 64, other: 1 } }));
    assert.match(c.warnings.join(), /sequence A 128, B 64/);
  });
});

describe('compare: input identity of a run', function () {
  this.timeout(60000);

  it('a run records its inputs: the file with its SHA-256, or the synthetic generator and seed', async () => {
    const r = await runActivations(MODEL, { inputs: INPUTS, samples: 8 });
    const sha = createHash('sha256').update(fs.readFileSync(INPUTS)).digest('hex');
    assert.deepEqual(r.inputIdentity, { kind: 'file', path: INPUTS, sha256: sha, files: 1, bytes: fs.statSync(INPUTS).size });
    assert.deepEqual(runToJson(r).inputIdentity, r.inputIdentity);
    const s = await runActivations(MODEL, { samples: 2, seed: 5, distribution: 'uniform' });
    assert.deepEqual(s.inputIdentity, { kind: 'synthetic', distribution: 'uniform', seed: 5, sampleShapes: ['float32[1,8,8]'] });
  });

  it('a folder\'s identity changes when one of its input files changes, not when the folder moves', () => {
    const one = tmpDir(), two = tmpDir();
    for (const d of [one, two]) {
      fs.writeFileSync(path.join(d, 'a.npy'), 'first');
      fs.writeFileSync(path.join(d, 'b.npy'), 'second');
      fs.writeFileSync(path.join(d, 'notes.txt'), 'not an input: ignored');
    }
    fs.writeFileSync(path.join(two, 'notes.txt'), 'other text');
    const x = inputIdentity({ inputs: one }), y = inputIdentity({ inputs: two });
    assert.ok(x.kind === 'folder' && y.kind === 'folder', `kinds ${x.kind}, ${y.kind}`);
    assert.equal(x.files, 2);
    assert.equal(x.sha256, y.sha256);
    fs.writeFileSync(path.join(two, 'b.npy'), 'changed');
    const z = inputIdentity({ inputs: two });
    assert.ok(z.kind !== 'synthetic' && z.sha256 !== x.sha256);
  });
});

describe('compare: running a model again on recorded inputs', () => {
  const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  const recorded = (p: string, runFile: string, hash = sha(INPUTS)): RunForCompare => ({
    model: MODEL, samples: 512, inputSource: p, dims: {}, layers: [], runFile,
    inputIdentity: { kind: 'file', path: p, sha256: hash, files: 1, bytes: fs.statSync(INPUTS).size },
  });

  it('uses the recorded seed, generator and sample count of synthetic inputs', () => {
    assert.deepEqual(rerunOptions(run([], { samples: 9, inputIdentity: { kind: 'synthetic', distribution: 'uniform', seed: 4 } })), { samples: 9, dims: {}, seed: 4, distribution: 'uniform' });
    // Sizes the names default to (batch 1) are left to default; chosen ones are kept.
    assert.deepEqual(rerunOptions(run([], { dims: { batch: 1, sequence: 16, batch_size: 8 } })).dims, { sequence: 16, batch_size: 8 });
  });

  it('finds an input file recorded in another checkout by its path\'s tail, only when its contents hash the same', () => {
    const repo = tmpDir();
    fs.mkdirSync(path.join(repo, 'data'));
    fs.copyFileSync(INPUTS, path.join(repo, 'data', 'probe.npy'));
    const runFile = path.join(repo, 'baseline-run.json');
    const elsewhere = '/home/someone/checkout/data/probe.npy';
    assert.equal(rerunOptions(recorded(elsewhere, runFile), movedInputs).inputs, path.join(repo, 'data', 'probe.npy'));
    assert.throws(() => rerunOptions(recorded(elsewhere, runFile), undefined), /which does not exist here/);
    assert.throws(() => rerunOptions(recorded(elsewhere, runFile, 'f'.repeat(64)), movedInputs), /baseline-run\.json ran on \/home\/someone\/checkout\/data\/probe\.npy, which does not exist here/);
  });
});

describe('compare: run files', () => {
  const good = () => JSON.parse(JSON.stringify(run([layer('r', 'Relu', 3, [1])]))) as Record<string, unknown> & { layers: Record<string, unknown>[] };

  it('reads a run back as written', () => {
    const r = runFromJson(good(), 'x.json');
    assert.deepEqual(r.layers[0].deadUnits, [1]);
    assert.equal(r.runFile, 'x.json');
    assert.deepEqual(r.inputIdentity, { kind: 'synthetic', distribution: 'normal', seed: 0 });
  });

  it('rejects broken or hostile run files with one message naming the file and the field', () => {
    const cases: [string, (v: ReturnType<typeof good>) => void, RegExp][] = [
      ['dead unit out of range', (v) => void (v.layers[0].deadUnits = [7]), /layers\[0\]\.deadUnits holds 7, not a unit of 3/],
      ['active rates of the wrong length', (v) => void (v.layers[0].activeRate = [1]), /layers\[0\]\.activeRate has 1 entries, expected 3/],
      ['a huge unit count', (v) => void (v.layers[0].units = 2 ** 40), /layers\[0\]\.units must be an integer/],
      ['a node name that is not a string', (v) => void (v.layers[0].node = { toString: 1 }), /layers\[0\]\.node must be a string/],
      ['no layers', (v) => void delete (v as Record<string, unknown>).layers, /has no "layers" array/],
      ['a bad hash', (v) => void (v.inputIdentity = { kind: 'file', path: '/x', sha256: 'zz', files: 1, bytes: 1 }), /inputIdentity\.sha256 must be 64 hex digits/],
    ];
    for (const [what, spoil, message] of cases) {
      const v = good();
      spoil(v);
      assert.throws(() => runFromJson(v, '/runs/x.json'), (e: Error) => e.message.startsWith('/runs/x.json: not a valid run file: ') && message.test(e.message), what);
    }
    assert.throws(() => parseRunJson('{"layers": [', '/runs/y.json'), /\/runs\/y\.json: not a valid run file: invalid JSON/);
  });

  it('keeps a "__proto__" dimension name a plain key', () => {
    const v = good();
    v.dims = JSON.parse('{"__proto__": 3}');
    const r = runFromJson(v, 'x.json');
    assert.equal(Object.getPrototypeOf(r.dims), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(r.dims, '__proto__')?.value, 3);
  });
});
