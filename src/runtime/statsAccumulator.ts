// Streaming per-layer activation statistics. Each captured batch is folded in and dropped, so
// memory per layer is O(units + bins) however many samples run.
import type { LayerActivationStats } from '../analysis/activationStats';

export const DEFAULT_BINS = 64;

/** A histogram with a fixed number of equal-width bins whose range grows as values arrive.
 *  Growing doubles the bin width and merges neighbouring pairs, so every count stays exact and
 *  the range never has to be known in advance. */
export class StreamingHistogram {
  private lo = 0;
  private width = 0;
  private readonly counts: Float64Array;
  private empty = true;

  constructor(readonly bins = DEFAULT_BINS) {
    if (bins < 2 || bins % 2) throw new Error('histogram bins must be an even number ≥ 2');
    this.counts = new Float64Array(bins);
  }

  /** Makes the range cover [min, max] (finite numbers). */
  cover(min: number, max: number): void {
    if (this.empty) {
      this.empty = false;
      const span = max - min;
      // A hair wider than span/bins so rounding cannot leave `max` just outside the top edge.
      this.width = span > 0 ? (span / this.bins) * (1 + 2 ** -40) : Math.max(Math.abs(min), 1) * 2 ** -20;
      this.lo = min;
    }
    const n = this.bins, c = this.counts;
    while (max > this.lo + this.width * n) {
      for (let i = 0; i < n / 2; i++) c[i] = c[2 * i] + c[2 * i + 1];
      c.fill(0, n / 2);
      this.width *= 2;
    }
    while (min < this.lo) {
      const merged = new Float64Array(n / 2);
      for (let i = 0; i < n / 2; i++) merged[i] = c[2 * i] + c[2 * i + 1];
      c.fill(0, 0, n / 2);
      c.set(merged, n / 2);
      this.lo -= this.width * n;
      this.width *= 2;
    }
  }

  /** Counts the finite values of `data` (the range must already cover them). */
  addAll(data: ArrayLike<number>): void {
    const n = this.bins, c = this.counts, lo = this.lo, inv = 1 / this.width;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) continue;
      let b = Math.floor((v - lo) * inv);
      if (b >= n) b = n - 1;
      else if (b < 0) b = 0;
      c[b]++;
    }
  }

  result(): { edges: number[]; counts: number[] } {
    if (this.empty) return { edges: [], counts: [] };
    const edges: number[] = [];
    for (let i = 0; i <= this.bins; i++) edges.push(this.lo + i * this.width);
    return { edges, counts: Array.from(this.counts) };
  }
}

export interface LayerIdentity {
  node: string;
  op: string;
  /** The captured tensor. */
  output: string;
}

/** Folds captured batches of one activation layer into LayerActivationStats. */
export class LayerAccumulator {
  private units = -1;
  private unitAxis = -1;
  private positive: Float64Array = new Float64Array(0);
  /** Positions per unit seen so far (equal for every unit). */
  private perUnit = 0;
  private total = 0;
  private finite = 0;
  private zeros = 0;
  private min = Infinity;
  private max = -Infinity;
  private mean = 0;
  private m2 = 0;
  private samples = 0;
  private timeMs = 0;
  private readonly hist: StreamingHistogram;

  constructor(readonly id: LayerIdentity, private readonly chooseAxis: (rank: number) => number, bins = DEFAULT_BINS) {
    this.hist = new StreamingHistogram(bins);
  }

  /** `data` holds the batch in row-major order with shape `dims`; `samples` is how many samples it covers. */
  add(dims: readonly number[], data: ArrayLike<number>, samples: number): void {
    const t0 = performance.now();
    const rank = dims.length;
    if (this.units < 0) {
      this.unitAxis = rank === 0 ? -1 : this.chooseAxis(rank);
      this.units = this.unitAxis < 0 ? 1 : dims[this.unitAxis];
      this.positive = new Float64Array(this.units);
    } else if ((this.unitAxis < 0 ? 1 : dims[this.unitAxis]) !== this.units) {
      throw new Error(`${this.id.node}: output ${this.id.output} changed its unit count from ${this.units} to ${dims[this.unitAxis]} between batches`);
    }
    const units = this.units;
    let outer = 1, inner = 1;
    for (let i = 0; i < this.unitAxis; i++) outer *= dims[i];
    for (let i = this.unitAxis + 1; i < rank; i++) inner *= dims[i];
    if (this.unitAxis < 0) inner = data.length;
    const pos = this.positive;
    let zeros = 0, finite = 0, sum = 0, mn = Infinity, mx = -Infinity;
    let idx = 0;
    for (let o = 0; o < outer; o++) {
      for (let u = 0; u < units; u++) {
        let p = 0;
        const end = idx + inner;
        for (; idx < end; idx++) {
          const v = data[idx];
          if (v > 0) p++;
          else if (v === 0) zeros++;
          if (v - v === 0) { // finite
            finite++;
            sum += v;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
          }
        }
        pos[u] += p;
      }
    }
    // Second pass: squared deviations about this batch's mean (numerically stable), histogram.
    if (finite > 0) {
      const bMean = sum / finite;
      let bM2 = 0;
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (v - v === 0) bM2 += (v - bMean) * (v - bMean);
      }
      // Chan et al. parallel merge of (count, mean, M2).
      const n = this.finite + finite;
      const delta = bMean - this.mean;
      this.mean += (delta * finite) / n;
      this.m2 += bM2 + (delta * delta * this.finite * finite) / n;
      this.finite = n;
      if (mn < this.min) this.min = mn;
      if (mx > this.max) this.max = mx;
      this.hist.cover(mn, mx);
      this.hist.addAll(data);
    }
    this.zeros += zeros;
    this.total += data.length;
    this.perUnit += outer * inner;
    this.samples += samples;
    this.timeMs += performance.now() - t0;
  }

  /** Adds time spent on this layer outside `add` (its share of inference). */
  addTime(ms: number): void {
    this.timeMs += ms;
  }

  get sampleCount(): number {
    return this.samples;
  }

  result(): LayerActivationStats {
    const units = Math.max(this.units, 0);
    const activeRate: number[] = [];
    const deadUnits: number[] = [];
    for (let u = 0; u < units; u++) {
      const rate = this.perUnit ? this.positive[u] / this.perUnit : 0;
      activeRate.push(rate);
      if (this.positive[u] === 0) deadUnits.push(u);
    }
    return {
      node: this.id.node,
      op: this.id.op,
      output: this.id.output,
      units,
      unitAxis: this.unitAxis,
      activeRate,
      deadUnits,
      zeroFraction: this.total ? this.zeros / this.total : 0,
      min: this.finite ? this.min : 0,
      max: this.finite ? this.max : 0,
      mean: this.finite ? this.mean : 0,
      std: this.finite ? Math.sqrt(this.m2 / this.finite) : 0,
      histogram: this.hist.result(),
      samples: this.samples,
      timeMs: Math.round(this.timeMs * 100) / 100,
    };
  }
}
