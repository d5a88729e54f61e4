// JSON inputs: a nested array (one input), {"name": nested array, …}, or
// {"name": {"shape": [...], "data": [flat]}, …}.
import { ModelError } from '../../core/model';
import { elementCount, type HostTensor } from '../hostTensor';
import { readBounded } from './tensorProto';

export const MAX_JSON_BYTES = 512 * 1024 ** 2;

export function readJsonTensors(file: string): { name: string; tensor: HostTensor }[] {
  const bytes = readBounded(file, MAX_JSON_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new ModelError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(value)) return [{ name: '', tensor: fromNested(value, file) }];
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([name, v]) => ({ name, tensor: fromValue(v, `${file}: '${name}'`) }));
  }
  throw new ModelError(`${file}: expected an array or an object of arrays`);
}

function fromValue(v: unknown, where: string): HostTensor {
  if (Array.isArray(v)) return fromNested(v, where);
  if (v && typeof v === 'object' && Array.isArray((v as { data?: unknown }).data)) {
    const { shape, data } = v as { shape?: unknown; data: unknown[] };
    const dims = Array.isArray(shape) ? shape.map(Number) : [data.length];
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ModelError(`${where}: bad shape`);
    if (elementCount(dims) !== data.length) throw new ModelError(`${where}: ${data.length} values do not fill shape [${dims.join(', ')}]`);
    return { dtype: 'float32', dims, data: toFloats(data.flat(), where) };
  }
  throw new ModelError(`${where}: expected a nested array or {shape, data}`);
}

function fromNested(v: unknown[], where: string): HostTensor {
  const dims: number[] = [];
  let level: unknown = v;
  while (Array.isArray(level)) {
    dims.push(level.length);
    level = level[0];
  }
  const flat = (v as unknown[]).flat(Infinity);
  if (flat.length !== elementCount(dims)) throw new ModelError(`${where}: ragged nested array (rows of different lengths)`);
  return { dtype: 'float32', dims, data: toFloats(flat, where) };
}

function toFloats(values: unknown[], where: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x === 'number') out[i] = x;
    else if (typeof x === 'boolean') out[i] = x ? 1 : 0;
    else throw new ModelError(`${where}: element ${i} is not a number`);
  }
  return out;
}
