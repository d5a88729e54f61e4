// Seeded synthetic inputs shaped by the input signature.
import { allocate, elementCount, setNumber, type HostDType } from '../hostTensor';
import type { ResolvedInput } from './dims';
import { SeededRandom } from './random';
import type { SampleChunk, SampleSource } from './samples';

export type Distribution = 'normal' | 'uniform';

export interface SyntheticOptions {
  samples: number;
  seed: number;
  distribution: Distribution;
  /** Samples generated per chunk. */
  chunk?: number;
}

/** Integer inputs (token ids, indices) get values in [0, INT_RANGE) so they index small tables. */
export const INT_RANGE = 10;

export function syntheticSource(inputs: readonly ResolvedInput[], opts: SyntheticOptions): SampleSource {
  // At most ~16 Mi elements per chunk, so a large input does not multiply into a giant allocation.
  const perSample = Math.max(1, ...inputs.map((i) => elementCount(i.sampleShape)));
  const chunk = Math.max(1, Math.min(opts.chunk ?? 16, Math.floor(2 ** 24 / perSample)));
  return {
    description: `synthetic ${opts.distribution} seed ${opts.seed}`,
    total: opts.samples,
    async *chunks(): AsyncIterable<SampleChunk> {
      const rng = new SeededRandom(opts.seed);
      for (let done = 0; done < opts.samples; ) {
        const n = Math.min(chunk, opts.samples - done);
        const out: SampleChunk = {};
        for (const inp of inputs) {
          const dtype = inp.dtype as HostDType;
          const count = n * elementCount(inp.sampleShape);
          const data = allocate(dtype, count);
          const isFloat = dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
          if ((data instanceof Float32Array || data instanceof Float64Array) && opts.distribution === 'normal') {
            rng.fillNormal(data);
            out[inp.name] = { dtype, dims: [n, ...inp.sampleShape], data };
            continue;
          }
          for (let i = 0; i < count; i++) {
            let v: number;
            if (dtype === 'bool') v = rng.uniform() < 0.5 ? 1 : 0;
            else if (!isFloat) v = rng.int(INT_RANGE);
            else v = opts.distribution === 'uniform' ? rng.uniform() : rng.normal();
            setNumber(data, dtype, i, v);
          }
          out[inp.name] = { dtype, dims: [n, ...inp.sampleShape], data };
        }
        done += n;
        yield out;
      }
    },
  };
}
