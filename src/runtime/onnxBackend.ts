// Runs ONNX models with extra outputs for the captured values, on onnxruntime-node (native) or
// onnxruntime-web (wasm). Both speak onnxruntime-common's InferenceSession API.
//
// Native opens by path, not by bytes: only the graph is read and given the extra outputs, and
// onnxruntime is told the model's folder (session.model_external_initializers_file_folder_path)
// so it memory-maps external data in place and reads inline weights from the model's own file,
// through references that replace them in the graph it is given (weightsByReference.ts). Nothing
// is written anywhere.
import * as os from 'node:os';
import * as path from 'node:path';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import { onnx } from 'onnx-proto';
import { ModelError } from '../core/model';
import { FileRefused, readRegularFileSync, statRegularFile } from '../formats/files';
import { weightsByReference, type WeightsByReference } from '../formats/onnx/weightsByReference';
import type { Backend, BackendKind, InputSignature } from './backend';
import type { HostData, HostDType, HostTensor } from './hostTensor';
import { captureTail, formatBytes, listExternalData, readExternalData, withExtraOutputs, type ExternalDataFile } from './onnxCapture';
import { getOrt } from './ort';
import { loadNativeOrt, type NativeSessionHandler } from './ortNative';
import { modelErrorWithRaw, rawOrtText, translateOrtError } from './ortErrors';

export type OnnxEngine = 'native' | 'wasm';

export interface OnnxBackendOptions {
  /** Which onnxruntime runs the model (default wasm). */
  engine?: OnnxEngine;
  /** Values to add as graph outputs. */
  capture: readonly string[];
  /** Graph inputs that are initializers (old models list weights as inputs): never fed. */
  initializerNames?: ReadonlySet<string>;
  /** The model has tensors stored in external files. */
  hasExternalData?: boolean;
  /** Compute threads (default: native all cores, wasm 1). */
  threads?: number;
  /** The model's own graph output names (from the core model); decoded from the file if absent. */
  modelOutputs?: readonly string[];
  /** Model bytes already in memory (else read from modelPath). */
  bytes?: Uint8Array;
  /** Nodes, initializers and outputs to append to the main graph (in-graph statistics). */
  appendGraph?: onnx.IGraphProto;
  /** The graph with its weights referenced into the file, already made (native only). */
  byReference?: WeightsByReference;
}

/** wasm32 addresses at most 4 GiB; the weights and the working memory must fit in it. */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30;
/** Above this much external data, native sessions skip weight pre-packing so the memory-mapped
 *  weights are used in place: pre-packing copies every Gemm/Conv weight (measured on the 4.6 GB
 *  bench model: peak RSS 5.2 GB and 7.1 s to load with it, 4.5 GB and 20 ms without; inference
 *  of 2 samples 120 ms vs 200 ms). */
const PREPACK_LIMIT_BYTES = 2 ** 30;

/** Cores the native runtime uses by default. */
export function defaultNativeThreads(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n);
}

export class OnnxBackend implements Backend {
  private constructor(
    private readonly modelPath: string,
    private readonly session: InferenceSession,
    private readonly makeTensor: (dtype: string, data: HostData, dims: number[]) => OrtTensor,
    readonly inputs: InputSignature[],
    readonly outputs: string[],
    /** Session outputs whose values are tensors (a sequence or map cannot be read back). */
    readonly tensorOutputs: ReadonlySet<string>,
    readonly backend: BackendKind,
    readonly threads: number,
    readonly runtime: string,
  ) {}

  static async create(modelPath: string, opts: OnnxBackendOptions): Promise<OnnxBackend> {
    const engine = opts.engine ?? 'wasm';
    let bytes: Uint8Array, captureBytes: Uint8Array, own: string[];
    // Native: inline weights are referenced into the model's own file (onnxruntime reads them from
    // it), so only the graph is read here.
    const byReference = engine === 'native' && !opts.bytes ? opts.byReference ?? modelByReference(modelPath, opts.hasExternalData) : undefined;
    if (byReference) {
      bytes = byReference.bytes;
      own = opts.modelOutputs ? [...opts.modelOutputs] : decodeOutputNames(bytes, modelPath);
      captureBytes = withExtraOutputs(bytes, opts.capture, own, opts.appendGraph);
    } else if (!opts.bytes && opts.modelOutputs) {
      // Read the file straight into a buffer with room for the appended outputs: no second copy.
      own = [...opts.modelOutputs];
      const tail = captureTail(opts.capture, own, opts.appendGraph);
      captureBytes = readModelBytes(modelPath, tail?.length ?? 0);
      bytes = captureBytes.subarray(0, captureBytes.length - (tail?.length ?? 0));
      if (tail) captureBytes.set(tail, bytes.length);
    } else {
      bytes = opts.bytes ?? readModelBytes(modelPath);
      own = opts.modelOutputs ? [...opts.modelOutputs] : decodeOutputNames(bytes, modelPath);
      captureBytes = withExtraOutputs(bytes, opts.capture, own, opts.appendGraph);
    }
    const capturing = captureBytes.length > bytes.length;
    // The model's own external data (not the references into its own file made above).
    const external: ExternalDataFile[] = opts.hasExternalData ? listExternalData(modelPath, bytes).filter((f) => f.location !== byReference?.location) : [];
    const externalBytes = external.reduce((s, f) => s + f.bytes, 0);
    let session: InferenceSession;
    let makeTensor: (dtype: string, data: HostData, dims: number[]) => OrtTensor;
    let threads: number;
    let runtime: string;
    if (engine === 'native') {
      const native = loadNativeOrt();
      if (!native.ort) throw new ModelError(`${modelPath}: the native backend is not available: ${native.reason}`);
      const ort = native.ort;
      threads = Math.max(1, opts.threads ?? defaultNativeThreads());
      try {
        session = nativeSession(await native.backend.createInferenceSessionHandler(captureBytes, {
          executionProviders: ['cpu'],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          // With onnxruntime's per-run memory plan, the capture graph maps fresh pages on every
          // run. `npm run bench` ("onnxruntime's memory plan"), torchvision ResNet-50, 8 samples
          // per call, 2 threads, fresh process: ≈19,000 page faults per call with the plan, under
          // 10 without, and 5–10% less time per call (243–257 ms vs 227–250; plain 168–184).
          // Small models do not differ beyond noise. The plain model keeps onnxruntime's defaults.
          ...(capturing ? { enableMemPattern: false } : {}),
          logSeverityLevel: 3,
          extra: {
            session: {
              model_external_initializers_file_folder_path: byReference?.folder ?? path.dirname(path.resolve(modelPath)),
              ...(externalBytes > PREPACK_LIMIT_BYTES ? { disable_prepacking: '1' } : {}),
            },
          },
        }));
      } catch (e) {
        throw modelErrorWithRaw(`${modelPath}: onnxruntime cannot load this model: ${translateOrtError(e).message}`, rawOrtText(e));
      }
      makeTensor = (dtype, data, dims) => new ort.Tensor(dtype as 'float32', data as Float32Array, dims) as unknown as OrtTensor;
      runtime = `onnxruntime-node ${native.version} (native, ${threads} thread${threads === 1 ? '' : 's'})`;
    } else {
      const total = bytes.length + externalBytes;
      if (total > WASM_MEMORY_BYTES) {
        throw new ModelError(`${modelPath}: ${formatBytes(total)} of weights exceed the wasm runtime's 4 GiB memory; use the native backend`);
      }
      threads = Math.max(1, opts.threads ?? 1);
      const ort = getOrt(threads);
      const externalData = external.length ? readExternalData(modelPath, bytes, external) : [];
      try {
        session = await ort.InferenceSession.create(captureBytes, {
          executionProviders: ['wasm'],
          // Errors reach the user once, as our ModelError; onnxruntime's own log would repeat them.
          logSeverityLevel: 4,
          externalData: externalData.length ? externalData : undefined,
        });
      } catch (e) {
        throw modelErrorWithRaw(`${modelPath}: onnxruntime cannot load this model: ${translateOrtError(e).message}`, rawOrtText(e));
      }
      makeTensor = (dtype, data, dims) => new ort.Tensor(dtype as 'float32', data as Float32Array, dims);
      runtime = `onnxruntime-web ${ort.env.versions.web ?? ''} (wasm, ${threads} thread${threads === 1 ? '' : 's'})`.replace('  ', ' ');
    }
    const skip = opts.initializerNames ?? new Set<string>();
    const inputs: InputSignature[] = [];
    session.inputNames.forEach((name, i) => {
      if (skip.has(name)) return;
      const meta = session.inputMetadata[i] as { isTensor: boolean; type?: string; shape?: (number | string)[] };
      if (!meta.isTensor) throw new ModelError(`${modelPath}: input '${name}' is not a tensor (sequences and maps cannot be fed)`);
      inputs.push({ name, dtype: meta.type ?? 'float32', shape: (meta.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d ? d : null)) });
    });
    const tensorOutputs = new Set<string>();
    session.outputNames.forEach((name, i) => {
      if ((session.outputMetadata[i] as { isTensor: boolean }).isTensor) tensorOutputs.add(name);
    });
    return new OnnxBackend(modelPath, session, makeTensor, inputs, own, tensorOutputs, engine, threads, runtime);
  }

  async run(feeds: Record<string, HostTensor>, fetch: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = this.makeTensor(t.dtype, t.data, t.dims);
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(ortFeeds, fetch.filter((n) => this.tensorOutputs.has(n)), { logSeverityLevel: 4 });
    } catch (e) {
      const failure = translateOrtError(e);
      throw modelErrorWithRaw(`${this.modelPath}: onnxruntime failed to run the model: ${failure.message}`, failure.raw, { ...failure, engine: this.backend });
    }
    const out: Record<string, HostTensor> = {};
    for (const [name, v] of Object.entries(results)) {
      const t = v as OrtTensor;
      out[name] = { dtype: t.type as HostDType, dims: [...t.dims], data: t.data as HostData };
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The InferenceSession calls the backend makes, on onnxruntime-node's own session handler. */
function nativeSession(h: NativeSessionHandler): InferenceSession {
  return {
    inputNames: h.inputNames,
    outputNames: h.outputNames,
    inputMetadata: h.inputMetadata,
    outputMetadata: h.outputMetadata,
    run: (feeds: Record<string, unknown>, fetches: readonly string[], options: object) => h.run(feeds, Object.fromEntries(fetches.map((n) => [n, null])), options ?? {}),
    release: () => h.dispose(),
  } as unknown as InferenceSession;
}

/** ONNX files are protobuf messages, which hold at most 2 GB; larger weights live in external data. */
const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

/** The file's bytes, in a buffer `room` bytes longer (for what the caller appends). */
function readModelBytes(modelPath: string, room = 0): Uint8Array {
  try {
    const size = statRegularFile(modelPath).size;
    if (size > PROTOBUF_LIMIT_BYTES) throw new ModelError(`${modelPath}: the file is ${formatBytes(size)}, over protobuf's 2 GB limit for one ONNX file (larger weights belong in external data)`);
    return readRegularFileSync(modelPath, PROTOBUF_LIMIT_BYTES, room);
  } catch (e) {
    if (e instanceof FileRefused) throw new ModelError(`${modelPath}: ${e.message}`);
    throw e;
  }
}

/** The model with its inline weights referenced into its file (weightsByReference.ts), or undefined
 *  when it has none or its wire format is unusual (then the file is read whole). Also undefined for
 *  a model reached through a symbolic link from another folder that has external data of its own:
 *  the references are relative to the real file's folder, its external data to the link's. */
export function modelByReference(modelPath: string, hasExternalData = false): WeightsByReference | undefined {
  try {
    const size = statRegularFile(modelPath).size;
    if (size > PROTOBUF_LIMIT_BYTES) return undefined; // readModelBytes says why
    const byReference = weightsByReference(modelPath);
    if (byReference && hasExternalData && byReference.folder !== path.dirname(path.resolve(modelPath))) return undefined;
    return byReference;
  } catch (e) {
    if (e instanceof FileRefused) return undefined; // likewise
    throw e;
  }
}

/** The model's own output names, when the caller has no core model to take them from. */
function decodeOutputNames(bytes: Uint8Array, modelPath: string): string[] {
  try {
    return (onnx.ModelProto.decode(bytes).graph?.output ?? []).map((o) => o.name ?? '');
  } catch (e) {
    throw new ModelError(`${modelPath}: not a valid ONNX model (${(e as Error).message})`);
  }
}

export function cleanOrtMessage(e: unknown): string {
  return rawOrtText(e).replace(/\s+/g, ' ').trim().slice(0, 500);
}

