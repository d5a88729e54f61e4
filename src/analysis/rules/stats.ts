// Numerical helpers for the static rules: the normal CDF and streaming per-unit weight sums.
import type { Tensor } from '../../core/model';

/** Complementary error function with fractional error below 1.2e-7 everywhere (Chebyshev fit,
 *  Numerical Recipes' erfcc), so tail probabilities like Φ(-10) keep their relative accuracy. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Φ⁻¹(p) by bisection (called once per scan, so simplicity beats speed). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  let lo = -40, hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Per-unit sums over a weight tensor: Σ max(w,0), Σ min(w,0), Σ w². */
export interface UnitWeightSums {
  units: number;
  sumPos: Float64Array;
  sumNeg: Float64Array;
  sumSq: Float64Array;
  /** Any non-finite weight seen for the unit. */
  nonFinite: Uint8Array;
}

/** Per-channel vectors (biases, BatchNorm parameters, per-unit sums) longer than this are not
 *  analysed: 4 M channels is far past any real layer, and each costs 32 MiB as float64. */
export const MAX_UNITS = 1 << 22;

const sumsCache = new WeakMap<Tensor, Map<string, Promise<UnitWeightSums | undefined>>>();

/** Streams a weight tensor once. The unit of flat element i is ⌊i / inner⌋ mod units (inner = 1 when
 *  units are on the last axis, product of the trailing dims when on the first axis). Undefined when
 *  the claimed units do not fit the tensor's elements (a weight [2^31, 0] holds no channel at all)
 *  or exceed MAX_UNITS. Per-unit arrays are allocated only once the first values have been read, so
 *  a claim without data never sizes an allocation. Cached per tensor: a weight shared by many
 *  layers is read once. */
export function unitWeightSums(t: Tensor, units: number, inner: number): Promise<UnitWeightSums | undefined> {
  if (!Number.isSafeInteger(units) || !Number.isSafeInteger(inner) || units < 1 || inner < 1 || units > MAX_UNITS || units > t.elementCount) return Promise.resolve(undefined);
  let byShape = sumsCache.get(t);
  if (!byShape) sumsCache.set(t, (byShape = new Map()));
  const key = `${units}/${inner}`;
  let p = byShape.get(key);
  if (!p) {
    p = computeUnitWeightSums(t, units, inner);
    byShape.set(key, p);
  }
  return p;
}

async function computeUnitWeightSums(t: Tensor, units: number, inner: number): Promise<UnitWeightSums | undefined> {
  let sumPos: Float64Array | undefined, sumNeg: Float64Array | undefined, sumSq: Float64Array | undefined, nonFinite: Uint8Array | undefined;
  let i = 0;
  for await (const chunk of t.values()) {
    if (!sumPos) {
      sumPos = new Float64Array(units);
      sumNeg = new Float64Array(units);
      sumSq = new Float64Array(units);
      nonFinite = new Uint8Array(units);
    }
    for (let k = 0; k < chunk.length; k++, i++) {
      const w = chunk[k];
      const u = inner === 1 ? i % units : Math.floor(i / inner) % units;
      if (!Number.isFinite(w)) nonFinite![u] = 1;
      else if (w > 0) sumPos[u] += w;
      else if (w < 0) sumNeg![u] += w;
      sumSq![u] += w * w;
    }
  }
  if (!sumPos || i !== t.elementCount) return undefined;
  return { units, sumPos, sumNeg: sumNeg!, sumSq: sumSq!, nonFinite: nonFinite! };
}

const vectorCache = new WeakMap<Tensor, Promise<Float64Array | undefined>>();

/** All values of a small tensor (biases, BatchNorm parameters); undefined above MAX_UNITS elements.
 *  Allocated when the first values arrive (never from the claimed count alone). Cached per tensor,
 *  so the result is shared: callers must not modify it. */
export function readAll(t: Tensor): Promise<Float64Array | undefined> {
  let p = vectorCache.get(t);
  if (!p) {
    p = readVector(t);
    vectorCache.set(t, p);
  }
  return p;
}

async function readVector(t: Tensor): Promise<Float64Array | undefined> {
  if (t.elementCount > MAX_UNITS) return undefined;
  if (t.elementCount === 0) return new Float64Array(0);
  let out: Float64Array | undefined;
  let o = 0;
  for await (const chunk of t.values()) {
    out ??= new Float64Array(t.elementCount);
    const n = Math.min(chunk.length, out.length - o);
    out.set(chunk.subarray(0, n), o);
    o += n;
  }
  return out && o === out.length ? out : undefined;
}

export function formatProbability(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.01) return `${(p * 100).toFixed(1)}%`;
  return p.toExponential(1);
}
