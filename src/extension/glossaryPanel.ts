// "Activation Lens: Open Glossary": creates the one glossary webview panel and tells it which entry
// to show. The page itself (CSP, data, script) is built by src/glossary/panelHtml.ts.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { glossaryHtml } from '../glossary/panelHtml';

export const GLOSSARY_VIEW_TYPE = 'activationLens.glossary';

function nonce(): string {
  return crypto.randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

let panel: vscode.WebviewPanel | undefined;
/** The entry to show once the webview (re)loads: a hidden webview is rebuilt on reveal and would
 *  miss a message posted before its script runs. */
let pendingId: string | undefined;

/** Opens (or reveals) the glossary panel showing `entryId`. */
export function openGlossaryPanel(entryId?: string): vscode.WebviewPanel {
  pendingId = entryId;
  if (panel) {
    panel.reveal(undefined, false);
    if (entryId) void panel.webview.postMessage({ type: 'show', id: entryId });
    return panel;
  }
  panel = vscode.window.createWebviewPanel(GLOSSARY_VIEW_TYPE, 'Activation Lens Glossary', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
    enableScripts: true,
    localResourceRoots: [],
  });
  panel.webview.html = glossaryHtml(entryId, nonce());
  const p = panel;
  p.webview.onDidReceiveMessage((m: unknown) => {
    if ((m as { type?: unknown })?.type === 'ready' && pendingId) {
      void p.webview.postMessage({ type: 'show', id: pendingId });
      pendingId = undefined;
    }
  });
  p.onDidDispose(() => (panel = undefined));
  return p;
}

export function disposeGlossaryPanel(): void {
  panel?.dispose();
}
