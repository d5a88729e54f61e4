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
import { onnx } from 'onnx-proto';
import { ModelError } from '../core/model';
import { FileRefused, readRegularFileSync, statRegularFile } from '../formats/files';
import { resolveExternalPath } from '../formats/onnx/externalData';

/** The model bytes with `names` appended as extra graph outputs (those not outputs already), and
 *  `graph`'s nodes, initializers and outputs appended to the main graph (in-graph statistics,
 *  graphStats.ts). */
export function withExtraOutputs(modelBytes: Uint8Array, names: readonly string[], existingOutputs: readonly string[], graph?: onnx.IGraphProto): Uint8Array {
  const tail = captureTail(names, existingOutputs, graph);
  if (!tail) return modelBytes;
  const out = new Uint8Array(modelBytes.length + tail.length);
  out.set(modelBytes, 0);
  out.set(tail, modelBytes.length);
  return out;
}

/** The encoded message to append to a model for `withExtraOutputs`, or undefined when nothing is
 *  added. */
export function captureTail(names: readonly string[], existingOutputs: readonly string[], graph?: onnx.IGraphProto): Uint8Array | undefined {
  const have = new Set(existingOutputs);
  const extra: string[] = [];
  for (const n of names) {
    if (!n || have.has(n)) continue;
    have.add(n);
    extra.push(n);
  }
  if (!extra.length && !graph?.node?.length) return undefined;
  return onnx.ModelProto.encode({ graph: { node: graph?.node ?? [], initializer: graph?.initializer ?? [], output: [...extra.map((name) => ({ name })), ...(graph?.output ?? [])] } }).finish();
}

export interface ExternalFile {
  /** The location string as written in the model (what onnxruntime looks up). */
  path: string;
  data: Uint8Array;
}

export interface ExternalDataFile {
  /** The location string as written in the model. */
  location: string;
  /** Its absolute path (inside the model's folder). */
  file: string;
  bytes: number;
}

/** The external-data files a model refers to, confined to the model's folder, with their sizes
 *  (nothing is read). Only called for models that have external tensors, so the decode below is
 *  of a model whose weights are elsewhere (small). */
export function listExternalData(modelPath: string, modelBytes: Uint8Array): ExternalDataFile[] {
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(modelBytes);
  } catch (e) {
    throw new ModelError(`${modelPath}: not a valid ONNX model (${(e as Error).message})`);
  }
  /** location → the first tensor stored there (named in errors). */
  const locations = new Map<string, string>();
  const visitTensor = (t: onnx.ITensorProto | null | undefined): void => {
    if (!t || t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
    const loc = t.externalData?.find((e) => e.key === 'location')?.value;
    if (loc && !locations.has(loc)) locations.set(loc, t.name ?? '');
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
  const files: ExternalDataFile[] = [];
  for (const [loc, tensor] of locations) {
    // The readers' confinement (absolute paths, '..', symbolic links that lead out): onnxruntime
    // resolves these locations itself on the native backend, so they are checked before it runs.
    const abs = resolveExternalPath(modelPath, loc, tensor);
    let st: fs.Stats;
    try {
      st = statRegularFile(abs);
    } catch (e) {
      if (e instanceof FileRefused) throw new ModelError(`${modelPath}: external data file '${loc}': ${e.message}`);
      throw e;
    }
    files.push({ location: loc, file: abs, bytes: st.size });
  }
  return files;
}

/** Reads the external-data files a model refers to (for the wasm runtime, which cannot map
 *  files), confined to the model's folder. Files over 2 GiB, which fs.readFileSync refuses, are
 *  read in chunks. */
export function readExternalData(modelPath: string, modelBytes: Uint8Array, listed = listExternalData(modelPath, modelBytes)): ExternalFile[] {
  return listed.map((f) => ({ path: f.location, data: readWhole(modelPath, f) }));
}

function readWhole(modelPath: string, f: ExternalDataFile): Uint8Array {
  try {
    return readRegularFileSync(f.file);
  } catch (e) {
    if (e instanceof FileRefused) throw new ModelError(`${modelPath}: external data file '${f.location}' ${e.message}`);
    throw e;
  }
}

/** "4.6 GB", "553 MB", "16 TiB" style sizes for messages. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 40) return `${(n / 2 ** 40).toFixed(n >= 10 * 2 ** 40 ? 0 : 1)} TiB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} KB`;
  return `${n} bytes`;
}
