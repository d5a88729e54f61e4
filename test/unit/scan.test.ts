// `activation-lens scan` as a process: planted dead channels are reported exactly, healthy
// default-initialised networks get no warning, measured dead units match PyTorch's ground truth,
// SARIF is structurally valid, and exit codes follow --fail-on.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';

const FIX = path.join(__dirname, '..', 'fixtures', 'analysis');
const PY = '/usr/bin/python3';

interface JsonFinding { rule: string; severity: string; confidence: string; node: string; units: number[]; message: string; suggestions: { variant: string; params: object; reason: string }[] }
interface ScanJson { model: string; samples: number; findings: JsonFinding[] }

function scanJson(args: string[]): ScanJson {
  const r = runCli(['scan', '--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ScanJson;
}

/** Units per node over findings at warning or error. */
function flagged(s: ScanJson): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const f of s.findings) {
    if (f.severity === 'info') continue;
    out[f.node] = [...new Set([...(out[f.node] ?? []), ...f.units])].sort((a, b) => a - b);
  }
  return out;
}

describe('scan: static rules find exactly the planted dead channels', () => {
  for (const name of ['bn_planted', 'bn_folded', 'bn_folded_shift5', 'mlp_planted']) {
    it(`${name}.onnx: the flagged channels per ReLU equal the planted ones (ground truth checked by running PyTorch)`, () => {
      const truth = JSON.parse(fs.readFileSync(path.join(FIX, `${name}.truth.json`), 'utf8')) as { planted: Record<string, number[]> };
      const s = scanJson([path.join(FIX, `${name}.onnx`)]);
      assert.equal(s.samples, 0);
      assert.deepEqual(flagged(s), truth.planted);
      for (const f of s.findings) {
        assert.ok(['error', 'warning', 'info'].includes(f.severity));
        assert.ok(['high', 'medium', 'low'].includes(f.confidence));
        assert.ok(f.message.length > 20 && f.suggestions.length > 0, 'a message and suggestions');
        for (const sg of f.suggestions) assert.ok(typeof sg.variant === 'string' && typeof sg.reason === 'string' && typeof sg.params === 'object');
      }
    });
  }
  it('states the evidence: proven dead channels are high confidence, BatchNorm estimates medium, folded-bias heuristics low', () => {
    const planted = scanJson([path.join(FIX, 'bn_planted.onnx')]).findings;
    assert.ok(planted.some((f) => f.rule === 'bn-relu-dead' && f.confidence === 'high' && /scale 0/.test(f.message)));
    assert.ok(planted.some((f) => f.rule === 'bn-relu-inactive' && f.confidence === 'medium' && /Φ\(-1[02]\.0\)/.test(f.message)));
    const folded = scanJson([path.join(FIX, 'bn_folded.onnx')]).findings;
    assert.ok(folded.some((f) => f.rule === 'linear-relu-dead' && /all-zero weights/.test(f.message)));
    assert.ok(folded.some((f) => f.rule === 'linear-relu-negative-bias' && f.confidence === 'low'));
    const mlp = scanJson([path.join(FIX, 'mlp_planted.onnx')]).findings;
    assert.ok(mlp.some((f) => /inputs in \[0, 1\].*Sigmoid/.test(f.message)), 'the bound from the Sigmoid is named');
    assert.ok(mlp.some((f) => /weights ≤ 0 and bias ≤ 0 on inputs ≥ 0/.test(f.message)));
  });
});

describe('scan: healthy default-initialised networks get no warnings or errors', () => {
  for (const name of ['healthy_small_resnet', 'healthy_small_resnet_bn', 'healthy_mobilenet_v2_025']) {
    it(`${name}.onnx`, () => {
      const s = scanJson([path.join(FIX, `${name}.onnx`)]);
      assert.deepEqual(s.findings.filter((f) => f.severity !== 'info').map((f) => f.message), []);
    });
  }
  const hasTorch = spawnSync(PY, ['-c', 'import torch, torchvision, onnx'], { encoding: 'utf8' }).status === 0;
  (hasTorch ? it : it.skip)('full-size torchvision resnet18 and mobilenet_v2 (weights=None, eval export; built now with python3-torch)', function () {
    this.timeout(300000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-large-'));
    const b = spawnSync(PY, [path.join(__dirname, '..', '..', 'scripts', 'fixtures', 'build_analysis_fixtures.py'), '--large', dir], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    for (const m of ['resnet18.onnx', 'mobilenet_v2.onnx']) {
      const s = scanJson([path.join(dir, m)]);
      assert.deepEqual(s.findings.filter((f) => f.severity !== 'info').map((f) => f.message), [], m);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('scan: dynamic rules report exactly the measured dead units', () => {
  it('an MLP trained until units died: dead units over its inputs equal the PyTorch forward-hook truth', () => {
    const truth = JSON.parse(fs.readFileSync(path.join(FIX, 'trained_dead_mlp.truth.json'), 'utf8')) as { samples: number; dead: Record<string, number[]> };
    const s = scanJson([path.join(FIX, 'trained_dead_mlp.onnx'), '--inputs', path.join(FIX, 'trained_dead_mlp.inputs.json')]);
    assert.equal(s.samples, truth.samples);
    const dead: Record<string, number[]> = {};
    for (const f of s.findings) if (f.rule === 'dead-units') dead[f.node] = f.units;
    const expected = Object.fromEntries(Object.entries(truth.dead).filter(([, u]) => u.length));
    assert.deepEqual(dead, expected);
    const f = s.findings.find((x) => x.rule === 'dead-units')!;
    const n = truth.dead['/3/Relu'].length;
    assert.match(f.message, new RegExp(`^${n} of 64 units never fired over 256 samples`));
    assert.equal(f.severity, n / 64 >= 0.5 ? 'error' : n / 64 >= 0.1 ? 'warning' : 'info');
  });
  it('a CNN trained on digits until units died (another suite\'s fixture): dead channels equal its truth', () => {
    const dir = path.join(__dirname, '..', 'fixtures', 'dead-cnn');
    const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as { samples: number; layers: { node: string; deadUnits: number[] }[] };
    const s = scanJson([path.join(dir, 'dead_cnn.onnx'), '--inputs', path.join(dir, 'inputs.npy')]);
    assert.equal(s.samples, truth.samples);
    const dead: Record<string, number[]> = {};
    for (const f of s.findings) if (f.rule === 'dead-units') dead[f.node] = f.units;
    assert.deepEqual(dead, Object.fromEntries(truth.layers.filter((l) => l.deadUnits.length).map((l) => [l.node, l.deadUnits])));
    assert.ok(s.findings.some((f) => f.rule === 'dead-units' && /channels never fired over 512 samples/.test(f.message)));
  });
});

describe('scan: output formats and exit codes', () => {
  const planted = path.join(FIX, 'bn_planted.onnx');
  it('--sarif is SARIF 2.1.0 with rules (help text) and results with level, message and locations naming file and node', () => {
    const r = runCli(['scan', '--sarif', planted]);
    assert.equal(r.status, 0, r.stderr);
    const sarif = JSON.parse(r.stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-2\.1\.0/);
    const run = sarif.runs[0];
    const rules = run.tool.driver.rules as { id: string; shortDescription: { text: string }; help: { text: string } }[];
    assert.ok(run.tool.driver.name && rules.length >= 8);
    for (const rule of rules) assert.ok(rule.id && rule.shortDescription.text && rule.help.text);
    assert.equal(run.results.length, 4);
    for (const res of run.results) {
      assert.ok(['error', 'warning', 'note', 'none'].includes(res.level));
      assert.ok(res.message.text.length > 0);
      assert.equal(rules[res.ruleIndex].id, res.ruleId);
      const loc = res.locations[0];
      assert.match(loc.physicalLocation.artifactLocation.uri, /bn_planted\.onnx$/);
      assert.ok(loc.logicalLocations[0].name.startsWith('/r'));
    }
  });
  it('--markdown prints a table; the default prints readable text', () => {
    const md = runCli(['scan', '--markdown', planted]);
    assert.equal(md.status, 0);
    assert.match(md.stdout, /\| Severity \| Rule \| Node \|/);
    const txt = runCli(['scan', planted]);
    assert.match(txt.stdout, /0 errors, 4 warnings/);
  });
  it('exit 1 when a finding reaches --fail-on, 0 otherwise, 2 on errors', () => {
    assert.equal(runCli(['scan', '--fail-on', 'warning', planted]).status, 1);
    assert.equal(runCli(['scan', '--fail-on', 'error', planted]).status, 0);
    assert.equal(runCli(['scan', '--fail-on', 'warning', path.join(FIX, 'healthy_small_resnet.onnx')]).status, 0);
    const missing = runCli(['scan', path.join(FIX, 'nope.onnx')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.onnx: no such file/);
    assert.doesNotMatch(missing.stderr, /at .*\.js:\d+/, 'no stack trace');
    assert.equal(runCli(['scan', '--fail-on', 'sometimes', planted]).status, 2);
    assert.equal(runCli(['scan', '--json', '--sarif', planted]).status, 2);
  });
});

describe('rewrite CLI', () => {
  it('writes a new file, names what it did, and refuses to overwrite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-rwcli-'));
    const out = path.join(dir, 'leaky.onnx');
    const r = runCli(['rewrite', path.join(FIX, 'rewrite_net_opset17.onnx'), '--to', 'leaky-relu:0.05', '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 ReLUs → LeakyRelu/);
    const again = runCli(['rewrite', path.join(FIX, 'rewrite_net_opset17.onnx'), '--to', 'elu', '-o', out]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already exists/);
    assert.equal(runCli(['rewrite', path.join(FIX, 'rewrite_net_opset17.onnx'), '--to', 'elu', '-o', out, '--force']).status, 0);
    const bad = runCli(['rewrite', path.join(FIX, 'rewrite_net_opset17.onnx'), '--to', 'tanh', '-o', path.join(dir, 'x.onnx')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown variant 'tanh'/);
    // the rewritten model scans clean of ReLU findings: no ReLU left
    const s = JSON.parse(runCli(['scan', '--json', out]).stdout) as ScanJson;
    assert.deepEqual(s.findings, []);
  });
});
