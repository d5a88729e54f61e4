// Runs a model in a worker thread and reports progress; cancelling asks the worker to stop after
// the current batch and terminates it if it does not answer promptly (a long single inference).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ModelError } from '../core/model';
import { RunCancelledError } from './cancel';
import type { FromWorker, ToWorker, WorkerRunOptions } from './protocol';
import type { RunProgress, RunResult } from './runActivations';

export interface WorkerRunHandlers {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  onNote?: (message: string) => void;
}

/** How long a cancelled run may take to stop by itself before its worker is terminated. */
const CANCEL_GRACE_MS = 1500;

/** A worker script: the bundle next to the running bundle (dist/), or from sources (tests) the
 *  .ts file through tsx. */
function entry(bundle: string, source: string): { file: string; execArgv: string[] } {
  const bundled = path.join(__dirname, bundle);
  if (fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  const src = path.join(__dirname, source);
  if (fs.existsSync(src)) return { file: src, execArgv: ['--require', 'tsx/cjs'] };
  throw new Error(`${bundle} not found next to ${__dirname}`);
}

/** The run worker (src/runtime/worker.ts → dist/runtime-worker.js). */
export function workerEntry(): { file: string; execArgv: string[] } {
  return entry('runtime-worker.js', 'worker.ts');
}

/** The statistics thread (src/runtime/statsWorker.ts → dist/stats-worker.js). */
export function statsWorkerEntry(): { file: string; execArgv: string[] } {
  return entry('stats-worker.js', 'statsWorker.ts');
}

let nextId = 1;

/** Runs `modelPath` in a fresh worker thread (its memory is returned when it ends). */
export function runInWorker(modelPath: string, options: WorkerRunOptions, handlers: WorkerRunHandlers = {}): Promise<RunResult> {
  const { file, execArgv } = workerEntry();
  const id = nextId++;
  return new Promise<RunResult>((resolve, reject) => {
    if (handlers.signal?.aborted) return reject(new RunCancelledError());
    const worker = new Worker(file, { execArgv });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      handlers.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      fn();
    };
    const onAbort = (): void => {
      worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
      killTimer = setTimeout(() => finish(() => reject(new RunCancelledError())), CANCEL_GRACE_MS);
    };
    handlers.signal?.addEventListener('abort', onAbort);
    worker.on('message', (msg: FromWorker) => {
      if (msg.id !== id) return;
      if (msg.type === 'progress') handlers.onProgress?.(msg.progress);
      else if (msg.type === 'note') handlers.onNote?.(msg.message);
      else if (msg.type === 'result') finish(() => resolve(msg.result));
      else if (msg.type === 'error') {
        const err = msg.kind === 'cancelled' ? new RunCancelledError() : msg.kind === 'model' ? new ModelError(msg.message) : new Error(msg.message);
        finish(() => reject(err));
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(handlers.signal?.aborted ? new RunCancelledError() : new Error(`the runtime worker exited (code ${code})`))));
    worker.postMessage({ type: 'run', id, modelPath, options } satisfies ToWorker);
  });
}
