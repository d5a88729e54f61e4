// The latest activation run per model, shared by the run command, the viewer (badges, layer
// table, histograms) and the export command. Keyed by the model's URI string.
import * as vscode from 'vscode';
import type { NodeActivationResult } from '../protocol';
import type { RunResult } from '../runtime/runActivations';
import { sideValues } from '../analysis/compare/compare';

export interface RunResultsChange {
  uri: vscode.Uri;
  /** undefined when the results were cleared (the model file changed). */
  result: RunResult | undefined;
}

const results = new Map<string, RunResult>();
const emitter = new vscode.EventEmitter<RunResultsChange>();

/** Fires after every run that finished for a model, and when results are cleared. */
export const onDidChangeRunResults: vscode.Event<RunResultsChange> = emitter.event;

export function getRunResult(uri: vscode.Uri): RunResult | undefined {
  return results.get(uri.toString());
}

export function setRunResult(uri: vscode.Uri, result: RunResult): void {
  results.set(uri.toString(), result);
  emitter.fire({ uri, result });
}

export function clearRunResult(uri: vscode.Uri): void {
  if (results.delete(uri.toString())) emitter.fire({ uri, result: undefined });
}

/** The per-node form the viewer paints (badge: share of dead units; details: histogram, active
 *  rates; overlays: dying share, mean, std, min, max). */
export function toNodeResults(run: RunResult): NodeActivationResult[] {
  const dyingRate = vscode.workspace.getConfiguration('activationLens.analysis').get<number>('dyingRate', 0.01);
  return run.layers.map((l) => {
    // Dead and dying by the rule the findings and `diff` use: a Leaky ReLU unit never above 0 is not dead.
    const side = sideValues({ ...l, activation: run.activations[l.node] || undefined }, dyingRate);
    return {
      node: l.node,
      deadShare: side.deadShare,
      zeroFraction: l.zeroFraction,
      activeRate: l.activeRate,
      histogram: l.histogram,
      dyingShare: side.dyingShare,
      mean: l.mean,
      std: l.std,
      min: l.min,
      max: l.max,
    };
  });
}

export function disposeRunResults(): void {
  results.clear();
}
