// "Write a Copy with Leaky ReLU…" and the other variants: writes a new model file with chosen ReLU
// nodes replaced (all flagged nodes, all ReLU nodes, or ones the user picks). Never touches the
// open model; the save dialog chooses the new file.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadModel } from '../formats/load';
import { ModelError } from '../core/model';
import { VARIANT_INFO, VARIANTS, type VariantId } from '../analysis/suggestions';
import { reluSites, GraphIndex } from '../analysis/rules/graphIndex';
import { rewriteModel, type ModelRewriteResult } from '../cli/commands/rewrite';
import { activeModel, findingsFor } from './diagnostics';
import { compareWithOriginal } from './compareCommand';

export const REWRITE_COMMAND = 'activationLens.rewriteModel';

/** Command id per variant: activationLens.rewriteWithLeakyRelu … */
export const VARIANT_COMMANDS: Record<VariantId, string> = {
  'leaky-relu': 'activationLens.rewriteWithLeakyRelu',
  prelu: 'activationLens.rewriteWithPRelu',
  elu: 'activationLens.rewriteWithElu',
  selu: 'activationLens.rewriteWithSelu',
  celu: 'activationLens.rewriteWithCelu',
  silu: 'activationLens.rewriteWithSilu',
  gelu: 'activationLens.rewriteWithGelu',
};

export interface RewriteArgs {
  uri?: vscode.Uri | string;
  variant?: VariantId;
  params?: Record<string, number>;
  /** Explicit node names; or a scope to choose them. */
  nodes?: string[];
  scope?: 'flagged' | 'all' | 'choose';
  /** The new file; no save dialog when given. */
  output?: string;
  force?: boolean;
}

const DEAD_RULES = new Set(['bn-relu-dead', 'bn-relu-inactive', 'linear-relu-dead', 'linear-relu-negative-bias', 'dead-units', 'dying-units']);

/** ReLU node / layer names of a model (what a rewrite can replace). */
async function reluNames(uri: vscode.Uri): Promise<string[]> {
  const model = await loadModel(uri.fsPath);
  const index = new GraphIndex(model.graph);
  const sites = reluSites(index).filter((s) => (model.format === 'onnx' ? s.node.opType === 'Relu' : s.op === 'Relu'));
  return sites.map((s) => s.node.name);
}

function flaggedNames(uri: vscode.Uri, relus: string[]): string[] {
  const f = findingsFor(uri)?.analysis.findings ?? [];
  const names = new Set(f.filter((x) => x.severity !== 'info' && DEAD_RULES.has(x.rule)).map((x) => x.node));
  return relus.filter((n) => names.has(n));
}

async function pickVariant(): Promise<VariantId | undefined> {
  const items = VARIANTS.map((id) => ({ id, label: VARIANT_INFO[id].label, description: Object.entries(VARIANT_INFO[id].params).map(([k, v]) => `${k} ${+v.toPrecision(4)}`).join(', '), detail: `${VARIANT_INFO[id].reason} — ${VARIANT_INFO[id].cost}` }));
  return (await vscode.window.showQuickPick(items, { title: 'Write a copy with…', placeHolder: 'Replace ReLU with' }))?.id;
}

async function pickParams(variant: VariantId, uri: vscode.Uri): Promise<Record<string, number> | undefined> {
  if (variant !== 'leaky-relu' && variant !== 'elu' && variant !== 'celu') return {};
  const fallback = variant === 'leaky-relu' ? vscode.workspace.getConfiguration('activationLens.analysis', uri).get<number>('leakyReluAlpha', 0.01) : 1;
  const text = await vscode.window.showInputBox({
    title: `${VARIANT_INFO[variant].label}: alpha`,
    value: String(fallback),
    prompt: variant === 'leaky-relu' ? 'Negative slope (PyTorch default 0.01; Keras/TF.js LeakyReLU layer 0.3; tf.nn 0.2)' : 'alpha',
    validateInput: (v) => (Number.isFinite(Number(v)) && v.trim() !== '' && !(variant === 'celu' && Number(v) === 0) ? undefined : 'a number (CELU: not 0)'),
  });
  return text === undefined ? undefined : { alpha: Number(text) };
}

function defaultParams(variant: VariantId, uri: vscode.Uri): Record<string, number> {
  if (variant !== 'leaky-relu') return {};
  return { alpha: vscode.workspace.getConfiguration('activationLens.analysis', uri).get<number>('leakyReluAlpha', 0.01) };
}

async function pickNodes(uri: vscode.Uri, args: RewriteArgs): Promise<string[] | undefined | null> {
  if (args.nodes?.length) return args.nodes;
  const relus = await reluNames(uri);
  if (!relus.length) throw new ModelError(`${path.basename(uri.fsPath)} has no ReLU to replace`);
  const flagged = flaggedNames(uri, relus);
  let scope = args.scope;
  if (!scope) {
    const items: (vscode.QuickPickItem & { id: 'flagged' | 'all' | 'choose' })[] = [];
    if (flagged.length) items.push({ id: 'flagged', label: `All flagged ReLU nodes (${flagged.length})`, detail: flagged.slice(0, 8).join(', ') + (flagged.length > 8 ? ', …' : '') });
    items.push({ id: 'all', label: `All ReLU nodes (${relus.length})` }, { id: 'choose', label: 'Choose nodes…' });
    scope = (await vscode.window.showQuickPick(items, { title: 'Which ReLU nodes?' }))?.id;
    if (!scope) return null;
  }
  if (scope === 'all') return undefined;
  if (scope === 'flagged') {
    if (!flagged.length) throw new ModelError(`${path.basename(uri.fsPath)} has no flagged ReLU nodes (scan it first)`);
    return flagged;
  }
  const picked = await vscode.window.showQuickPick(relus.map((n) => ({ label: n, picked: flagged.includes(n) })), { canPickMany: true, title: 'Replace these ReLU nodes' });
  if (!picked?.length) return null;
  return picked.map((p) => p.label);
}

function defaultOutput(uri: vscode.Uri, variant: VariantId): vscode.Uri {
  const ext = path.extname(uri.fsPath);
  const stem = uri.fsPath.slice(0, uri.fsPath.length - ext.length);
  return vscode.Uri.file(`${stem}-${variant}${ext}`);
}

export async function rewriteModelCommand(arg?: unknown): Promise<ModelRewriteResult | undefined> {
  const args: RewriteArgs = arg instanceof vscode.Uri ? { uri: arg } : arg && typeof arg === 'object' ? (arg as RewriteArgs) : {};
  let uri = typeof args.uri === 'string' ? vscode.Uri.file(args.uri) : args.uri ?? activeModel(undefined);
  if (!uri) uri = (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Rewrite Model', filters: { Models: ['onnx', 'json'] } }))?.[0];
  if (!uri) return undefined;
  const model = uri;
  try {
    const variant = args.variant ?? (await pickVariant());
    if (!variant) return undefined;
    // A variant chosen from the list gets its parameter asked; a named one ("Write a Copy with
    // Leaky ReLU…", quick fixes) uses the defaults (Leaky ReLU: the leakyReluAlpha setting).
    const params = args.params ?? (args.variant ? defaultParams(variant, model) : await pickParams(variant, model));
    if (!params) return undefined;
    const nodes = await pickNodes(model, args);
    if (nodes === null) return undefined;
    let output = args.output ? vscode.Uri.file(args.output) : undefined;
    let force = args.force ?? false;
    if (!output) {
      output = await vscode.window.showSaveDialog({ defaultUri: defaultOutput(model, variant), title: `Write a copy with ${VARIANT_INFO[variant].label}`, filters: model.fsPath.endsWith('.json') ? { 'TF.js model': ['json'] } : { ONNX: ['onnx'] } });
      if (!output) return undefined;
      force = true; // the save dialog already asked before replacing a file
    }
    const out = output;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Writing ${path.basename(out.fsPath)}` }, () =>
      rewriteModel(model.fsPath, out.fsPath, { variant, params: { ...VARIANT_INFO[variant].params, ...params }, nodes, force }),
    );
    if (!args.output) {
      const msg = `Activation Lens: wrote ${path.basename(result.output)} — ${result.replaced.length} ReLU${result.replaced.length === 1 ? '' : 's'} → ${result.written}${result.notes.length ? ` (${result.notes.join('; ')})` : ''}`;
      void vscode.window.showInformationMessage(msg, 'Open', 'Compare with Original').then((a) => {
        if (a === 'Open') void vscode.commands.executeCommand('activationLens.openModel', vscode.Uri.file(result.output));
        if (a === 'Compare with Original') void compareWithOriginal(model, vscode.Uri.file(result.output));
      });
    }
    return result;
  } catch (e) {
    const message = e instanceof ModelError ? e.message : e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`Activation Lens: ${message}`);
    if (args.output) throw e instanceof Error ? e : new Error(message);
    return undefined;
  }
}

export function registerRewriteCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(REWRITE_COMMAND, rewriteModelCommand));
  for (const id of VARIANTS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(VARIANT_COMMANDS[id], (arg?: unknown) => {
        const args: RewriteArgs = arg instanceof vscode.Uri ? { uri: arg } : arg && typeof arg === 'object' ? (arg as RewriteArgs) : {};
        return rewriteModelCommand({ ...args, variant: id });
      }),
    );
  }
}
