// Dynamic dying-ReLU rules over measured activation statistics (src/runtime): units that never
// fired over the inputs run (dead) and units that fired on fewer positions than a threshold (dying).
import type { ActivationRun, LayerActivationStats } from '../activationStats';
import type { Model, Node } from '../../core/model';
import { InternalErrorLog } from '../../core/internalErrors';
import { activationOf, canDieOf, ZERO_WHEN_INACTIVE } from '../activations';
import { formatCount, listUnits, severityForFraction, type Finding } from '../findings';
import { suggestFor } from '../suggestions';
import { NORMALISATION } from './graphIndex';

export interface DynamicRuleOptions {
  /** Units active on fewer than this share of positions are dying (default 0.01). */
  dyingRate?: number;
}

/** Activations whose output is exactly 0 wherever they are inactive, so "never > 0" means dead. */

/** Nodes by name and the producer of each value, built once per run (a lookup per layer by
 *  scanning the graph is layers × nodes). */
interface Lookup {
  node(name: string): Node | undefined;
  producer(value: string | undefined): Node | undefined;
}

function lookupOf(model?: Model): Lookup {
  const byName = new Map<string, Node>();
  const byOutput = new Map<string, Node>();
  for (const n of model?.graph.nodes ?? []) {
    if (!byName.has(n.name)) byName.set(n.name, n);
    for (const o of n.outputs) if (o && !byOutput.has(o)) byOutput.set(o, n);
  }
  return { node: (name) => byName.get(name), producer: (v) => (v === undefined ? undefined : byOutput.get(v)) };
}

function isReluLayer(layer: LayerActivationStats, lookup: Lookup): boolean {
  const node = lookup.node(layer.node);
  if (node) {
    const act = activationOf(node);
    if (act) return ZERO_WHEN_INACTIVE.has(act.op);
    if (node.opType === 'Clip') return true; // Clip(0, hi) with bounds the catalogue could not resolve
  }
  return canDieOf(undefined, layer.op);
}

function nounFor(layer: LayerActivationStats, lookup: Lookup, model?: Model): string {
  if (!model) return 'unit';
  const node = lookup.node(layer.node);
  const producer = node ? lookup.producer(node.inputs[0]) : undefined;
  const op = `${node?.opType ?? ''} ${producer?.opType ?? ''}`;
  return /conv/i.test(op) || (producer && NORMALISATION.has(producer.opType) && layer.unitAxis === 1) ? 'channel' : 'unit';
}

export function runDynamicRules(run: ActivationRun, model?: Model, options: DynamicRuleOptions = {}, log = new InternalErrorLog()): Finding[] {
  const findings: Finding[] = [];
  const lookup = lookupOf(model);
  const denseStackWithoutNorm = model ? !model.graph.nodes.some((n) => /conv/i.test(n.opType) || NORMALISATION.has(n.opType)) : false;
  for (const layer of run.layers) {
    try {
      layerFindings(layer, lookup, model, options, denseStackWithoutNorm, findings);
    } catch (e) {
      log.report('rule dead-units', `node '${layer.node}'`, e);
    }
  }
  return findings;
}

function layerFindings(layer: LayerActivationStats, lookup: Lookup, model: Model | undefined, options: DynamicRuleOptions, denseStackWithoutNorm: boolean, findings: Finding[]): void {
  const dyingRate = options.dyingRate ?? 0.01;
  if (!isReluLayer(layer, lookup)) return;
  const n = layer.units;
  const noun = nounFor(layer, lookup, model);
  const samples = `${formatCount(layer.samples)} sample${layer.samples === 1 ? '' : 's'}`;
  const dead = [...layer.deadUnits].sort((a, b) => a - b);
  if (dead.length) {
    const severity = severityForFraction(dead.length, n);
    findings.push({
      rule: 'dead-units', severity, confidence: 'high', node: layer.node, units: dead, unitCount: n,
      message: `${dead.length} of ${n} ${noun}s never fired over ${samples} (${Math.round((100 * dead.length) / n)}%): ${noun}${dead.length === 1 ? '' : 's'} ${listUnits(dead)}.`,
      suggestions: suggestFor({ rule: 'dead-units', units: n, fraction: dead.length / n, denseStackWithoutNorm }).map((s) => ({ variant: s.variant, params: s.params, reason: s.reason, cost: s.cost })),
    });
  }
  const deadSet = new Set(dead);
  const dying: number[] = [];
  layer.activeRate.forEach((r, u) => {
    if (!deadSet.has(u) && r > 0 && r < dyingRate) dying.push(u);
  });
  if (dying.length) {
    const lowest = dying.reduce((a, b) => (layer.activeRate[b] < layer.activeRate[a] ? b : a));
    findings.push({
      rule: 'dying-units', severity: 'info', confidence: 'high', node: layer.node, units: dying, unitCount: n,
      message: `${dying.length} of ${n} ${noun}s fired on fewer than ${+(dyingRate * 100).toPrecision(3)}% of positions over ${samples} (${noun}${dying.length === 1 ? '' : 's'} ${listUnits(dying)}); ${noun} ${lowest} fired on ${+(layer.activeRate[lowest] * 100).toPrecision(2)}%.`,
      suggestions: suggestFor({ rule: 'dying-units', units: n, fraction: dying.length / n, denseStackWithoutNorm }).map((s) => ({ variant: s.variant, params: s.params, reason: s.reason, cost: s.cost })),
    });
  }
}
