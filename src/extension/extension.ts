// The VS Code face: thin wiring of providers and commands to the core.
import * as vscode from 'vscode';
import { registerViewer } from './viewer';

export function activate(context: vscode.ExtensionContext): void {
  registerViewer(context);
}

export function deactivate(): void {}
