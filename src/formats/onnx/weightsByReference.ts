// An ONNX model's bytes with its large inline weights replaced by references into the model's own
// file (TensorProto external data: location = the file's name, offset, length), for onnxruntime
// sessions created from bytes: the runtime then reads those weights from the file itself, and the
// JavaScript side reads only the graph. Everything else is copied unchanged, in file order.
//
// Why: the capture model is the original bytes with a small message appended (onnxCapture.ts), and
// reading the whole file into JavaScript for that costs its size in time and memory before
// onnxruntime parses the same bytes again. `npm run bench` ("Opening a model for a native run"),
// ResNet-50: read whole 65 ms and a session from those bytes 102 ms, against 8 ms for its 37 KB
// graph with the weights referenced and 78 ms for the session; vgg16: 371 + 1,041 ms against
// 2 + 518 ms.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileWindow } from './fileWindow';
import { WireOutput } from './wireOutput';

/** Inline raw_data shorter than this stays inline (scalars, shapes, small biases). */
const MIN_REFERENCED_BYTES = 4096;
const MAX_DEPTH = 64;

export interface WeightsByReference {
  /** The model without the referenced weights' bytes. */
  bytes: Uint8Array;
  /** How many weight bytes are referenced into the file instead of copied. */
  referencedBytes: number;
  /** The location string the references use (the file's own name, in its folder). */
  location: string;
  /** The folder the references are relative to: the real file's (symbolic links resolved, since
   *  onnxruntime refuses external data that resolves outside the folder it is given). */
  folder: string;
}

const utf8 = new TextEncoder();

/** Returns undefined when the file has no inline weights worth referencing, or when its wire
 *  format is not what this walk expects (the caller then reads the file as it is). */
export function weightsByReference(modelPath: string): WeightsByReference | undefined {
  const real = fs.realpathSync(modelPath);
  const win = FileWindow.open(real);
  try {
    const location = path.basename(real);
    const out = new WireOutput(0);
    let referencedBytes = 0;
    const readVarint = (at: { pos: number }, limit: number): number => {
      let result = 0;
      let mul = 1;
      for (let i = 0; i < 10; i++) {
        if (at.pos >= limit) throw new Error('truncated');
        const b = win.byte(at.pos++);
        result += (b & 0x7f) * mul;
        if (!(b & 0x80)) return result;
        mul *= 128;
      }
      throw new Error('corrupt varint');
    };
    const skip = (wire: number, at: { pos: number }, limit: number): void => {
      if (wire === 0) readVarint(at, limit);
      else if (wire === 1) at.pos += 8;
      else if (wire === 5) at.pos += 4;
      else if (wire === 2) {
        const len = readVarint(at, limit);
        at.pos += len;
      } else throw new Error('unknown wire type');
      if (at.pos > limit) throw new Error('truncated');
    };
    const copy = (from: number, to: number): void => out.copyFrom(win, from, to);
    /** One TensorProto.external_data entry (StringStringEntryProto: key 1, value 2). */
    const entry = (key: string, value: string): void => {
      out.byte((13 << 3) | 2);
      const at = out.reserve(5);
      for (const [field, text] of [[1, key], [2, value]] as const) {
        const b = utf8.encode(text);
        out.byte((field << 3) | 2);
        out.varint(b.length);
        out.bytes(b);
      }
      out.paddedVarint(at, 5, out.len - at - 5);
    };
    /** One TensorProto: its raw_data, when large and the only data field, becomes a reference. */
    const tensor = (start: number, end: number): void => {
      const at = { pos: start };
      let raw: { fieldStart: number; payload: number; length: number } | undefined;
      let rawCount = 0;
      let otherData = false;
      while (at.pos < end) {
        const fieldStart = at.pos;
        const tag = readVarint(at, end);
        const field = Math.floor(tag / 8), wire = tag & 7;
        if (field === 9 && wire === 2) {
          const length = readVarint(at, end);
          raw = { fieldStart, payload: at.pos, length };
          rawCount++;
          at.pos += length;
          if (at.pos > end) throw new Error('truncated');
        } else {
          if (field === 13 || field === 14 || [4, 5, 7, 10, 11].includes(field)) otherData = true;
          skip(wire, at, end);
        }
      }
      if (!raw || rawCount !== 1 || otherData || raw.length < MIN_REFERENCED_BYTES) return copy(start, end);
      copy(start, raw.fieldStart);
      copy(raw.payload + raw.length, end);
      entry('location', location);
      entry('offset', String(raw.payload));
      entry('length', String(raw.length));
      out.byte(14 << 3);
      out.varint(1); // DataLocation.EXTERNAL
      referencedBytes += raw.length;
    };
    /** A message whose field `inner` holds messages handled by `child`; all else copied. */
    const message = (start: number, end: number, inner: number, child: (s: number, e: number) => void, depth: number): void => {
      if (depth > MAX_DEPTH) throw new Error('nested too deep');
      const at = { pos: start };
      let copyFrom = start;
      while (at.pos < end) {
        const fieldStart = at.pos;
        const tag = readVarint(at, end);
        const field = Math.floor(tag / 8), wire = tag & 7;
        if (field === inner && wire === 2) {
          const len = readVarint(at, end);
          const childStart = at.pos, childEnd = at.pos + len;
          if (childEnd > end) throw new Error('truncated');
          copy(copyFrom, fieldStart);
          out.varint(tag);
          const prefix = out.reserve(5);
          child(childStart, childEnd);
          out.paddedVarint(prefix, 5, out.len - prefix - 5);
          at.pos = childEnd;
          copyFrom = childEnd;
        } else skip(wire, at, end);
      }
      copy(copyFrom, end);
    };
    const graph = (s: number, e: number): void => message(s, e, 5, tensor, 1);
    message(0, win.size, 7, graph, 0);
    if (referencedBytes === 0) return undefined;
    return { bytes: out.buf.subarray(0, out.len), referencedBytes, location, folder: path.dirname(real) };
  } catch {
    return undefined;
  } finally {
    win.close();
  }
}
