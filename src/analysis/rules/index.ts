// The dying-ReLU analysis: static rules over the weights, plus dynamic rules when measured
// activation statistics are given.
import type { Model } from '../../core/model';
import type { ActivationRun } from '../activationStats';
import { compareFindings, type Finding } from '../findings';
import { runDynamicRules, type DynamicRuleOptions } from './dynamicRules';
import { runStaticRules, type StaticRuleOptions } from './staticRules';

export interface AnalysisOptions extends StaticRuleOptions, DynamicRuleOptions {}

export interface Analysis {
  model: string;
  /** Samples the dynamic rules saw (0 when only static rules ran). */
  samples: number;
  findings: Finding[];
}

export async function analyzeModel(model: Model, run?: ActivationRun, options: AnalysisOptions = {}): Promise<Analysis> {
  const findings = await runStaticRules(model, options);
  if (run) findings.push(...runDynamicRules(run, model, options));
  findings.sort(compareFindings);
  return { model: model.path, samples: run?.samples ?? 0, findings };
}

export { runStaticRules, runDynamicRules };
