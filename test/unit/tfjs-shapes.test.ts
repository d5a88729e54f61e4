// Layer output shapes of TF.js layers-models: every layer call's inferred output shape must equal
// what tf.loadLayersModel gives the same saved model (and the shape of the tensor tfjs computes
// when it runs it), for every layer class tfjs implements and odd configs of each.
import * as assert from 'node:assert/strict';
import { loadModel } from '../../src/formats/load';
import type { Dim, Model } from '../../src/core/model';
import { compareWithRun, compareWithTfjs, tfjsLoad, unknownValues } from '../support/tfjsShapeTruth';
import { saveLayersModel, tempDir, tf } from '../support/tfjsFixtures';

type Sym = tf.SymbolicTensor;
const L = tf.layers;

function chain(input: Sym, layers: tf.layers.Layer[]): Sym {
  return layers.reduce((x, l) => l.apply(x) as Sym, input);
}

function sequential(name: string, layers: tf.layers.Layer[]): tf.Sequential {
  return tf.sequential({ name, layers });
}

interface Checked {
  model: Model;
  compared: number;
}

/** Saves a tfjs model, opens it with our reader and with tf.loadLayersModel, and asserts that
 *  every layer output has the same shape in both, and the shape tfjs computes when run. */
async function check(m: tf.LayersModel, opts: { expected?: Record<string, Dim[]>; run?: boolean } = {}): Promise<Checked> {
  const saved = await saveLayersModel(m, tempDir());
  const model = await loadModel(saved.modelJson);
  const reference = await tfjsLoad(saved.modelJson);
  const symbolic = compareWithTfjs(reference, model.graph, opts.expected);
  assert.deepEqual(symbolic.mismatches, [], `shapes differing from tf.loadLayersModel:\n${symbolic.mismatches.join('\n')}`);
  assert.ok(symbolic.compared >= reference.layers.length, `compared only ${symbolic.compared} values`);
  if (opts.run !== false) {
    const computed = compareWithRun(reference, model.graph);
    assert.deepEqual(computed.mismatches, [], `shapes differing from the tensors tfjs computes:\n${computed.mismatches.join('\n')}`);
  }
  assert.deepEqual(unknownValues(model), [], 'every value of these models has a shape');
  return { model, compared: symbolic.compared };
}

describe('TF.js layer output shapes equal tf.loadLayersModel', () => {
  it("a Sequential MLP's output is [?, 5], not [?] (the issue's dense_3)", async () => {
    const m = sequential('mlp', [L.dense({ units: 8, inputShape: [4], name: 'dense_1' }), L.dense({ units: 6, name: 'dense_2' }), L.dense({ units: 5, name: 'dense_3' })]);
    const { model } = await check(m);
    assert.deepEqual(model.graph.outputs, [{ name: 'dense_3/0/0', dtype: 'float', shape: [null, 5] }]);
  });

  it('2D convolutions, pooling, padding, cropping, upsampling and transposed convolutions, channels last', async () => {
    const m = sequential('cnn', [
      L.conv2d({ inputShape: [33, 28, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_s2_same' }),
      L.conv2d({ filters: 5, kernelSize: [3, 2], dilationRate: 2, padding: 'valid', name: 'conv_dilated' }),
      L.zeroPadding2d({ padding: [[1, 2], [0, 3]], name: 'pad_asym' }),
      L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool_same' }),
      L.depthwiseConv2d({ kernelSize: [2, 3], depthMultiplier: 2, strides: [1, 2], padding: 'valid', name: 'depthwise' }),
      L.separableConv2d({ filters: 6, kernelSize: 3, dilationRate: 2, padding: 'same', name: 'separable' }),
      L.cropping2D({ cropping: [[1, 0], [2, 1]], name: 'crop' }),
      L.upSampling2d({ size: [2, 3], name: 'upsample' }),
      L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid', name: 'deconv_valid' }),
      L.conv2dTranspose({ filters: 2, kernelSize: 4, strides: [2, 3], padding: 'same', name: 'deconv_same' }),
      L.batchNormalization({ name: 'bn' }),
      L.averagePooling2d({ poolSize: [2, 3], strides: [3, 2], padding: 'valid', name: 'avgpool' }),
      L.zeroPadding2d({ padding: 2, name: 'pad_sym' }),
      L.conv2d({ filters: 3, kernelSize: 5, strides: [2, 1], padding: 'valid', name: 'conv_strided_valid' }),
      L.globalMaxPooling2d({ name: 'gmp' }),
      L.dense({ units: 5, name: 'out' }),
    ]);
    await check(m);
  });

  it('the same layers with data_format channels_first', async () => {
    const cf = { dataFormat: 'channelsFirst' as const };
    const m = sequential('cnn_cf', [
      L.conv2d({ inputShape: [3, 21, 17], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'cf_conv', ...cf }),
      L.zeroPadding2d({ padding: [[1, 0], [2, 2]], name: 'cf_pad', ...cf }),
      L.maxPooling2d({ poolSize: 2, padding: 'valid', name: 'cf_pool', ...cf }),
      L.cropping2D({ cropping: [[0, 1], [1, 1]], name: 'cf_crop', ...cf }),
      L.upSampling2d({ size: [3, 2], name: 'cf_up', ...cf }),
      L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid', name: 'cf_deconv', ...cf }),
      L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 3, name: 'cf_depthwise', ...cf }),
      L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'cf_avg', ...cf }),
      L.globalAveragePooling2d({ name: 'cf_gap', ...cf }),
    ]);
    await check(m);
  });

  it('1D and 3D convolution and pooling, strides, dilation, same and valid padding', async () => {
    const m1 = sequential('seq1d', [
      L.conv1d({ inputShape: [50, 6], filters: 4, kernelSize: 5, strides: 2, padding: 'same', name: 'c1_same' }),
      L.conv1d({ filters: 3, kernelSize: 3, dilationRate: 3, padding: 'valid', name: 'c1_dilated' }),
      L.maxPooling1d({ poolSize: 3, strides: 2, padding: 'valid', name: 'p1_max' }),
      L.averagePooling1d({ poolSize: 2, padding: 'same', name: 'p1_avg' }),
      L.conv1d({ filters: 2, kernelSize: 2, strides: 3, name: 'c1_strided' }),
      L.globalAveragePooling1d({ name: 'g1' }),
    ]);
    await check(m1);
    const m3 = sequential('vol3d', [
      L.conv3d({ inputShape: [10, 12, 9, 2], filters: 3, kernelSize: 3, strides: [1, 2, 2], padding: 'same', name: 'c3' }),
      L.maxPooling3d({ poolSize: 2, name: 'p3_max' }),
      L.averagePooling3d({ poolSize: [1, 2, 1], strides: [1, 1, 1], padding: 'same', name: 'p3_avg' }),
      L.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid', name: 'd3' }),
      L.conv3d({ filters: 2, kernelSize: [3, 1, 2], padding: 'valid', name: 'c3_valid' }),
      L.flatten({ name: 'flat3' }),
    ]);
    await check(m3);
  });

  it('Reshape with -1 (unknown while the batch is, as tfjs reports it), Permute, RepeatVector, Flatten', async () => {
    const m = sequential('reshapes', [
      L.reshape({ inputShape: [24], targetShape: [4, -1], name: 'reshape_infer' }),
      L.reshape({ targetShape: [2, 3, 4], name: 'reshape_fixed' }),
      L.permute({ dims: [3, 1, 2], name: 'permute' }),
      L.flatten({ name: 'flatten' }),
      L.repeatVector({ n: 3, name: 'repeat' }),
      L.reshape({ targetShape: [6, 12], name: 'reshape_3d' }),
    ]);
    await check(m);
    // With a fixed batch tfjs resolves the -1.
    const fixed = sequential('reshape_fixed_batch', [
      L.reshape({ batchInputShape: [3, 24], targetShape: [-1, 6], name: 'reshape_b' }),
      L.permute({ dims: [2, 1], name: 'permute_b' }),
      L.reshape({ targetShape: [2, -1, 3], name: 'reshape_b2' }),
    ]);
    const { model } = await check(fixed);
    assert.deepEqual(model.graph.outputs[0].shape, [3, 2, 4, 3]);
  });

  it('LSTM, GRU and SimpleRNN with return_sequences and return_state, stacked cells, Bidirectional merge modes, TimeDistributed', async () => {
    const x = tf.input({ shape: [9, 5], name: 'seq_in' });
    const [lstmSeq, h, c] = L.lstm({ units: 4, returnSequences: true, returnState: true, name: 'lstm_states' }).apply(x) as Sym[];
    const [gruLast, gruState] = L.gru({ units: 3, returnState: true, name: 'gru_state' }).apply(lstmSeq) as Sym[];
    const simple = L.simpleRNN({ units: 2, name: 'simple' }).apply(lstmSeq) as Sym;
    const stacked = L.rnn({ cell: [L.lstmCell({ units: 4 }), L.gruCell({ units: 3 })], returnSequences: true, name: 'stacked' }).apply(x) as Sym;
    const bicat = L.bidirectional({ layer: L.lstm({ units: 3, returnSequences: true }) as tf.RNN, name: 'bi_concat' }).apply(stacked) as Sym;
    const bisum = L.bidirectional({ layer: L.gru({ units: 2 }) as tf.RNN, mergeMode: 'sum', name: 'bi_sum' }).apply(bicat) as Sym;
    const td = L.timeDistributed({ layer: L.dense({ units: 7 }), name: 'td_dense' }).apply(bicat) as Sym;
    const tdFlat = L.globalMaxPooling1d({ name: 'td_pool' }).apply(td) as Sym;
    const [fwd, bwd] = L.bidirectional({ layer: L.simpleRNN({ units: 2, returnSequences: true }) as tf.RNN, mergeMode: null as never, name: 'bi_separate' }).apply(x) as Sym[];
    const [biOut, ...biStates] = L.bidirectional({ layer: L.lstm({ units: 3, returnState: true }) as tf.RNN, name: 'bi_states' }).apply(x) as Sym[];
    const cat = L.concatenate({ name: 'rnn_cat' }).apply([h, c, gruLast, gruState, simple, bisum, tdFlat, biOut, ...biStates]) as Sym;
    const m = tf.model({ inputs: x, outputs: [cat, lstmSeq, fwd, bwd], name: 'rnns' });
    await check(m);
  });

  it('ConvLSTM2D sequences and states, and TimeDistributed convolutions', async () => {
    const x = tf.input({ shape: [4, 10, 12, 2], name: 'frames' });
    const seq = L.convLstm2d({ filters: 3, kernelSize: 3, padding: 'same', returnSequences: true, name: 'convlstm_seq' }).apply(x) as Sym;
    const [last, h, c] = L.convLstm2d({ filters: 2, kernelSize: [3, 2], strides: [2, 1], returnState: true, name: 'convlstm_state' }).apply(seq) as Sym[];
    const td = L.timeDistributed({ layer: L.conv2d({ filters: 5, kernelSize: 3, strides: 2 }), name: 'td_conv' }).apply(seq) as Sym;
    const m = tf.model({ inputs: x, outputs: [last, h, c, td], name: 'convlstms' });
    await check(m);
  });

  it('merge layers (broadcasting batch), Concatenate on several axes, Dot with negative and paired axes', async () => {
    const a = tf.input({ shape: [6], name: 'a' });
    const b = tf.input({ shape: [6], name: 'b' });
    const s = tf.input({ shape: [4, 6], name: 's' });
    const t = tf.input({ shape: [3, 6], name: 't' });
    const outs = [
      L.add({ name: 'add' }).apply([a, b]),
      L.multiply({ name: 'mul' }).apply([a, b, a]),
      L.average({ name: 'avg' }).apply([a, b]),
      L.maximum({ name: 'max' }).apply([a, b]),
      L.minimum({ name: 'min' }).apply([a, b]),
      L.concatenate({ axis: 1, name: 'cat_axis1' }).apply([s, t]),
      L.concatenate({ axis: -1, name: 'cat_last' }).apply([s, s]),
      L.concatenate({ axis: 2, name: 'cat_axis2' }).apply([t, t]),
      L.dot({ axes: -1, name: 'dot_vec' }).apply([a, b]),
      L.dot({ axes: [2, 2], name: 'dot_seq' }).apply([s, t]),
      L.dot({ axes: [1, 1], normalize: true, name: 'dot_cos' }).apply([s, s]),
    ] as Sym[];
    await check(tf.model({ inputs: [a, b, s, t], outputs: outs, name: 'merges' }));
  });

  it('Embedding with and without input_length, on an int32 input', async () => {
    const ids = tf.input({ shape: [10], dtype: 'int32', name: 'ids' });
    const any = tf.input({ shape: [null], dtype: 'int32', name: 'any_len' });
    const e1 = L.embedding({ inputDim: 100, outputDim: 8, inputLength: 10, name: 'emb_len' }).apply(ids) as Sym;
    const e2 = L.embedding({ inputDim: 50, outputDim: 4, name: 'emb_free' }).apply(any) as Sym;
    const pooled = L.globalAveragePooling1d({ name: 'emb_pool' }).apply(e2) as Sym;
    const { model } = await check(tf.model({ inputs: [ids, any], outputs: [e1, pooled], name: 'embeds' }));
    assert.deepEqual(model.graph.valueInfo.find((v) => v.name === 'emb_free/0/0')?.shape, [null, null, 4]);
  });

  it('shape-preserving layers: activations, normalization, dropout and noise, masking, rescaling', async () => {
    const m = sequential('same_shape', [
      L.dropout({ inputShape: [7, 5], rate: 0.1, name: 'drop' }),
      L.spatialDropout1d({ rate: 0.1, name: 'sdrop' }),
      L.gaussianNoise({ stddev: 0.1, name: 'gnoise' }),
      L.gaussianDropout({ rate: 0.1, name: 'gdrop' }),
      L.alphaDropout({ rate: 0.1, name: 'adrop' }),
      L.layerNormalization({ name: 'ln' }),
      L.batchNormalization({ name: 'bn' }),
      L.prelu({ name: 'prelu' }),
      L.elu({ name: 'elu' }),
      L.leakyReLU({ name: 'leaky' }),
      L.reLU({ maxValue: 6, name: 'relu6' }),
      L.thresholdedReLU({ name: 'thr' }),
      L.softmax({ axis: -1, name: 'softmax' }),
      L.activation({ activation: 'tanh', name: 'tanh' }),
      L.rescaling({ scale: 0.5, name: 'rescale' }),
      L.masking({ name: 'mask' }),
    ]);
    await check(m);
  });

  it('multi-input, multi-output functional models with shared layers and nested models called twice', async () => {
    const in1 = tf.input({ shape: [3], name: 'in1' });
    const in2 = tf.input({ shape: [3], name: 'in2' });
    const shared = L.dense({ units: 4, name: 'shared' });
    const a = shared.apply(in1) as Sym;
    const b = shared.apply(in2) as Sym;
    const cat = L.concatenate({ name: 'cat' }).apply([a, b]) as Sym;
    const innerSeq = sequential('inner_seq', [L.dense({ units: 6, inputShape: [8], name: 'inner_dense' }), L.reshape({ targetShape: [2, 3], name: 'inner_reshape' })]);
    const fin = tf.input({ shape: [2, 3], name: 'fin' });
    const innerFn = tf.model({ inputs: fin, outputs: [L.flatten({ name: 'fn_flat' }).apply(fin) as Sym, L.dense({ units: 2, name: 'fn_dense' }).apply(fin) as Sym], name: 'inner_fn' });
    const r1 = innerSeq.apply(cat) as Sym;
    const [f1, d1] = innerFn.apply(r1) as Sym[];
    const r2 = innerSeq.apply(L.concatenate({ name: 'cat2' }).apply([b, a]) as Sym) as Sym;
    const [f2] = innerFn.apply(r2) as Sym[];
    const head = L.dense({ units: 1, name: 'head' }).apply(L.add({ name: 'sum' }).apply([f1, f2]) as Sym) as Sym;
    const m = tf.model({ inputs: [in1, in2], outputs: [head, d1], name: 'multi' });
    const { model, compared } = await check(m);
    assert.ok(compared >= 20);
    assert.deepEqual(model.graph.outputs.map((o) => o.shape), [[null, 1], [null, 2, 2]]);
  });

  it('a Sequential inside a Sequential, its own input shape taken from the outer layer', async () => {
    const block = sequential('block', [L.conv2d({ inputShape: [8, 8, 4], filters: 4, kernelSize: 3, padding: 'same', name: 'block_conv' }), L.maxPooling2d({ poolSize: 2, name: 'block_pool' })]);
    const m = sequential('outer', [L.conv2d({ inputShape: [16, 16, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'stem' }), block, L.flatten({ name: 'flat' }), L.dense({ units: 3, name: 'head' })]);
    await check(m);
  });

  it('CenterCrop', async () => {
    // (Not CategoryEncoding: tfjs's computeOutputShape rewrites its input tensor's shape in place,
    // so tfjs saves a corrupted input shape; test/unit/tfjs-shapes-keras.test.ts covers it.)
    const img = tf.input({ shape: [20, 18, 3], name: 'img' });
    const crop = L.centerCrop({ height: 8, width: 6, name: 'center_crop' }).apply(img) as Sym;
    await check(tf.model({ inputs: img, outputs: crop, name: 'prep' }), { run: false });
  });
});
