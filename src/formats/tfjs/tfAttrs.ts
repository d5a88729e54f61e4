// TensorFlow's JSON encoding of GraphDef values (AttrValue, TensorProto, TensorShapeProto,
// DataType) turned into core attributes and tensors.
import { decodeRaw, float16ToNumber, rawByteLength } from '../../core/dtypes';
import { exactElementCount, ModelError, numberOf, printable, textOf, type AttributeValue, type Dim, type Tensor } from '../../core/model';

/** A TensorProto's literal values stand for a longer tensor by repeating the last one; expanding
 *  beyond this many elements (128 MiB as float64) is a claim the JSON does not back. */
const MAX_EXPANDED = 1 << 24;

const TF_DTYPE_NAMES: Record<string, string> = {
  DT_FLOAT: 'float',
  DT_DOUBLE: 'double',
  DT_INT32: 'int32',
  DT_UINT8: 'uint8',
  DT_INT16: 'int16',
  DT_INT8: 'int8',
  DT_STRING: 'string',
  DT_COMPLEX64: 'complex64',
  DT_INT64: 'int64',
  DT_BOOL: 'bool',
  DT_BFLOAT16: 'bfloat16',
  DT_UINT16: 'uint16',
  DT_COMPLEX128: 'complex128',
  DT_HALF: 'float16',
  DT_UINT32: 'uint32',
  DT_UINT64: 'uint64',
};

/** DataType enum numbers, for JSON written with numeric enums. */
const TF_DTYPE_BY_NUMBER = [
  'DT_INVALID', 'DT_FLOAT', 'DT_DOUBLE', 'DT_INT32', 'DT_UINT8', 'DT_INT16', 'DT_INT8', 'DT_STRING', 'DT_COMPLEX64',
  'DT_INT64', 'DT_BOOL', 'DT_QINT8', 'DT_QUINT8', 'DT_QINT32', 'DT_BFLOAT16', 'DT_QINT16', 'DT_QUINT16', 'DT_UINT16',
  'DT_COMPLEX128', 'DT_HALF', 'DT_RESOURCE', 'DT_VARIANT', 'DT_UINT32', 'DT_UINT64',
];

/** The TF spelling of a DataType value ("DT_FLOAT"), whether written as a name or a number. */
export function tfDtypeName(v: unknown): string {
  if (typeof v === 'number') return TF_DTYPE_BY_NUMBER[v] ?? `DT_${v}`;
  return typeof v === 'string' ? v : 'DT_INVALID';
}

/** Core (ONNX-style) dtype name for a TF DataType. */
export function coreDtypeOfTf(v: unknown): string {
  const n = tfDtypeName(v).replace(/_REF$/, '');
  return (Object.hasOwn(TF_DTYPE_NAMES, n) ? TF_DTYPE_NAMES[n] : undefined) ?? n.replace(/^DT_/, '').toLowerCase();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A TensorShapeProto as dims (-1 → null, unknown); undefined for an unknown rank. */
export function tfShape(shape: unknown): Dim[] | undefined {
  if (!isObject(shape) || shape.unknownRank) return undefined;
  const dims = Array.isArray(shape.dim) ? shape.dim : [];
  return dims.map((d) => {
    const size = numberOf(isObject(d) ? d.size ?? 0 : 0);
    return Number.isFinite(size) && size >= 0 ? size : null;
  });
}

function tfNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return numberOf(v);
}

function tfInt(v: unknown): number | string {
  const n = numberOf(v);
  return Number.isSafeInteger(n) ? n : textOf(v);
}

function base64Text(v: unknown): string {
  return Buffer.from(textOf(v ?? ''), 'base64').toString('utf8');
}

/** A TensorProto stored in the JSON itself (Const values the converter did not move to the
 *  weights, or attribute tensors). Decoded only when its values are asked for. */
export class InlineTensor implements Tensor {
  readonly location = 'inline' as const;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly elementCount: number;
  readonly byteSize?: number;
  readonly scalarValue?: number;

  constructor(readonly name: string, private readonly proto: Record<string, unknown>) {
    this.dtype = coreDtypeOfTf(proto.dtype);
    this.shape = (tfShape(proto.tensorShape) ?? []).map((d) => (typeof d === 'number' ? d : 0));
    const count = exactElementCount(this.shape);
    if (count === undefined) throw new ModelError(`tensor '${printable(name)}' declares shape [${this.shape.slice(0, 8).join(', ')}${this.shape.length > 8 ? ', …' : ''}], not a whole number of elements below 2^53`);
    this.elementCount = count;
    const content = typeof proto.tensorContent === 'string' ? proto.tensorContent : undefined;
    this.byteSize = content !== undefined ? Math.floor((content.replace(/=+$/, '').length * 3) / 4) : rawByteLength(this.dtype, this.elementCount);
    if (this.elementCount === 1 && this.dtype !== 'string') {
      try {
        const v = this.decodeAll();
        if (v.length >= 1) this.scalarValue = v[0];
      } catch {
        // data that cannot be read is simply not a known constant; reading it reports why
      }
    }
  }

  /** Values in chunks. The literal values are already in memory (the JSON holds them); a short
   *  list stands for a longer tensor (TensorProto: the last value repeats), so the output is
   *  produced chunk by chunk rather than all at once. */
  private *chunks(chunkElements = 1 << 16): Generator<Float64Array> {
    const p = this.proto;
    const n = this.elementCount;
    const step = Math.max(1, Math.floor(chunkElements));
    if (typeof p.tensorContent === 'string') {
      const bytes = new Uint8Array(Buffer.from(p.tensorContent, 'base64'));
      const per = (rawByteLength(this.dtype, 8) ?? 64) / 8;
      const count = Math.min(n, Math.floor(bytes.length / per));
      if (count < n) throw new ModelError(`tensor '${printable(this.name)}' declares ${n} elements but its tensorContent holds ${count}`);
      for (let s = 0; s < count; s += step) {
        const k = Math.min(step, count - s);
        yield decodeRaw(this.dtype, bytes.subarray(s * per, (s + k) * per), k);
      }
      return;
    }
    const field = ['floatVal', 'doubleVal', 'intVal', 'int64Val', 'boolVal', 'halfVal', 'uint32Val', 'uint64Val', 'scomplexVal', 'dcomplexVal'].find(
      (f) => Array.isArray(p[f]) && (p[f] as unknown[]).length > 0,
    );
    if (!field) return;
    const list = p[field] as unknown[];
    const count = field === 'scomplexVal' || field === 'dcomplexVal' ? n * 2 : n;
    if (count > list.length && count > MAX_EXPANDED) {
      throw new ModelError(`tensor '${printable(this.name)}' declares ${n} elements but lists ${list.length} values; expanding them is refused above ${MAX_EXPANDED}`);
    }
    const convert = (v: unknown): number =>
      field === 'boolVal' ? (v ? 1 : 0) : field === 'halfVal' && this.dtype === 'float16' ? float16ToNumber(Number(v)) : tfNumber(v);
    for (let s = 0; s < count; s += step) {
      const out = new Float64Array(Math.min(step, count - s));
      for (let i = 0; i < out.length; i++) out[i] = convert(list[Math.min(s + i, list.length - 1)]);
      yield out;
    }
  }

  private decodeAll(): Float64Array {
    const parts = [...this.chunks(Number.MAX_SAFE_INTEGER)];
    return parts[0] ?? new Float64Array(0);
  }

  async *values(chunkElements?: number): AsyncIterable<Float64Array> {
    if (this.dtype === 'string') throw new ModelError(`tensor '${this.name}' holds strings, which have no numeric values`);
    yield* this.chunks(chunkElements);
  }

  async bytes(): Promise<Uint8Array> {
    const p = this.proto;
    if (typeof p.tensorContent === 'string') return new Uint8Array(Buffer.from(p.tensorContent, 'base64'));
    if (this.dtype === 'string') {
      const parts = (Array.isArray(p.stringVal) ? p.stringVal : []).map((s) => Buffer.from(textOf(s), 'base64'));
      return new Uint8Array(Buffer.concat(parts));
    }
    if (this.elementCount > 1 << 24) throw new ModelError(`tensor '${this.name}' is too large to expand from its literal values`);
    const values = this.decodeAll();
    const size = (rawByteLength(this.dtype, 8) ?? 64) / 8;
    const out = new Uint8Array(values.length * (this.dtype.startsWith('complex') ? size / 2 : size));
    const dv = new DataView(out.buffer);
    values.forEach((v, i) => {
      switch (this.dtype) {
        case 'float': case 'complex64': dv.setFloat32(i * 4, v, true); break;
        case 'double': case 'complex128': dv.setFloat64(i * 8, v, true); break;
        case 'int32': dv.setInt32(i * 4, v, true); break;
        case 'uint32': dv.setUint32(i * 4, v, true); break;
        case 'int64': dv.setBigInt64(i * 8, BigInt(Math.trunc(v)), true); break;
        case 'uint64': dv.setBigUint64(i * 8, BigInt(Math.trunc(v)), true); break;
        case 'int16': dv.setInt16(i * 2, v, true); break;
        case 'uint16': case 'float16': case 'bfloat16': dv.setUint16(i * 2, v, true); break;
        case 'int8': dv.setInt8(i, v); break;
        default: dv.setUint8(i, v);
      }
    });
    return out;
  }
}

/** One AttrValue in TF's JSON encoding → a core attribute value. */
export function decodeAttr(name: string, v: unknown, nodeName: string): AttributeValue {
  if (!isObject(v)) return { type: 'json', value: v };
  if ('s' in v) return { type: 'string', value: base64Text(v.s) };
  if ('i' in v) return { type: 'int', value: tfInt(v.i) };
  if ('f' in v) return { type: 'float', value: tfNumber(v.f) };
  if ('b' in v) return { type: 'json', value: Boolean(v.b) };
  if ('type' in v) return { type: 'string', value: tfDtypeName(v.type) };
  if ('shape' in v) {
    const dims = tfShape(v.shape);
    return dims === undefined ? { type: 'json', value: { unknownRank: true } } : { type: 'ints', value: dims.map((d) => (d === null ? -1 : d)) };
  }
  if ('tensor' in v && isObject(v.tensor)) return { type: 'tensor', value: new InlineTensor(`${nodeName}/${name}`, v.tensor) };
  if ('func' in v) return { type: 'string', value: textOf(isObject(v.func) ? v.func.name ?? '' : '') };
  if ('placeholder' in v) return { type: 'ref', value: textOf(v.placeholder) };
  if ('list' in v) {
    const l = isObject(v.list) ? v.list : {};
    if (Array.isArray(l.s)) return { type: 'strings', value: l.s.map(base64Text) };
    if (Array.isArray(l.i)) return { type: 'ints', value: l.i.map(tfInt) };
    if (Array.isArray(l.f)) return { type: 'floats', value: l.f.map(tfNumber) };
    if (Array.isArray(l.type)) return { type: 'strings', value: l.type.map(tfDtypeName) };
    if (Array.isArray(l.func)) return { type: 'strings', value: l.func.map((f) => textOf(isObject(f) ? f.name ?? '' : '')) };
    if (Array.isArray(l.tensor)) {
      return { type: 'tensors', value: l.tensor.filter(isObject).map((t, i) => new InlineTensor(`${nodeName}/${name}/${i}`, t)) };
    }
    if (Array.isArray(l.b)) return { type: 'json', value: l.b.map(Boolean) };
    if (Array.isArray(l.shape)) return { type: 'json', value: l.shape.map((s) => tfShape(s) ?? null) };
    return { type: 'ints', value: [] };
  }
  return { type: 'json', value: v };
}
