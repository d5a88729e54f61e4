// The runtime child's memory limit and orphan check, on a thread of its own: onnxruntime-node runs
// a model synchronously on the child's main thread, so only another thread can notice, while an
// operator runs, that memory passed the limit (a terabyte Expand on an overcommitting system) or
// that the supervisor is gone. It then writes one marker line to stderr and kills the process;
// the supervisor turns that into a clean error.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Model } from '../core/model';
import { MEMORY_LIMIT_MARKER } from './protocol';

/** Memory every run may use besides its weights: JS heap, runtime arenas, activations of a batch
 *  (the automatic batch size aims at 128 MB of captured values) and the statistics in flight. */
const BASE_BYTES = 1.5 * 2 ** 30;
const POLL_MS = 20;

/** What the watchdog measures: on Linux the anonymous resident memory (RssAnon), so memory-mapped
 *  weights, which the kernel can drop and re-read, do not count; elsewhere the resident set. */
export const MEASURES_ANONYMOUS = process.platform === 'linux';

/** The default limit for a model: the base, three copies of its inline weights (file bytes, the
 *  runtime's copy, a wasm copy) and of external data (read into memory on wasm, pre-packed on
 *  native), plus — where the resident set is measured — the mapped external data once more;
 *  never more than 80% of the machine's memory. */
export function defaultMemoryLimit(model: Model): number {
  let fileBytes = 0;
  try {
    fileBytes = fs.statSync(model.path).size;
  } catch {
    // unreadable files fail later with their own error
  }
  let shardBytes = 0, externalBytes = 0;
  for (const t of model.graph.initializers) {
    if (t.location === 'shard') shardBytes += t.byteSize ?? 0;
    else if (t.location === 'external') externalBytes += t.byteSize ?? 0;
  }
  const limit = BASE_BYTES + 3 * (fileBytes + shardBytes + externalBytes) + (MEASURES_ANONYMOUS ? 0 : externalBytes);
  return Math.min(limit, Math.max(BASE_BYTES, 0.8 * os.totalmem()));
}

/** Memory the watchdog counts for this process, in bytes. */
export function measuredMemory(): number {
  if (MEASURES_ANONYMOUS) {
    try {
      const m = /RssAnon:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {
      // fall back to the resident set
    }
  }
  return process.memoryUsage.rss();
}

/** Starts the watchdog thread; it lives until the process ends. */
export function startMemoryWatchdog(limitBytes: number, parentPid: number): Worker {
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { limitBytes, parentPid, marker: MEMORY_LIMIT_MARKER, anonymous: MEASURES_ANONYMOUS, pollMs: POLL_MS } });
  worker.unref();
  return worker;
}

// Plain JavaScript so it runs as an eval worker from the bundles and from sources alike.
const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const { limitBytes, parentPid, marker, anonymous, pollMs } = workerData;
function used() {
  if (anonymous) {
    try {
      const m = /RssAnon:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {}
  }
  return process.memoryUsage.rss();
}
function orphaned() {
  if (process.ppid !== parentPid) return true;
  try { process.kill(parentPid, 0); return false; } catch (e) { return e.code === 'ESRCH'; }
}
let tick = 0;
setInterval(() => {
  const bytes = used();
  if (bytes > limitBytes) {
    try { fs.writeSync(2, '\\n' + marker + ' ' + bytes + ' ' + limitBytes + '\\n'); } catch {}
    process.kill(process.pid, 'SIGKILL');
  }
  if (++tick % 25 === 0 && orphaned()) process.kill(process.pid, 'SIGKILL');
}, pollMs);
`;
