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
  private scratch: Float64Array | undefined;

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

  /** Counts values known to be finite and inside the range. Four interleaved sub-histograms
   *  break the store-to-load dependency when neighbouring values fall in the same bin (ReLU
   *  zeros), which otherwise serialises the loop. */
  addAllFinite(data: ArrayLike<number>): void {
    const n = this.bins, last = n - 1, lo = this.lo, inv = 1 / this.width;
    const c = (this.scratch ??= new Float64Array(4 * n));
    const len = data.length - (data.length % 4);
    let i = 0;
    for (; i < len; i += 4) {
      let a = ((data[i] - lo) * inv) | 0;
      let b = ((data[i + 1] - lo) * inv) | 0;
      let d = ((data[i + 2] - lo) * inv) | 0;
      let e = ((data[i + 3] - lo) * inv) | 0;
      a = a < 0 ? 0 : a > last ? last : a;
      b = b < 0 ? 0 : b > last ? last : b;
      d = d < 0 ? 0 : d > last ? last : d;
      e = e < 0 ? 0 : e > last ? last : e;
      c[a]++;
      c[n + b]++;
      c[2 * n + d]++;
      c[3 * n + e]++;
    }
    for (; i < data.length; i++) {
      let a = ((data[i] - lo) * inv) | 0;
      a = a < 0 ? 0 : a > last ? last : a;
      c[a]++;
    }
    const counts = this.counts;
    for (let k = 0; k < n; k++) {
      counts[k] += c[k] + c[n + k] + c[2 * n + k] + c[3 * n + k];
    }
    c.fill(0);
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
  add(dims: readonly number[], data: Float32Array | Float64Array | ArrayLike<number>, samples: number): void {
    const t0 = performance.now();
    const rank = dims.length;
    if (this.units < 0) {
      this.unitAxis = rank === 0 ? -1 : this.chooseAxis(rank);
      this.units = this.unitAxis < 0 ? 1 : dims[this.unitAxis];
      this.positive = new Float64Array(this.units);
    } else if ((this.unitAxis < 0 ? 1 : dims[this.unitAxis]) !== this.units) {
      throw new Error(`${this.id.node}: output ${this.id.output} changed its unit count from ${this.units} to ${dims[this.unitAxis]} between batches`);
    }
    let outer = 1, inner = 1;
    for (let i = 0; i < this.unitAxis; i++) outer *= dims[i];
    for (let i = this.unitAxis + 1; i < rank; i++) inner *= dims[i];
    if (this.unitAxis < 0) inner = data.length;
    // Pass 1 (no data-dependent branches, so ReLU outputs' random zero/non-zero pattern costs
    // nothing): per-unit positives, zeros, min, max and moments about a shift (the running mean,
    // for precision). A non-finite value makes the sums non-finite; then the batch is rescanned
    // with explicit checks. Pass 2 bins every value once the range covers the batch.
    const shift = this.finite ? this.mean : data.length && Number.isFinite(data[0]) ? data[0] : 0;
    let r = scanFast(data, outer, this.units, inner, this.positive, shift);
    if (!Number.isFinite(r.sumSq) || !Number.isFinite(r.min) || !Number.isFinite(r.max)) r = scanChecked(data, outer, this.units, inner, this.positive, shift, r);
    if (r.finite > 0) {
      const bMean = shift + r.sum / r.finite;
      const bM2 = Math.max(0, r.sumSq - (r.sum * r.sum) / r.finite);
      // Chan et al. parallel merge of (count, mean, M2).
      const n = this.finite + r.finite;
      const delta = bMean - this.mean;
      this.mean += (delta * r.finite) / n;
      this.m2 += bM2 + (delta * delta * this.finite * r.finite) / n;
      this.finite = n;
      if (r.min < this.min) this.min = r.min;
      if (r.max > this.max) this.max = r.max;
      this.hist.cover(r.min, r.max);
      if (r.finite === data.length) this.hist.addAllFinite(data);
      else this.hist.addAll(data);
    }
    this.zeros += r.zeros;
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

interface ScanResult {
  zeros: number;
  finite: number;
  sum: number;
  sumSq: number;
  min: number;
  max: number;
}

/** Pass 1 over one captured batch laid out as [outer, units, inner], assuming finite values. */
function scanFast(data: ArrayLike<number>, outer: number, units: number, inner: number, positive: Float64Array, shift: number): ScanResult {
  let zeros = 0, sum = 0, sumSq = 0, mn = Infinity, mx = -Infinity;
  let idx = 0;
  const before = Float64Array.from(positive);
  if (inner === 1 && units > 1) {
    // Channels last (dense, NHWC): units vary fastest; count into a per-unit integer array.
    const pos = new Int32Array(units);
    for (let o = 0; o < outer; o++) {
      for (let u = 0; u < units; u++, idx++) {
        const v = data[idx];
        pos[u] += v > 0 ? 1 : 0;
        zeros += v === 0 ? 1 : 0;
        const d = v - shift;
        sum += d;
        sumSq += d * d;
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      if ((o & 0xffff) === 0xffff) flushCounts(pos, positive); // keep int32 counts far from overflow
    }
    flushCounts(pos, positive);
  } else for (let o = 0; o < outer; o++) {
    for (let u = 0; u < units; u++) {
      let p = 0;
      const end = idx + inner;
      for (; idx < end; idx++) {
        const v = data[idx];
        p += (v > 0 ? 1 : 0);
        zeros += (v === 0 ? 1 : 0);
        const d = v - shift;
        sum += d;
        sumSq += d * d;
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      positive[u] += p;
    }
  }
  if (!Number.isFinite(sumSq) || Number.isNaN(mn)) positive.set(before); // the checked rescan counts again
  return { zeros, finite: data.length, sum, sumSq, min: mn, max: mx };
}

function flushCounts(pos: Int32Array, positive: Float64Array): void {
  for (let u = 0; u < pos.length; u++) positive[u] += pos[u];
  pos.fill(0);
}

/** Pass 1 for a batch with NaN or infinities: those are left out of moments, range and histogram
 *  (+Infinity still counts as active). */
function scanChecked(data: ArrayLike<number>, outer: number, units: number, inner: number, positive: Float64Array, shift: number, fast: ScanResult): ScanResult {
  void fast;
  let zeros = 0, finite = 0, sum = 0, sumSq = 0, mn = Infinity, mx = -Infinity;
  let idx = 0;
  for (let o = 0; o < outer; o++) {
    for (let u = 0; u < units; u++) {
      let p = 0;
      const end = idx + inner;
      for (; idx < end; idx++) {
        const v = data[idx];
        if (v > 0) p++;
        else if (v === 0) zeros++;
        if (v - v !== 0) continue;
        finite++;
        const d = v - shift;
        sum += d;
        sumSq += d * d;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      positive[u] += p;
    }
  }
  return { zeros, finite, sum, sumSq, min: mn, max: mx };
}
