// The native runtime is given the graph with the model's inline weights referenced into the model's
// own file (src/formats/onnx/weightsByReference.ts): it must compute exactly what the file computes,
// every reference must name the exact bytes it replaces, and anything unusual falls back to reading.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import type { InferenceSession } from 'onnxruntime-common';
import { weightsByReference } from '../../src/formats/onnx/weightsByReference';
import { loadNativeOrt, type NativeOrt } from '../../src/runtime/ortNative';
import { runActivations } from '../../src/runtime/runActivations';
import { ROOT } from '../support/cli';
import { tmpDir } from '../support/onnxBuild';

const SMALL_RESNET = path.join(ROOT, 'test/fixtures/analysis/healthy_small_resnet.onnx');
const MOBILENET = path.join(ROOT, 'test/fixtures/analysis/healthy_mobilenet_v2_025.onnx');

describe('native runs read the graph, not the weights', function () {
  this.timeout(60000);

  it('the graph given to onnxruntime is a small fraction of the file and computes identical outputs', async function () {
    const loaded = loadNativeOrt();
    if (!loaded.ort) return this.skip();
    const ort: NativeOrt = loaded.ort;
    for (const file of [SMALL_RESNET, MOBILENET]) {
      const r = weightsByReference(file);
      assert.ok(r, `${file}: no references made`);
      const size = fs.statSync(file).size;
      assert.ok(r.bytes.length < size / 5, `${path.basename(file)}: ${r.bytes.length} of ${size} bytes`);
      const fromFile: InferenceSession = await ort.InferenceSession.create(file);
      const fromGraph: InferenceSession = await ort.InferenceSession.create(r.bytes, {
        extra: { session: { model_external_initializers_file_folder_path: path.dirname(file) } },
      } as object);
      const x = new Float32Array(2 * 3 * 64 * 64).map((_, i) => Math.sin(i * 0.37) * 2);
      const feeds = { [fromFile.inputNames[0]]: new ort.Tensor('float32', x, [2, 3, 64, 64]) };
      const a: InferenceSession.OnnxValueMapType = await fromFile.run(feeds);
      const b: InferenceSession.OnnxValueMapType = await fromGraph.run(feeds);
      for (const name of fromFile.outputNames as readonly string[]) assert.deepEqual(b[name].data, a[name].data, `${path.basename(file)}: output ${name}`);
      await fromFile.release();
      await fromGraph.release();
    }
  });

  it('every reference names the model file and the exact byte range of the weight it replaces', () => {
    const fileBytes = new Uint8Array(fs.readFileSync(SMALL_RESNET));
    const original = onnx.ModelProto.decode(fileBytes);
    const r = weightsByReference(SMALL_RESNET);
    assert.ok(r);
    const rewritten = onnx.ModelProto.decode(r.bytes);
    const before = new Map((original.graph?.initializer ?? []).map((t) => [t.name, t]));
    let referenced = 0;
    for (const t of rewritten.graph?.initializer ?? []) {
      const old = before.get(t.name)!;
      assert.deepEqual((t.dims ?? []).map(Number), (old.dims ?? []).map(Number));
      if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
        assert.deepEqual(t.rawData, old.rawData, `${t.name} stays inline unchanged`);
        continue;
      }
      const entry = (k: string): string => (t.externalData ?? []).find((e) => e.key === k)!.value!;
      assert.equal(entry('location'), 'healthy_small_resnet.onnx');
      assert.equal(t.rawData?.length ?? 0, 0);
      const offset = Number(entry('offset')), length = Number(entry('length'));
      assert.deepEqual(fileBytes.subarray(offset, offset + length), old.rawData, `${t.name}'s range`);
      referenced += length;
    }
    assert.equal(referenced, r.referencedBytes);
    assert.ok(referenced > 0.9 * fileBytes.length);
    // Nodes, inputs and outputs are the original ones.
    assert.deepEqual(onnx.GraphProto.toObject(rewritten.graph as onnx.GraphProto).node, onnx.GraphProto.toObject(original.graph as onnx.GraphProto).node);
    assert.deepEqual(rewritten.graph?.output, original.graph?.output);
  });

  it('a model opened through a symbolic link from another folder runs natively, with the same results as the file itself', async () => {
    const dir = tmpDir();
    const link = path.join(dir, 'linked.onnx');
    fs.symlinkSync(SMALL_RESNET, link);
    const r = weightsByReference(link);
    assert.ok(r);
    assert.equal(r.folder, path.dirname(fs.realpathSync(SMALL_RESNET)));
    const viaLink = await runActivations(link, { samples: 8, seed: 2, backend: 'native' });
    const direct = await runActivations(SMALL_RESNET, { samples: 8, seed: 2, backend: 'native' });
    assert.deepEqual(viaLink.layers.map((l) => [l.deadUnits, l.activeRate, l.max]), direct.layers.map((l) => [l.deadUnits, l.activeRate, l.max]));
  });

  it('a truncated file gets no references (the ordinary read then reports it)', () => {
    const dir = tmpDir();
    const cut = path.join(dir, 'cut.onnx');
    const whole = fs.readFileSync(SMALL_RESNET);
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    assert.equal(weightsByReference(cut), undefined);
  });
});
