// Hostile and broken TF.js files: manifests that point outside the model's folder, missing and
// short shards, lengths that do not match, malformed JSON. Each gives one clear error.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { summarize } from '../../src/analysis/summary';
import { loadModel } from '../../src/formats/load';
import { ModelError, type Tensor } from '../../src/core/model';
import { tempDir } from '../support/tfjsFixtures';

const TOPOLOGY = {
  class_name: 'Sequential',
  config: {
    name: 'tiny',
    layers: [
      { class_name: 'Dense', config: { name: 'd1', units: 2, activation: 'relu', batch_input_shape: [null, 3], dtype: 'float32' } },
      { class_name: 'Dense', config: { name: 'd2', units: 1, activation: 'linear' } },
    ],
  },
};
const WEIGHTS = [
  { name: 'd1/kernel', shape: [3, 2], dtype: 'float32' },
  { name: 'd1/bias', shape: [2], dtype: 'float32' },
  { name: 'd2/kernel', shape: [2, 1], dtype: 'float32' },
  { name: 'd2/bias', shape: [1], dtype: 'float32' },
];
const VALUES = Float32Array.from({ length: 11 }, (_, i) => i - 5);

/** A model folder: model.json with the given shard paths (data split at `split` bytes). */
function writeModel(paths: string[], options: { split?: number[]; weights?: unknown[]; extra?: object; write?: boolean } = {}): { dir: string; file: string } {
  const dir = tempDir();
  const model = path.join(dir, 'model');
  fs.mkdirSync(model);
  const bytes = Buffer.from(VALUES.buffer);
  const cuts = [0, ...(options.split ?? []), bytes.length];
  paths.forEach((p, i) => {
    const target = path.resolve(model, p);
    if (options.write !== false && /^[\w.-]+$/.test(p) && target.startsWith(model + path.sep)) fs.writeFileSync(target, bytes.subarray(cuts[i], cuts[i + 1]));
  });
  const file = path.join(model, 'model.json');
  fs.writeFileSync(file, JSON.stringify({ modelTopology: TOPOLOGY, format: 'layers-model', weightsManifest: [{ paths, weights: options.weights ?? WEIGHTS }], ...options.extra }));
  return { dir: model, file };
}

async function read(t: Tensor): Promise<number[]> {
  const out: number[] = [];
  for await (const c of t.values()) out.push(...c);
  return out;
}

async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ModelError, `expected ModelError, got ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

describe('TF.js manifests that try to leave the model folder are refused', () => {
  it('refuses ../ traversal', async () => {
    const { dir, file } = writeModel(['../outside.bin']);
    fs.writeFileSync(path.join(dir, '..', 'outside.bin'), Buffer.from(VALUES.buffer));
    await rejectsWith(loadModel(file), /model\.json: weights manifest path "\.\.\/outside\.bin" is refused: it leads outside the model's folder/);
  });

  it('refuses traversal hidden in the middle of a path and percent-encoded', async () => {
    await rejectsWith(loadModel(writeModel(['sub/../../x.bin']).file), /"sub\/\.\.\/\.\.\/x\.bin" is refused: it leads outside/);
    await rejectsWith(loadModel(writeModel(['%2e%2e/x.bin']).file), /"%2e%2e\/x\.bin" is refused: it leads outside/);
  });

  it('refuses absolute paths and URLs', async () => {
    await rejectsWith(loadModel(writeModel(['/etc/passwd']).file), /"\/etc\/passwd" is refused: it is an absolute path/);
    await rejectsWith(loadModel(writeModel(['C:\\weights.bin']).file), /is refused: it is an absolute path/);
    await rejectsWith(loadModel(writeModel(['https://example.invalid/w.bin']).file), /is refused: it is a URL/);
    await rejectsWith(loadModel(writeModel(['file:///etc/passwd']).file), /is refused: it is a URL/);
  });

  it('refuses a shard that is a symbolic link to a file outside the folder (real path checked)', async () => {
    const { dir, file } = writeModel(['link.bin'], { write: false });
    const outside = path.join(dir, '..', 'secret.bin');
    fs.writeFileSync(outside, Buffer.from(VALUES.buffer));
    fs.symlinkSync(outside, path.join(dir, 'link.bin'));
    await rejectsWith(loadModel(file), /"link\.bin" is refused: it is a link to .*secret\.bin, outside the model's folder/);
  });

  it('refuses a path through a symlinked folder that leads out', async () => {
    const { dir, file } = writeModel(['sub/w.bin']);
    const outsideDir = path.join(dir, '..', 'elsewhere');
    fs.mkdirSync(outsideDir);
    fs.writeFileSync(path.join(outsideDir, 'w.bin'), Buffer.from(VALUES.buffer));
    fs.symlinkSync(outsideDir, path.join(dir, 'sub'));
    await rejectsWith(loadModel(file), /"sub\/w\.bin" is refused: it is a link to/);
  });

  it('accepts a symlink that stays inside and a ./ path that resolves inside', async () => {
    const { dir, file } = writeModel(['./weights/../real.bin'], { write: false });
    fs.writeFileSync(path.join(dir, 'real.bin'), Buffer.from(VALUES.buffer));
    const model = await loadModel(file);
    assert.deepEqual(await read(model.graph.initializers[0]), [...VALUES.slice(0, 6)]);
    fs.symlinkSync(path.join(dir, 'real.bin'), path.join(dir, 'alias.bin'));
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    j.weightsManifest[0].paths = ['alias.bin'];
    fs.writeFileSync(file, JSON.stringify(j));
    assert.deepEqual(await read((await loadModel(file)).graph.initializers[3]), [5]);
  });
});

describe('TF.js missing and short shards', () => {
  it('opens the graph with a warning when a shard is missing, and reading names the shard', async () => {
    const { dir, file } = writeModel(['group1-shard1of2.bin', 'group1-shard2of2.bin'], { split: [24] });
    fs.rmSync(path.join(dir, 'group1-shard2of2.bin'));
    const model = await loadModel(file);
    assert.equal(summarize(model).nodeCount, 2);
    assert.equal(summarize(model).parameters, 11);
    assert.ok(model.warnings.some((w) => /weights shard 'group1-shard2of2\.bin' \(weight group 1\) is missing/.test(w)), model.warnings.join('\n'));
    // d1/kernel lies wholly in shard 1; d1/bias starts in shard 2.
    assert.deepEqual(await read(model.graph.initializers[0]), [...VALUES.slice(0, 6)]);
    await rejectsWith(read(model.graph.initializers[1]), /cannot read weight 'd1\/bias': weights shard 'group1-shard2of2\.bin' is missing/);
    await rejectsWith(model.graph.initializers[3].bytes(), /weights shard 'group1-shard2of2\.bin' is missing/);
  });

  it('warns about a short shard at open and names it when a weight past its end is read', async () => {
    const { dir, file } = writeModel(['w.bin']);
    fs.truncateSync(path.join(dir, 'w.bin'), 30);
    const model = await loadModel(file);
    assert.ok(model.warnings.some((w) => /weights shard 'w\.bin' is short: weight group 1 needs 44 bytes, its shards hold 30/.test(w)), model.warnings.join('\n'));
    assert.deepEqual(await read(model.graph.initializers[0]), [...VALUES.slice(0, 6)]);
    await rejectsWith(read(model.graph.initializers[2]), /cannot read weight 'd2\/kernel': shard 'w\.bin' is short — the weight needs bytes 32–40 of weight group 1, its shards hold 30/);
  });

  it('warns when the shards hold more bytes than the manifest describes', async () => {
    const { dir, file } = writeModel(['w.bin']);
    fs.appendFileSync(path.join(dir, 'w.bin'), Buffer.alloc(8));
    const model = await loadModel(file);
    assert.ok(model.warnings.some((w) => /shards hold 52 bytes but the manifest describes 44/.test(w)), model.warnings.join('\n'));
  });

  it('does not read shard bytes when opening: values come from the file when asked for', async () => {
    const { dir, file } = writeModel(['w.bin']);
    const model = await loadModel(file);
    const changed = Float32Array.from({ length: 11 }, (_, i) => 100 + i);
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(changed.buffer));
    assert.deepEqual(await read(model.graph.initializers[3]), [110]);
  });

  it('refuses shapes and dtypes no shard layout can hold, naming the weight', async () => {
    const bad1 = writeModel(['w.bin'], { weights: [{ name: 'x', shape: [2, -1], dtype: 'float32' }] });
    await rejectsWith(loadModel(bad1.file), /weight 'x' has shape \[2,-1\], not a list of non-negative integers/);
    const bad2 = writeModel(['w.bin'], { weights: [{ name: 'y', shape: [2], dtype: 'float128' }] });
    await rejectsWith(loadModel(bad2.file), /weight 'y' has dtype "float128"/);
    const bad3 = writeModel(['w.bin'], { weights: [{ name: 'z', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8' } }] });
    await rejectsWith(loadModel(bad3.file), /weight 'z' is uint8-quantized without a numeric scale and min/);
  });

  it('a huge declared shape on a tiny shard fails cleanly when read, without allocating it', async () => {
    const { file } = writeModel(['w.bin'], { weights: [{ name: 'huge', shape: [100000, 100000, 1000], dtype: 'float32' }] });
    const model = await loadModel(file);
    assert.equal(model.graph.initializers[0].elementCount, 1e13);
    assert.ok(model.warnings.some((w) => /is short/.test(w)));
    await rejectsWith(read(model.graph.initializers[0]), /cannot read weight 'huge': shard 'w\.bin' is short/);
    await rejectsWith(model.graph.initializers[0].bytes(), /cannot read weight 'huge'/);
  });
});

describe('TF.js JSON that is not a usable model', () => {
  it('reports malformed JSON with the file, line and column', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(file, '{\n  "modelTopology": {\n    "class_name": "Sequential",\n    "config": {"layers": [}\n  }\n}\n');
    await rejectsWith(loadModel(file), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: malformed JSON at line 4, column 27: Unexpected token '}'$`));
  });

  it('reports truncated and empty JSON', async () => {
    const dir = tempDir();
    const cut = path.join(dir, 'cut.json');
    fs.writeFileSync(cut, '{"modelTopology": {"node": [');
    await rejectsWith(loadModel(cut), /cut\.json: malformed JSON at line 1, column 29/);
    const empty = path.join(dir, 'empty.json');
    fs.writeFileSync(empty, '');
    await rejectsWith(loadModel(empty), /empty\.json: malformed JSON: the file is empty/);
  });

  it('reports JSON that is neither a model nor a weights manifest', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'other.json');
    fs.writeFileSync(f, JSON.stringify({ name: 'package', version: '1.0.0' }));
    await rejectsWith(loadModel(f), /other\.json: not a TensorFlow.js model: it has neither modelTopology nor weightsManifest/);
    fs.writeFileSync(f, '42');
    await rejectsWith(loadModel(f), /other\.json: not a TensorFlow.js model: the JSON holds a number/);
    fs.writeFileSync(f, JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { name: 'x' } }, format: 'layers-model' }));
    await rejectsWith(loadModel(f), /modelTopology of class 'Sequential' has no list of layers/);
    fs.writeFileSync(f, JSON.stringify({ modelTopology: { versions: {} }, format: 'graph-model' }));
    await rejectsWith(loadModel(f), /modelTopology has neither a GraphDef node list \(graph-model\) nor a Keras model config/);
  });

  it('refuses absurdly deep nesting with a clear error instead of a crash', async () => {
    const dir = tempDir();
    const deep = '['.repeat(200000) + ']'.repeat(200000);
    const f = path.join(dir, 'deep.json');
    const layer = `{"class_name":"Dense","name":"d","config":{"name":"d"},"inbound_nodes":[{"args":${deep},"kwargs":{}}]}`;
    fs.writeFileSync(f, `{"modelTopology":{"class_name":"Model","config":{"layers":[${layer}],"input_layers":[],"output_layers":[]}},"format":"layers-model"}`);
    await rejectsWith(loadModel(f), /deep\.json: the model description is nested too deeply to read/);
  });

  it('opens at once a functional model whose layer refers to tensor 2³¹ of another (found by the fuzzer: it hung)', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'model.json');
    const layers = [
      { class_name: 'InputLayer', name: 'in', config: { name: 'in', batch_input_shape: [null, 4] }, inbound_nodes: [] },
      { class_name: 'Dense', name: 'd', config: { name: 'd', units: 4, activation: 'relu' }, inbound_nodes: [[['in', 0, 0, {}]]] },
      { class_name: 'Activation', name: 'act', config: { name: 'act', activation: 'relu' }, inbound_nodes: [[['d', 1, 2 ** 31]]] },
    ];
    fs.writeFileSync(f, JSON.stringify({ format: 'layers-model', modelTopology: { model_config: { class_name: 'Functional', config: { name: 'f', layers, input_layers: [['in', 0, 0]], output_layers: [['act', 0, 0]] } } } }));
    const t0 = performance.now();
    const model = await loadModel(f);
    assert.ok(performance.now() - t0 < 2000, `took ${Math.round(performance.now() - t0)} ms`);
    assert.deepEqual(model.graph.nodes.map((n) => n.name), ['in', 'd', 'act']);
    assert.deepEqual(model.graph.nodes[2].inputs, [], 'an index past any layer output is not a reference');
  });

  it('warns when a weight group lists weights but no shard files', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'model.json');
    fs.writeFileSync(f, JSON.stringify({ modelTopology: TOPOLOGY, format: 'layers-model', weightsManifest: [{ paths: [], weights: WEIGHTS }] }));
    const model = await loadModel(f);
    assert.ok(model.warnings.some((w) => /weight group 1 lists 4 weight\(s\) but no shard files/.test(w)), model.warnings.join('\n'));
    await rejectsWith(read(model.graph.initializers[0]), /cannot read weight 'd1\/kernel': the group lists no shard files/);
  });

  it('opens a bare weights manifest (no topology) as a weight list', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from(VALUES.buffer));
    const f = path.join(dir, 'tiny-weights_manifest.json');
    fs.writeFileSync(f, JSON.stringify([{ paths: ['w.bin'], weights: WEIGHTS }]));
    const model = await loadModel(f);
    const s = summarize(model);
    assert.equal(s.format, 'tfjs-weights');
    assert.equal(s.nodeCount, 0);
    assert.equal(s.parameters, 11);
    assert.deepEqual(model.graph.initializers.map((t) => t.name), WEIGHTS.map((w) => w.name));
    assert.deepEqual(await read(model.graph.initializers[2]), [3, 4]);
  });
});

describe('TF.js weight dtypes', () => {
  it('reads int32, bool, complex64 and string weights stored back to back', async () => {
    const dir = tempDir();
    const parts: Buffer[] = [];
    parts.push(Buffer.from(Int32Array.from([-7, 0, 2147483647]).buffer));
    parts.push(Buffer.from([1, 0, 1, 1]));
    const strings = ['héllo', '', 'tf'];
    for (const s of strings) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      parts.push(len, b);
    }
    parts.push(Buffer.from(Float32Array.from([1.5, -2, 0.25, 4]).buffer));
    parts.push(Buffer.from(Int32Array.from([10, 20, 30, 40]).buffer)); // quantized below? no: plain
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.concat(parts));
    const f = path.join(dir, 'model.json');
    fs.writeFileSync(
      f,
      JSON.stringify([
        {
          paths: ['w.bin'],
          weights: [
            { name: 'ints', shape: [3], dtype: 'int32' },
            { name: 'flags', shape: [2, 2], dtype: 'bool' },
            { name: 'words', shape: [3], dtype: 'string' },
            { name: 'z', shape: [2], dtype: 'complex64' },
            { name: 'after', shape: [4], dtype: 'int32' },
          ],
        },
      ]),
    );
    const model = await loadModel(f);
    const t = (name: string) => model.graph.initializers.find((x) => x.name === name)!;
    assert.deepEqual(model.graph.initializers.map((x) => x.dtype), ['int32', 'bool', 'string', 'complex64', 'int32']);
    assert.deepEqual(await read(t('ints')), [-7, 0, 2147483647]);
    assert.deepEqual(await read(t('flags')), [1, 0, 1, 1]);
    assert.deepEqual(await read(t('z')), [1.5, -2, 0.25, 4], 'real and imaginary parts in turn');
    // The weight after a string weight is found by walking the strings' length prefixes.
    assert.deepEqual(await read(t('after')), [10, 20, 30, 40]);
    await rejectsWith(read(t('words')), /weight 'words' holds strings/);
    const words = Buffer.from(await t('words').bytes());
    assert.equal(words.length, 12 + Buffer.byteLength('héllo') + 2);
  });

  it('rounds uint8-quantized int32 weights as tfjs does', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.from([0, 1, 2, 255]));
    const f = path.join(dir, 'm.json');
    fs.writeFileSync(f, JSON.stringify([{ paths: ['w.bin'], weights: [{ name: 'q', shape: [4], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.4, min: -1 } }] }]));
    const model = await loadModel(f);
    assert.deepEqual(await read(model.graph.initializers[0]), [-1, -1, 0, 101]);
  });
});
