// What the run loop needs from a runtime (onnxruntime-web or TF.js): the input signature and a
// way to run one batch and get the captured values back.
import type { Dim } from '../core/model';
import type { HostTensor } from './hostTensor';

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
  /** Which runtime runs the model ("onnxruntime-web wasm", "tfjs wasm" …). */
  readonly runtime: string;
  /** Runs one batch; returns the requested values (captures and/or model outputs) by name. */
  run(feeds: Record<string, HostTensor>, fetch: readonly string[]): Promise<Record<string, HostTensor>>;
  dispose(): Promise<void>;
}
