// The native runtime (onnxruntime-node, statistics in the graph) and the wasm runtime
// (onnxruntime-web, statistics in JavaScript from raw outputs) measure the same dead units and
// activity; in-graph statistics equal raw ones wherever they are exact; the fallback says why.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { runActivations, type RunResult } from '../../src/runtime/runActivations';
import { GRID_CALL_VALUES, SAMPLE_STRIDE } from '../../src/runtime/graphStats';
import { DISTRIBUTION_VALUES } from '../../src/runtime/statsAccumulator';
import { NATIVE_UNAVAILABLE_ENV } from '../../src/runtime/ortNative';
import { runSupervised } from '../../src/runtime/runProcess';
import { ROOT } from '../support/cli';
import { floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';

const DIGITS = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
const SMALL_RESNET = path.join(ROOT, 'test/fixtures/analysis/healthy_small_resnet.onnx');
const MLP = path.join(ROOT, 'test/fixtures/analysis/mlp_planted.onnx');
const MOBILENET = path.join(ROOT, 'test/fixtures/analysis/healthy_mobilenet_v2_025.onnx');
/** torchvision ResNet-18 built by `npm run bench` (needs PyTorch); skipped when absent. */
const RESNET18 = path.join(os.homedir(), '.cache', 'activation-lens', 'bench', 'resnet18.onnx');

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** What both runtimes and both statistics paths must agree on exactly. */
function exact(r: RunResult) {
  return r.layers.map((l) => ({ node: l.node, units: l.units, unitAxis: l.unitAxis, deadUnits: l.deadUnits, activeRate: l.activeRate, zeroFraction: l.zeroFraction, min: l.min, samples: l.samples }));
}

/** A 3×3 convolution over 16×16 images, one value of its output plane replaced by `bad` (added as
 *  a mask), then the activation `op` (node 'act'); optionally a 1×1 convolution after it. */
function oneBadValueModel(o: { channels: number; op: string; position: number; bad: number; convAfter: boolean }): string {
  const mask = new Array<number>(256).fill(0);
  mask[o.position] = o.bad;
  const c = o.channels;
  return writeModel(tmpDir(), 'one-bad-value.onnx', {
    opset: 17,
    nodes: [
      { name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['h'], attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
      { name: 'add', opType: 'Add', input: ['h', 'mask'], output: ['r'] },
      { name: 'act', opType: o.op, input: ['r'], output: ['y'] },
      ...(o.convAfter ? [{ name: 'mix', opType: 'Conv', input: ['y', 'w2'], output: ['z'] }] : []),
    ],
    initializers: [
      floatTensor('w', [c, 1, 3, 3], Array.from({ length: c * 9 }, (_, i) => Math.sin(i * 1.3))),
      floatTensor('mask', [1, 1, 16, 16], mask),
      ...(o.convAfter ? [floatTensor('w2', [16, c, 1, 1], Array.from({ length: 16 * c }, (_, i) => Math.cos(i)))] : []),
    ],
    inputs: [valueInfo('x', 1, ['batch', 1, 16, 16])],
    outputs: o.convAfter ? [valueInfo('z', 1, ['batch', 16, 16, 16])] : [valueInfo('y', 1, ['batch', c, 16, 16])],
  });
}

/** The run notes that layer 'act' holds NaN or infinities and measures it from raw outputs. */
async function assertMeasuredAgainRaw(file: string, backend: 'native' | 'wasm', what: string): Promise<void> {
  const notes: string[] = [];
  const r = await runActivations(file, { samples: 8, backend, onNote: (m) => notes.push(m) });
  assert.ok(notes.some((n) => /act: its output holds NaN or infinite values/.test(n)), `${what}: ${notes.join('\n')}`);
  assert.equal(r.layers[0].distributionSamples, undefined, what);
}

/** One 3×3 convolution with 8 output channels over 256×256 images, ReLU; unit 6 is dead (bias −50). */
function wideConvModel(): string {
  const weights = Array.from({ length: 8 * 9 }, (_, i) => Math.sin(i * 1.7));
  return writeModel(tmpDir(), 'wide.onnx', {
    opset: 17,
    nodes: [
      { name: 'conv', opType: 'Conv', input: ['x', 'w', 'b'], output: ['h'], attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
      { name: 'relu', opType: 'Relu', input: ['h'], output: ['y'] },
    ],
    initializers: [floatTensor('w', [8, 1, 3, 3], weights), floatTensor('b', [8], [0, 0, 0, 0, 0, 0, -50, 0])],
    inputs: [valueInfo('x', 1, ['batch', 1, 256, 256])],
    outputs: [valueInfo('y', 1, ['batch', 8, 256, 256])],
  });
}

describe('run: native and wasm backends', function () {
  this.timeout(300000);

  for (const [label, file, samples] of [['digits CNN', DIGITS, 64], ['small ResNet', SMALL_RESNET, 16], ['planted MLP (channels-last units)', MLP, 64]] as const) {
    it(`${label}: dead units and active rates are identical on native and wasm`, async () => {
      const native = await runActivations(file, { samples, seed: 3, backend: 'native' });
      const wasm = await runActivations(file, { samples, seed: 3, backend: 'wasm' });
      assert.equal(native.backend, 'native');
      assert.equal(wasm.backend, 'wasm');
      assert.deepEqual(exact(native), exact(wasm));
      native.layers.forEach((l, i) => assert.ok(Math.abs(l.max - wasm.layers[i].max) <= 1e-5 * Math.max(1, Math.abs(l.max)), `${l.node} max`));
    });
  }

  it('torchvision ResNet-18: dead units are identical on native and wasm', async function () {
    if (!fs.existsSync(RESNET18)) this.skip();
    const native = await runActivations(RESNET18, { samples: 4, backend: 'native' });
    const wasm = await runActivations(RESNET18, { samples: 4, backend: 'wasm' });
    assert.deepEqual(native.layers.map((l) => l.deadUnits), wasm.layers.map((l) => l.deadUnits));
  });

  it('wasm: in-graph statistics equal raw ones for counts, zeros and extremes; mean, std and histogram come from one sample per call (every 5th value of an image layer)', async () => {
    const graph = await runActivations(DIGITS, { samples: 40, seed: 1, batchSize: 8, backend: 'wasm' });
    const raw = await runActivations(DIGITS, { samples: 40, seed: 1, batchSize: 8, backend: 'wasm', graphStats: false });
    assert.deepEqual(exact(graph), exact(raw));
    for (const [i, l] of graph.layers.entries()) {
      assert.equal(l.max, raw.layers[i].max);
      assert.equal(l.distributionSamples, 5, 'the first sample of each of the 5 calls');
      assert.equal(raw.layers[i].distributionSamples, undefined);
      // Channels-first layers keep every SAMPLE_STRIDE-th value of the sample's channels and
      // positions; dense ones the whole sample.
      const perSample = raw.layers[i].histogram.counts.reduce((a, b) => a + b, 0) / 40;
      assert.equal(l.histogram.counts.reduce((a, b) => a + b, 0), 5 * (perSample === l.units ? perSample : Math.ceil(perSample / SAMPLE_STRIDE)));
      assert.ok(Math.abs(l.mean - raw.layers[i].mean) < 0.5 * raw.layers[i].std + 1e-9, `${l.node}: the sampled mean is near the full one`);
    }
  });

  it('native: image layers whose sizes onnxruntime infers before the run keep exact counts, zeros and extremes, and sample every sample of every call on a grid', async () => {
    const graph = await runActivations(DIGITS, { samples: 40, seed: 1, batchSize: 8, backend: 'native' });
    const raw = await runActivations(DIGITS, { samples: 40, seed: 1, batchSize: 8, backend: 'native', graphStats: false });
    assert.deepEqual(exact(graph), exact(raw));
    let gridLayers = 0;
    for (const [i, l] of graph.layers.entries()) {
      assert.equal(l.max, raw.layers[i].max);
      const perSample = raw.layers[i].histogram.counts.reduce((a, b) => a + b, 0) / 40;
      const histogram = l.histogram.counts.reduce((a, b) => a + b, 0);
      if (perSample === l.units) {
        // A dense layer: the first sample of each of the 5 calls, whole.
        assert.equal(l.distributionSamples, 5);
        assert.equal(histogram, 5 * perSample);
        continue;
      }
      gridLayers++;
      // Every sample of each call on a grid of about GRID_CALL_VALUES values per call.
      assert.equal(l.distributionSamples, 40);
      assert.ok(histogram <= 5 * Math.max(GRID_CALL_VALUES, 8 * l.units) && histogram >= 5 * Math.min(GRID_CALL_VALUES / 8, 8 * perSample), `${l.node}: ${histogram} values`);
      assert.ok(Math.abs(l.mean - raw.layers[i].mean) < 0.5 * raw.layers[i].std + 1e-9, `${l.node}: the sampled mean is near the full one`);
    }
    assert.ok(gridLayers >= 2, `only ${gridLayers} image layers measured on the grid`);
  });

  it('native: grid samples cover the whole plane, so sampled means stay near the full ones (MobileNetV2 ×0.25: within 25% on every layer, 10% on most; top-left-corner grids were up to 63% off)', async () => {
    const opts = { samples: 64, backend: 'native' as const };
    const graph = await runActivations(MOBILENET, opts);
    const raw = await runActivations(MOBILENET, { ...opts, graphStats: false });
    const grid = graph.layers.filter((l) => l.distributionSamples === 64);
    assert.equal(grid.length, 35, 'every ReLU6 measured on the grid');
    const errors = grid.map((l) => {
      const full = raw.layers.find((r) => r.node === l.node)!;
      assert.ok(Math.abs(l.mean - full.mean) <= 0.25 * full.mean, `${l.node}: sampled mean ${l.mean}, full ${full.mean}`);
      return Math.abs(l.mean - full.mean) / full.mean;
    });
    assert.ok(median(errors) <= 0.1, `median error ${median(errors)}`);
  });

  it('wasm: samples of a channels-first layer move from channel to channel, so sampled means stay near the full ones (MobileNetV2 ×0.25: half its layers within 7%; the same columns in every channel left half of them 10–35% off)', async () => {
    const opts = { samples: 64, backend: 'wasm' as const };
    const graph = await runActivations(MOBILENET, opts);
    const raw = await runActivations(MOBILENET, { ...opts, graphStats: false });
    const sampled = graph.layers.filter((l) => l.distributionSamples !== undefined);
    assert.equal(sampled.length, 35);
    const errors = sampled.map((l) => Math.abs(l.mean - raw.layers.find((r) => r.node === l.node)!.mean) / raw.layers.find((r) => r.node === l.node)!.mean);
    assert.ok(median(errors) <= 0.07, `median error ${median(errors)}: ${errors.map((e) => e.toFixed(2)).join(' ')}`);
  });

  it('native: a large image layer samples a coarse grid (about GRID_CALL_VALUES per call) of every sample; counts, zeros and extremes stay exact', async () => {
    const file = wideConvModel();
    const opts = { samples: 24, seed: 3, backend: 'native' as const };
    const raw = (await runActivations(file, { ...opts, batchSize: 1, graphStats: false })).layers[0];
    // 8 channels of 256×256 (524,288 values per sample): a grid of about GRID_CALL_VALUES values
    // per call over all its samples.
    for (const [batchSize, calls] of [[1, 24], [3, 8], [8, 3]]) {
      const l = (await runActivations(file, { ...opts, batchSize })).layers[0];
      assert.equal(l.distributionSamples, 24);
      assert.deepEqual(l.deadUnits, [6]);
      assert.deepEqual(l.activeRate, raw.activeRate);
      assert.equal(l.zeroFraction, raw.zeroFraction);
      assert.equal(l.max, raw.max);
      const histogram = l.histogram.counts.reduce((a, b) => a + b, 0);
      assert.ok(histogram <= calls * GRID_CALL_VALUES && histogram >= (calls * GRID_CALL_VALUES) / 4, `batch ${batchSize}: ${histogram} values`);
      assert.ok(Math.abs(l.mean - raw.mean) < 0.2 * raw.std, `batch ${batchSize}: the sampled mean ${l.mean} is near the full one ${raw.mean}`);
    }
  });

  it('wasm: large in-graph samples are taken once per 8 samples (small ones every batch); counts, zeros and extremes stay exact', async () => {
    // One 3×3 convolution with 8 output channels over 256×256 images: a sample of its ReLU is
    // 8 × 256 × 256 / SAMPLE_STRIDE = 104,858 values, over the every-batch limit.
    const file = wideConvModel();
    const opts = { samples: 24, seed: 3, backend: 'wasm' as const };
    const byBatch = async (batchSize: number) => (await runActivations(file, { ...opts, batchSize })).layers[0];
    const [one, three, eight] = [await byBatch(1), await byBatch(3), await byBatch(8)];
    const raw = (await runActivations(file, { ...opts, batchSize: 1, graphStats: false })).layers[0];
    assert.equal(one.distributionSamples, 3, 'batch 1: samples 0, 8 and 16');
    assert.equal(three.distributionSamples, 3, 'batch 3: the batches starting at samples 0, 9 and 18');
    assert.equal(eight.distributionSamples, 3, 'batch 8: every batch');
    for (const l of [one, three, eight]) {
      assert.deepEqual(l.deadUnits, [6]);
      assert.deepEqual(l.deadUnits, raw.deadUnits);
      assert.deepEqual(l.activeRate, raw.activeRate);
      assert.equal(l.zeroFraction, raw.zeroFraction);
      assert.equal(l.max, raw.max);
      // Each sample taken gives the distribution DISTRIBUTION_VALUES of its 104,858 values.
      assert.equal(l.histogram.counts.reduce((a, b) => a + b, 0), 3 * Math.min(DISTRIBUTION_VALUES, Math.ceil((8 * 256 * 256) / SAMPLE_STRIDE)));
    }
    // The digits CNN's samples are small: taken from every batch, even one sample per call.
    const digits = await runActivations(DIGITS, { samples: 12, seed: 1, batchSize: 1, backend: 'wasm' });
    for (const l of digits.layers) assert.equal(l.distributionSamples, 12);
  });

  it('activations that can be negative (LeakyRelu) get exact negatives, zeros, minimum and maximum in the graph, dense and image layers, opsets 17 and 18 (reduction axes as inputs), both backends', async () => {
    const alpha = { name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: 0.1 };
    for (const opset of [17, 18]) {
      const dir = tmpDir();
      const file = writeModel(dir, 'leaky.onnx', {
        opset,
        nodes: [
          { name: 'add', opType: 'Add', input: ['x', 'b'], output: ['h'] },
          { name: 'leaky', opType: 'LeakyRelu', input: ['h'], output: ['y'], attribute: [alpha] },
          { name: 'relu', opType: 'Relu', input: ['y'], output: ['z'] },
          { name: 'image', opType: 'Reshape', input: ['z', 'nchw'], output: ['zi'] },
          { name: 'conv', opType: 'Conv', input: ['zi', 'w'], output: ['c'] },
          { name: 'leaky_image', opType: 'LeakyRelu', input: ['c'], output: ['out'], attribute: [alpha] },
        ],
        initializers: [
          floatTensor('b', [4], [0, -100, 0, 100]),
          { name: 'nchw', dims: [4], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1, 1, 2, 2] },
          floatTensor('w', [3, 1, 1, 1], [1, -1, 0.5]),
        ],
        inputs: [valueInfo('x', 1, ['batch', 4])],
        outputs: [valueInfo('out', 1, ['batch', 3, 2, 2])],
      });
      for (const backend of ['native', 'wasm'] as const) {
        const graph = await runActivations(file, { samples: 64, backend });
        const raw = await runActivations(file, { samples: 64, backend, graphStats: false });
        const what = `opset ${opset}, ${backend}`;
        assert.ok(graph.layers.every((l) => l.distributionSamples !== undefined), `${what}: measured in the graph`);
        assert.deepEqual(exact(graph), exact(raw), what);
        assert.deepEqual(graph.layers.map((l) => l.max), raw.layers.map((l) => l.max), what);
        assert.deepEqual(graph.layers[1].deadUnits, [1], what);
      }
    }
  });

  it('NaN in an output: measured again from raw outputs, with a note saying why', async () => {
    const dir = tmpDir();
    // 0/0 is NaN for the first unit; the second is an ordinary ReLU.
    const file = writeModel(dir, 'nan.onnx', {
      opset: 17,
      nodes: [
        { name: 'div', opType: 'Div', input: ['x', 'd'], output: ['h'] },
        { name: 'relu', opType: 'Relu', input: ['h'], output: ['y'] },
      ],
      initializers: [floatTensor('d', [2], [0, 1])],
      inputs: [valueInfo('x', 1, ['batch', 2])],
      outputs: [valueInfo('y', 1, ['batch', 2])],
    });
    const notes: string[] = [];
    const r = await runActivations(file, { samples: 16, backend: 'native', onNote: (m) => notes.push(m) });
    assert.ok(notes.some((n) => /relu: its output holds NaN or infinite values; measuring again from the raw outputs/.test(n)), notes.join('\n'));
    assert.equal(r.layers[0].distributionSamples, undefined);
    assert.ok(Number.isFinite(r.layers[0].mean));
  });

  it('NaN among finite values of an image layer measured on the grid: measured again from raw outputs, with a note saying why', async () => {
    const dir = tmpDir();
    // The square root of a negative value is NaN: about half of each channel, mixed with finite values.
    const file = writeModel(dir, 'nan-image.onnx', {
      opset: 17,
      nodes: [
        { name: 'conv', opType: 'Conv', input: ['x', 'w'], output: ['h'], attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
        { name: 'sqrt', opType: 'Sqrt', input: ['h'], output: ['r'] },
        { name: 'relu', opType: 'Relu', input: ['r'], output: ['y'] },
      ],
      initializers: [floatTensor('w', [8, 1, 3, 3], Array.from({ length: 72 }, (_, i) => Math.sin(i * 1.3)))],
      inputs: [valueInfo('x', 1, ['batch', 1, 16, 16])],
      outputs: [valueInfo('y', 1, ['batch', 8, 16, 16])],
    });
    const notes: string[] = [];
    const r = await runActivations(file, { samples: 8, backend: 'native', onNote: (m) => notes.push(m) });
    assert.ok(notes.some((n) => /relu: its output holds NaN or infinite values; measuring again from the raw outputs/.test(n)), notes.join('\n'));
    assert.equal(r.layers[0].distributionSamples, undefined);
    const raw = await runActivations(file, { samples: 8, backend: 'native', graphStats: false });
    assert.deepEqual(r.layers[0].deadUnits, raw.layers[0].deadUnits);
    assert.deepEqual(r.layers[0].activeRate, raw.layers[0].activeRate);
  });

  it('one NaN or infinity at the first or last position of a grid layer (blocked or not) is noticed and measured again from raw outputs', async () => {
    // 48 channels fill onnxruntime's NCHWc blocks (8 or 16 wide); 8 do not on AVX-512 machines.
    for (const channels of [8, 48]) {
      for (const position of [0, 255]) {
        for (const bad of [NaN, Infinity]) {
          // A convolution after the ReLU keeps it in onnxruntime's blocked layout.
          const file = oneBadValueModel({ channels, op: 'Relu', position, bad, convAfter: true });
          await assertMeasuredAgainRaw(file, 'native', `${channels} channels, ${bad} at position ${position}`);
        }
      }
    }
  });

  it('one NaN or infinity at the first or last position of a layer whose extremes are reduced whole (wasm ReLU, LeakyReLU on both backends) is noticed and measured again from raw outputs', async () => {
    const cases = [
      { backend: 'wasm' as const, op: 'Relu', bad: [NaN, Infinity] },
      { backend: 'wasm' as const, op: 'LeakyRelu', bad: [NaN, Infinity, -Infinity] },
      { backend: 'native' as const, op: 'LeakyRelu', bad: [NaN, Infinity, -Infinity] },
    ];
    for (const c of cases) {
      for (const position of [0, 255]) {
        for (const bad of c.bad) {
          const file = oneBadValueModel({ channels: 8, op: c.op, position, bad, convAfter: false });
          await assertMeasuredAgainRaw(file, c.backend, `${c.backend} ${c.op}, ${bad} at position ${position}`);
        }
      }
    }
  });

  it('auto falls back to wasm with a one-line note when the native binary is not installed', async () => {
    // The loader caches its answer per process: run in a fresh one (the supervised child).
    try {
      process.env[NATIVE_UNAVAILABLE_ENV] = '1';
      const notes: string[] = [];
      const r = await runSupervised(DIGITS, { samples: 8, backend: 'auto' }, { onNote: (m) => notes.push(m) });
      assert.equal(r.backend, 'wasm');
      assert.deepEqual(notes, [`running on onnxruntime-web (wasm): no onnxruntime-node binary for ${process.platform}-${process.arch} in this installation`]);
      await assert.rejects(runSupervised(DIGITS, { samples: 8, backend: 'native' }), /the native backend is not available: no onnxruntime-node binary/);
    } finally {
      delete process.env[NATIVE_UNAVAILABLE_ENV];
    }
  });
});
