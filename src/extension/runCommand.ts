// "Activation Lens: Run Activations…": pick an input source, run the model in a supervised child
// process (src/runtime/runProcess.ts: a crash or runaway model ends that process, never the
// extension host) under a cancellable progress notification, store the results (runResults.ts) and paint them
// onto open viewers. "Activation Lens: Export Activation Results as JSON" saves the last run.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ModelError } from '../core/model';
import { RunCancelledError } from '../runtime/cancel';
import { runSupervised, type SupervisedRunOptions } from '../runtime/runProcess';
import type { RunResult } from '../runtime/runActivations';
import { runToJson } from '../runtime/runJson';
import { getRunResult, setRunResult, toNodeResults, clearRunResult, disposeRunResults } from './runResults';
import { runOptionsFromSettings, type RunCommandArgs } from './runSettings';
import { postToViewers } from './viewer';

export const RUN_COMMAND = 'activationLens.runActivations';
export const EXPORT_COMMAND = 'activationLens.exportRunResults';

/** The model the command applies to: the argument, else the active model viewer or editor. */
function activeModelUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    const u = input.uri;
    if (/\.(onnx|json)$/i.test(u.path)) return u;
  }
  const doc = vscode.window.activeTextEditor?.document.uri;
  return doc && /\.(onnx|json)$/i.test(doc.path) ? doc : undefined;
}

async function pickModel(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Run Model', filters: { Models: ['onnx', 'json'] } });
  return picked?.[0];
}

/** Asks where inputs come from. undefined = the user dismissed the question. */
export async function pickInputs(model: vscode.Uri): Promise<string | undefined> {
  const c = vscode.workspace.getConfiguration('activationLens.run', model);
  const items: (vscode.QuickPickItem & { id: 'synthetic' | 'file' | 'folder' })[] = [
    { id: 'synthetic', label: '$(symbol-constant) Synthetic inputs', description: `${c.get('distribution', 'normal')}, ${c.get('samples', 32)} samples, seed ${c.get('seed', 0)}`, detail: 'Random inputs shaped by the model\'s input signature (settings: activationLens.run.*)' },
    { id: 'file', label: '$(file) Input file…', detail: '.npy, .npz, ONNX TensorProto .pb, JSON, PNG or JPEG' },
    { id: 'folder', label: '$(folder) Input folder…', detail: 'A folder of any of those files, run in batches' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: `Run Activations: ${path.basename(model.fsPath)}`, placeHolder: 'Where do the inputs come from?' });
  if (!choice) return undefined;
  if (choice.id === 'synthetic') return 'synthetic';
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    canSelectFiles: choice.id === 'file',
    canSelectFolders: choice.id === 'folder',
    defaultUri: vscode.Uri.joinPath(model, '..'),
    openLabel: 'Use as Inputs',
    filters: choice.id === 'file' ? { Inputs: ['npy', 'npz', 'pb', 'json', 'png', 'jpg', 'jpeg'] } : undefined,
  });
  return picked?.[0]?.fsPath;
}

/** Why runs fall back to wasm is said once per session; other notes (dimension defaults …) each time. */
const shownFallbackNotes = new Set<string>();
export function showNote(m: string): void {
  if (m.startsWith('running on onnxruntime-web')) {
    if (shownFallbackNotes.has(m)) return;
    shownFallbackNotes.add(m);
  }
  void vscode.window.showInformationMessage(`Activation Lens: ${m}`);
}

function summary(r: RunResult): string {
  const dead = r.layers.reduce((s, l) => s + l.deadUnits.length, 0);
  const layersWithDead = r.layers.filter((l) => l.deadUnits.length).length;
  return `${r.samples} samples through ${r.layers.length} activation layer${r.layers.length === 1 ? '' : 's'}: ${dead} dead unit${dead === 1 ? '' : 's'}${dead ? ` in ${layersWithDead} layer${layersWithDead === 1 ? '' : 's'}` : ''}.`;
}

/** Run options from settings and arguments; `source` is 'synthetic' or a path (relative: from the model's folder). */
export function runOptionsFor(model: vscode.Uri, args: RunCommandArgs, source = args.inputs ?? 'synthetic'): SupervisedRunOptions {
  const options = runOptionsFromSettings(model, args);
  if (source !== 'synthetic') {
    options.inputs = path.resolve(path.dirname(model.fsPath), source);
    if (args.samples === undefined) delete options.samples; // a file source runs all its samples unless asked
  }
  return options;
}

/** Runs the command. With an argument object no question is asked (tests, other commands). */
export async function runActivationsCommand(uriArg?: unknown, rawArgs?: unknown): Promise<RunResult | undefined> {
  // Menus pass (uri) or, from the explorer, (uri, selectedUris[]): only a plain object is arguments.
  const argsArg = rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) && !(rawArgs instanceof vscode.Uri) ? rawArgs : undefined;
  const model = activeModelUri(uriArg) ?? (argsArg ? undefined : await pickModel());
  if (!model) {
    if (argsArg) void vscode.window.showErrorMessage('Activation Lens: no model to run');
    return undefined;
  }
  const args: RunCommandArgs = (argsArg as RunCommandArgs | undefined) ?? {};
  const source = argsArg ? args.inputs ?? 'synthetic' : await pickInputs(model);
  if (!source) return undefined;
  const options = runOptionsFor(model, args, source);
  const name = path.basename(model.fsPath);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Running ${name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        try {
          return await runSupervised(model.fsPath, options, {
            signal: controller.signal,
            onProgress: (p) => {
              const pct = p.samplesTotal ? (p.samplesDone / p.samplesTotal) * 100 : 0;
              progress.report({ message: p.message, increment: pct > reported ? pct - reported : undefined });
              reported = Math.max(reported, pct);
            },
            onNote: (m) => showNote(m),
          });
        } finally {
          sub.dispose();
        }
      },
    );
    setRunResult(model, result);
    postToViewers(model, { type: 'activationResults', results: toNodeResults(result), inputSource: result.inputSource });
    if (!argsArg) {
      void vscode.window.showInformationMessage(`Activation Lens: ${summary(result)}`, 'Export as JSON').then((a) => {
        if (a) void vscode.commands.executeCommand(EXPORT_COMMAND, model);
      });
    }
    return result;
  } catch (e) {
    if (e instanceof RunCancelledError) {
      void vscode.window.showInformationMessage(`Activation Lens: run of ${name} cancelled`);
      return undefined;
    }
    const message = e instanceof ModelError ? e.message : e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`Activation Lens: ${message}`);
    if (!(e instanceof ModelError)) console.error(e);
    // Called with arguments (other commands, tests), the caller gets the error as well.
    if (argsArg) throw e;
    return undefined;
  }
}

/** Saves the last run of a model as JSON (the `run --json` form). With a target argument, no dialog. */
export async function exportRunResultsCommand(uriArg?: unknown, targetArg?: unknown): Promise<string | undefined> {
  const model = activeModelUri(uriArg);
  const result = model && getRunResult(model);
  if (!model || !result) {
    void vscode.window.showWarningMessage('Activation Lens: no activation results yet — run "Activation Lens: Run Activations…" first');
    return undefined;
  }
  let target: vscode.Uri | undefined =
    targetArg instanceof vscode.Uri ? targetArg : typeof targetArg === 'string' && targetArg ? vscode.Uri.file(targetArg) : undefined;
  if (!target) {
    const base = model.path.replace(/\.[^./]*$/, '');
    target = await vscode.window.showSaveDialog({ defaultUri: model.with({ path: `${base}.activations.json` }), filters: { JSON: ['json'] }, title: 'Export activation results' });
  }
  if (!target) return undefined;
  if (target.toString() === model.toString()) {
    void vscode.window.showErrorMessage('Activation Lens: refusing to overwrite the model file');
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(runToJson(result), null, 2) + '\n'));
  if (!targetArg) void vscode.window.showInformationMessage(`Activation Lens: saved ${target.fsPath}`);
  return target.fsPath;
}

export function registerRun(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(RUN_COMMAND, runActivationsCommand),
    vscode.commands.registerCommand(EXPORT_COMMAND, exportRunResultsCommand),
    // Results describe the file as it was: drop them when it changes on disk.
    vscode.workspace.onDidSaveTextDocument((d) => clearRunResult(d.uri)),
    { dispose: disposeRunResults },
  );
}
