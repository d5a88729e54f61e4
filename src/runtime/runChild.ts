// The runtime child process (bundled to dist/runtime-child.js): runs one model for a supervisor
// (src/runtime/runProcess.ts) and sends back progress, notes and the finished statistics. Native
// code that crashes or runs out of memory ends this process, not the CLI or the extension host.
// Statistics are computed here (on this process's statistics thread); tensors never leave it.
import { ModelError } from '../core/model';
import { RunCancelledError } from './cancel';
import { defaultMemoryLimit, startMemoryWatchdog } from './memoryWatchdog';
import type { FromChild, ToChild } from './protocol';
import { runActivations } from './runActivations';
import { findRunHazards } from './runHazards';

function send(msg: FromChild): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function handleRun(msg: ToChild): Promise<void> {
  const parentPid = process.ppid;
  let watchdogStarted = false;
  const startWatchdog = (limit: number): void => {
    if (watchdogStarted) return;
    watchdogStarted = true;
    startMemoryWatchdog(limit, parentPid);
  };
  if (msg.memoryLimitBytes) startWatchdog(msg.memoryLimitBytes);
  try {
    const result = await runActivations(msg.modelPath, {
      ...msg.options,
      onProgress: (progress) => void send({ type: 'progress', progress }),
      onNote: (message) => void send({ type: 'note', message }),
      onPhase: async (phase, model) => {
        if (phase === 'loading') {
          const limit = msg.memoryLimitBytes ?? defaultMemoryLimit(model);
          startWatchdog(limit);
          await send({ type: 'phase', phase, hazards: await findRunHazards(model), memoryLimitBytes: limit });
        } else {
          await send({ type: 'phase', phase });
          crashForTest(msg.crash);
        }
      },
    });
    await send({ type: 'result', result });
  } catch (e) {
    const kind = e instanceof RunCancelledError ? 'cancelled' : e instanceof ModelError ? 'model' : 'internal';
    const message = e instanceof Error ? (kind === 'internal' ? e.stack ?? e.message : e.message) : String(e);
    await send({ type: 'error', kind, message, raw: (e as { raw?: string }).raw });
  }
}

/** Test hook (ACTIVATION_LENS_TEST_CHILD_CRASH in the supervisor): fail the way native code can. */
function crashForTest(how: ToChild['crash']): void {
  if (how === 'abort') process.abort();
  else if (how === 'exit') process.exit(70);
  else if (how === 'hang') for (;;);
}

process.on('message', (msg: ToChild) => {
  if (msg?.type !== 'run') return;
  void handleRun(msg).finally(() => {
    process.disconnect?.();
    // Let the last message flush, then end even if a runtime left threads or handles behind.
    setTimeout(() => process.exit(0), 50);
  });
});
// Ctrl+C in a terminal reaches the whole process group: the supervisor decides (and kills us).
process.on('SIGINT', () => undefined);
// The supervisor going away ends the run.
process.on('disconnect', () => setTimeout(() => process.exit(0), 50));
