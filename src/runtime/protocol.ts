// Messages between a supervisor (the CLI or the extension host) and the runtime child process
// (src/runtime/runChild.ts). Only options, progress, notes and the finished statistics cross the
// process boundary — never tensors.
import type { RunHazard } from './runHazards';
import type { RunOptions, RunProgress, RunResult } from './runActivations';

/** RunOptions without the callbacks and the signal, which cannot cross processes. */
export type ChildRunOptions = Omit<RunOptions, 'signal' | 'onProgress' | 'onNote' | 'onPhase'>;

export interface ChildRunRequest {
  type: 'run';
  modelPath: string;
  options: ChildRunOptions;
  /** Memory the child may use (anonymous memory on Linux, resident set elsewhere) before it is
   *  stopped; computed from the model's size when absent. */
  memoryLimitBytes?: number;
  /** Test hook: make the child crash in the given way once the run starts. */
  crash?: 'abort' | 'exit' | 'hang';
}

export type ToChild = ChildRunRequest;

export type RunPhase = 'loading' | 'running';

export type FromChild =
  | { type: 'phase'; phase: RunPhase; hazards?: RunHazard[]; memoryLimitBytes?: number; samplesTotal?: number }
  | { type: 'progress'; progress: RunProgress }
  | { type: 'note'; message: string }
  | { type: 'result'; result: RunResult }
  | { type: 'error'; kind: 'model' | 'cancelled' | 'internal'; message: string; raw?: string };

/** A line the child's memory watchdog writes to stderr just before it kills the child. */
export const MEMORY_LIMIT_MARKER = '@@activation-lens: memory limit';
