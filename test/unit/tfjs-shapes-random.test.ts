// Models nobody wrote by hand: seeded random stacks of tfjs layers with random configs (kernel
// sizes, strides, dilation, padding, data formats, pool sizes, reshapes, recurrent options), each
// saved and opened by our reader, whose every layer output shape must equal what
// tf.loadLayersModel reports and what tfjs computes when it runs the model.
import * as assert from 'node:assert/strict';
import { loadModel } from '../../src/formats/load';
import { compareWithRun, compareWithTfjs, tfjsLoad, unknownValues } from '../support/tfjsShapeTruth';
import { saveLayersModel, tempDir, tf } from '../support/tfjsFixtures';

const L = tf.layers;
type Layer = tf.layers.Layer;

/** mulberry32: a small seeded generator, so a failure names a model that can be rebuilt. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, int, pick, bool: () => next() < 0.5 };
}
type Rng = ReturnType<typeof rng>;

function factorize(n: number, r: Rng): number[] {
  const ds: number[] = [];
  for (let d = 2; d <= n; d++) if (n % d === 0) ds.push(d);
  const a = r.pick(ds.length ? ds : [1]);
  return [a, n / a];
}

/** A random layer that fits an input of shape `s` (batch excluded), or undefined. */
function randomLayer(s: number[], r: Rng, k: number): Layer | undefined {
  const name = `l${k}`;
  const pad = () => r.pick(['same', 'valid'] as const);
  const fmt = () => (r.next() < 0.3 ? ('channelsFirst' as const) : ('channelsLast' as const));
  const act = () => r.pick(['relu', 'linear', 'tanh', 'elu'] as const);
  const rank = s.length + 1;
  const common = [
    // (tfjs normalizes up to rank 4 only.)
    () => (rank <= 4 ? L.batchNormalization({ name }) : L.gaussianNoise({ stddev: 0.1, name })),
    () => L.activation({ activation: act(), name }),
    () => L.dropout({ rate: 0.2, name }),
    () => L.leakyReLU({ name }),
  ];
  const options: (() => Layer | undefined)[] = [...common];
  if (rank === 2) {
    options.push(
      () => L.dense({ units: r.int(1, 12), activation: act(), name }),
      () => L.repeatVector({ n: r.int(1, 5), name }),
      () => L.reshape({ targetShape: r.bool() ? factorize(s[0], r) : [-1, 1], name }),
      () => {
        const [a, b] = factorize(s[0], r);
        return L.reshape({ targetShape: [a, b, 1], name });
      },
    );
  } else if (rank === 3) {
    const strides = r.int(1, 3);
    options.push(
      () => L.conv1d({ filters: r.int(1, 6), kernelSize: r.int(1, 4), strides, dilationRate: strides === 1 ? r.int(1, 3) : 1, padding: pad(), name }),
      () => L.maxPooling1d({ poolSize: r.int(1, 3), strides: r.bool() ? undefined : r.int(1, 3), padding: pad(), name }),
      () => L.averagePooling1d({ poolSize: r.int(1, 3), strides: r.bool() ? undefined : r.int(1, 3), padding: pad(), name }),
      () => L.globalAveragePooling1d({ name }),
      () => L.globalMaxPooling1d({ name }),
      () => L.flatten({ name }),
      () => L.dense({ units: r.int(1, 8), name }),
      () => L.permute({ dims: [2, 1], name }),
      () => L.reshape({ targetShape: [-1, r.pick([1, s[0]])], name }),
      () => L.lstm({ units: r.int(1, 5), returnSequences: r.bool(), name }),
      () => L.gru({ units: r.int(1, 5), returnSequences: r.bool(), name }),
      () => L.simpleRNN({ units: r.int(1, 5), returnSequences: r.bool(), name }),
      () => L.bidirectional({ layer: L.lstm({ units: r.int(1, 4), returnSequences: r.bool() }) as tf.RNN, mergeMode: r.pick(['concat', 'sum', 'ave', 'mul'] as const), name }),
      () => L.timeDistributed({ layer: L.dense({ units: r.int(1, 6) }), name }),
    );
  } else if (rank === 4) {
    const strides: [number, number] = [r.int(1, 3), r.int(1, 3)];
    const unit = strides[0] === 1 && strides[1] === 1;
    const dataFormat = fmt();
    options.push(
      () => L.conv2d({ filters: r.int(1, 6), kernelSize: [r.int(1, 4), r.int(1, 4)], strides, dilationRate: unit ? r.int(1, 2) : 1, padding: pad(), dataFormat, name }),
      () => L.depthwiseConv2d({ kernelSize: r.int(1, 3), depthMultiplier: r.int(1, 2), strides, padding: pad(), dataFormat, name }),
      // (Channels last only: tfjs 4.22 adds the bias of a channels-first SeparableConv2D along the
      // wrong axis, computing a tensor of another shape than the one it reports.)
      () => L.separableConv2d({ filters: r.int(1, 5), kernelSize: r.int(1, 3), strides, dilationRate: unit ? r.int(1, 2) : 1, padding: pad(), name }),
      () => L.conv2dTranspose({ filters: r.int(1, 4), kernelSize: r.int(1, 4), strides, padding: pad(), dataFormat, name }),
      () => L.maxPooling2d({ poolSize: [r.int(1, 3), r.int(1, 3)], strides: r.bool() ? undefined : strides, padding: pad(), dataFormat, name }),
      () => L.averagePooling2d({ poolSize: r.int(1, 3), strides: r.bool() ? undefined : strides, padding: pad(), dataFormat, name }),
      () => L.zeroPadding2d({ padding: r.bool() ? r.int(0, 2) : [[r.int(0, 2), r.int(0, 2)], [r.int(0, 2), r.int(0, 2)]], dataFormat, name }),
      () => L.cropping2D({ cropping: [[r.int(0, 1), r.int(0, 1)], [r.int(0, 1), r.int(0, 1)]], dataFormat, name }),
      () => L.upSampling2d({ size: [r.int(1, 2), r.int(1, 3)], dataFormat, name }),
      () => L.globalAveragePooling2d({ dataFormat, name }),
      () => L.globalMaxPooling2d({ dataFormat, name }),
      () => L.flatten({ name }),
      () => L.reshape({ targetShape: [-1, s[2]], name }),
      () => L.permute({ dims: r.pick([[1, 3, 2], [2, 1, 3], [3, 1, 2]]), name }),
    );
  } else if (rank === 5) {
    const strides = r.int(1, 2);
    options.push(
      () => L.conv3d({ filters: r.int(1, 4), kernelSize: r.int(1, 3), strides, padding: pad(), name }),
      () => L.maxPooling3d({ poolSize: r.int(1, 2), padding: pad(), name }),
      () => L.averagePooling3d({ poolSize: [r.int(1, 2), 1, r.int(1, 2)], strides: 1, padding: pad(), name }),
      () => L.conv3dTranspose({ filters: r.int(1, 3), kernelSize: r.int(1, 3), strides, padding: pad(), name }),
      () => L.flatten({ name }),
    );
  }
  try {
    return r.pick(options)();
  } catch {
    return undefined; // a config tfjs refuses
  }
}

/** A random Sequential model of `depth` layers whose every output has positive, modest sizes. */
function randomModel(seed: number): { model: tf.Sequential; description: string } {
  const r = rng(seed);
  const rank = r.pick([2, 3, 4, 4, 5]);
  const input = Array.from({ length: rank - 1 }, () => r.int(rank === 5 ? 3 : 4, rank === 5 ? 8 : 20));
  const model = tf.sequential({ name: `random_${seed}` });
  model.add(L.inputLayer({ inputShape: input, name: 'input' }));
  const depth = r.int(5, 12);
  const description = [`seed ${seed}: input [${input}]`];
  for (let k = 0; model.layers.length < depth && k < depth * 6; k++) {
    const shape = (model.outputs[0].shape as number[]).slice(1);
    const layer = randomLayer(shape, r, k);
    if (!layer) continue;
    try {
      const out = layer.apply(model.outputs[0]) as tf.SymbolicTensor;
      const dims = out.shape.slice(1);
      const size = dims.reduce((a: number, b) => a * (b ?? 0), 1);
      if (dims.some((d) => d === null || d <= 0) || size > 50_000) continue;
      model.add(layer);
      description.push(`${layer.getClassName()} ${JSON.stringify(out.shape)}`);
    } catch {
      // The input does not fit this layer; try another.
    }
  }
  return { model, description: description.join('\n  ') };
}

describe('TF.js layer output shapes on random models', () => {
  const SEEDS = Array.from({ length: Number(process.env.SHAPE_SEEDS ?? 60) }, (_, i) => 1000 + i * 7);
  it(`equal tf.loadLayersModel and the computed tensors on ${SEEDS.length} seeded random models`, async () => {
    let compared = 0;
    const classes = new Set<string>();
    for (const seed of SEEDS) {
      const { model: m, description } = randomModel(seed);
      m.layers.forEach((l) => classes.add(l.getClassName()));
      const saved = await saveLayersModel(m, tempDir());
      const ours = await loadModel(saved.modelJson);
      const reference = await tfjsLoad(saved.modelJson);
      const symbolic = compareWithTfjs(reference, ours.graph);
      assert.deepEqual(symbolic.mismatches, [], `model ${description}`);
      let computed;
      try {
        computed = compareWithRun(reference, ours.graph);
      } catch (e) {
        throw new Error(`tfjs cannot run model ${description}: ${(e as Error).message}`);
      }
      assert.deepEqual(computed.mismatches, [], `model ${description}`);
      assert.deepEqual(unknownValues(ours), [], `model ${description}`);
      compared += symbolic.compared + computed.compared;
      tf.dispose(reference.weights.map((w) => w.read()));
    }
    assert.ok(compared > 400, `compared ${compared} shapes`);
    assert.ok(classes.size >= 25, `only ${classes.size} layer classes drawn: ${[...classes]}`);
  });
});
