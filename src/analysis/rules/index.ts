// The dying-ReLU analysis: static rules over the weights, plus dynamic rules when measured
// activation statistics are given.
import type { Model } from '../../core/model';
import { InternalErrorLog } from '../../core/internalErrors';
import type { ActivationRun } from '../activationStats';
import { compareFindings, type Finding } from '../findings';
import { runDynamicRules, type DynamicRuleOptions } from './dynamicRules';
import { RuleBoundary, runStaticRules, type StaticRuleOptions } from './staticRules';

const ESTIMATES = new Set(['bn-relu-inactive', 'linear-relu-negative-bias']);

export interface AnalysisOptions extends StaticRuleOptions, DynamicRuleOptions {}

export interface Analysis {
  model: string;
  /** Samples the dynamic rules saw (0 when only static rules ran). */
  samples: number;
  findings: Finding[];
  /** Rules that failed with an internal error (a bug, never a property of the model):
   *  "rule X failed on node Y (internal error; please report)". The other rules' findings stand. */
  internalErrors: string[];
}

export async function analyzeModel(model: Model, run?: ActivationRun, options: AnalysisOptions = {}): Promise<Analysis> {
  const log = new InternalErrorLog();
  const boundary = new RuleBoundary(log);
  let findings = await runStaticRules(model, options, boundary);
  if (run) {
    // Measurements supersede estimates: for a layer that was run, the statistical static rules
    // (BatchNorm P(active), folded-bias estimate) give way to what was measured. Proofs stay: a
    // unit dead for every input is also dead on the inputs run.
    const measured = new Set(run.layers.map((l) => l.node));
    findings = findings.filter((f) => !(ESTIMATES.has(f.rule) && measured.has(f.node)));
    for (const f of runDynamicRules(run, model, options, log)) findings.push(f);
  }
  findings.sort(compareFindings);
  return { model: model.path, samples: run?.samples ?? 0, findings, internalErrors: log.messages() };
}

export { runStaticRules, runDynamicRules };
