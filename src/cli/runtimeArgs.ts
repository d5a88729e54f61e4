// The runtime options `run` and `scan` share: which backend, threads, time and memory limits,
// and --verbose for onnxruntime's raw messages.
import type { BackendChoice } from '../runtime/runActivations';
import type { SupervisedRunOptions } from '../runtime/runProcess';
import { CliUsageError, intOption, type ParsedArgs } from './args';

export const RUNTIME_OPTIONS = ['backend', 'threads', 'timeout', 'memory-limit'];
export const RUNTIME_FLAGS = ['verbose'];

export const RUNTIME_HELP = `  --backend B           auto (default): onnxruntime-node (native) when its binary loads here,
                        else onnxruntime-web (wasm) with a note; native; or wasm
  --threads N           compute threads (default: all cores on native, 1 on wasm)
  --timeout S           stop the run after S seconds, even inside one operator (exit 2)
  --memory-limit MB     stop the run when its process uses more (default: 1.5 GiB + 3× the weights)
  --verbose             show onnxruntime's own error text`;

export function runtimeOptions(args: ParsedArgs): Pick<SupervisedRunOptions, 'backend' | 'threads' | 'timeoutSeconds' | 'memoryLimitMB'> {
  const backend = args.options.get('backend') ?? 'auto';
  if (backend !== 'auto' && backend !== 'native' && backend !== 'wasm') throw new CliUsageError(`--backend must be auto, native or wasm, got '${backend}'`);
  const rawTimeout = args.options.get('timeout');
  let timeoutSeconds: number | undefined;
  if (rawTimeout !== undefined) {
    timeoutSeconds = Number(rawTimeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw new CliUsageError(`--timeout must be a number of seconds ≥ 0, got '${rawTimeout}'`);
  }
  return {
    backend: backend as BackendChoice,
    threads: args.options.has('threads') ? intOption(args, 'threads', 1, 1) : undefined,
    timeoutSeconds: timeoutSeconds || undefined,
    memoryLimitMB: args.options.has('memory-limit') ? intOption(args, 'memory-limit', 0, 64) : undefined,
  };
}

/** With --verbose, onnxruntime's raw text (or the runtime process's stderr) of a failed run. */
export function printRawOnVerbose(args: ParsedArgs, e: unknown): void {
  const raw = (e as { raw?: string } | undefined)?.raw;
  if (args.flags.has('verbose') && raw) process.stderr.write(`onnxruntime said:\n${raw.trimEnd()}\n`);
}
