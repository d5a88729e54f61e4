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

/** Plain inference: the model as it is (no extra outputs), the same synthetic inputs and batches,
 *  generated inside the timed loop as the capture run does. */
async function plainInferenceMs(file: string, samples: number, batch: number): Promise<{ ms: number; cpuMs: number }> {
  const backend = await OnnxBackend.create(file, { capture: [] });
  try {
    const inputs = resolveInputs(backend.inputs, {}).inputs;
    const source = (): AsyncIterable<Record<string, HostTensor>> => syntheticSource(inputs, { samples, seed: 0, distribution: 'normal', chunk: batch }).chunks();
    for await (const c of source()) {
      await backend.run(c, backend.outputs); // warm-up, as the capture run does
      break;
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for await (const c of source()) await backend.run(c, backend.outputs);
    const cpu = process.cpuUsage(cpu0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
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

  console.log('\nCapture = the batch loop of `run`: inputs, inference of the model with every activation output added as a graph output, and the streamed statistics of those outputs (computed on a second thread while the next batch runs). Plain = the same loop on the unmodified model without statistics. Same synthetic inputs (seed 0) and batch size; one warm-up batch excluded from both; best of 2–3 alternating rounds; onnxruntime-web wasm, 1 thread. Target: capture / plain ≤ 1.3×.\n');
  console.log('| model | samples | plain: inputs + inference ms | capture: inference ms | capture: statistics ms (on the statistics thread) | capture: wall ms (inputs, inference, statistics) | capture / plain (wall) | CPU ms plain / capture (all threads) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of models) {
    if (!fs.existsSync(m.file)) continue;
    // Plain and capture runs alternate and each keeps its best round, so load from other
    // processes on the machine disturbs both sides alike.
    let plain = Infinity, plainCpu = Infinity, best: { inference: number; stats: number; wall: number; cpu: number; samples: number } | undefined;
    const rounds = m.samples * m.batch > 4096 ? 2 : 3;
    for (let round = 0; round < rounds; round++) {
      const p = await plainInferenceMs(m.file, m.samples, m.batch);
      plain = Math.min(plain, p.ms);
      plainCpu = Math.min(plainCpu, p.cpuMs);
      const run = await runActivations(m.file, { samples: m.samples, seed: 0, batchSize: m.batch, warmup: true });
      const stats = run.layers.reduce((s, l) => s + l.timeMs, 0);
      if (!best || run.measureMs < best.wall) best = { inference: run.inferenceMs, stats, wall: run.measureMs, cpu: run.measureCpuMs, samples: run.samples };
    }
    if (!best) continue;
    console.log(`| ${m.label} | ${best.samples} | ${fmt(plain, 0)} | ${best.inference} | ${fmt(best.stats, 0)} | ${best.wall} | **${fmt(best.wall / plain, 2)}×** | ${fmt(plainCpu, 0)} / ${best.cpu} = ${fmt(best.cpu / plainCpu, 2)}× |`);
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

