// `activation-lens run` as a process: text output, Ctrl+C, exit codes.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ensureBuilt, ROOT, runCli } from '../support/cli';

const MODEL = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');

describe('run: CLI process', function () {
  this.timeout(120000);

  it('prints a table with one row per activation layer and its dead units', () => {
    const r = runCli(['run', MODEL, '--inputs', path.join(ROOT, 'test/fixtures/dead-cnn/inputs.npy')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /512 samples/);
    assert.match(r.stdout, /\/relu2\/Relu\s+Relu\s+32\s+6 \(18\.8%\)/);
    assert.match(r.stdout, /\/relu3\/Relu\s+Relu\s+64\s+8 \(12\.5%\)/);
  });

  it('Ctrl+C (SIGINT) cancels a long run cleanly: exit 130, a one-line message, no stack trace', async () => {
    ensureBuilt();
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'run', MODEL, '--samples', '100000000', '--batch-size', '8', '--json'], { cwd: ROOT });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /cancelled/);
    assert.doesNotMatch(stderr, /at .*\.js:\d+/);
    assert.equal(stdout, '');
    assert.ok(Date.now() - t0 < 20000);
  });

  it('a model without activation layers runs and reports an empty layer list', () => {
    const conv = '/usr/share/libonnx-testdata/data/pytorch-converted/test_Conv2d/model.onnx';
    const r = runCli(['run', conv, '--samples', '2', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.samples, 2);
    assert.deepEqual(out.layers, []);
  });

  it('a model that is not a model exits 2 naming the file', () => {
    const r = runCli(['run', path.join(ROOT, 'package.json')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /package\.json/);
  });
});
