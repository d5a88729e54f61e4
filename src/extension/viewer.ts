// The model viewer: a read-only custom editor for ONNX files (default) and TF.js model.json
// (option). The host reads the model with the core reader and sends the webview a compact graph
// (src/extension/viewerGraph.ts); the webview app lives in media/ and is bundled to dist/webview.js.
import * as vscode from 'vscode';
import { entryById, EXPLAIN_TERM_COMMAND, OPEN_GLOSSARY_COMMAND } from '../glossary';
import type { HostMessage, ViewerState, WebviewMessage } from '../protocol';
import { isWebviewMessage } from '../protocol';
import { clearRunResult, getRunResult, toNodeResults } from './runResults';
import { getComparisonMessage } from './comparisonStore';
import { fileStamp, forgetModel, sharedModel } from './modelStore';
import { ViewerSession } from './viewerGraph';
import { viewerPage } from './viewerHtml';

export const VIEW_TYPE_ONNX = 'activationLens.modelViewer';
export const VIEW_TYPE_JSON = 'activationLens.modelViewerJson';

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

interface OpenViewer {
  uri: vscode.Uri;
  panel: vscode.WebviewPanel;
  session: ViewerSession;
  state?: ViewerState;
}

const openViewers = new Set<OpenViewer>();

/** Sends a message to every open viewer of `file` (later features: activation results, findings). */
export function postToViewers(file: vscode.Uri, message: HostMessage): number {
  let n = 0;
  for (const v of openViewers) {
    if (v.uri.toString() === file.toString()) {
      v.session.send(message);
      n++;
    }
  }
  return n;
}

/** Longest wait for a viewer's first graph before other work on the same model goes ahead (a
 *  webview in a hidden tab may not ask for its graph until it is shown). */
const VIEWER_FIRST_MS = 5000;

/**
 * Resolves when every open viewer of `file` has sent its webview the first graph (at most
 * VIEWER_FIRST_MS). Work on the extension host's one thread that can wait (the Problems scan, the
 * glossary's counts) waits for it: measured in code-server on a 100,000-node model, that work
 * otherwise ran between the graph being ready and the webview's request for it, and the first
 * picture came 0.4 s later.
 */
export function afterViewers(file: vscode.Uri): Promise<void> {
  const pending = [...openViewers].filter((v) => v.uri.toString() === file.toString()).map((v) => v.session.firstInit);
  if (!pending.length) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, VIEWER_FIRST_MS)));
  return Promise.race([Promise.all(pending).then(() => undefined), limit]).finally(() => clearTimeout(timer));
}

/** The last state an open viewer of `file` reported (selection, view …), if any. */
export function viewerState(file: vscode.Uri): ViewerState | undefined {
  for (const v of openViewers) if (v.uri.toString() === file.toString()) return v.state;
  return undefined;
}

export function viewerHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return viewerPage({
    cspSource: webview.cspSource,
    script: uri('dist', 'webview.js'),
    worker: uri('dist', 'layout.worker.js'),
    codicons: uri('dist', 'codicon.css'),
    css: uri('media', 'viewer.css'),
  });
}

class ModelViewerProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  constructor(private readonly context: vscode.ExtensionContext) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri);
  }

  async resolveCustomEditor(doc: ModelDocument, panel: vscode.WebviewPanel): Promise<void> {
    const ext = this.context.extensionUri;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(ext, 'dist'), vscode.Uri.joinPath(ext, 'media')],
    };
    const file = doc.uri.fsPath;
    const viewer: OpenViewer = {
      uri: doc.uri,
      panel,
      session: new ViewerSession(
        file,
        () => sharedModel(file),
        (m) => panel.webview.postMessage(m),
        (m) => void this.onMessage(viewer, m),
      ),
    };
    openViewers.add(viewer);
    // The page first: the webview boots in its own process while this one reads the model.
    panel.webview.html = viewerHtml(panel.webview, ext);
    viewer.session.preload();
    // A new editor for a model that was already run shows that run: the session replays it
    // after its init, whenever the webview says it is ready.
    const run = getRunResult(doc.uri);
    if (run) viewer.session.send({ type: 'activationResults', results: toNodeResults(run), inputSource: run.inputSource });
    const comparison = getComparisonMessage(doc.uri);
    if (comparison) viewer.session.send(comparison);

    const disposables: vscode.Disposable[] = [];
    disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isWebviewMessage(m)) void viewer.session.handle(m);
      }),
    );
    // Re-render when the file changes on disk; close when it is deleted.
    const folder = vscode.Uri.joinPath(doc.uri, '..');
    const name = doc.uri.path.slice(doc.uri.path.lastIndexOf('/') + 1);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, name));
    let timer: NodeJS.Timeout | undefined;
    // What the file was when this viewer opened or last reloaded it: watchers also report late
    // or repeated events (a copy made just before opening), which must not drop a stored run.
    let seen = fileStamp(file);
    const changed = () => {
      // Writers often touch a file several times in a row: wait until it settles.
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        const now = fileStamp(file);
        if (now === seen) return;
        seen = now;
        // Results measured on the old file no longer describe it: drop them, and replace what
        // the session replays with an empty result set (which hides the badges and columns).
        clearRunResult(doc.uri);
        viewer.session.send({ type: 'activationResults', results: [] });
        void viewer.session.reload();
      }, 300);
    };
    disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(() => panel.dispose()));
    panel.onDidDispose(() => {
      if (timer) clearTimeout(timer);
      openViewers.delete(viewer);
      for (const d of disposables) d.dispose();
      if (![...openViewers].some((v) => v.uri.toString() === doc.uri.toString())) forgetModel(file);
    });
  }

  private async onMessage(viewer: OpenViewer, m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'stateChanged':
        viewer.state = m.state;
        return;
      case 'revealNode':
        return revealNode(viewer.uri, m.node);
      // A glossary card's links. Only these two commands, with an entry id the glossary knows:
      // the webview never names a command to run.
      case 'openGlossary':
        if (typeof m.entry === 'string' && entryById(m.entry)) await vscode.commands.executeCommand(OPEN_GLOSSARY_COMMAND, m.entry);
        return;
      case 'explainTerm':
        await vscode.commands.executeCommand(EXPLAIN_TERM_COMMAND);
        return;
      case 'compareWith':
        await vscode.commands.executeCommand('activationLens.compareWith', viewer.uri);
        return;
      case 'exportFile': {
        const reply = (path?: string, error?: string) => viewer.panel.webview.postMessage({ type: 'exportDone', id: m.id, path, error } satisfies HostMessage);
        try {
          const base = viewer.uri.path.replace(/\.[^./]*$/, '');
          const target = await vscode.window.showSaveDialog({
            defaultUri: viewer.uri.with({ path: `${base}.${m.kind}` }),
            filters: m.kind === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
            title: `Export graph as ${m.kind.toUpperCase()}`,
          });
          if (!target) return void reply();
          if (target.toString() === viewer.uri.toString()) throw new Error('refusing to overwrite the model file');
          const bytes = m.kind === 'svg' ? new TextEncoder().encode(m.data) : Buffer.from(m.data, 'base64');
          await vscode.workspace.fs.writeFile(target, bytes);
          void reply(target.fsPath);
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          void vscode.window.showErrorMessage(`Activation Lens: export failed: ${message}`);
          void reply(undefined, message);
        }
        return;
      }
      default:
        return;
    }
  }
}

/** Shows where a node is defined: for a TF.js model.json, its layer entry in the JSON text. */
async function revealNode(uri: vscode.Uri, node: string): Promise<void> {
  if (!uri.path.toLowerCase().endsWith('.json')) return;
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const needle = JSON.stringify(node);
  let at = text.indexOf(`"name": ${needle}`);
  if (at < 0) at = text.indexOf(`"name":${needle}`);
  if (at < 0) at = text.indexOf(needle);
  if (at < 0) return;
  const pos = doc.positionAt(at);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside, preview: true });
}

export function registerViewer(context: vscode.ExtensionContext): void {
  const provider = new ModelViewerProvider(context);
  for (const viewType of [VIEW_TYPE_ONNX, VIEW_TYPE_JSON]) {
    context.subscriptions.push(vscode.window.registerCustomEditorProvider(viewType, provider, { supportsMultipleEditorsPerDocument: true }));
  }
  context.subscriptions.push(
    vscode.commands.registerCommand('activationLens.openModel', async (uri?: vscode.Uri) => {
      let target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Open Model',
          filters: { Models: ['onnx', 'json'] },
        });
        target = picked?.[0];
      }
      if (!target) return;
      const viewType = target.path.toLowerCase().endsWith('.json') ? VIEW_TYPE_JSON : VIEW_TYPE_ONNX;
      await vscode.commands.executeCommand('vscode.openWith', target, viewType);
    }),
  );
}
