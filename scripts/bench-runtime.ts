// Running models and capturing activations: capture time against plain inference of the same
// model and inputs, onnxruntime-web threads, and peak memory for long runs.
// Called by scripts/bench.ts (`npm run bench`); run alone with `npx tsx scripts/bench-runtime.ts`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OnnxBackend } from '../src/runtime/onnxBackend';
import { resolveInputs } from '../src/runtime/inputs/dims';
import { syntheticSource } from '../src/runtime/inputs/synthetic';
import type { HostTensor } from '../src/runtime/hostTensor';
import { runActivations } from '../src/runtime/runActivations';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CACHE = path.join(os.homedir(), '.cache', 'activation-lens', 'bench');

interface BenchModel {
  label: string;
  file: string;
  samples: number;
  batch: number;
}

function fmt(n: number, d = 1): string {
  return n.toFixed(d);
}

/** A torchvision ResNet-18 (random weights, 224×224, named dynamic batch) when PyTorch is installed:
 *  a production architecture at production resolution. */
function resnet18(): string | undefined {
  const file = path.join(CACHE, 'resnet18.onnx');
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(CACHE, { recursive: true });
  const script = `
import torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18().eval()
torch.onnx.export(m, torch.randn(1, 3, 224, 224), ${JSON.stringify(file)}, opset_version=13,
                  input_names=['input'], output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 300000 });
  return r.status === 0 && fs.existsSync(file) ? file : undefined;
}

/** Plain inference: the model as it is (no extra outputs), the same synthetic inputs and batches. */
async function plainInferenceMs(file: string, samples: number, batch: number): Promise<number> {
  const backend = await OnnxBackend.create(file, { capture: [] });
  try {
    const inputs = resolveInputs(backend.inputs, {}).inputs;
    const chunks: Record<string, HostTensor>[] = [];
    for await (const c of syntheticSource(inputs, { samples, seed: 0, distribution: 'normal', chunk: batch }).chunks()) chunks.push(c);
    await backend.run(chunks[0], backend.outputs); // warm-up, as the capture run does
    const t0 = performance.now();
    for (const c of chunks) await backend.run(c, backend.outputs);
    return performance.now() - t0;
  } finally {
    await backend.dispose();
  }
}

function peakRss(args: string[]): { rssMB: number; ms: number; out: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [secs, kb] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`activation-lens ${args.join(' ')} failed: ${r.stderr.slice(-500)}`);
  return { rssMB: kb / 1024, ms: secs * 1000, out: r.stdout };
}

export async function benchRuntime(): Promise<void> {
  const models: BenchModel[] = [
    { label: 'dead-cnn (digits 8×8, 3 ReLU)', file: path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx'), samples: 2048, batch: 64 },
    { label: 'small ResNet (64×64, 17 ReLU)', file: path.join(ROOT, 'test/fixtures/analysis/healthy_small_resnet.onnx'), samples: 256, batch: 16 },
    { label: 'MobileNetV2 ×0.25 (64×64, 35 ReLU6)', file: path.join(ROOT, 'test/fixtures/analysis/healthy_mobilenet_v2_025.onnx'), samples: 256, batch: 16 },
  ];
  const r18 = resnet18();
  if (r18) models.push({ label: 'torchvision ResNet-18 (224×224, 17 ReLU)', file: r18, samples: 32, batch: 8 });
  else console.log('(PyTorch not installed: the ResNet-18 row is skipped)');

  console.log('\nCapture = inference of the model with every activation output added as a graph output, plus the streamed statistics of those outputs. Plain = inference of the unmodified model. Same synthetic inputs (seed 0) and batch size; one warm-up batch excluded from both; best of 2–3 alternating rounds; onnxruntime-web wasm, 1 thread. Target: capture / plain ≤ 1.3×.\n');
  console.log('| model | samples | plain inference ms | capture inference ms | statistics ms | capture total ms | capture / plain |');
  console.log('|---|---|---|---|---|---|---|');
  for (const m of models) {
    if (!fs.existsSync(m.file)) continue;
    // Plain and capture runs alternate and each keeps its best round, so load from other
    // processes on the machine disturbs both sides alike.
    let plain = Infinity, captureInference = Infinity, stats = Infinity, capture = Infinity, samples = 0;
    const rounds = m.samples * m.batch > 4096 ? 2 : 3;
    for (let round = 0; round < rounds; round++) {
      plain = Math.min(plain, await plainInferenceMs(m.file, m.samples, m.batch));
      const run = await runActivations(m.file, { samples: m.samples, seed: 0, batchSize: m.batch, warmup: true });
      const st = run.layers.reduce((s, l) => s + l.timeMs, 0);
      if (run.inferenceMs + st < capture) {
        capture = run.inferenceMs + st;
        captureInference = run.inferenceMs;
        stats = st;
      }
      samples = run.samples;
    }
    console.log(`| ${m.label} | ${samples} | ${fmt(plain, 0)} | ${captureInference} | ${fmt(stats, 0)} | ${fmt(capture, 0)} | ${fmt(capture / plain, 2)}× |`);
  }

  if (!fs.existsSync(CLI)) {
    console.log('\n(dist/cli.js missing: run `npm run build` for the memory and threads tables)');
    return;
  }
  console.log('\nonnxruntime-web compute threads (`run --threads N`; inference ms from `run --json`):\n');
  console.log('| model | samples | 1 thread ms | 2 threads ms |');
  console.log('|---|---|---|---|');
  for (const m of models.slice(1)) {
    const ms = [1, 2].map((t) => (JSON.parse(peakRss(['run', m.file, '--samples', String(Math.min(m.samples, 128)), '--batch-size', String(m.batch), '--threads', String(t), '--json']).out) as { inferenceMs: number }).inferenceMs);
    console.log(`| ${m.label} | ${Math.min(m.samples, 128)} | ${ms[0]} | ${ms[1]} |`);
  }

  console.log('\nPeak memory of `activation-lens run` (whole process, GNU time): statistics are streamed, so memory does not grow with the sample count.\n');
  console.log('| model | samples | wall s | peak RSS MB |');
  console.log('|---|---|---|---|');
  const baseline = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
  const memRuns: [BenchModel, number][] = [
    [models[0], 100],
    [models[0], 20000],
    [models[2], 100],
    [models[2], 1000],
  ];
  for (const [m, n] of memRuns) {
    const r = peakRss(['run', m.file, '--samples', String(n), '--json']);
    const samples = (JSON.parse(r.out) as { samples: number }).samples;
    console.log(`| ${m.label} | ${samples} | ${fmt(r.ms / 1000)} | ${fmt(r.rssMB)} |`);
  }
  console.log(`| (node -e 0) | | | ${fmt(Number(baseline.stderr.trim().split('\n').pop()) / 1024)} |`);
}

if (require.main === module) {
  benchRuntime().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

