// Where captured batches go to become statistics: folded in on this thread, or on a second
// thread (statsThread.ts) so they are computed while the next batch is inferred.
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LayerActivationStats } from '../analysis/activationStats';
import { LayerAccumulator, type GraphPartials } from './statsAccumulator';
import { unitAxisFor, type ChannelLayout } from './unitAxis';

export interface LayerSpec {
  node: string;
  op: string;
  output: string;
  layout: ChannelLayout | undefined;
}

export interface SinkConfig {
  layers: LayerSpec[];
  /** The run stacks samples on axis 0, so a vector output is one unit, not one per sample. */
  batchable: boolean;
  formatLayout: ChannelLayout;
  bins: number;
}

/** A layer's batch: its raw output, or its in-graph statistics (src/runtime/graphStats.ts). */
export type CapturedItem =
  | { layer: number; dims: number[]; data: Float32Array | Float64Array; samples: number; partials?: undefined }
  | { layer: number; partials: GraphPartials };

function addItem(accs: LayerAccumulator[], it: CapturedItem): void {
  if (it.partials) accs[it.layer].addPartials(it.partials);
  else accs[it.layer].add(it.dims, it.data, it.samples);
}


export interface StatsSink {
  /** Takes ownership of the items' arrays. Resolves when the sink can take more (backpressure). */
  add(items: CapturedItem[]): Promise<void>;
  finish(): Promise<LayerActivationStats[]>;
  dispose(): void;
}

export { addItem };

export function makeAccumulators(cfg: SinkConfig): LayerAccumulator[] {
  return cfg.layers.map(
    (l) => new LayerAccumulator({ node: l.node, op: l.op, output: l.output }, (rank) => (rank === 1 && cfg.batchable ? -1 : unitAxisFor(l.layout, rank, cfg.formatLayout)), cfg.bins),
  );
}

export class InThreadSink implements StatsSink {
  private readonly accs: LayerAccumulator[];
  constructor(cfg: SinkConfig) {
    this.accs = makeAccumulators(cfg);
  }
  async add(items: CapturedItem[]): Promise<void> {
    for (const it of items) addItem(this.accs, it);
  }
  async finish(): Promise<LayerActivationStats[]> {
    return this.accs.map((a) => a.result());
  }
  dispose(): void {}
}

export type ToStats =
  | { type: 'init'; cfg: SinkConfig }
  | { type: 'batch'; seq: number; items: CapturedItem[] }
  | { type: 'finish' };

export type FromStats = { type: 'ack'; seq: number } | { type: 'results'; stats: LayerActivationStats[] } | { type: 'error'; message: string };

/** Batches whose statistics may be pending at once: bounds memory to about two batches' captures. */
const MAX_IN_FLIGHT = 2;

export class ThreadSink implements StatsSink {
  private seq = 0;
  private acked = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | undefined;
  private resultsPromise: Promise<LayerActivationStats[]>;
  private resolveResults!: (s: LayerActivationStats[]) => void;
  private rejectResults!: (e: Error) => void;

  constructor(private readonly worker: Worker, cfg: SinkConfig) {
    this.resultsPromise = new Promise((res, rej) => {
      this.resolveResults = res;
      this.rejectResults = rej;
    });
    this.resultsPromise.catch(() => undefined);
    worker.on('message', (m: FromStats) => {
      if (m.type === 'ack') {
        this.acked = m.seq;
        this.wake();
      } else if (m.type === 'results') this.resolveResults(m.stats);
      else this.fail(new Error(m.message));
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the statistics thread exited (code ${code})`)));
    worker.postMessage({ type: 'init', cfg } satisfies ToStats);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.rejectResults(e);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async add(items: CapturedItem[]): Promise<void> {
    if (this.failure) throw this.failure;
    const transfer = new Set<ArrayBuffer>();
    // Transfer owned buffers; copy views into larger buffers (a part cannot be transferred).
    const own = <T extends Float32Array | Float64Array>(a: T): T => {
      const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer && !transfer.has(a.buffer);
      const out = (whole ? a : a.slice()) as T;
      transfer.add(out.buffer as ArrayBuffer);
      return out;
    };
    const sendable = items.map((it): CapturedItem => {
      if (!it.partials) return { ...it, data: own(it.data) };
      const p = it.partials;
      return {
        layer: it.layer,
        partials: { ...p, packed: own(p.packed), sample: p.sample && own(p.sample) },
      };
    });
    this.worker.postMessage({ type: 'batch', seq: ++this.seq, items: sendable } satisfies ToStats, [...transfer]);
    while (!this.failure && this.seq - this.acked >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  async finish(): Promise<LayerActivationStats[]> {
    if (this.failure) throw this.failure;
    this.worker.postMessage({ type: 'finish' } satisfies ToStats);
    return this.resultsPromise;
  }

  dispose(): void {
    void this.worker.terminate();
  }
}

/** Starts the statistics thread early (its start-up then overlaps loading the model) when the
 *  machine has a core to spare for it; undefined means statistics are computed on this thread. */
export function startStatsThread(entry: () => { file: string; execArgv: string[] }, allow: boolean): Worker | undefined {
  if (!allow || os.cpus().length < 2) return undefined;
  try {
    const { file, execArgv } = entry();
    const worker = new Worker(file, { execArgv });
    return worker;
  } catch {
    return undefined; // no worker file (an unusual bundle): compute here
  }
}

export function createSink(cfg: SinkConfig, worker: Worker | undefined): StatsSink {
  return worker ? new ThreadSink(worker, cfg) : new InThreadSink(cfg);
}
