// Running models and capturing activations, every number next to a baseline measured in the same
// run: capture vs plain inference on both backends, ResNet-50 as whole processes (our native and
// wasm runs vs plain onnxruntime-node), PyTorch forward hooks, the >4 GiB external-data model,
// the cost of the process boundary, and memory against the number of samples.
// Called by scripts/bench.ts (`npm run bench`); run alone with `npx tsx scripts/bench-runtime.ts`
// (`--only=capture,calls,open,processes,torch,big,boundary,memory,inputs`: those sections alone).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OnnxBackend, type OnnxEngine } from '../src/runtime/onnxBackend';
import { resolveInputs } from '../src/runtime/inputs/dims';
import { SeededRandom } from '../src/runtime/inputs/random';
import { syntheticSource } from '../src/runtime/inputs/synthetic';
import type { HostTensor } from '../src/runtime/hostTensor';
import { runActivations } from '../src/runtime/runActivations';
import { loadNativeOrt } from '../src/runtime/ortNative';
import { referenceDeadUnits, writeBigExternalModel } from './bench/bigExternal';
import { weightsByReference } from '../src/formats/onnx/weightsByReference';
import { loadModel } from '../src/formats/load';
import { activationLayers } from '../src/runtime/layers';
import { probeActivationShapes } from '../src/runtime/activationShapes';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CACHE = path.join(os.homedir(), '.cache', 'activation-lens', 'bench');
const PYTHON = '/usr/bin/python3';

interface BenchModel {
  label: string;
  file: string;
  samples: number;
  batch: number;
  /** Fewer samples on wasm where it is slow (the ratio does not depend on the count). */
  wasmSamples?: number;
}

function fmt(n: number, d = 1): string {
  return n.toFixed(d);
}

function hasTorch(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
}

/** torchvision ResNets (random weights) built into the bench cache by a committed script. */
function torchvisionModel(name: string): string | undefined {
  const file = path.join(CACHE, `${name}.onnx`);
  if (fs.existsSync(file)) return file;
  if (!hasTorch()) return undefined;
  fs.mkdirSync(CACHE, { recursive: true });
  const r = spawnSync(PYTHON, [path.join(__dirname, 'bench', 'torchvision_models.py'), CACHE, name], { encoding: 'utf8', timeout: 600000 });
  return r.status === 0 && fs.existsSync(file) ? file : undefined;
}

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

/** Plain inference: the model as it is (no extra outputs), the same synthetic inputs and batches,
 *  generated inside the timed loop as the capture run does. */
async function plainLoop(file: string, engine: OnnxEngine, samples: number, batch: number): Promise<{ ms: number; cpuMs: number }> {
  const backend = await OnnxBackend.create(file, { engine, capture: [] });
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
    return { ms: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(cpu0)) };
  } finally {
    await backend.dispose();
  }
}

/** What opening a model for a native run costs: its file read whole (what runs did before weights
 *  were referenced) against the graph with its weights referenced into the file
 *  (weightsByReference.ts), each followed by onnxruntime's session; and the shape probe
 *  (activationShapes.ts). Best of 3 each, in this process (onnxruntime already loaded). */
async function nativeOpenTable(): Promise<void> {
  const native = loadNativeOrt();
  if (!native.ort) return;
  const files = [
    { label: 'torchvision ResNet-50', file: path.join(CACHE, 'resnet50.onnx') },
    { label: 'vgg16 (553 MB)', file: path.join(CACHE, 'vgg16.onnx') },
    { label: 'chain of 20,000 nodes', file: path.join(CACHE, 'chain-20k.onnx') },
  ].filter((m) => fs.existsSync(m.file));
  console.log('\n### Opening a model for a native run: weights read into JavaScript vs referenced into the model file; the shape probe\n');
  console.log('Before a native session, `run` reads only the graph: inline weights become references into the model file, which onnxruntime reads itself. The probe is onnxruntime\'s shape inference on the graph without its weights; `run` skips it above 4,000 nodes. Best of 3, in process.\n');
  console.log('| model | file MB | read whole ms | session from it ms | graph with weights referenced: ms / KB | session from it ms | shape probe ms |');
  console.log('|---|---|---|---|---|---|---|');
  const best = async (f: () => Promise<number> | number): Promise<number> => {
    let b = Infinity;
    for (let i = 0; i < 3; i++) b = Math.min(b, await f());
    return b;
  };
  const timed = async (f: () => unknown): Promise<number> => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const session = async (bytes: Uint8Array, folder: string): Promise<number> =>
    timed(async () => {
      const h = await native.backend.createInferenceSessionHandler(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3, extra: { session: { model_external_initializers_file_folder_path: folder } } });
      await h.dispose();
    });
  for (const m of files) {
    const folder = path.dirname(m.file);
    const whole = new Uint8Array(fs.readFileSync(m.file));
    const byRef = weightsByReference(m.file);
    const names = activationLayers(await loadModel(m.file)).map((l) => l.output);
    const read = await best(() => timed(() => fs.readFileSync(m.file)));
    const walk = await best(() => timed(() => weightsByReference(m.file)));
    const fromWhole = whole.length < 2 ** 31 ? await best(() => session(whole, folder)) : NaN;
    const fromRef = byRef ? await best(() => session(byRef.bytes, byRef.folder)) : NaN;
    const probe = await best(() => timed(() => probeActivationShapes(m.file, names)));
    console.log(`| ${m.label} | ${fmt(whole.length / 1e6, 0)} | ${fmt(read, 0)} | ${fmt(fromWhole, 0)} | ${byRef ? `${fmt(walk, 0)} / ${fmt(byRef.bytes.length / 1024, 0)}` : 'no weights to reference'} | ${byRef ? fmt(fromRef, 0) : ''} | ${fmt(probe, 0)} |`);
  }
}

/** Wall time and peak RSS of a whole process (GNU time; children included). */
function measureProcess(args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; rssMB: number; out: string; err: string; status: number | null } {
  const r = spawnSync('/usr/bin/time', ['-f', '@@time %e %M', ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const m = /@@time ([\d.]+) (\d+)/.exec(r.stderr);
  return { ms: m ? Number(m[1]) * 1000 : NaN, rssMB: m ? Number(m[2]) / 1024 : NaN, out: r.stdout, err: r.stderr.replace(/@@time.*\n?/, '').replace(/Command exited with non-zero status \d+\n?/, ''), status: r.status };
}

async function captureTable(models: BenchModel[], engines: OnnxEngine[]): Promise<void> {
  console.log('\n### Capture vs plain inference, both backends\n');
  console.log('Capture = the batch loop of `run` (inputs, inference of the model with its statistics computed in the graph where the opset allows, else every activation output fetched and folded in on a second thread). Plain = the same loop on the unmodified model without statistics. Same synthetic inputs (seed 0), batch size and threads (native: all cores; wasm: 1); one warm-up batch excluded from both; best of alternating rounds (5 where the plain loop takes under 0.5 s, else 2). Target: capture / plain ≤ 1.3×.\n');
  console.log('| model | backend | samples | plain ms | capture ms (inference / statistics) | capture / plain (wall) | CPU ms plain / capture |');
  console.log('|---|---|---|---|---|---|---|');
  for (const m of models) {
    for (const engine of engines) {
      const samples = engine === 'wasm' ? m.wasmSamples ?? m.samples : m.samples;
      let plain = Infinity, plainCpu = Infinity;
      let best: { wall: number; inference: number; stats: number; cpu: number } | undefined;
      // Loops under half a second move by ±25% from run to run (timer, JIT and scheduling noise,
      // the same for both): they get five rounds, longer ones two.
      let rounds = 2;
      for (let round = 0; round < rounds; round++) {
        const p = await plainLoop(m.file, engine, samples, m.batch);
        plain = Math.min(plain, p.ms);
        plainCpu = Math.min(plainCpu, p.cpuMs);
        if (round === 0 && p.ms < 500) rounds = 5;
        const run = await runActivations(m.file, { samples, seed: 0, batchSize: m.batch, warmup: true, backend: engine });
        const stats = run.layers.reduce((s, l) => s + l.timeMs, 0);
        if (!best || run.measureMs < best.wall) best = { wall: run.measureMs, inference: run.inferenceMs, stats, cpu: run.measureCpuMs };
      }
      if (!best) continue;
      console.log(`| ${m.label} | ${engine} | ${samples} | ${fmt(plain, 0)} | ${best.wall} (${best.inference} / ${fmt(best.stats, 0)}) | **${fmt(best.wall / plain, 2)}×** | ${fmt(plainCpu, 0)} / ${best.cpu} = ${fmt(best.cpu / plainCpu, 2)}× |`);
    }
  }
}

/** Per inference call, each session alone in a fresh process as in `run`'s child
 *  (scripts/bench/memoryPlan.ts): the plain model, the floor of any in-graph statistic (one read
 *  of every activation), and the capture graph with and without onnxruntime's per-run memory plan
 *  (why native capture sessions run without it: onnxBackend.ts). */
function memoryPlanTable(models: BenchModel[]): void {
  if (!loadNativeOrt().ort) return;
  console.log("\n### Inference calls alone: plain, the floor of in-graph statistics, the capture graph with and without onnxruntime's memory plan (native, all cores, fresh process each)\n");
  console.log('The floor column is the plain model plus one GlobalMaxPool per activation output: one read of every activation and nothing else, so no exact in-graph statistic can cost less. Where it is already above 1.3× plain, the model is bound by memory traffic, not arithmetic, and the capture target cannot be met by statistics computed in onnxruntime.\n');
  console.log('| model | samples per call × calls | plain: ms / page faults per call | floor: one read of each activation | capture with the plan | capture without it (what `run` uses) |');
  console.log('|---|---|---|---|---|---|');
  const script = path.join(__dirname, 'bench', 'memoryPlan.ts');
  for (const m of models) {
    const calls = Math.max(4, Math.ceil(m.samples / m.batch));
    const measure = (variant: string): { ms: number; faults: number } | string => {
      let best: { ms: number; faults: number } | undefined;
      for (let round = 0; round < 3; round++) {
        const r = spawnSync(process.execPath, ['--import', 'tsx', script, m.file, String(m.batch), String(calls), variant], { encoding: 'utf8', cwd: ROOT });
        if (r.status !== 0) return `failed: ${r.stderr.trim().split('\n').pop()}`;
        const x = JSON.parse(r.stdout) as { ms: number; faults: number };
        if (!best || x.ms < best.ms) best = x;
      }
      return best!;
    };
    const plain = measure('plain');
    /** ms / page faults per call, and the ratio to plain for the other variants. */
    const cell = (x: { ms: number; faults: number } | string, vsPlain = true): string => {
      if (typeof x === 'string') return x;
      return `${fmt(x.ms, 1)} / ${fmt(x.faults, 0)}${vsPlain && typeof plain !== 'string' ? ` (${fmt(x.ms / plain.ms, 2)}×)` : ''}`;
    };
    console.log(`| ${m.label} | ${m.batch} × ${calls} | ${cell(plain, false)} | ${cell(measure('read-once'))} | ${cell(measure('plan'))} | ${cell(measure('no-plan'))} |`);
  }
}

/** ResNet-50, 32 synthetic samples, as whole processes: `run --json` native and wasm against a
 *  plain onnxruntime-node script on the same inputs (written to a file by the same generator). */
async function resnet50Processes(file: string): Promise<void> {
  console.log('\n### ResNet-50, 32 synthetic samples, whole processes\n');
  const samples = 32, batch = 8;
  const threads = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  const inputsFile = path.join(CACHE, 'resnet50-inputs-seed0-32.f32');
  if (!fs.existsSync(inputsFile)) {
    const inputs = resolveInputs([{ name: 'input', dtype: 'float32', shape: ['batch', 3, 224, 224] }], {}).inputs;
    const parts: Buffer[] = [];
    for await (const c of syntheticSource(inputs, { samples, seed: 0, distribution: 'normal', chunk: batch }).chunks()) parts.push(Buffer.from((c.input.data as Float32Array).buffer.slice(0)));
    fs.writeFileSync(`${inputsFile}.tmp`, Buffer.concat(parts));
    fs.renameSync(`${inputsFile}.tmp`, inputsFile);
  }
  const runArgs = ['run', file, '--samples', String(samples), '--batch-size', String(batch), '--json'];
  const rows: { label: string; ms: number; inferenceMs: number; rssMB: number }[] = [];
  const plainRuns: { ms: number; inferenceMs: number; rssMB: number }[] = [];
  const nativeRuns: typeof plainRuns = [];
  // What a user gets without --batch-size: the batch size `run` chooses itself (3 on ResNet-50).
  const autoRuns: typeof plainRuns = [];
  const autoArgs = ['run', file, '--samples', String(samples), '--json', '--backend', 'native'];
  for (let round = 0; round < 3; round++) {
    const p = measureProcess([process.execPath, path.join(__dirname, 'bench', 'plainOrt.cjs'), file, inputsFile, String(samples), String(batch), String(threads)]);
    if (p.status !== 0) throw new Error(`plain onnxruntime-node failed: ${p.err}`);
    plainRuns.push({ ms: p.ms, inferenceMs: JSON.parse(p.out).inferenceMs, rssMB: p.rssMB });
    const n = measureProcess([process.execPath, CLI, ...runArgs, '--backend', 'native']);
    if (n.status !== 0) throw new Error(`run --backend native failed: ${n.err}`);
    nativeRuns.push({ ms: n.ms, inferenceMs: JSON.parse(n.out).inferenceMs, rssMB: n.rssMB });
    const a = measureProcess([process.execPath, CLI, ...autoArgs]);
    if (a.status !== 0) throw new Error(`run --backend native (automatic batch size) failed: ${a.err}`);
    autoRuns.push({ ms: a.ms, inferenceMs: JSON.parse(a.out).inferenceMs, rssMB: a.rssMB });
  }
  const bestOf = (xs: typeof plainRuns) => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const plain = bestOf(plainRuns), native = bestOf(nativeRuns);
  const w = measureProcess([process.execPath, CLI, ...runArgs, '--backend', 'wasm']);
  if (w.status !== 0) throw new Error(`run --backend wasm failed: ${w.err}`);
  const wasm = { ms: w.ms, inferenceMs: JSON.parse(w.out).inferenceMs, rssMB: w.rssMB };
  rows.push({ label: `plain onnxruntime-node (${threads} threads, scripts/bench/plainOrt.cjs)`, ...plain });
  rows.push({ label: '`run --json --backend native`', ...native });
  rows.push({ label: '`run --json --backend native`, automatic batch size', ...bestOf(autoRuns) });
  rows.push({ label: '`run --json --backend wasm`', ...wasm });
  console.log('| process | wall ms | inference ms | peak RSS MB |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${fmt(r.ms, 0)} | ${fmt(r.inferenceMs, 0)} | ${fmt(r.rssMB)} |`);
  console.log(`\nnative vs wasm (wall): **${fmt(wasm.ms / native.ms, 2)}× faster** (target ≥ 2×); native vs plain onnxruntime-node (wall, whole process): **${fmt(native.ms / plain.ms, 2)}×** (target ≤ 1.3×); best of 3 for plain and native (both batch 8), 1 wasm run.`);
}

function torchHooks(r18: string | undefined): void {
  console.log('\n### PyTorch forward hooks on the same torchvision ResNet-18\n');
  if (!r18 || !hasTorch()) {
    console.log('skipped (no `import torch, torchvision` in /usr/bin/python3)');
    return;
  }
  const samples = 32, batch = 8;
  const threads = Math.max(1, os.cpus().length);
  const r = spawnSync(PYTHON, [path.join(__dirname, 'bench', 'torch_hooks.py'), String(samples), String(batch), String(threads)], { encoding: 'utf8', timeout: 900000 });
  if (r.status !== 0) {
    console.log(`skipped (torch_hooks.py failed: ${r.stderr.trim().split('\n').pop()})`);
    return;
  }
  const t = JSON.parse(r.stdout) as { plainMs: number; hooksMs: number; relus: number; torch: string };
  console.log(`torch ${t.torch}, ${threads} threads, ${samples} samples in batches of ${batch}, best of 3: forward ${fmt(t.plainMs, 0)} ms, forward with hooks on its ${t.relus} nn.ReLU modules (positives per channel, zeros, min, max, moments, a 64-bin histc) ${fmt(t.hooksMs, 0)} ms: **${fmt(t.hooksMs / t.plainMs, 2)}×**. Our native capture on the same architecture: the ResNet-18 rows above.`);
}

async function bigExternal(): Promise<void> {
  console.log('\n### A model with more than 4 GiB of external data\n');
  if (!loadNativeOrt().ort) {
    console.log('skipped (onnxruntime-node does not load here)');
    return;
  }
  const files = writeBigExternalModel(path.join(CACHE, 'big-external.onnx'), (m) => process.stderr.write(`${m}\n`));
  const r = measureProcess([process.execPath, CLI, 'run', files.model, '--samples', '2', '--json']);
  if (r.status !== 0) throw new Error(`run on the big model failed: ${r.err}`);
  const run = JSON.parse(r.out) as { layers: { deadUnits: number[] }[]; runtime: string; inferenceMs: number };
  // The same synthetic inputs the run used, through an independent float64 forward pass.
  const inputs = resolveInputs([{ name: 'input', dtype: 'float32', shape: ['batch', 16384] }], {}).inputs;
  const rows: Float64Array[] = [];
  for await (const c of syntheticSource(inputs, { samples: 2, seed: 0, distribution: 'normal' }).chunks()) {
    const d = c.input.data as Float32Array, n = c.input.dims[0], w = d.length / n;
    for (let i = 0; i < n; i++) rows.push(Float64Array.from(d.subarray(i * w, (i + 1) * w)));
  }
  const reference = referenceDeadUnits(files, rows);
  const same = run.layers.length === reference.length && run.layers.every((l, i) => JSON.stringify(l.deadUnits) === JSON.stringify(reference[i]));
  const dataMB = files.dataBytes / 2 ** 20;
  console.log('| model | external data MB | `run --samples 2` wall s | peak RSS MB | limit: data + 1 GB | dead units vs independent float64 pass |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| 5 Gemm+Relu, ${run.runtime} | ${fmt(dataMB, 0)} | ${fmt(r.ms / 1000, 1)} | ${fmt(r.rssMB, 0)} | ${fmt(dataMB + 1000 / 1.048576, 0)} ${r.rssMB < dataMB + 1000 / 1.048576 ? '✓' : '✗'} | ${same ? `identical (${reference.map((d) => d.length).join(' + ')} dead)` : 'DIFFERENT'} |`);
  const w = measureProcess([process.execPath, CLI, 'run', files.model, '--samples', '2', '--backend', 'wasm']);
  console.log(`\n\`--backend wasm\` on it: exit ${w.status} in ${fmt(w.ms / 1000, 2)} s, peak RSS ${fmt(w.rssMB, 0)} MB: ${w.err.trim().split('\n').pop()}`);
  // The static rules read every weight once, in JavaScript (moment propagation, which also makes
  // the per-unit sums of the linear → ReLU rule). Baseline: one plain read of the data file in a
  // fresh process, 4 MiB at a time, nothing decoded.
  const readOnce = `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(files.data)});const b=Buffer.alloc(1<<22);while(fs.readSync(fd,b,0,b.length,null)>0);`;
  const read = measureProcess([process.execPath, '-e', readOnce]);
  const scan = measureProcess([process.execPath, CLI, 'scan', files.model, '--json']);
  if (scan.status !== 0) throw new Error(`scan on the big model failed: ${scan.err}`);
  const findings = (JSON.parse(scan.out) as { findings: unknown[] }).findings.length;
  console.log(`\nStatic rules on it (\`scan --json\`, no run, every weight read once and decoded to float64): ${fmt(scan.ms / 1000, 1)} s, peak RSS ${fmt(scan.rssMB, 0)} MB, ${findings} findings; one plain read of its data file in a fresh process: ${fmt(read.ms / 1000, 1)} s (${fmt(scan.ms / read.ms, 1)}×).`);
}

async function processBoundary(model: string): Promise<void> {
  console.log('\n### The process boundary\n');
  // In-process run (this process, runtime already loaded) against `run --json`, whose totalMs is
  // measured by the supervisor from starting the child (dist/runtime-child.js) to its result.
  const inProc: number[] = [], child: number[] = [], whole: number[] = [];
  for (let i = 0; i < 5; i++) {
    inProc.push((await runActivations(model, { samples: 64 })).totalMs);
    const r = measureProcess([process.execPath, CLI, 'run', model, '--samples', '64', '--json']);
    child.push((JSON.parse(r.out) as { totalMs: number }).totalMs);
    whole.push(r.ms);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const node0 = med([0, 1, 2].map(() => measureProcess([process.execPath, '-e', '0']).ms));
  console.log(`dead-cnn, 64 samples, median of 5: in-process run ${med(inProc)} ms; through the supervised child ${med(child)} ms (start the child, load the runtime there, run, send the statistics back): the boundary costs ${med(child) - med(inProc)} ms per run, outside the capture loop. Only statistics cross it. Whole \`run --json\` process ${fmt(med(whole), 0)} ms, \`node -e 0\` ${fmt(node0, 0)} ms.`);
}

/** What synthetic inputs cost: standard normal values (the ziggurat) next to plain uniform
 *  draws from the same generator, per value, over one ResNet-50 batch of 32 samples. */
function syntheticInputs(): void {
  console.log('\n### Synthetic inputs\n');
  const values = new Float32Array(32 * 3 * 224 * 224);
  const rng = new SeededRandom(0);
  const best = (fill: () => void): number => {
    let ms = Infinity;
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      fill();
      ms = Math.min(ms, performance.now() - t0);
    }
    return (ms * 1e6) / values.length;
  };
  const normal = best(() => rng.fillNormal(values));
  const uniform = best(() => {
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform();
  });
  console.log(`${values.length.toLocaleString('en')} values (32 ResNet-50 inputs), best of 5: normal ${fmt(normal, 1)} ns per value, uniform ${fmt(uniform, 1)} ns per value (${fmt(normal / uniform, 2)}×).`);
}

function memoryTable(models: BenchModel[]): void {
  console.log('\nPeak memory of `activation-lens run` (whole process tree, GNU time): statistics are streamed, so memory does not grow with the sample count.\n');
  console.log('| model | samples | backend | wall s | peak RSS MB |');
  console.log('|---|---|---|---|---|');
  const baseline = measureProcess([process.execPath, '-e', '0']);
  const memRuns: [BenchModel, number][] = [
    [models[0], 100],
    [models[0], 20000],
    [models[2], 100],
    [models[2], 1000],
  ];
  for (const [m, n] of memRuns) {
    const r = measureProcess([process.execPath, CLI, 'run', m.file, '--samples', String(n), '--json']);
    if (r.status !== 0) throw new Error(`run ${m.file} failed: ${r.err}`);
    const out = JSON.parse(r.out) as { samples: number; backend: string };
    console.log(`| ${m.label} | ${out.samples} | ${out.backend} | ${fmt(r.ms / 1000)} | ${fmt(r.rssMB)} |`);
  }
  console.log(`| (node -e 0) | | | | ${fmt(baseline.rssMB)} |`);
}

export async function benchRuntime(): Promise<void> {
  const models: BenchModel[] = [
    { label: 'dead-cnn (digits 8×8, 3 ReLU)', file: path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx'), samples: 2048, batch: 64 },
    { label: 'small ResNet (64×64, 17 ReLU)', file: path.join(ROOT, 'test/fixtures/analysis/healthy_small_resnet.onnx'), samples: 256, batch: 16 },
    { label: 'MobileNetV2 ×0.25 (64×64, 35 ReLU6)', file: path.join(ROOT, 'test/fixtures/analysis/healthy_mobilenet_v2_025.onnx'), samples: 256, batch: 16 },
  ];
  const r18 = torchvisionModel('resnet18');
  const r50 = torchvisionModel('resnet50');
  if (r18) models.push({ label: 'torchvision ResNet-18 (224×224, 17 ReLU)', file: r18, samples: 32, batch: 8, wasmSamples: 16 });
  if (r50) models.push({ label: 'torchvision ResNet-50 (224×224, 49 ReLU)', file: r50, samples: 32, batch: 8, wasmSamples: 8 });
  if (!r18 || !r50) console.log('(PyTorch not installed in /usr/bin/python3: the ResNet-18/50 rows are skipped)');
  const native = loadNativeOrt();
  console.log(`\nonnxruntime-node: ${native.ort ? `${native.version}, loads here` : `unavailable (${native.reason})`}; machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => fmt(l, 2)).join(' ')} at the start.`);
  // `--only capture,calls,open,processes,torch,big,boundary,memory,inputs` runs those sections alone.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const wanted = (section: string): boolean => !only || only.includes(section);
  if (wanted('capture')) await captureTable(models, native.ort ? ['native', 'wasm'] : ['wasm']);
  if (wanted('calls')) memoryPlanTable(models);
  if (wanted('open')) await nativeOpenTable();

  if (!fs.existsSync(CLI)) {
    console.log('\n(dist/cli.js missing: run `npm run build` for the process tables)');
    return;
  }
  if (wanted('processes') && r50 && native.ort) await resnet50Processes(r50);
  if (wanted('torch')) torchHooks(r18);
  if (wanted('big')) await bigExternal();
  if (wanted('boundary')) await processBoundary(models[0].file);
  if (wanted('memory')) memoryTable(models);
  if (wanted('inputs')) syntheticInputs();
}

if (require.main === module) {
  benchRuntime().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
