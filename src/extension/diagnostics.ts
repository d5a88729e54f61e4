// Dying-ReLU findings in the Problems panel: models are scanned when opened (static rules) and
// again after "Run Activations" (dynamic rules). model.json findings sit on the layer's JSON;
// ONNX findings sit on the file and name the node. The viewer gets them too (graph marks, list).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sharedModel } from './modelStore';
import { ModelError } from '../core/model';
import { RULES, severityAtLeast, type Finding, type Severity } from '../analysis/findings';
import { analyzeModel, type Analysis } from '../analysis/rules/index';
import type { FindingInfo } from '../protocol';
import { layerRanges } from './diagnosticsJson';
import { getRunResult, onDidChangeRunResults } from './runResults';
import { afterViewers, postToViewers } from './viewer';
import { registerCodeActions } from './codeActions';
import { registerRewriteCommands } from './rewriteCommand';

export const SOURCE = 'Activation Lens';
export const SCAN_COMMAND = 'activationLens.scanModel';

export interface ModelFindings {
  uri: vscode.Uri;
  analysis: Analysis;
}

const analyses = new Map<string, ModelFindings>();
const findingOf = new WeakMap<vscode.Diagnostic, Finding>();
let collection: vscode.DiagnosticCollection | undefined;

/** The latest analysis of a model, if it was scanned. */
export function findingsFor(uri: vscode.Uri): ModelFindings | undefined {
  return analyses.get(uri.toString());
}

/** The finding a diagnostic shows (for quick fixes). */
export function findingOfDiagnostic(d: vscode.Diagnostic): Finding | undefined {
  return findingOf.get(d);
}

export function isModelUri(uri: vscode.Uri): boolean {
  const p = uri.path.toLowerCase();
  return uri.scheme === 'file' && (p.endsWith('.onnx') || p.endsWith('.json'));
}

function settings(uri: vscode.Uri) {
  const c = vscode.workspace.getConfiguration('activationLens.analysis', uri);
  return {
    enabled: c.get<boolean>('enabled', true),
    minimumSeverity: c.get<Severity>('minimumSeverity', 'info'),
    activeProbability: c.get<number>('activeProbability', 0.001),
    dyingRate: c.get<number>('dyingRate', 0.01),
  };
}

function glossaryTarget(rule: Finding['rule']): vscode.Uri {
  return vscode.Uri.parse(`command:activationLens.openGlossary?${encodeURIComponent(JSON.stringify([RULES[rule].glossary]))}`);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

async function jsonText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** Offsets → positions without opening a document (a closed model.json still gets exact ranges). */
function positionAt(text: string, offset: number): vscode.Position {
  let line = 0, last = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i + 1;
  }
  return new vscode.Position(line, offset - last);
}

async function toDiagnostics(uri: vscode.Uri, analysis: Analysis, minimum: Severity): Promise<vscode.Diagnostic[]> {
  const isJson = uri.path.toLowerCase().endsWith('.json');
  const text = isJson ? await jsonText(uri) : undefined;
  const ranges = text ? layerRanges(text) : undefined;
  const out: vscode.Diagnostic[] = [];
  for (const f of analysis.findings) {
    if (!severityAtLeast(f.severity, minimum)) continue;
    let range = new vscode.Range(0, 0, 0, 0);
    const r = ranges?.get(f.node);
    if (r && text) range = new vscode.Range(positionAt(text, r.offset), positionAt(text, r.offset + r.length));
    const message = isJson && r ? f.message : `${f.node}: ${f.message}`;
    const d = new vscode.Diagnostic(range, message, SEVERITY[f.severity]);
    d.source = SOURCE;
    d.code = { value: f.rule, target: glossaryTarget(f.rule) };
    findingOf.set(d, f);
    out.push(d);
  }
  return out;
}

function toViewer(findings: Finding[]): FindingInfo[] {
  return findings.map((f) => ({ node: f.node, severity: f.severity, message: f.message, code: f.rule }));
}

/** Scans a model and publishes its findings. Returns undefined for files that are not models. */
export async function analyzeUri(uri: vscode.Uri, opts: { force?: boolean } = {}): Promise<ModelFindings | undefined> {
  if (!collection || !isModelUri(uri)) return undefined;
  const s = settings(uri);
  if (!s.enabled && !opts.force) return undefined;
  if (uri.path.toLowerCase().endsWith('.json')) {
    const text = await jsonText(uri);
    if (!text || !/"modelTopology"/.test(text.slice(0, 1 << 20))) return undefined;
  }
  let analysis: Analysis;
  try {
    // The rules take ≈0.5 s on a 100,000-node model, on the extension host's one thread: a viewer
    // of the same model shows its first picture before.
    await afterViewers(uri);
    const model = await sharedModel(uri.fsPath);
    analysis = await analyzeModel(model, getRunResult(uri), { activeProbability: s.activeProbability, dyingRate: s.dyingRate });
  } catch (e) {
    // The viewer reports unreadable models; here a broken model only clears stale findings.
    collection.delete(uri);
    analyses.delete(uri.toString());
    if (!(e instanceof ModelError)) console.error('Activation Lens: scanning failed with an internal error', e);
    if (opts.force) void vscode.window.showErrorMessage(`Activation Lens: ${e instanceof ModelError ? e.message : `scanning ${path.basename(uri.fsPath)} failed with an internal error; please report it`}`);
    return undefined;
  }
  // Rules that failed are our bugs: logged for a report, never shown as model problems.
  for (const m of analysis.internalErrors) console.error(`Activation Lens: ${path.basename(uri.fsPath)}: ${m}`);
  const entry = { uri, analysis };
  analyses.set(uri.toString(), entry);
  collection.set(uri, await toDiagnostics(uri, analysis, s.minimumSeverity));
  postToViewers(uri, { type: 'findings', findings: toViewer(analysis.findings) });
  return entry;
}

function summary(a: Analysis): string {
  const n = (s: Severity) => a.findings.filter((f) => f.severity === s).length;
  const name = path.basename(a.model);
  if (!a.findings.length) return `${name}: no dead or dying ReLU findings${a.samples ? ` over ${a.samples} samples` : ' (static rules)'}.`;
  return `${name}: ${n('error')} errors, ${n('warning')} warnings, ${n('info')} notes${a.samples ? ` (with ${a.samples} measured samples)` : ' (static rules; run activations for measured ones)'} — see the Problems panel.`;
}

function activeModel(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if ((input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) && isModelUri(input.uri)) return input.uri;
  const doc = vscode.window.activeTextEditor?.document.uri;
  return doc && isModelUri(doc) ? doc : undefined;
}

export { activeModel };

function tabUris(tabs: readonly vscode.Tab[]): vscode.Uri[] {
  const out: vscode.Uri[] = [];
  for (const t of tabs) {
    const input = t.input;
    if ((input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) && isModelUri(input.uri)) out.push(input.uri);
  }
  return out;
}

export function registerAnalysis(context: vscode.ExtensionContext): void {
  collection = vscode.languages.createDiagnosticCollection('activationLens');
  context.subscriptions.push(collection);
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  const schedule = (uri: vscode.Uri, delay = 200) => {
    const key = uri.toString();
    clearTimeout(pending.get(key));
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      void analyzeUri(uri).then((r) => {
        // A viewer opened at the same moment may not listen yet: tell it once more.
        if (r) setTimeout(() => postToViewers(uri, { type: 'findings', findings: toViewer(r.analysis.findings) }), 1500);
      });
    }, delay));
  };
  for (const uri of tabUris(vscode.window.tabGroups.all.flatMap((g) => g.tabs))) schedule(uri);
  context.subscriptions.push(
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const uri of tabUris(e.opened)) if (!analyses.has(uri.toString())) schedule(uri);
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (isModelUri(doc.uri) && !analyses.has(doc.uri.toString())) schedule(doc.uri);
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (analyses.has(doc.uri.toString())) schedule(doc.uri);
    }),
    onDidChangeRunResults((e) => schedule(e.uri, 0)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('activationLens.analysis')) return;
      for (const { uri } of analyses.values()) {
        if (settings(uri).enabled) schedule(uri, 0);
        else {
          collection?.delete(uri);
          analyses.delete(uri.toString());
        }
      }
    }),
    vscode.commands.registerCommand(SCAN_COMMAND, async (arg?: unknown) => {
      let uri = activeModel(arg);
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Scan Model', filters: { Models: ['onnx', 'json'] } });
        uri = picked?.[0];
      }
      if (!uri) return undefined;
      const target = uri;
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Scanning ${path.basename(target.fsPath)}` }, () => analyzeUri(target, { force: true }));
      if (r && !(arg instanceof vscode.Uri || typeof arg === 'string')) void vscode.window.showInformationMessage(`Activation Lens: ${summary(r.analysis)}`);
      return r ? { model: r.analysis.model, samples: r.analysis.samples, findings: r.analysis.findings.length } : undefined;
    }),
  );
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{onnx,json}');
  context.subscriptions.push(
    watcher,
    watcher.onDidChange((uri) => {
      if (analyses.has(uri.toString())) schedule(uri, 500);
    }),
    watcher.onDidDelete((uri) => {
      collection?.delete(uri);
      analyses.delete(uri.toString());
    }),
  );
  registerCodeActions(context);
  registerRewriteCommands(context);
}
