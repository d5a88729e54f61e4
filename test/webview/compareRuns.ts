// Real runs and comparisons for the compare/overlay webview tests: the models run through the real
// runtime (onnxruntime), compared by the real matcher, in the message form the host sends
// (src/extension/compareMessage.ts), and the per-node results the host sends after a run
// (the same rule as src/extension/runResults.ts toNodeResults, which needs `vscode`).
import * as path from 'node:path';
import { compareRuns, sideValues } from '../../src/analysis/compare/compare';
import type { RunForCompare } from '../../src/analysis/compare/types';
import { comparisonInfo } from '../../src/extension/compareMessage';
import { rewriteOnnx } from '../../src/formats/onnx/rewrite';
import type { ComparisonInfo, NodeActivationResult } from '../../src/protocol';
import { runActivations, type RunOptions, type RunResult } from '../../src/runtime/runActivations';
import { runToJson } from '../../src/runtime/runJson';
import { tmpDir } from '../support/onnxBuild';
import { ROOT } from './harness';

export const DEAD_CNN = path.join(ROOT, 'test/fixtures/dead-cnn/dead_cnn.onnx');
export const DIGITS = path.join(ROOT, 'test/fixtures/dead-cnn/inputs.npy');
export const RENAMED_CNN = path.join(ROOT, 'test/fixtures/compare/renamed_cnn.onnx');
export const DEEPER_CNN = path.join(ROOT, 'test/fixtures/compare/deeper_cnn.onnx');

export interface Run {
  result: RunResult;
  json: RunForCompare;
}

export async function run(model: string, options: RunOptions): Promise<Run> {
  const result = await runActivations(model, options);
  return { result, json: runToJson(result) };
}

/** What the host sends the viewer after a run ("Run Activations…"). */
export function nodeResults(r: RunResult, dyingRate = 0.01): NodeActivationResult[] {
  return r.layers.map((l) => {
    const side = sideValues({ ...l, activation: r.activations[l.node] || undefined }, dyingRate);
    return { node: l.node, deadShare: side.deadShare, zeroFraction: l.zeroFraction, activeRate: l.activeRate, histogram: l.histogram, dyingShare: side.dyingShare, mean: l.mean, std: l.std, min: l.min, max: l.max };
  });
}

export function compare(a: Run, b: Run, side: 'a' | 'b' = 'a'): ComparisonInfo {
  return comparisonInfo(compareRuns(a.json, b.json), a.json, b.json, side);
}

/** The dead digits CNN rewritten to Leaky ReLU by our own rewrite (a new file). */
export function leakyCopy(model = DEAD_CNN): string {
  const out = path.join(tmpDir('al-compare-'), 'dead_cnn-leaky.onnx');
  rewriteOnnx(model, out, { variant: 'leaky-relu', params: { alpha: 0.01 } });
  return out;
}
