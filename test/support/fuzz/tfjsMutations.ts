// Structure-aware mutations of TF.js model folders (model.json + weight shards): JSON text damage,
// hostile values at random places of the JSON tree, manifest shapes, dtypes, quantization and
// paths, layer topologies (classes, names, inbound references, nesting), graph-model nodes and
// attributes, and shard files cut, extended, removed or replaced by folders, pipes and links.
import type { Rng } from './rng';
import { HOSTILE_NAMES, type Sidecar } from './onnxMutations';

export interface TfjsFolder {
  /** model.json text */
  json: string;
  /** Shard files by name. */
  shards: Map<string, Uint8Array>;
}

export interface MutatedFolder {
  json: string;
  files: Sidecar[];
  notes: string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Stand-ins replaced in the final text by numbers JSON.stringify cannot write. */
const INFINITY = '"@@INF@@"';
const NEG_INFINITY = '"@@NINF@@"';
const HUGE_EXPONENT = '"@@EXP@@"';

const HOSTILE_NUMBERS: Json[] = [0, -1, 1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, -(2 ** 53), 1e300, 65536, '@@INF@@', '@@NINF@@', '@@EXP@@'];
/** An object String() and Number() cannot convert: its toString and valueOf are data, not methods. */
const UNPRINTABLE = JSON.parse('{"toString": 1, "valueOf": "x"}') as Json;
const HOSTILE_VALUES: Json[] = [null, true, [], {}, UNPRINTABLE, [UNPRINTABLE], '', 'relu', 'linear', ...HOSTILE_NUMBERS, ...HOSTILE_NAMES.slice(0, 8)];

/** A fresh copy of a hostile value: the shared ones must not be mutated (or form cycles) later. */
function hostileValue(rng: Rng): Json {
  const v = rng.pick(HOSTILE_VALUES);
  return v !== null && typeof v === 'object' ? (JSON.parse(JSON.stringify(v)) as Json) : v;
}
const CLASSES = ['Dense', 'Conv2D', 'DepthwiseConv2D', 'ReLU', 'LeakyReLU', 'ThresholdedReLU', 'ELU', 'PReLU', 'BatchNormalization', 'Activation', 'Sequential', 'Model', 'Functional', 'InputLayer', 'Flatten', 'Add', 'Concatenate', 'TimeDistributed', 'Bidirectional', ...HOSTILE_NAMES.slice(0, 4)];
const TF_OPS = ['Relu', 'Relu6', 'Const', 'Placeholder', '_FusedConv2D', '_FusedMatMul', 'FusedDepthwiseConv2dNative', 'BiasAdd', 'MatMul', 'Conv2D', 'Identity', 'Softmax', 'LeakyRelu', 'NoOp', 'While', 'StatelessIf', ...HOSTILE_NAMES.slice(0, 3)];
const SHARD_PATHS = ['../outside.bin', '/etc/passwd', 'file:///etc/passwd', 'https://example.invalid/w.bin', '%2e%2e/x.bin', 'sub/../../x.bin', 'missing.bin', 'folder', 'fifo', 'link.bin', 'loop.bin', 'C:\\w.bin', '', 'a\u0000b'];
const DTYPES = ['float32', 'int32', 'bool', 'string', 'complex64', 'float16', 'uint8', 'int64', 'bogus', '__proto__', 'constructor'];

function isObj(v: Json): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every container in the tree with a way to replace one of its entries. */
function slots(root: Json): { parent: Json[] | { [k: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [k: string]: Json }; key: string | number }[] = [];
  const stack: Json[] = [root];
  while (stack.length && out.length < 200_000) {
    const v = stack.pop()!;
    if (Array.isArray(v)) v.forEach((x, i) => { out.push({ parent: v, key: i }); stack.push(x); });
    else if (isObj(v)) for (const k of Object.keys(v)) { out.push({ parent: v, key: k }); stack.push(v[k]); }
  }
  return out;
}

/** Sets a key as an own property, even '__proto__'. */
function setOwn(o: { [k: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function get(o: Json, ...path: (string | number)[]): Json | undefined {
  let v: Json | undefined = o;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Array.isArray(v) ? v[p as number] : Object.hasOwn(v, p) ? v[p as string] : undefined;
  }
  return v;
}

function layersOf(json: Json): { [k: string]: Json }[] {
  const out: { [k: string]: Json }[] = [];
  for (const s of slots(json)) {
    const v = (s.parent as Record<string | number, Json>)[s.key];
    if (s.key === 'layers' && Array.isArray(v)) for (const l of v) if (isObj(l)) out.push(l);
  }
  return out;
}

function weightEntries(json: Json): { [k: string]: Json }[] {
  const manifest = isObj(json) ? json.weightsManifest : Array.isArray(json) ? json : undefined;
  const out: { [k: string]: Json }[] = [];
  if (Array.isArray(manifest)) for (const g of manifest) if (isObj(g) && Array.isArray(g.weights)) for (const w of g.weights) if (isObj(w)) out.push(w);
  return out;
}

function groups(json: Json): { [k: string]: Json }[] {
  const manifest = isObj(json) ? json.weightsManifest : Array.isArray(json) ? json : undefined;
  return Array.isArray(manifest) ? manifest.filter(isObj) : [];
}

function graphNodes(json: Json): { [k: string]: Json }[] {
  const node = get(json, 'modelTopology', 'node');
  return Array.isArray(node) ? node.filter(isObj) : [];
}

type Mutation = (rng: Rng, json: Json, files: Map<string, Sidecar>) => string | undefined;

const MUTATIONS: [string, Mutation, number][] = [
  ['value', (rng, json) => {
    const all = slots(json);
    if (!all.length) return undefined;
    const s = rng.pick(all);
    const v: Json = rng.chance(0.15) ? rng.pick<Json>([deep(10), deep(300), DEEP]) : rng.chance(0.1) ? Array.from({ length: rng.pick([1000, 50_000]) }, () => hostileValue(rng)) : hostileValue(rng);
    if (Array.isArray(s.parent)) s.parent[s.key as number] = v;
    else setOwn(s.parent, s.key as string, v);
    return `value at ${String(s.key).slice(0, 30)} replaced`;
  }, 4],
  ['key', (rng, json) => {
    const objs = slots(json).map((s) => (s.parent as Record<string | number, Json>)[s.key]).filter(isObj);
    if (isObj(json)) objs.push(json);
    if (!objs.length) return undefined;
    const o = rng.pick(objs);
    const keys = Object.keys(o);
    const name = rng.pick(HOSTILE_NAMES.slice(0, 6));
    if (keys.length && rng.chance(0.5)) {
      const k = rng.pick(keys);
      const v = o[k];
      delete o[k];
      setOwn(o, name, v);
      return `key '${k}' renamed '${name}'`;
    }
    setOwn(o, name, hostileValue(rng));
    return `key '${name}' added`;
  }, 2],
  ['manifest', (rng, json) => {
    const w = weightEntries(json);
    if (!w.length) return undefined;
    const e = rng.pick(w);
    const how = rng.int(6);
    if (how === 0) e.shape = Array.isArray(e.shape) && e.shape.length ? e.shape.map((d) => (rng.chance(0.5) ? rng.pick(HOSTILE_NUMBERS) : d)) : [rng.pick(HOSTILE_NUMBERS)];
    else if (how === 1) e.dtype = rng.pick(DTYPES);
    else if (how === 2) e.quantization = rng.pick<Json>([{ dtype: 'uint8', scale: rng.pick(HOSTILE_NUMBERS), min: rng.pick(HOSTILE_NUMBERS) }, { dtype: 'float16' }, { dtype: 'uint16', scale: 1 }, { dtype: 'int4' }, null, 'x']);
    else if (how === 3) e.name = rng.pick(HOSTILE_NAMES);
    else if (how === 4) e.shape = [2 ** 26, 2 ** 26];
    else e.group = 'optimizer';
    return `weight '${String(e.name).slice(0, 30)}' ${['shape', 'dtype', 'quantization', 'name', 'huge shape', 'optimizer'][how]}`;
  }, 3],
  ['weights', (rng, json) => {
    const g = groups(json);
    if (!g.length) return undefined;
    const group = rng.pick(g);
    const list = Array.isArray(group.weights) ? group.weights : [];
    const how = rng.int(3);
    if (how === 0 && list.length) group.weights = [...list, ...Array.from({ length: rng.pick([2, 500, 20_000]) }, () => list[rng.int(list.length)])];
    else if (how === 1) group.weights = list.slice(0, rng.int(list.length + 1));
    else group.weights = [...list].reverse();
    return `weights of a group ${['duplicated', 'cut', 'reversed'][how]}`;
  }, 1],
  ['paths', (rng, json, files) => {
    const g = groups(json);
    if (!g.length) return undefined;
    const group = rng.pick(g);
    const p = rng.pick(SHARD_PATHS);
    const paths = Array.isArray(group.paths) ? [...group.paths] : [];
    if (paths.length && rng.chance(0.6)) paths[rng.int(paths.length)] = p;
    else paths.push(p);
    group.paths = paths;
    if (p === 'folder') files.set(p, { name: p, kind: 'folder' });
    if (p === 'fifo') files.set(p, { name: p, kind: 'fifo' });
    if (p === 'link.bin') files.set(p, { name: p, kind: 'symlink', target: rng.pick(['/etc/passwd', '/dev/zero', '../outside.bin', 'model.json']) });
    if (p === 'loop.bin') files.set(p, { name: p, kind: 'symlink', target: 'loop.bin' });
    return `shard path ${JSON.stringify(p)}`;
  }, 2],
  ['shard', (rng, _json, files) => {
    const shards = [...files.values()].filter((f) => f.kind === 'file');
    if (!shards.length) return undefined;
    const f = rng.pick(shards);
    const how = rng.int(6);
    const b = f.bytes ?? new Uint8Array();
    if (how === 0) f.bytes = b.subarray(0, rng.int(b.length + 1));
    else if (how === 1) f.bytes = Uint8Array.from([...b, ...new Uint8Array(rng.range(1, 64)).fill(0xff)]);
    else if (how === 2) files.delete(f.name);
    else if (how === 3) files.set(f.name, { name: f.name, kind: 'folder' });
    else if (how === 4) files.set(f.name, { name: f.name, kind: 'fifo' });
    else {
      const out = b.slice();
      for (let i = 0; i < 8 && out.length; i++) out[rng.int(out.length)] = rng.pick([0xff, 0x7f, 0x80, 0]);
      f.bytes = out;
    }
    return `shard '${f.name}' ${['cut', 'extended', 'removed', 'a folder', 'a pipe', 'bytes set'][how]}`;
  }, 2],
  ['layer', (rng, json) => {
    const layers = layersOf(json);
    if (!layers.length) return undefined;
    const l = rng.pick(layers);
    const how = rng.int(6);
    const config = isObj(l.config) ? l.config : (l.config = {});
    if (how === 0) l.class_name = rng.pick(CLASSES);
    else if (how === 1) setOwn(config, rng.pick(['units', 'filters', 'activation', 'alpha', 'theta', 'max_value', 'threshold', 'negative_slope', 'scale', 'center', 'transpose_b', 'batch_input_shape']), hostileValue(rng));
    else if (how === 2) config.activation = rng.pick(['relu', 'relu6', 'leakyrelu', 'linear', 'constructor', '__proto__', 'toString', 'selu', 'gelu', 'hardSigmoid']);
    else if (how === 3) {
      const name = rng.pick([...HOSTILE_NAMES, 'model/dense', 'a/b/c', String(rng.pick(layers).name ?? 'x')]);
      l.name = name;
      config.name = name;
    } else if (how === 4) l.inbound_nodes = rng.pick<Json>([[[[String(rng.pick(layers).name ?? 'x'), rng.pick([0, 1, 2 ** 40, -1]), rng.pick([0, 5, 2 ** 31])]]], [[['missing', 0, 0]]], [], 'x', [[[String(l.name ?? ''), 0, 0, {}]]], deep(300), DEEP]);
    else config.layers = rng.pick<Json>([[], JSON.parse(JSON.stringify(layers.slice(0, 3))) as Json, null]); // a copy: no cycle
    return `layer '${String(l.name).slice(0, 30)}' ${['class', 'config value', 'activation', 'name', 'inbound nodes', 'nested layers'][how]}`;
  }, 4],
  ['layers', (rng, json) => {
    const parents = slots(json).filter((s) => s.key === 'layers').map((s) => (s.parent as Record<string | number, Json>)[s.key]).filter((v): v is Json[] => Array.isArray(v));
    if (!parents.length) return undefined;
    const list = rng.pick(parents);
    if (!list.length) return undefined;
    const k = rng.pick([2, 200, 20_000]);
    const l = list[rng.int(list.length)];
    for (let i = 0; i < k; i++) list.push(isObj(l) ? { ...l, name: rng.chance(0.5) ? `${String(l.name)}_${i}` : l.name } : l);
    return `layer copied ×${k}`;
  }, 1],
  ['graph', (rng, json) => {
    const nodes = graphNodes(json);
    if (!nodes.length) return undefined;
    const n = rng.pick(nodes);
    const how = rng.int(5);
    if (how === 0) n.op = rng.pick(TF_OPS);
    else if (how === 1) n.input = [...(Array.isArray(n.input) ? n.input : []), `${String(rng.pick(nodes).name)}:${rng.pick([1, 15, 16, 4294967296, 99999999999999999999])}`];
    else if (how === 2) n.input = [String(n.name), `^${String(n.name)}`];
    else if (how === 3) n.attr = { ...(isObj(n.attr) ? n.attr : {}), value: { tensor: { dtype: rng.pick(['DT_FLOAT', 'DT_INT32', 'DT_STRING', 7, 99]), tensorShape: { dim: [{ size: String(rng.pick(HOSTILE_NUMBERS)) }] }, ...(rng.chance(0.5) ? { tensorContent: 'AAAA' } : { floatVal: [rng.pick(HOSTILE_NUMBERS)] }) } } };
    else n.attr = { ...(isObj(n.attr) ? n.attr : {}), fused_ops: { list: { s: [rng.pick(['UmVsdQ==', 'TGVha3lSZWx1', 'Qmlhc0FkZA==', 'Y29uc3RydWN0b3I='])] } }, leakyrelu_alpha: { f: rng.pick(HOSTILE_NUMBERS) } };
    return `graph node '${String(n.name).slice(0, 30)}' ${['op', 'input', 'self input', 'const tensor', 'fused ops'][how]}`;
  }, 3],
];

/** Nesting deeper than JSON.stringify could write: replaced in the text by 100,000 brackets. */
const DEEP = '@@DEEP@@';

function deep(depth: number): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const TEXT: [string, (rng: Rng, text: string) => { text: string; note: string }, number][] = [
  ['cut', (rng, t) => {
    const n = rng.int(t.length);
    return { text: t.slice(0, n), note: `JSON cut at ${n}` };
  }, 2],
  ['chars', (rng, t) => {
    const chars = t.split('');
    const k = rng.range(1, 8);
    for (let i = 0; i < k; i++) chars[rng.int(chars.length)] = rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '0', 'e', '\u0000', 'é']);
    return { text: chars.join(''), note: `${k} JSON characters replaced` };
  }, 2],
  ['number', (rng, t) => {
    const numbers = [...t.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
    if (!numbers.length) return { text: t, note: 'no number' };
    const m = rng.pick(numbers);
    const v = rng.pick(['1e999', '-1e999', '9007199254740993', '-0', '1e-400', '18446744073709551616', '0.5']);
    return { text: t.slice(0, m.index) + v + t.slice(m.index! + m[0].length), note: `number ${m[0]} → ${v}` };
  }, 2],
];

/** Mutates a TF.js model folder: 1–3 structured mutations, sometimes a text-level one on top. */
export function mutateTfjs(rng: Rng, seed: TfjsFolder): MutatedFolder {
  const notes: string[] = [];
  const files = new Map<string, Sidecar>();
  for (const [name, bytes] of seed.shards) files.set(name, { name, kind: 'file', bytes });
  const json = JSON.parse(seed.json) as Json;
  const count = rng.weighted([[0, 1], [1, 4], [2, 3], [3, 2]] as const);
  for (let i = 0; i < count; i++) {
    const [name, fn] = rng.weighted(MUTATIONS.map((e) => [e, e[2]] as const));
    const note = fn(rng, json, files);
    if (note) notes.push(`${name}: ${note}`);
  }
  let deepWritten = 0;
  let text = JSON.stringify(json)
    .replaceAll(INFINITY, '1e999')
    .replaceAll(NEG_INFINITY, '-1e999')
    .replaceAll(HUGE_EXPONENT, '123e45678')
    // The first deep value is 100,000 levels; copies of it (layers copied ×20,000) stay shallow.
    .replaceAll(`"${DEEP}"`, () => (deepWritten++ ? '[[1]]' : `${'['.repeat(100_000)}1${']'.repeat(100_000)}`));
  if (count === 0 || rng.chance(0.25)) {
    const [name, fn] = rng.weighted(TEXT.map((e) => [e, e[2]] as const));
    const r = fn(rng, text);
    text = r.text;
    notes.push(`${name}: ${r.note}`);
  }
  return { json: text, files: [...files.values()], notes };
}
