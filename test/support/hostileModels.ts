// Hand-written hostile models: valid in form, hostile in content. One or more per class of the
// hostile-models issue (stack overflow, quadratic work, claims without data, many tiny segments,
// special files, object-key collisions, NaN attributes, TF.js parameter counts) plus the work
// amplifiers found while fixing them (shared weights, long shape-op chains, deep names).
// Each case says what a user must get: a result (with checks) or one clean error.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import { encodeModel, floatTensor, valueInfo, type ModelSpec } from './onnxBuild';
import { encodeFields, parseMessage, Writer } from './fuzz/wire';
import type { PipelineResult } from './fuzz/pipeline';
import type { CaseOutcome } from './fuzz/runner';

export type HostileClass =
  | 'stack-overflow'
  | 'quadratic-work'
  | 'claims-without-data'
  | 'tiny-segments'
  | 'special-files'
  | 'object-keys'
  | 'nan-attributes'
  | 'tfjs-parameter-counts'
  | 'bounded-work';

export interface HostileCase {
  name: string;
  klass: HostileClass;
  file: string;
  expect: 'result' | 'error';
  /** For 'error': what the one message must say (besides naming the file). */
  error?: RegExp;
  /** For 'result': a problem with the result, or undefined when it is right. */
  check?: (r: PipelineResult) => string | undefined;
}

const FLOAT = 1;
const INT64 = 7;
const INT32 = 6;

function node(opType: string, inputs: string[], outputs: string[], name = outputs[0], extra: Partial<onnx.INodeProto> = {}): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name, ...extra };
}

function floatAttr(name: string, f: number): onnx.IAttributeProto {
  return { name, type: 1, f };
}

function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: 2, i };
}

function stringAttr(name: string, s: string): onnx.IAttributeProto {
  return { name, type: 3, s: new TextEncoder().encode(s) };
}

function write(dir: string, name: string, spec: ModelSpec | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, spec instanceof Uint8Array ? spec : encodeModel(spec));
  return file;
}

function sub(dir: string, name: string): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

const X = [valueInfo('x', FLOAT, [1, 4])];
const Y = [valueInfo('y', FLOAT, [1, 4])];

/** No finding or warning may carry NaN/Infinity or raw JavaScript error text. */
function noNonsense(r: PipelineResult): string | undefined {
  for (const f of r.findings ?? []) if (/NaN|Infinity/.test(f.message)) return `finding text with NaN/Infinity: ${f.message}`;
  return undefined;
}

function opCount(op: string, n: number) {
  return (r: PipelineResult): string | undefined => {
    const ops = r.summary?.ops ?? {};
    if (!Object.hasOwn(ops, op)) return `op histogram lacks '${op}': ${JSON.stringify(ops)}`;
    if (ops[op] !== n) return `op histogram counts '${op}' as ${JSON.stringify(ops[op])}, expected ${n}`;
    return undefined;
  };
}

/** An own property (never one inherited from Object.prototype). */
function own(o: object | undefined, key: string): unknown {
  return o && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function all(...checks: ((r: PipelineResult) => string | undefined)[]) {
  return (r: PipelineResult) => {
    for (const c of checks) {
      const p = c(r);
      if (p) return p;
    }
    return undefined;
  };
}

/** A float_data field per element (wire type 5, not packed): `count` tiny segments. */
function tensorWithSeparateFloats(name: string, dims: number[], count: number): Uint8Array {
  const w = new Writer();
  for (const d of dims) w.uint(1, d);
  w.uint(2, FLOAT);
  w.bytes(8, name);
  for (let i = 0; i < count; i++) w.float32(4, ((i * 7919) % 1000) / 1000 - 0.5);
  return w.finish();
}

/** A model whose graph has the given nodes (encoded by onnx-proto) plus one raw initializer. */
function modelWithRawInitializer(spec: ModelSpec, rawInitializer: Uint8Array): Uint8Array {
  const top = parseMessage(encodeModel(spec), 0) ?? [];
  const out = top.map((f) => {
    if (f.field !== 7 || f.wire !== 2) return f;
    const graph = new Writer().raw(f.bytes).bytes(5, rawInitializer).finish();
    return { ...f, bytes: graph, children: undefined };
  });
  return encodeFields(out);
}

function mkfifo(file: string): boolean {
  try {
    execFileSync('mkfifo', [file]);
    return true;
  } catch {
    return false;
  }
}

function tfjsFolder(dir: string, name: string, json: unknown, shards: Record<string, Uint8Array> = {}): string {
  const d = sub(dir, name);
  for (const [p, b] of Object.entries(shards)) fs.writeFileSync(path.join(d, p), b);
  const file = path.join(d, 'model.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

function sequential(layers: unknown[]): unknown {
  return { class_name: 'Sequential', config: { name: 'seq', layers } };
}

function dense(name: string, extra: Record<string, unknown> = {}): unknown {
  return { class_name: 'Dense', config: { name, units: 2, activation: 'relu', ...extra } };
}

/** Builds every hostile model into `dir` (a fresh temporary folder). */
export function buildHostileModels(dir: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => cases.push(c);
  const relu = node('Relu', ['x'], ['r']);

  // ------------------------------------------------------------------ stack overflow
  for (const op of ['Concat', 'Max', 'Min', 'Sum']) {
    const fan = 200_000;
    const inputs = Array.from({ length: fan }, (_, i) => (i % 2 ? 'r' : `v${i % 1000}`));
    add({
      name: `${op} with 200,000 inputs`,
      klass: 'stack-overflow',
      file: write(dir, `fanin_${op}.onnx`, {
        inputs: X,
        outputs: Y,
        nodes: [relu, node(op, inputs, ['y'], 'big', op === 'Concat' ? { attribute: [intAttr('axis', 1)] } : {}), node('Relu', ['y'], ['z'])],
      }),
      expect: 'result',
      check: opCount(op, 1),
    });
  }
  {
    // An external-data location of 200,000 path segments.
    const loc = Array.from({ length: 200_000 }, () => 'a').join('/');
    add({
      name: 'external data location of 200,000 path segments',
      klass: 'stack-overflow',
      file: write(dir, 'deep_location.onnx', {
        inputs: X,
        outputs: Y,
        nodes: [node('Gemm', ['x', 'w'], ['g']), node('Relu', ['g'], ['y'])],
        initializers: [{ name: 'w', dims: [4, 4], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: loc }] }],
      }),
      expect: 'result',
    });
  }

  // ------------------------------------------------------------------ quadratic work
  for (const fan of [30_000, 150_000]) {
    add({
      name: `a node reading the same tensor ${fan.toLocaleString('en-US')} times`,
      klass: 'quadratic-work',
      file: write(dir, `dup_inputs_${fan}.onnx`, {
        inputs: X,
        outputs: Y,
        nodes: [relu, node('Sum', Array.from({ length: fan }, () => 'r'), ['s']), node('Relu', ['s'], ['y'])],
      }),
      expect: 'result',
      check: opCount('Sum', 1),
    });
  }
  {
    // 20,000 ReLUs, each feeding the shape input of one Reshape in a chain of 20,000 Reshapes
    // (following shape inputs forward walked the rest of the chain from each: 2·10^8 steps).
    const n = 20_000;
    const nodes: onnx.INodeProto[] = [];
    for (let i = 0; i < n; i++) {
      nodes.push(node('Relu', ['x'], [`r${i}`]));
      nodes.push(node('Reshape', [i ? `c${i - 1}` : 'x', `r${i}`], [`c${i}`]));
    }
    add({ name: '20,000 ReLUs feeding a chain of 20,000 Reshapes', klass: 'quadratic-work', file: write(dir, 'reshape_chain.onnx', { inputs: X, outputs: [valueInfo(`c${n - 1}`, FLOAT, [1, 4])], nodes }), expect: 'result' });
  }
  {
    // 50,000 nodes of one name: the viewer gives each a unique id.
    const nodes = Array.from({ length: 50_000 }, (_, i) => node('Relu', [i ? `o${i - 1}` : 'x'], [`o${i}`], 'same'));
    add({ name: '50,000 nodes of one name', klass: 'quadratic-work', file: write(dir, 'same_names.onnx', { inputs: X, outputs: [valueInfo('o49999', FLOAT, [1, 4])], nodes }), expect: 'result' });
  }
  {
    // 300,000 units with weights ≤ 0 and bias 0 after a ReLU: every one is a chance-dead unit.
    const units = 300_000;
    add({
      name: '300,000 chance-dead units in one layer',
      klass: 'quadratic-work',
      file: write(dir, 'chance_dead.onnx', {
        inputs: [valueInfo('x', FLOAT, [1, 1])],
        outputs: [valueInfo('y', FLOAT, [1, units])],
        nodes: [node('Relu', ['x'], ['r']), node('Gemm', ['r', 'w', 'b'], ['g']), node('Relu', ['g'], ['y'])],
        initializers: [floatTensor('w', [1, units], new Array(units).fill(-0.5)), floatTensor('b', [units], new Array(units).fill(0))],
      }),
      expect: 'result',
      check: (r) => ((r.findings ?? []).some((f) => f.rule === 'linear-relu-dead' && f.units.length === units) ? undefined : 'the 300,000 dead units are not reported'),
    });
  }
  {
    // 30,000 InputLayers in a functional TF.js model.
    const n = 30_000;
    const layers = Array.from({ length: n }, (_, i) => ({ class_name: 'InputLayer', name: `in${i}`, config: { name: `in${i}`, batch_input_shape: [null, 2] }, inbound_nodes: [] }));
    add({
      name: 'TF.js functional model with 30,000 InputLayers',
      klass: 'quadratic-work',
      file: tfjsFolder(dir, 'tfjs_inputs', { format: 'layers-model', modelTopology: { class_name: 'Functional', config: { name: 'f', layers, input_layers: [], output_layers: [] } } }),
      expect: 'result',
    });
  }
  {
    // 20,000 layers whose names contain '/' and 20,000 weights under them.
    const n = 20_000;
    const layers = Array.from({ length: n }, (_, i) => dense(`m/d${i}`, { units: 1 }));
    const weights = Array.from({ length: n }, (_, i) => ({ name: `m/d${i}/kernel`, shape: [1], dtype: 'float32' }));
    add({
      name: 'TF.js model with 20,000 layer names containing "/"',
      klass: 'quadratic-work',
      file: tfjsFolder(dir, 'tfjs_slash_names', { format: 'layers-model', modelTopology: sequential(layers), weightsManifest: [{ paths: ['w.bin'], weights }] }, { 'w.bin': new Uint8Array(4 * n) }),
      expect: 'result',
    });
  }
  {
    // 50,000 ReLUs reading one Add of 50,000 inputs (each walk back would scan the Add: 2.5·10^9 steps).
    const n = 50_000;
    const nodes: onnx.INodeProto[] = [relu, node('Add', Array.from({ length: n }, () => 'r'), ['a'])];
    for (let i = 0; i < n; i++) nodes.push(node('Relu', ['a'], [`o${i}`]));
    add({ name: '50,000 ReLUs after one Add of 50,000 inputs', klass: 'quadratic-work', file: write(dir, 'wide_add.onnx', { inputs: X, outputs: Y, nodes }), expect: 'result' });
  }

  // ------------------------------------------------------------------ claims without data
  const convClaim = (dims: number[], label: string, file: string, op = 'Conv') =>
    add({
      name: label,
      klass: 'claims-without-data',
      file: write(dir, file, {
        inputs: [valueInfo('x', FLOAT, [1, 3, 4, 4])],
        outputs: Y,
        nodes: [node(op, ['x', 'w'], ['c']), node('Relu', ['c'], ['y'])],
        initializers: [{ name: 'w', dims, dataType: FLOAT, rawData: new Uint8Array(0) }],
      }),
      expect: 'result',
    });
  convClaim([2 ** 31, 0, 3, 3], 'Conv weight claiming 2^31 output channels with zero elements', 'conv_claim.onnx');
  convClaim([2 ** 31, 0], 'Gemm weight claiming 2^31 units with zero elements', 'gemm_claim.onnx', 'Gemm');
  convClaim([0, 2 ** 31], 'MatMul weight claiming 2^31 units with zero elements', 'matmul_claim.onnx', 'MatMul');
  convClaim([1, 2 ** 40, 0, 1], 'Conv weight claiming 2^40 input channels with zero elements', 'conv_claim_in.onnx');
  {
    // BatchNormalization parameters claiming 2^33 elements, one stored value each.
    const big = (name: string, field: 'int64Data' | 'int32Data'): onnx.ITensorProto => ({ name, dims: [2 ** 33], dataType: field === 'int64Data' ? INT64 : INT32, [field]: [1] });
    add({
      name: 'BatchNorm parameters claiming 2^33 elements with one stored value',
      klass: 'claims-without-data',
      file: write(dir, 'bn_claim.onnx', {
        inputs: X,
        outputs: Y,
        nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['n']), node('Relu', ['n'], ['y'])],
        initializers: [big('s', 'int64Data'), big('b', 'int32Data'), big('m', 'int64Data'), big('v', 'int64Data')],
      }),
      expect: 'error',
      error: /tensor 's' declares 8589934592 elements but .*holds/,
    });
    add({
      name: 'a bias without data',
      klass: 'claims-without-data',
      file: write(dir, 'nodata_bias.onnx', {
        inputs: X,
        outputs: Y,
        nodes: [node('Gemm', ['x', 'w', 'b'], ['g']), node('Relu', ['g'], ['y'])],
        initializers: [floatTensor('w', [4, 4], new Array(16).fill(1)), { name: 'b', dims: [4], dataType: FLOAT }],
      }),
      expect: 'result',
      check: (r) => (r.warnings.some((w) => /tensor 'b' has no data/.test(w)) ? undefined : `no warning names the missing data: ${JSON.stringify(r.warnings)}`),
    });
    add({
      name: 'weights without data claiming 2^50 elements',
      klass: 'claims-without-data',
      file: write(dir, 'nodata_claim.onnx', {
        inputs: X,
        outputs: Y,
        nodes: [node('Gemm', ['x', 'w', 'b'], ['g']), node('Relu', ['g'], ['r']), node('MatMul', ['r', 'w2'], ['m']), node('Relu', ['m'], ['y'])],
        initializers: [{ name: 'w', dims: [2 ** 25, 2 ** 25], dataType: FLOAT }, { name: 'b', dims: [2 ** 25], dataType: FLOAT }, { name: 'w2', dims: [4, 2 ** 48], dataType: FLOAT }],
      }),
      expect: 'result',
    });
  }
  {
    const d = sub(dir, 'ext_folder');
    fs.mkdirSync(path.join(d, 'weights'));
    add({
      name: 'external data whose location is a folder',
      klass: 'claims-without-data',
      file: write(d, 'model.onnx', {
        inputs: X,
        outputs: Y,
        nodes: [node('Gemm', ['x', 'w'], ['g']), node('Relu', ['g'], ['y'])],
        initializers: [{ name: 'w', dims: [4, 4], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'weights' }] }],
      }),
      expect: 'result',
      check: (r) => (r.warnings.some((w) => /weights'.*folder/.test(w)) ? undefined : `no warning says the location is a folder: ${JSON.stringify(r.warnings)}`),
    });
  }
  {
    // ThresholdedRelu / Elu / Gemm claims through NaN-free but absurd ints: Conv group = 2^40.
    add({
      name: 'Conv with group 2^40',
      klass: 'claims-without-data',
      file: write(dir, 'conv_group.onnx', {
        inputs: [valueInfo('x', FLOAT, [1, 3, 4, 4])],
        outputs: Y,
        nodes: [node('Conv', ['x', 'w'], ['c'], 'c', { attribute: [intAttr('group', 2 ** 40)] }), node('Relu', ['c'], ['y'])],
        initializers: [floatTensor('w', [2, 1, 1, 1], [1, -1])],
      }),
      expect: 'result',
    });
  }

  // ------------------------------------------------------------------ many tiny segments
  {
    const rows = 1000, cols = 1250; // 1.25 M floats = 5 MB, one float_data field each
    const raw = tensorWithSeparateFloats('w', [rows, cols], rows * cols);
    const spec: ModelSpec = {
      inputs: [valueInfo('x', FLOAT, [1, rows])],
      outputs: [valueInfo('y', FLOAT, [1, cols])],
      nodes: [node('MatMul', ['x', 'w'], ['m']), node('Relu', ['m'], ['y'])],
    };
    add({
      name: 'a 5 MB weight stored as 1.25 million separate float_data fields',
      klass: 'tiny-segments',
      file: write(dir, 'tiny_segments.onnx', modelWithRawInitializer(spec, raw)),
      expect: 'result',
      check: (r) => {
        const s = r.stats?.find((t) => t.name === 'w');
        if (!s || s.count !== rows * cols) return `weight statistics of 'w' missing or wrong: ${JSON.stringify(s)}`;
        return r.timings.statsMs > 3000 ? `reading the 5 MB weight took ${r.timings.statsMs} ms` : undefined;
      },
    });
  }

  // ------------------------------------------------------------------ special files
  {
    const d = sub(dir, 'fifo');
    const onnxFifo = path.join(d, 'pipe.onnx');
    const jsonFifo = path.join(d, 'model.json');
    if (mkfifo(onnxFifo)) add({ name: 'a model path that is a named pipe (.onnx)', klass: 'special-files', file: onnxFifo, expect: 'error', error: /not a regular file|named pipe/ });
    if (mkfifo(jsonFifo)) add({ name: 'a model.json that is a named pipe', klass: 'special-files', file: jsonFifo, expect: 'error', error: /not a regular file|named pipe/ });
    const plain = path.join(d, 'noext');
    if (mkfifo(plain)) add({ name: 'a model path without extension that is a named pipe', klass: 'special-files', file: plain, expect: 'error', error: /not a regular file|named pipe/ });
  }
  {
    const d = sub(dir, 'device');
    const link = path.join(d, 'zero.onnx');
    fs.symlinkSync('/dev/zero', link);
    add({ name: 'a model path that is a character device (/dev/zero)', klass: 'special-files', file: link, expect: 'error', error: /not a regular file|device/ });
    add({ name: 'a model path that is a folder', klass: 'special-files', file: sub(dir, 'folder.onnx'), expect: 'error', error: /folder/ });
  }
  {
    const d = sub(dir, 'ext_fifo');
    if (mkfifo(path.join(d, 'weights.bin'))) {
      add({
        name: 'external data that is a named pipe',
        klass: 'special-files',
        file: write(d, 'model.onnx', {
          inputs: X,
          outputs: Y,
          nodes: [node('Gemm', ['x', 'w'], ['g']), node('Relu', ['g'], ['y'])],
          initializers: [{ name: 'w', dims: [4, 4], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] }],
        }),
        expect: 'result',
        check: (r) => (r.warnings.some((w) => /weights\.bin.*not a regular file/.test(w)) ? undefined : `no warning says the data is not a regular file: ${JSON.stringify(r.warnings)}`),
      });
    }
  }
  {
    const file = tfjsFolder(dir, 'tfjs_fifo_shard', { format: 'layers-model', modelTopology: sequential([dense('d', { batch_input_shape: [null, 1], units: 1 })]), weightsManifest: [{ paths: ['shard.bin'], weights: [{ name: 'd/kernel', shape: [1, 1], dtype: 'float32' }, { name: 'd/bias', shape: [1], dtype: 'float32' }] }] });
    if (mkfifo(path.join(path.dirname(file), 'shard.bin'))) {
      add({ name: 'a TF.js weight shard that is a named pipe', klass: 'special-files', file, expect: 'error', error: /"shard\.bin" is refused: it is a named pipe, not a regular file/ });
    }
  }

  // ------------------------------------------------------------------ object-key collisions
  {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    add({
      name: 'op types, opset domains, metadata keys and attributes named after Object members',
      klass: 'object-keys',
      file: write(dir, 'keys.onnx', {
        inputs: X,
        outputs: Y,
        nodes: [
          ...names.map((n, i) => node(n, ['x'], [`o${i}`], `n${i}`, { attribute: [floatAttr('__proto__', 1), floatAttr('constructor', 2)] })),
          node('FusedConv', ['x', 'w'], ['fc'], 'fc', { domain: 'com.microsoft', attribute: [stringAttr('activation', 'constructor')] }),
          node('FusedConv', ['x', 'w'], ['fp'], 'fp', { domain: 'com.microsoft', attribute: [stringAttr('activation', '__proto__')] }),
          node('Relu', ['x'], ['y']),
        ],
        initializers: [floatTensor('w', [2, 4, 1, 1], new Array(8).fill(1))],
        extra: {
          opsetImport: [{ domain: '', version: 17 }, { domain: '__proto__', version: 3 }, { domain: 'constructor', version: 4 }],
          metadataProps: [{ key: '__proto__', value: 'p' }, { key: 'constructor', value: 'c' }],
        },
      }),
      expect: 'result',
      check: all(
        ...names.map((n) => opCount(n, 1)),
        (r) => (own(r.summary?.opsets, '__proto__') === 3 && own(r.summary?.opsets, 'constructor') === 4 ? undefined : `opsets lost '__proto__' or 'constructor': ${JSON.stringify(r.summary?.opsets)}`),
        (r) => (own(r.summary?.metadata, '__proto__') === 'p' && own(r.summary?.metadata, 'constructor') === 'c' ? undefined : `metadata lost '__proto__' or 'constructor': ${JSON.stringify(r.summary?.metadata)}`),
        (r) => ((r.summary?.activations ?? []).every((a) => typeof a.activation === 'string') ? undefined : `an activation is not a string: ${JSON.stringify(r.summary?.activations)}`),
      ),
    });
    const json = {
      format: 'layers-model',
      modelTopology: sequential([
        { class_name: 'constructor', config: { name: 'a', batch_input_shape: [null, 2] } },
        { class_name: '__proto__', config: { name: 'b' } },
        { class_name: 'Activation', config: { name: 'c', activation: 'constructor' } },
        { class_name: 'Activation', config: { name: 'd', activation: '__proto__' } },
        dense('e', { activation: 'toString' }),
      ]),
      userDefinedMetadata: JSON.parse('{"__proto__": "p", "constructor": "c"}'),
    };
    add({
      name: 'TF.js layer classes and metadata keys named after Object members',
      klass: 'object-keys',
      file: tfjsFolder(dir, 'tfjs_keys', json),
      expect: 'result',
      check: all(opCount('constructor', 1), opCount('__proto__', 1), (r) => (own(r.summary?.metadata, '__proto__') === 'p' ? undefined : `metadata lost '__proto__': ${JSON.stringify(r.summary?.metadata)}`)),
    });
  }

  {
    // JSON objects with data properties named toString and valueOf, where strings or numbers go:
    // String(x), Number(x) and `${x}` throw on them.
    const evil = JSON.parse('{"toString": 1, "valueOf": "x"}');
    const folders: [string, unknown][] = [
      ['layers', {
        format: 'layers-model',
        generatedBy: evil,
        modelTopology: { class_name: 'Model', keras_version: evil, config: { name: evil, layers: [
          { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, evil] }, inbound_nodes: [] },
          { class_name: 'Dense', name: evil, config: { name: evil, units: 1, activation: { class_name: evil } }, inbound_nodes: [[['in', 0, 0, evil]]] },
          { class_name: 'Activation', name: 'a', config: { name: 'a', activation: { config: { name: evil } } }, inbound_nodes: [[['in', 0, 0, {}]]] },
        ], input_layers: [['in', 0, 0]], output_layers: [['a', 0, 0]] } },
        userDefinedMetadata: { k: evil },
      }],
      ['manifest', { format: 'layers-model', modelTopology: sequential([dense('d', { batch_input_shape: [null, 1] })]), weightsManifest: [{ paths: [evil], weights: [{ name: 'd/kernel', shape: [1, 2], dtype: 'float32', group: evil }] }] }],
      ['graph', {
        format: 'graph-model',
        modelTopology: {
          node: [{ name: 'x', op: 'Placeholder', input: [evil], attr: { value: { tensor: { dtype: evil, tensorShape: { dim: [{ size: evil }] }, floatVal: [evil] } }, a: { s: evil }, b: { list: { s: [evil], i: [evil], f: [evil], func: [{ name: evil }] } }, c: { func: { name: evil } }, d: { placeholder: evil }, e: { i: evil }, f: { f: evil } } }],
          versions: { producer: evil, minConsumer: evil },
          library: { function: [{ signature: { name: evil, inputArg: [{ name: evil }], outputArg: [{ name: evil }], attr: [{ name: evil }] }, nodeDef: [{ name: 'n', op: 'Relu', input: ['x'] }], ret: { a: evil } }] },
        },
        signature: { inputs: { x: { name: evil, dtype: evil } } },
      }],
    ];
    for (const [name, json] of folders) {
      add({ name: `TF.js ${name} with objects whose toString and valueOf are not functions`, klass: 'object-keys', file: tfjsFolder(dir, `tfjs_unprintable_${name}`, json), expect: name === 'manifest' ? 'error' : 'result', error: /shard path that is not a non-empty string/ });
    }
  }

  // ------------------------------------------------------------------ NaN attributes
  {
    const nodes: onnx.INodeProto[] = [
      node('ThresholdedRelu', ['x'], ['t1'], 't1', { attribute: [floatAttr('alpha', NaN)] }),
      node('ThresholdedRelu', ['x'], ['t2'], 't2', { attribute: [floatAttr('alpha', Infinity)] }),
      node('LeakyRelu', ['x'], ['l'], 'l', { attribute: [floatAttr('alpha', NaN)] }),
      node('Elu', ['l'], ['e'], 'e', { attribute: [floatAttr('alpha', -Infinity)] }),
      node('Gemm', ['e', 'w', 'b'], ['g'], 'g', { attribute: [floatAttr('alpha', NaN), floatAttr('beta', Infinity)] }),
      node('Relu', ['g'], ['r']),
      node('Clip', ['r'], ['c'], 'c', { attribute: [floatAttr('min', 0), floatAttr('max', NaN)] }),
      node('Gemm', ['c', 'w', 'b'], ['g2'], 'g2', { attribute: [intAttr('transB', 1)] }),
      node('Relu', ['g2'], ['y']),
    ];
    add({
      name: 'ThresholdedRelu, LeakyRelu, Elu, Gemm and Clip with NaN and infinite attributes',
      klass: 'nan-attributes',
      file: write(dir, 'nan_attrs.onnx', {
        inputs: X,
        outputs: Y,
        nodes,
        initializers: [floatTensor('w', [4, 4], new Array(16).fill(0.5)), floatTensor('b', [4], [-1, -2, -3, -100])],
      }),
      expect: 'result',
      check: noNonsense,
    });
    const tfjsJson = JSON.parse(
      JSON.stringify({
        format: 'layers-model',
        modelTopology: sequential([
          dense('d0', { batch_input_shape: [null, 2], activation: 'linear' }),
          { class_name: 'ThresholdedReLU', config: { name: 't', theta: 'INF' } },
          { class_name: 'LeakyReLU', config: { name: 'l', alpha: 'NEGINF' } },
          { class_name: 'ReLU', config: { name: 'r', max_value: 'INF', threshold: 'INF' } },
        ]),
      }).replace(/"INF"/g, '1e999').replace(/"NEGINF"/g, '-1e999'),
    );
    add({ name: 'TF.js activation layers with infinite parameters', klass: 'nan-attributes', file: tfjsFolder(dir, 'tfjs_inf', tfjsJson), expect: 'result', check: noNonsense });
  }

  // ------------------------------------------------------------------ TF.js parameter counts
  {
    const tf = (name: string, shapes: number[][]) =>
      tfjsFolder(dir, name, {
        format: 'layers-model',
        modelTopology: sequential([dense('d', { batch_input_shape: [null, 1] })]),
        weightsManifest: [{ paths: ['w.bin'], weights: shapes.map((s, i) => ({ name: `d/w${i}`, shape: s, dtype: 'float32' })) }],
      }, { 'w.bin': new Uint8Array(8) });
    add({ name: 'TF.js weight of 2^60 elements', klass: 'tfjs-parameter-counts', file: tf('tfjs_2_60', [[2 ** 30, 2 ** 30]]), expect: 'error', error: /2\^53|too many elements/ });
    add({ name: 'TF.js weight whose element count is not exact in float64', klass: 'tfjs-parameter-counts', file: tf('tfjs_inexact', [[2 ** 53 - 1, 3]]), expect: 'error', error: /2\^53|too many elements/ });
    add({ name: 'TF.js weights summing to more than 2^53 parameters', klass: 'tfjs-parameter-counts', file: tf('tfjs_sum', [[2 ** 26, 2 ** 26], [2 ** 26, 2 ** 26], [3]]), expect: 'error', error: /2\^53|too many/ });
    add({
      name: 'TF.js weights of 2^52 elements each claimed without data',
      klass: 'tfjs-parameter-counts',
      file: tf('tfjs_2_52', [[2 ** 26, 2 ** 26]]),
      expect: 'result',
      check: (r) => (r.summary?.parameters === 2 ** 52 ? undefined : `parameters = ${r.summary?.parameters}, expected ${2 ** 52}`),
    });
  }
  {
    // A graph-model node referring to output 2^32 of another node.
    add({
      name: 'TF.js graph-model input naming output 4294967296 of a node',
      klass: 'claims-without-data',
      file: tfjsFolder(dir, 'tfjs_graph_outputs', {
        format: 'graph-model',
        modelTopology: { node: [{ name: 'x', op: 'Placeholder' }, { name: 'a', op: 'Relu', input: ['x'] }, { name: 'b', op: 'Relu', input: ['a:4294967296'] }] },
      }),
      expect: 'result',
    });
    add({
      name: 'TF.js graph-model Const claiming 2^40 elements from one literal value',
      klass: 'claims-without-data',
      file: tfjsFolder(dir, 'tfjs_graph_const', {
        format: 'graph-model',
        modelTopology: { node: [{ name: 'c', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: String(2 ** 40) }] }, floatVal: [1] } }, dtype: { type: 'DT_FLOAT' } } }, { name: 'r', op: 'Relu', input: ['c'] }] },
      }),
      expect: 'result',
    });
    add({
      name: 'TF.js generatedBy built to make a regular expression backtrack',
      klass: 'quadratic-work',
      file: tfjsFolder(dir, 'tfjs_regex', { format: 'layers-model', generatedBy: ` ${'1.'.repeat(50_000)}!`, convertedBy: `v1${'.1'.repeat(50_000)}!`, modelTopology: sequential([dense('d', { batch_input_shape: [null, 1] })]) }),
      expect: 'result',
    });
  }

  {
    // A string weight claiming 2^28 strings over a 1 MiB shard listed 1,000 times (1 GiB to walk),
    // and 100,000 string weights in a row before a kernel.
    const zeros = new Uint8Array(1 << 20);
    const kernel = { name: 'd/kernel', shape: [1, 1], dtype: 'float32' };
    add({
      name: 'TF.js string weight of 2^28 strings over a shard listed 1,000 times',
      klass: 'claims-without-data',
      file: tfjsFolder(dir, 'tfjs_strings', {
        format: 'layers-model',
        modelTopology: sequential([dense('d', { batch_input_shape: [null, 1], units: 1 })]),
        weightsManifest: [{ paths: new Array(1000).fill('s.bin'), weights: [{ name: 's', shape: [2 ** 28], dtype: 'string' }, kernel] }],
      }, { 's.bin': zeros }),
      expect: 'result',
      check: (r) => (r.warnings.some((w) => /declares 268435456 strings/.test(w)) ? undefined : `no warning names the string count: ${JSON.stringify(r.warnings)}`),
    });
    add({
      name: 'TF.js manifest with 100,000 string weights before a kernel',
      klass: 'bounded-work',
      file: tfjsFolder(dir, 'tfjs_many_strings', {
        format: 'layers-model',
        modelTopology: sequential([dense('d', { batch_input_shape: [null, 1], units: 1 })]),
        weightsManifest: [{ paths: ['s.bin'], weights: [...Array.from({ length: 100_000 }, (_, i) => ({ name: `s${i}`, shape: [1], dtype: 'string' })), kernel] }],
      }, { 's.bin': new Uint8Array(400_004) }),
      expect: 'result',
      // The rules read the kernel (offset found by walking the strings): any failure would be a warning.
      check: (r) => (r.warnings.length === 0 ? undefined : `reading the kernel after the strings failed: ${JSON.stringify(r.warnings)}`),
    });
  }

  // ------------------------------------------------------------------ bounded work
  {
    // One 1 MB weight shared by 10,000 MatMul → ReLU pairs: reading it per node is 10 GB of work.
    const k = 512, units = 512, pairs = 10_000;
    const nodes: onnx.INodeProto[] = [node('Relu', ['x'], ['r'])];
    for (let i = 0; i < pairs; i++) nodes.push(node('MatMul', ['r', 'w'], [`m${i}`]), node('Relu', [`m${i}`], [`y${i}`]));
    add({
      name: 'one 1 MB weight shared by 10,000 MatMul → ReLU pairs',
      klass: 'bounded-work',
      file: write(dir, 'shared_weight.onnx', {
        inputs: [valueInfo('x', FLOAT, [1, k])],
        outputs: [valueInfo('y0', FLOAT, [1, units])],
        nodes,
        initializers: [floatTensor('w', [k, units], Array.from({ length: k * units }, (_, i) => ((i * 7919) % 997) / 997 - 0.5))],
      }),
      expect: 'result',
    });
  }
  {
    // Concat of the same 4,096-channel value 50,000 times: 200 M channels of moments.
    const n = 50_000;
    add({
      name: 'Concat of one BatchNorm output 50,000 times',
      klass: 'bounded-work',
      file: write(dir, 'concat_moments.onnx', {
        inputs: [valueInfo('x', FLOAT, [1, 4096, 1, 1])],
        outputs: Y,
        nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['n']), node('Concat', Array.from({ length: n }, () => 'n'), ['c'], 'c', { attribute: [intAttr('axis', 1)] }), node('Relu', ['c'], ['y'])],
        initializers: ['s', 'b', 'm', 'v'].map((t) => floatTensor(t, [4096], new Array(4096).fill(1))),
      }),
      expect: 'result',
    });
  }
  return cases;
}

/** What is wrong with a hostile case's outcome, or undefined when it is what a user must get. */
export function expectationProblem(c: HostileCase, o: CaseOutcome): string | undefined {
  if (c.expect === 'error') {
    if (o.verdict !== 'clean-error') return `expected one clean error, got ${o.verdict}: ${o.detail}`;
    if (c.error && !c.error.test(o.detail)) return `the error does not match ${c.error}: ${o.detail}`;
    return undefined;
  }
  if (o.verdict !== 'result') return `expected a result, got ${o.verdict}: ${o.detail}`;
  return o.result && c.check ? c.check(o.result) : undefined;
}
