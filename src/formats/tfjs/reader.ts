// Opens a TensorFlow.js model.json: a layers-model (Keras topology), a graph-model (GraphDef as
// JSON), or a bare weights manifest, and returns the core model. Weight bytes are not read here.
import * as path from 'node:path';
import { fileKeyed, ModelError, textOf, type Graph, type Model, type Tensor } from '../../core/model';
import { isStackOverflow } from '../../core/internalErrors';
import { buildFunctions, buildGraphDefGraph } from './graphModel';
import { readJsonFile } from './json';
import { readLayersTopology } from './layersModel';
import { readWeightsManifest, type ShardTensor } from './weights';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "TensorFlow.js tfjs-layers v4.22.0" → name and version; anything else is all name. */
export function parseProducer(s: unknown): { name: string; version: string } {
  if (typeof s !== 'string' || s.trim() === '') return { name: '', version: '' };
  // Real producer strings are short; the version patterns below backtrack for seconds on a
  // 100 KB string of digits and dots, so longer text is a name without a version.
  if (s.length > 200) return { name: s.trim(), version: '' };
  // The converter writes TensorFlow's version alone as generatedBy of a graph-model ("2.15.0").
  if (/^v?\d+(\.\d+)+[\w.+-]*$/.test(s.trim())) return { name: 'TensorFlow', version: s.trim().replace(/^v/, '') };
  const m = /^(.*?)\s+v?(\d+(?:\.\d+)+[\w.+-]*)$/.exec(s.trim());
  return m ? { name: m[1], version: m[2] } : { name: s.trim(), version: '' };
}

function metadataValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function modelWeights(tensors: ShardTensor[]): { params: Tensor[]; optimizer: number } {
  // Optimizer state saved with a model is not part of the model's parameters (countParams()).
  const params = tensors.filter((t) => t.entry.group !== 'optimizer');
  return { params, optimizer: tensors.length - params.length };
}

function emptyGraph(name: string): Graph {
  return { name, inputs: [], outputs: [], valueInfo: [], nodes: [], initializers: [], sparseInitializers: [] };
}

export async function readTfjsModel(file: string): Promise<Model> {
  const abs = path.resolve(file);
  try {
    return readModelJson(abs);
  } catch (e) {
    // Hostile nesting (thousands of levels of lists in a config) exhausts the stack somewhere in
    // the walk; that is a bad file, not a crash. Other errors are not dressed up as this one.
    if (isStackOverflow(e)) throw new ModelError(`${abs}: the model description is nested too deeply to read`);
    throw e;
  }
}

function readModelJson(abs: string): Model {
  const json = readJsonFile(abs);
  if (Array.isArray(json)) return weightList(abs, json, {});
  if (!isObject(json)) {
    throw new ModelError(`${abs}: not a TensorFlow.js model: the JSON holds a ${json === null ? 'null' : typeof json}, not a model.json object or a weights manifest`);
  }
  const topology = json.modelTopology;
  if (topology === undefined || topology === null) {
    if (Array.isArray(json.weightsManifest)) return weightList(abs, json.weightsManifest, json);
    throw new ModelError(`${abs}: not a TensorFlow.js model: it has neither modelTopology nor weightsManifest`);
  }
  if (!isObject(topology)) throw new ModelError(`${abs}: modelTopology is not an object`);
  const { tensors, warnings } = readWeightsManifest(abs, json.weightsManifest);
  const { params, optimizer } = modelWeights(tensors);
  const metadata = fileKeyed<string>();
  if (typeof json.format === 'string') metadata.format = json.format;
  if (typeof json.generatedBy === 'string') metadata.generatedBy = json.generatedBy;
  if (typeof json.convertedBy === 'string') metadata.convertedBy = json.convertedBy;
  if (optimizer) metadata.optimizerWeights = String(optimizer);
  if (isObject(json.userDefinedMetadata)) {
    for (const [k, v] of Object.entries(json.userDefinedMetadata)) metadata[k] = metadataValue(v);
  }
  const producer = parseProducer(json.generatedBy ?? json.convertedBy);
  const name = path.basename(abs, '.json');
  const isGraphModel = json.format === 'graph-model' || Array.isArray(topology.node) || (json.format !== 'layers-model' && !('class_name' in topology) && !('model_config' in topology));

  if (isGraphModel) {
    if (!Array.isArray(topology.node)) {
      throw new ModelError(`${abs}: modelTopology has neither a GraphDef node list (graph-model) nor a Keras model config (layers-model)`);
    }
    const byName = new Map<string, Tensor>(params.map((t) => [t.name, t]));
    // Some converter versions put the signature into userDefinedMetadata instead.
    const udm = isObject(json.userDefinedMetadata) ? json.userDefinedMetadata : {};
    const graph = buildGraphDefGraph(topology, json.signature ?? udm.signature, byName, name);
    graph.initializers = params;
    const versions = isObject(topology.versions) ? topology.versions : {};
    if (versions.producer !== undefined) metadata.graphDefVersion = textOf(versions.producer);
    if (versions.minConsumer !== undefined) metadata.graphDefMinConsumer = textOf(versions.minConsumer);
    if (isObject(json.modelInitializer) && Array.isArray(json.modelInitializer.node)) {
      metadata.modelInitializerNodes = String(json.modelInitializer.node.length);
    }
    if (!producer.name && typeof versions.producer === 'number') producer.name = 'TensorFlow GraphDef';
    return {
      format: 'tfjs-graph',
      path: abs,
      producer,
      opsets: {},
      metadata,
      graph,
      functions: buildFunctions(topology, byName),
      warnings,
    };
  }

  const layers = readLayersTopology(abs, topology, params.map((t) => t.name));
  Object.assign(metadata, layers.metadata);
  if (isObject(json.trainingConfig) || isObject(topology.training_config)) {
    const text = JSON.stringify(json.trainingConfig ?? topology.training_config);
    if (text.length <= 4096) metadata.trainingConfig = text;
  }
  if (!producer.name && metadata.keras_version) Object.assign(producer, parseProducer(`keras ${metadata.keras_version}`));
  layers.graph.initializers = params;
  return {
    format: 'tfjs-layers',
    path: abs,
    producer,
    opsets: {},
    metadata,
    graph: layers.graph,
    functions: [],
    warnings: [...layers.warnings, ...warnings],
  };
}

/** A weights manifest with no topology (face-api style `*-weights_manifest.json`, or a
 *  model.json without modelTopology): a model with no nodes whose initializers are the weights. */
function weightList(abs: string, manifest: unknown[], json: Record<string, unknown>): Model {
  const { tensors, warnings } = readWeightsManifest(abs, manifest);
  const { params, optimizer } = modelWeights(tensors);
  const graph = emptyGraph(path.basename(abs, '.json'));
  graph.initializers = params;
  const metadata = fileKeyed<string>();
  metadata.groups = String(manifest.length);
  metadata.weights = String(tensors.length);
  if (optimizer) metadata.optimizerWeights = String(optimizer);
  return {
    format: 'tfjs-weights',
    path: abs,
    producer: parseProducer(json.generatedBy ?? json.convertedBy),
    opsets: {},
    metadata,
    graph,
    functions: [],
    warnings,
  };
}
