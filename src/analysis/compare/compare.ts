// Compares two activation runs: matches their layers (match.ts), checks they saw the same inputs
// (inputs.ts), and per matched layer puts both values side by side with their changes and the
// units that died, revived or are dead in both.
import { canDieOf } from '../activations';
import { checkInputs } from './inputs';
import { matchLayers, type LayerSignature } from './match';
import type { CompareLayerStats, LayerComparison, LayerSideValues, NewDeadUnits, RunComparison, RunForCompare, RunSummary } from './types';

export interface CompareOptions {
  /** Units active on fewer than this share of positions (but some) are dying (default 0.01). */
  dyingRate?: number;
}

/** The activation a layer applies, else its op. */
export function layerKind(l: CompareLayerStats): string {
  return l.activation || l.op;
}

/** Whether "never > 0" means dead for this layer: its activation outputs exactly 0 when inactive
 *  (the same rule as the measured dying-ReLU findings). */
export function canDie(l: CompareLayerStats): boolean {
  return canDieOf(l.activation, l.op);
}

export function sideValues(l: CompareLayerStats, dyingRate = 0.01): LayerSideValues {
  const dies = canDie(l);
  const dead = dies ? [...l.deadUnits].sort((x, y) => x - y) : [];
  const deadSet = new Set(dead);
  let dying = 0;
  if (dies) l.activeRate.forEach((r, u) => void (!deadSet.has(u) && r > 0 && r < dyingRate && dying++));
  const units = l.units;
  return {
    kind: layerKind(l),
    units,
    dead,
    neverPositive: [...l.deadUnits].sort((x, y) => x - y),
    deadShare: units ? dead.length / units : 0,
    dyingShare: units ? dying / units : 0,
    zeroFraction: l.zeroFraction,
    mean: l.mean,
    std: l.std,
    min: l.min,
    max: l.max,
  };
}

function minus(xs: number[], ys: number[]): number[] {
  const s = new Set(ys);
  return xs.filter((x) => !s.has(x));
}

function both(xs: number[], ys: number[]): number[] {
  const s = new Set(ys);
  return xs.filter((x) => s.has(x));
}

/** B − A. Differences below 1e-9 of the values are the rounding of summing in another order
 *  (other batch sizes), not a change: 0. A statistic a run could not hold (an empty layer's
 *  ±Infinity) gives NaN, null in JSON. */
function delta(b: number, a: number): number {
  const d = b - a;
  return Math.abs(d) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) ? 0 : d;
}

export function compareLayer(la: CompareLayerStats, lb: CompareLayerStats, how: LayerComparison['how'], dyingRate = 0.01): LayerComparison {
  const a = sideValues(la, dyingRate), b = sideValues(lb, dyingRate);
  const sameUnits = a.units === b.units;
  const notes: string[] = [];
  if (!sameUnits) notes.push(`unit counts differ (${a.units} → ${b.units}): units are not compared one by one`);
  if (la.samples !== lb.samples) notes.push(`samples through the layer differ (${la.samples} → ${lb.samples})`);
  if (!canDie(lb) && b.neverPositive.length) notes.push(`${b.neverPositive.length} unit${b.neverPositive.length === 1 ? '' : 's'} of B never went above 0, but ${b.kind} passes a gradient there: not dead`);
  return {
    a: la.node,
    b: lb.node,
    how,
    kindA: a.kind,
    kindB: b.kind,
    unitsA: a.units,
    unitsB: b.units,
    deadA: a.dead,
    deadB: b.dead,
    died: sameUnits ? minus(b.dead, a.dead) : [],
    revived: sameUnits ? minus(a.dead, b.dead) : [],
    deadInBoth: sameUnits ? both(a.dead, b.dead) : [],
    neverPositiveA: a.neverPositive,
    neverPositiveB: b.neverPositive,
    deadShareA: a.deadShare,
    deadShareB: b.deadShare,
    deltaDeadShare: delta(b.deadShare, a.deadShare),
    dyingShareA: a.dyingShare,
    dyingShareB: b.dyingShare,
    deltaDyingShare: delta(b.dyingShare, a.dyingShare),
    zeroFractionA: a.zeroFraction,
    zeroFractionB: b.zeroFraction,
    deltaZeroFraction: delta(b.zeroFraction, a.zeroFraction),
    meanA: a.mean,
    meanB: b.mean,
    deltaMean: delta(b.mean, a.mean),
    stdA: a.std,
    stdB: b.std,
    deltaStd: delta(b.std, a.std),
    minA: a.min,
    minB: b.min,
    deltaMin: delta(b.min, a.min),
    maxA: a.max,
    maxB: b.max,
    deltaMax: delta(b.max, a.max),
    notes,
  };
}

function summary(r: RunForCompare): RunSummary {
  const s: RunSummary = { model: r.model, samples: r.samples, inputSource: r.inputSource, dims: r.dims, layers: r.layers.length };
  if (r.runFile) s.runFile = r.runFile;
  if (r.inputIdentity) s.inputIdentity = r.inputIdentity;
  return s;
}

export function signature(l: CompareLayerStats): LayerSignature {
  return { name: l.node, kind: layerKind(l), units: l.units };
}

/** Compares run A with run B: the `diff --json` object. */
export function compareRuns(a: RunForCompare, b: RunForCompare, opts: CompareOptions = {}): RunComparison {
  const dyingRate = opts.dyingRate ?? 0.01;
  const m = matchLayers(a.layers.map(signature), b.layers.map(signature));
  const layers = m.indices.map(([ia, ib], k) => compareLayer(a.layers[ia], b.layers[ib], m.matched[k].how, dyingRate));
  const newDead: NewDeadUnits[] = [];
  for (const l of layers) {
    if (l.unitsA === l.unitsB) {
      if (l.died.length) newDead.push({ b: l.b, a: l.a, units: l.died, count: l.died.length });
    } else if (l.deadB.length > l.deadA.length) {
      newDead.push({ b: l.b, a: l.a, units: [], count: l.deadB.length - l.deadA.length });
    }
  }
  // A layer of B without a counterpart in A: all of its dead units are new.
  const unmatchedB = new Set(m.unmatched.b);
  for (const l of b.layers) {
    if (!unmatchedB.has(l.node)) continue;
    const dead = sideValues(l, dyingRate).dead;
    if (dead.length) newDead.push({ b: l.node, units: dead, count: dead.length });
  }
  const check = checkInputs(a, b);
  const sum = (f: (l: LayerComparison) => number) => layers.reduce((s, l) => s + f(l), 0);
  const deadOf = (r: RunForCompare) => r.layers.reduce((s, l) => s + sideValues(l, dyingRate).dead.length, 0);
  return {
    a: a.model,
    b: b.model,
    samples: check.samples,
    inputs: check.inputs,
    comparable: check.comparable,
    warnings: check.warnings,
    runs: { a: summary(a), b: summary(b) },
    matched: m.matched,
    unmatched: m.unmatched,
    ambiguous: m.ambiguous,
    layers,
    newDead,
    totals: {
      layersA: a.layers.length,
      layersB: b.layers.length,
      matchedByName: m.matched.filter((p) => p.how === 'name').length,
      matchedByStructure: m.matched.filter((p) => p.how === 'structure').length,
      deadA: deadOf(a),
      deadB: deadOf(b),
      died: sum((l) => l.died.length),
      revived: sum((l) => l.revived.length),
      deadInBoth: sum((l) => l.deadInBoth.length),
      newDead: newDead.reduce((s, d) => s + d.count, 0),
    },
    notes: m.notes,
  };
}

/** How much a layer changed, for ordering "biggest changes": the largest change of a share (dead,
 *  dying, zeros), else the change of the spread relative to A's. */
export function changeScore(l: LayerComparison): number {
  const share = Math.max(Math.abs(l.deltaDeadShare), Math.abs(l.deltaDyingShare), Math.abs(l.deltaZeroFraction));
  const spread = Math.abs(l.deltaStd) / Math.max(Math.abs(l.stdA), 1e-12);
  return share > 0 ? 1 + share : Math.min(1, Number.isFinite(spread) ? spread / (1 + spread) : 0);
}

/** The matched layers that changed most, most first. */
export function biggestChanges(layers: LayerComparison[], count = 5): LayerComparison[] {
  return layers
    .map((l) => ({ l, s: changeScore(l) }))
    .filter((x) => x.s > 0)
    .sort((x, y) => y.s - x.s)
    .slice(0, count)
    .map((x) => x.l);
}
