// `activation-lens diff A B` as a process, on real models: the dead digits CNN and its Leaky ReLU
// rewrite, the same network exported again under other names, and saved runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { ROOT, runCli } from '../support/cli';
import { floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';
import type { RunComparison } from '../../src/analysis/compare/types';

const DEAD_CNN = path.join(ROOT, 'test/fixtures/dead-cnn');
const ORIGINAL = path.join(DEAD_CNN, 'dead_cnn.onnx');
const DIGITS = path.join(DEAD_CNN, 'inputs.npy');
const COMPARE = path.join(ROOT, 'test/fixtures/compare');

interface Truth {
  layers: { node: string; deadUnits: number[] }[];
}
interface CompareTruth {
  renamed: { model: string; sameLayer: [string, string][]; layers: { node: string; deadUnits: number[] }[] };
  deeper: { model: string; sameLayer: [string, string][]; undecidable: { a: string[]; b: string[] } };
}

function diffJson(args: string[]): { status: number | null; out: RunComparison; stderr: string } {
  const r = runCli(['diff', ...args, '--json']);
  assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
  return { status: r.status, out: JSON.parse(r.stdout) as RunComparison, stderr: r.stderr };
}

/** A chain of `layers` Gemm + Relu blocks of `width` units (every Relu a layer to compare). */
function chainModel(dir: string, layers: number, width: number): string {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let x = 'x';
  let s = 3;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6;
  for (let i = 0; i < layers; i++) {
    inits.push(floatTensor(`w${i}`, [width, width], Array.from({ length: width * width }, rnd)), floatTensor(`b${i}`, [width], Array.from({ length: width }, () => rnd() - (i % 9 === 0 ? 2 : 0))));
    nodes.push({ name: `dense${i}`, opType: 'Gemm', input: [x, `w${i}`, `b${i}`], output: [`h${i}`] }, { name: `relu${i}`, opType: 'Relu', input: [`h${i}`], output: [`a${i}`] });
    x = `a${i}`;
  }
  return writeModel(dir, 'chain.onnx', { nodes, initializers: inits, inputs: [valueInfo('x', 1, ['batch', width])], outputs: [valueInfo(x, 1, ['batch', width])] });
}

describe('diff: CLI', function () {
  this.timeout(180000);
  const truth = JSON.parse(fs.readFileSync(path.join(DEAD_CNN, 'truth.json'), 'utf8')) as Truth;
  const compareTruth = JSON.parse(fs.readFileSync(path.join(COMPARE, 'truth.json'), 'utf8')) as CompareTruth;
  let dir: string;
  let rewritten: string;
  /** `run --json` of the original on the digits, saved (a run file). */
  let savedRun: string;

  before(() => {
    dir = tmpDir('al-diff-');
    rewritten = path.join(dir, 'rewritten.onnx');
    const r = runCli(['rewrite', ORIGINAL, '--to', 'leaky-relu', '-o', rewritten]);
    assert.equal(r.status, 0, r.stderr);
    savedRun = path.join(dir, 'original-digits.json');
    const run = runCli(['run', ORIGINAL, '--inputs', DIGITS, '--json']);
    assert.equal(run.status, 0, run.stderr);
    fs.writeFileSync(savedRun, run.stdout);
  });

  it('the dead CNN against its Leaky ReLU rewrite on the digits: A\'s dead units as `run` measures them, none in B, every layer matched by name', () => {
    const measured = JSON.parse(fs.readFileSync(savedRun, 'utf8')) as Truth;
    const { status, out } = diffJson([ORIGINAL, rewritten, '--inputs', DIGITS]);
    assert.equal(status, 0);
    assert.equal(out.a, ORIGINAL);
    assert.equal(out.b, rewritten);
    assert.equal(out.samples, 512);
    assert.match(out.inputs ?? '', /inputs\.npy/);
    assert.equal(out.comparable, true, out.warnings.join('; '));
    assert.deepEqual(out.matched, truth.layers.map((l) => ({ a: l.node, b: l.node, how: 'name' })));
    assert.deepEqual(out.unmatched, { a: [], b: [] });
    assert.deepEqual(out.layers.map((l) => [l.a, l.b, l.deadA]), measured.layers.map((l) => [l.node, l.node, l.deadUnits]));
    assert.deepEqual(out.layers.map((l) => l.deadA), truth.layers.map((l) => l.deadUnits), 'the PyTorch ground truth');
    for (const l of out.layers) {
      assert.deepEqual(l.deadB, [], `${l.b}: dead units in the rewrite`);
      assert.deepEqual(l.died, []);
      assert.deepEqual(l.revived, l.deadA);
      assert.equal(typeof l.deltaZeroFraction, 'number');
    }
    assert.deepEqual(out.newDead, []);
  });

  it('--fail-on new-dead exits 0 from the original to the rewrite and 1 the other way, naming the units that died', () => {
    const forward = runCli(['diff', ORIGINAL, rewritten, '--inputs', DIGITS, '--fail-on', 'new-dead']);
    assert.equal(forward.status, 0, forward.stderr);
    assert.match(forward.stdout, /no new dead units in B/);
    const back = runCli(['diff', rewritten, ORIGINAL, '--inputs', DIGITS, '--fail-on', 'new-dead']);
    assert.equal(back.status, 1, back.stderr);
    const total = truth.layers.reduce((s, l) => s + l.deadUnits.length, 0);
    assert.match(back.stderr, new RegExp(`B has ${total} dead units that A did not`));
    for (const l of truth.layers.filter((x) => x.deadUnits.length)) assert.ok(back.stderr.includes(`${l.node}: units ${l.deadUnits.join(', ')} died`), back.stderr);
    assert.doesNotMatch(back.stderr, /at .*\.js:\d+/);
  });

  it('the same network exported again under other node names is matched by structure, layer for layer', () => {
    const renamed = path.join(COMPARE, compareTruth.renamed.model);
    const { out } = diffJson([ORIGINAL, renamed, '--inputs', DIGITS, '--fail-on', 'new-dead']);
    assert.deepEqual(out.matched.map((p) => [p.a, p.b, p.how]), compareTruth.renamed.sameLayer.map(([a, b]) => [a, b, 'structure']));
    for (const p of out.matched) assert.match(p.evidence ?? '', /Relu, \d+ units; layer \d of 3 in A, \d of 3 in B/);
    assert.deepEqual(out.unmatched, { a: [], b: [] });
    // The same weights: nothing died or revived, and the dead units are the ground truth's.
    assert.deepEqual(out.layers.map((l) => l.deadInBoth), compareTruth.renamed.layers.map((l) => l.deadUnits));
    assert.ok(out.layers.every((l) => !l.died.length && !l.revived.length && l.deltaMean === 0 && l.deltaZeroFraction === 0));
  });

  it('an export with one more layer of the same shape: what structure cannot decide is left unmatched and said so', () => {
    const deeper = path.join(COMPARE, compareTruth.deeper.model);
    const { out } = diffJson([ORIGINAL, deeper, '--inputs', DIGITS]);
    assert.deepEqual(out.matched.map((p) => [p.a, p.b, p.how]), compareTruth.deeper.sameLayer.map(([a, b]) => [a, b, 'structure']));
    assert.deepEqual(out.unmatched, compareTruth.deeper.undecidable);
    assert.deepEqual(out.ambiguous, [compareTruth.deeper.undecidable]);
    const text = runCli(['diff', ORIGINAL, deeper, '--inputs', DIGITS]).stdout;
    assert.match(text, /not matched, more than one way to pair them: A \/relu3\/Relu with B \/head\/head\.2\/Relu, \/head\/head\.4\/Relu/);
  });

  it('two run files of a 100-layer model on different inputs diff without running anything, in well under a second, with warnings', () => {
    const models = tmpDir('al-diff-chain-');
    const model = chainModel(models, 100, 32);
    const a = path.join(dir, 'chain-seed0.json'), b = path.join(dir, 'chain-seed1.json');
    for (const [file, seed, samples] of [[a, '0', '16'], [b, '1', '24']]) {
      const r = runCli(['run', model, '--seed', seed, '--samples', samples, '--json']);
      assert.equal(r.status, 0, r.stderr);
      fs.writeFileSync(file, r.stdout);
    }
    fs.rmSync(models, { recursive: true }); // nothing can run now
    const t0 = performance.now();
    const r = runCli(['diff', a, b, '--json']);
    const ms = performance.now() - t0;
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as RunComparison;
    assert.equal(out.matched.length, 100);
    assert.ok(out.matched.every((p) => p.how === 'name'));
    assert.equal(out.comparable, false);
    assert.equal(out.samples, null);
    assert.equal(out.runs.a.runFile, a);
    assert.match(r.stderr, /warning: the runs ran different numbers of samples: A 16, B 24/);
    assert.match(r.stderr, /warning: the synthetic inputs have different seeds: A 0, B 1/);
    assert.match(out.warnings.join('\n'), /different seeds/);
    // The whole process, node start-up included; `npm run bench` measures it against baselines.
    assert.ok(ms < 2000, `diff of two 100-layer runs took ${ms.toFixed(0)} ms`);
  });

  it('a run file against a model: the model runs on the inputs the run file records', () => {
    const { out } = diffJson([savedRun, rewritten]);
    assert.equal(out.comparable, true, out.warnings.join('; '));
    assert.equal(out.samples, 512);
    assert.equal(out.runs.b.inputIdentity?.kind, 'file');
    assert.deepEqual(out.layers.map((l) => l.deadA), truth.layers.map((l) => l.deadUnits));
    assert.ok(out.layers.every((l) => l.deadB.length === 0));
    // Synthetic runs too: the recorded seed and sample count are used again.
    const synthetic = path.join(dir, 'original-seed4.json');
    fs.writeFileSync(synthetic, runCli(['run', ORIGINAL, '--seed', '4', '--samples', '6', '--json']).stdout);
    const again = diffJson([synthetic, ORIGINAL]).out;
    assert.equal(again.comparable, true, again.warnings.join('; '));
    assert.equal(again.samples, 6);
    assert.ok(again.layers.every((l) => l.deltaMean === 0 && !l.died.length && !l.revived.length), 'the same model on the same inputs');
  });

  it('--markdown writes a pull-request comment in which layer names cannot inject links, HTML, cells or mentions', () => {
    const saved = JSON.parse(fs.readFileSync(savedRun, 'utf8')) as { layers: { node: string }[] };
    const hostile = '<img src=x onerror=alert(1)> | @everyone [click](http://evil.example) `x` **b**';
    saved.layers[1].node = hostile;
    const a = path.join(dir, 'hostile-a.json'), b = path.join(dir, 'hostile-b.json');
    fs.writeFileSync(a, JSON.stringify(saved));
    fs.writeFileSync(b, JSON.stringify(saved));
    const r = runCli(['diff', a, b, '--markdown']);
    assert.equal(r.status, 0, r.stderr);
    const md = r.stdout;
    assert.match(md, /^### Activation Lens: hostile-a\.json → hostile-b\.json/);
    assert.match(md, /\*\*No new dead units in B\.\*\*/);
    assert.doesNotMatch(md, /<img|@everyone|(?<!\\)\]\(|http:\/\//);
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Layer'));
    assert.equal(rows.length, 3);
    // Every row has the header's 12 cells: no unescaped | from the name.
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length - 2, 12, row);
  });

  it('bad arguments and bad files exit 2 with one line naming the problem', () => {
    const broken = path.join(dir, 'broken-run.json');
    const saved = JSON.parse(fs.readFileSync(savedRun, 'utf8')) as { layers: { deadUnits: number[] }[] };
    saved.layers[0].deadUnits = [99];
    fs.writeFileSync(broken, JSON.stringify(saved));
    const corrupt = path.join(dir, 'corrupt.onnx');
    fs.writeFileSync(corrupt, fs.readFileSync(ORIGINAL).subarray(0, 5000));
    const cases: [string[], RegExp][] = [
      [[broken, broken], /broken-run\.json: not a valid run file: layers\[0\]\.deadUnits holds 99/],
      [[ORIGINAL, corrupt, '--samples', '2'], /corrupt\.onnx/],
      [[ORIGINAL, path.join(dir, 'missing.onnx')], /missing\.onnx: no such file/],
      [[ORIGINAL], /expected two paths, A and B/],
      [[ORIGINAL, rewritten, '--fail-on', 'everything'], /--fail-on must be new-dead, got 'everything'/],
      [[ORIGINAL, rewritten, '--json', '--markdown'], /--json and --markdown exclude each other/],
      [[savedRun, savedRun, '--inputs', DIGITS], /both run files.*apply only to models/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['diff', ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^activation-lens diff: /);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    }
  });

  it('is listed in the CLI usage and answers --help', () => {
    assert.match(runCli(['--help']).stdout, /diff A B/);
    const r = runCli(['diff', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--fail-on new-dead/);
  });
});
