// The runtime worker thread: runs models off the extension host's main thread so VS Code stays
// responsive. Bundled to dist/runtime-worker.js. One message API: run, cancel (src/runtime/protocol.ts).
import { parentPort } from 'node:worker_threads';
import { ModelError } from '../core/model';
import { RunCancelledError } from './cancel';
import type { FromWorker, ToWorker } from './protocol';
import { runActivations } from './runActivations';

const port = parentPort;
const running = new Map<number, AbortController>();

function send(msg: FromWorker): void {
  port?.postMessage(msg);
}

async function handleRun(msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running.set(msg.id, controller);
  try {
    const result = await runActivations(msg.modelPath, {
      ...msg.options,
      signal: controller.signal,
      onProgress: (progress) => send({ type: 'progress', id: msg.id, progress }),
      onNote: (message) => send({ type: 'note', id: msg.id, message }),
    });
    send({ type: 'result', id: msg.id, result });
  } catch (e) {
    const kind = e instanceof RunCancelledError ? 'cancelled' : e instanceof ModelError ? 'model' : 'internal';
    send({ type: 'error', id: msg.id, kind, message: e instanceof Error ? (kind === 'internal' ? e.stack ?? e.message : e.message) : String(e) });
  } finally {
    running.delete(msg.id);
  }
}

port?.on('message', (msg: ToWorker) => {
  if (msg.type === 'run') void handleRun(msg);
  else if (msg.type === 'cancel') running.get(msg.id)?.abort();
});
