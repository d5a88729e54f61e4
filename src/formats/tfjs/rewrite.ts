// Writes a copy of a TF.js layers-model (model.json + weight shards) with its ReLUs replaced.
// Layers with `activation: 'relu'` get another activation string where TF.js has one (elu, selu,
// swish, gelu) or `linear` plus a new LeakyReLU/PReLU layer right after them; ReLU and
// Activation('relu') layers are replaced in place. The copy is self-contained: the weight shards
// are copied beside the new model.json under its name, and PReLU slopes go into a new shard.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelError, textOf } from '../../core/model';
import type { VariantId } from '../../analysis/suggestions';
import { VARIANT_INFO } from '../../analysis/suggestions';
import { checkOutputPath } from '../onnx/rewrite';
import { readJsonFile } from './json';
import { resolveShardPath } from './paths';

export interface TfjsRewriteRequest {
  variant: VariantId;
  params?: Record<string, number>;
  nodes?: string[];
  force?: boolean;
}

export interface TfjsRewriteResult {
  input: string;
  output: string;
  variant: VariantId;
  params: Record<string, number>;
  replaced: string[];
  written: string;
  /** Layers added after fused activations (LeakyReLU / PReLU). */
  addedLayers: string[];
  shards: string[];
  notes: string[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface LayerRef {
  list: unknown[];
  index: number;
  layer: Json;
  config: Json;
  name: string;
}

/** The activation string TF.js layers know for a variant, when it has one. */
function activationString(variant: VariantId, params: Record<string, number>): string | undefined {
  switch (variant) {
    case 'elu': return params.alpha === 1 ? 'elu' : undefined;
    case 'celu': return params.alpha === 1 ? 'elu' : undefined; // CELU(α = 1) is ELU(1)
    case 'selu': return 'selu';
    case 'silu': return 'swish';
    case 'gelu': return 'gelu';
    default: return undefined;
  }
}

function topologyOf(model: Json, file: string): { topo: Json; layers: unknown[]; functional: boolean } {
  const mt = model.modelTopology;
  if (!isObj(mt)) throw new ModelError(`${file}: not a TF.js layers-model (no modelTopology)`);
  const topo = isObj(mt.model_config) ? mt.model_config : mt;
  const cls = topo.class_name;
  const config = topo.config;
  if (cls === 'Sequential') {
    const layers = Array.isArray(config) ? config : isObj(config) && Array.isArray(config.layers) ? config.layers : undefined;
    if (!layers) throw new ModelError(`${file}: the Sequential model has no layers list`);
    return { topo, layers, functional: false };
  }
  if ((cls === 'Model' || cls === 'Functional') && isObj(config) && Array.isArray(config.layers)) return { topo, layers: config.layers, functional: true };
  throw new ModelError(`${file}: model class '${textOf(cls)}' cannot be rewritten (Sequential and functional models can)`);
}

function layerRefs(layers: unknown[]): LayerRef[] {
  const out: LayerRef[] = [];
  layers.forEach((l, index) => {
    if (!isObj(l) || !isObj(l.config)) return;
    const name = textOf(l.config.name ?? l.name ?? '');
    out.push({ list: layers, index, layer: l, config: l.config, name });
  });
  return out;
}

function isPlainReluLayer(r: LayerRef): boolean {
  if (r.layer.class_name === 'ReLU') {
    const c = r.config;
    return (c.max_value ?? null) === null && !c.negative_slope && !c.threshold;
  }
  return r.layer.class_name === 'Activation' && r.config.activation === 'relu';
}

function hasFusedRelu(r: LayerRef): boolean {
  return r.layer.class_name !== 'Activation' && r.config.activation === 'relu';
}

/** Units and rank of a layer's output, from its own config or the layers before it. */
function channelsOf(refs: LayerRef[], r: LayerRef, functional: boolean): { channels?: number; rank?: number } {
  let cur: LayerRef | undefined = r;
  for (let steps = 0; cur && steps < 32; steps++) {
    const c = cur.config;
    const cls = textOf(cur.layer.class_name);
    if (c.data_format === 'channels_first') return {};
    if (cls === 'Dense' && typeof c.units === 'number') return { channels: c.units, rank: 2 };
    const m = /^(?:Conv|SeparableConv)(\d)D$/.exec(cls);
    if (m && typeof c.filters === 'number') return { channels: c.filters, rank: Number(m[1]) + 2 };
    if (!['ReLU', 'Activation', 'BatchNormalization', 'Dropout', 'LeakyReLU', 'ELU', 'PReLU', 'GaussianNoise'].includes(cls)) return {};
    // previous layer
    if (!functional) {
      const i = refs.indexOf(cur);
      cur = i > 0 ? refs[i - 1] : undefined;
    } else {
      const inbound = cur.layer.inbound_nodes;
      const first = Array.isArray(inbound) && Array.isArray(inbound[0]) ? inbound[0][0] : undefined;
      const prevName = Array.isArray(first) ? first[0] : undefined;
      cur = refs.find((x) => x.name === prevName);
    }
  }
  return {};
}

function uniqueLayerName(refs: LayerRef[], base: string): string {
  const names = new Set(refs.map((r) => r.name));
  let n = base;
  for (let k = 1; names.has(n); k++) n = `${base}_${k}`;
  return n;
}

/** Points every reference to `from`'s outputs (Keras 2 inbound lists, Keras 3 keras_history,
 *  output_layers) at `to`. */
function rewire(value: unknown, from: string, to: string, skip: unknown): unknown {
  if (value === skip) return value;
  if (Array.isArray(value)) {
    if (value.length >= 3 && value[0] === from && Number.isInteger(value[1]) && Number.isInteger(value[2])) {
      return [to, 0, value[2], ...value.slice(3)];
    }
    return value.map((v) => rewire(v, from, to, skip));
  }
  if (isObj(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewire(v, from, to, skip);
    return out;
  }
  return value;
}

function newLayer(variant: 'leaky-relu' | 'prelu', name: string, params: Record<string, number>, sharedAxes: number[] | null, dtype: unknown): Json {
  if (variant === 'leaky-relu') return { class_name: 'LeakyReLU', config: { name, trainable: true, dtype: dtype ?? 'float32', alpha: params.alpha } };
  return {
    class_name: 'PReLU',
    config: {
      name, trainable: true, dtype: dtype ?? 'float32',
      alpha_initializer: { class_name: 'Constant', config: { value: params.init } },
      alpha_regularizer: null, alpha_constraint: null, shared_axes: sharedAxes,
    },
  };
}

function writeAtomically(file: string, data: Uint8Array | string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* not created */ }
    throw e;
  }
}

export async function rewriteTfjsLayersModel(input: string, output: string, req: TfjsRewriteRequest): Promise<TfjsRewriteResult> {
  const inAbs = path.resolve(input);
  checkOutputPath(input, output, req.force);
  const model = readJsonFile(inAbs);
  if (!isObj(model)) throw new ModelError(`${input}: not a TF.js model.json`);
  if (model.format !== undefined && model.format !== 'layers-model') throw new ModelError(`${input}: a TF.js ${textOf(model.format)} cannot be rewritten; only layers-models can`);
  const params = { ...VARIANT_INFO[req.variant].params, ...(req.params ?? {}) };
  const { topo, layers, functional } = topologyOf(model, input);
  const refs = layerRefs(layers);
  let targets = refs.filter((r) => isPlainReluLayer(r) || hasFusedRelu(r));
  if (req.nodes?.length) {
    const chosen: LayerRef[] = [];
    for (const n of req.nodes) {
      const r = refs.find((x) => x.name === n);
      if (!r) throw new ModelError(`${input}: no layer named '${n}'`);
      if (!targets.includes(r)) throw new ModelError(`${input}: layer '${n}' (${textOf(r.layer.class_name)}) applies no ReLU`);
      chosen.push(r);
    }
    targets = chosen;
  }
  if (!targets.length) throw new ModelError(`${input}: has no ReLU layer or layer with activation 'relu' to replace`);
  const actString = activationString(req.variant, params);
  if (!actString && req.variant !== 'leaky-relu' && req.variant !== 'prelu') {
    throw new ModelError(`${input}: TF.js has no ${req.variant === 'celu' ? 'CELU' : 'ELU with alpha ≠ 1'} layer; use elu (alpha 1), leaky-relu or prelu`);
  }

  const notes: string[] = [];
  const addedLayers: string[] = [];
  const newWeights: { name: string; shape: number[]; values: Float32Array }[] = [];
  let written = actString ? `activation '${actString}'` : req.variant === 'leaky-relu' ? 'LeakyReLU layer' : 'PReLU layer';
  // Insert from the end so earlier indices stay valid.
  for (const r of [...targets].sort((a, b) => b.index - a.index)) {
    const fused = hasFusedRelu(r);
    if (actString) {
      if (fused) r.config.activation = actString;
      else r.list[r.index] = { ...r.layer, class_name: 'Activation', config: { name: r.name, trainable: r.config.trainable ?? true, dtype: r.config.dtype ?? 'float32', activation: actString } };
      continue;
    }
    const variant = req.variant as 'leaky-relu' | 'prelu';
    let sharedAxes: number[] | null = null;
    let alphaShape: number[] = [];
    if (variant === 'prelu') {
      const { channels, rank } = channelsOf(refs, r, functional);
      if (channels === undefined || rank === undefined) throw new ModelError(`${input}: cannot tell the channel count of layer '${r.name}' for PReLU's slopes`);
      sharedAxes = rank > 2 ? Array.from({ length: rank - 2 }, (_, i) => i + 1) : null;
      alphaShape = rank > 2 ? [...new Array(rank - 2).fill(1), channels] : [channels];
    }
    if (!fused) {
      // Replace the ReLU / Activation layer in place, keeping its name and connections.
      const layer = newLayer(variant, r.name, params, sharedAxes, r.config.dtype);
      r.list[r.index] = { ...r.layer, class_name: layer.class_name, config: layer.config };
      if (variant === 'prelu') newWeights.push({ name: `${r.name}/alpha`, shape: alphaShape, values: new Float32Array(alphaShape.reduce((a, b) => a * b, 1)).fill(params.init) });
      continue;
    }
    r.config.activation = 'linear';
    const name = uniqueLayerName(refs, `${r.name}_${variant === 'prelu' ? 'prelu' : 'leaky_relu'}`);
    refs.push({ list: r.list, index: -1, layer: {}, config: { name }, name });
    const layer = newLayer(variant, name, params, sharedAxes, r.config.dtype);
    if (functional) {
      // Connect the new layer to the original's output in the style the file uses.
      const inbound = r.layer.inbound_nodes;
      const keras3 = Array.isArray(inbound) && isObj(inbound[0]);
      layer.name = name;
      layer.inbound_nodes = keras3
        ? [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: [r.name, 0, 0] } }], kwargs: {} }]
        : [[[r.name, 0, 0, {}]]];
      const topoConfig = topo.config as Json;
      for (let i = 0; i < r.list.length; i++) {
        if (i === r.index) continue;
        const other = r.list[i];
        if (isObj(other)) r.list[i] = { ...other, inbound_nodes: rewire(other.inbound_nodes, r.name, name, undefined) };
      }
      topoConfig.output_layers = rewire(topoConfig.output_layers, r.name, name, undefined);
    }
    r.list.splice(r.index + 1, 0, layer);
    addedLayers.push(name);
    if (variant === 'prelu') newWeights.push({ name: `${name}/alpha`, shape: alphaShape, values: new Float32Array(alphaShape.reduce((a, b) => a * b, 1)).fill(params.init) });
  }
  if (req.variant === 'celu' && actString) written += ' (CELU with alpha 1 is ELU)';

  // Weights: copy every shard beside the output under the output's name; add a shard for slopes.
  const outAbs = path.resolve(output);
  const outDir = path.dirname(outAbs);
  const base = path.basename(outAbs).replace(/\.json$/i, '');
  const manifest = Array.isArray(model.weightsManifest) ? (model.weightsManifest as Json[]) : [];
  const shardsWritten: string[] = [];
  const newManifest: Json[] = [];
  let shardNo = 0;
  for (const group of manifest) {
    const paths = Array.isArray(group.paths) ? group.paths : [];
    const newPaths: string[] = [];
    for (const p of paths) {
      const src = resolveShardPath(inAbs, p);
      const dstName = `${base}.shard${++shardNo}.bin`;
      const dst = path.join(outDir, dstName);
      if (path.resolve(dst) === src) throw new ModelError(`${output}: its weight file would overwrite the input's shard ${src}`);
      if (fs.existsSync(dst) && !req.force) throw new ModelError(`${dst}: already exists (use --force to replace it)`);
      let data: Buffer;
      try {
        data = fs.readFileSync(src);
      } catch {
        throw new ModelError(`${input}: weight shard ${textOf(p)} cannot be read`);
      }
      writeAtomically(dst, data);
      newPaths.push(dstName);
      shardsWritten.push(dst);
    }
    newManifest.push({ ...group, paths: newPaths });
  }
  if (newWeights.length) {
    const total = newWeights.reduce((s, w) => s + w.values.length, 0);
    const buf = new Float32Array(total);
    let o = 0;
    for (const w of newWeights) {
      buf.set(w.values, o);
      o += w.values.length;
    }
    const dstName = `${base}.shard${++shardNo}.bin`;
    const dst = path.join(outDir, dstName);
    if (fs.existsSync(dst) && !req.force) throw new ModelError(`${dst}: already exists (use --force to replace it)`);
    writeAtomically(dst, new Uint8Array(buf.buffer));
    shardsWritten.push(dst);
    newManifest.push({ paths: [dstName], weights: newWeights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) });
  }
  model.weightsManifest = newManifest;
  const gen = typeof model.generatedBy === 'string' ? model.generatedBy : undefined;
  model.convertedBy = `Activation Lens rewrite (${req.variant})${gen ? `; generated by ${gen}` : ''}`;
  writeAtomically(outAbs, JSON.stringify(model));
  if (notes.length === 0 && req.variant === 'leaky-relu') notes.push(`Leaky ReLU α = ${params.alpha} (the TF.js LeakyReLU layer's own default is 0.3)`);
  return {
    input: inAbs,
    output: outAbs,
    variant: req.variant,
    params,
    replaced: targets.map((t) => t.name),
    written,
    addedLayers,
    shards: shardsWritten,
    notes,
  };
}
