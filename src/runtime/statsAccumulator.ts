// Streaming per-layer activation statistics. Each captured batch is folded in and dropped, so
// memory per layer is O(units + bins) however many samples run.
import type { LayerActivationStats } from '../analysis/activationStats';
import { FIRST_GOLDEN_PHASE, nextGoldenPhase } from './goldenRatio';

export const DEFAULT_BINS = 64;

/** A histogram with a fixed number of equal-width bins whose range grows as values arrive.
 *  Growing doubles the bin width and merges neighbouring pairs, so every count stays exact and
 *  the range never has to be known in advance. */
export class StreamingHistogram {
  private lo = 0;
  private width = 0;
  private readonly counts: Float64Array;
  private empty = true;
  private scratch: Int32Array | undefined;

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

  /** Counts values known to be finite and inside the range (cover() made lo ≤ every value ≤
   *  the top edge, so the bin index is in [0, bins] with no clamping: `bins` itself only for a
   *  value on the top edge, folded into the last bin). Four interleaved sub-histograms break the
   *  store-to-load dependency when neighbouring values fall in the same bin (ReLU zeros), which
   *  otherwise serialises the loop; without the clamps the loop measured 1.0 ns per value
   *  against 1.7 ns with them. */
  addAllFinite(data: ArrayLike<number>): void {
    const n = this.bins, m = n + 1, lo = this.lo, inv = 1 / this.width;
    const c = (this.scratch ??= new Int32Array(4 * m));
    const len = data.length - (data.length % 4);
    let i = 0;
    for (; i < len; i += 4) {
      c[((data[i] - lo) * inv) | 0]++;
      c[m + (((data[i + 1] - lo) * inv) | 0)]++;
      c[2 * m + (((data[i + 2] - lo) * inv) | 0)]++;
      c[3 * m + (((data[i + 3] - lo) * inv) | 0)]++;
    }
    for (; i < data.length; i++) c[((data[i] - lo) * inv) | 0]++;
    const counts = this.counts;
    for (let k = 0; k < n; k++) counts[k] += c[k] + c[m + k] + c[2 * m + k] + c[3 * m + k];
    counts[n - 1] += c[n] + c[m + n] + c[2 * m + n] + c[3 * m + n];
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

/** One batch's in-graph statistics of a layer, as `addPartials` takes them. */
export interface GraphPartials {
  units: number;
  unitAxis: number;
  /** Slices per unit (samples for channels-first outputs; 1 for channels-last ones). */
  slices: number;
  /** Positions per slice and unit. */
  perSlice: number;
  /** Values are means over the slice (true) or sums (false). */
  means: boolean;
  /** Statistic j (0 positives, then each unit's maximum at `maxAt`, negatives at `negativesAt`) of
   *  slice s and unit u at packed[s × sliceStride + u + j × jStride]. */
  packed: Float32Array;
  sliceStride: number;
  jStride: number;
  /** Index of the units' maxima, or −1 when the batch's maximum is `max`. */
  maxAt: number;
  /** The batch's maximum, when the units' are not in `packed`. */
  max?: number;
  /** The batch's minimum; absent for ReLU-like activations, whose minimum is 0 once a value is 0. */
  min?: number;
  /** Index of the negatives' count, or −1 when the activation is never negative. */
  negativesAt: number;
  /** Statistic 0 counts zeros, not positives (a never-negative activation: the rest are positive). */
  zerosFirst?: boolean;
  /** Raw values of the batch: mean, std and histogram come from them (spreadSample). Absent for
   *  batches the run takes no sample from (runActivations.ts, DISTRIBUTION_EVERY). */
  sample?: Float32Array;
  /** How many samples `sample` covers (default 1: the batch's first). */
  sampleSamples?: number;
  samples: number;
}

export interface LayerIdentity {
  node: string;
  op: string;
  /** The captured tensor. */
  output: string;
}

/** Mean, std and histogram take at most this many values of a layer from each sample. ResNet-50's
 *  samples (then every 4th position of one image) held 2.4 million values over its 49 layers;
 *  with this bound and the per-unit loop below, its statistics took 23 ms of a 32-sample native
 *  run instead of 60–74 (`npm run bench`, capture table, the statistics figure). */
export const DISTRIBUTION_VALUES = 1 << 13;

/** Up to this many positions per unit in a batch, a unit's per-slice means (GlobalAveragePool:
 *  count × float32(1/K), each within 2⁻²³ of count / K) sum to its count within 2⁻²³ × positions
 *  ≤ 0.25, so one rounding of the sum gives the exact count. */
const EXACT_MEAN_SUM_POSITIONS = 1 << 21;

/** At most `limit` values of `data`, one from each of `limit` equal strata at an offset that
 *  varies from stratum to stratum (golden-ratio sequence), so that the picks do not line up with
 *  a channel's rows or columns whatever the shape. */
export function spreadSample(data: Float32Array, limit: number): Float32Array {
  if (data.length <= limit) return data;
  const out = new Float32Array(limit);
  const stratum = data.length / limit;
  for (let i = 0, phase = FIRST_GOLDEN_PHASE; i < limit; i++, phase = nextGoldenPhase(phase)) {
    out[i] = data[Math.min(data.length - 1, Math.floor((i + phase) * stratum))];
  }
  return out;
}

/** Folds captured batches of one activation layer into LayerActivationStats. */
export class LayerAccumulator {
  private units = -1;
  private unitAxis = -1;
  private positive: Float64Array = new Float64Array(0);
  /** Scratch for addPartials: a batch's summed means per unit. */
  private unitSums: Float64Array = new Float64Array(0);
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
  /** With in-graph statistics: mean, std and histogram over the samples taken (at most one per batch). */
  private distribution: LayerAccumulator | undefined;
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

  /** Folds in one batch's in-graph statistics (src/runtime/graphStats.ts): per slice (a sample's
   *  channel, or for channels-last outputs the whole batch) and unit, the positive count and the
   *  negative count (activations that can be negative), with the batch's maximum and minimum
   *  (grid layers: the zero count and each unit's maximum), plus raw sample values, which feed
   *  mean, std and histogram. The values must be finite: the caller checks them
   *  (runActivations.ts, partialsItem) and measures a run with NaN or ±Infinity from raw outputs. */
  addPartials(p: GraphPartials): void {
    const t0 = performance.now();
    const { units, slices, perSlice } = p;
    const packed = p.packed, ss = p.sliceStride, js = p.jStride;
    if (this.units < 0) {
      this.unitAxis = p.unitAxis;
      this.units = units;
      this.positive = new Float64Array(units);
    } else if (units !== this.units) {
      throw new Error(`${this.id.node}: output ${this.id.output} changed its unit count from ${this.units} to ${units} between batches`);
    }
    // Counts are means over the slice (GlobalAveragePool) or sums (ReduceSum): scale to sums.
    const scale = p.means ? perSlice : 1;
    // This loop runs slices × units times per batch (180,000 times per call on ResNet-50).
    // Math.floor(x + 0.5) rounds these non-negative counts as Math.round does, and costs V8 less.
    const positive = this.positive;
    const zerosFirst = !!p.zerosFirst;
    const maxAt = p.maxAt >= 0 ? p.maxAt * js : -1, negativesAt = p.negativesAt >= 0 ? p.negativesAt * js : -1;
    let positives = 0, negatives = 0, max = p.max ?? -Infinity;
    if (p.means && negativesAt < 0 && slices * perSlice <= EXACT_MEAN_SUM_POSITIONS) {
      // Means over each slice, summed per unit before rounding: the sum of a unit's counts is
      // then one rounding of the summed means (see EXACT_MEAN_SUM_POSITIONS), and the loop over
      // slices × units only adds. The same counts as rounding each slice: MobileNetV2 ×0.25 on
      // wasm spends 10 ms of its capture loop on statistics instead of 17–18 (`npm run bench`,
      // capture table, the statistics figure).
      const sums = (this.unitSums = this.unitSums.length === units ? this.unitSums.fill(0) : new Float64Array(units));
      for (let s = 0; s < slices; s++) {
        if (maxAt < 0) {
          for (let u = 0, at = s * ss; u < units; u++, at++) sums[u] += packed[at];
          continue;
        }
        for (let u = 0, at = s * ss; u < units; u++, at++) {
          sums[u] += packed[at];
          const mx = packed[at + maxAt];
          max = mx > max ? mx : max;
        }
      }
      const positions = slices * perSlice;
      for (let u = 0; u < units; u++) {
        let pos = Math.floor(sums[u] * scale + 0.5);
        if (zerosFirst) pos = positions - pos;
        else if (pos === 0 && sums[u] > 0) pos = 1;
        positive[u] += pos;
        positives += pos;
      }
    } else {
      for (let s = 0; s < slices; s++) {
        for (let u = 0, at = s * ss; u < units; u++, at++) {
          const posRaw = packed[at] * scale;
          let pos = Math.floor(posRaw + 0.5);
          if (zerosFirst) pos = perSlice - pos;
          // Subnormal positives count fractionally in HardSigmoid: any positive value still makes
          // the count ≥ 1, so a unit is dead exactly when nothing was positive. Tested after the
          // rounding, where it is rarely true: a test of posRaw > 0 first is a coin toss for the
          // branch predictor on ReLU layers.
          else if (pos === 0 && posRaw > 0) pos = 1;
          positive[u] += pos;
          positives += pos;
          if (negativesAt >= 0) negatives += Math.floor(packed[at + negativesAt] * scale + 0.5);
          if (maxAt >= 0) {
            const mx = packed[at + maxAt];
            max = mx > max ? mx : max;
          }
        }
      }
    }
    const zeros = slices * units * perSlice - positives - negatives;
    // Mean, std and histogram: from the batch's sample (its first sample, or a grid over all of
    // them), through a second accumulator that sees values only (no units).
    const dist = (this.distribution ??= new LayerAccumulator(this.id, () => -1, this.hist.bins));
    if (p.sample) {
      const values = spreadSample(p.sample, DISTRIBUTION_VALUES);
      dist.add([values.length], values, p.sampleSamples ?? 1);
    }
    // ReLU-like activations: the minimum is 0 when any value was 0; a batch without one takes its
    // sample's minimum (the one approximation, for a run in which no ReLU output was ever 0).
    const min = p.min ?? (zeros > 0 ? 0 : dist.min);
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.finite += slices * units * perSlice;
    this.zeros += Math.max(0, zeros);
    this.total += slices * units * perSlice;
    this.perUnit += slices * perSlice;
    this.samples += p.samples;
    this.timeMs += performance.now() - t0;
  }

  private moments(): Pick<LayerActivationStats, 'mean' | 'std' | 'histogram' | 'distributionSamples'> {
    const d = this.distribution;
    if (d) return { mean: d.finite ? d.mean : 0, std: d.finite ? Math.sqrt(d.m2 / d.finite) : 0, histogram: d.hist.result(), distributionSamples: d.samples };
    return { mean: this.finite ? this.mean : 0, std: this.finite ? Math.sqrt(this.m2 / this.finite) : 0, histogram: this.hist.result() };
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
      ...this.moments(),
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
  if (data instanceof Float32Array && data.length > 0) return scanFloat32(data, outer, units, inner, positive, shift);
  let zeros = 0, sum = 0, sumSq = 0, mn = Infinity, mx = -Infinity;
  let idx = 0;
  const before = Float64Array.from(positive);
  for (let o = 0; o < outer; o++) {
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

/** Pass 1 for float32 data (what onnxruntime returns), written so V8 emits no data-dependent
 *  branches: ReLU outputs are zero or positive at random, and a branch per element on that costs
 *  a misprediction every other value (measured 5–10 ns per element against 0.7–1 ns). Signs and
 *  zeros are counted from the IEEE bits (x > 0 ⇔ the int32 bits are > 0 for non-NaN x; ±0 ⇔
 *  the bits without the sign are 0); min/max use compares that almost never change the result,
 *  which the branch predictor learns. NaN makes the sums NaN, and the caller then rescans. */
function scanFloat32(data: Float32Array, outer: number, units: number, inner: number, positive: Float64Array, shift: number): ScanResult {
  const bits = new Int32Array(data.buffer, data.byteOffset, data.length);
  let zeros = 0, sum = 0, sumSq = 0;
  let mn = data[0], mx = data[0];
  const before = Float64Array.from(positive);
  if (inner === 1 && units > 1) {
    // Channels last (dense, NHWC): units vary fastest; count into a per-unit integer array.
    const pos = new Int32Array(units);
    let idx = 0;
    for (let o = 0; o < outer; o++) {
      let z = 0, s = 0, q = 0;
      for (let u = 0; u < units; u++, idx++) {
        const b = bits[idx];
        pos[u] += (((0 - b) | 0) >>> 31) & (~b >>> 31);
        z += ((b & 0x7fffffff) - 1) >>> 31;
        const v = data[idx];
        const d = v - shift;
        s += d;
        q += d * d;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      zeros += z;
      sum += s;
      sumSq += q;
      if ((o & 0xffff) === 0xffff) flushCounts(pos, positive); // keep int32 counts far from overflow
    }
    flushCounts(pos, positive);
  } else {
    let idx = 0;
    for (let o = 0; o < outer; o++) {
      for (let u = 0; u < units; u++) {
        // Two interleaved accumulators per quantity break the add dependency chains.
        let p0 = 0, p1 = 0, z0 = 0, z1 = 0, s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        const end = idx + inner;
        const end2 = idx + (inner & ~1);
        for (; idx < end2; idx += 2) {
          const a = bits[idx], b = bits[idx + 1];
          p0 += (((0 - a) | 0) >>> 31) & (~a >>> 31);
          p1 += (((0 - b) | 0) >>> 31) & (~b >>> 31);
          z0 += ((a & 0x7fffffff) - 1) >>> 31;
          z1 += ((b & 0x7fffffff) - 1) >>> 31;
          const x = data[idx], y = data[idx + 1];
          const dx = x - shift, dy = y - shift;
          s0 += dx;
          s1 += dy;
          q0 += dx * dx;
          q1 += dy * dy;
          if (x < mn) mn = x;
          if (x > mx) mx = x;
          if (y < mn) mn = y;
          if (y > mx) mx = y;
        }
        if (idx < end) {
          const a = bits[idx];
          p0 += (((0 - a) | 0) >>> 31) & (~a >>> 31);
          z0 += ((a & 0x7fffffff) - 1) >>> 31;
          const x = data[idx];
          const dx = x - shift;
          s0 += dx;
          q0 += dx * dx;
          if (x < mn) mn = x;
          if (x > mx) mx = x;
          idx++;
        }
        positive[u] += p0 + p1;
        zeros += z0 + z1;
        sum += s0 + s1;
        sumSq += q0 + q1;
      }
    }
  }
  if (!Number.isFinite(sumSq) || !Number.isFinite(sum) || Number.isNaN(mn) || Number.isNaN(mx) || mn !== mn || !Number.isFinite(mn) || !Number.isFinite(mx)) {
    positive.set(before); // the checked rescan counts again
    return { zeros, finite: data.length, sum: NaN, sumSq: NaN, min: mn, max: mx };
  }
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
