// "Activation Lens: Compare with…": compares this model's run with another run of the same model
// (other inputs, another seed, or a saved run JSON) or with another model file run on the same
// inputs, and sends the comparison to the open viewers (protocol.ts `comparison`). A rewrite done
// from the viewer offers "Compare with Original", which runs both models on the same inputs.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compareRuns } from '../analysis/compare/compare';
import { formatComparisonMarkdown } from '../analysis/compare/render';
import { readRunFile } from '../analysis/compare/runFile';
import type { RunComparison, RunForCompare } from '../analysis/compare/types';
import { ModelError } from '../core/model';
import type { HostMessage } from '../protocol';
import { RunCancelledError } from '../runtime/cancel';
import { rerunOptions } from '../runtime/inputs/rerun';
import { runSupervised, type SupervisedRunOptions } from '../runtime/runProcess';
import type { RunResult } from '../runtime/runActivations';
import { runToJson } from '../runtime/runJson';
import { comparisonInfo } from './compareMessage';
import { clearComparisons, hasComparison, rememberComparison } from './comparisonStore';
import { activeModel } from './diagnostics';
import { pickInputs, runOptionsFor, showNote } from './runCommand';
import { getRunResult, onDidChangeRunResults, setRunResult, toNodeResults } from './runResults';
import { runOptionsFromSettings, type RunCommandArgs } from './runSettings';
import { postToViewers } from './viewer';

export const COMPARE_COMMAND = 'activationLens.compareWith';

/** Arguments of the command; with them no question is asked (tests, other commands). */
export interface CompareArgs extends RunCommandArgs {
  /** A: the model compared (default: the first argument, else the active model). */
  uri?: string | vscode.Uri;
  /** B is another model file, run on A's inputs. */
  model?: string;
  /** B is a saved run (`run --json`, "Export Activation Results as JSON"). */
  runFile?: string;
  /** B is another run of A's model on these inputs ('synthetic' with a seed, or a path). */
  run?: RunCommandArgs;
  // RunCommandArgs itself: A's inputs when A has no run yet (default: synthetic, from settings).
}

type Target = { kind: 'model'; uri: vscode.Uri } | { kind: 'runFile'; uri: vscode.Uri } | { kind: 'run'; args: RunCommandArgs };

export interface CompareResult {
  comparison: RunComparison;
  /** The message sent to A's viewers. */
  message: HostMessage;
  /** How many viewers received a comparison (A's, and B's when B is a model). */
  posted: number;
}

function send(uri: vscode.Uri, message: HostMessage): number {
  rememberComparison(uri, message);
  return postToViewers(uri, message);
}

function base(uri: vscode.Uri): string {
  return path.basename(uri.fsPath);
}

class Runner {
  constructor(
    private readonly progress: vscode.Progress<{ message?: string; increment?: number }>,
    private readonly signal: AbortSignal,
  ) {}

  async run(model: vscode.Uri, options: SupervisedRunOptions, label: string): Promise<RunResult> {
    this.progress.report({ message: `${label}…` });
    return runSupervised(model.fsPath, options, {
      signal: this.signal,
      onProgress: (p) => this.progress.report({ message: `${label}: ${p.message}` }),
      onNote: (m) => showNote(m),
    });
  }
}

/** A's run: the stored one, else a new run on `options` (stored and painted like "Run Activations"). */
async function baselineRun(a: vscode.Uri, runner: Runner, options: () => SupervisedRunOptions): Promise<RunForCompare> {
  const stored = getRunResult(a);
  if (stored) return runToJson(stored);
  const result = await runner.run(a, options(), `Running ${base(a)}`);
  setRunResult(a, result);
  postToViewers(a, { type: 'activationResults', results: toNodeResults(result), inputSource: result.inputSource });
  return runToJson(result);
}

function readRun(file: vscode.Uri): RunForCompare {
  const run = readRunFile(file.fsPath);
  if (!run) throw new ModelError(`${file.fsPath}: not a run file (save one with "Export Activation Results as JSON" or \`activation-lens run --json\`)`);
  return run;
}

/** Runs what needs running, compares, and posts the comparison. */
async function compareWith(a: vscode.Uri, target: Target, aArgs: RunCommandArgs | undefined, ask: boolean, token: vscode.CancellationToken, progress: vscode.Progress<{ message?: string }>): Promise<CompareResult | undefined> {
  const controller = new AbortController();
  const sub = token.onCancellationRequested(() => controller.abort());
  try {
    const runner = new Runner(progress, controller.signal);
    let runA: RunForCompare, runB: RunForCompare;
    if (target.kind === 'runFile') {
      runB = readRun(target.uri);
      const recorded = runB;
      // Without a run of A, A runs on the saved run's inputs (when they can be found here).
      runA = await baselineRun(a, runner, () => {
        try {
          return { ...runOptionsFromSettings(a), ...rerunOptions(recorded) };
        } catch {
          return runOptionsFor(a, aArgs ?? {});
        }
      });
    } else if (target.kind === 'model') {
      let source = aArgs;
      if (!getRunResult(a) && !source) {
        const picked = ask ? await pickInputs(a) : 'synthetic';
        if (!picked) return undefined;
        source = { inputs: picked };
      }
      const chosen = source ?? {};
      runA = await baselineRun(a, runner, () => runOptionsFor(a, chosen));
      const options = { ...runOptionsFromSettings(target.uri), ...rerunOptions(runA) };
      runB = runToJson(await runner.run(target.uri, options, `Running ${base(target.uri)} on the same inputs`));
    } else {
      runA = await baselineRun(a, runner, () => runOptionsFor(a, aArgs ?? {}));
      runB = runToJson(await runner.run(a, runOptionsFor(a, target.args), `Running ${base(a)} again`));
    }
    const dyingRate = vscode.workspace.getConfiguration('activationLens.analysis', a).get<number>('dyingRate', 0.01);
    const comparison = compareRuns(runA, runB, { dyingRate });
    const message: HostMessage = { type: 'comparison', comparison: comparisonInfo(comparison, runA, runB, 'a', dyingRate) };
    let posted = send(a, message);
    if (target.kind === 'model' && target.uri.toString() !== a.toString()) {
      posted += send(target.uri, { type: 'comparison', comparison: comparisonInfo(comparison, runA, runB, 'b', dyingRate) });
    }
    return { comparison, message, posted };
  } finally {
    sub.dispose();
  }
}

function summary(c: RunComparison): string {
  const t = c.totals;
  const matched = `${c.matched.length} layer${c.matched.length === 1 ? '' : 's'} matched${t.matchedByStructure ? ` (${t.matchedByStructure} by structure)` : ''}`;
  const unmatched = c.unmatched.a.length + c.unmatched.b.length ? `, ${c.unmatched.a.length + c.unmatched.b.length} unmatched` : '';
  return `${matched}${unmatched}; dead units ${t.deadA} → ${t.deadB} (${t.died} died, ${t.revived} revived).`;
}

async function pickTarget(a: vscode.Uri): Promise<Target | undefined> {
  const items: (vscode.QuickPickItem & { id: Target['kind'] })[] = [
    { id: 'run', label: '$(history) Another run of this model…', detail: 'Other inputs or another seed, compared with its last run' },
    { id: 'runFile', label: '$(json) A saved run…', detail: 'A run JSON: "Export Activation Results as JSON" or `activation-lens run --json`' },
    { id: 'model', label: '$(files) Another model…', detail: 'The rewritten copy, another checkpoint or another format of the network, run on the same inputs' },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: `Compare ${base(a)} with…`, placeHolder: 'What to compare with' });
  if (!choice) return undefined;
  const folder = vscode.Uri.joinPath(a, '..');
  if (choice.id === 'model') {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: folder, openLabel: 'Compare', filters: { Models: ['onnx', 'json'] } });
    return picked?.[0] && { kind: 'model', uri: picked[0] };
  }
  if (choice.id === 'runFile') {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: folder, openLabel: 'Compare', filters: { 'Run JSON': ['json'] } });
    return picked?.[0] && { kind: 'runFile', uri: picked[0] };
  }
  const stored = getRunResult(a)?.inputIdentity;
  const settingsSeed = vscode.workspace.getConfiguration('activationLens.run', a).get<number>('seed', 0);
  const nextSeed = (stored?.kind === 'synthetic' ? stored.seed : settingsSeed) + 1;
  const sources: (vscode.QuickPickItem & { id: 'seed' | 'file' | 'folder' })[] = [
    { id: 'seed', label: '$(symbol-constant) Synthetic inputs, another seed…', detail: 'The same generator and sample count, other random values' },
    { id: 'file', label: '$(file) Input file…', detail: '.npy, .npz, ONNX TensorProto .pb, JSON, PNG or JPEG' },
    { id: 'folder', label: '$(folder) Input folder…', detail: 'A folder of any of those files' },
  ];
  const source = await vscode.window.showQuickPick(sources, { title: `Run ${base(a)} again on…` });
  if (!source) return undefined;
  if (source.id === 'seed') {
    const text = await vscode.window.showInputBox({ title: 'Seed of the synthetic inputs', value: String(nextSeed), validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a whole number ≥ 0') });
    if (text === undefined) return undefined;
    const run: RunCommandArgs = { inputs: 'synthetic', seed: Number(text) };
    const aRun = getRunResult(a);
    if (aRun && stored?.kind === 'synthetic') {
      run.samples = aRun.samples;
      run.distribution = stored.distribution === 'uniform' ? 'uniform' : 'normal';
    }
    return { kind: 'run', args: run };
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    canSelectFiles: source.id === 'file',
    canSelectFolders: source.id === 'folder',
    defaultUri: folder,
    openLabel: 'Use as Inputs',
    filters: source.id === 'file' ? { Inputs: ['npy', 'npz', 'pb', 'json', 'png', 'jpg', 'jpeg'] } : undefined,
  });
  return picked?.[0] && { kind: 'run', args: { inputs: picked[0].fsPath } };
}

function uriOf(v: string | vscode.Uri | undefined): vscode.Uri | undefined {
  return v instanceof vscode.Uri ? v : typeof v === 'string' && v ? vscode.Uri.file(v) : undefined;
}

/**
 * The command. (uri?, args?): with an argument object it asks nothing, throws its errors and
 * returns the comparison and the message it posted; from the palette or a menu it asks.
 */
export async function compareWithCommand(uriArg?: unknown, rawArgs?: unknown): Promise<CompareResult | undefined> {
  const argsArg = rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) && !(rawArgs instanceof vscode.Uri) ? (rawArgs as CompareArgs) : undefined;
  const a = uriOf(argsArg?.uri) ?? (uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' ? uriOf(uriArg) : activeModel(undefined));
  if (!a) {
    void vscode.window.showWarningMessage('Activation Lens: open a model to compare (Compare with… compares the active model with another run or model)');
    return undefined;
  }
  let target: Target | undefined;
  let aArgs: RunCommandArgs | undefined;
  if (argsArg) {
    if (argsArg.model) target = { kind: 'model', uri: vscode.Uri.file(path.resolve(path.dirname(a.fsPath), argsArg.model)) };
    else if (argsArg.runFile) target = { kind: 'runFile', uri: vscode.Uri.file(path.resolve(path.dirname(a.fsPath), argsArg.runFile)) };
    else if (argsArg.run) target = { kind: 'run', args: argsArg.run };
    else throw new Error('Compare with…: give one of model, runFile or run');
    const { inputs, samples, seed, distribution, dims } = argsArg;
    if (inputs !== undefined || samples !== undefined || seed !== undefined || distribution !== undefined || dims !== undefined) aArgs = { inputs, samples, seed, distribution, dims };
  } else {
    target = await pickTarget(a);
  }
  if (!target) return undefined;
  return runCompare(a, target, aArgs, !argsArg);
}

async function runCompare(a: vscode.Uri, target: Target, aArgs: RunCommandArgs | undefined, interactive: boolean): Promise<CompareResult | undefined> {
  const other = target.kind === 'run' ? 'another run' : base(target.uri);
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Comparing ${base(a)} with ${other}`, cancellable: true }, (progress, token) =>
      compareWith(a, target, aArgs, interactive, token, progress),
    );
    if (result && interactive) void announce(result.comparison);
    return result;
  } catch (e) {
    if (e instanceof RunCancelledError) {
      void vscode.window.showInformationMessage(`Activation Lens: comparison of ${base(a)} cancelled`);
      return undefined;
    }
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`Activation Lens: ${message}`);
    if (!(e instanceof ModelError)) console.error(e);
    if (!interactive) throw e instanceof Error ? e : new Error(message);
    return undefined;
  }
}

async function announce(c: RunComparison): Promise<void> {
  const text = `Activation Lens: ${summary(c)}`;
  const actions = ['Open Report', 'Save as JSON'];
  const choice = c.comparable ? await vscode.window.showInformationMessage(text, ...actions) : await vscode.window.showWarningMessage(`${text} The runs may not be comparable: ${c.warnings.join('; ')}.`, ...actions);
  if (choice === 'Open Report') {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: formatComparisonMarkdown(c, path.dirname(c.a)) });
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  } else if (choice === 'Save as JSON') {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(c.a.replace(/\.[^./\\]*$/, '') + '.compare.json'), filters: { JSON: ['json'] }, title: 'Save the comparison' });
    if (!target) return;
    if (target.fsPath === c.a || target.fsPath === c.b) return void vscode.window.showErrorMessage('Activation Lens: refusing to overwrite a model file');
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(c, null, 2) + '\n'));
  }
}

/** "Compare with Original" after a rewrite: the original (A) and its rewrite (B) on the same
 *  inputs; asks for the inputs when the original has not been run yet. */
export function compareWithOriginal(original: vscode.Uri, rewritten: vscode.Uri): Promise<CompareResult | undefined> {
  return runCompare(original, { kind: 'model', uri: rewritten }, undefined, true);
}

export function registerCompare(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMPARE_COMMAND, compareWithCommand),
    // A model whose results were cleared (its file changed) no longer matches its comparison.
    onDidChangeRunResults((e) => {
      if (!e.result && hasComparison(e.uri)) send(e.uri, { type: 'comparison' });
    }),
    { dispose: clearComparisons },
  );
}
