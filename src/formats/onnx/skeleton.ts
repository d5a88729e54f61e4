// Walks an ONNX file's protobuf wire format through a file window and produces a "skeleton":
// the same ModelProto bytes with every tensor's data fields cut out and replaced by a small
// marker. onnx-proto then decodes the skeleton, which is as small as the graph.
//
// Why not hand the file to onnx-proto directly: protobufjs decodes from one in-memory buffer,
// so a 553 MB vgg16 costs 553 MB of reading plus copies of every weight (measured: ~1.3 s and
// over 1 GB RSS), while the skeleton costs only the graph (see `npm run bench`).
import { FileWindow } from './fileWindow';

/** Where one tensor's data lives in the file: one or more payload ranges of one field. */
export interface DataRef {
  /** TensorProto field number: 4 float_data, 5 int32_data, 7 int64_data, 9 raw_data,
   *  10 double_data, 11 uint64_data. */
  field: number;
  /** Payload byte ranges; concatenated they are the packed encoding of the field. */
  segments: { offset: number; length: number }[];
}

export interface Range {
  start: number;
  end: number;
}

export interface SkeletonLayout {
  /** The ModelProto.graph field (tag included). */
  graphField?: Range;
  /** Each main-graph NodeProto field (tag included), in file order. */
  nodeFields: Range[];
  /** Each ModelProto.opset_import field (tag included). */
  opsetFields: Range[];
}

export interface Skeleton {
  bytes: Uint8Array;
  dataRefs: DataRef[];
  layout: SkeletonLayout;
}

export const MARKER_MAGIC = [0xa1, 0x1e, 0x4c, 0x5a];

export class WireError extends Error {}

const enum Msg { Model, Graph, Node, Attr, Tensor, Sparse, Function }

/** Which fields of a message hold messages the walker must descend into. */
const DESCEND: Record<Msg, Record<number, Msg>> = {
  [Msg.Model]: { 7: Msg.Graph, 25: Msg.Function },
  [Msg.Graph]: { 1: Msg.Node, 5: Msg.Tensor, 15: Msg.Sparse },
  [Msg.Node]: { 5: Msg.Attr },
  [Msg.Attr]: { 5: Msg.Tensor, 6: Msg.Graph, 10: Msg.Tensor, 11: Msg.Graph, 22: Msg.Sparse, 23: Msg.Sparse },
  [Msg.Tensor]: {},
  [Msg.Sparse]: { 1: Msg.Tensor, 2: Msg.Tensor },
  [Msg.Function]: { 7: Msg.Node, 11: Msg.Attr },
};

const TENSOR_DATA_FIELDS = new Set([4, 5, 7, 9, 10, 11]);
const MAX_DEPTH = 64;

class Parts {
  chunks: Uint8Array[] = [];
  length = 0;
  push(c: Uint8Array): void {
    if (c.length) {
      this.chunks.push(c);
      this.length += c.length;
    }
  }
  pushParts(p: Parts): void {
    for (const c of p.chunks) this.chunks.push(c);
    this.length += p.length;
  }
}

function varintBytes(v: number): Uint8Array {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

export function buildSkeleton(win: FileWindow): Skeleton {
  const dataRefs: DataRef[] = [];
  const layout: SkeletonLayout = { nodeFields: [], opsetFields: [] };
  let pos = 0;

  function readVarint(limit: number): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= limit) throw new WireError(`truncated: a number runs past the end of its message at byte ${pos}`);
      const b = win.byte(pos++);
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
    throw new WireError(`corrupt: a number at byte ${pos - 10} is longer than 10 bytes`);
  }

  function skipField(wire: number, limit: number, fieldStart: number): void {
    switch (wire) {
      case 0: readVarint(limit); return;
      case 1: pos += 8; break;
      case 5: pos += 4; break;
      case 2: {
        const len = readVarint(limit);
        pos += len;
        break;
      }
      default:
        throw new WireError(`corrupt: unknown wire type ${wire} at byte ${fieldStart}`);
    }
    if (pos > limit) throw new WireError(`truncated: a field at byte ${fieldStart} runs past the end (${pos} > ${limit})`);
  }

  function reduce(kind: Msg, start: number, end: number, depth: number, isMainGraph: boolean): Parts {
    if (depth > MAX_DEPTH) throw new WireError(`corrupt: messages nested deeper than ${MAX_DEPTH} levels`);
    const parts = new Parts();
    const descend = DESCEND[kind];
    let copyFrom = start;
    let dataRef: DataRef | undefined;
    pos = start;
    const flush = (upTo: number) => {
      if (upTo > copyFrom) parts.push(win.read(copyFrom, upTo - copyFrom));
    };
    while (pos < end) {
      const fieldStart = pos;
      const tag = readVarint(end);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new WireError(`corrupt: field number 0 at byte ${fieldStart}`);
      const child = descend[field];
      if (kind === Msg.Tensor && TENSOR_DATA_FIELDS.has(field)) {
        flush(fieldStart);
        let payloadStart: number;
        if (wire === 2) {
          const len = readVarint(end);
          payloadStart = pos;
          pos += len;
        } else {
          payloadStart = pos;
          skipField(wire, end, fieldStart);
        }
        if (pos > end) throw new WireError(`truncated: tensor data at byte ${fieldStart} runs past the end (needs ${pos}, has ${end})`);
        if (!dataRef || dataRef.field !== field) {
          dataRef = { field, segments: [] };
          dataRefs.push(dataRef);
        }
        dataRef.segments.push({ offset: payloadStart, length: pos - payloadStart });
        copyFrom = pos;
      } else if (child !== undefined && wire === 2) {
        flush(fieldStart);
        const len = readVarint(end);
        const childStart = pos;
        const childEnd = pos + len;
        if (childEnd > end) throw new WireError(`truncated: a message at byte ${fieldStart} declares ${len} bytes but only ${end - childStart} remain`);
        const sub = reduce(child, childStart, childEnd, depth + 1, kind === Msg.Model && field === 7);
        pos = childEnd;
        parts.push(varintBytes(tag));
        parts.push(varintBytes(sub.length));
        parts.pushParts(sub);
        copyFrom = pos;
        if (kind === Msg.Model && field === 7) layout.graphField = { start: fieldStart, end: pos };
        if (isMainGraph && field === 1) layout.nodeFields.push({ start: fieldStart, end: pos });
      } else {
        skipField(wire, end, fieldStart);
        if (kind === Msg.Model && field === 8) layout.opsetFields.push({ start: fieldStart, end: pos });
      }
    }
    flush(end);
    if (dataRef) {
      // One marker per tensor in raw_data; every real data field was cut out, so any raw_data the
      // decoder sees is a marker.
      const id = dataRefs.indexOf(dataRef!);
      const marker = new Uint8Array(8);
      marker.set(MARKER_MAGIC);
      new DataView(marker.buffer).setUint32(4, id, true);
      parts.push(Uint8Array.of(0x4a, 8)); // field 9, wire type 2, length 8
      parts.push(marker);
    }
    return parts;
  }

  const whole = reduce(Msg.Model, 0, win.size, 0, false);
  const bytes = new Uint8Array(whole.length);
  let o = 0;
  for (const c of whole.chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { bytes, dataRefs, layout };
}

/** The data reference a decoded tensor's raw_data marker points to, if it is one. */
export function markerId(raw: Uint8Array | undefined | null): number | undefined {
  if (!raw || raw.length !== 8) return undefined;
  for (let i = 0; i < 4; i++) if (raw[i] !== MARKER_MAGIC[i]) return undefined;
  return new DataView(raw.buffer, raw.byteOffset, 8).getUint32(4, true);
}
