// The runtime worker thread: same results as an in-process run, progress while running, and a
// cancel that stops the run promptly.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runInWorker } from '../../src/runtime/client';
import { RunCancelledError } from '../../src/runtime/cancel';
import { runActivations, type RunProgress } from '../../src/runtime/runActivations';
import { ModelError } from '../../src/core/model';
import { ROOT } from '../support/cli';

const MODEL = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');

describe('run: worker thread', function () {
  this.timeout(60000);

  it('gives the same statistics as an in-process run and reports progress', async () => {
    const progress: RunProgress[] = [];
    const opts = { samples: 40, seed: 9, batchSize: 8 };
    const inWorker = await runInWorker(MODEL, opts, { onProgress: (p) => progress.push(p) });
    const inProcess = await runActivations(MODEL, opts);
    assert.deepEqual(inWorker.layers.map((l) => ({ ...l, timeMs: 0 })), inProcess.layers.map((l) => ({ ...l, timeMs: 0 })));
    assert.deepEqual(progress.map((p) => p.samplesDone), [8, 16, 24, 32, 40]);
    assert.equal(progress.at(-1)!.samplesTotal, 40);
  });

  it('statistics computed on the statistics thread equal those computed on the run thread', async () => {
    const opts = { inputs: path.join(ROOT, 'test/fixtures/dead-cnn/inputs.npy'), batchSize: 32 };
    const threaded = await runActivations(MODEL, { ...opts, statsThread: true });
    const inThread = await runActivations(MODEL, { ...opts, statsThread: false });
    assert.deepEqual(threaded.layers.map((l) => ({ ...l, timeMs: 0 })), inThread.layers.map((l) => ({ ...l, timeMs: 0 })));
  });

  it('stops a long run within seconds of cancelling', async () => {
    const controller = new AbortController();
    let seen = 0;
    const t0 = Date.now();
    const run = runInWorker(MODEL, { samples: 10_000_000, batchSize: 4 }, {
      signal: controller.signal,
      onProgress: (p) => {
        seen = p.samplesDone;
        if (seen >= 40) controller.abort();
      },
    });
    await assert.rejects(run, (e: Error) => e instanceof RunCancelledError);
    assert.ok(Date.now() - t0 < 20000);
    assert.ok(seen >= 40 && seen < 10_000_000);
  });

  it('passes a bad model as a ModelError naming the file', async () => {
    await assert.rejects(runInWorker(path.join(ROOT, 'package.json'), { samples: 1 }), (e: Error) => e instanceof ModelError && e.message.includes('package.json'));
  });
});
