// The ONNX reader: opens a .onnx file without reading its weight bytes and produces the core model.
// Structure is decoded by onnx-proto from a skeleton of the file (see skeleton.ts); tensor data
// stays on disk and is read by offset when asked for.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import {
  fileKeyed,
  ModelError,
  type Attribute,
  type AttributeValue,
  type Dim,
  type FunctionDef,
  type Graph,
  type Model,
  type Node,
  type SparseTensor,
  type Tensor,
  type ValueInfo,
} from '../../core/model';
import { onnxDTypeName } from '../../core/dtypes';
import { FileRefused, fsErrorText } from '../files';
import { FileWindow } from './fileWindow';
import { buildSkeleton, markerId, WireError, type DataRef, type SkeletonLayout } from './skeleton';
import { OnnxTensor, type TensorData } from './tensor';
import { resolveExternalPath } from './externalData';
import { checkAcyclic } from './validate';

export interface OnnxModel extends Model {
  /** Byte ranges of the file's top-level structure, for byte-level patching (rewrites). */
  layout: SkeletonLayout;
}

type Long = { low: number; high: number; unsigned: boolean; toString(): string };

function num(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const high = v.unsigned ? v.high >>> 0 : v.high | 0;
  return high * 4294967296 + (v.low >>> 0);
}

/** int64 values: exact numbers where safe, else the decimal string. */
function int64(v: number | Long | null | undefined): number | string {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = num(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

const utf8 = new TextDecoder('utf-8');

class Converter {
  private readonly dir: string;
  /** One string per distinct op type and attribute name: the decoder makes a new one for every
   *  occurrence (25,000 copies of "Constant" and of "value" in the 100,000-node bench model). */
  private readonly words = new Map<string, string>();
  constructor(
    private readonly file: string,
    private readonly dataRefs: DataRef[],
    private readonly fileSize: number,
  ) {
    this.dir = path.dirname(file);
  }

  tensor(t: onnx.ITensorProto, context: string): Tensor {
    const dtype = onnxDTypeName(t.dataType ?? 0);
    const shape = (t.dims ?? []).map((d) => {
      const n = num(d);
      if (n < 0 || !Number.isFinite(n)) throw new ModelError(`${this.file}: tensor '${t.name ?? ''}' in ${context} has an invalid dimension ${int64(d)}`);
      return n;
    });
    const name = t.name ?? '';
    let data: TensorData;
    const id = markerId(t.rawData);
    const ref = id !== undefined ? this.dataRefs[id] : undefined;
    if (t.dataLocation === 1) {
      const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
      const location = entries.get('location');
      if (!location) throw new ModelError(`${this.file}: tensor '${name}' has external data without a location`);
      const target = resolveExternalPath(this.file, location, name);
      const offset = Number(entries.get('offset') ?? 0);
      const lengthText = entries.get('length');
      const length = lengthText !== undefined ? Number(lengthText) : undefined;
      if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
        throw new ModelError(`${this.file}: tensor '${name}' has an invalid external data offset or length`);
      }
      data = { kind: 'external', file: target, offset, length };
    } else if (ref) {
      data = { kind: 'field', file: this.file, ref };
    } else if (t.stringData && t.stringData.length) {
      data = { kind: 'strings', values: t.stringData.map((s) => utf8.decode(s)) };
    } else {
      data = { kind: 'none' };
    }
    return new OnnxTensor(this.file, name, dtype, shape, data, t.docString || undefined, this.fileSize);
  }

  sparse(s: onnx.ISparseTensorProto, context: string): SparseTensor {
    return {
      values: this.tensor(s.values ?? {}, context),
      indices: this.tensor(s.indices ?? {}, context),
      dims: (s.dims ?? []).map(num),
    };
  }

  typeString(t: onnx.ITypeProto | null | undefined): string {
    if (!t) return '?';
    if (t.tensorType) {
      const shape = this.shape(t.tensorType.shape);
      return `tensor(${onnxDTypeName(t.tensorType.elemType ?? 0)})${shape ? `[${shape.map((d) => d ?? '?').join(',')}]` : ''}`;
    }
    if (t.sequenceType) return `seq(${this.typeString(t.sequenceType.elemType)})`;
    if (t.mapType) return `map(${onnxDTypeName(t.mapType.keyType ?? 0)},${this.typeString(t.mapType.valueType)})`;
    if (t.optionalType) return `optional(${this.typeString(t.optionalType.elemType)})`;
    if (t.sparseTensorType) return `sparse_tensor(${onnxDTypeName(t.sparseTensorType.elemType ?? 0)})`;
    return '?';
  }

  shape(s: onnx.ITensorShapeProto | null | undefined): Dim[] | undefined {
    if (!s) return undefined;
    return (s.dim ?? []).map((d) => {
      const which = (d as onnx.TensorShapeProto.Dimension).value;
      if (which === 'dimParam') return d.dimParam ?? '';
      if (which === 'dimValue') {
        const v = int64(d.dimValue);
        return typeof v === 'number' ? v : null;
      }
      return null;
    });
  }

  valueInfo(v: onnx.IValueInfoProto): ValueInfo {
    const t = v.type;
    let dtype = '?';
    let shape: Dim[] | undefined;
    if (t?.tensorType) {
      dtype = onnxDTypeName(t.tensorType.elemType ?? 0);
      shape = this.shape(t.tensorType.shape);
    } else if (t) {
      dtype = this.typeString(t);
    }
    return { name: v.name ?? '', dtype, shape, docString: v.docString || undefined };
  }

  private word(text: string): string {
    const known = this.words.get(text);
    if (known !== undefined) return known;
    this.words.set(text, text);
    return text;
  }

  attribute(a: onnx.IAttributeProto, context: string): Attribute {
    const name = this.word(a.name ?? '');
    const where = `${context}, attribute '${name}'`;
    let value: AttributeValue;
    const refName = (a as { refAttrName?: string }).refAttrName;
    if (refName) {
      value = { type: 'ref', value: refName };
    } else {
      switch (a.type ?? 0) {
        case 1: value = { type: 'float', value: a.f ?? 0 }; break;
        case 2: value = { type: 'int', value: int64(a.i) }; break;
        case 3: value = { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) }; break;
        case 4: value = { type: 'tensor', value: this.tensor(a.t ?? {}, where) }; break;
        case 5: value = { type: 'graph', value: this.graph(a.g ?? {}, `${where}`) }; break;
        case 11: value = { type: 'sparse_tensor', value: this.sparse(a.sparseTensor ?? {}, where) }; break;
        case 13: value = { type: 'type_proto', value: this.typeString(a.tp) }; break;
        case 6: value = { type: 'floats', value: a.floats ?? [] }; break;
        case 7: value = { type: 'ints', value: (a.ints ?? []).map(int64) }; break;
        case 8: value = { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) }; break;
        case 9: value = { type: 'tensors', value: (a.tensors ?? []).map((t) => this.tensor(t, where)) }; break;
        case 10: value = { type: 'graphs', value: (a.graphs ?? []).map((g) => this.graph(g, where)) }; break;
        case 12: value = { type: 'sparse_tensors', value: (a.sparseTensors ?? []).map((s) => this.sparse(s, where)) }; break;
        case 14: value = { type: 'type_protos', value: ((a as { tps?: onnx.ITypeProto[] }).tps ?? []).map((t) => this.typeString(t)) }; break;
        default:
          value = this.untypedAttribute(a, where);
      }
    }
    return { name, docString: a.docString || undefined, value };
  }

  /** IR version 1 models may leave `type` unset: infer it from the field that is filled. */
  private untypedAttribute(a: onnx.IAttributeProto, where: string): AttributeValue {
    if (a.floats?.length) return { type: 'floats', value: a.floats };
    if (a.ints?.length) return { type: 'ints', value: a.ints.map(int64) };
    if (a.strings?.length) return { type: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    if (a.t) return { type: 'tensor', value: this.tensor(a.t, where) };
    if (a.g) return { type: 'graph', value: this.graph(a.g, where) };
    if (a.s?.length) return { type: 'string', value: utf8.decode(a.s) };
    if (a.f) return { type: 'float', value: a.f };
    if (a.i) return { type: 'int', value: int64(a.i) };
    return { type: 'undefined', value: null };
  }

  node(n: onnx.INodeProto, index: number, context: string, initializerNames: Set<string>): Node {
    const name = n.name ?? '';
    const where = `${context} node '${name || `#${index}`}' (${n.opType ?? '?'})`;
    // protobufjs fills these lists by push, which reserves room for 17 entries: copied to their
    // exact length they take a fifth of the memory (most nodes have one to three of each), and a
    // 100,000-node model has 200,000 of them that live as long as the model.
    const inputs = n.input?.length ? n.input.slice() : [];
    let weights: string[] | undefined;
    if (initializerNames.size) for (const i of inputs) if (initializerNames.has(i)) (weights ??= []).push(i);
    return {
      name,
      opType: this.word(n.opType ?? ''),
      domain: n.domain === 'ai.onnx' || !n.domain ? '' : this.word(n.domain),
      inputs,
      outputs: n.output?.length ? n.output.slice() : [],
      attributes: (n.attribute ?? []).map((a) => this.attribute(a, where)),
      docString: n.docString || undefined,
      weights: weights?.slice(),
    };
  }

  /** `separateNodes`: the main graph's nodes, decoded here one at a time (skeleton.ts). */
  graph(g: onnx.IGraphProto, context: string, separateNodes?: { count: number; decode(i: number): onnx.INodeProto }): Graph {
    const where = context ? `${context} > graph '${g.name ?? ''}'` : `graph '${g.name ?? ''}'`;
    const initializers = (g.initializer ?? []).map((t) => this.tensor(t, where));
    const sparseInitializers = (g.sparseInitializer ?? []).map((s) => this.sparse(s, where));
    const initNames = new Set<string>([...initializers.map((t) => t.name), ...sparseInitializers.map((s) => s.values.name)]);
    let nodes: Node[];
    if (separateNodes) {
      nodes = new Array<Node>(separateNodes.count);
      for (let i = 0; i < separateNodes.count; i++) nodes[i] = this.node(separateNodes.decode(i), i, where, initNames);
    } else {
      nodes = (g.node ?? []).map((n, i) => this.node(n, i, where, initNames));
    }
    checkAcyclic(this.file, where, nodes);
    return {
      name: g.name ?? '',
      docString: g.docString || undefined,
      // Initializers listed in graph.input (IR < 4 style) are weights, not inputs.
      inputs: (g.input ?? []).filter((v) => !initNames.has(v.name ?? '')).map((v) => this.valueInfo(v)),
      outputs: (g.output ?? []).map((v) => this.valueInfo(v)),
      valueInfo: (g.valueInfo ?? []).map((v) => this.valueInfo(v)),
      nodes,
      initializers,
      sparseInitializers,
    };
  }

  functionDef(f: onnx.IFunctionProto): FunctionDef {
    const where = `function '${f.name ?? ''}'`;
    return {
      name: f.name ?? '',
      domain: f.domain ?? '',
      inputs: f.input ?? [],
      outputs: f.output ?? [],
      attributes: f.attribute ?? [],
      nodes: (f.node ?? []).map((n, i) => this.node(n, i, where, new Set())),
      opsets: opsetMap(f.opsetImport ?? []),
      docString: f.docString || undefined,
    };
  }
}

function opsetMap(list: onnx.IOperatorSetIdProto[]): Record<string, number> {
  const out = fileKeyed<number>();
  for (const o of list) out[o.domain === 'ai.onnx' ? '' : o.domain ?? ''] = num(o.version);
  return out;
}

/** protobufjs's decoding errors in words. Its offsets count bytes of the skeleton (the file without
 *  its weight data), not of the file, so they are left out. */
function decodeProblem(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  if (/index out of range/.test(m)) return 'a field runs past the end of its message (the file is truncated or corrupt)';
  if (/invalid varint/.test(m)) return 'a number is not validly encoded (the file is corrupt)';
  const wire = /invalid wire type (\d+)/.exec(m);
  if (wire) return `a field has the invalid wire type ${wire[1]} (the file is corrupt)`;
  return `its structure cannot be decoded (${m.slice(0, 200)})`;
}

export async function readOnnxModel(file: string): Promise<OnnxModel> {
  return readOnnxModelSync(file);
}

export function readOnnxModelSync(file: string): OnnxModel {
  const abs = path.resolve(file);
  let win: FileWindow;
  try {
    win = FileWindow.open(abs);
  } catch (e) {
    throw new ModelError(`${file}: ${e instanceof FileRefused ? e.message : fsErrorText(e)}`);
  }
  try {
    if (win.size === 0) throw new ModelError(`${file}: the file is empty, not an ONNX model`);
    let skeleton;
    try {
      skeleton = buildSkeleton(win);
    } catch (e) {
      if (e instanceof WireError) throw new ModelError(`${file}: not a valid ONNX model: ${e.message}`);
      throw e;
    }
    // As Buffers, protobufjs reads strings with Node's native UTF-8 decoder instead of its
    // JavaScript one. The decode alone, on the 100,000-node BERT-shaped bench model: 368 ms
    // instead of 509 on the first (cold) decode, 250–380 instead of 430–530 after.
    const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.length);
    const decode = <T>(what: () => T): T => {
      try {
        return what();
      } catch (e) {
        throw new ModelError(`${file}: not a valid ONNX model: ${decodeProblem(e)}`);
      }
    };
    const proto = decode(() => onnx.ModelProto.decode(asBuffer(skeleton.bytes)));
    const nodeBytes = asBuffer(skeleton.mainNodes.bytes);
    const nodeRanges = skeleton.mainNodes.ranges;
    const mainNodes = { count: nodeRanges.length, decode: (i: number) => decode(() => onnx.NodeProto.decode(nodeBytes.subarray(nodeRanges[i].start, nodeRanges[i].end))) };
    if (!proto.graph) throw new ModelError(`${file}: not an ONNX model: it has no graph`);
    const conv = new Converter(abs, skeleton.dataRefs, win.size);
    const metadata = fileKeyed<string>();
    for (const p of proto.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
    return {
      format: 'onnx',
      path: abs,
      producer: { name: proto.producerName ?? '', version: proto.producerVersion ?? '' },
      irVersion: num(proto.irVersion as number | Long),
      opsets: opsetMap(proto.opsetImport ?? []),
      domain: proto.domain || undefined,
      modelVersion: num(proto.modelVersion as number | Long) || undefined,
      docString: proto.docString || undefined,
      metadata,
      graph: conv.graph(proto.graph, '', mainNodes),
      functions: (proto.functions ?? []).map((f) => conv.functionDef(f)),
      warnings: [],
      layout: skeleton.layout,
    };
  } finally {
    win.close();
  }
}

export function isOnnxFile(file: string): boolean {
  return fs.existsSync(file) && file.toLowerCase().endsWith('.onnx');
}
