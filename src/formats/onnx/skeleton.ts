// Walks an ONNX file's protobuf wire format through a file window and produces a "skeleton":
// the same ModelProto bytes with every tensor's data fields cut out and replaced by a small
// marker. onnx-proto then decodes the skeleton, which is as small as the graph.
//
// Why not hand the file to onnx-proto directly: protobufjs decodes from one in-memory buffer,
// so a 553 MB vgg16 costs 553 MB of reading plus copies of every weight (measured: ~1.3 s and
// over 1 GB RSS), while the skeleton costs only the graph (see `npm run bench`).
import type { FileWindow } from './fileWindow';
import { WireError, WireOutput as Output } from './wireOutput';

/** Where one tensor's data lives in the file: one or more payload ranges of one field. */
export interface DataRef {
  /** TensorProto field number: 4 float_data, 5 int32_data, 7 int64_data, 9 raw_data,
   *  10 double_data, 11 uint64_data. */
  field: number;
  /** Payload byte ranges; concatenated they are the packed encoding of the field. */
  segments: { offset: number; length: number }[];
  /** The payload itself when it is at most SMALL_DATA bytes in one segment (scalars, Clip
   *  bounds): read while walking, so constants cost no file access later. */
  small?: Uint8Array;
}

/** Data payloads up to this size are kept in memory by the skeleton (see DataRef.small). */
export const SMALL_DATA = 16;

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
  /** The ModelProto without its data fields and without the main graph's nodes. */
  bytes: Uint8Array;
  /** The main graph's NodeProto messages (reduced likewise), apart, so the reader can decode and
   *  convert them one at a time: decoded with the rest, all 100,000 of a large graph's protobuf
   *  nodes lived until the last was converted, and the garbage collector copied every one of them
   *  to the old generation. `ranges` index `bytes`, in file order, for the last graph field. */
  mainNodes: { bytes: Uint8Array; ranges: Range[] };
  dataRefs: DataRef[];
  layout: SkeletonLayout;
}

export const MARKER_MAGIC = [0xa1, 0x1e, 0x4c, 0x5a];

export { WireError };

const enum Msg { Model, Graph, Node, Attr, Tensor, Sparse, Function, TrainingInfo }

/** Which fields of a message hold messages the walker must descend into. */
const DESCEND: Record<Msg, Record<number, Msg>> = {
  [Msg.Model]: { 7: Msg.Graph, 20: Msg.TrainingInfo, 25: Msg.Function },
  [Msg.Graph]: { 1: Msg.Node, 5: Msg.Tensor, 15: Msg.Sparse },
  [Msg.Node]: { 5: Msg.Attr },
  [Msg.Attr]: { 5: Msg.Tensor, 6: Msg.Graph, 10: Msg.Tensor, 11: Msg.Graph, 22: Msg.Sparse, 23: Msg.Sparse },
  [Msg.Tensor]: {},
  [Msg.Sparse]: { 1: Msg.Tensor, 2: Msg.Tensor },
  [Msg.Function]: { 7: Msg.Node, 11: Msg.Attr },
  [Msg.TrainingInfo]: { 1: Msg.Graph, 2: Msg.Graph },
};

const TENSOR_DATA_FIELDS = new Set([4, 5, 7, 9, 10, 11]);
const MAX_DEPTH = 64;

export function buildSkeleton(win: FileWindow): Skeleton {
  const dataRefs: DataRef[] = [];
  const layout: SkeletonLayout = { nodeFields: [], opsetFields: [] };
  const model = new Output(win.size >> 4);
  const nodesOut = new Output(win.size);
  const nodeRanges: Range[] = [];
  // Where reduced bytes go: the model, or while a main-graph node is reduced, the node buffer.
  let out = model;
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

  function copy(from: number, to: number): void {
    out.copyFrom(win, from, to);
  }

  function reduce(kind: Msg, start: number, end: number, depth: number, isMainGraph: boolean): void {
    if (depth > MAX_DEPTH) throw new WireError(`corrupt: messages nested deeper than ${MAX_DEPTH} levels`);
    const descend = DESCEND[kind];
    let copyFrom = start;
    let dataRef: DataRef | undefined;
    let dataRefId = -1;
    pos = start;
    while (pos < end) {
      const fieldStart = pos;
      const tag = readVarint(end);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new WireError(`corrupt: field number 0 at byte ${fieldStart}`);
      const child = descend[field];
      if (kind === Msg.Tensor && TENSOR_DATA_FIELDS.has(field)) {
        copy(copyFrom, fieldStart);
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
        const segment = { offset: payloadStart, length: pos - payloadStart };
        if (!dataRef || dataRef.field !== field) {
          // A list literal, not push: almost every tensor has one segment, and a pushed list
          // reserves room for 17 (25,000 Constant tensors in the 100,000-node bench model).
          dataRef = { field, segments: [segment] };
          dataRefId = dataRefs.push(dataRef) - 1;
        } else dataRef.segments.push(segment);
        copyFrom = pos;
      } else if (child !== undefined && wire === 2) {
        const lenStart = pos;
        const len = readVarint(end);
        const childStart = pos;
        const childEnd = pos + len;
        if (childEnd > end) throw new WireError(`truncated: a message at byte ${fieldStart} declares ${len} bytes but only ${end - childStart} remain`);
        if (isMainGraph && field === 1) {
          // A main-graph node: reduced into the node buffer, without its tag and length.
          copy(copyFrom, fieldStart);
          out = nodesOut;
          const start = out.len;
          reduce(child, childStart, childEnd, depth + 1, false);
          nodeRanges.push({ start, end: out.len });
          out = model;
          layout.nodeFields.push({ start: fieldStart, end: childEnd });
        } else {
          copy(copyFrom, lenStart); // everything before, and this field's tag
          const prefixBytes = Math.max(childStart - lenStart, 5);
          const at = out.reserve(prefixBytes);
          const before = out.len;
          // A repeated graph field replaces the earlier one when decoded: so do its nodes.
          if (kind === Msg.Model && field === 7) nodeRanges.length = 0;
          reduce(child, childStart, childEnd, depth + 1, kind === Msg.Model && field === 7);
          out.paddedVarint(at, prefixBytes, out.len - before);
          if (kind === Msg.Model && field === 7) layout.graphField = { start: fieldStart, end: childEnd };
        }
        pos = childEnd;
        copyFrom = pos;
      } else {
        skipField(wire, end, fieldStart);
        if (kind === Msg.Model && field === 8) layout.opsetFields.push({ start: fieldStart, end: pos });
      }
    }
    copy(copyFrom, end);
    if (dataRef && dataRef.segments.length === 1 && dataRef.segments[0].length <= SMALL_DATA) {
      dataRef.small = win.read(dataRef.segments[0].offset, dataRef.segments[0].length);
    }
    if (dataRef) {
      // One marker per tensor in raw_data; every real data field was cut out, so any raw_data the
      // decoder sees is a marker.
      const marker = [0x4a, 8, ...MARKER_MAGIC, 0, 0, 0, 0]; // field 9, wire type 2, length 8
      const id = dataRefId;
      marker[6] = id & 0xff;
      marker[7] = (id >>> 8) & 0xff;
      marker[8] = (id >>> 16) & 0xff;
      marker[9] = (id >>> 24) & 0xff;
      out.bytes(marker);
    }
  }

  reduce(Msg.Model, 0, win.size, 0, false);
  return { bytes: model.buf.subarray(0, model.len), mainNodes: { bytes: nodesOut.buf.subarray(0, nodesOut.len), ranges: nodeRanges }, dataRefs, layout };
}

/** The data reference a decoded tensor's raw_data marker points to, if it is one. */
export function markerId(raw: Uint8Array | undefined | null): number | undefined {
  if (!raw || raw.length !== 8) return undefined;
  for (let i = 0; i < 4; i++) if (raw[i] !== MARKER_MAGIC[i]) return undefined;
  return new DataView(raw.buffer, raw.byteOffset, 8).getUint32(4, true);
}
