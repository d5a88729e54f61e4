// Glossary hovers and commands inside real VS Code (code-server or desktop).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, waitFor, waitForCustomEditor, workspaceFile } from './helpers';

/** The hover contents as plain text (Markdown backslash escapes removed). */
function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n---\n')
    .replace(/\\(.)/g, '$1');
}

const EXT: Record<string, string> = { python: 'py', typescript: 'ts', json: 'json', markdown: 'md' };
let scratchCount = 0;

/** Saved files, not untitled ones: closing them never asks to save. */
async function scratchDocument(language: string, content: string): Promise<vscode.TextDocument> {
  const uri = workspaceFile(`glossary-scratch/doc${++scratchCount}.${EXT[language]}`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  const doc = await vscode.workspace.openTextDocument(uri);
  assert.equal(doc.languageId, language);
  await vscode.window.showTextDocument(doc);
  return doc;
}

async function hoversAt(doc: vscode.TextDocument, line: number, word: string): Promise<string> {
  const col = doc.lineAt(line).text.indexOf(word);
  assert.ok(col >= 0, `"${word}" not on line ${line}`);
  const pos = new vscode.Position(line, col + 1);
  return hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? []);
}

/** The hover text at `word`, retried briefly while the extension activates for the language. */
async function hoverAt(language: string, content: string, line: number, word: string, until = (t: string) => t.includes('Open full entry')): Promise<string> {
  const doc = await scratchDocument(language, content);
  let text = '';
  const deadline = Date.now() + 10_000;
  do {
    text = await hoversAt(doc, line, word);
    if (until(text)) break;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  return text;
}

describe('Glossary hovers and commands', () => {
  before(activateExtension);
  afterEach(closeAllEditors);

  it('hovering nn.ReLU in Python shows the ReLU card with formula, range and a link to the full entry', async () => {
    const text = await hoverAt('python', 'import torch.nn as nn\n\nact = nn.ReLU(inplace=True)\n', 2, 'nn.ReLU');
    assert.match(text, /\*\*ReLU\*\*/);
    assert.ok(text.includes('f(x) = max(0, x)'), text);
    assert.ok(text.includes('*Range:* [0, +∞)'), text);
    assert.ok(text.includes('Dying ReLU'), text);
    assert.ok(text.includes(`command:activationLens.openGlossary?${encodeURIComponent('["relu"]')}`), text);
  });

  it('hovers a Keras/TF.js activation string in TypeScript, a model.json setting and a Markdown phrase', async () => {
    assert.match(await hoverAt('typescript', "model.add(tf.layers.dense({units: 8, activation: 'selu'}));\n", 0, 'selu'), /\*\*SELU\*\*/);
    assert.match(await hoverAt('json', '{\n  "activation": "elu"\n}\n', 1, 'elu'), /\*\*ELU\*\*/);
    assert.match(await hoverAt('markdown', '# Notes\n\nMost units suffer from the dying ReLU problem.\n', 2, 'dying'), /\*\*Dying ReLU\*\*/);
  });

  it('hovers nn.SiLU in a Jupyter notebook code cell', async () => {
    const data = new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '# A small net', 'markdown'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'import torch.nn as nn\nact = nn.SiLU()', 'python'),
    ]);
    const nb = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
    await vscode.window.showNotebookDocument(nb);
    const cell = nb.cellAt(1).document;
    assert.equal(cell.languageId, 'python');
    let text = '';
    const deadline = Date.now() + 10_000;
    do {
      text = await hoversAt(cell, 1, 'nn.SiLU');
      if (text.includes('Open full entry')) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    assert.match(text, /\*\*SiLU \/ Swish\*\*/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('does not hover unrelated words', async () => {
    const doc = await scratchDocument('python', 'reluctant = True\nact = nn.ReLU()\n');
    // Wait until our provider answers at all (on nn.ReLU), then ask about "reluctant".
    const deadline = Date.now() + 10_000;
    while (!(await hoversAt(doc, 1, 'nn.ReLU')).includes('Open full entry') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const text = await hoversAt(doc, 0, 'reluctant');
    assert.ok(!text.includes('Open full entry'), text);
  });

  it('counts the layers of an open model in the card, adds the measured dead share after a run, and links to the layer', async () => {
    const model = workspaceFile('convnet.onnx');
    await vscode.commands.executeCommand('vscode.openWith', model, 'activationLens.modelViewer');
    await waitForCustomEditor(model, 'activationLens.modelViewer');
    const counted = (t: string) => t.includes('convnet.onnx: 2 layers');
    const text = await hoverAt('python', 'act = nn.ReLU()\n', 0, 'nn.ReLU', counted);
    assert.ok(counted(text), text);
    assert.ok(text.includes('command:activationLens.glossary.revealLayer'), text);
    const run = await vscode.commands.executeCommand('activationLens.runActivations', model, { samples: 2 });
    assert.ok(run, 'the run produced no result');
    const measured = (t: string) => /convnet\.onnx: 2 layers, [\d.]+ % dead units measured/.test(t);
    const after = await hoverAt('python', 'act = nn.ReLU()\n', 0, 'nn.ReLU', measured);
    assert.ok(measured(after), after);
  });

  it('"Open Glossary" opens the glossary panel at an entry', async () => {
    await vscode.commands.executeCommand('activationLens.openGlossary', 'leaky relu');
    const tab = await waitFor('the glossary panel', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('activationLens.glossary')),
    );
    assert.equal(tab.label, 'Activation Lens Glossary');
  });
});
