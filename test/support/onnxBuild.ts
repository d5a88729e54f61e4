// Builds small ONNX models in tests with onnx-proto, so fixtures need no Python at test time.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';

export function tmpDir(prefix = 'al-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

export function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return { name, dims, dataType: 1, rawData: raw };
}

export interface ModelSpec {
  nodes?: onnx.INodeProto[];
  initializers?: onnx.ITensorProto[];
  inputs?: onnx.IValueInfoProto[];
  outputs?: onnx.IValueInfoProto[];
  opset?: number;
  extra?: Partial<onnx.IModelProto>;
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'activation-lens-tests',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'g',
      node: spec.nodes ?? [],
      initializer: spec.initializers ?? [],
      input: spec.inputs ?? [],
      output: spec.outputs ?? [],
    },
    ...spec.extra,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function writeModel(dir: string, name: string, spec: ModelSpec | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, spec instanceof Uint8Array ? spec : encodeModel(spec));
  return file;
}

export async function collect(it: AsyncIterable<Float64Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of it) out.push(...chunk);
  return out;
}
