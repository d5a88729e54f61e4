// Seed models the fuzzer mutates: the committed ONNX and TF.js fixtures, plus small models built
// here so that every rule and reader path has something to chew on (BatchNorm → ReLU, Gemm + Add
// bias, grouped Conv, Clip bounds from constants, ThresholdedRelu, FusedConv, data in float_data /
// int32_data / int64_data, external data, Loop bodies; TF.js layers with every activation layer,
// nested functional models, graph-models with fused ops, quantized and bare manifests).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import { encodeModel, floatTensor, valueInfo } from '../onnxBuild';
import type { Sidecar } from './onnxMutations';
import type { TfjsFolder } from './tfjsMutations';

export interface OnnxSeed {
  name: string;
  bytes: Uint8Array;
  /** Files next to the model (external data). */
  sidecars: Sidecar[];
}

export interface TfjsSeed extends TfjsFolder {
  name: string;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

const ONNX_FIXTURES = [
  'test/fixtures/onnx/viewer_convnet.onnx',
  'test/fixtures/onnx/viewer_if.onnx',
  'test/fixtures/onnx/viewer_function.onnx',
  'test/fixtures/onnx/viewer_hostile.onnx',
  'test/fixtures/onnx/viewer_empty.onnx',
  'test/fixtures/analysis/bn_planted.onnx',
  'test/fixtures/analysis/bn_folded.onnx',
  'test/fixtures/analysis/mlp_planted.onnx',
  'test/fixtures/analysis/trained_dead_mlp.onnx',
  'test/fixtures/analysis/rewrite_net_opset17.onnx',
  'test/fixtures/dead-cnn/dead_cnn.onnx',
  'test/fixtures/dead-cnn/transformer/tiny_transformer.onnx',
];

const TFJS_FIXTURES = ['test/fixtures/tfjs/keras3-functional', 'test/fixtures/tfjs/graph-control-flow'];

const F = 1;

function n(opType: string, input: string[], output: string[], extra: Partial<onnx.INodeProto> = {}): onnx.INodeProto {
  return { opType, input, output, name: output[0], ...extra };
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function builtOnnx(): OnnxSeed[] {
  const x4 = [valueInfo('x', F, [1, 4])];
  const y4 = [valueInfo('y', F, [1, 4])];
  const img = [valueInfo('x', F, [1, 3, 4, 4])];
  const seeds: OnnxSeed[] = [];
  const add = (name: string, spec: Parameters<typeof encodeModel>[0], sidecars: Sidecar[] = []) => seeds.push({ name, bytes: encodeModel(spec), sidecars });
  add('bn_relu', {
    inputs: img,
    outputs: [valueInfo('y', F, [1, 3, 4, 4])],
    nodes: [n('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['bn']), n('Relu', ['bn'], ['y'])],
    initializers: [floatTensor('s', [3], [0, 1, 0.01]), floatTensor('b', [3], [-1, 0.5, -3]), floatTensor('m', [3], [0, 0, 0]), floatTensor('v', [3], [1, 1, 1])],
  });
  add('gemm_add_relu', {
    inputs: x4,
    outputs: y4,
    nodes: [n('Relu', ['x'], ['r']), n('Gemm', ['r', 'w'], ['g'], { attribute: [{ name: 'transB', type: 2, i: 1 }, { name: 'alpha', type: 1, f: 0.5 }] }), n('Add', ['g', 'b'], ['a']), n('Relu', ['a'], ['y']), n('Softmax', ['y'], ['p'])],
    initializers: [floatTensor('w', [4, 4], [1, -1, 0, 2, -1, -1, -1, -1, 0, 0, 0, 0, 3, 1, -2, 0]), floatTensor('b', [4], [0.1, -5, -1, 0])],
  });
  add('grouped_conv', {
    inputs: [valueInfo('x', F, [1, 4, 4, 4])],
    outputs: [valueInfo('y', F, [1, 4, 4, 4])],
    nodes: [n('Conv', ['x', 'w', 'b'], ['c'], { attribute: [{ name: 'group', type: 2, i: 2 }] }), n('Clip', ['c', 'lo', 'hi'], ['y'])],
    initializers: [floatTensor('w', [4, 2, 1, 1], [1, -1, -1, -1, 0, 0, 2, 2]), floatTensor('b', [4], [0, -1, -2, 1]), floatTensor('lo', [], [0]), floatTensor('hi', [], [6])],
  });
  add('thresholds', {
    inputs: x4,
    outputs: y4,
    nodes: [
      n('ThresholdedRelu', ['x'], ['t'], { attribute: [{ name: 'alpha', type: 1, f: 4 }] }),
      n('LeakyRelu', ['t'], ['l'], { attribute: [{ name: 'alpha', type: 1, f: 0.1 }] }),
      n('Elu', ['l'], ['e']),
      n('Constant', [], ['k'], { attribute: [{ name: 'value_float', type: 1, f: 0 }] }),
      n('Max', ['e', 'x', 't'], ['mx']),
      n('Concat', ['mx', 'e'], ['cc'], { attribute: [{ name: 'axis', type: 2, i: 1 }] }),
      n('Clip', ['cc', 'k'], ['y']),
    ],
  });
  add('fused', {
    inputs: img,
    outputs: y4,
    nodes: [n('FusedConv', ['x', 'w'], ['f'], { domain: 'com.microsoft', attribute: [{ name: 'activation', type: 3, s: new TextEncoder().encode('Relu') }] }), n('Flatten', ['f'], ['y'])],
    initializers: [floatTensor('w', [2, 3, 1, 1], [1, 1, 1, -1, -1, -1])],
    extra: { opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] },
  });
  add('data_fields', {
    inputs: x4,
    outputs: y4,
    nodes: [n('MatMul', ['x', 'w'], ['m']), n('Add', ['m', 'b'], ['a']), n('Relu', ['a'], ['r']), n('Mul', ['r', 'i'], ['y'])],
    initializers: [
      { name: 'w', dims: [4, 4], dataType: F, floatData: Array.from({ length: 16 }, (_, i) => (i % 5) - 2) },
      { name: 'b', dims: [4], dataType: 11, doubleData: [-1, 0, 1, -100] },
      { name: 'i', dims: [4], dataType: 7, int64Data: [1, -1, 2 ** 40, 0] },
      { name: 'h', dims: [8], dataType: 10, int32Data: [0x3c00, 0xbc00, 0, 0x7c00, 1, 2, 3, 4] },
      { name: 'q', dims: [3], dataType: 22, int32Data: [0x7f, 0x08] },
    ],
  });
  const ext = f32(Array.from({ length: 16 }, (_, i) => i - 8));
  add('external', {
    inputs: x4,
    outputs: y4,
    nodes: [n('Gemm', ['x', 'w'], ['g']), n('Relu', ['g'], ['y'])],
    initializers: [{ name: 'w', dims: [4, 4], dataType: F, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }, { key: 'length', value: String(ext.length) }] }],
  }, [{ name: 'weights.bin', kind: 'file', bytes: ext }]);
  add('loop', {
    inputs: x4,
    outputs: y4,
    nodes: [
      n('Constant', [], ['trip'], { attribute: [{ name: 'value', type: 4, t: { dims: [], dataType: 7, int64Data: [3] } }] }),
      n('Loop', ['trip', '', 'x'], ['y'], {
        attribute: [{
          name: 'body',
          type: 5,
          g: {
            name: 'body',
            input: [valueInfo('i', 7, []), valueInfo('c', 9, []), valueInfo('s', F, [1, 4])],
            output: [valueInfo('c2', 9, []), valueInfo('s2', F, [1, 4])],
            node: [n('Identity', ['c'], ['c2']), n('Relu', ['s'], ['s2'])],
          },
        }],
      }),
    ],
  });
  return seeds;
}

function shard(values: number[]): Uint8Array {
  return f32(values);
}

function builtTfjs(): TfjsSeed[] {
  const seeds: TfjsSeed[] = [];
  const add = (name: string, json: unknown, shards: [string, Uint8Array][] = []) => seeds.push({ name, json: JSON.stringify(json), shards: new Map(shards) });
  const layer = (class_name: string, config: Record<string, unknown>) => ({ class_name, config });
  add('sequential', {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [
          layer('Dense', { name: 'd1', units: 2, activation: 'relu', batch_input_shape: [null, 3] }),
          layer('BatchNormalization', { name: 'bn', scale: true, center: true }),
          layer('ReLU', { name: 'r', max_value: 6 }),
          layer('LeakyReLU', { name: 'l', alpha: 0.3 }),
          layer('ThresholdedReLU', { name: 't', theta: 5 }),
          layer('ELU', { name: 'e', alpha: 1 }),
          layer('Dense', { name: 'd2', units: 2, activation: 'softmax' }),
        ],
      },
    },
    weightsManifest: [{
      paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
      weights: [
        { name: 'd1/kernel', shape: [3, 2], dtype: 'float32' },
        { name: 'd1/bias', shape: [2], dtype: 'float32' },
        { name: 'bn/gamma', shape: [2], dtype: 'float32' },
        { name: 'bn/beta', shape: [2], dtype: 'float32' },
        { name: 'bn/moving_mean', shape: [2], dtype: 'float32' },
        { name: 'bn/moving_variance', shape: [2], dtype: 'float32' },
        { name: 'd2/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
        { name: 'd2/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      ],
    }],
  }, [['group1-shard1of2.bin', shard([1, -1, 0, 2, -3, 1, -5, 0.5, 0, 1, -1, 0.5, 0, 0, 1, 1])], ['group1-shard2of2.bin', Uint8Array.from([0, 255, 10, 20, 0, 60, 0, 188])]]);
  add('functional', {
    format: 'layers-model',
    modelTopology: {
      keras_version: '2.15.0',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'f',
          layers: [
            { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 4] }, inbound_nodes: [] },
            { class_name: 'Dense', name: 'model/dense', config: { name: 'model/dense', units: 4, activation: 'relu' }, inbound_nodes: [[['in', 0, 0, {}]]] },
            {
              class_name: 'Sequential', name: 'inner', config: { name: 'inner', layers: [layer('Dense', { name: 'd_in', units: 4, activation: 'relu', batch_input_shape: [null, 4] })] },
              inbound_nodes: [[['model/dense', 0, 0, {}]]],
            },
            { class_name: 'Add', name: 'add', config: { name: 'add' }, inbound_nodes: [[['inner', 1, 0, {}], ['model/dense', 0, 0, {}]]] },
            { class_name: 'Activation', name: 'act', config: { name: 'act', activation: 'relu' }, inbound_nodes: [[['add', 0, 0, {}]]] },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['act', 0, 0]],
        },
      },
    },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'model/dense/kernel', shape: [4, 4], dtype: 'float32' }, { name: 'model/dense/bias', shape: [4], dtype: 'float32' }, { name: 'inner/d_in/kernel', shape: [4, 4], dtype: 'float32' }, { name: 'inner/d_in/bias', shape: [4], dtype: 'float32' }] }],
  }, [['w.bin', shard(Array.from({ length: 40 }, (_, i) => ((i * 7) % 11) - 5))]]);
  add('graph', {
    format: 'graph-model',
    generatedBy: '2.15.0',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '4' }, { size: '4' }] } } } } },
        { name: 'b', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '4' }] } } } } },
        { name: 'k', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: {}, floatVal: [0.5] } } } },
        { name: 'mm', op: '_FusedMatMul', input: ['x', 'w', 'b'], attr: { fused_ops: { list: { s: ['Qmlhc0FkZA==', 'UmVsdQ=='] } }, transpose_b: { b: false } } },
        { name: 'mul', op: 'Mul', input: ['mm', 'k', '^x'] },
        { name: 'out', op: 'Identity', input: ['mul:0'] },
      ],
      versions: { producer: 1474 },
    },
    signature: { inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT' } }, outputs: { out: { name: 'out:0', dtype: 'DT_FLOAT' } } },
    weightsManifest: [{ paths: ['g.bin'], weights: [{ name: 'w', shape: [4, 4], dtype: 'float32' }, { name: 'b', shape: [4], dtype: 'float32' }] }],
  }, [['g.bin', shard(Array.from({ length: 20 }, (_, i) => i - 10))]]);
  add('manifest', [{ paths: ['m.bin'], weights: [{ name: 'a', shape: [2], dtype: 'float32' }, { name: 's', shape: [2], dtype: 'string' }, { name: 'i', shape: [1], dtype: 'int32' }] }], [
    ['m.bin', Uint8Array.from([0, 0, 128, 63, 0, 0, 0, 64, 1, 0, 0, 0, 65, 2, 0, 0, 0, 66, 67, 7, 0, 0, 0])],
  ]);
  return seeds;
}

function readTfjsFolder(dir: string): TfjsSeed {
  const json = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
  const shards = new Map<string, Uint8Array>();
  for (const f of fs.readdirSync(dir)) if (f !== 'model.json') shards.set(f, fs.readFileSync(path.join(dir, f)));
  return { name: path.basename(dir), json, shards };
}

export interface Corpus {
  onnx: OnnxSeed[];
  tfjs: TfjsSeed[];
}

/** The committed and built seeds, plus every .onnx file and model.json folder under `extra`. */
export function loadCorpus(extra: string[] = []): Corpus {
  const onnxSeeds: OnnxSeed[] = ONNX_FIXTURES.filter((f) => fs.existsSync(path.join(ROOT, f))).map((f) => ({ name: path.basename(f), bytes: fs.readFileSync(path.join(ROOT, f)), sidecars: [] }));
  onnxSeeds.push(...builtOnnx());
  const tfjsSeeds: TfjsSeed[] = TFJS_FIXTURES.filter((d) => fs.existsSync(path.join(ROOT, d))).map((d) => readTfjsFolder(path.join(ROOT, d)));
  tfjsSeeds.push(...builtTfjs());
  for (const root of extra) {
    const stack = [root];
    while (stack.length) {
      const d = stack.pop()!;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) stack.push(p);
        else if (e.name.endsWith('.onnx') && fs.statSync(p).size <= 4 << 20) onnxSeeds.push({ name: path.relative(root, p), bytes: fs.readFileSync(p), sidecars: [] });
        else if (e.name === 'model.json') tfjsSeeds.push(readTfjsFolder(d));
      }
    }
  }
  return { onnx: onnxSeeds, tfjs: tfjsSeeds };
}
