// ONNX TensorProto (.pb) files — the ONNX backend test data format — decoded by onnx-proto.
import { onnx } from 'onnx-proto';
import { ModelError } from '../../core/model';
import { FileRefused, readRegularFileSync } from '../../formats/files';
import { onnxDTypeName } from '../../core/dtypes';
import { allocate, elementCount, hostDTypeOf, type HostData, type HostTensor } from '../hostTensor';

export interface NamedTensor {
  /** The name stored in the file ("" when none). */
  name: string;
  tensor: HostTensor;
}

/** Largest tensor file read into memory at once. */
export const MAX_INPUT_FILE_BYTES = 2 * 1024 ** 3;

export function readTensorProtoFile(file: string): NamedTensor {
  const buf = readBounded(file);
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(buf);
  } catch (e) {
    throw new ModelError(`${file}: not an ONNX TensorProto (${(e as Error).message})`);
  }
  return { name: proto.name ?? '', tensor: tensorFromProto(proto, file) };
}

/** An input file's bytes: a regular file (a named pipe would block) of at most MAX_INPUT_FILE_BYTES. */
export function readBounded(file: string, maxBytes = MAX_INPUT_FILE_BYTES): Uint8Array {
  try {
    return readRegularFileSync(file, maxBytes);
  } catch (e) {
    if (e instanceof FileRefused) throw new ModelError(`${file}: ${e.message}`);
    throw e;
  }
}

function num(v: number | Long | { toNumber(): number }): number {
  return typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber();
}
type Long = { low: number; high: number; unsigned: boolean };

const BYTES_PER: Record<string, number> = { float32: 4, float64: 8, float16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1, string: 0 };

export function tensorFromProto(proto: onnx.ITensorProto, where: string): HostTensor {
  const dims = (proto.dims ?? []).map((d) => num(d as number));
  const typeName = onnxDTypeName(proto.dataType ?? 0);
  const dtype = hostDTypeOf(typeName);
  if (!dtype) throw new ModelError(`${where}: tensors of type ${typeName} are not supported as inputs`);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) throw new ModelError(`${where}: tensors with external data are not supported as inputs`);
  const count = elementCount(dims);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0) || count > 2 ** 31) throw new ModelError(`${where}: bad tensor shape [${dims.join(', ')}]`);
  const raw = proto.rawData;
  if (raw && raw.length) {
    if (dtype === 'string') throw new ModelError(`${where}: string tensor with raw data`);
    const bytesPer = BYTES_PER[dtype];
    // Checked before allocating: the dims may claim any size.
    if (raw.length !== count * bytesPer) throw new ModelError(`${where}: raw data holds ${raw.length} bytes, the shape needs ${count * bytesPer}`);
    const data = allocate(dtype, count);
    new Uint8Array((data as Float32Array).buffer).set(raw);
    return { dtype, dims, data };
  }
  let data: HostData | undefined;
  const fill = (values: ArrayLike<unknown>, conv: (v: unknown) => unknown): void => {
    if (values.length !== count) throw new ModelError(`${where}: holds ${values.length} values, the shape needs ${count}`);
    data = allocate(dtype, count);
    const d = data as unknown as unknown[];
    for (let i = 0; i < count; i++) d[i] = conv(values[i]);
  };
  switch (dtype) {
    case 'float32': fill(proto.floatData ?? [], Number); break;
    case 'float64': fill(proto.doubleData ?? [], Number); break;
    case 'int64': fill(proto.int64Data ?? [], (v) => BigInt(longString(v))); break;
    case 'uint64': fill(proto.uint64Data ?? [], (v) => BigInt(longString(v))); break;
    case 'uint32': fill(proto.uint64Data ?? [], (v) => Number(longString(v))); break;
    case 'string': fill(proto.stringData ?? [], (v) => new TextDecoder().decode(v as Uint8Array)); break;
    default: fill(proto.int32Data ?? [], Number); // int8/16/32, uint8/16, bool, float16 (bits)
  }
  return { dtype, dims, data: data ?? allocate(dtype, 0) };
}

function longString(v: unknown): string {
  if (typeof v === 'number') return String(Math.trunc(v));
  if (typeof v === 'string') return v;
  return (v as { toString(): string }).toString();
}
