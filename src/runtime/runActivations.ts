// Runs a model on inputs and measures every activation layer: the one entry point shared by the
// CLI, the VS Code worker and the bench.
import * as path from 'node:path';
import type { ActivationRun } from '../analysis/activationStats';
import { allFinite } from '../analysis/finite';
import { loadModel } from '../formats/load';
import { ModelError, type Model } from '../core/model';
import type { Backend, BackendKind } from './backend';
import { loadNativeOrt } from './ortNative';
import { formatSize, modelErrorWithRaw, type RunModelError } from './ortErrors';
import { findRunHazards } from './runHazards';
import { throwIfCancelled } from './cancel';
import { concat0, asNumbers, type HostTensor } from './hostTensor';
import { resolveInputs, type ResolvedInput } from './inputs/dims';
import { fileSource } from './inputs/fileSource';
import type { ImageOptions } from './inputs/image';
import { rows, type SampleChunk, type SampleSource } from './inputs/samples';
import { syntheticSource, type Distribution } from './inputs/synthetic';
import { activationLayers, type ActivationLayer } from './layers';
import { OnnxBackend, defaultNativeThreads } from './onnxBackend';
import { TfjsBackend } from './tfjsBackend';
import { DEFAULT_BINS } from './statsAccumulator';
import type { Worker } from 'node:worker_threads';
import { createSink, startStatsThread, type CapturedItem, type StatsSink } from './statsSink';
import { statsWorkerEntry } from './client';
import { GRID_STATS, gridCandidate, planGraphStats, unbundle, type ActivationShapes, type GraphStatsPlan, type LayerStatsPlan, type LayerStatsValues } from './graphStats';
import { PROBE_MAX_NODES, probeActivationShapes } from './activationShapes';
import type { WeightsByReference } from '../formats/onnx/weightsByReference';
import type { GraphPartials } from './statsAccumulator';
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
  /** Which runtime runs ONNX models: native (onnxruntime-node), wasm (onnxruntime-web), or auto
   *  (native when its binary loads here, else wasm with a note saying why). Default auto. */
  backend?: BackendChoice;
  /** Compute threads (default: native all cores but `spareCores`, wasm 1). */
  threads?: number;
  /** Cores the native runtime leaves free by default (the extension keeps one for the editor). */
  spareCores?: number;
  bins?: number;
  /** Compute statistics on a second thread while the next batch runs (default true). */
  statsThread?: boolean;
  /** ONNX: compute per-unit statistics inside the graph (default true; src/runtime/graphStats.ts). */
  graphStats?: boolean;
  /** Run the first batch once untimed before measuring (benchmarks: excludes one-time set-up). */
  warmup?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Notes for the user (dimension defaults, skipped layers). */
  onNote?: (message: string) => void;
  /** Called when the model is read (about to be loaded into the runtime) and when the runtime
   *  starts running it: the supervisor names what was going on if it has to stop the run. */
  onPhase?: (phase: 'loading' | 'running', model: Model) => void | Promise<void>;
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
  /** The runtime that ran the model, e.g. "onnxruntime-node 1.30.0 (native, 2 threads)". */
  runtime: string;
  /** native, wasm or tfjs: the backend actually used. */
  backend: BackendKind;
  /** Its compute threads. */
  threads: number;
  /** Wall time from the first batch to the last statistics (inputs, inference, statistics). */
  measureMs: number;
  /** CPU time of this process (all threads) over the same span. */
  measureCpuMs: number;
  /** Extra detail per layer: the activation it applies (for fused ops, the fused one). */
  activations: Record<string, string>;
  /** What the inputs were (seed and generator, or files and their hash): compared runs check it. */
  inputIdentity?: InputIdentity;
}

export type BackendChoice = 'auto' | 'native' | 'wasm';

export const DEFAULT_SYNTHETIC_SAMPLES = 32;
/** In-graph statistics other than grid layers' (graphStats.ts, GridShape: every call) take mean,
 *  std and histogram from a batch's first sample, once per this many samples (every batch when
 *  batches hold at least as many), unless the samples are small (at most CHEAP_SAMPLE_VALUES
 *  values over all layers: then from every batch). Taking it from
 *  every batch made small batches slow: on ResNet-50 each sample brings ≈9 MB to JavaScript, the
 *  automatic batch size is 3, and many exports fix the batch at 1. Measured back to back, 32
 *  samples, `run --json` whole process: automatic batches 1.93–2.06 s instead of 2.12–2.44, batch 1
 *  2.43–2.56 s instead of 2.82–2.92. */
export const DISTRIBUTION_EVERY = 8;
const CHEAP_SAMPLE_VALUES = 1 << 16;
/** Captured bytes per inference call the automatic batch size aims for. */
const BATCH_BYTES_TARGET = 128 * 1024 * 1024;
const MAX_AUTO_BATCH = 64;

/** The automatic batch size for samples of `bytesPerSample` captured bytes. */
function autoBatchSize(bytesPerSample: number): number {
  return Math.max(1, Math.min(MAX_AUTO_BATCH, Math.floor(BATCH_BYTES_TARGET / Math.max(1, bytesPerSample))));
}

export async function runActivations(modelPath: string, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  let statsWorker: Worker | undefined;
  // The statistics thread is for raw captures; started before the runtime loads the model, so
  // its start-up overlaps that.
  const needsStatsThread = (plan: GraphStatsPlan | undefined): boolean => !plan || !plan.layers.every((p) => p);
  try {
    const model = await loadModel(modelPath);
    throwIfCancelled(opts.signal);
    const layers = activationLayers(model, opts.everyNode);
    await opts.onPhase?.('loading', model);
    // In-graph statistics on both runtimes. On wasm they used to lose to raw captures folded in
    // on a second thread; since each layer's run right after it and reach JavaScript in one
    // output, they win there too, and leave the second core to the editor. `npm run bench`,
    // capture / plain on wasm, raw → in the graph: ResNet-50 1.31–1.34× → 1.05×, ResNet-18
    // 1.07–1.15× → 1.02–1.04×, MobileNetV2 ×0.25 1.34–1.56× → 1.32–1.33×, digits CNN
    // 1.86–2.08× → 1.85–2.12×.
    const engine = model.format === 'onnx' ? chooseEngine(opts) : undefined;
    const graphStats = opts.graphStats ?? engine !== undefined;
    // On the native runtime, onnxruntime's own shape inference first (activationShapes.ts): image
    // layers whose sizes it knows get statistics that leave its blocked layout alone.
    const probe = engine === 'native' && !opts.everyNode && graphStats && model.graph.nodes.length <= PROBE_MAX_NODES && layers.some(gridCandidate);
    const probed = probe ? await probeActivationShapes(model.path, layers.map((l) => l.output), hasExternalData(model)) : {};
    const wanted = engine && !opts.everyNode && graphStats ? planGraphStats(model, layers, probed.shapes, plannedBatch(opts, layers, probed.shapes)) : undefined;
    if (needsStatsThread(wanted)) statsWorker = startStatsThread(statsWorkerEntry, opts.statsThread ?? true);
    let { backend, plan } = await createBackendWithPlan(model, layers, opts, wanted, probed.byReference);
    if (!statsWorker && needsStatsThread(plan)) statsWorker = startStatsThread(statsWorkerEntry, opts.statsThread ?? true);
    await opts.onPhase?.('running', model);
    try {
      try {
        return await measure(model, backend, layers, opts, t0, statsWorker, plan);
      } catch (e) {
        if (!(e instanceof NonFiniteStatistics)) throw e;
        // NaN or infinities in an output: measure again from raw outputs, where each value is
        // checked (and NaN/±Infinity kept out of moments, range and histogram).
        opts.onNote?.(`${e.layer}: its output holds NaN or infinite values; measuring again from the raw outputs`);
        await backend.dispose();
        ({ backend, plan } = await createBackendWithPlan(model, layers, opts, undefined, probed.byReference));
        return await measure(model, backend, layers, opts, t0, startStatsThread(statsWorkerEntry, opts.statsThread ?? true), plan);
      }
    } finally {
      await backend.dispose();
    }
  } finally {
    void statsWorker?.terminate();
  }
}

function hasExternalData(model: Model): boolean {
  return model.graph.initializers.some((t) => t.location === 'external');
}

/** The samples per inference call the run will use, for the in-graph sample's size: the batch
 *  size asked for, else the automatic one (measureWith) estimated from the activations' known
 *  shapes, else 8. */
function plannedBatch(opts: RunOptions, layers: readonly ActivationLayer[], shapes: ActivationShapes | undefined): number {
  if (opts.batchSize) return opts.batchSize;
  let bytes = 0;
  for (const l of layers) {
    const dims = shapes?.get(l.output)?.slice(1);
    if (!dims || !dims.every((d): d is number => typeof d === 'number' && d > 0)) return 8;
    bytes += 4 * dims.reduce((a, b) => a * b, 1);
  }
  return bytes ? autoBatchSize(bytes) : 8;
}

/** native unless asked for wasm or the native binary does not load here (auto says why, once). */
function chooseEngine(opts: RunOptions): 'native' | 'wasm' {
  const choice = opts.backend ?? defaultBackendChoice();
  if (choice !== 'auto') return choice;
  const native = loadNativeOrt();
  if (native.ort) return 'native';
  if (!notedFallback.has(opts)) {
    notedFallback.add(opts);
    opts.onNote?.(`running on onnxruntime-web (wasm): ${native.reason}`);
  }
  return 'wasm';
}
const notedFallback = new WeakSet<RunOptions>();

/** ACTIVATION_LENS_BACKEND=wasm|native sets the default for runs that do not choose (e.g. the
 *  whole test suite on the wasm runtime: `ACTIVATION_LENS_BACKEND=wasm npm run test:unit`). */
export const BACKEND_ENV = 'ACTIVATION_LENS_BACKEND';

function defaultBackendChoice(): BackendChoice {
  const v = process.env[BACKEND_ENV];
  return v === 'native' || v === 'wasm' ? v : 'auto';
}

/** Raised when in-graph statistics meet a non-finite value: the run is measured again raw. */
class NonFiniteStatistics extends Error {
  constructor(readonly layer: string) {
    super(`${layer}: non-finite in-graph statistics`);
  }
}

/** The backend with in-graph statistics when the plan loads, else with raw captures: a model
 *  the statistics ops do not fit (a float16 activation, an unusual rank) still runs. */
async function createBackendWithPlan(model: Model, layers: ActivationLayer[], opts: RunOptions, plan: GraphStatsPlan | undefined, byReference?: WeightsByReference): Promise<{ backend: Backend; plan: GraphStatsPlan | undefined }> {
  if (plan) {
    try {
      return { backend: await createBackend(model, layers, opts, plan, byReference), plan };
    } catch (e) {
      if (!(e instanceof ModelError) || /native backend is not available|wasm runtime's 4 GiB/.test(e.message)) throw e;
    }
  }
  return { backend: await createBackend(model, layers, opts, undefined, byReference), plan: undefined };
}

async function createBackend(model: Model, layers: ActivationLayer[], opts: RunOptions, plan?: GraphStatsPlan, byReference?: WeightsByReference): Promise<Backend> {
  if (model.format === 'onnx') {
    const initializerNames = new Set(model.graph.initializers.map((t) => t.name));
    const engine = chooseEngine(opts);
    return OnnxBackend.create(model.path, {
      engine,
      capture: layers.filter((_, i) => !plan?.layers[i]).map((l) => l.output),
      appendGraph: plan?.graph,
      byReference,
      initializerNames,
      hasExternalData: hasExternalData(model),
      modelOutputs: model.graph.outputs.map((o) => o.name),
      threads: opts.threads ?? (engine === 'native' ? Math.max(1, defaultNativeThreads() - (opts.spareCores ?? 0)) : undefined),
    });
  }
  if (model.format === 'tfjs-layers' || model.format === 'tfjs-graph') {
    if (opts.backend === 'native') opts.onNote?.('TF.js models run on TensorFlow.js (wasm); --backend native applies to ONNX models');
    return TfjsBackend.create(model, layers, opts);
  }
  throw new ModelError(`${model.path}: a ${model.format} file holds no graph to run`);
}

async function measure(model: Model, backend: Backend, layers: ActivationLayer[], opts: RunOptions, t0: number, statsWorker: Worker | undefined, plan: GraphStatsPlan | undefined): Promise<RunResult> {
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
  // With in-graph statistics only a few numbers per unit and one sample per batch remain, which
  // take less time here than a hand-off to the statistics thread and back (measured on the digits
  // CNN, 64 samples per call: the round trip left the run thread idle 4 ms per batch).
  const inGraph = !!plan && plan.layers.every((p) => p);
  if (inGraph) void statsWorker?.terminate();
  const sink = createSink(
    { layers: layers.map((l) => ({ node: l.node, op: l.op, output: l.output, layout: l.layout })), batchable, formatLayout, bins: opts.bins ?? DEFAULT_BINS },
    inGraph ? undefined : statsWorker,
  );
  try {
    return await measureWith(model, backend, layers, opts, t0, resolution, inputs, source, batchable, sink, plan);
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
  plan: GraphStatsPlan | undefined,
): Promise<RunResult> {
  const loopStart = performance.now();
  const cpuStart = process.cpuUsage();
  let warmupMs = 0, warmupCpuMs = 0;
  // A model without activations still runs (its inputs are checked); it then fetches its outputs.
  const raw = layers.filter((_, i) => !plan?.layers[i]).map((l) => l.output);
  const fetch = plan ? [plan.output, ...raw] : layers.length ? raw : backend.outputs.slice(0, 1);
  let sampledAt = -Infinity;
  let sampleValues: number | undefined;
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
    const takeSample = samplesDone - sampledAt >= DISTRIBUTION_EVERY || (sampleValues !== undefined && sampleValues <= CHEAP_SAMPLE_VALUES);
    if (takeSample) sampledAt = samplesDone;
    if (opts.warmup && samplesDone === 0) {
      // Untimed: neither its wall nor its CPU time counts in measureMs/measureCpuMs.
      const w0 = performance.now(), c0 = process.cpuUsage();
      await runOrExplain(model, backend, feeds, fetch);
      const c = process.cpuUsage(c0);
      warmupMs += performance.now() - w0;
      warmupCpuMs += (c.user + c.system) / 1000;
    }
    const ti = performance.now();
    const out = await runOrExplain(model, backend, feeds, fetch);
    inferenceMs += performance.now() - ti;
    const values = plan ? unbundle(plan, out[plan.output], n) : [];
    sampleValues ??= plan ? values.reduce((sum, v) => sum + (v?.sample.length ?? 0), 0) : undefined;
    let bytes = 0;
    const items: CapturedItem[] = [];
    layers.forEach((l, i) => {
      const stats = plan?.layers[i];
      if (stats) {
        // Grid layers' samples are small and spread over the batch: taken from every call.
        const item = partialsItem(stats, values[i]!, takeSample || !!stats.grid, n);
        if (!item) throw new NonFiniteStatistics(l.node);
        bytes += item.elements * 4;
        items.push({ layer: i, partials: item.partials });
        return;
      }
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
      batchSize = autoBatchSize(bytes / n);
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
  const measureMs = performance.now() - loopStart - warmupMs;
  const cpu = process.cpuUsage(cpuStart);
  cpu.user -= warmupCpuMs * 1000;
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
    backend: backend.backend,
    threads: backend.threads,
    measureMs: Math.round(measureMs),
    measureCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    activations,
    inputIdentity: inputIdentity({ ...opts, fed: inputs }),
  };
}

/** A layer's in-graph statistics for one batch, as the accumulator takes them (with its sample
 *  when `withSample`); undefined when a value is not finite. `elements` is the size of the
 *  layer's output (for the batch size). */
function partialsItem(stats: LayerStatsPlan, v: LayerStatsValues, withSample: boolean, samples: number): { partials: GraphPartials; elements: number } | undefined {
  const packed = v.packed;
  if (!allFinite(packed) || (v.extremes && !allFinite(v.extremes))) return undefined;
  const first = stats.layout === 'first';
  const elements = v.dims.reduce((a, b) => a * b, 1);
  // Channels first [N, C, …]: a slice per sample, K positions each; channels last: the batch is
  // one slice, with elements / C rows per unit.
  const units = v.dims[first ? 1 : v.dims.length - 1] ?? 1;
  const slices = first ? v.dims[0] : 1;
  const perSlice = first ? elements / Math.max(1, slices * units) : elements / Math.max(1, units);
  const partials: GraphPartials = {
    units,
    unitAxis: first ? 1 : v.dims.length - 1,
    slices,
    perSlice,
    means: first,
    packed,
    // Grid layers: [N, 2C] (the two pools joined along channels); others statistic-major.
    sliceStride: stats.grid ? GRID_STATS * units : units,
    jStride: stats.grid ? units : slices * units,
    // Grid layers carry each unit's maximum; the others the layer's extremes.
    maxAt: stats.grid ? 1 : -1,
    max: v.extremes?.[0],
    min: stats.hasMin ? v.extremes?.[1] : undefined,
    negativesAt: stats.hasNegatives ? 1 : -1,
    zerosFirst: !!stats.grid,
    sample: withSample ? v.sample : undefined,
    sampleSamples: v.sampleSamples,
    samples,
  };
  return { partials, elements };
}

/** Runs a batch; a failed allocation is explained with the node's output shape where the graph
 *  fixes it ("node 'Expand_0' (Expand) would produce shape [1048576, 1048576, 4]: 16 TiB"). */
async function runOrExplain(model: Model, backend: Backend, feeds: Record<string, HostTensor>, fetch: readonly string[]): Promise<Record<string, HostTensor>> {
  try {
    return await backend.run(feeds, fetch);
  } catch (e) {
    const failure = (e as RunModelError).failure;
    const tooLarge = failure && (failure.allocationBytes !== undefined || /too large to address/.test(failure.problem));
    if (!failure || !tooLarge) throw e;
    // onnxruntime-web's messages do not name the node: then the op whose constant output shape
    // is the largest in the graph is the one that asked (the only kind that can ask for this much).
    const sized = (await findRunHazards(model)).filter((h) => h.kind === 'size' && h.shape && (!failure.node || h.node === failure.node));
    const hazard = sized[0];
    if (!hazard?.shape) throw e;
    const elements = hazard.shape.reduce((a, b) => a * b, 1);
    const bytes = failure.allocationBytes ?? elements * 4;
    const limit = failure.engine === 'wasm' ? "the wasm runtime's 4 GiB memory" : 'this machine can give';
    const others = sized.length > 1 ? ` (the largest of ${sized.length} such ops)` : '';
    throw modelErrorWithRaw(`${model.path}: node '${hazard.node}' (${hazard.op}) would produce shape [${hazard.shape.join(', ')}]: ${formatSize(bytes)}, more than ${limit}${others}`, failure.raw, failure);
  }
}

/** A size the user gave for the batch axis (--dim batch=8) is the samples per call. */
function batchDimGiven(backend: Backend, dims: Record<string, number>): number | undefined {
  for (const inp of backend.inputs) {
    const d = inp.shape[0];
    if (typeof d === 'string' && dims[d] !== undefined && dims[d] > 0) return dims[d];
  }
  return undefined;
}

