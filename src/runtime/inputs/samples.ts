// Sample sets: tensors whose axis 0 counts samples, one per model input, and how file tensors
// become them ("the first axis of a .npy is the sample axis").
import { ModelError } from '../../core/model';
import { allocate, elementCount, hostDTypeOf, setNumber, asNumbers, type HostDType, type HostTensor } from '../hostTensor';
import type { ResolvedInput } from './dims';

/** Input name → tensor of shape [samples, ...sampleShape]. All tensors have the same sample count. */
export type SampleChunk = Record<string, HostTensor>;

export interface SampleSource {
  /** How the inputs were made, for reports ("synthetic normal seed 0", a path …). */
  description: string;
  /** Samples it will produce when known in advance. */
  total?: number;
  chunks(): AsyncIterable<SampleChunk>;
}

export function chunkSize(chunk: SampleChunk): number {
  const first = Object.values(chunk)[0];
  return first ? first.dims[0] : 0;
}

/** Shapes a tensor read from `where` as samples of `input`:
 *  batchable input [N, …s]: a tensor [k, …s] is k samples, a tensor [...s] is one sample;
 *  fixed input [a, …s]: a tensor [k, a, …s] is k samples, [a, …s] one, [k·a, …s] k samples. */
export function asSamples(t: HostTensor, input: ResolvedInput, where: string): HostTensor {
  const s = input.sampleShape;
  const converted = convertDType(t, input.dtype, where);
  const fits = (dims: readonly number[]): boolean => dims.length === s.length && dims.every((d, i) => d === s[i] || symbolicOk(input, i));
  if (fits(t.dims.slice(1))) return converted;
  if (fits(t.dims)) return { ...converted, dims: [1, ...t.dims] };
  if (!input.batchable && s.length > 0 && t.dims.length === s.length && s[0] > 0 && t.dims[0] % s[0] === 0 && fits([s[0], ...t.dims.slice(1)])) {
    return { ...converted, dims: [t.dims[0] / s[0], ...s] };
  }
  const want = input.batchable ? `[samples, ${s.join(', ')}]` : `[${s.join(', ')}] or [samples, ${s.join(', ')}]`;
  throw new ModelError(`${where}: shape [${t.dims.join(', ')}] does not fit input '${input.name}' (expects ${want})`);
}

/** Symbolic per-sample dims take the size the file gives; `sampleShape` holds a default for them. */
function symbolicOk(input: ResolvedInput, axis: number): boolean {
  return input.symbolic[axis] === true;
}

function convertDType(t: HostTensor, dtype: string, where: string): HostTensor {
  const want = (hostDTypeOf(dtype) ?? dtype) as HostDType;
  if (t.dtype === want) return t;
  if (want === 'string' || t.dtype === 'string') throw new ModelError(`${where}: holds ${t.dtype} values, the input needs ${want}`);
  const nums = asNumbers(t);
  const data = allocate(want, nums.length);
  for (let i = 0; i < nums.length; i++) setNumber(data, want, i, nums[i]);
  return { dtype: want, dims: t.dims, data };
}

export function sampleCount(t: HostTensor): number {
  return t.dims[0] ?? 1;
}

/** Rows [a, b) of a sample tensor. */
export function rows(t: HostTensor, a: number, b: number): HostTensor {
  const row = elementCount(t.dims.slice(1));
  const data = Array.isArray(t.data) ? t.data.slice(a * row, b * row) : (t.data as Float32Array).subarray(a * row, b * row);
  return { dtype: t.dtype, dims: [b - a, ...t.dims.slice(1)], data: data as HostTensor['data'] };
}
