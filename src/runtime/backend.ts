// What the run loop needs from a runtime (onnxruntime-web or TF.js): the input signature and a
// way to run one batch and get the captured values back.
import type { Dim } from '../core/model';
import type { HostTensor } from './hostTensor';

/** The runtime family that ran a model. */
export type BackendKind = 'native' | 'wasm' | 'tfjs';

export interface InputSignature {
  name: string;
  /** onnxruntime-web element type name (float32, int64 …). */
  dtype: string;
  shape: Dim[];
}

export interface Backend {
  readonly inputs: InputSignature[];
  /** The model's own output names. */
  readonly outputs: string[];
  /** Which runtime runs the model ("onnxruntime-node 1.30.0 (native, 2 threads)", "tfjs wasm" …). */
  readonly runtime: string;
  /** native (onnxruntime-node), wasm (onnxruntime-web) or tfjs. */
  readonly backend: BackendKind;
  /** Compute threads the runtime uses. */
  readonly threads: number;
  /** Runs one batch; returns the requested values (captures and/or model outputs) by name. */
  run(feeds: Record<string, HostTensor>, fetch: readonly string[]): Promise<Record<string, HostTensor>>;
  dispose(): Promise<void>;
}
