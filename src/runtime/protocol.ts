// Messages between the extension host and the runtime worker thread (src/runtime/worker.ts).
import type { RunOptions, RunProgress, RunResult } from './runActivations';

/** RunOptions without the callbacks and the signal, which cannot cross threads. */
export type WorkerRunOptions = Omit<RunOptions, 'signal' | 'onProgress' | 'onNote'>;

export type ToWorker =
  | { type: 'run'; id: number; modelPath: string; options: WorkerRunOptions }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: RunProgress }
  | { type: 'note'; id: number; message: string }
  | { type: 'result'; id: number; result: RunResult }
  | { type: 'error'; id: number; kind: 'model' | 'cancelled' | 'internal'; message: string };
