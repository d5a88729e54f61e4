// The ONNX reader on focused cases: external data (and refused traversal), every element type,
// lazy weights, and corrupt, truncated or hostile files.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { ModelError } from '../../src/core/model';
import { decodeRaw } from '../../src/core/dtypes';
import { readOnnxModel } from '../../src/formats/onnx/reader';
import { loadModel } from '../../src/formats/load';
import { collect, encodeModel, floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';

const reluModel = (extraInit: onnx.ITensorProto[] = []) => ({
  nodes: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }],
  inputs: [valueInfo('x', 1, ['N', 4])],
  outputs: [valueInfo('y', 1, ['N', 4])],
  initializers: extraInit,
});

async function rejects(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readOnnxModel(file), (e: unknown) => {
    assert.ok(e instanceof ModelError, `expected a ModelError, got ${e}`);
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(file), `the message names the file: ${e.message}`);
    return true;
  });
}

describe('ONNX reader: external data', () => {
  const dir = tmpDir();
  const values = [1.5, -2, 0, 3.25, 7, -8];
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat([Buffer.alloc(16, 0xee), Buffer.from(new Float32Array(values).buffer)]));
  const ext = (location: string, offset = 16, length = 24): onnx.ITensorProto => ({
    name: 'w',
    dims: [2, 3],
    dataType: 1,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  });

  it('reads external data by location, offset and length relative to the model', async () => {
    const model = await readOnnxModel(writeModel(dir, 'ok.onnx', reluModel([ext('weights.bin')])));
    const w = model.graph.initializers[0];
    assert.equal(w.location, 'external');
    assert.deepEqual(await collect(w.values()), values);
  });

  it("refuses a location with '..' (path traversal)", async () => {
    await rejects(writeModel(dir, 'dotdot.onnx', reluModel([ext('../weights.bin')])), /'\.\.\/weights\.bin'.*with '\.\.'.*inside the model's folder/);
  });

  it('refuses an absolute location', async () => {
    await rejects(writeModel(dir, 'abs.onnx', reluModel([ext('/etc/passwd', 0, 24)])), /absolute path/);
  });

  it('refuses a symlink that leads out of the folder', async () => {
    const outside = tmpDir();
    fs.writeFileSync(path.join(outside, 'secret.bin'), Buffer.alloc(64));
    fs.symlinkSync(path.join(outside, 'secret.bin'), path.join(dir, 'link.bin'));
    await rejects(writeModel(dir, 'link.onnx', reluModel([ext('link.bin', 0, 24)])), /symbolic link/);
  });

  it('opens a model whose external file is missing, and names that file when the data is read', async () => {
    const model = await readOnnxModel(writeModel(dir, 'missing.onnx', reluModel([ext('nope.bin', 0, 24)])));
    await assert.rejects(collect(model.graph.initializers[0].values()), /nope\.bin.*does not exist/);
  });

  it('names the shortfall when external data is shorter than declared', async () => {
    const model = await readOnnxModel(writeModel(dir, 'short.onnx', reluModel([ext('weights.bin', 32, 24)])));
    await assert.rejects(collect(model.graph.initializers[0].values()), /only 40 bytes/);
  });
});

describe('ONNX reader: element types', () => {
  const dir = tmpDir();
  const raw = (dataType: number, dims: number[], bytes: number[]): onnx.ITensorProto => ({ name: `t${dataType}`, dims, dataType, rawData: Uint8Array.from(bytes) });
  const cases: [string, onnx.ITensorProto, number[]][] = [
    ['float', floatTensor('f', [2], [1.5, -2]), [1.5, -2]],
    ['uint8', raw(2, [2], [0, 255]), [0, 255]],
    ['int8', raw(3, [2], [0x7f, 0x80]), [127, -128]],
    ['uint16', raw(4, [1], [0xff, 0xff]), [65535]],
    ['int16', raw(5, [1], [0x00, 0x80]), [-32768]],
    ['int32', raw(6, [1], [0xff, 0xff, 0xff, 0xff]), [-1]],
    ['int64', raw(7, [1], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), [-2]],
    ['bool', raw(9, [2], [1, 0]), [1, 0]],
    ['float16', raw(10, [2], [0x00, 0x3c, 0x00, 0xc0]), [1, -2]],
    ['double', raw(11, [1], [...new Uint8Array(new Float64Array([0.1]).buffer)]), [0.1]],
    ['uint32', raw(12, [1], [0xff, 0xff, 0xff, 0xff]), [4294967295]],
    ['uint64', raw(13, [1], [5, 0, 0, 0, 0, 0, 0, 0]), [5]],
    ['complex64', raw(14, [1], [...new Uint8Array(new Float32Array([1, -1]).buffer)]), [1, -1]],
    ['bfloat16', raw(16, [1], [0x80, 0x3f]), [1]],
    ['float8e4m3fn', raw(17, [2], [0x38, 0xb8]), [1, -1]],
    ['float8e4m3fnuz', raw(18, [1], [0x40]), [1]],
    ['float8e5m2', raw(19, [2], [0x3c, 0x7c]), [1, Infinity]],
    ['float8e5m2fnuz', raw(20, [1], [0x40]), [1]],
    ['uint4', raw(21, [3], [0x21, 0x0f]), [1, 2, 15]],
    ['int4', raw(22, [2], [0x8f]), [-1, -8]],
    ['float4e2m1', raw(23, [2], [0x72]), [1, 6]],
    ['float8e8m0', raw(24, [1], [127]), [1]],
    ['uint2', raw(25, [4], [0b11100100]), [0, 1, 2, 3]],
    ['int2', raw(26, [2], [0b0011]), [-1, 0]],
    ['float_data field', { name: 'fd', dims: [3], dataType: 1, floatData: [1, 2, -3] }, [1, 2, -3]],
    ['int32_data with negatives', { name: 'id', dims: [3], dataType: 6, int32Data: [-5, 0, 7] }, [-5, 0, 7]],
    ['int32_data holding float16 bits', { name: 'h', dims: [1], dataType: 10, int32Data: [0x3c00] }, [1]],
    ['int64_data with negatives', { name: 'i64', dims: [2], dataType: 7, int64Data: [-9, 123456789012] }, [-9, 123456789012]],
    ['double_data field', { name: 'dd', dims: [2], dataType: 11, doubleData: [0.5, -0.25] }, [0.5, -0.25]],
    ['uint64_data field', { name: 'u64', dims: [1], dataType: 13, uint64Data: [42] }, [42]],
  ];
  for (const [label, tensor, expected] of cases) {
    it(`decodes ${label}`, async () => {
      const model = await readOnnxModel(writeModel(dir, `${label.replace(/\W+/g, '_')}.onnx`, reluModel([tensor])));
      assert.deepEqual(await collect(model.graph.initializers[0].values()), expected);
    });
  }

  it('decodes float32 and float64 data at any byte offset, and refuses data too short for its count', () => {
    const values = [1.5, -2.25, 3e-39, -0, Infinity, NaN, 7];
    for (const [name, Typed, size] of [['float', Float32Array, 4], ['double', Float64Array, 8], ['complex64', Float32Array, 4]] as const) {
      const stored = new Uint8Array(new Typed(values).buffer);
      const count = name === 'complex64' ? 3 : values.length;
      for (const offset of [0, 1, 3]) {
        // The same bytes `offset` bytes into a larger buffer: unaligned for the typed views.
        const holder = new Uint8Array(stored.length + offset + 8);
        holder.set(stored, offset);
        const got = decodeRaw(name, holder.subarray(offset, offset + stored.length), count);
        const expected = Array.from(new Typed(values)).slice(0, name === 'complex64' ? 6 : values.length);
        assert.deepEqual(Array.from(got), expected, `${name} at offset ${offset}`);
        // Fewer bytes than the count needs: an error, never the bytes after them in the buffer.
        const needed = (name === 'complex64' ? 2 * count : count) * size;
        assert.throws(() => decodeRaw(name, holder.subarray(offset, offset + needed - 1), count), RangeError);
      }
    }
  });

  it('names element types newer than onnx-proto knows by number', async () => {
    const model = await readOnnxModel(writeModel(dir, 'future.onnx', reluModel([raw(99, [1], [0])])));
    assert.equal(model.graph.initializers[0].dtype, 'dtype(99)');
  });
});

describe('ONNX reader: lazy weights', () => {
  it('opens a 3 GB model in well under a second without reading its weight bytes', async function () {
    // A sparse file: the header is real, the 3 GB raw_data is a hole on disk.
    const dir = tmpDir();
    const dataLength = 3 * 2 ** 30;
    const elems = dataLength / 4;
    const head = encodeModel({
      nodes: [{ name: 'mm', opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
      inputs: [valueInfo('x', 1, [1, elems / 1024])],
      outputs: [valueInfo('y', 1, [1, 1024])],
      initializers: [],
    });
    // Hand-encode a graph whose last initializer has raw_data as the file's tail.
    const proto = onnx.ModelProto.decode(head);
    const graphBytes = onnx.GraphProto.encode(proto.graph!).finish();
    const tensorHead = onnx.TensorProto.encode({ name: 'w', dims: [elems / 1024, 1024], dataType: 1 } as onnx.ITensorProto).finish();
    const varint = (v: number) => {
      const out: number[] = [];
      while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
      out.push(v);
      return out;
    };
    const rawField = [0x4a, ...varint(dataLength)];
    const tensorLen = tensorHead.length + rawField.length + dataLength;
    const initField = [0x2a, ...varint(tensorLen)];
    const graphLen = graphBytes.length + initField.length + tensorLen;
    const modelHead = { ...proto, graph: null } as onnx.IModelProto;
    const top = onnx.ModelProto.encode(modelHead).finish();
    const prefix = Buffer.concat([Buffer.from(top), Buffer.from([0x3a, ...varint(graphLen)]), Buffer.from(graphBytes), Buffer.from(initField), Buffer.from(tensorHead), Buffer.from(rawField)]);
    const file = path.join(dir, 'huge.onnx');
    fs.writeFileSync(file, prefix);
    fs.truncateSync(file, prefix.length + dataLength);
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const model = await readOnnxModel(file);
    const ms = performance.now() - t0;
    assert.equal(model.graph.initializers[0].elementCount, elems);
    assert.ok(ms < 500, `opened in ${ms.toFixed(0)} ms`);
    assert.ok(process.memoryUsage().rss - rssBefore < 100 * 2 ** 20, 'did not read the weights into memory');
    fs.rmSync(dir, { recursive: true });
  });
});

describe('ONNX reader: bad input gets one clear error', () => {
  const dir = tmpDir();

  it('refuses an empty file', async () => {
    await rejects(writeModel(dir, 'empty.onnx', new Uint8Array()), /empty/);
  });

  it('refuses a text file and a JSON file as not ONNX', async () => {
    await rejects(writeModel(dir, 'text.onnx', new TextEncoder().encode('hello, this is not a model\n')), /not a valid ONNX model|not an ONNX model/);
    await rejects(writeModel(dir, 'json.onnx', new TextEncoder().encode('{"a": 1}')), /not a valid ONNX model|not an ONNX model/);
  });

  it('refuses a tensor whose shape is absurd for its data', async () => {
    await rejects(writeModel(dir, 'dims.onnx', reluModel([{ name: 'w', dims: [2 ** 40, 2 ** 40], dataType: 1, rawData: new Uint8Array(4) }])), /tensor 'w' (declares an absurd shape|declares shape)/);
    await rejects(writeModel(dir, 'dims2.onnx', reluModel([{ name: 'w', dims: [1000, 1000], dataType: 1, rawData: new Uint8Array(4) }])), /4000000 bytes of float.*holds 4 bytes/);
  });

  it('refuses a field that declares more bytes than the file has', async () => {
    const bytes = Buffer.from(encodeModel(reluModel()));
    // Turn the graph field's length into a huge varint: 0x3a, then 0xff*8 0x7f.
    const g = bytes.indexOf(0x3a);
    const len = bytes[g + 1];
    const forged = Buffer.concat([bytes.subarray(0, g + 1), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), bytes.subarray(g + 2, g + 2 + len)]);
    await rejects(writeModel(dir, 'huge-len.onnx', forged), /truncated|declares/);
  });

  it('refuses a corrupt varint longer than 10 bytes', async () => {
    await rejects(writeModel(dir, 'varint.onnx', Uint8Array.from([0x08, ...new Array(12).fill(0xff), 0x01])), /longer than 10 bytes|truncated/);
  });

  it('refuses a graph with a cycle', async () => {
    const file = writeModel(dir, 'cycle.onnx', {
      nodes: [
        { name: 'a', opType: 'Relu', input: ['b_out'], output: ['a_out'] },
        { name: 'b', opType: 'Relu', input: ['a_out'], output: ['b_out'] },
      ],
      outputs: [valueInfo('a_out', 1, [1])],
    });
    await rejects(file, /cycle through node '(a|b)'/);
  });

  it('refuses a node that reads its own output, and opens a graph whose nodes are out of order but acyclic', async () => {
    const self = writeModel(dir, 'self-loop.onnx', {
      nodes: [{ name: 'a', opType: 'Add', input: ['x', 'a_out'], output: ['a_out'] }],
      inputs: [valueInfo('x', 1, [1])],
      outputs: [valueInfo('a_out', 1, [1])],
    });
    await rejects(self, /cycle through node 'a'/);
    const unsorted = writeModel(dir, 'unsorted.onnx', {
      nodes: [
        { name: 'second', opType: 'Relu', input: ['first_out'], output: ['y'] },
        { name: 'first', opType: 'Relu', input: ['x'], output: ['first_out'] },
      ],
      inputs: [valueInfo('x', 1, [1])],
      outputs: [valueInfo('y', 1, [1])],
    });
    const model = await loadModel(unsorted);
    assert.deepEqual(model.graph.nodes.map((n) => n.name), ['second', 'first']);
  });

  it('refuses messages nested absurdly deep without overflowing the stack', async () => {
    // Graph → node → attribute(g) → graph … 200 levels deep.
    let g: onnx.IGraphProto = { name: 'leaf' };
    for (let i = 0; i < 200; i++) g = { name: `g${i}`, node: [{ opType: 'If', attribute: [{ name: 'then_branch', type: 5, g }] }] };
    await rejects(writeModel(dir, 'deep.onnx', encodeModel({ extra: { graph: g } })), /nested deeper/);
  });

  it('gives only ModelErrors for every truncation of a real model with weights', async () => {
    const real = fs.readFileSync('/usr/share/libonnx-testdata/data/pytorch-converted/test_Conv2d/model.onnx');
    for (let cut = 0; cut < real.length; cut += Math.max(1, Math.floor(real.length / 400))) {
      const file = writeModel(dir, 'trunc.onnx', real.subarray(0, cut));
      try {
        await readOnnxModel(file);
      } catch (e) {
        assert.ok(e instanceof ModelError, `cut at ${cut}: ${e}`);
      }
    }
  });

  it('gives only ModelErrors, quickly, for 300 random corruptions of a real model', async () => {
    const real = fs.readFileSync('/usr/share/libonnx-testdata/data/pytorch-converted/test_Conv2d/model.onnx');
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const t0 = Date.now();
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(real);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const file = writeModel(dir, 'fuzz.onnx', bytes);
      try {
        const m = await readOnnxModel(file);
        for (const t of m.graph.initializers) await collect(t.values());
      } catch (e) {
        assert.ok(e instanceof ModelError, `mutation ${i}: ${(e as Error).stack}`);
      }
    }
    assert.ok(Date.now() - t0 < 20000);
  });

  it('loadModel names a missing file', async () => {
    await assert.rejects(loadModel(path.join(dir, 'nope.onnx')), /nope\.onnx: no such file/);
  });
});
