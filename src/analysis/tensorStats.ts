// Summary statistics of a tensor's values, computed by streaming so memory stays bounded
// whatever the tensor's size: pass 1 gathers count/min/max/mean/std (Welford) and zeros,
// pass 2 fills a histogram over [min, max].
import type { Histogram } from './activationStats';

export interface TensorStats {
  /** All elements, non-finite ones included. */
  count: number;
  /** NaN and ±Infinity elements; they are left out of min/max/mean/std/histogram. */
  nonFinite: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation of the finite values. */
  std: number;
  /** Fraction of all elements that are exactly 0. */
  zeroFraction: number;
  histogram: Histogram;
}

export type ValueStream = () => AsyncIterable<Float64Array>;

/** `stream` is called once per pass (a Tensor's `() => tensor.values()`). */
export async function tensorStats(stream: ValueStream, bins = 32): Promise<TensorStats> {
  if (!(bins >= 1)) throw new RangeError(`bins must be at least 1, got ${bins}`);
  let count = 0, finite = 0, zeros = 0;
  let min = Infinity, max = -Infinity, mean = 0, m2 = 0;
  for await (const chunk of stream()) {
    count += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const v = chunk[i];
      if (v === 0) zeros++;
      if (!Number.isFinite(v)) continue;
      finite++;
      if (v < min) min = v;
      if (v > max) max = v;
      const d = v - mean;
      mean += d / finite;
      m2 += d * (v - mean);
    }
  }
  if (finite === 0) {
    return { count, nonFinite: count, min: NaN, max: NaN, mean: NaN, std: NaN, zeroFraction: count ? zeros / count : 0, histogram: { edges: [], counts: [] } };
  }
  const histogram = await histogramOf(stream, min, max, bins);
  return { count, nonFinite: count - finite, min, max, mean, std: Math.sqrt(m2 / finite), zeroFraction: zeros / count, histogram };
}

async function histogramOf(stream: ValueStream, min: number, max: number, bins: number): Promise<Histogram> {
  // A constant tensor gets one bin around its value.
  if (min === max) return countConstant(stream, min);
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + ((max - min) * i) / bins));
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (max - min);
  for await (const chunk of stream()) {
    for (let i = 0; i < chunk.length; i++) {
      const v = chunk[i];
      if (!Number.isFinite(v)) continue;
      let b = Math.floor((v - min) * scale);
      if (b >= bins) b = bins - 1; // max falls in the last bin
      if (b < 0) b = 0;
      counts[b]++;
    }
  }
  return { edges, counts };
}

async function countConstant(stream: ValueStream, value: number): Promise<Histogram> {
  let n = 0;
  for await (const chunk of stream()) for (let i = 0; i < chunk.length; i++) if (chunk[i] === value) n++;
  return { edges: [value, value], counts: [n] };
}
