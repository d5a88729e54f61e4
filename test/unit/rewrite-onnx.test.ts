// ONNX rewrites: every variant passes onnx.checker (Python), differs from the input only in the
// replaced nodes (byte ranges outside them are identical, and Python sees every other node,
// initializer and model field unchanged), and computes in onnxruntime-web what PyTorch computes with
// the variant swapped in (references from scripts/fixtures/build_analysis_fixtures.py).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../../src/core/model';
import { parseVariant } from '../../src/analysis/suggestions';
import { rewriteOnnx, type RewriteResult } from '../../src/formats/onnx/rewrite';
import { getOrt } from '../../src/runtime/ort';
import { valueInfo, writeModel } from '../support/onnxBuild';

const FIX = path.join(__dirname, '..', 'fixtures', 'analysis');
const refs = JSON.parse(fs.readFileSync(path.join(FIX, 'rewrite_net.refs.json'), 'utf8')) as {
  input: { name: string; shape: number[]; data: number[] };
  outputs: Record<string, number[]>;
  partialFirstElu: number[];
  relu: number[];
  reluNodes: string[];
};
const PY = '/usr/bin/python3';
const hasPythonOnnx = spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'al-rewrite-'));

async function runOrt(file: string): Promise<Float32Array> {
  const ort = getOrt();
  const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(file)));
  try {
    const x = new ort.Tensor('float32', Float32Array.from(refs.input.data), refs.input.shape);
    const out = await session.run({ [session.inputNames[0]]: x });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

function assertClose(actual: ArrayLike<number>, expected: number[], what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: output length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  assert.ok(worst <= tol, `${what}: largest relative difference ${worst} > ${tol}`);
}

/** Every byte of the input is either copied verbatim (checked here byte by byte), inside a replaced
 *  node, or the graph field's length prefix. */
function assertOnlyNodesChanged(input: string, r: RewriteResult): void {
  const a = fs.readFileSync(input);
  const b = fs.readFileSync(r.output);
  for (const c of r.copied) {
    assert.ok(a.subarray(c.inputStart, c.inputEnd).equals(b.subarray(c.outputStart, c.outputStart + c.inputEnd - c.inputStart)), `bytes ${c.inputStart}..${c.inputEnd} copied unchanged`);
  }
  const covered = [...r.copied.map((c) => [c.inputStart, c.inputEnd]), ...r.replacedRanges.map((x) => [x.start, x.end])].sort((x, y) => x[0] - y[0]);
  let pos = 0;
  const gaps: [number, number][] = [];
  for (const [s, e] of covered) {
    if (s > pos) gaps.push([pos, s]);
    pos = Math.max(pos, e);
  }
  if (pos < a.length) gaps.push([pos, a.length]);
  // The only uncopied bytes outside the replaced nodes: the graph's length varint (≤ 10 bytes).
  assert.equal(gaps.length, 1, `one gap (the graph length prefix), got ${JSON.stringify(gaps)}`);
  assert.ok(gaps[0][1] - gaps[0][0] <= 10);
  assert.equal(a[gaps[0][0] - 1], 0x3a, 'the gap follows the ModelProto.graph tag');
}

/** Python's view: model fields other than the graph, every node but the replaced ones, and every
 *  original initializer are identical; only new initializers are added. */
const PY_DIFF = `
import json, sys, onnx
from onnx import checker
ok = []
for case in json.loads(sys.argv[1]):
    a = onnx.load(case['input']); b = onnx.load(case['output'])
    checker.check_model(b, full_check=True)
    replaced = set(case['replaced'])
    an = [n for n in a.graph.node]
    kept_a = [n.SerializeToString() for n in an if n.name not in replaced]
    names_b = set()
    kept_b = []
    for n in b.graph.node:
        if n.SerializeToString() in set(kept_a): kept_b.append(n.SerializeToString())
    assert kept_a == kept_b, 'unreplaced nodes differ or moved'
    ia = [t.SerializeToString() for t in a.graph.initializer]
    ib = [t.SerializeToString() for t in b.graph.initializer]
    assert ib[:len(ia)] == ia, 'original initializers changed'
    assert sorted(t.name for t in b.graph.initializer[len(ia):]) == sorted(case['added']), 'unexpected initializers'
    ga, gb = onnx.GraphProto(), onnx.GraphProto()
    ga.CopyFrom(a.graph); gb.CopyFrom(b.graph)
    for g in (ga, gb):
        del g.node[:]; del g.initializer[:]
    assert ga.SerializeToString() == gb.SerializeToString(), 'graph fields besides nodes/initializers changed'
    ma, mb = onnx.ModelProto(), onnx.ModelProto()
    ma.CopyFrom(a); mb.CopyFrom(b)
    ma.ClearField('graph'); mb.ClearField('graph')
    assert ma.SerializeToString() == mb.SerializeToString(), 'model fields changed (opset import included)'
    ok.append(case['output'])
print(json.dumps(ok))
`;

describe('ONNX rewrite: every variant, opset 11 (decompositions) and 17', () => {
  const results: { input: string; r: RewriteResult }[] = [];
  for (const opset of [11, 17]) {
    const input = path.join(FIX, `rewrite_net_opset${opset}.onnx`);
    for (const spec of Object.keys(refs.outputs)) {
      it(`${spec} at opset ${opset}: onnxruntime-web computes what PyTorch computes with ${spec}`, async () => {
        const { id, params } = parseVariant(spec);
        const out = path.join(tmp, `opset${opset}_${spec.replace(':', '_')}.onnx`);
        const r = rewriteOnnx(input, out, { variant: id, params });
        assert.deepEqual(r.replaced, refs.reluNodes);
        results.push({ input, r });
        assertOnlyNodesChanged(input, r);
        assertClose(await runOrt(out), refs.outputs[spec], spec);
        // The original still computes ReLU: it was not touched.
        assertClose(await runOrt(input), refs.relu, 'input model');
      });
    }
  }
  it('CELU and GELU use decompositions before their opsets and never change the opset import', () => {
    const celu11 = results.find((x) => x.r.variant === 'celu' && x.input.includes('opset11'));
    const celu17 = results.find((x) => x.r.variant === 'celu' && x.input.includes('opset17'));
    assert.match(celu11!.r.written, /Div\+Elu\+Mul/);
    assert.equal(celu17!.r.written, 'Celu');
    assert.ok(results.every((x) => !x.r.opsetChanged));
  });
  (hasPythonOnnx ? it : it.skip)('every rewritten model passes onnx.checker (full check) and Python sees only the replaced nodes changed', function () {
    this.timeout(120000);
    assert.ok(results.length >= 20, 'the variant tests ran first');
    const cases = results.map(({ input, r }) => ({ input, output: r.output, replaced: r.replaced, added: r.addedInitializers }));
    const p = spawnSync(PY, ['-c', PY_DIFF, JSON.stringify(cases)], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).length, cases.length);
  });
});

describe('ONNX rewrite: choosing nodes and refusing unsafe outputs', () => {
  const input = path.join(FIX, 'rewrite_net_opset17.onnx');
  it('--nodes replaces only the named ReLU', async () => {
    const out = path.join(tmp, 'partial.onnx');
    const r = rewriteOnnx(input, out, { variant: 'elu', params: { alpha: 1 }, nodes: [refs.reluNodes[0]] });
    assert.deepEqual(r.replaced, [refs.reluNodes[0]]);
    assertOnlyNodesChanged(input, r);
    assertClose(await runOrt(out), refs.partialFirstElu, 'first ReLU → ELU');
  });
  it('refuses an existing output unless forced, and never writes over the input', () => {
    const out = path.join(tmp, 'exists.onnx');
    fs.writeFileSync(out, 'keep me');
    assert.throws(() => rewriteOnnx(input, out, { variant: 'selu' }), (e: unknown) => e instanceof ModelError && /already exists/.test(e.message));
    assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
    rewriteOnnx(input, out, { variant: 'selu', force: true });
    assert.notEqual(fs.readFileSync(out, 'utf8'), 'keep me');
    const before = fs.readFileSync(input);
    assert.throws(() => rewriteOnnx(input, input, { variant: 'selu', force: true }), /is the input model/);
    const link = path.join(tmp, 'link.onnx');
    fs.symlinkSync(input, link);
    assert.throws(() => rewriteOnnx(input, link, { variant: 'selu', force: true }), /is the input model/);
    assert.ok(fs.readFileSync(input).equals(before), 'input unchanged');
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left behind');
  });
  it('names the problem when a chosen node is missing or not a ReLU', () => {
    assert.throws(() => rewriteOnnx(input, path.join(tmp, 'x1.onnx'), { variant: 'elu', nodes: ['nope'] }), /no node named 'nope'/);
    assert.throws(() => rewriteOnnx(input, path.join(tmp, 'x2.onnx'), { variant: 'elu', nodes: ['/c1/Conv'] }), /is a Conv, not a Relu/);
    assert.ok(!fs.existsSync(path.join(tmp, 'x1.onnx')));
  });
});

describe('ONNX rewrite: element types and IR versions', () => {
  const PY_CONSTS = `
import json, sys, onnx, numpy as np
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
print(json.dumps({t.name: [str(numpy_helper.to_array(t).dtype), float(numpy_helper.to_array(t).reshape(-1)[0])] for t in m.graph.initializer}))
`;
  (hasPythonOnnx ? it : it.skip)('a float16 model gets float16 constants (GELU decomposition) and passes the full check', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-f16-'));
    const file = writeModel(dir, 'f16.onnx', {
      opset: 13,
      nodes: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }],
      inputs: [valueInfo('x', 10, ['N', 4])],
      outputs: [valueInfo('y', 10, ['N', 4])],
    });
    const out = path.join(dir, 'gelu.onnx');
    const r = rewriteOnnx(file, out, { variant: 'gelu' });
    assert.equal(r.addedInitializers.length, 3);
    const p = spawnSync(PY, ['-c', PY_CONSTS, out], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const consts = JSON.parse(p.stdout) as Record<string, [string, number]>;
    const values = Object.values(consts).map(([dtype, v]) => [dtype, +v.toFixed(3)]).sort((a, b) => (a[1] as number) - (b[1] as number));
    assert.deepEqual(values, [['float16', 0.5], ['float16', 1], ['float16', 1.414]]);
  });
  (hasPythonOnnx ? it : it.skip)('IR version 3 lists new initializers as graph inputs too (PReLU slopes), as that IR requires', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-ir3-'));
    const file = writeModel(dir, 'ir3.onnx', {
      opset: 8,
      nodes: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }],
      inputs: [valueInfo('x', 1, ['N', 4])],
      outputs: [valueInfo('y', 1, ['N', 4])],
      extra: { irVersion: 3 },
    });
    const out = path.join(dir, 'prelu.onnx');
    rewriteOnnx(file, out, { variant: 'prelu' });
    const p = spawnSync(PY, ['-c', PY_CONSTS + "\nprint(json.dumps([i.name for i in m.graph.input]))", out], { encoding: 'utf8' });
    assert.equal(p.status, 0, p.stderr);
    const [inits, inputs] = p.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(Object.values(inits), [['float32', 0.25]]);
    assert.deepEqual(inputs, ['x', 'relu.prelu_slope']);
  });
});
