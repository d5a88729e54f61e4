// Numerical helpers for the static rules: the normal CDF and streaming per-unit weight sums.
import type { Tensor } from '../../core/model';
import { allFinite } from '../finite';

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
  if (!validUnits(t, units, inner)) return Promise.resolve(undefined);
  const byShape = cacheFor(t);
  const key = `${units}/${inner}`;
  let p = byShape.get(key);
  if (!p) {
    p = computeUnitWeightSums(t, units, inner);
    byShape.set(key, p);
  }
  return p;
}

/** For a pass that streams the weights anyway (moment propagation): sums fed chunk by chunk, which
 *  `unitWeightSums` then returns without reading the weights again; undefined when they are known
 *  already or the units do not fit the tensor. `finish` caches them only if every value came.
 *  `scan` of the >4 GB model reads its 4.3 GB once instead of twice (`npm run bench`, "Static
 *  rules on it"). */
export function unitWeightSumsAlongside(t: Tensor, units: number, inner: number): { add(chunk: Float64Array): void; finish(): void } | undefined {
  const key = `${units}/${inner}`;
  if (!validUnits(t, units, inner) || cacheFor(t).has(key)) return undefined;
  const acc = new UnitSumsAccumulator(units, inner);
  return {
    add: (chunk) => acc.add(chunk),
    finish: () => {
      const sums = acc.result(t);
      if (sums && !cacheFor(t).has(key)) cacheFor(t).set(key, Promise.resolve(sums));
    },
  };
}

function validUnits(t: Tensor, units: number, inner: number): boolean {
  return Number.isSafeInteger(units) && Number.isSafeInteger(inner) && units >= 1 && inner >= 1 && units <= MAX_UNITS && units <= t.elementCount;
}

function cacheFor(t: Tensor): Map<string, Promise<UnitWeightSums | undefined>> {
  let byShape = sumsCache.get(t);
  if (!byShape) sumsCache.set(t, (byShape = new Map()));
  return byShape;
}

async function computeUnitWeightSums(t: Tensor, units: number, inner: number): Promise<UnitWeightSums | undefined> {
  const acc = new UnitSumsAccumulator(units, inner);
  for await (const chunk of t.values()) acc.add(chunk);
  return acc.result(t);
}

/** Sums over a stream of chunks. The unit of flat element i is ⌊i / inner⌋ mod units; `u` and
 *  `left` (elements of unit u's current run still to come) say where the stream is. */
class UnitSumsAccumulator {
  private sums: UnitWeightSums | undefined;
  private readonly at: { u: number; left: number };
  private seen = 0;
  constructor(private readonly units: number, private readonly inner: number) {
    this.at = { u: 0, left: inner };
  }
  add(chunk: Float64Array): void {
    const units = this.units;
    // Allocated once values arrive, so a claim without data never sizes an allocation.
    this.sums ??= { units, sumPos: new Float64Array(units), sumNeg: new Float64Array(units), sumSq: new Float64Array(units), nonFinite: new Uint8Array(units) };
    this.seen += chunk.length;
    if (allFinite(chunk)) addFinite(this.sums, chunk, this.inner, this.at);
    else addChecked(this.sums, chunk, this.inner, this.at);
  }
  /** The sums, if every element of `t` was added. */
  result(t: Tensor): UnitWeightSums | undefined {
    return this.sums && this.seen === t.elementCount ? this.sums : undefined;
  }
}

// The two loops below add a chunk of finite weights without a branch on each one's sign, which
// random signs mispredict half the time: max(w, 0) is (|w| + w) / 2 and min(w, 0) is (w − |w|) / 2,
// both exact, and adding the zero of the other sign leaves a sum unchanged. Counters replace a
// division and a remainder per element, and a unit's run is summed in locals. Each unit's values
// are still added in the order they are stored, so the sums are the same to the last bit as
// element by element (unit test). The element-by-element loop took 16.3 s of a 32 s `scan` of
// 4.3 GB of MatMul weights (CPU profile); `npm run bench`, "Static rules on it", has the whole.
function addFinite(s: UnitWeightSums, chunk: Float64Array, inner: number, at: { u: number; left: number }): void {
  const { sumPos, sumNeg, sumSq, units } = s;
  const n = chunk.length;
  let u = at.u, left = at.left;
  if (inner === 1) {
    for (let k = 0; k < n; k++) {
      const w = chunk[k], a = Math.abs(w);
      sumPos[u] += (a + w) * 0.5;
      sumNeg[u] += (w - a) * 0.5;
      sumSq[u] += w * w;
      if (++u === units) u = 0;
    }
  } else {
    for (let k = 0; k < n; ) {
      const end = Math.min(n, k + left);
      left -= end - k;
      let pos = sumPos[u], neg = sumNeg[u], sq = sumSq[u];
      for (; k < end; k++) {
        const w = chunk[k], a = Math.abs(w);
        pos += (a + w) * 0.5;
        neg += (w - a) * 0.5;
        sq += w * w;
      }
      sumPos[u] = pos;
      sumNeg[u] = neg;
      sumSq[u] = sq;
      if (left === 0) {
        left = inner;
        if (++u === units) u = 0;
      }
    }
  }
  at.u = u;
  at.left = left;
}

/** Element by element, for a chunk that holds NaN or an infinity: those only mark their unit (and
 *  make its sum of squares non-finite). */
function addChecked(s: UnitWeightSums, chunk: Float64Array, inner: number, at: { u: number; left: number }): void {
  const { sumPos, sumNeg, sumSq, nonFinite, units } = s;
  let u = at.u, left = at.left;
  for (let k = 0; k < chunk.length; k++) {
    const w = chunk[k];
    if (!Number.isFinite(w)) nonFinite[u] = 1;
    else if (w > 0) sumPos[u] += w;
    else if (w < 0) sumNeg[u] += w;
    sumSq[u] += w * w;
    if (--left === 0) {
      left = inner;
      if (++u === units) u = 0;
    }
  }
  at.u = u;
  at.left = left;
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
