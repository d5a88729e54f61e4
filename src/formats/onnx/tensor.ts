// ONNX tensors whose data stays on disk: read by offset on demand, decoded chunk by chunk.
import * as fs from 'node:fs';
import { ModelError, exactElementCount, printable, type Tensor, type TensorLocation } from '../../core/model';
import { decodeInt32Field, decodeRaw, dtypeInfo, elementsPerInt32Field, rawByteLength } from '../../core/dtypes';
import { FileRefused, fsErrorText, openRegularFile, openRegularFileSync } from '../files';
import type { DataRef } from './skeleton';

export type TensorData =
  | { kind: 'field'; file: string; ref: DataRef }
  | { kind: 'external'; file: string; offset: number; length?: number }
  | { kind: 'strings'; values: string[] }
  | { kind: 'none' };

const FIELD_NAMES: Record<number, string> = { 4: 'float_data', 5: 'int32_data', 7: 'int64_data', 9: 'raw_data', 10: 'double_data', 11: 'uint64_data' };
const DEFAULT_CHUNK = 1 << 18;

export class OnnxTensor implements Tensor {
  readonly elementCount: number;
  readonly byteSize?: number;
  readonly location: TensorLocation;
  private scalarCache?: { value?: number };

  constructor(
    private readonly modelFile: string,
    readonly name: string,
    readonly dtype: string,
    readonly shape: readonly number[],
    private readonly data: TensorData,
    readonly docString: string | undefined,
    fileSize: number,
  ) {
    const count = exactElementCount(shape);
    if (count === undefined) throw this.error(`declares an absurd shape [${shapeText(shape)}]: more than 2^53 elements`);
    this.elementCount = count;
    this.location = data.kind === 'external' ? 'external' : data.kind === 'none' ? 'none' : 'inline';
    if (data.kind === 'field') {
      const stored = data.ref.segments.reduce((s, g) => s + g.length, 0);
      this.byteSize = stored;
      const fixedSize = this.fixedFieldByteLength(data.ref.field);
      if (fixedSize !== undefined && fixedSize !== stored) {
        throw this.error(`declares shape [${shapeText(shape)}] (${fixedSize} bytes of ${dtype}) but its ${FIELD_NAMES[data.ref.field]} holds ${stored} bytes`);
      }
      if (fixedSize === undefined && stored > fileSize) throw this.error('has data larger than the file');
      // A varint field stores each value in at least one byte (int32_data packs up to 4 sub-byte
      // elements per value): a count beyond that is a claim without data, refused before anything
      // is sized by it.
      if (fixedSize === undefined) {
        const per = data.ref.field === 5 ? elementsPerInt32Field(dtype) : 1;
        if (this.elementCount > stored * per) {
          throw this.error(`declares ${this.elementCount} elements but its ${FIELD_NAMES[data.ref.field]} holds at most ${stored * per}`);
        }
      }
    } else if (data.kind === 'external') {
      const expected = rawByteLength(dtype, this.elementCount);
      if (data.length !== undefined && expected !== undefined && data.length !== expected) {
        throw this.error(`declares shape [${shapeText(shape)}] (${expected} bytes of ${dtype}) but its external data length is ${data.length}`);
      }
      this.byteSize = data.length ?? expected;
    } else if (data.kind === 'strings') {
      if (data.values.length !== this.elementCount) throw this.error(`declares ${this.elementCount} strings but holds ${data.values.length}`);
    }
  }

  private error(what: string): ModelError {
    return new ModelError(`${this.modelFile}: tensor '${printable(this.name)}' ${what}`);
  }

  /** Byte length a fixed-width data field must have, or undefined for varint fields. */
  private fixedFieldByteLength(field: number): number | undefined {
    const n = this.elementCount;
    const complex = this.dtype === 'complex64' || this.dtype === 'complex128';
    switch (field) {
      case 9: return rawByteLength(this.dtype, n);
      case 4: return (complex ? 2 * n : n) * 4;
      case 10: return (complex ? 2 * n : n) * 8;
      default: return undefined;
    }
  }

  get scalarValue(): number | undefined {
    if (this.elementCount !== 1 || this.data.kind !== 'field') return undefined;
    if (!this.scalarCache) {
      this.scalarCache = {};
      try {
        const seg = this.data.ref.segments;
        const bytes = this.data.ref.small ?? readSync(this.data.file, seg[0].offset, Math.min(seg[0].length, 16));
        if (bytes.length === 0) throw new Error('no bytes');
        this.scalarCache.value = decodeChunk(this.dtype, this.data.ref.field, bytes, 1)[0];
      } catch {
        // an unreadable scalar is simply not a known constant
      }
    }
    return this.scalarCache.value;
  }

  async *values(chunkElements = DEFAULT_CHUNK): AsyncIterable<Float64Array> {
    const d = this.data;
    if (this.elementCount === 0) return;
    if (d.kind === 'strings') throw this.error('holds strings, which have no numeric values');
    if (d.kind === 'none') throw this.error('has no data');
    const info = dtypeInfo(this.dtype);
    if (!info || info.bits === 0) throw this.error(`has element type ${this.dtype}, which cannot be read as numbers`);
    if (d.kind === 'external' || d.ref.field === 9 || d.ref.field === 4 || d.ref.field === 10) {
      // Fixed-width data: float_data is packed little-endian float32 and double_data float64, the
      // same bytes as raw data of those types.
      const itemDtype = d.kind === 'field' && d.ref.field === 4 ? (this.dtype === 'complex64' ? 'complex64' : 'float') : d.kind === 'field' && d.ref.field === 10 ? (this.dtype === 'complex128' ? 'complex128' : 'double') : this.dtype;
      const elementsPerChunk = Math.max(8, chunkElements - (chunkElements % 8));
      const total = this.elementCount;
      const file = d.file;
      const ranges = d.kind === 'external' ? [{ offset: d.offset, length: rawByteLength(this.dtype, total)! }] : d.ref.segments;
      if (ranges.length === 1 && ranges[0].length <= SYNC_READ_BYTES) {
        const bytes = d.kind === 'field' && d.ref.small ? d.ref.small : this.readSmall(file, ranges[0].offset, ranges[0].length, d.kind === 'external');
        const itemBits = dtypeInfo(itemDtype)!.bits;
        const need = Math.ceil((total * itemBits) / 8);
        if (bytes.length < need) throw this.readError(file, new DataEnds(`its data ranges end ${need - bytes.length} bytes early`));
        for (let done = 0; done < total; ) {
          const count = Math.min(elementsPerChunk, total - done);
          const from = Math.floor((done * itemBits) / 8);
          yield decodeRaw(itemDtype, bytes.subarray(from, from + Math.ceil((count * itemBits) / 8)), count);
          done += count;
        }
        return;
      }
      const handle = await this.open(file);
      try {
        if (d.kind === 'external') await this.checkExternal(handle, d.file, d.offset, ranges[0].length);
        const itemBits = dtypeInfo(itemDtype)!.bits;
        let done = 0;
        const stream = new SegmentStream(handle, ranges, (e) => this.readError(file, e));
        while (done < total) {
          const count = Math.min(elementsPerChunk, total - done);
          const bytes = await stream.take(Math.ceil((count * itemBits) / 8));
          yield decodeRaw(itemDtype, bytes, count);
          done += count;
        }
      } finally {
        await handle.close();
      }
      return;
    }
    // Varint fields (int32_data, int64_data, uint64_data).
    const handle = await this.open(d.file);
    try {
      const stream = new SegmentStream(handle, d.ref.segments, (e) => this.readError(d.file, e));
      const out: number[] = [];
      let produced = 0;
      const per = d.ref.field === 5 ? elementsPerInt32Field(this.dtype) : 1;
      for await (const v of stream.varints()) {
        if (d.ref.field === 5) decodeInt32Field(this.dtype, toInt32(v), out);
        else if (d.ref.field === 7) out.push(v);
        else out.push(v < 0 ? v + 2 ** 64 : v);
        if (out.length >= chunkElements) {
          const take = Math.min(out.length, this.elementCount - produced);
          yield Float64Array.from(out.slice(0, take));
          produced += take;
          out.length = 0;
        }
      }
      const rest = Math.min(out.length, this.elementCount - produced);
      if (rest > 0) {
        yield Float64Array.from(out.slice(0, rest));
        produced += rest;
      }
      if (produced < this.elementCount && !(per > 1 && produced >= this.elementCount - per + 1)) {
        throw this.error(`declares ${this.elementCount} elements but its ${FIELD_NAMES[d.ref.field]} holds ${produced}`);
      }
    } finally {
      await handle.close();
    }
  }

  /** Opens a data file (the model itself or external data): regular files only, never blocking. */
  private async open(file: string): Promise<fs.promises.FileHandle> {
    try {
      return (await openRegularFile(file)).handle;
    } catch (e) {
      const why = e instanceof FileRefused ? e.message : fsErrorText(e);
      if (file === this.modelFile) throw this.error(`cannot be read: the model file ${why}`);
      throw this.error(`has its data in '${printable(file)}', which ${why === 'no such file' ? 'does not exist' : why}`);
    }
  }

  /** A small range read at once, synchronously: four awaited file operations per tensor (open,
   *  stat, read, close) made the rules on a 100,000-node model wait 8 s for its weights
   *  (`npx tsx scripts/bench-viewer.ts`, the Problems column). Same checks as the stream. */
  private readSmall(file: string, offset: number, length: number, external: boolean): Uint8Array {
    let opened: { fd: number; size: number };
    try {
      opened = openRegularFileSync(file);
    } catch (e) {
      const why = e instanceof FileRefused ? e.message : fsErrorText(e);
      if (file === this.modelFile) throw this.error(`cannot be read: the model file ${why}`);
      throw this.error(`has its data in '${printable(file)}', which ${why === 'no such file' ? 'does not exist' : why}`);
    }
    try {
      if (external && offset + length > opened.size) throw this.error(`needs bytes ${offset}–${offset + length} of '${printable(file)}', which has only ${opened.size} bytes`);
      const out = new Uint8Array(length);
      let n: number;
      try {
        n = fs.readSync(opened.fd, out, 0, length, offset);
      } catch (e) {
        throw this.readError(file, e);
      }
      if (n < length) throw this.readError(file, new DataEnds(`the file ends at byte ${offset + n}, inside the tensor's data`));
      return out;
    } finally {
      fs.closeSync(opened.fd);
    }
  }

  private readError(file: string, e: unknown): ModelError {
    if (e instanceof ModelError) return e;
    if (e instanceof CorruptData) return this.error(`has corrupt data: ${e.message}`);
    if (e instanceof DataEnds) return this.error(`cannot be read from '${printable(file)}': ${e.message} (it changed or is cut short)`);
    return this.error(`cannot be read from '${printable(file)}': ${fsErrorText(e)}`);
  }

  private async checkExternal(handle: fs.promises.FileHandle, file: string, offset: number, length: number): Promise<void> {
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (e) {
      throw this.readError(file, e);
    }
    if (offset + length > size) throw this.error(`needs bytes ${offset}–${offset + length} of '${printable(file)}', which has only ${size} bytes`);
  }

  async bytes(): Promise<Uint8Array> {
    const d = this.data;
    if (d.kind === 'none' || this.elementCount === 0) return new Uint8Array(0);
    if (d.kind === 'strings') return new TextEncoder().encode(JSON.stringify(d.values));
    if (d.kind === 'external') {
      const len = rawByteLength(this.dtype, this.elementCount) ?? d.length ?? 0;
      const handle = await this.open(d.file);
      try {
        await this.checkExternal(handle, d.file, d.offset, len);
        return await new SegmentStream(handle, [{ offset: d.offset, length: len }], (e) => this.readError(d.file, e)).take(len);
      } finally {
        await handle.close();
      }
    }
    const handle = await this.open(d.file);
    try {
      const stream = new SegmentStream(handle, d.ref.segments, (e) => this.readError(d.file, e));
      if (d.ref.field === 9 || d.ref.field === 4 || d.ref.field === 10) {
        return await stream.take(d.ref.segments.reduce((s, g) => s + g.length, 0));
      }
      const info = dtypeInfo(this.dtype);
      const bits = info?.bits ?? 32;
      const out = new Uint8Array(Math.ceil((this.elementCount * bits) / 8));
      const dv = new DataView(out.buffer);
      let i = 0;
      for await (const v of stream.varints()) {
        if (d.ref.field === 5) {
          const x = toInt32(v);
          if (bits === 4) out[i++] = x & 0xff; // two nibbles already packed
          else if (bits === 2) out[i++] = x & 0xff;
          else if (bits === 8) out[i++] = x & 0xff;
          else if (bits === 16) { dv.setUint16(i * 2, x & 0xffff, true); i++; }
          else { dv.setInt32(i * 4, x, true); i++; }
        } else {
          if ((i + 1) * 8 > out.length) break;
          dv.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(Math.round(v))), true); // exact below 2^53
          i++;
        }
      }
      return out;
    } finally {
      await handle.close();
    }
  }
}

function toInt32(v: number): number {
  return Number.isSafeInteger(v) ? Number(BigInt.asIntN(32, BigInt(v))) : 0;
}

/** Decodes the first `count` elements of a data field's payload bytes (used for scalars). */
function decodeChunk(dtype: string, field: number, bytes: Uint8Array, count: number): number[] {
  if (field === 9) return Array.from(decodeRaw(dtype, bytes, count));
  if (field === 4) return Array.from(decodeRaw('float', bytes, count));
  if (field === 10) return Array.from(decodeRaw('double', bytes, count));
  let v = 0, mul = 1;
  for (const b of bytes) {
    v += (b & 0x7f) * mul;
    mul *= 128;
    if (!(b & 0x80)) break;
  }
  if (field === 5) {
    const out: number[] = [];
    decodeInt32Field(dtype, toInt32(v), out);
    return out.slice(0, count);
  }
  return [field === 7 && v >= 2 ** 63 ? v - 2 ** 64 : v];
}

function readSync(file: string, offset: number, length: number): Uint8Array {
  const { fd } = openRegularFileSync(file);
  try {
    const out = new Uint8Array(length);
    const n = fs.readSync(fd, out, 0, length, offset);
    return out.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

function shapeText(shape: readonly number[]): string {
  return shape.length > 16 ? `${shape.slice(0, 16).join(', ')}, … (${shape.length} dims)` : shape.join(', ');
}

/** The data ranges ended before the bytes asked for (a file that changed since it was opened). */
class DataEnds extends Error {}
class CorruptData extends Error {}

/** Data up to this size in one range is read synchronously (see readSmall). */
const SYNC_READ_BYTES = 64 * 1024;

/** Bytes read at once around small segments: one read covers every segment in the span. */
const WINDOW = 1 << 20;

/** Reads the concatenation of byte ranges of a file sequentially, in bounded pieces. Small ranges
 *  close together (a weight stored as a million separate float_data fields, each a 4-byte range
 *  after a 1-byte tag) are served from one windowed read of their span instead of one awaited read
 *  each (measured: 60 s → well under a second for 1.25 million fields). */
class SegmentStream {
  private seg = 0;
  private within = 0;
  private window?: Uint8Array;
  private windowStart = 0;
  private windowEnd = 0;
  /** Where the last range ends: a window never reaches past it. */
  private readonly end: number;

  constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly ranges: { offset: number; length: number }[],
    private readonly readError: (e: unknown) => ModelError,
  ) {
    let end = 0;
    for (const r of ranges) end = Math.max(end, r.offset + r.length);
    this.end = end;
  }

  private async read(target: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    try {
      return (await this.handle.read(target, offset, length, position)).bytesRead;
    } catch (e) {
      throw this.readError(e);
    }
  }

  async take(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n && this.seg < this.ranges.length) {
      const r = this.ranges[this.seg];
      const pos = r.offset + this.within;
      const want = Math.min(n - filled, r.length - this.within);
      let got: number;
      if (pos >= this.windowStart && pos < this.windowEnd) {
        got = Math.min(want, this.windowEnd - pos);
        const w = this.window!, from = pos - this.windowStart;
        // A 4-byte float_data field is copied by hand: a subarray view per field costs more.
        if (got <= 16) for (let i = 0; i < got; i++) out[filled + i] = w[from + i];
        else out.set(w.subarray(from, from + got), filled);
      } else if (want >= WINDOW || pos + want >= this.end) {
        // A large range, or the last bytes wanted (a tensor's one raw_data range): straight into
        // the output. A 1 MiB window for each small tensor made the rules on a 100,000-node
        // model read ≈50 GB (`npx tsx scripts/bench-viewer.ts`: 14.7 s → see the Problems column).
        got = await this.read(out, filled, want, pos);
      } else {
        const size = Math.min(WINDOW, this.end - pos);
        if (!this.window || this.window.length < size) this.window = new Uint8Array(size);
        const n = await this.read(this.window, 0, size, pos);
        this.windowStart = pos;
        this.windowEnd = pos + n;
        got = Math.min(want, n);
        out.set(this.window.subarray(0, got), filled);
      }
      if (got === 0) throw this.readError(new DataEnds(`the file ends at byte ${pos}, inside the tensor's data`));
      filled += got;
      this.within += got;
      if (this.within >= r.length) {
        this.seg++;
        this.within = 0;
      }
    }
    if (filled < n) throw this.readError(new DataEnds(`its data ranges end ${n - filled} bytes early`));
    return out;
  }

  /** Decodes the ranges as one packed varint stream, each value as a signed int64 (exact below
   *  2^53 in magnitude; negative int32/int64 values are 10-byte two's-complement varints). */
  async *varints(): AsyncGenerator<number> {
    const total = this.ranges.reduce((s, r) => s + r.length, 0);
    let remaining = total;
    let value = 0, mul = 1, len = 0;
    const pending: number[] = [];
    while (remaining > 0) {
      const chunk = await this.take(Math.min(remaining, 1 << 20));
      remaining -= chunk.length;
      for (const b of chunk) {
        pending[len] = b;
        value += (b & 0x7f) * mul;
        mul *= 128;
        if (++len > 10) throw this.readError(new CorruptData('a number in its data is longer than 10 bytes'));
        if (!(b & 0x80)) {
          if (len >= 8) {
            let big = 0n;
            for (let k = len - 1; k >= 0; k--) big = (big << 7n) | BigInt(pending[k] & 0x7f);
            yield Number(BigInt.asIntN(64, big));
          } else {
            yield value;
          }
          value = 0; mul = 1; len = 0;
        }
      }
    }
  }
}
