// Glossary hovers and commands inside real VS Code (code-server or desktop).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, waitFor } from './helpers';

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n---\n');
}

async function hoverAt(language: string, content: string, line: number, word: string): Promise<string> {
  const doc = await vscode.workspace.openTextDocument({ language, content });
  await vscode.window.showTextDocument(doc);
  const col = doc.lineAt(line).text.indexOf(word);
  assert.ok(col >= 0, `"${word}" not on line ${line}`);
  const pos = new vscode.Position(line, col + 1);
  // Language servers may still be starting; retry briefly until our card shows up.
  let text = '';
  const deadline = Date.now() + 10_000;
  do {
    text = hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? []);
    if (text.includes('Open full entry')) break;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  return text;
}

/** Untitled documents with content are dirty; revert them so closing prompts for nothing. */
async function closeScratchEditors(): Promise<void> {
  for (let i = 0; i < 20 && vscode.window.activeTextEditor; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await closeAllEditors();
}

describe('Glossary hovers and commands', () => {
  before(activateExtension);
  afterEach(closeScratchEditors);

  it('hovering nn.ReLU in Python shows the ReLU card with formula, range and a link to the full entry', async () => {
    const text = await hoverAt('python', 'import torch.nn as nn\n\nact = nn.ReLU(inplace=True)\n', 2, 'nn.ReLU');
    assert.match(text, /\*\*ReLU\*\*/);
    assert.ok(text.includes('f(x) = max(0, x)'), text);
    assert.ok(text.includes('Range'), text);
    assert.ok(text.includes('Dying ReLU'), text);
    assert.ok(text.includes(`command:activationLens.openGlossary?${encodeURIComponent('["relu"]')}`), text);
  });

  it("hovers a Keras/TF.js activation string in TypeScript, a model.json setting and a Markdown phrase", async () => {
    assert.match(await hoverAt('typescript', "model.add(tf.layers.dense({units: 8, activation: 'selu'}));\n", 0, 'selu'), /\*\*SELU\*\*/);
    assert.match(await hoverAt('json', '{\n  "activation": "elu"\n}\n', 1, 'elu'), /\*\*ELU\*\*/);
    assert.match(await hoverAt('markdown', '# Notes\n\nMost units suffer from the dying ReLU problem.\n', 2, 'dying'), /\*\*Dying ReLU\*\*/);
  });

  it('does not hover unrelated words', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'reluctant = True\n' });
    await vscode.window.showTextDocument(doc);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 3));
    const text = hoverText(hovers ?? []);
    assert.ok(!text.includes('Open full entry'), text);
  });

  it('"Open Glossary" opens the glossary panel at an entry', async () => {
    await vscode.commands.executeCommand('activationLens.openGlossary', 'leaky relu');
    const tab = await waitFor('the glossary panel', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('activationLens.glossary')),
    );
    assert.equal(tab.label, 'Activation Lens Glossary');
  });
});
