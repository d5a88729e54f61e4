// A tensor held in this process's memory, in the element types onnxruntime-web speaks.
// Inputs are built as HostTensors and captured outputs come back as them.
import { float16ToNumber, bfloat16ToNumber, numberToFloat16Bits } from '../core/dtypes';

/** onnxruntime-web element type names. */
export type HostDType =
  | 'float32' | 'float64' | 'float16' | 'int8' | 'uint8' | 'int16' | 'uint16'
  | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string';

export type HostData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

export interface HostTensor {
  dtype: HostDType;
  dims: number[];
  data: HostData;
}

/** ONNX element type name (core model spelling) → onnxruntime-web name. */
const ONNX_TO_HOST: Record<string, HostDType> = {
  float: 'float32', double: 'float64', float16: 'float16', int8: 'int8', uint8: 'uint8', int16: 'int16',
  uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool', string: 'string',
  // TF.js spellings
  float32: 'float32', complex64: 'float32',
};

export function hostDTypeOf(dtype: string): HostDType | undefined {
  return ONNX_TO_HOST[dtype];
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A zeroed array for `count` elements of `dtype`. */
export function allocate(dtype: HostDType, count: number): HostData {
  switch (dtype) {
    case 'float32': return new Float32Array(count);
    case 'float64': return new Float64Array(count);
    case 'float16': return new Uint16Array(count);
    case 'int8': return new Int8Array(count);
    case 'uint8': case 'bool': return new Uint8Array(count);
    case 'int16': return new Int16Array(count);
    case 'uint16': return new Uint16Array(count);
    case 'int32': return new Int32Array(count);
    case 'uint32': return new Uint32Array(count);
    case 'int64': return new BigInt64Array(count);
    case 'uint64': return new BigUint64Array(count);
    case 'string': return new Array<string>(count).fill('');
  }
}

/** Stores number `v` at `i`, converting to the array's element type (float16 as IEEE half bits). */
export function setNumber(data: HostData, dtype: HostDType, i: number, v: number): void {
  if (dtype === 'float16') (data as Uint16Array)[i] = numberToFloat16(v);
  else if (dtype === 'int64') (data as BigInt64Array)[i] = BigInt(Math.trunc(v));
  else if (dtype === 'uint64') (data as BigUint64Array)[i] = BigInt(Math.max(0, Math.trunc(v)));
  else if (dtype === 'bool') (data as Uint8Array)[i] = v ? 1 : 0;
  else if (dtype === 'string') (data as string[])[i] = String(v);
  else (data as Float32Array)[i] = v;
}

/** A view of the elements as numbers: float32/float64 arrays are returned as they are,
 *  other types converted (float16 decoded, 64-bit integers through Number). */
export function asNumbers(t: { dtype: string; data: unknown }): Float32Array | Float64Array | ArrayLike<number> {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  if (t.dtype === 'float16' && d instanceof Uint16Array) {
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = float16ToNumber(d[i]);
    return out;
  }
  if (t.dtype === 'bfloat16' && d instanceof Uint16Array) {
    const out = new Float32Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = bfloat16ToNumber(d[i]);
    return out;
  }
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  if (ArrayBuffer.isView(d)) return d as unknown as ArrayLike<number>;
  if (Array.isArray(d)) return Float64Array.from(d as unknown[], (x) => Number(x));
  return new Float64Array(0);
}

/** Rounds a number to the nearest IEEE half-precision value and returns its bits. */
export const numberToFloat16 = numberToFloat16Bits;

/** Concatenates tensors along axis 0 (all other dims equal). */
export function concat0(parts: HostTensor[]): HostTensor {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const rest = first.dims.slice(1);
  const n = parts.reduce((s, p) => s + (p.dims[0] ?? 1), 0);
  const total = parts.reduce((s, p) => s + p.data.length, 0);
  const data = allocate(first.dtype, total);
  let off = 0;
  for (const p of parts) {
    if (Array.isArray(data)) (p.data as string[]).forEach((s, i) => ((data as string[])[off + i] = s));
    else (data as Float32Array).set(p.data as Float32Array, off);
    off += p.data.length;
  }
  return { dtype: first.dtype, dims: [n, ...rest], data };
}

/** Rows [start, end) along axis 0 as a view where the element type allows it. */
export function slice0(t: HostTensor, start: number, end: number): HostTensor {
  const row = t.dims.length ? elementCount(t.dims.slice(1)) : 1;
  const data = Array.isArray(t.data) ? t.data.slice(start * row, end * row) : (t.data as Float32Array).subarray(start * row, end * row);
  return { dtype: t.dtype, dims: [end - start, ...t.dims.slice(1)], data: data as HostData };
}
