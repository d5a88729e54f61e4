// Code actions: in Python (PyTorch, Keras, tf.nn) and TS/JS (TF.js) code, replace a ReLU with a
// variant written in that framework's API; on a model.json finding in the Problems panel, write a
// copy of the model with a variant (quick fix).
import * as vscode from 'vscode';
import { VARIANT_INFO, type VariantId } from '../analysis/suggestions';
import { findReluSites, replacementsFor } from './codeActionsText';
import { findingOfDiagnostic, SOURCE } from './diagnostics';
import { REWRITE_COMMAND, type RewriteArgs } from './rewriteCommand';

const CODE_LANGUAGES = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact'];

class ReluCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.RefactorRewrite, vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const cfg = vscode.workspace.getConfiguration('activationLens.analysis', doc.uri);
    if (!cfg.get<boolean>('codeActions', true)) return [];
    const text = doc.getText();
    const sites = findReluSites(text, doc.languageId);
    const at = doc.offsetAt(range.start);
    const end = doc.offsetAt(range.end);
    const alpha = cfg.get<number>('leakyReluAlpha', 0.01);
    const out: vscode.CodeAction[] = [];
    for (const site of sites) {
      if (end < site.start || at > site.end) continue;
      const target = new vscode.Range(doc.positionAt(site.start), doc.positionAt(site.end));
      for (const r of replacementsFor(site, alpha)) {
        const action = new vscode.CodeAction(r.title, vscode.CodeActionKind.RefactorRewrite);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, target, r.newText);
        action.isPreferred = r.variant === 'leaky-relu';
        out.push(action);
      }
    }
    return out;
  }
}

class ModelFindingQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    let flaggedOffered = false;
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE) continue;
      const f = findingOfDiagnostic(d);
      if (!f) continue;
      const variants = f.suggestions.map((s) => s.variant).filter((v): v is VariantId => v in VARIANT_INFO).slice(0, 3);
      for (const v of variants) {
        const args: RewriteArgs = { uri: doc.uri, variant: v, nodes: [f.node] };
        const a = new vscode.CodeAction(`Write a copy with ${VARIANT_INFO[v].label} for '${f.node}'…`, vscode.CodeActionKind.QuickFix);
        a.command = { command: REWRITE_COMMAND, title: a.title, arguments: [args] };
        a.diagnostics = [d];
        a.isPreferred = v === 'leaky-relu';
        out.push(a);
      }
      if (!flaggedOffered) {
        flaggedOffered = true;
        const all = new vscode.CodeAction('Write a copy with Leaky ReLU for all flagged ReLU layers…', vscode.CodeActionKind.QuickFix);
        all.command = { command: REWRITE_COMMAND, title: all.title, arguments: [{ uri: doc.uri, variant: 'leaky-relu', scope: 'flagged' } satisfies RewriteArgs] };
        out.push(all);
        const other = new vscode.CodeAction('Write a copy with another activation…', vscode.CodeActionKind.QuickFix);
        other.command = { command: REWRITE_COMMAND, title: other.title, arguments: [{ uri: doc.uri } satisfies RewriteArgs] };
        out.push(other);
      }
    }
    return out;
  }
}

export function registerCodeActions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      CODE_LANGUAGES.map((language) => ({ language })),
      new ReluCodeActions(),
      { providedCodeActionKinds: ReluCodeActions.kinds },
    ),
    vscode.languages.registerCodeActionsProvider([{ language: 'json' }, { language: 'jsonc' }], new ModelFindingQuickFixes(), { providedCodeActionKinds: ModelFindingQuickFixes.kinds }),
  );
}
