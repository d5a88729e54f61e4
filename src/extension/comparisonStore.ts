// The last comparison message per model (URI string): viewers opened later replay it.
import type * as vscode from 'vscode';
import type { HostMessage } from '../protocol';

const comparisons = new Map<string, HostMessage>();

export function getComparisonMessage(uri: vscode.Uri): HostMessage | undefined {
  return comparisons.get(uri.toString());
}

/** Remembers a `comparison` message for `uri`; one without a comparison forgets it. */
export function rememberComparison(uri: vscode.Uri, message: HostMessage): void {
  if (message.type === 'comparison' && message.comparison) comparisons.set(uri.toString(), message);
  else comparisons.delete(uri.toString());
}

export function hasComparison(uri: vscode.Uri): boolean {
  return comparisons.has(uri.toString());
}

export function clearComparisons(): void {
  comparisons.clear();
}
