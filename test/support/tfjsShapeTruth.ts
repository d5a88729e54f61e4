// Ground truth for layer output shapes: what @tensorflow/tfjs itself says about a saved model
// (tf.loadLayersModel's symbolic tensors, per layer call) and the shapes of the tensors it computes
// when it runs the model, compared value by value with the shapes our reader infers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dim, Graph, Model } from '../../src/core/model';
import { tf } from './tfjsFixtures';

type Shape = Dim[] | undefined;

/** tf.loadLayersModel on a model.json folder as written to disk (Node has no file:// handler
 *  without tfjs-node). `topology` replaces the file's modelTopology when given. */
export async function tfjsLoad(modelJson: string, topology?: unknown): Promise<tf.LayersModel> {
  const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(modelJson), p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return tf.loadLayersModel({ load: async () => ({ modelTopology: topology ?? json.modelTopology, weightSpecs: specs, weightData, format: json.format }) });
}

/** Every value's shape in one graph (not its nested graphs), as the viewer reads them. */
export function graphShapes(g: Graph): Map<string, Shape> {
  const m = new Map<string, Shape>();
  for (const v of [...g.inputs, ...g.valueInfo, ...g.outputs]) m.set(v.name, v.shape);
  return m;
}

function nestedGraph(g: Graph, layer: string): Graph | undefined {
  const node = g.nodes.find((n) => n.name === layer);
  const a = node?.attributes.find((x) => x.name === 'model');
  return a?.value.type === 'graph' ? a.value.value : undefined;
}

function isModel(l: tf.layers.Layer): l is tf.LayersModel {
  return Array.isArray((l as tf.LayersModel).layers) && Array.isArray((l as tf.LayersModel).outputs);
}

export interface Comparison {
  /** How many layer outputs were compared. */
  compared: number;
  /** "layer/node/tensor: ours [..] tfjs [..]" for each difference. */
  mismatches: string[];
}

/**
 * Compares every output of every call of every layer (nested models' layers included) between
 * the tfjs model and our graph. `expected` maps value names whose shape deliberately differs from
 * tfjs's symbolic shape to the shape we give instead.
 */
export function compareWithTfjs(reference: tf.LayersModel, graph: Graph, expected: Record<string, Dim[]> = {}, prefix = ''): Comparison {
  const ours = graphShapes(graph);
  const out: Comparison = { compared: 0, mismatches: [] };
  for (const layer of reference.layers) {
    const node = graph.nodes.find((n) => n.name === layer.name);
    if (!node) {
      out.mismatches.push(`${prefix}${layer.name}: no such node`);
      continue;
    }
    layer.inboundNodes.forEach((call, k) => {
      call.outputTensors.forEach((t, i) => {
        const name = `${layer.name}/${k}/${i}`;
        if (!node.outputs.includes(name)) return; // a call the saved model does not include
        out.compared++;
        const want = expected[`${prefix}${name}`] ?? t.shape;
        const got = ours.get(name);
        if (JSON.stringify(got) !== JSON.stringify(want)) out.mismatches.push(`${prefix}${name} (${layer.getClassName()}): ours ${JSON.stringify(got)} tfjs ${JSON.stringify(t.shape)}`);
      });
    });
    if (isModel(layer)) {
      const inner = nestedGraph(graph, layer.name);
      if (!inner) out.mismatches.push(`${prefix}${layer.name}: no nested graph`);
      else {
        const c = compareWithTfjs(layer, inner, expected, `${prefix}${layer.name}>`);
        out.compared += c.compared;
        out.mismatches.push(...c.mismatches);
      }
    }
  }
  reference.outputs.forEach((t, i) => {
    out.compared++;
    const o = graph.outputs[i];
    const want = expected[`${prefix}${o?.name}`] ?? t.shape;
    if (JSON.stringify(o?.shape) !== JSON.stringify(want)) out.mismatches.push(`${prefix}output ${i} ${o?.name}: ours ${JSON.stringify(o?.shape)} tfjs ${JSON.stringify(t.shape)}`);
  });
  return out;
}

/**
 * Runs the model in tfjs on a batch of `batch` and compares the shape of every top-level layer's
 * computed output tensor with ours (our unknown batch dimension standing for `batch`; other
 * unknown dimensions accepted as unknown). Input dimensions tfjs leaves unknown get `free`.
 */
export function compareWithRun(reference: tf.LayersModel, graph: Graph, batch = 2, free = 5): Comparison {
  const ours = graphShapes(graph);
  const names: string[] = [];
  const tensors: tf.SymbolicTensor[] = [];
  for (const layer of reference.layers) {
    // (A nested model's node 0 is its own construction, not reachable from the outer inputs; the
    // layers after it show whether its calls were right.)
    if (layer.getClassName() === 'InputLayer' || isModel(layer)) continue;
    layer.inboundNodes.forEach((call, k) => {
      call.outputTensors.forEach((t, i) => {
        const name = `${layer.name}/${k}/${i}`;
        if (!ours.has(name)) return;
        names.push(name);
        tensors.push(t);
      });
    });
  }
  const out: Comparison = { compared: 0, mismatches: [] };
  if (tensors.length === 0) return out;
  const probe = tf.model({ inputs: reference.inputs, outputs: tensors });
  const feeds = reference.inputs.map((i) => {
    const shape = i.shape.map((d, k) => (d === null ? (k === 0 ? batch : free) : d));
    return i.dtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomUniform(shape);
  });
  const results = probe.predict(feeds.length === 1 ? feeds[0] : feeds);
  const list = Array.isArray(results) ? results : [results];
  list.forEach((r, k) => {
    out.compared++;
    const mine = ours.get(names[k]);
    const ok = mine !== undefined && mine.length === r.shape.length && mine.every((d, j) => d === r.shape[j] || (d === null && (j === 0 ? r.shape[j] === batch : true)));
    if (!ok) out.mismatches.push(`${names[k]}: ours ${JSON.stringify(mine)} computed ${JSON.stringify(r.shape)}`);
  });
  tf.dispose([...feeds, ...list]);
  return out;
}

/** Our model's values: every node output of every graph that has no inferred shape. */
export function unknownValues(model: Model): string[] {
  const out: string[] = [];
  const visit = (g: Graph, prefix: string) => {
    const shapes = graphShapes(g);
    for (const n of g.nodes) {
      for (const o of n.outputs) if (!shapes.get(o)) out.push(`${prefix}${o}`);
      const inner = nestedGraph(g, n.name);
      if (inner) visit(inner, `${prefix}${n.name}>`);
    }
  };
  visit(model.graph, '');
  return out;
}

type Json = Record<string, unknown>;

/**
 * A tfjs functional model's topology as Keras 3 writes it: `Functional`, InputLayers with
 * `batch_shape`, DTypePolicy objects, and calls as {args: [__keras_tensor__ …], kwargs} where each
 * tensor records its shape (here the shape tfjs gives it), node indices as in the tfjs model.
 */
export function asKeras3(m: tf.LayersModel): Json {
  const topology = m.toJSON(undefined, false) as Json;
  const config = topology.config as Json;
  const shapeOf = (layer: string, node: number, tensor: number) => m.getLayer(layer).inboundNodes[node].outputTensors[tensor].shape;
  const tensor = (ref: unknown[]) => ({
    class_name: '__keras_tensor__',
    config: { shape: shapeOf(ref[0] as string, ref[1] as number, ref[2] as number), dtype: 'float32', keras_history: ref.slice(0, 3) },
  });
  const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const layers = (config.layers as Json[]).map((l) => {
    const c = { ...(l.config as Json) };
    if (l.class_name === 'InputLayer') {
      c.batch_shape = c.batch_input_shape;
      delete c.batch_input_shape;
    } else c.dtype = dtype;
    const calls = (l.inbound_nodes as unknown[][][]).map((call) => ({ args: call.length === 1 ? [tensor(call[0])] : [call.map(tensor)], kwargs: {} }));
    return { module: 'keras.layers', class_name: l.class_name, config: c, registered_name: null, name: l.name, inbound_nodes: calls };
  });
  return {
    keras_version: '3.6.0',
    backend: 'tensorflow',
    model_config: { module: 'keras.src.models.functional', class_name: 'Functional', config: { ...config, layers }, registered_name: 'Functional' },
  };
}

/** The same topology with the recorded tensor shapes taken out, so only inference is left. */
export function withoutRecordedShapes(topology: unknown): unknown {
  if (Array.isArray(topology)) return topology.map(withoutRecordedShapes);
  if (typeof topology !== 'object' || topology === null) return topology;
  const out: Json = {};
  for (const [k, v] of Object.entries(topology)) out[k] = withoutRecordedShapes(v);
  if (out.class_name === '__keras_tensor__' && typeof out.config === 'object' && out.config !== null) {
    const { shape: _shape, ...rest } = out.config as Json;
    out.config = rest;
  }
  return out;
}

/** Every [tensor name, shape] a Keras 3 topology records in its call arguments. */
export function recordedShapes(topology: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Json;
      const c = o.config as Json | undefined;
      if (o.class_name === '__keras_tensor__' && c && Array.isArray(c.keras_history)) out.set(c.keras_history.slice(0, 3).join('/'), c.shape);
      else Object.values(o).forEach(visit);
    }
  };
  visit(topology);
  return out;
}

/** Writes a model.json with this topology next to a copy of `fromModelJson`'s weights. */
export function writeWithTopology(fromModelJson: string, topology: unknown, dir: string): string {
  const json = JSON.parse(fs.readFileSync(fromModelJson, 'utf8'));
  for (const group of json.weightsManifest ?? []) for (const p of group.paths) fs.copyFileSync(path.join(path.dirname(fromModelJson), p), path.join(dir, p));
  const file = path.join(dir, 'model.json');
  fs.writeFileSync(file, JSON.stringify({ ...json, modelTopology: topology }));
  return file;
}
