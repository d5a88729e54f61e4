// The documented JSON form of a run, shared by `activation-lens run --json` and the VS Code
// "Export Activation Results as JSON" command.
import type { LayerActivationStats } from '../analysis/activationStats';
import type { RunResult } from './runActivations';
import type { InputIdentity } from '../analysis/compare/types';

/** One layer of the JSON form: the shared statistics record plus the activation's name. */
export interface RunJsonLayer extends LayerActivationStats {
  activation?: string;
}

export interface RunJson {
  model: string;
  samples: number;
  inputSource: string;
  dims: Record<string, number>;
  layers: RunJsonLayer[];
  runtime: string;
  /** native (onnxruntime-node), wasm (onnxruntime-web) or tfjs: the backend actually used. */
  backend: string;
  /** Its compute threads. */
  threads: number;
  inferenceMs: number;
  totalMs: number;
  /** What the inputs were (synthetic generator and seed, or files and their SHA-256). */
  inputIdentity?: InputIdentity;
}

/** The `--json` object: {model, samples, inputSource, dims, layers: [...]}. */
export function runToJson(r: RunResult): RunJson {
  return {
    model: r.model,
    samples: r.samples,
    inputSource: r.inputSource,
    dims: r.dims,
    layers: r.layers.map((l) => ({
      node: l.node,
      op: l.op,
      activation: r.activations[l.node] || undefined,
      output: l.output,
      units: l.units,
      unitAxis: l.unitAxis,
      deadUnits: l.deadUnits,
      activeRate: l.activeRate,
      zeroFraction: l.zeroFraction,
      min: l.min,
      max: l.max,
      mean: l.mean,
      std: l.std,
      histogram: l.histogram,
      distributionSamples: l.distributionSamples,
      samples: l.samples,
      timeMs: l.timeMs,
    })),
    runtime: r.runtime,
    backend: r.backend,
    threads: r.threads,
    inferenceMs: r.inferenceMs,
    totalMs: r.totalMs,
    inputIdentity: r.inputIdentity,
  };
}

