// Makes an in-memory copy of an ONNX model whose graph also outputs chosen intermediate values.
// The user's file is never written.
//
// How: protobuf defines that concatenating two encoded messages equals merging them, and that
// repeated fields of a merged sub-message append. So `original bytes ++ encode(ModelProto{graph:
// {output: [extra outputs]}})` is the original model with extra graph outputs appended after the
// model's own ones. onnx-proto encodes the appended part; the original bytes are copied once and
// never decoded. Decoding and re-encoding the whole model with onnx-proto instead costs time and
// memory in proportion to the weights (see scripts/bench-runtime.ts, "capture model build").
// Element types: an extra output carries no type; onnxruntime infers it from the producing node
// (its shape inference) and reports it in the session's output metadata.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { ModelError } from '../core/model';

/** The model bytes with `names` appended as extra graph outputs (those not outputs already). */
export function withExtraOutputs(modelBytes: Uint8Array, names: readonly string[], existingOutputs: readonly string[]): Uint8Array {
  const have = new Set(existingOutputs);
  const extra: string[] = [];
  for (const n of names) {
    if (!n || have.has(n)) continue;
    have.add(n);
    extra.push(n);
  }
  if (!extra.length) return modelBytes;
  const tail = onnx.ModelProto.encode({ graph: { output: extra.map((name) => ({ name })) } }).finish();
  const out = new Uint8Array(modelBytes.length + tail.length);
  out.set(modelBytes, 0);
  out.set(tail, modelBytes.length);
  return out;
}

export interface ExternalFile {
  /** The location string as written in the model (what onnxruntime looks up). */
  path: string;
  data: Uint8Array;
}

/** Reads the external-data files a model refers to, confined to the model's folder.
 *  Only called for models that have external tensors, so the decode below is of a model whose
 *  weights are elsewhere (small). */
export function readExternalData(modelPath: string, modelBytes: Uint8Array): ExternalFile[] {
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(modelBytes);
  } catch (e) {
    throw new ModelError(`${modelPath}: not a valid ONNX model (${(e as Error).message})`);
  }
  const locations = new Set<string>();
  const visitTensor = (t: onnx.ITensorProto | null | undefined): void => {
    if (!t || t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
    const loc = t.externalData?.find((e) => e.key === 'location')?.value;
    if (loc) locations.add(loc);
  };
  const visitGraph = (g: onnx.IGraphProto | null | undefined, depth: number): void => {
    if (!g || depth > 64) return;
    g.initializer?.forEach(visitTensor);
    g.sparseInitializer?.forEach((s) => {
      visitTensor(s.values);
      visitTensor(s.indices);
    });
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        visitTensor(a.t);
        a.tensors?.forEach(visitTensor);
        visitGraph(a.g, depth + 1);
        a.graphs?.forEach((sg) => visitGraph(sg, depth + 1));
      }
    }
  };
  visitGraph(proto.graph, 0);
  const dir = path.dirname(path.resolve(modelPath));
  const files: ExternalFile[] = [];
  for (const loc of locations) {
    const abs = path.resolve(dir, loc);
    const rel = path.relative(dir, abs);
    if (path.isAbsolute(loc) || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new ModelError(`${modelPath}: external data location '${loc}' points outside the model's folder`);
    }
    let data: Buffer;
    try {
      data = fs.readFileSync(abs);
    } catch {
      throw new ModelError(`${modelPath}: external data file '${loc}' is missing`);
    }
    files.push({ path: loc, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  return files;
}
