// Protobuf wire format for tests: a writer for hand-made hostile messages (shapes onnx-proto
// would never encode, such as a million separate float_data fields) and a parser into a field
// tree that the structure-aware fuzzer mutates and re-encodes.

export type WireField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1 | 5; bytes: Uint8Array }
  | { field: number; wire: 2; bytes: Uint8Array; children?: WireField[]; /** bytes of the length prefix */ prefix?: number };

export function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return out;
}

/** A growable byte buffer with protobuf field writers. */
export class Writer {
  private buf = new Uint8Array(1 << 12);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  raw(bytes: ArrayLike<number>): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  tag(field: number, wire: number): this {
    return this.raw(varint(field * 8 + wire));
  }

  uint(field: number, v: number | bigint): this {
    return this.tag(field, 0).raw(varint(v));
  }

  bytes(field: number, b: Uint8Array | string): this {
    const data = typeof b === 'string' ? new TextEncoder().encode(b) : b;
    return this.tag(field, 2).raw(varint(data.length)).raw(data);
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  fixed32(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(field, 5).raw(b);
  }

  float32(field: number, v: number): this {
    return this.fixed32(field, v);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Parses bytes as a protobuf message; undefined when they are not one. Length-delimited fields
 *  whose payload parses as a message (to `depth`) get `children`. */
export function parseMessage(bytes: Uint8Array, depth = 8): WireField[] | undefined {
  const out: WireField[] = [];
  let pos = 0;
  const readVarint = (): bigint | undefined => {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) return undefined;
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
    return undefined;
  };
  while (pos < bytes.length) {
    const tag = readVarint();
    if (tag === undefined) return undefined;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (field === 0) return undefined;
    if (wire === 0) {
      const v = readVarint();
      if (v === undefined) return undefined;
      out.push({ field, wire: 0, value: v });
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > bytes.length) return undefined;
      out.push({ field, wire, bytes: bytes.subarray(pos, pos + n) });
      pos += n;
    } else if (wire === 2) {
      const lenAt = pos;
      const len = readVarint();
      if (len === undefined || pos + Number(len) > bytes.length) return undefined;
      const payload = bytes.subarray(pos, pos + Number(len));
      const prefix = pos - lenAt;
      pos += Number(len);
      const children = depth > 0 && payload.length > 0 ? parseMessage(payload, depth - 1) : undefined;
      out.push({ field, wire: 2, bytes: payload, children, prefix });
    } else {
      return undefined;
    }
  }
  return out;
}

export function encodeFields(fields: WireField[]): Uint8Array {
  const w = new Writer();
  for (const f of fields) {
    w.tag(f.field, f.wire);
    if (f.wire === 0) w.raw(varint(f.value));
    else if (f.wire === 2) {
      const payload = f.children ? encodeFields(f.children) : f.bytes;
      w.raw(varint(payload.length)).raw(payload);
    } else w.raw(f.bytes);
  }
  return w.finish();
}

/** Every length-delimited field of a parsed tree, depth first. */
export function lengthFields(fields: WireField[], out: Extract<WireField, { wire: 2 }>[] = []): Extract<WireField, { wire: 2 }>[] {
  for (const f of fields) {
    if (f.wire !== 2) continue;
    out.push(f);
    if (f.children) lengthFields(f.children, out);
  }
  return out;
}
