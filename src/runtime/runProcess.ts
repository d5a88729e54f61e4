// Runs a model in a supervised child process (src/runtime/runChild.ts), for the CLI and the
// extension host alike. Whatever happens in the child — a crash in native code, an abort, the
// memory watchdog's kill, an endless operator — this side ends the run with one clean error
// naming the model. Cancel and the time limit kill the child at once, even inside one operator.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { RunCancelledError } from './cancel';
import { childEntry } from './client';
import { modelErrorWithRaw } from './ortErrors';
import { MEMORY_LIMIT_MARKER, type ChildRunOptions, type ChildRunRequest, type FromChild } from './protocol';
import type { RunProgress, RunResult } from './runActivations';
import { crashMessage, memoryMessage, parseMemoryMarker, timeoutMessage, type RunState } from './runFailure';

export interface SupervisedRunOptions extends ChildRunOptions {
  /** Stop the run after this many seconds (0 or absent: no limit). */
  timeoutSeconds?: number;
  /** Memory the child may use before it is stopped (default: from the model's size). */
  memoryLimitMB?: number;
}

export interface SupervisedRunHandlers {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  onNote?: (message: string) => void;
}

/** Test hook: the child crashes this way once the model is loaded ('abort', 'exit' or 'hang'). */
export const CHILD_CRASH_ENV = 'ACTIVATION_LENS_TEST_CHILD_CRASH';

const STDERR_KEEP = 64 * 1024;

export function runSupervised(modelPath: string, options: SupervisedRunOptions, handlers: SupervisedRunHandlers = {}): Promise<RunResult> {
  const { timeoutSeconds, memoryLimitMB, ...runOptions } = options;
  const model = path.resolve(modelPath);
  const t0 = performance.now();
  return new Promise<RunResult>((resolve, reject) => {
    if (handlers.signal?.aborted) return reject(new RunCancelledError());
    const { file, execArgv } = childEntry();
    let child: ChildProcess;
    try {
      child = fork(file, [], {
        execArgv,
        // VS Code's extension host runs in Electron: this makes its binary behave as plain Node.
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
    } catch (e) {
      return reject(new Error(`cannot start the runtime process: ${(e as Error).message}`));
    }
    const state: RunState = { phase: 'starting', hazards: [], samplesDone: 0 };
    let stderr = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let stopReason: 'timeout' | 'cancel' | undefined;

    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      handlers.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fn();
    };
    const stop = (reason: 'timeout' | 'cancel'): void => {
      stopReason ??= reason;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => {
      stop('cancel');
      finish(() => reject(new RunCancelledError()));
    };
    handlers.signal?.addEventListener('abort', onAbort);
    if (timeoutSeconds && timeoutSeconds > 0) {
      timer = setTimeout(() => {
        stop('timeout');
        finish(() => reject(modelErrorWithRaw(timeoutMessage(model, timeoutSeconds, state), stderr.trim() || undefined)));
      }, timeoutSeconds * 1000);
    }

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    child.on('message', (msg: FromChild) => {
      if (msg.type === 'phase') {
        state.phase = msg.phase;
        if (msg.hazards) state.hazards = msg.hazards;
      } else if (msg.type === 'progress') {
        state.samplesDone = msg.progress.samplesDone;
        state.samplesTotal = msg.progress.samplesTotal;
        handlers.onProgress?.(msg.progress);
      } else if (msg.type === 'note') handlers.onNote?.(msg.message);
      else if (msg.type === 'result') finish(() => resolve({ ...msg.result, totalMs: Math.round(performance.now() - t0) }));
      else if (msg.type === 'error') {
        const err =
          msg.kind === 'cancelled' ? new RunCancelledError() : msg.kind === 'model' ? modelErrorWithRaw(msg.message, msg.raw) : new Error(`the runtime process failed: ${msg.message}`);
        finish(() => reject(err));
      }
    });
    child.on('error', (e) => finish(() => reject(new Error(`the runtime process failed to start: ${e.message}`))));
    // 'close' (not 'exit'): stderr has been read to its end, so the watchdog's marker is in it.
    child.on('close', (code, signal) => {
      if (settled) return;
      if (stopReason === 'cancel') return finish(() => reject(new RunCancelledError()));
      const memory = parseMemoryMarker(stderr, MEMORY_LIMIT_MARKER);
      const message = memory ? memoryMessage(model, memory.used, memory.limit, state) : crashMessage(model, code, signal, stderr, state);
      finish(() => reject(modelErrorWithRaw(message, stderr.trim() || undefined)));
    });

    const request: ChildRunRequest = {
      type: 'run',
      modelPath: model,
      options: runOptions,
      memoryLimitBytes: memoryLimitMB ? memoryLimitMB * 2 ** 20 : undefined,
      crash: crashHook(),
    };
    child.send(request);
  });
}

function crashHook(): ChildRunRequest['crash'] {
  const v = process.env[CHILD_CRASH_ENV];
  return v === 'abort' || v === 'exit' || v === 'hang' ? v : undefined;
}

