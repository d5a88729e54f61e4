// One onnxruntime-node session in a fresh process, as `run`'s child has it: the plain model or the
// capture graph (in-graph statistics appended), with or without onnxruntime's per-run memory plan.
// Prints {ms, faults} per call after one warm-up call. Used by scripts/bench-runtime.ts.
// usage: node --import tsx scripts/bench/memoryPlan.ts MODEL BATCH CALLS plain|plan|no-plan
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/formats/load';
import { planGraphStats } from '../../src/runtime/graphStats';
import { activationLayers } from '../../src/runtime/layers';
import { withExtraOutputs } from '../../src/runtime/onnxCapture';

async function main(): Promise<void> {
  const [file, batchText, callsText, variant] = process.argv.slice(2);
  const batch = Number(batchText), calls = Number(callsText);
  const model = await loadModel(file);
  const bytes = fs.readFileSync(file);
  const plan = planGraphStats(model, activationLayers(model));
  const graph = variant === 'plain' || !plan ? bytes : withExtraOutputs(bytes, [], model.graph.outputs.map((o) => o.name), plan.graph);
  const threads = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const session = await ort.InferenceSession.create(graph, { intraOpNumThreads: threads, graphOptimizationLevel: 'all', ...(variant === 'no-plan' ? { enableMemPattern: false } : {}) });
  const input = model.graph.inputs[0];
  const dims = (input.shape ?? []).map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 1));
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.5;
  const feeds = { [input.name]: new ort.Tensor('float32', data, dims) };
  await session.run(feeds);
  const f0 = process.resourceUsage().minorPageFault, t0 = performance.now();
  for (let i = 0; i < calls; i++) await session.run(feeds);
  process.stdout.write(JSON.stringify({ ms: (performance.now() - t0) / calls, faults: (process.resourceUsage().minorPageFault - f0) / calls }) + '\n');
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
