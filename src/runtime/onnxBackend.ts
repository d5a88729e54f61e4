// Runs ONNX models in onnxruntime-web with extra outputs for the captured values.
import * as fs from 'node:fs';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import { onnx } from 'onnx-proto';
import { ModelError } from '../core/model';
import type { Backend, InputSignature } from './backend';
import type { HostData, HostDType, HostTensor } from './hostTensor';
import { readExternalData, withExtraOutputs, type ExternalFile } from './onnxCapture';
import { getOrt } from './ort';

export interface OnnxBackendOptions {
  /** Values to add as graph outputs. */
  capture: readonly string[];
  /** Graph inputs that are initializers (old models list weights as inputs): never fed. */
  initializerNames?: ReadonlySet<string>;
  /** The model has tensors stored in external files. */
  hasExternalData?: boolean;
  threads?: number;
  /** The model's own graph output names (from the core model); decoded from the file if absent. */
  modelOutputs?: readonly string[];
  /** Model bytes already in memory (else read from modelPath). */
  bytes?: Uint8Array;
}

export class OnnxBackend implements Backend {
  readonly runtime = 'onnxruntime-web wasm';
  private constructor(
    private readonly modelPath: string,
    private readonly session: InferenceSession,
    readonly inputs: InputSignature[],
    readonly outputs: string[],
    /** Session outputs whose values are tensors (a sequence or map cannot be read back). */
    readonly tensorOutputs: ReadonlySet<string>,
  ) {}

  static async create(modelPath: string, opts: OnnxBackendOptions): Promise<OnnxBackend> {
    const ort = getOrt(opts.threads ?? 1);
    const bytes = opts.bytes ?? readModelBytes(modelPath);
    const own = opts.modelOutputs ? [...opts.modelOutputs] : decodeOutputNames(bytes, modelPath);
    const external: ExternalFile[] = opts.hasExternalData ? readExternalData(modelPath, bytes) : [];
    const captureBytes = withExtraOutputs(bytes, opts.capture, own);
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(captureBytes, {
        executionProviders: ['wasm'],
        // Errors reach the user once, as our ModelError; onnxruntime's own log would repeat them.
        logSeverityLevel: 4,
        externalData: external.length ? external : undefined,
      });
    } catch (e) {
      throw new ModelError(`${modelPath}: onnxruntime cannot load this model: ${cleanOrtMessage(e)}`);
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
    return new OnnxBackend(modelPath, session, inputs, own, tensorOutputs);
  }

  async run(feeds: Record<string, HostTensor>, fetch: readonly string[]): Promise<Record<string, HostTensor>> {
    const ort = getOrt();
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims);
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(ortFeeds, fetch.filter((n) => this.tensorOutputs.has(n)), { logSeverityLevel: 4 });
    } catch (e) {
      throw new ModelError(`${this.modelPath}: onnxruntime failed to run the model: ${cleanOrtMessage(e)}`);
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

function readModelBytes(modelPath: string): Uint8Array {
  try {
    const b = fs.readFileSync(modelPath);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch {
    throw new ModelError(`${modelPath}: cannot read the file`);
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
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^Error: /, '').replace(/\s+/g, ' ').trim().slice(0, 500);
}

