// A comparison of two runs in the form the viewer draws (protocol.ts ComparisonInfo): per node of
// the viewer's model both runs' values, histograms and active rates, and the changes. No `vscode`
// here, so it is tested in plain Node.
import * as path from 'node:path';
import { biggestChanges, sideValues } from '../analysis/compare/compare';
import { describeInputs } from '../analysis/compare/inputs';
import type { CompareLayerStats, LayerComparison, RunComparison, RunForCompare } from '../analysis/compare/types';
import type { ComparedRunInfo, ComparedValues, ComparisonInfo, NodeComparison } from '../protocol';

function values(l: CompareLayerStats, dyingRate: number): ComparedValues {
  const v = sideValues(l, dyingRate);
  return {
    kind: v.kind,
    units: v.units,
    deadUnits: v.dead,
    deadShare: v.deadShare,
    dyingShare: v.dyingShare,
    zeroFraction: v.zeroFraction,
    mean: v.mean,
    std: v.std,
    min: v.min,
    max: v.max,
    activeRate: l.activeRate,
    histogram: l.histogram,
  };
}

function runInfo(r: RunForCompare): ComparedRunInfo {
  const info: ComparedRunInfo = { label: path.basename(r.runFile ?? r.model), model: r.model, samples: r.samples, inputs: describeInputs(r) };
  if (r.runFile) info.runFile = r.runFile;
  return info;
}

/** Layers by name, each name's layers in order (names are unique in practice; not required). */
function byName(layers: CompareLayerStats[]): (name: string) => CompareLayerStats | undefined {
  const map = new Map<string, CompareLayerStats[]>();
  for (const l of layers) map.set(l.node, [...(map.get(l.node) ?? []), l]);
  return (name) => map.get(name)?.shift();
}

/**
 * The message for a viewer of A's model (`side` 'a') or of B's model ('b'): nodes keyed by that
 * model's names. `a` and `b` are the runs `comparison` was made from.
 */
export function comparisonInfo(comparison: RunComparison, a: RunForCompare, b: RunForCompare, side: 'a' | 'b', dyingRate = 0.01): ComparisonInfo {
  const layerA = byName(a.layers), layerB = byName(b.layers);
  const here = (l: { a: string; b: string }) => (side === 'a' ? l.a : l.b);
  const there = (l: { a: string; b: string }) => (side === 'a' ? l.b : l.a);
  const nodes: NodeComparison[] = [];
  const compared: LayerComparison[] = [];
  comparison.layers.forEach((l, k) => {
    const la = layerA(l.a), lb = layerB(l.b);
    if (!la || !lb) return;
    const node: NodeComparison = {
      node: here(l),
      other: there(l),
      how: l.how,
      a: values(la, dyingRate),
      b: values(lb, dyingRate),
      delta: { deadShare: l.deltaDeadShare, dyingShare: l.deltaDyingShare, zeroFraction: l.deltaZeroFraction, mean: l.deltaMean, std: l.deltaStd, min: l.deltaMin, max: l.deltaMax },
      died: l.died,
      revived: l.revived,
      deadInBoth: l.deadInBoth,
      notes: l.notes,
    };
    const evidence = comparison.matched[k]?.evidence;
    if (evidence) node.evidence = evidence;
    nodes.push(node);
    compared.push(l);
  });
  if (side === 'b') {
    // In B's layer order.
    const order = new Map(b.layers.map((l, i) => [l.node, i]));
    nodes.sort((x, y) => (order.get(x.node) ?? 0) - (order.get(y.node) ?? 0));
  }
  const t = comparison.totals;
  return {
    side,
    a: runInfo(a),
    b: runInfo(b),
    comparable: comparison.comparable,
    warnings: comparison.warnings,
    nodes,
    unmatched: side === 'a' ? { here: comparison.unmatched.a, other: comparison.unmatched.b } : { here: comparison.unmatched.b, other: comparison.unmatched.a },
    ambiguous: comparison.ambiguous.map((g) => (side === 'a' ? { here: g.a, other: g.b } : { here: g.b, other: g.a })),
    totals: { matchedByName: t.matchedByName, matchedByStructure: t.matchedByStructure, deadA: t.deadA, deadB: t.deadB, died: t.died, revived: t.revived, deadInBoth: t.deadInBoth, newDead: t.newDead },
    biggestChanges: biggestChanges(compared).map(here),
    notes: comparison.notes,
  };
}
