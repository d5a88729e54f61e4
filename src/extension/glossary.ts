// Glossary wiring for VS Code: hovers, "Activation Lens: Open Glossary" and "Activation Lens:
// Explain Term". The data, matching and card live in src/glossary (no vscode there).
import * as vscode from 'vscode';
import { GLOSSARY, entryById, resolveTerm, termAtWindowed, type GlossaryEntry } from '../glossary';
import { disposeGlossaryPanel, openGlossaryPanel } from './glossaryPanel';
import { matchModeFor, registerHover } from './hover';
import { registerGlossaryUsage } from './glossaryUsage';

export const OPEN_GLOSSARY = 'activationLens.openGlossary';
export const EXPLAIN_TERM = 'activationLens.explainTerm';

/** Accepts an entry id (from command links), any alias, or nothing. */
function entryFromArg(arg: unknown): GlossaryEntry | undefined {
  if (typeof arg !== 'string') return undefined;
  return entryById(arg) ?? resolveTerm(arg);
}

/** The term under the cursor or in the selection of the active editor, if it is one. */
function termAtCursor(): GlossaryEntry | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const sel = editor.selection;
  if (!sel.isEmpty && sel.isSingleLine) {
    const picked = resolveTerm(editor.document.getText(sel));
    if (picked) return picked;
  }
  const line = editor.document.lineAt(sel.active.line).text;
  return termAtWindowed(line, sel.active.character, { mode: matchModeFor(editor.document.languageId) })?.entry;
}

interface EntryPick extends vscode.QuickPickItem {
  entry: GlossaryEntry;
}

async function explainTerm(arg?: unknown): Promise<void> {
  const direct = entryFromArg(arg);
  if (direct) {
    openGlossaryPanel(direct.id);
    return;
  }
  const atCursor = termAtCursor();
  const items: EntryPick[] = GLOSSARY.map((entry) => ({
    entry,
    label: entry.name,
    description: [...entry.aliases.pytorch.slice(0, 1), ...entry.aliases.onnx.slice(0, 1), ...entry.aliases.keras.slice(0, 1)].join(' · '),
    detail: entry.summary,
  }));
  const qp = vscode.window.createQuickPick<EntryPick>();
  qp.title = 'Activation Lens: Explain Term';
  qp.placeholder = 'Type a term or a framework name (nn.LeakyReLU, gelu, dying ReLU…)';
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.items = items;
  if (atCursor) qp.activeItems = items.filter((i) => i.entry === atCursor);
  const chosen = await new Promise<GlossaryEntry | undefined>((resolve) => {
    qp.onDidAccept(() => {
      // A typed alias that the list filter does not show (e.g. "tf.layers.leakyReLU") still resolves.
      resolve(qp.selectedItems[0]?.entry ?? qp.activeItems[0]?.entry ?? resolveTerm(qp.value));
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (chosen) openGlossaryPanel(chosen.id);
}

export function registerGlossary(context: vscode.ExtensionContext): void {
  registerHover(context);
  registerGlossaryUsage(context);
  context.subscriptions.push(
    vscode.commands.registerCommand(OPEN_GLOSSARY, (arg?: unknown) => {
      openGlossaryPanel((entryFromArg(arg) ?? termAtCursorIfInvokedFromEditor(arg))?.id);
    }),
    vscode.commands.registerCommand(EXPLAIN_TERM, explainTerm),
    { dispose: disposeGlossaryPanel },
  );
}

/** From the command palette (no argument) the glossary opens at the term under the cursor. */
function termAtCursorIfInvokedFromEditor(arg: unknown): GlossaryEntry | undefined {
  return arg === undefined ? termAtCursor() : undefined;
}

export { setModelActivationCounts } from '../glossary';
