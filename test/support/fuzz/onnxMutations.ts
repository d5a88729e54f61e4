// Structure-aware mutations of ONNX models. Two levels:
// - protobuf: truncation, bit flips, forged varints and length prefixes, fields spliced, moved,
//   duplicated or dropped, wire types changed — what a damaged or forged file looks like;
// - ONNX meaning: valid protobuf with hostile content — dims and dtypes, data that does not match
//   its shape, NaN and huge attribute values, input fan-in, names like __proto__ and constructor,
//   graph cycles, nested subgraphs, external-data locations that try to leave the folder.
import { onnx } from 'onnx-proto';
import type { Rng } from './rng';
import { encodeFields, lengthFields, parseMessage, varint, type WireField } from './wire';

/** A file next to the model that a case needs (external data), or a special file. */
export interface Sidecar {
  name: string;
  kind: 'file' | 'folder' | 'fifo' | 'symlink';
  bytes?: Uint8Array;
  /** symlink target */
  target?: string;
}

export interface Mutated {
  bytes: Uint8Array;
  notes: string[];
  sidecars: Sidecar[];
}

export const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '', ' ', 'a\nb', 'é\u0000x', '../x', 'Relu', 'x'.repeat(5000)];
const HOSTILE_DIMS = [0, 1, 2, 3, 7, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 33, 2 ** 40, 2 ** 53, 2 ** 62, -1, -(2 ** 31)];
const HOSTILE_FLOATS = [NaN, Infinity, -Infinity, 0, -0, 1e38, -1e38, 3.4e38, 1e-45, 6, 100, -5];
const HOSTILE_INTS = [0, 1, -1, 2, 3, 2 ** 31, -(2 ** 31), 2 ** 40, 2 ** 53 - 1, 2 ** 62, -(2 ** 62)];
const OPS = [
  'Relu', 'Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Concat', 'Max', 'Min', 'Sum', 'Add', 'Sub', 'Clip',
  'ThresholdedRelu', 'LeakyRelu', 'Elu', 'Selu', 'PRelu', 'HardSigmoid', 'Identity', 'Reshape', 'Flatten',
  'Dropout', 'Transpose', 'Softmax', 'Sigmoid', 'Tanh', 'Loop', 'If', 'Scan', 'Constant', 'Pad', 'MaxPool',
  'GlobalAveragePool', 'FusedConv', 'FusedGemm', 'Expand', 'Resize', 'Squeeze', 'Unsqueeze',
];
const LOCATIONS = ['../outside.bin', '/etc/passwd', 'C:\\w.bin', 'sub/../../x.bin', 'weights.bin', 'missing.bin', 'folder', 'fifo', 'link.bin', 'loop.bin', '', '.', 'a\u0000b', 'model.onnx', 'sub/w.bin', `${'a/'.repeat(3000)}w.bin`];

type Tensor = onnx.ITensorProto;
type Graph = onnx.IGraphProto;

function graphsOf(g: Graph | null | undefined, out: Graph[] = []): Graph[] {
  if (!g) return out;
  out.push(g);
  for (const n of g.node ?? []) {
    for (const a of n.attribute ?? []) {
      if (a.g) graphsOf(a.g, out);
      for (const sg of a.graphs ?? []) graphsOf(sg, out);
    }
  }
  return out;
}

function tensorsOf(m: onnx.IModelProto): Tensor[] {
  const out: Tensor[] = [];
  for (const g of graphsOf(m.graph)) {
    out.push(...(g.initializer ?? []));
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) {
      if (a.t) out.push(a.t);
      out.push(...(a.tensors ?? []));
    }
  }
  return out;
}

function nodesOf(m: onnx.IModelProto): onnx.INodeProto[] {
  const out: onnx.INodeProto[] = [];
  for (const g of graphsOf(m.graph)) out.push(...(g.node ?? []));
  for (const f of m.functions ?? []) out.push(...(f.node ?? []));
  return out;
}

function valueInfos(m: onnx.IModelProto): onnx.IValueInfoProto[] {
  const out: onnx.IValueInfoProto[] = [];
  for (const g of graphsOf(m.graph)) out.push(...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? []));
  return out;
}

function pickOr<T>(rng: Rng, list: T[]): T | undefined {
  return list.length ? rng.pick(list) : undefined;
}

type Meaning = (rng: Rng, m: onnx.IModelProto, sidecars: Sidecar[]) => string | undefined;

const MEANING: [string, Meaning, number][] = [
  ['dims', (rng, m) => {
    const t = pickOr(rng, tensorsOf(m));
    if (!t) return undefined;
    const dims = [...(t.dims ?? [])] as number[];
    const how = rng.int(4);
    if (how === 0 && dims.length) dims[rng.int(dims.length)] = rng.pick(HOSTILE_DIMS);
    else if (how === 1) dims.splice(rng.int(dims.length + 1), 0, rng.pick(HOSTILE_DIMS));
    else if (how === 2 && dims.length) dims.splice(rng.int(dims.length), 1);
    else for (let i = 0; i < dims.length; i++) if (rng.chance(0.5)) dims[i] = rng.pick(HOSTILE_DIMS);
    t.dims = dims;
    return `dims of '${t.name}' → [${dims.join(',')}]`;
  }, 4],
  ['dtype', (rng, m) => {
    if (rng.chance(0.6)) {
      const t = pickOr(rng, tensorsOf(m));
      if (!t) return undefined;
      t.dataType = rng.chance(0.8) ? rng.int(28) : rng.pick([99, 2 ** 31 - 1, -1]);
      return `dtype of '${t.name}' → ${t.dataType}`;
    }
    const v = pickOr(rng, valueInfos(m));
    if (!v?.type?.tensorType) return undefined;
    v.type.tensorType.elemType = rng.int(30);
    return `elem type of value '${v.name}' → ${v.type.tensorType.elemType}`;
  }, 2],
  ['data', (rng, m) => {
    const t = pickOr(rng, tensorsOf(m));
    if (!t) return undefined;
    const how = rng.int(7);
    const raw = t.rawData ?? new Uint8Array();
    switch (how) {
      case 0: t.rawData = raw.subarray(0, rng.int(raw.length + 1)); return `raw_data of '${t.name}' cut`;
      case 1: t.rawData = new Uint8Array(raw.length + rng.range(1, 64)).fill(0x41); return `raw_data of '${t.name}' extended`;
      case 2: t.rawData = new Uint8Array(); t.floatData = Array.from({ length: rng.pick([0, 1, 3, 1000]) }, () => rng.pick(HOSTILE_FLOATS)); return `data of '${t.name}' → float_data`;
      case 3: t.rawData = new Uint8Array(); t.int64Data = [rng.pick(HOSTILE_INTS)]; return `data of '${t.name}' → one int64`;
      case 4: t.rawData = new Uint8Array(); t.int32Data = Array.from({ length: rng.pick([1, 2, 100]) }, () => rng.pick(HOSTILE_INTS) | 0); return `data of '${t.name}' → int32_data`;
      case 5: t.rawData = new Uint8Array(); t.floatData = []; t.int32Data = []; t.int64Data = []; return `data of '${t.name}' removed`;
      default: t.rawData = new Uint8Array(); t.stringData = [new TextEncoder().encode(rng.pick(HOSTILE_NAMES))]; return `data of '${t.name}' → a string`;
    }
  }, 3],
  ['attribute', (rng, m) => {
    const n = pickOr(rng, nodesOf(m));
    if (!n) return undefined;
    n.attribute ??= [];
    const a = rng.chance(0.6) && n.attribute.length ? rng.pick(n.attribute) : { name: rng.pick(['alpha', 'beta', 'group', 'axis', 'transB', 'min', 'max', 'theta', 'activation', ...HOSTILE_NAMES.slice(0, 6)]) };
    if (!n.attribute.includes(a)) n.attribute.push(a);
    const how = rng.int(6);
    if (how === 0) Object.assign(a, { type: 1, f: rng.pick(HOSTILE_FLOATS) });
    else if (how === 1) Object.assign(a, { type: 2, i: rng.pick(HOSTILE_INTS) });
    else if (how === 2) Object.assign(a, { type: rng.int(16) });
    else if (how === 3) Object.assign(a, { type: 7, ints: Array.from({ length: rng.pick([0, 3, 10_000]) }, () => rng.pick(HOSTILE_INTS)) });
    else if (how === 4) Object.assign(a, { type: 6, floats: Array.from({ length: rng.pick([1, 3, 10_000]) }, () => rng.pick(HOSTILE_FLOATS)) });
    else Object.assign(a, { type: 3, s: new TextEncoder().encode(rng.pick([...HOSTILE_NAMES, 'Relu', 'Clip', 'LeakyRelu'])) });
    return `attribute '${a.name}' of '${n.name}' (${n.opType}) → ${JSON.stringify({ type: a.type, f: a.f, i: a.i })}`;
  }, 4],
  ['fanin', (rng, m) => {
    const n = pickOr(rng, nodesOf(m));
    if (!n) return undefined;
    const k = rng.pick([2, 100, 5000, 60_000]);
    const ins = n.input?.length ? n.input : ['x'];
    const how = rng.int(3);
    if (how === 0) n.input = Array.from({ length: k }, (_, i) => ins[i % ins.length]);
    else if (how === 1) n.input = [...ins, ...Array.from({ length: k }, (_, i) => `missing_${i % 50}`)];
    else n.input = [...ins, ...Array.from({ length: Math.min(k, 1000) }, () => '')];
    return `fan-in of '${n.name}' (${n.opType}) → ${n.input.length}`;
  }, 2],
  ['names', (rng, m) => {
    const name = rng.pick(HOSTILE_NAMES);
    const how = rng.int(6);
    const n = pickOr(rng, nodesOf(m));
    if (how === 0 && n) n.opType = name;
    else if (how === 1 && n) n.name = name;
    else if (how === 2 && n) n.domain = rng.pick([name, 'com.microsoft', 'ai.onnx', 'ai.onnx.ml']);
    else if (how === 3) {
      m.metadataProps = [...(m.metadataProps ?? []), { key: name, value: rng.pick(HOSTILE_NAMES) }];
    } else if (how === 4) {
      m.opsetImport = [...(m.opsetImport ?? []), { domain: name, version: rng.pick(HOSTILE_INTS) }];
    } else {
      // Rename a value everywhere it appears, or just in one place.
      const t = pickOr(rng, tensorsOf(m));
      if (!t) return undefined;
      t.name = name;
    }
    return `name → ${JSON.stringify(name.slice(0, 20))} (how ${how})`;
  }, 3],
  ['op', (rng, m) => {
    const n = pickOr(rng, nodesOf(m));
    if (!n) return undefined;
    n.opType = rng.pick(OPS);
    if (n.opType.startsWith('Fused')) n.domain = 'com.microsoft';
    return `op of '${n.name}' → ${n.opType}`;
  }, 3],
  ['cycle', (rng, m) => {
    const nodes = m.graph?.node ?? [];
    if (nodes.length < 1) return undefined;
    const i = rng.int(nodes.length), j = rng.range(i, nodes.length - 1);
    const out = nodes[j].output?.[0];
    if (!out) return undefined;
    nodes[i].input = [...(nodes[i].input ?? []), out];
    return `node ${i} reads the output of node ${j}`;
  }, 1],
  ['external', (rng, m, sidecars) => {
    const t = pickOr(rng, m.graph?.initializer ?? []);
    if (!t) return undefined;
    const location = rng.pick(LOCATIONS);
    const raw = t.rawData ?? new Uint8Array();
    t.rawData = new Uint8Array();
    t.dataLocation = 1;
    const entries: onnx.IStringStringEntryProto[] = [{ key: 'location', value: location }];
    if (rng.chance(0.5)) entries.push({ key: 'offset', value: rng.pick(['0', '4', '-1', '1e30', 'NaN', '9007199254740993', String(rng.int(64))]) });
    if (rng.chance(0.5)) entries.push({ key: 'length', value: rng.pick(['0', String(raw.length), String(raw.length + 4), '-5', 'abc', '1e300']) });
    if (rng.chance(0.2)) entries.push({ key: rng.pick(HOSTILE_NAMES), value: 'x' });
    t.externalData = entries;
    if (location === 'weights.bin' || location === 'sub/w.bin') sidecars.push({ name: location, kind: 'file', bytes: rng.chance(0.7) ? raw : raw.subarray(0, rng.int(raw.length + 1)) });
    if (location === 'folder') sidecars.push({ name: 'folder', kind: 'folder' });
    if (location === 'fifo') sidecars.push({ name: 'fifo', kind: 'fifo' });
    if (location === 'link.bin') sidecars.push({ name: 'link.bin', kind: 'symlink', target: rng.pick(['/etc/passwd', '/dev/zero', '../x.bin', 'model.onnx']) });
    if (location === 'loop.bin') sidecars.push({ name: 'loop.bin', kind: 'symlink', target: 'loop.bin' });
    return `'${t.name}' external at ${JSON.stringify(location.slice(0, 30))} ${JSON.stringify(entries.slice(1).map((e) => e.value))}`;
  }, 2],
  ['nest', (rng, m) => {
    const g = m.graph;
    if (!g) return undefined;
    const depth = rng.pick([1, 3, 30]);
    let inner: Graph = { name: 'body', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }], output: [{ name: 'y' }] };
    for (let d = 0; d < depth; d++) {
      // The else branch is a fresh graph: sharing `inner` in both would double the tree per level.
      const other: Graph = { name: `e${d}`, node: [{ opType: 'Identity', input: ['x'], output: [`o${d}`] }], output: [{ name: `o${d}` }] };
      inner = { name: `b${d}`, node: [{ opType: 'If', input: ['c'], output: [`o${d}`], attribute: [{ name: 'then_branch', type: 5, g: inner }, { name: 'else_branch', type: 5, g: other }] }], output: [{ name: `o${d}` }] };
    }
    g.node = [...(g.node ?? []), ...(inner.node ?? [])];
    return `If nesting of depth ${depth}`;
  }, 1],
  ['duplicate', (rng, m) => {
    const g = m.graph;
    if (!g) return undefined;
    let k = rng.pick([2, 50, 2000]);
    if (rng.chance(0.5) && g.node?.length) {
      const n = rng.pick(g.node);
      // At most ~200,000 names in all: a node of 5,000 inputs copied 2,000 times is a 60 MB case.
      k = Math.max(1, Math.min(k, Math.floor(200_000 / ((n.input?.length ?? 0) + (n.output?.length ?? 0) + 1))));
      g.node = [...g.node, ...Array.from({ length: k }, () => ({ ...n }))];
      return `node '${n.name}' ×${k}`;
    }
    const t = pickOr(rng, g.initializer ?? []);
    if (!t) return undefined;
    g.initializer = [...(g.initializer ?? []), ...Array.from({ length: Math.min(k, 200) }, () => ({ ...t }))];
    return `initializer '${t.name}' ×${Math.min(k, 200)}`;
  }, 1],
  ['shapes', (rng, m) => {
    const v = pickOr(rng, valueInfos(m));
    const dims = v?.type?.tensorType?.shape?.dim;
    if (!v || !dims) return undefined;
    for (const d of dims) {
      if (rng.chance(0.5)) {
        if (rng.chance(0.5)) Object.assign(d, { dimValue: rng.pick(HOSTILE_INTS), dimParam: undefined });
        else Object.assign(d, { dimParam: rng.pick(HOSTILE_NAMES), dimValue: undefined });
      }
    }
    return `dims of value '${v.name}' mutated`;
  }, 1],
  ['relu', (rng, m) => {
    const g = m.graph;
    const n = pickOr(rng, g?.node ?? []);
    const out = n?.output?.[0];
    if (!g || !n || !out) return undefined;
    // A ReLU after a node makes the rules look at it (and at the weights that feed it).
    g.node = [...(g.node ?? []), { opType: rng.pick(['Relu', 'Relu', 'Clip', 'ThresholdedRelu']), name: `fuzz_relu_${rng.int(1000)}`, input: [out], output: [`${out}_relu`] }];
    return `ReLU after '${n.name}'`;
  }, 2],
  ['outputs', (rng, m) => {
    const g = m.graph;
    if (!g) return undefined;
    const how = rng.int(3);
    if (how === 0) g.output = [];
    else if (how === 1) g.input = [];
    else g.output = [...(g.output ?? []), { name: rng.pick(HOSTILE_NAMES) }];
    return `graph inputs/outputs mutated (${how})`;
  }, 1],
  ['sparse', (rng, m) => {
    const g = m.graph;
    if (!g) return undefined;
    g.sparseInitializer = [...(g.sparseInitializer ?? []), { dims: [rng.pick(HOSTILE_DIMS), rng.pick(HOSTILE_DIMS)], values: { name: rng.pick(HOSTILE_NAMES), dims: [rng.pick(HOSTILE_DIMS)], dataType: 1 }, indices: { name: 'i', dims: [1], dataType: 7, int64Data: [rng.pick(HOSTILE_INTS)] } }];
    return 'sparse initializer added';
  }, 1],
];

type Wire = (rng: Rng, bytes: Uint8Array) => { bytes: Uint8Array; note: string } | undefined;

function forgeLength(rng: Rng, bytes: Uint8Array): { bytes: Uint8Array; note: string } | undefined {
  const tree = parseMessage(bytes, 12);
  if (!tree) return undefined;
  const fields = lengthFields(tree);
  if (!fields.length) return undefined;
  const f = rng.pick(fields);
  const at = f.bytes.byteOffset - bytes.byteOffset;
  const prefixStart = at - (f.prefix ?? 1);
  const len = f.bytes.length;
  const forged = rng.pick([0, 1, len + 1, len - 1, len + rng.range(2, 100), 2 ** 31 - 1, 2 ** 32 + len, 2 ** 53, Math.max(0, len - rng.range(2, 100))]);
  const prefix = varint(BigInt(Math.max(0, forged)));
  const out = new Uint8Array(bytes.length - (f.prefix ?? 1) + prefix.length);
  out.set(bytes.subarray(0, prefixStart));
  out.set(prefix, prefixStart);
  out.set(bytes.subarray(at), prefixStart + prefix.length);
  return { bytes: out, note: `length prefix at ${prefixStart}: ${len} → ${forged}` };
}

/** Picks a random message in the tree (its field list) to splice into. */
function messages(tree: WireField[], out: WireField[][] = []): WireField[][] {
  out.push(tree);
  for (const f of tree) if (f.wire === 2 && f.children) messages(f.children, out);
  return out;
}

function splice(rng: Rng, bytes: Uint8Array): { bytes: Uint8Array; note: string } | undefined {
  const tree = parseMessage(bytes, 12);
  if (!tree) return undefined;
  const all = messages(tree);
  const from = rng.pick(all);
  const to = rng.pick(all);
  if (!from.length) return undefined;
  const i = rng.int(from.length);
  const how = rng.int(5);
  let note: string;
  if (how === 0) {
    // A snapshot, so copying a message into its own subtree makes no cycle; at most ~8 MB of copies.
    const f = from[i];
    const copy: WireField = f.wire === 2 && f.children ? { field: f.field, wire: 2, bytes: encodeFields(f.children) } : f;
    const size = copy.wire === 0 ? 10 : copy.bytes.length + 10;
    const k = Math.max(1, Math.min(rng.pick([1, 2, 100, 3000]), Math.floor((8 << 20) / size)));
    for (let n = 0; n < k; n++) to.splice(rng.int(to.length + 1), 0, copy);
    note = `field ${f.field} copied ×${k}`;
  } else if (how === 1) {
    to.splice(rng.int(to.length + 1), 0, ...from.splice(i, 1));
    note = `field ${from[i]?.field} moved`;
  } else if (how === 2) {
    from.splice(i, 1);
    note = 'field dropped';
  } else if (how === 3) {
    const f = from[i];
    from[i] = { ...f, field: rng.pick([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 13, 14, 15, 20, 25, rng.range(1, 2 ** 29 - 1)]) } as WireField;
    note = `field ${f.field} renumbered ${from[i].field}`;
  } else {
    const j = rng.int(from.length);
    [from[i], from[j]] = [from[j], from[i]];
    note = 'fields swapped';
  }
  return { bytes: encodeFields(tree), note };
}

const WIRE: [string, Wire, number][] = [
  ['truncate', (rng, b) => {
    const n = rng.int(b.length);
    return { bytes: b.subarray(0, n), note: `cut at ${n} of ${b.length}` };
  }, 2],
  ['bitflip', (rng, b) => {
    const out = b.slice();
    const k = rng.range(1, 16);
    for (let i = 0; i < k; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return { bytes: out, note: `${k} bits flipped` };
  }, 3],
  ['bytes', (rng, b) => {
    const out = b.slice();
    const k = rng.range(1, 8);
    for (let i = 0; i < k; i++) out[rng.int(out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x08, 0x0a, 0x12]);
    return { bytes: out, note: `${k} bytes set` };
  }, 2],
  ['length', forgeLength, 4],
  ['splice', splice, 4],
  ['wiretype', (rng, b) => {
    const tree = parseMessage(b, 12);
    if (!tree) return undefined;
    const all = messages(tree).filter((m) => m.length);
    if (!all.length) return undefined;
    const msg = rng.pick(all);
    const i = rng.int(msg.length);
    const f = msg[i];
    if (f.wire === 0) msg[i] = { field: f.field, wire: 2, bytes: new Uint8Array(varint(f.value)) };
    else if (f.wire === 2) msg[i] = { field: f.field, wire: 0, value: BigInt(f.bytes.length) };
    else msg[i] = { field: f.field, wire: 2, bytes: f.bytes };
    return { bytes: encodeFields(tree), note: `wire type of field ${f.field} changed` };
  }, 1],
  ['insert', (rng, b) => {
    const at = rng.int(b.length + 1);
    const junk = Uint8Array.from({ length: rng.range(1, 32) }, () => rng.int(256));
    const out = new Uint8Array(b.length + junk.length);
    out.set(b.subarray(0, at));
    out.set(junk, at);
    out.set(b.subarray(at), at + junk.length);
    return { bytes: out, note: `${junk.length} bytes inserted at ${at}` };
  }, 1],
  ['repeat', (rng, b) => {
    const start = rng.int(b.length), len = rng.range(1, Math.min(4096, b.length - start));
    const times = rng.pick([2, 10, 1000]);
    const chunk = b.subarray(start, start + len);
    const out = new Uint8Array(b.length + len * (times - 1));
    out.set(b.subarray(0, start + len));
    for (let t = 1; t < times; t++) out.set(chunk, start + len * t);
    out.set(b.subarray(start + len), start + len * times);
    return { bytes: out, note: `${len} bytes at ${start} repeated ×${times}` };
  }, 1],
];

/** Mutates an ONNX model: 1–3 meaning mutations, then (often) a protobuf-level one. */
export function mutateOnnx(rng: Rng, seed: Uint8Array): Mutated {
  const notes: string[] = [];
  const sidecars: Sidecar[] = [];
  let bytes = seed;
  const meaningCount = rng.weighted([[0, 2], [1, 4], [2, 3], [3, 1]] as const);
  let m: onnx.ModelProto | undefined;
  try {
    m = onnx.ModelProto.decode(seed);
  } catch {
    m = undefined; // a seed onnx-proto cannot decode (a hostile fixture) gets wire-level damage only
  }
  if (meaningCount > 0 && m) {
    for (let i = 0; i < meaningCount; i++) {
      const [name, fn] = rng.weighted(MEANING.map((e) => [e, e[2]] as const));
      const note = fn(rng, m, sidecars);
      if (note) notes.push(`${name}: ${note}`);
    }
    bytes = onnx.ModelProto.encode(m).finish();
  }
  if (meaningCount === 0 || !m || rng.chance(0.4)) {
    const [name, fn] = rng.weighted(WIRE.map((e) => [e, e[2]] as const));
    const r = fn(rng, bytes);
    if (r) {
      bytes = r.bytes;
      notes.push(`${name}: ${r.note}`);
    }
  }
  return { bytes, notes, sidecars };
}
