// Element types by ONNX number, with their storage size and decoders to float64.
// onnx-proto follows ONNX 1.10 and names types only up to bfloat16 (16); the newer ones
// (float8 variants, 4-bit and 2-bit integers, float4e2m1, float8e8m0) are named here by number.

export interface DTypeInfo {
  code: number;
  name: string;
  /** Bits per element as stored (strings: 0). */
  bits: number;
}

const TABLE: DTypeInfo[] = [
  { code: 0, name: 'undefined', bits: 0 },
  { code: 1, name: 'float', bits: 32 },
  { code: 2, name: 'uint8', bits: 8 },
  { code: 3, name: 'int8', bits: 8 },
  { code: 4, name: 'uint16', bits: 16 },
  { code: 5, name: 'int16', bits: 16 },
  { code: 6, name: 'int32', bits: 32 },
  { code: 7, name: 'int64', bits: 64 },
  { code: 8, name: 'string', bits: 0 },
  { code: 9, name: 'bool', bits: 8 },
  { code: 10, name: 'float16', bits: 16 },
  { code: 11, name: 'double', bits: 64 },
  { code: 12, name: 'uint32', bits: 32 },
  { code: 13, name: 'uint64', bits: 64 },
  { code: 14, name: 'complex64', bits: 64 },
  { code: 15, name: 'complex128', bits: 128 },
  { code: 16, name: 'bfloat16', bits: 16 },
  { code: 17, name: 'float8e4m3fn', bits: 8 },
  { code: 18, name: 'float8e4m3fnuz', bits: 8 },
  { code: 19, name: 'float8e5m2', bits: 8 },
  { code: 20, name: 'float8e5m2fnuz', bits: 8 },
  { code: 21, name: 'uint4', bits: 4 },
  { code: 22, name: 'int4', bits: 4 },
  { code: 23, name: 'float4e2m1', bits: 4 },
  { code: 24, name: 'float8e8m0', bits: 8 },
  { code: 25, name: 'uint2', bits: 2 },
  { code: 26, name: 'int2', bits: 2 },
];

const BY_CODE = new Map(TABLE.map((t) => [t.code, t]));
const BY_NAME = new Map(TABLE.map((t) => [t.name, t]));

export function onnxDTypeName(code: number): string {
  return BY_CODE.get(code)?.name ?? `dtype(${code})`;
}

export function dtypeInfo(name: string): DTypeInfo | undefined {
  return BY_NAME.get(name);
}

/** Bytes needed to store `count` elements of an ONNX dtype as raw data (sub-byte types packed). */
export function rawByteLength(name: string, count: number): number | undefined {
  const info = BY_NAME.get(name);
  if (!info || info.bits === 0) return undefined;
  return Math.ceil((count * info.bits) / 8);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** IEEE half-precision bits of a number, rounded to nearest with ties to even (as numpy does). */
export function numberToFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // a carry into the exponent is correct
  return sign | half;
}

export function bfloat16ToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

function float8ToNumber(code: number, v: number): number {
  const sign = v & 0x80 ? -1 : 1;
  switch (code) {
    case 17: {
      // e4m3fn: bias 7, no infinities, NaN = S.1111.111
      const e = (v >> 3) & 0xf, m = v & 7;
      if (e === 15 && m === 7) return NaN;
      return e === 0 ? sign * m * 2 ** -9 : sign * (1 + m / 8) * 2 ** (e - 7);
    }
    case 18: {
      // e4m3fnuz: bias 8, NaN = 0x80, no negative zero
      if (v === 0x80) return NaN;
      const e = (v >> 3) & 0xf, m = v & 7;
      return e === 0 ? sign * m * 2 ** -10 : sign * (1 + m / 8) * 2 ** (e - 8);
    }
    case 19: {
      // e5m2: bias 15, IEEE-like
      const e = (v >> 2) & 0x1f, m = v & 3;
      if (e === 31) return m ? NaN : sign * Infinity;
      return e === 0 ? sign * m * 2 ** -16 : sign * (1 + m / 4) * 2 ** (e - 15);
    }
    case 20: {
      // e5m2fnuz: bias 16, NaN = 0x80
      if (v === 0x80) return NaN;
      const e = (v >> 2) & 0x1f, m = v & 3;
      return e === 0 ? sign * m * 2 ** -17 : sign * (1 + m / 4) * 2 ** (e - 16);
    }
    case 24:
      // e8m0: an unsigned power of two, 0xff = NaN
      return v === 0xff ? NaN : 2 ** (v - 127);
    default:
      return NaN;
  }
}

function float4e2m1ToNumber(v: number): number {
  const sign = v & 8 ? -1 : 1;
  const e = (v >> 1) & 3, m = v & 1;
  return e === 0 ? sign * m * 0.5 : sign * (1 + m / 2) * 2 ** (e - 1);
}

/** Whether this machine stores numbers little-endian, as ONNX raw data does. */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Decodes `count` elements of little-endian raw data, starting at element `first` of `bytes`
 *  (first must be 0 for sub-byte types unless aligned to a whole byte). Complex types yield
 *  their real and imaginary parts as separate values. */
export function decodeRaw(name: string, bytes: Uint8Array, count: number): Float64Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const info = BY_NAME.get(name);
  const code = info?.code ?? -1;
  const out = new Float64Array(code === 14 || code === 15 ? count * 2 : count);
  const wide = code === 11 || code === 15;
  if ((code === 1 || code === 14 || wide) && LITTLE_ENDIAN_HOST && bytes.byteLength >= out.length * (wide ? 8 : 4)) {
    // The stored bytes are the host's own floats: one typed-array conversion instead of a DataView
    // call per element, which took 4.0 s of a 32 s `scan` of 4.3 GB of MatMul weights (CPU
    // profile). Too few bytes take the loop below, which throws.
    const n = out.length, size = wide ? 8 : 4;
    const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice(0, n * size);
    out.set(wide ? new Float64Array(aligned.buffer, aligned.byteOffset, n) : new Float32Array(aligned.buffer, aligned.byteOffset, n));
    return out;
  }
  switch (code) {
    case 1: for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true); break;
    case 2: case 9: for (let i = 0; i < count; i++) out[i] = bytes[i]; break;
    case 3: for (let i = 0; i < count; i++) out[i] = dv.getInt8(i); break;
    case 4: for (let i = 0; i < count; i++) out[i] = dv.getUint16(i * 2, true); break;
    case 5: for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, true); break;
    case 6: for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true); break;
    case 7: for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(i * 8, true)); break;
    case 10: for (let i = 0; i < count; i++) out[i] = float16ToNumber(dv.getUint16(i * 2, true)); break;
    case 11: for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true); break;
    case 12: for (let i = 0; i < count; i++) out[i] = dv.getUint32(i * 4, true); break;
    case 13: for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(i * 8, true)); break;
    case 14: for (let i = 0; i < count * 2; i++) out[i] = dv.getFloat32(i * 4, true); break;
    case 15: for (let i = 0; i < count * 2; i++) out[i] = dv.getFloat64(i * 8, true); break;
    case 16: for (let i = 0; i < count; i++) out[i] = bfloat16ToNumber(dv.getUint16(i * 2, true)); break;
    case 17: case 18: case 19: case 20: case 24:
      for (let i = 0; i < count; i++) out[i] = float8ToNumber(code, bytes[i]);
      break;
    case 21: case 22: case 23:
      for (let i = 0; i < count; i++) {
        const nibble = (bytes[i >> 1] >> ((i & 1) * 4)) & 0xf;
        out[i] = code === 21 ? nibble : code === 22 ? (nibble << 28) >> 28 : float4e2m1ToNumber(nibble);
      }
      break;
    case 25: case 26:
      for (let i = 0; i < count; i++) {
        const crumb = (bytes[i >> 2] >> ((i & 3) * 2)) & 3;
        out[i] = code === 25 ? crumb : (crumb << 30) >> 30;
      }
      break;
    default:
      throw new Error(`cannot decode elements of type ${name}`);
  }
  return out;
}

/** Converts one value stored in an ONNX int32_data field (bit patterns for 16/8/4-bit types)
 *  into numbers, appending to `out`. Returns the number of elements it held. */
export function decodeInt32Field(name: string, v: number, out: number[]): void {
  const code = BY_NAME.get(name)?.code ?? -1;
  switch (code) {
    case 10: out.push(float16ToNumber(v & 0xffff)); return;
    case 16: out.push(bfloat16ToNumber(v & 0xffff)); return;
    case 17: case 18: case 19: case 20: case 24: out.push(float8ToNumber(code, v & 0xff)); return;
    case 2: out.push(v & 0xff); return;
    case 4: out.push(v & 0xffff); return;
    case 3: out.push((v << 24) >> 24); return;
    case 5: out.push((v << 16) >> 16); return;
    case 9: out.push(v ? 1 : 0); return;
    case 21: out.push(v & 0xf, (v >> 4) & 0xf); return;
    case 22: out.push(((v & 0xf) << 28) >> 28, (((v >> 4) & 0xf) << 28) >> 28); return;
    case 23: out.push(float4e2m1ToNumber(v & 0xf), float4e2m1ToNumber((v >> 4) & 0xf)); return;
    case 25: for (let k = 0; k < 4; k++) out.push((v >> (2 * k)) & 3); return;
    case 26: for (let k = 0; k < 4; k++) out.push((((v >> (2 * k)) & 3) << 30) >> 30); return;
    default: out.push(v | 0);
  }
}

/** Element count → maximum elements one int32_data value packs (sub-byte types pack several). */
export function elementsPerInt32Field(name: string): number {
  const code = BY_NAME.get(name)?.code ?? -1;
  return code === 21 || code === 22 || code === 23 ? 2 : code === 25 || code === 26 ? 4 : 1;
}
