// One onnxruntime-node session in a fresh process, as `run`'s child has it: the plain model or the
// capture graph (in-graph statistics appended, planned as `run` plans them), with or without
// onnxruntime's per-run memory plan.
// Prints {ms, faults} per call after one warm-up call (at least CALLS calls and 0.5 s). Used by
// scripts/bench-runtime.ts.
// The variant read-once is the floor of any in-graph statistic: the plain model plus one
// GlobalMaxPool (ReduceMax for rank 2) per activation output, i.e. one read of every activation
// and nothing else.
// usage: node --import tsx scripts/bench/memoryPlan.ts MODEL BATCH CALLS plain|plan|no-plan|read-once
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { loadModel } from '../../src/formats/load';
import { planGraphStats } from '../../src/runtime/graphStats';
import { activationLayers } from '../../src/runtime/layers';
import { withExtraOutputs } from '../../src/runtime/onnxCapture';
import { probeActivationShapes } from '../../src/runtime/activationShapes';

async function main(): Promise<void> {
  const [file, batchText, callsText, variant] = process.argv.slice(2);
  const batch = Number(batchText), calls = Number(callsText);
  const model = await loadModel(file);
  const bytes = fs.readFileSync(file);
  // As `run` makes it on the native runtime: onnxruntime's shapes first, the weights referenced
  // into the model's file.
  const layers = activationLayers(model);
  const probed = await probeActivationShapes(file, layers.map((l) => l.output));
  const plan = planGraphStats(model, layers, probed.shapes);
  const threads = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const input = model.graph.inputs[0];
  const dims = (input.shape ?? []).map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 1));
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 0.5;
  const feeds = { [input.name]: new ort.Tensor('float32', data, dims) };
  const own = model.graph.outputs.map((o) => o.name);
  let graph: Uint8Array = bytes;
  if (variant === 'read-once') graph = withExtraOutputs(bytes, [], own, await readOnceGraph(bytes, own, activationLayers(model).map((l) => l.output), feeds));
  else if (variant !== 'plain' && plan) graph = withExtraOutputs(probed.byReference?.bytes ?? bytes, [], own, plan.graph);
  const session = await ort.InferenceSession.create(graph, {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
    ...(variant === 'no-plan' ? { enableMemPattern: false } : {}),
    extra: { session: { model_external_initializers_file_folder_path: probed.byReference?.folder ?? path.dirname(path.resolve(file)) } },
  } as ort.InferenceSession.SessionOptions);
  await session.run(feeds);
  const f0 = process.resourceUsage().minorPageFault, t0 = performance.now();
  // At least `calls` calls and half a second: sub-millisecond calls are otherwise timer noise.
  let done = 0;
  while (done < calls || performance.now() - t0 < 500) {
    await session.run(feeds);
    done++;
  }
  process.stdout.write(JSON.stringify({ ms: (performance.now() - t0) / done, faults: (process.resourceUsage().minorPageFault - f0) / done }) + '\n');
}

/** One max over every activation output: GlobalMaxPool for rank ≥ 3 (which onnxruntime runs in
 *  its blocked NCHWc layout, so no reorder pass is added), ReduceMax over all axes otherwise. The
 *  ranks come from one run of the model with the activations as outputs. Like the capture graph
 *  (graphStats.ts), the maxima are appended last layer first and meet in one Concat, so each runs
 *  right after its layer and no activation is held to the end of the graph. */
async function readOnceGraph(bytes: Uint8Array, own: string[], activations: string[], feeds: Record<string, ort.Tensor>): Promise<onnx.IGraphProto> {
  const probe = await ort.InferenceSession.create(withExtraOutputs(bytes, activations, own));
  const values = await probe.run(feeds, activations);
  await probe.release();
  const node: onnx.INodeProto[] = [{ name: 'read_once_flat', opType: 'Constant', output: ['read_once_flat'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1] } }] }];
  for (let i = activations.length - 1; i >= 0; i--) {
    const name = activations[i];
    node.push({ name: `read_once_${i}`, opType: values[name].dims.length >= 3 ? 'GlobalMaxPool' : 'ReduceMax', input: [name], output: [`read_once_${i}`] });
    node.push({ name: `read_once_${i}_flat`, opType: 'Reshape', input: [`read_once_${i}`, 'read_once_flat'], output: [`read_once_${i}_flat`] });
  }
  node.push({ name: 'read_once', opType: 'Concat', input: activations.map((_, i) => `read_once_${i}_flat`), output: ['read_once'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
  return { node, output: [{ name: 'read_once' }] };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
