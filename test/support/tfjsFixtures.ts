// Writes TF.js models to folders the way TF.js tools lay them out (model.json + weight shards),
// built by @tensorflow/tfjs itself, with optional sharding and quantized manifests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { numberToFloat16Bits } from '../../src/core/dtypes';

export { tf };

export function tempDir(prefix = 'al-tfjs-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface SavedModel {
  dir: string;
  modelJson: string;
  /** The weight values tfjs saved, by weight name (float32 unless noted). */
  weights: Map<string, Float32Array | Int32Array>;
  shards: string[];
}

export interface SaveOptions {
  /** Split the weight bytes into shards of at most this many bytes (converter style). */
  shardBytes?: number;
  /** Store float32 weights quantized, the way tensorflowjs_converter --quantize_* does. */
  quantize?: 'uint8' | 'uint16' | 'float16';
}

async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts as tf.io.ModelArtifacts;
}

/** IEEE half-precision bits of a number (round to nearest even). */
export const toFloat16Bits = numberToFloat16Bits;

function quantizeWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, mode: 'uint8' | 'uint16' | 'float16') {
  const out: Uint8Array[] = [];
  const newSpecs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4;
    if (spec.dtype !== 'float32') {
      out.push(new Uint8Array(data.slice(offset, offset + bytes)));
      newSpecs.push(spec);
      offset += bytes;
      continue;
    }
    const values = new Float32Array(data.slice(offset, offset + bytes));
    offset += bytes;
    if (mode === 'float16') {
      const q = new Uint16Array(count);
      values.forEach((v, i) => (q[i] = toFloat16Bits(v)));
      out.push(new Uint8Array(q.buffer));
      newSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const levels = mode === 'uint8' ? 255 : 65535;
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const scale = max > min ? (max - min) / levels : 1;
      const q = mode === 'uint8' ? new Uint8Array(count) : new Uint16Array(count);
      values.forEach((v, i) => (q[i] = Math.round((v - min) / scale)));
      out.push(new Uint8Array(q.buffer));
      newSpecs.push({ ...spec, quantization: { dtype: mode, scale, min } });
    }
  }
  const total = out.reduce((s, b) => s + b.length, 0);
  const joined = new Uint8Array(total);
  let p = 0;
  for (const b of out) {
    joined.set(b, p);
    p += b.length;
  }
  return { specs: newSpecs, data: joined };
}

function weightValues(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): Map<string, Float32Array | Int32Array> {
  const map = new Map<string, Float32Array | Int32Array>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const slice = data.slice(offset, offset + count * 4);
    map.set(spec.name, spec.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice));
    offset += count * 4;
  }
  return map;
}

/** Saves a tfjs LayersModel into `dir` as model.json + group1-shardNofM.bin files. */
export async function saveLayersModel(model: tf.LayersModel, dir: string, options: SaveOptions = {}): Promise<SavedModel> {
  const a = await artifactsOf(model);
  const specs = a.weightSpecs ?? [];
  const raw = a.weightData instanceof ArrayBuffer ? a.weightData : tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]);
  const weights = weightValues(specs, raw);
  let manifestSpecs = specs;
  let data = new Uint8Array(raw);
  if (options.quantize) ({ specs: manifestSpecs, data } = quantizeWeights(specs, raw, options.quantize));
  const shardBytes = options.shardBytes ?? Math.max(1, data.length);
  const count = Math.max(1, Math.ceil(data.length / shardBytes));
  const shards: string[] = [];
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = `group1-shard${i + 1}of${count}.bin`;
    fs.writeFileSync(path.join(dir, name), data.subarray(i * shardBytes, (i + 1) * shardBytes));
    shards.push(name);
  }
  const modelJson = path.join(dir, 'model.json');
  const json = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: shards, weights: manifestSpecs }],
  };
  fs.writeFileSync(modelJson, JSON.stringify(json));
  return { dir, modelJson, weights, shards };
}

/** Loads a model folder's weights the way tfjs does (its own decoder), for comparisons. */
export function tfjsDecodeWeights(modelJsonPath: string, manifest: tf.io.WeightsManifestConfig): tf.NamedTensorMap {
  const dir = path.dirname(modelJsonPath);
  const out: tf.NamedTensorMap = {};
  for (const group of manifest) {
    const buffers = group.paths.map((p) => {
      const b = fs.readFileSync(path.join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    });
    Object.assign(out, tf.io.decodeWeights(buffers, group.weights));
  }
  return out;
}
