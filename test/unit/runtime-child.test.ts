// The supervised runtime child process: the same statistics as an in-process run, progress,
// cancel and time limits that stop it even inside one operator, and crashes, memory blow-ups and
// terabyte allocations that end the run with one clean error naming the model — never the caller.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError } from '../../src/core/model';
import { RunCancelledError } from '../../src/runtime/cancel';
import { runActivations, type RunProgress } from '../../src/runtime/runActivations';
import { CHILD_CRASH_ENV, runSupervised } from '../../src/runtime/runProcess';
import { ensureBuilt, ROOT } from '../support/cli';
import { tmpDir } from '../support/onnxBuild';
import { writeEndlessLoop, writeExpandTo, writeResizeToTerabytes } from '../support/runHazardModels';

const MODEL = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
const withoutTime = (layers: { timeMs: number }[]) => layers.map((l) => ({ ...l, timeMs: 0 }));

describe('run: supervised child process', function () {
  this.timeout(120000);

  it('gives the same statistics as an in-process run, reports progress and the backend used', async () => {
    const progress: RunProgress[] = [];
    const opts = { samples: 40, seed: 9, batchSize: 8, backend: 'native' as const };
    const child = await runSupervised(MODEL, opts, { onProgress: (p) => progress.push(p) });
    const inProcess = await runActivations(MODEL, opts);
    // Counts are exact; values may differ in the last float bits between processes (onnxruntime's
    // thread pool splits the work differently), so the moments and histogram edges get a tolerance.
    const exact = (ls: typeof child.layers) => ls.map(({ node, units, unitAxis, deadUnits, activeRate, zeroFraction, samples, distributionSamples }) => ({ node, units, unitAxis, deadUnits, activeRate, zeroFraction, samples, distributionSamples }));
    assert.deepEqual(exact(child.layers), exact(inProcess.layers));
    child.layers.forEach((l, i) => {
      const q = inProcess.layers[i];
      for (const k of ['min', 'max', 'mean', 'std'] as const) assert.ok(Math.abs(l[k] - q[k]) <= 1e-5 * Math.max(1, Math.abs(q[k])), `${l.node} ${k}: ${l[k]} vs ${q[k]}`);
      assert.deepEqual(l.histogram.counts.reduce((a, b) => a + b, 0), q.histogram.counts.reduce((a, b) => a + b, 0));
    });
    assert.deepEqual(progress.map((p) => p.samplesDone), [8, 16, 24, 32, 40]);
    assert.equal(progress.at(-1)!.samplesTotal, 40);
    assert.equal(child.backend, 'native');
    assert.match(child.runtime, /^onnxruntime-node \d+\.\d+\.\d+ \(native, \d+ threads?\)$/);
  });

  it('statistics computed on the statistics thread equal those computed on the run thread', async () => {
    const opts = { inputs: path.join(ROOT, 'test/fixtures/dead-cnn/inputs.npy'), batchSize: 32 };
    const threaded = await runActivations(MODEL, { ...opts, statsThread: true });
    const inThread = await runActivations(MODEL, { ...opts, statsThread: false });
    assert.deepEqual(withoutTime(threaded.layers), withoutTime(inThread.layers));
  });

  it('cancelling kills the child at once, even inside one endless operator', async () => {
    const model = writeEndlessLoop(tmpDir());
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 3000);
    await assert.rejects(runSupervised(model, { samples: 1 }, { signal: controller.signal }), (e: Error) => e instanceof RunCancelledError);
    assert.ok(Date.now() - t0 < 6000, `took ${Date.now() - t0} ms`);
  });

  it('a time limit stops a Loop of 2^40 iterations and names the loop', async () => {
    const model = writeEndlessLoop(tmpDir());
    const t0 = Date.now();
    await assert.rejects(runSupervised(model, { samples: 1, timeoutSeconds: 3 }), (e: Error) => {
      assert.ok(e instanceof ModelError, String(e));
      assert.equal(e.message, `${model}: stopped after 3 s while running node 'spin' (Loop, 1,099,511,627,776 iterations)`);
      return true;
    });
    assert.ok(Date.now() - t0 < 10000, `took ${Date.now() - t0} ms`);
  });

  for (const backend of ['native', 'wasm'] as const) {
    it(`a terabyte Expand fails as one line naming the node, its op and the size (${backend})`, async () => {
      const model = writeExpandTo(tmpDir(), [1048576, 1048576, 4]);
      const limit = backend === 'wasm' ? "the wasm runtime's 4 GiB memory" : 'this machine can give';
      await assert.rejects(runSupervised(model, { samples: 1, backend }), (e: Error & { raw?: string }) => {
        assert.ok(e instanceof ModelError, String(e));
        assert.equal(e.message, `${model}: node 'Expand_0' (Expand) would produce shape [1048576, 1048576, 4]: 16 TiB, more than ${limit}`);
        assert.ok(e.raw && e.raw.length > 0, 'the raw onnxruntime text is kept for --verbose');
        return true;
      });
    });
  }

  it('a Resize to terabytes names the Resize node', async () => {
    const model = writeResizeToTerabytes(tmpDir());
    await assert.rejects(runSupervised(model, { samples: 1, backend: 'native' }), /node 'Resize_0' \(Resize\) would produce shape \[1, 1, 1048576, 1048576\]: 4 TiB/);
  });

  it('the memory limit stops an allocation that the machine would grant (12 GiB Expand)', async () => {
    const model = writeExpandTo(tmpDir(), [1024, 768, 4096]);
    await assert.rejects(runSupervised(model, { samples: 1, memoryLimitMB: 400, backend: 'native' }), (e: Error) => {
      assert.ok(e instanceof ModelError, String(e));
      assert.match(e.message, new RegExp(`^${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: stopped when the runtime used [\\d.]+ MiB, over the run's memory limit of 400 MiB, while running node 'Expand_0' \\(Expand, output \\[1024, 768, 4096\\]\\)$`));
      return true;
    });
  });

  for (const crash of ['abort', 'exit'] as const) {
    it(`a child that dies (${crash}) ends the run with a ModelError naming the model; the caller lives on`, async () => {
      process.env[CHILD_CRASH_ENV] = crash;
      try {
        await assert.rejects(runSupervised(MODEL, { samples: 4 }), (e: Error) => {
          assert.ok(e instanceof ModelError, String(e));
          assert.match(e.message, new RegExp(`^${MODEL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the runtime process (was killed by SIGABRT|exited with code 70) while running the model`));
          return true;
        });
      } finally {
        delete process.env[CHILD_CRASH_ENV];
      }
      // The same supervisor runs the next model normally.
      const r = await runSupervised(MODEL, { samples: 4 });
      assert.equal(r.samples, 4);
    });
  }

  it('runs a TF.js model, whose library it loads only then: same statistics as in-process, and the ONNX path does not carry TensorFlow.js', async () => {
    ensureBuilt();
    // TensorFlow.js is a bundle of its own (dist/tfjs-library.js): the child's bundle, which every
    // ONNX run loads, stays small and requires it only for a TF.js model.
    const childBundle = fs.readFileSync(path.join(ROOT, 'dist', 'runtime-child.js'), 'utf8');
    assert.ok(childBundle.length < 2 * 2 ** 20, `dist/runtime-child.js is ${childBundle.length} bytes`);
    assert.doesNotMatch(childBundle, /registerKernel\(|tfjs-core/);
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'tfjs-library.js')));
    const tfjsModel = path.join(ROOT, 'test/fixtures/tfjs/keras3-functional/model.json');
    const opts = { samples: 6, seed: 2 };
    const child = await runSupervised(tfjsModel, opts);
    const inProcess = await runActivations(tfjsModel, opts);
    assert.equal(child.backend, 'tfjs');
    assert.ok(child.layers.length > 0);
    assert.deepEqual(child.layers.map((l) => [l.node, l.units, l.deadUnits, l.activeRate]), inProcess.layers.map((l) => [l.node, l.units, l.deadUnits, l.activeRate]));
  });

  it('passes a bad model as a ModelError naming the file', async () => {
    await assert.rejects(runSupervised(path.join(ROOT, 'package.json'), { samples: 1 }), (e: Error) => e instanceof ModelError && e.message.includes('package.json'));
  });
});
