// Glossary hovers in code, notebooks, model.json and Markdown: the compact card for the activation
// name or term under the mouse. Matching lives in src/glossary/matcher.ts (unit-tested without vscode).
import * as vscode from 'vscode';
import { activationUsage, cardCommands, cardMarkdown, glossaryCard, termAtWindowed } from '../glossary';

export const HOVER_LANGUAGES = ['python', 'typescript', 'javascript', 'typescriptreact', 'javascriptreact', 'json', 'jsonc', 'markdown'];

/** `{ language }` also covers notebook cells of that language; the notebook filter makes Jupyter
 *  cells explicit for hosts that resolve cells by notebook type. */
export const HOVER_SELECTOR: vscode.DocumentFilter[] = [
  ...HOVER_LANGUAGES.map((language) => ({ language })),
  { notebookType: '*', language: 'python' },
];

export const HOVERS_SETTING = 'activationLens.glossaryHovers.enabled';

const PROSE_LANGUAGES = new Set(['markdown', 'json', 'jsonc']);

/** Code files only explain bare concept words ("gradient") inside comments; see MatchOptions. */
export function matchModeFor(languageId: string): 'code' | 'prose' {
  return PROSE_LANGUAGES.has(languageId) ? 'prose' : 'code';
}

export class GlossaryHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!vscode.workspace.getConfiguration().get<boolean>(HOVERS_SETTING, true)) return undefined;
    const line = document.lineAt(position.line).text;
    const match = termAtWindowed(line, position.character, { mode: matchModeFor(document.languageId) });
    if (!match) return undefined;
    const card = glossaryCard(match.entry, activationUsage(match.entry.id));
    const md = new vscode.MarkdownString(cardMarkdown(card));
    // Trust only the commands this card links to, nothing else (no HTML, no other command URIs).
    md.isTrusted = { enabledCommands: cardCommands(card) };
    md.supportHtml = false;
    return new vscode.Hover(md, new vscode.Range(position.line, match.start, position.line, match.end));
  }
}

export function registerHover(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerHoverProvider(HOVER_SELECTOR, new GlossaryHoverProvider()));
}
