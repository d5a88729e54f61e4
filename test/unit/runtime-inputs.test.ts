// Input sources: synthetic inputs are seeded and shaped by the signature; .npy/.npz/.pb/JSON/PNG
// files and folders are read with their first axis as the sample axis.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { onnx } from 'onnx-proto';
import { resolveInputs } from '../../src/runtime/inputs/dims';
import { fileSource } from '../../src/runtime/inputs/fileSource';
import { parseNpy } from '../../src/runtime/inputs/npy';
import { SeededRandom } from '../../src/runtime/inputs/random';
import { syntheticSource } from '../../src/runtime/inputs/synthetic';
import type { SampleChunk } from '../../src/runtime/inputs/samples';
import { runActivations } from '../../src/runtime/runActivations';
import { ModelError } from '../../src/core/model';
import { runCli, ROOT } from '../support/cli';

function npyBytes(dims: number[], values: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + values.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(new Float32Array(values).buffer), 10 + header.length);
  return out;
}

async function collect(chunks: AsyncIterable<SampleChunk>): Promise<SampleChunk[]> {
  const out: SampleChunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'al-rt-'));
const sig = [{ name: 'x', dtype: 'float32', shape: ['batch', 3] as (string | number)[] }];

describe('run: inputs', () => {
  it('resolves symbolic dims from --dim, defaults batch-like dims to 1 and reports the others', () => {
    const r = resolveInputs([{ name: 'ids', dtype: 'int64', shape: ['batch_size', 'sequence_length'] }, { name: 'img', dtype: 'float32', shape: ['N', 3, 'height', 'width'] }], { height: 32 });
    assert.equal(r.used.batch_size, 1);
    assert.equal(r.used.height, 32);
    assert.equal(r.used.sequence_length, 16);
    assert.ok(r.defaulted.includes('sequence_length') && r.defaulted.includes('width') && !r.defaulted.includes('batch_size'));
    assert.deepEqual(r.inputs[1].sampleShape, [3, 32, 224]);
    assert.ok(r.inputs.every((i) => i.batchable));
  });

  it('synthetic inputs are reproducible for a seed, differ across seeds, and follow the distribution', async () => {
    const inputs = resolveInputs([{ name: 'x', dtype: 'float32', shape: [null, 1000] }], {}).inputs;
    const a = await collect(syntheticSource(inputs, { samples: 3, seed: 4, distribution: 'normal' }).chunks());
    const b = await collect(syntheticSource(inputs, { samples: 3, seed: 4, distribution: 'normal' }).chunks());
    const c = await collect(syntheticSource(inputs, { samples: 3, seed: 5, distribution: 'normal' }).chunks());
    const u = await collect(syntheticSource(inputs, { samples: 3, seed: 4, distribution: 'uniform' }).chunks());
    const va = Array.from(a[0].x.data as Float32Array);
    assert.deepEqual(va, Array.from(b[0].x.data as Float32Array));
    assert.notDeepEqual(va, Array.from(c[0].x.data as Float32Array));
    assert.deepEqual(a[0].x.dims, [3, 1000]);
    const mean = va.reduce((s, v) => s + v, 0) / va.length;
    const sd = Math.sqrt(va.reduce((s, v) => s + (v - mean) ** 2, 0) / va.length);
    assert.ok(Math.abs(mean) < 0.1 && Math.abs(sd - 1) < 0.1, `normal: mean ${mean} sd ${sd}`);
    const vu = Array.from(u[0].x.data as Float32Array);
    assert.ok(vu.every((v) => v >= 0 && v < 1));
  });

  it('a seed gives the same normal values as in earlier versions, so saved runs can be repeated on the same inputs', () => {
    const values = new Float64Array(100_000);
    new SeededRandom(0).fillNormal(values);
    assert.deepEqual(Array.from(values.subarray(0, 4)), [1.6716904298230173, -0.5549929570491912, -0.011837516725444128, 1.4019855267782164]);
    assert.equal(values.reduce((a, b) => a + b, 0), -250.04559817044296);
    assert.equal(values.reduce((a, b) => a + b * b, 0), 100189.72892340124);
  });

  it('synthetic normal values have the standard normal distribution, tails included (Kolmogorov–Smirnov, 1% level)', () => {
    const n = 400_000;
    const values = new Float64Array(n);
    new SeededRandom(11).fillNormal(values);
    // Every value, so the ziggurat's rare corrections (about 1 draw in 80) are inside fillNormal's
    // loop many times, and its state carries over to the draws after them.
    const one = new SeededRandom(11);
    for (let i = 0; i < n; i++) if (one.normal() !== values[i]) assert.fail(`normal() and fillNormal differ at value ${i}`);
    const filled = new SeededRandom(11);
    filled.fillNormal(new Float64Array(n));
    for (let i = 0; i < 4; i++) assert.equal(filled.uniform(), one.uniform(), 'after fillNormal the generator goes on from the same state');
    const sorted = Array.from(values).sort((a, b) => a - b);
    // Φ through erf (Abramowitz and Stegun 7.1.26, error below 1.5e-7).
    const erf = (x: number): number => {
      const t = 1 / (1 + 0.3275911 * Math.abs(x));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
      return x >= 0 ? y : -y;
    };
    let ks = 0;
    sorted.forEach((x, i) => (ks = Math.max(ks, Math.abs(0.5 * (1 + erf(x / Math.SQRT2)) - (i + 0.5) / n))));
    assert.ok(ks < 1.63 / Math.sqrt(n), `KS distance ${ks}`);
    const beyond = (c: number): number => sorted.filter((x) => Math.abs(x) > c).length / n;
    // P(|X| > 3) = 0.0027 and P(|X| > 3.5) = 4.65e-4: the ziggurat's tail layer and its edge.
    assert.ok(Math.abs(beyond(3) - 0.0027) < 0.0005, `P(|x| > 3) = ${beyond(3)}`);
    assert.ok(Math.abs(beyond(3.5) - 4.65e-4) < 1.5e-4, `P(|x| > 3.5) = ${beyond(3.5)}`);
  });

  it('reads .npy (sample axis first), .npz by input name, JSON and TensorProto .pb', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.npy'), npyBytes([2, 3], [1, 2, 3, 4, 5, 6]));
    fs.writeFileSync(path.join(dir, 'b.npz'), zipSync({ 'x.npy': npyBytes([1, 3], [7, 8, 9]) }));
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify([[10, 11, 12]]));
    const pb = onnx.TensorProto.encode({ name: 'x', dims: [3], dataType: 1, floatData: [13, 14, 15] }).finish();
    fs.writeFileSync(path.join(dir, 'd.pb'), pb);
    const inputs = resolveInputs(sig, {}).inputs;
    const chunks = await collect(fileSource(dir, inputs, {}).chunks());
    assert.deepEqual(chunks.map((c) => c.x.dims[0]), [2, 1, 1, 1]);
    assert.deepEqual(chunks.flatMap((c) => Array.from(c.x.data as Float32Array)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const capped = await collect(fileSource(dir, inputs, { samples: 3 }).chunks());
    assert.equal(capped.reduce((s, c) => s + c.x.dims[0], 0), 3);
  });

  it('decodes, resizes and normalises a PNG into NCHW', async () => {
    const dir = tmp();
    const png = new PNG({ width: 4, height: 4 });
    for (let i = 0; i < 16; i++) png.data.set([255, 0, 51, 255], i * 4);
    fs.writeFileSync(path.join(dir, 'red.png'), PNG.sync.write(png));
    const inputs = resolveInputs([{ name: 'img', dtype: 'float32', shape: ['N', 3, 2, 2] }], {}).inputs;
    const [c] = await collect(fileSource(path.join(dir, 'red.png'), inputs, { image: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } }).chunks());
    assert.deepEqual(c.img.dims, [1, 3, 2, 2]);
    const v = Array.from(c.img.data as Float32Array);
    assert.deepEqual(v.slice(0, 4).map((x) => +x.toFixed(4)), [1, 1, 1, 1]);
    assert.deepEqual(v.slice(4, 8).map((x) => +x.toFixed(4)), [-1, -1, -1, -1]);
    assert.deepEqual(v.slice(8, 12).map((x) => +x.toFixed(4)), [-0.6, -0.6, -0.6, -0.6]);
  });

  it('names the file and the problem for a bad .npy or a shape that does not fit', async () => {
    assert.throws(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'bad.npy'), (e: Error) => e instanceof ModelError && /bad\.npy: not a \.npy/.test(e.message));
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'wrong.npy'), npyBytes([2, 4], new Array(8).fill(0)));
    const inputs = resolveInputs(sig, {}).inputs;
    await assert.rejects(collect(fileSource(path.join(dir, 'wrong.npy'), inputs, {}).chunks()), /wrong\.npy.*does not fit input 'x'/);
  });

  it('runs a backend test data folder of input_<i>.pb files as one input set', async () => {
    const dir = '/usr/share/libonnx-testdata/data/pytorch-converted/test_ReLU';
    if (!fs.existsSync(dir)) return;
    const r = await runActivations(path.join(dir, 'model.onnx'), { inputs: path.join(dir, 'test_data_set_0') });
    assert.equal(r.layers.length, 1);
    assert.equal(r.layers[0].op, 'Relu');
    assert.ok(r.layers[0].max > 0);
  });

  it('CLI: a missing inputs path and a bad --dim exit 2 with one clear line', () => {
    const model = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
    const a = runCli(['run', model, '--inputs', '/nonexistent/in.npy']);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /\/nonexistent\/in\.npy: no such file/);
    assert.doesNotMatch(a.stderr, /at .*\.js:\d+/);
    const b = runCli(['run', model, '--dim', 'batch']);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /--dim expects name=value/);
  });

  it('CLI: resolves a named dynamic dimension from --dim and reports it', () => {
    const model = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
    const r = runCli(['run', model, '--samples', '10', '--dim', 'batch=4', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.samples, 10);
    assert.equal(out.dims.batch, 4);
    assert.equal(out.layers.length, 3);
  });
});

describe('run: hostile inputs', () => {
  it('refuses a .npy whose header claims far more data than the file holds, without allocating it', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 3), }".padEnd(117, ' ') + '\n';
    const bytes = new Uint8Array(10 + header.length + 24);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
    new DataView(bytes.buffer).setUint16(8, header.length, true);
    bytes.set(new TextEncoder().encode(header), 10);
    assert.throws(() => parseNpy(bytes, 'big.npy'), (e: Error) => e instanceof ModelError && /big\.npy: data holds 24 bytes, shape \(4000000000, 3\) needs 48000000000/.test(e.message));
  });

  it('refuses a TensorProto whose dims claim more values than it stores', async () => {
    const dir = tmp();
    const pb = onnx.TensorProto.encode({ name: 'x', dims: [100000000, 3], dataType: 1, rawData: new Uint8Array(12) }).finish();
    fs.writeFileSync(path.join(dir, 'big.pb'), pb);
    const inputs = resolveInputs(sig, {}).inputs;
    await assert.rejects(collect(fileSource(path.join(dir, 'big.pb'), inputs, {}).chunks()), /big\.pb: raw data holds 12 bytes/);
  });

  it('refuses symbolic sizes that would make a giant synthetic input', () => {
    assert.throws(() => resolveInputs([{ name: 'x', dtype: 'float32', shape: ['N', 'h', 'w'] }], { h: 100000, w: 100000 }), (e: Error) => e instanceof ModelError && /input 'x' would need/.test(e.message));
  });
});
