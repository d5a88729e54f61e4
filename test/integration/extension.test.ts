// The extension inside real VS Code: activation, contributed commands, custom editors.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, tabsFor, waitForCustomEditor, workspaceFile } from './helpers';

interface Contributes {
  commands?: { command: string; category?: string }[];
  customEditors?: { viewType: string }[];
}

describe('Activation Lens in VS Code', () => {
  afterEach(closeAllEditors);

  it('activates in a workspace that is not trusted (Restricted Mode)', async () => {
    const ext = await activateExtension();
    assert.equal(ext.isActive, true);
    // In code-server the run opens the samples without trusting them, as a careful user would.
    if (process.env.AL_IT_MODE === 'code-server') assert.equal(vscode.workspace.isTrusted, false);
  });

  it('registers every command it contributes, all under the "Activation Lens" category', async () => {
    const ext = await activateExtension();
    const contributed = (ext.packageJSON.contributes as Contributes).commands ?? [];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c.command)).map((c) => c.command);
    assert.deepEqual(missing, [], 'contributed but not registered');
    const uncategorized = contributed.filter((c) => c.category !== 'Activation Lens').map((c) => c.command);
    assert.deepEqual(uncategorized, [], 'commands outside the Activation Lens category');
  });

  it('opens an .onnx file in the Activation Lens viewer by default', async () => {
    const uri = workspaceFile('convnet.onnx');
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await waitForCustomEditor(uri, 'activationLens.modelViewer');
    assert.equal(tab.isActive, true);
  });

  it('opens a TensorFlow.js model.json in the viewer with "Activation Lens: Open Model"', async () => {
    const uri = workspaceFile('tfjs-cnn/model.json');
    await vscode.commands.executeCommand('activationLens.openModel', uri);
    await waitForCustomEditor(uri, 'activationLens.modelViewerJson');
  });

  it('opens the model of the active JSON text editor with "Activation Lens: Open Model"', async () => {
    const uri = workspaceFile('tfjs-cnn/model.json');
    await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand('activationLens.openModel');
    await waitForCustomEditor(uri, 'activationLens.modelViewerJson');
  });

  it('opens several models side by side, each in its own viewer', async () => {
    const a = workspaceFile('mlp.onnx');
    const b = workspaceFile('dead_relu_mlp.onnx');
    await vscode.commands.executeCommand('vscode.open', a);
    await vscode.commands.executeCommand('vscode.open', b, vscode.ViewColumn.Beside);
    await waitForCustomEditor(a, 'activationLens.modelViewer');
    await waitForCustomEditor(b, 'activationLens.modelViewer');
    assert.notEqual(tabsFor(a)[0].group.viewColumn, tabsFor(b)[0].group.viewColumn, 'both viewers share one editor group');
  });

  it('leaves the model files untouched after viewing them', async () => {
    const uri = workspaceFile('convnet.onnx');
    const before = await vscode.workspace.fs.readFile(uri);
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitForCustomEditor(uri, 'activationLens.modelViewer');
    await closeAllEditors();
    const after = await vscode.workspace.fs.readFile(uri);
    assert.ok(Buffer.from(before).equals(Buffer.from(after)), 'convnet.onnx changed');
  });
});
