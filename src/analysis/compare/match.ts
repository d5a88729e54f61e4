// Layer matching between two runs: by node name first, then by structure for what is left.
//
// Names that occur once on each side pair up. The name pairs that keep the graph order (the longest
// increasing run of them) become anchors; between consecutive anchors the leftover layers of each
// side are aligned in graph order, with the activation kind and the unit count as evidence: two
// layers can pair only with the same unit count and a related activation (the same one, or one of
// the same family: a ReLU and its Leaky ReLU rewrite). The alignment maximises the number of pairs,
// then the pairs of the very same kind. A structural pair is reported only when it is in EVERY
// best alignment; when several best alignments disagree (two identical layers, one removed) the
// layers involved are listed as ambiguous instead of guessed.
import { ACTIVATION_OPS, isReluFamily } from '../activations';
import type { LayerMatching, LayerPair } from './types';

/** A matching with the layer indices of every pair (names need not be unique). */
export interface IndexedMatching extends LayerMatching {
  /** [index in A, index in B] per entry of `matched`. */
  indices: [number, number][];
}

/** What the matching knows of a layer. */
export interface LayerSignature {
  name: string;
  /** The activation (Relu, LeakyRelu …), else the op type. */
  kind: string;
  units: number;
}

/** Cells ((n+1) × (m+1)) of the alignment table of one stretch between anchors: 3 Int32 tables,
 *  48 MB at this size (2000 × 2000 layers). Beyond it the stretch is left unmatched with a note. */
export const MAX_ALIGN_CELLS = 4_000_000;

/** How well two layers fit as the same layer of two exports. */
export const Fit = { None: 0, Related: 1, Same: 2 } as const;
export type Fit = (typeof Fit)[keyof typeof Fit];

function familyOf(kind: string): string | undefined {
  if (isReluFamily(kind)) return 'relu';
  return Object.hasOwn(ACTIVATION_OPS, kind) ? ACTIVATION_OPS[kind] : undefined;
}

export function fit(x: LayerSignature, y: LayerSignature): Fit {
  if (x.units !== y.units) return Fit.None;
  if (x.kind === y.kind) return Fit.Same;
  const fx = familyOf(x.kind);
  return fx !== undefined && fx === familyOf(y.kind) ? Fit.Related : Fit.None;
}

/** Indices into `pairs` forming the longest run increasing in both coordinates (pairs sorted by a). */
function longestIncreasing(pairs: { ia: number; ib: number }[]): Set<number> {
  const tails: number[] = []; // tails[k]: index of the pair ending the best run of length k+1
  const prev = new Array<number>(pairs.length).fill(-1);
  for (let i = 0; i < pairs.length; i++) {
    let lo = 0, hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]].ib < pairs[i].ib) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) keep.add(i);
  return keep;
}

// Counting best alignments exactly would overflow; counts modulo two primes below 2^26 keep every
// product below 2^53 (exact in a double). Two counts agreeing modulo both means the same count
// except with a probability near 2^-52.
const P1 = 67108859;
const P2 = 67108837;

interface GapResult {
  pairs: [number, number][];
  ambiguousA: number[];
  ambiguousB: number[];
  tooLarge: boolean;
}

/** Aligns two stretches of leftover layers (indices into xs / ys). */
export function alignStretch(xs: LayerSignature[], ys: LayerSignature[]): GapResult {
  const n = xs.length, m = ys.length;
  const none: GapResult = { pairs: [], ambiguousA: [], ambiguousB: [], tooLarge: false };
  if (!n || !m) return none;
  // The common case of a renamed export: the same sequence on both sides. The diagonal is then the
  // only alignment with n pairs, so the only best one.
  if (n === m && xs.every((x, i) => fit(x, ys[i]) !== Fit.None)) return { ...none, pairs: xs.map((_, i) => [i, i]) };
  if ((n + 1) * (m + 1) > MAX_ALIGN_CELLS) return { ...none, tooLarge: true };

  // A pair weighs `base` plus 1 for the very same kind; base > min(n, m) makes one more pair worth
  // more than any number of same-kind bonuses. Scores stay below 2^31: (min + 2) · min ≤ 4e6.
  const base = Math.min(n, m) + 1;
  const ids = new Map<string, number>();
  const id = (s: string | undefined) => (s === undefined ? -1 : ids.get(s) ?? (ids.set(s, ids.size), ids.size - 1));
  const kx = Int32Array.from(xs, (x) => id(x.kind)), ky = Int32Array.from(ys, (y) => id(y.kind));
  const fx = Int32Array.from(xs, (x) => id(familyOf(x.kind))), fy = Int32Array.from(ys, (y) => id(familyOf(y.kind)));
  const ux = Float64Array.from(xs, (x) => x.units), uy = Float64Array.from(ys, (y) => y.units);
  const weight = (i: number, j: number): number => {
    if (ux[i] !== uy[j]) return 0;
    if (kx[i] === ky[j]) return base + 1;
    return fx[i] >= 0 && fx[i] === fy[j] ? base : 0;
  };

  // Prefix tables over xs[0..i) × ys[0..j): F the best score, N1/N2 how many matchings reach it.
  const W = m + 1;
  const F = new Int32Array((n + 1) * W), N1 = new Int32Array((n + 1) * W), N2 = new Int32Array((n + 1) * W);
  for (let j = 0; j <= m; j++) N1[j] = N2[j] = 1;
  for (let i = 1; i <= n; i++) {
    N1[i * W] = N2[i * W] = 1;
    for (let j = 1; j <= m; j++) {
      const k = i * W + j, up = k - W, left = k - 1, diag = k - W - 1;
      const w = weight(i - 1, j - 1);
      const best = Math.max(F[up], F[left], w ? F[diag] + w : -1);
      F[k] = best;
      let c1 = 0, c2 = 0;
      if (F[up] === best) (c1 += N1[up]), (c2 += N2[up]);
      if (F[left] === best) (c1 += N1[left]), (c2 += N2[left]);
      // Matchings leaving both xs[i-1] and ys[j-1] unpaired were counted twice.
      if (F[diag] === best) (c1 -= N1[diag]), (c2 -= N2[diag]);
      if (w && F[diag] + w === best) (c1 += N1[diag]), (c2 += N2[diag]);
      N1[k] = ((c1 % P1) + P1) % P1;
      N2[k] = ((c2 % P2) + P2) % P2;
    }
  }
  const opt = F[n * W + m];
  const total1 = N1[n * W + m], total2 = N2[n * W + m];

  // Suffix tables over xs[i..n) × ys[j..m), one row at a time (row i + 1 is all a pair in row i
  // needs): G the best score, M1/M2 the counts. A pair (i, j) is in some best alignment when
  // prefix + pair + suffix reaches the optimum, and in every one when the alignments through it
  // are all of them.
  let G = new Int32Array(W), M1 = new Int32Array(W).fill(1), M2 = new Int32Array(W).fill(1);
  let g = new Int32Array(W), m1 = new Int32Array(W), m2 = new Int32Array(W);
  const pairs: [number, number][] = [];
  const inSomeA = new Set<number>(), inSomeB = new Set<number>();
  const certainA = new Set<number>(), certainB = new Set<number>();
  for (let i = n - 1; i >= 0; i--) {
    // Row i + 1 is in G/M1/M2; build row i in g/m1/m2.
    g[m] = 0;
    m1[m] = m2[m] = 1;
    for (let j = m - 1; j >= 0; j--) {
      const w = weight(i, j);
      if (w && F[i * W + j] + w + G[j + 1] === opt) {
        inSomeA.add(i);
        inSomeB.add(j);
        const through1 = (N1[i * W + j] * M1[j + 1]) % P1;
        const through2 = (N2[i * W + j] * M2[j + 1]) % P2;
        if (through1 === total1 && through2 === total2) {
          pairs.push([i, j]);
          certainA.add(i);
          certainB.add(j);
        }
      }
      const best = Math.max(G[j], g[j + 1], w ? G[j + 1] + w : -1);
      g[j] = best;
      let c1 = 0, c2 = 0;
      if (G[j] === best) (c1 += M1[j]), (c2 += M2[j]);
      if (g[j + 1] === best) (c1 += m1[j + 1]), (c2 += m2[j + 1]);
      if (G[j + 1] === best) (c1 -= M1[j + 1]), (c2 -= M2[j + 1]);
      if (w && G[j + 1] + w === best) (c1 += M1[j + 1]), (c2 += M2[j + 1]);
      m1[j] = ((c1 % P1) + P1) % P1;
      m2[j] = ((c2 % P2) + P2) % P2;
    }
    [G, g] = [g, G];
    [M1, m1] = [m1, M1];
    [M2, m2] = [m2, M2];
  }
  pairs.sort((p, q) => p[0] - q[0]);
  return {
    pairs,
    ambiguousA: [...inSomeA].filter((i) => !certainA.has(i)).sort((p, q) => p - q),
    ambiguousB: [...inSomeB].filter((j) => !certainB.has(j)).sort((p, q) => p - q),
    tooLarge: false,
  };
}

function ordinal(i: number): string {
  return String(i + 1);
}

/** Matches the layers of A to the layers of B (each list in graph order). */
export function matchLayers(a: LayerSignature[], b: LayerSignature[]): IndexedMatching {
  const notes: string[] = [];
  const counts = (xs: LayerSignature[]) => {
    const c = new Map<string, number>();
    for (const x of xs) c.set(x.name, (c.get(x.name) ?? 0) + 1);
    return c;
  };
  const countA = counts(a), countB = counts(b);
  const dupA = [...countA].filter(([, c]) => c > 1).map(([k]) => k);
  const dupB = [...countB].filter(([, c]) => c > 1).map(([k]) => k);
  if (dupA.length) notes.push(`A names several layers alike (${dupA.slice(0, 5).join(', ')}${dupA.length > 5 ? ', …' : ''}): those are matched by structure`);
  if (dupB.length) notes.push(`B names several layers alike (${dupB.slice(0, 5).join(', ')}${dupB.length > 5 ? ', …' : ''}): those are matched by structure`);
  const indexB = new Map<string, number>();
  b.forEach((y, j) => {
    if (countB.get(y.name) === 1) indexB.set(y.name, j);
  });

  const pairOfA = new Array<number>(a.length).fill(-1);
  const how = new Array<LayerPair['how']>(a.length);
  const evidence = new Array<string | undefined>(a.length);
  const takenB = new Array<boolean>(b.length).fill(false);
  const byName: { ia: number; ib: number }[] = [];
  a.forEach((x, i) => {
    if (countA.get(x.name) !== 1) return;
    const j = indexB.get(x.name);
    if (j === undefined) return;
    byName.push({ ia: i, ib: j });
    pairOfA[i] = j;
    how[i] = 'name';
    takenB[j] = true;
  });
  const anchors = [...longestIncreasing(byName)].sort((p, q) => p - q).map((k) => byName[k]);

  const ambiguous: LayerMatching['ambiguous'] = [];
  // Stretches between consecutive anchors (and before the first / after the last).
  const bounds = [{ ia: -1, ib: -1 }, ...anchors, { ia: a.length, ib: b.length }];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const lo = bounds[s], hi = bounds[s + 1];
    const ia: number[] = [], ib: number[] = [];
    for (let i = lo.ia + 1; i < hi.ia; i++) if (pairOfA[i] < 0) ia.push(i);
    for (let j = lo.ib + 1; j < hi.ib; j++) if (!takenB[j]) ib.push(j);
    const r = alignStretch(ia.map((i) => a[i]), ib.map((j) => b[j]));
    if (r.tooLarge) {
      notes.push(`${ia.length} layers of A and ${ib.length} of B between ${lo.ia >= 0 ? `'${a[lo.ia].name}'` : 'the start'} and ${hi.ia < a.length ? `'${a[hi.ia].name}'` : 'the end'} are too many to align by structure; they are left unmatched`);
      continue;
    }
    for (const [p, q] of r.pairs) {
      const i = ia[p], j = ib[q];
      pairOfA[i] = j;
      takenB[j] = true;
      how[i] = 'structure';
      const kinds = a[i].kind === b[j].kind ? a[i].kind : `${a[i].kind} → ${b[j].kind}`;
      evidence[i] = `${kinds}, ${a[i].units} unit${a[i].units === 1 ? '' : 's'}; layer ${ordinal(i)} of ${a.length} in A, ${ordinal(j)} of ${b.length} in B`;
    }
    if (r.ambiguousA.length || r.ambiguousB.length) ambiguous.push({ a: r.ambiguousA.map((p) => a[ia[p]].name), b: r.ambiguousB.map((q) => b[ib[q]].name) });
  }

  const matched: LayerPair[] = [];
  const indices: [number, number][] = [];
  const unmatchedA: string[] = [];
  a.forEach((x, i) => {
    const j = pairOfA[i];
    if (j < 0) return void unmatchedA.push(x.name);
    const p: LayerPair = { a: x.name, b: b[j].name, how: how[i] };
    if (evidence[i]) p.evidence = evidence[i];
    matched.push(p);
    indices.push([i, j]);
  });
  const unmatchedB = b.filter((_, j) => !takenB[j]).map((y) => y.name);
  return { matched, indices, unmatched: { a: unmatchedA, b: unmatchedB }, ambiguous, notes };
}
