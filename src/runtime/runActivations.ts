// Runs a model on inputs and measures every activation layer: the one entry point shared by the
// CLI, the VS Code worker and the bench.
import * as path from 'node:path';
import type { ActivationRun } from '../analysis/activationStats';
import { loadModel } from '../formats/load';
import { ModelError, type Model } from '../core/model';
import type { Backend } from './backend';
import { throwIfCancelled } from './cancel';
import { concat0, asNumbers, type HostTensor } from './hostTensor';
import { resolveInputs, type ResolvedInput } from './inputs/dims';
import { fileSource } from './inputs/fileSource';
import type { ImageOptions } from './inputs/image';
import { rows, type SampleChunk, type SampleSource } from './inputs/samples';
import { syntheticSource, type Distribution } from './inputs/synthetic';
import { activationLayers, type ActivationLayer } from './layers';
import { OnnxBackend } from './onnxBackend';
import { TfjsBackend } from './tfjsBackend';
import { DEFAULT_BINS } from './statsAccumulator';
import type { Worker } from 'node:worker_threads';
import { createSink, startStatsThread, type CapturedItem, type StatsSink } from './statsSink';
import { statsWorkerEntry } from './client';
import type { InputIdentity } from '../analysis/compare/types';
import { inputIdentity } from './inputs/identity';

export interface RunOptions {
  /** A file or folder of inputs; synthetic inputs when absent. */
  inputs?: string;
  /** Synthetic: how many samples. Files: at most this many (all when absent). */
  samples?: number;
  seed?: number;
  distribution?: Distribution;
  /** Sizes for symbolic dimensions, by name. */
  dims?: Record<string, number>;
  image?: ImageOptions;
  /** Samples per inference call when the model's batch axis is free; chosen from memory when absent. */
  batchSize?: number;
  /** Capture every node's output, not only activations. */
  everyNode?: boolean;
  threads?: number;
  bins?: number;
  /** Compute statistics on a second thread while the next batch runs (default true). */
  statsThread?: boolean;
  /** Run the first batch once untimed before measuring (benchmarks: excludes one-time set-up). */
  warmup?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Notes for the user (dimension defaults, skipped layers). */
  onNote?: (message: string) => void;
}

export interface RunProgress {
  samplesDone: number;
  samplesTotal?: number;
  message: string;
}

export interface RunResult extends ActivationRun {
  /** Wall time of inference calls alone, and of the whole run (ms). */
  inferenceMs: number;
  totalMs: number;
  /** The runtime that ran the model. */
  runtime: string;
  /** Wall time from the first batch to the last statistics (inputs, inference, statistics). */
  measureMs: number;
  /** CPU time of this process (all threads) over the same span. */
  measureCpuMs: number;
  /** Extra detail per layer: the activation it applies (for fused ops, the fused one). */
  activations: Record<string, string>;
  /** What the inputs were (seed and generator, or files and their hash): compared runs check it. */
  inputIdentity?: InputIdentity;
}

export const DEFAULT_SYNTHETIC_SAMPLES = 32;
/** Captured bytes per inference call the automatic batch size aims for. */
const BATCH_BYTES_TARGET = 128 * 1024 * 1024;
const MAX_AUTO_BATCH = 64;

export async function runActivations(modelPath: string, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  const statsWorker = startStatsThread(statsWorkerEntry, opts.statsThread ?? true);
  try {
    const model = await loadModel(modelPath);
    throwIfCancelled(opts.signal);
    const layers = activationLayers(model, opts.everyNode);
    const backend = await createBackend(model, layers, opts);
    try {
      return await measure(model, backend, layers, opts, t0, statsWorker);
    } finally {
      await backend.dispose();
    }
  } finally {
    void statsWorker?.terminate();
  }
}

async function createBackend(model: Model, layers: ActivationLayer[], opts: RunOptions): Promise<Backend> {
  if (model.format === 'onnx') {
    const initializerNames = new Set(model.graph.initializers.map((t) => t.name));
    return OnnxBackend.create(model.path, {
      capture: layers.map((l) => l.output),
      initializerNames,
      hasExternalData: model.graph.initializers.some((t) => t.location === 'external'),
      modelOutputs: model.graph.outputs.map((o) => o.name),
      threads: opts.threads,
    });
  }
  if (model.format === 'tfjs-layers' || model.format === 'tfjs-graph') {
    return TfjsBackend.create(model, layers, opts);
  }
  throw new ModelError(`${model.path}: a ${model.format} file holds no graph to run`);
}

async function measure(model: Model, backend: Backend, layers: ActivationLayer[], opts: RunOptions, t0: number, statsWorker: Worker | undefined): Promise<RunResult> {
  const resolution = resolveInputs(backend.inputs, opts.dims ?? {});
  if (opts.inputs) {
    // Files set the sizes of the model's symbolic per-sample dims; report only what the user gave.
    for (const name of resolution.defaulted) delete resolution.used[name];
  } else if (resolution.defaulted.length) {
    opts.onNote?.(`symbolic dimensions without a size used defaults: ${resolution.defaulted.map((d) => `${d}=${resolution.used[d]}`).join(', ')} (set them with --dim name=value)`);
  }
  const inputs = resolution.inputs;
  if (!inputs.length) throw new ModelError(`${model.path}: the model has no inputs to feed`);
  const source: SampleSource = opts.inputs
    ? fileSource(opts.inputs, inputs, { samples: opts.samples, image: opts.image })
    : syntheticSource(inputs, { samples: opts.samples ?? DEFAULT_SYNTHETIC_SAMPLES, seed: opts.seed ?? 0, distribution: opts.distribution ?? 'normal' });

  const batchable = inputs.every((i) => i.batchable);
  const formatLayout = model.format === 'onnx' ? 'channels-first' : 'channels-last';
  const sink = createSink(
    { layers: layers.map((l) => ({ node: l.node, op: l.op, output: l.output, layout: l.layout })), batchable, formatLayout, bins: opts.bins ?? DEFAULT_BINS },
    statsWorker,
  );
  try {
    return await measureWith(model, backend, layers, opts, t0, resolution, inputs, source, batchable, sink);
  } finally {
    sink.dispose();
  }
}

async function measureWith(
  model: Model,
  backend: Backend,
  layers: ActivationLayer[],
  opts: RunOptions,
  t0: number,
  resolution: ReturnType<typeof resolveInputs>,
  inputs: ResolvedInput[],
  source: SampleSource,
  batchable: boolean,
  sink: StatsSink,
): Promise<RunResult> {
  const loopStart = performance.now();
  const cpuStart = process.cpuUsage();
  // A model without activations still runs (its inputs are checked); it then fetches its outputs.
  const fetch = layers.length ? layers.map((l) => l.output) : backend.outputs.slice(0, 1);
  const givenBatch = batchDimGiven(backend, opts.dims ?? {});
  let batchSize = opts.batchSize ?? givenBatch ?? 1; // the first call runs 1 sample to measure its size
  let autoBatch = opts.batchSize === undefined && givenBatch === undefined;
  let samplesDone = 0;
  let inferenceMs = 0;

  const runBatch = async (batch: SampleChunk, n: number): Promise<void> => {
    throwIfCancelled(opts.signal);
    const feeds: Record<string, HostTensor> = {};
    for (const inp of inputs) {
      const t = batch[inp.name];
      feeds[inp.name] = inp.batchable ? t : { ...t, dims: t.dims.slice(1) };
    }
    if (opts.warmup && samplesDone === 0) await backend.run(feeds, fetch);
    const ti = performance.now();
    const out = await backend.run(feeds, fetch);
    inferenceMs += performance.now() - ti;
    let bytes = 0;
    const items: CapturedItem[] = [];
    layers.forEach((l, i) => {
      const t = out[l.output];
      if (!t) return;
      bytes += t.data.length * 4;
      const nums = asNumbers(t);
      const data = nums instanceof Float32Array || nums instanceof Float64Array ? nums : Float64Array.from(nums);
      items.push({ layer: i, dims: t.dims, data, samples: n });
    });
    await sink.add(items);
    samplesDone += n;
    if (autoBatch) {
      batchSize = Math.max(1, Math.min(MAX_AUTO_BATCH, Math.floor(BATCH_BYTES_TARGET / Math.max(1, bytes / n))));
      autoBatch = false;
    }
    opts.onProgress?.({ samplesDone, samplesTotal: source.total, message: `${samplesDone}${source.total ? ` of ${source.total}` : ''} samples` });
  };

  // Collect chunks into batches of `batchSize` samples with equal per-sample shapes.
  let pending: SampleChunk[] = [];
  let pendingCount = 0;
  const shapeKey = (c: SampleChunk): string => inputs.map((i) => c[i.name].dims.slice(1).join('x')).join('|');
  const flush = async (all: boolean): Promise<void> => {
    while (pendingCount > 0 && (all || pendingCount >= effectiveBatch())) {
      const merged: SampleChunk = {};
      for (const inp of inputs) merged[inp.name] = concat0(pending.map((c) => c[inp.name]));
      const take = Math.min(effectiveBatch(), pendingCount);
      const batch: SampleChunk = {};
      const rest: SampleChunk = {};
      for (const inp of inputs) {
        batch[inp.name] = rows(merged[inp.name], 0, take);
        rest[inp.name] = rows(merged[inp.name], take, pendingCount);
      }
      pendingCount -= take;
      pending = pendingCount ? [rest] : [];
      await runBatch(batch, take);
    }
  };
  const effectiveBatch = (): number => (batchable ? batchSize : 1);

  for await (const chunk of source.chunks()) {
    throwIfCancelled(opts.signal);
    const n = Object.values(chunk)[0]?.dims[0] ?? 0;
    if (!n) continue;
    if (pending.length && shapeKey(pending[0]) !== shapeKey(chunk)) await flush(true);
    pending.push(chunk);
    pendingCount += n;
    await flush(false);
  }
  await flush(true);
  if (!samplesDone) throw new ModelError(`${opts.inputs ?? 'inputs'}: no samples to run`);

  const stats = await sink.finish();
  const measureMs = performance.now() - loopStart;
  const cpu = process.cpuUsage(cpuStart);
  const activations: Record<string, string> = {};
  for (const l of layers) activations[l.node] = l.activation;
  return {
    model: model.path,
    samples: samplesDone,
    inputSource: opts.inputs ? path.resolve(opts.inputs) : source.description,
    dims: resolution.used,
    layers: stats,
    inferenceMs: Math.round(inferenceMs),
    totalMs: Math.round(performance.now() - t0),
    runtime: backend.runtime,
    measureMs: Math.round(measureMs),
    measureCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    activations,
    inputIdentity: inputIdentity({ ...opts, fed: inputs }),
  };
}

/** A size the user gave for the batch axis (--dim batch=8) is the samples per call. */
function batchDimGiven(backend: Backend, dims: Record<string, number>): number | undefined {
  for (const inp of backend.inputs) {
    const d = inp.shape[0];
    if (typeof d === 'string' && dims[d] !== undefined && dims[d] > 0) return dims[d];
  }
  return undefined;
}

