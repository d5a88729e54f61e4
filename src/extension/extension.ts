// The VS Code face: thin wiring of providers and commands to the core.
import * as vscode from 'vscode';
import { registerViewer } from './viewer';
import { registerGlossary } from './glossary';
import { registerRun } from './runCommand';
import { registerAnalysis } from './diagnostics';
import { registerCompare } from './compareCommand';

export function activate(context: vscode.ExtensionContext): void {
  registerViewer(context);
  registerGlossary(context);
  registerRun(context);
  registerAnalysis(context);
  registerCompare(context);
}

export function deactivate(): void {}
