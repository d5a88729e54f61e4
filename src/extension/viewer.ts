// Placeholder custom editor until the viewer issue lands: shows the model summary as text.
import * as vscode from 'vscode';
import { loadModel } from '../core/load';
import { summarize } from '../analysis/summary';

class PlaceholderDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export function registerViewer(context: vscode.ExtensionContext): void {
  const provider: vscode.CustomReadonlyEditorProvider<PlaceholderDocument> = {
    openCustomDocument: (uri) => new PlaceholderDocument(uri),
    async resolveCustomEditor(doc, panel) {
      panel.webview.options = { enableScripts: false };
      let body: string;
      try {
        body = JSON.stringify(summarize(await loadModel(doc.uri.fsPath)), null, 2);
      } catch (e) {
        body = e instanceof Error ? e.message : String(e);
      }
      const escaped = body.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';"></head><body><pre>${escaped}</pre></body></html>`;
    },
  };
  for (const viewType of ['activationLens.modelViewer', 'activationLens.modelViewerJson']) {
    context.subscriptions.push(vscode.window.registerCustomEditorProvider(viewType, provider));
  }
  context.subscriptions.push(
    vscode.commands.registerCommand('activationLens.openModel', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (target) await vscode.commands.executeCommand('vscode.openWith', target, target.path.endsWith('.json') ? 'activationLens.modelViewerJson' : 'activationLens.modelViewer');
    }),
  );
}
