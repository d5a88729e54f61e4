// The dying-ReLU analysis: static rules over the weights, plus dynamic rules when measured
// activation statistics are given.
import type { Model } from '../../core/model';
import type { ActivationRun } from '../activationStats';
import { compareFindings, type Finding } from '../findings';
import { runDynamicRules, type DynamicRuleOptions } from './dynamicRules';
import { runStaticRules, type StaticRuleOptions } from './staticRules';

const ESTIMATES = new Set(['bn-relu-inactive', 'linear-relu-negative-bias']);

export interface AnalysisOptions extends StaticRuleOptions, DynamicRuleOptions {}

export interface Analysis {
  model: string;
  /** Samples the dynamic rules saw (0 when only static rules ran). */
  samples: number;
  findings: Finding[];
}

export async function analyzeModel(model: Model, run?: ActivationRun, options: AnalysisOptions = {}): Promise<Analysis> {
  let findings = await runStaticRules(model, options);
  if (run) {
    // Measurements supersede estimates: for a layer that was run, the statistical static rules
    // (BatchNorm P(active), folded-bias estimate) give way to what was measured. Proofs stay: a
    // unit dead for every input is also dead on the inputs run.
    const measured = new Set(run.layers.map((l) => l.node));
    findings = findings.filter((f) => !(ESTIMATES.has(f.rule) && measured.has(f.node)));
    findings.push(...runDynamicRules(run, model, options));
  }
  findings.sort(compareFindings);
  return { model: model.path, samples: run?.samples ?? 0, findings };
}

export { runStaticRules, runDynamicRules };
