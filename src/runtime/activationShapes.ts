// The shapes of a model's activations as onnxruntime infers them, before the run: the model's graph
// without its large weights (each becomes a graph input of the same type and shape, so shape
// inference still sees it) is opened by the native runtime with optimizations off, and the
// activations are read from the session's output metadata. In-graph statistics of an image layer
// whose channels, height and width are known need no Shape node (graphStats.ts, GridShape).
//
// Cost (`npm run bench`, "Opening a model for a native run"): 16 ms on ResNet-50, 4 ms on vgg16;
// what the grid statistics save is in its "Inference calls alone" table.
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import type { WeightsByReference } from '../formats/onnx/weightsByReference';
import type { ActivationShapes } from './graphStats';
import { modelByReference } from './onnxBackend';
import { loadNativeOrt, type NativeSessionBackend } from './ortNative';

/** Graph files read whole for the probe when their weights cannot be referenced (beyond this, no
 *  shapes: the statistics then carry them). */
const PROBE_READ_LIMIT = 64 * 2 ** 20;
/** Graphs with more nodes are not probed: decoding, encoding and opening them costs more than the
 *  grid statistics save (`npm run bench`, "Opening a model for a native run": 1,690 ms on the
 *  20,000-node chain, against 4–16 ms on vgg16 and ResNet-50). */
export const PROBE_MAX_NODES = 4000;

export interface ProbedModel {
  /** The graph with its inline weights referenced into the file, for the session to reuse. */
  byReference?: WeightsByReference;
  shapes?: ActivationShapes;
}

/** The activations' shapes on the native runtime, or none when it is not available or cannot
 *  open the weightless graph (the run then works without them). */
export async function probeActivationShapes(modelPath: string, names: readonly string[], hasExternalData = false): Promise<ProbedModel> {
  const native = loadNativeOrt();
  if (!native.ort) return {};
  const byReference = modelByReference(modelPath, hasExternalData);
  let graph = byReference?.bytes;
  if (!graph) {
    try {
      if (fs.statSync(modelPath).size <= PROBE_READ_LIMIT) graph = fs.readFileSync(modelPath);
    } catch {
      graph = undefined;
    }
  }
  if (!graph) return { byReference };
  try {
    return { byReference, shapes: await activationShapes(native.backend, graph, names) };
  } catch {
    return { byReference };
  }
}

async function activationShapes(backend: NativeSessionBackend, graphBytes: Uint8Array, names: readonly string[]): Promise<ActivationShapes> {
  const model = onnx.ModelProto.decode(graphBytes);
  const g = model.graph;
  if (!g) return new Map();
  g.input ??= [];
  g.output ??= [];
  const inputs = new Set(g.input.map((i) => i.name));
  const kept: onnx.ITensorProto[] = [];
  for (const t of g.initializer ?? []) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
      kept.push(t);
      continue;
    }
    if (!inputs.has(t.name)) g.input.push({ name: t.name, type: { tensorType: { elemType: t.dataType, shape: { dim: (t.dims ?? []).map((d) => ({ dimValue: d })) } } } });
  }
  g.initializer = kept as onnx.TensorProto[];
  const outputs = new Set(g.output.map((o) => o.name));
  for (const n of names) if (!outputs.has(n)) g.output.push(onnx.ValueInfoProto.create({ name: n }));
  const session = await backend.createInferenceSessionHandler(onnx.ModelProto.encode(model).finish(), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
    logSeverityLevel: 4,
  });
  try {
    const shapes = new Map<string, (number | string)[]>();
    session.outputNames.forEach((name, i) => {
      const meta = session.outputMetadata[i] as { isTensor?: boolean; shape?: (number | string)[] };
      if (meta.isTensor && Array.isArray(meta.shape)) shapes.set(name, meta.shape);
    });
    return shapes;
  } finally {
    await session.dispose();
  }
}
