// Runs TensorFlow.js models (layers-models and graph-models) with @tensorflow/tfjs, on its
// WebAssembly backend when it initialises (offline: the .wasm files load from disk), else on the
// pure-JavaScript cpu backend.
// Capturing: a layers-model gets a probe model over the chosen layers' outputs
// (tf.model({inputs, outputs})); a graph-model is executed with the chosen node names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { FileRefused, readRegularFileSync } from '../formats/files';
import { resolveShardPath } from '../formats/tfjs/paths';
import { ModelError, type Model } from '../core/model';
import type { Backend, InputSignature } from './backend';
import type { HostData, HostDType, HostTensor } from './hostTensor';
import type { ActivationLayer } from './layers';
import { toTfjsTopology } from './kerasCompat';

type Tf = typeof tfTypes;
let tfPromise: Promise<{ tf: Tf; backend: string }> | undefined;

/** TF.js with the best backend that starts here: 'wasm', else 'cpu'. */
export function getTf(): Promise<{ tf: Tf; backend: string }> {
  tfPromise ??= (async () => {
    // Required here, not imported: only TF.js runs load the library (src/runtime/tfjsLibrary.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const library = require('./tfjsLibrary') as typeof import('./tfjsLibrary');
    const tf: Tf = library.tf;
    try {
      const wasm = library.loadWasmBackend();
      const dir = tfjsWasmDir();
      if (dir) wasm.setWasmPaths(dir + path.sep);
      if (dir && (await tf.setBackend('wasm'))) {
        await tf.ready();
        return { tf, backend: 'wasm' };
      }
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu' };
  })();
  return tfPromise;
}

function tfjsWasmDir(): string | undefined {
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) return __dirname;
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  } catch {
    return undefined;
  }
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: unknown;
}

/** A regular file's bytes (a named pipe or a folder is refused by name, never waited on). */
function readModelFile(model: string, file: string, what?: string): Uint8Array {
  try {
    return readRegularFileSync(file);
  } catch (e) {
    if (e instanceof FileRefused) throw new ModelError(what ? `${model}: ${what} ${e.message}` : `${model}: ${e.message}`);
    throw e;
  }
}

/** Reads model.json and its weight shards (paths confined to the model's folder) as TF.js artifacts. */
export function readArtifacts(file: string): tfTypes.io.ModelArtifacts {
  let json: ModelJson;
  const text = Buffer.from(readModelFile(file, file)).toString('utf8');
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new ModelError(`${file}: not a TensorFlow.js model.json (${(e as Error).message})`);
  }
  if (!json.modelTopology) throw new ModelError(`${file}: has no modelTopology (a weights manifest alone cannot run)`);
  const specs: tfTypes.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      // The reader's confinement: absolute paths, '..' (also percent-encoded), symbolic links out.
      const b = readModelFile(file, resolveShardPath(file, p), `weight file '${p}'`);
      buffers.push(b.buffer as ArrayBuffer);
    }
  }
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    weightData.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return {
    modelTopology: (json.format === 'graph-model' ? json.modelTopology : toTfjsTopology(json.modelTopology)) as tfTypes.io.ModelArtifacts['modelTopology'],
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    weightSpecs: specs,
    weightData: weightData.buffer,
    signature: json.signature as tfTypes.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tfTypes.io.ModelArtifacts['userDefinedMetadata'],
    modelInitializer: json.modelInitializer as tfTypes.io.ModelArtifacts['modelInitializer'],
  };
}

function hostDType(dtype: string): HostDType {
  return dtype === 'int32' ? 'int32' : dtype === 'bool' ? 'bool' : dtype === 'string' ? 'string' : 'float32';
}

/** The tensor's values in an array of our own: the cpu backend's dataSync() returns its storage,
 *  which other tensors may share and which the statistics thread would take over. */
function toHost(t: tfTypes.Tensor): HostTensor {
  const values = t.dataSync() as unknown as Float32Array;
  return { dtype: hostDType(t.dtype), dims: [...t.shape], data: values.slice() as unknown as HostData };
}

export class TfjsBackend implements Backend {
  private constructor(
    private readonly modelPath: string,
    private readonly tf: Tf,
    readonly backendName: string,
    readonly inputs: InputSignature[],
    readonly outputs: string[],
    private readonly exec: (feeds: Record<string, tfTypes.Tensor>, fetch: readonly string[]) => Promise<Record<string, tfTypes.Tensor>>,
    private readonly disposeModel: () => void,
  ) {}

  static async create(model: Model, layers: ActivationLayer[], opts: { onNote?: (m: string) => void } = {}): Promise<TfjsBackend> {
    const { tf, backend } = await getTf();
    const artifacts = readArtifacts(model.path);
    const handler: tfTypes.io.IOHandler = { load: async () => artifacts };
    const isGraph = model.format === 'tfjs-graph' || artifacts.format === 'graph-model';
    try {
      if (isGraph) return await TfjsBackend.graph(model.path, tf, backend, await tf.loadGraphModel(handler), layers);
      return TfjsBackend.layers(model.path, tf, backend, await tf.loadLayersModel(handler), layers, opts.onNote);
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(`${model.path}: TensorFlow.js cannot load this model: ${(e as Error).message}`);
    }
  }

  private static layers(modelPath: string, tf: Tf, backend: string, m: tfTypes.LayersModel, layers: ActivationLayer[], onNote?: (m: string) => void): TfjsBackend {
    const inputs: InputSignature[] = m.inputs.map((t, i) => ({
      name: m.inputNames[i] ?? t.name,
      dtype: hostDType(t.dtype),
      shape: t.shape.map((d) => (d === null || d < 0 ? null : d)),
    }));
    // Channels-first layers set the layout of the activations that follow them.
    const channelsFirst = m.layers.some((l) => (l.getConfig() as { data_format?: string; dataFormat?: string }).dataFormat === 'channels_first' || (l.getConfig() as { data_format?: string }).data_format === 'channels_first');
    const outputs: tfTypes.SymbolicTensor[] = [];
    const byOutput = new Map<string, number>();
    for (const l of [...layers]) {
      let layer: tfTypes.layers.Layer;
      try {
        layer = m.getLayer(l.node);
      } catch {
        // Not a top-level layer (e.g. inside a nested model): its output is not reachable from
        // the model's inputs in a probe model. Measured layers go on; this one is reported.
        layers.splice(layers.indexOf(l), 1);
        onNote?.(`layer '${l.node}' is not a top-level layer of the TF.js model and is not measured`);
        continue;
      }
      if (channelsFirst) l.layout = 'channels-first';
      byOutput.set(l.output, outputs.length);
      const out = layer.getOutputAt(0);
      outputs.push(Array.isArray(out) ? out[0] : out);
    }
    const probe = outputs.length ? tf.model({ inputs: m.inputs, outputs }) : undefined;
    const exec = async (feeds: Record<string, tfTypes.Tensor>, fetch: readonly string[]): Promise<Record<string, tfTypes.Tensor>> => {
      const result: Record<string, tfTypes.Tensor> = {};
      if (!probe) return result;
      const xs = inputs.map((i) => feeds[i.name]);
      const ys = probe.predict(xs.length === 1 ? xs[0] : xs) as tfTypes.Tensor | tfTypes.Tensor[];
      const arr = Array.isArray(ys) ? ys : [ys];
      for (const name of fetch) {
        const i = byOutput.get(name);
        if (i !== undefined) result[name] = arr[i];
      }
      arr.forEach((t, i) => { if (!fetch.some((f) => byOutput.get(f) === i)) t.dispose(); });
      return result;
    };
    return new TfjsBackend(modelPath, tf, backend, inputs, m.outputNames, exec, () => m.dispose());
  }

  private static async graph(modelPath: string, tf: Tf, backend: string, m: tfTypes.GraphModel, layers: ActivationLayer[]): Promise<TfjsBackend> {
    void tf;
    const inputs: InputSignature[] = m.inputs.map((t) => ({
      name: t.name,
      dtype: hostDType(t.dtype),
      shape: (t.shape ?? []).map((d) => (d === null || d < 0 ? null : d)),
    }));
    const nodeOf = new Map(layers.map((l) => [l.output, l.node]));
    const exec = async (feeds: Record<string, tfTypes.Tensor>, fetch: readonly string[]): Promise<Record<string, tfTypes.Tensor>> => {
      const names = fetch.map((f) => nodeOf.get(f) ?? f);
      if (!names.length) return {};
      let ys: tfTypes.Tensor | tfTypes.Tensor[];
      try {
        ys = m.execute(feeds, names);
      } catch (e) {
        // Control flow (loops, conditionals) needs the asynchronous executor.
        if (!/executeAsync|dynamic op/i.test((e as Error).message)) throw e;
        ys = await m.executeAsync(feeds, names);
      }
      const arr = Array.isArray(ys) ? ys : [ys];
      const result: Record<string, tfTypes.Tensor> = {};
      fetch.forEach((f, i) => (result[f] = arr[i]));
      return result;
    };
    return new TfjsBackend(modelPath, tf, backend, inputs, m.outputNodes, exec, () => m.dispose());
  }

  async run(feeds: Record<string, HostTensor>, fetch: readonly string[]): Promise<Record<string, HostTensor>> {
    const tf = this.tf;
    const tensors: Record<string, tfTypes.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const dtype = t.dtype === 'int32' || t.dtype === 'int64' || t.dtype === 'uint8' || t.dtype === 'int8' ? 'int32' : t.dtype === 'bool' ? 'bool' : 'float32';
      const data = t.data instanceof Float32Array || t.data instanceof Int32Array ? t.data : Array.from(t.data as ArrayLike<number | bigint>, Number);
      tensors[name] = tf.tensor(data as Float32Array, t.dims, dtype);
    }
    let outs: Record<string, tfTypes.Tensor> = {};
    try {
      outs = await this.exec(tensors, fetch);
      const result: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(outs)) result[k] = toHost(v);
      return result;
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(`${this.modelPath}: TensorFlow.js failed to run the model: ${(e as Error).message}`);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
      for (const t of Object.values(outs)) t.dispose();
    }
  }

  get runtime(): string {
    return `tfjs ${this.backendName}`;
  }

  readonly backend = 'tfjs' as const;
  /** TF.js's wasm backend is started single-threaded (no SharedArrayBuffer worker pool in Node). */
  readonly threads = 1;

  async dispose(): Promise<void> {
    this.disposeModel();
  }
}
