// `activation-lens inspect` as a process: exit codes, one JSON object, clear errors.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { tmpDir, writeModel } from '../support/onnxBuild';

const CONV = '/usr/share/libonnx-testdata/data/pytorch-converted/test_Conv2d/model.onnx';

describe('CLI inspect', () => {
  it('prints exactly one JSON object with the documented fields and exits 0', () => {
    const r = runCli(['inspect', '--json', CONV]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    for (const key of ['format', 'producer', 'irVersion', 'opsets', 'inputs', 'outputs', 'nodeCount', 'nodeCountAll', 'ops', 'parameters', 'activations']) {
      assert.ok(key in s, `missing ${key}`);
    }
    assert.equal(s.format, 'onnx');
    assert.deepEqual({ ...s.ops }, { Conv: 1 });
  });

  it('lists activation nodes, including Clip used as ReLU6', () => {
    const dir = tmpDir();
    const file = writeModel(dir, 'acts.onnx', {
      opset: 11,
      nodes: [
        { name: 'r', opType: 'Relu', input: ['x'], output: ['a'] },
        { name: 'c6', opType: 'Clip', input: ['a', 'zero', 'six'], output: ['b'] },
        { name: 'lr', opType: 'LeakyRelu', input: ['b'], output: ['c'], attribute: [{ name: 'alpha', type: 1, f: 0.1 }] },
        { name: 'add', opType: 'Add', input: ['c', 'c'], output: ['y'] },
      ],
      initializers: [
        { name: 'zero', dims: [], dataType: 1, rawData: new Uint8Array(new Float32Array([0]).buffer) },
        { name: 'six', dims: [], dataType: 1, rawData: new Uint8Array(new Float32Array([6]).buffer) },
      ],
    });
    const s = JSON.parse(runCli(['inspect', '--json', file]).stdout);
    assert.deepEqual(s.activations, [
      { node: 'r', op: 'Relu', activation: 'Relu' },
      { node: 'c6', op: 'Clip', activation: 'Relu6' },
      { node: 'lr', op: 'LeakyRelu', activation: 'LeakyRelu' },
    ]);
  });

  it('prints a readable summary without --json', () => {
    const r = runCli(['inspect', CONV]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /format\s+onnx/);
    assert.match(r.stdout, /parameters/);
  });

  it('exits non-zero with one line naming the file for a bad model, without a stack trace', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.onnx');
    fs.writeFileSync(file, 'definitely not protobuf');
    const r = runCli(['inspect', '--json', file]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`bad\\.onnx: not (a valid|an) ONNX model`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('exits 2 for a missing file and for unknown options', () => {
    assert.equal(runCli(['inspect', '/nonexistent/model.onnx']).status, 2);
    const r = runCli(['inspect', '--bogus', CONV]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --bogus/);
  });
});
