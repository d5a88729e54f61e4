// Resolves an input signature's symbolic and unknown dimensions to sizes.
import type { Dim } from '../../core/model';
import { ModelError } from '../../core/model';
import type { InputSignature } from '../backend';

/** Default sizes for symbolic dimensions the user did not set, by what the name suggests. */
export function defaultDimSize(name: string, axis: number, rank: number): number {
  const n = name.toLowerCase();
  if (axis === 0 || /batch|^n$|^b$|^bs$|^num_?samples/.test(n)) return 1;
  if (/height|width|^h$|^w$|img|image|spatial/.test(n)) return 224;
  if (/seq|len|time|token|step|^t$|^s$|sentence|position|past|total|encoder|decoder/.test(n)) return 16;
  if (rank === 4 && (axis === 2 || axis === 3)) return 224;
  return 1;
}

/** Largest input per sample (elements) a run will allocate: 256 Mi (1 GiB of float32). */
export const MAX_SAMPLE_ELEMENTS = 2 ** 28;

export interface ResolvedInput {
  name: string;
  dtype: string;
  /** True when axis 0 is symbolic/unknown, so several samples can share one run. */
  batchable: boolean;
  /** Shape of one sample: the input shape without axis 0 when batchable, else the whole shape. */
  sampleShape: number[];
  /** Per axis of sampleShape: the model leaves it symbolic, so file inputs may set its size. */
  symbolic: boolean[];
}

export interface DimResolution {
  inputs: ResolvedInput[];
  /** Every symbolic name and the size used (batch-like names report 1, the per-run size). */
  used: Record<string, number>;
  /** Names that were given no size and fell back to a default. */
  defaulted: string[];
}

export function resolveInputs(sig: readonly InputSignature[], given: Record<string, number>): DimResolution {
  const used: Record<string, number> = {};
  const defaulted: string[] = [];
  const inputs = sig.map((inp) => {
    const batchable = inp.shape.length > 0 && typeof inp.shape[0] !== 'number';
    const resolved = inp.shape.map((d: Dim, axis) => {
      if (typeof d === 'number') return d;
      const key = d ?? `${inp.name}[${axis}]`;
      if (given[key] !== undefined) return (used[key] = given[key]);
      // An unnamed batch axis is where samples are stacked; nothing to report.
      if (d === null && batchable && axis === 0) return 1;
      if (used[key] !== undefined) return used[key];
      const size = defaultDimSize(d ?? '', axis, inp.shape.length);
      used[key] = size;
      if (!(batchable && axis === 0)) defaulted.push(key);
      return size;
    });
    for (const s of resolved) if (!Number.isSafeInteger(s) || s < 0) throw new ModelError(`input '${inp.name}' has a bad dimension ${s}`);
    const perSample = (batchable ? resolved.slice(1) : resolved).reduce((a, b) => a * b, 1);
    if (perSample > MAX_SAMPLE_ELEMENTS) {
      throw new ModelError(`input '${inp.name}' would need ${perSample.toLocaleString('en-US')} elements per sample (shape [${resolved.join(', ')}]); set smaller sizes with --dim name=value`);
    }
    const symbolic = inp.shape.map((d) => typeof d !== 'number');
    return { name: inp.name, dtype: inp.dtype, batchable, sampleShape: batchable ? resolved.slice(1) : resolved, symbolic: batchable ? symbolic.slice(1) : symbolic };
  });
  return { inputs, used, defaulted };
}
