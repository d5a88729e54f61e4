// Helpers for integration tests that drive the real `vscode` API inside the extension host.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'activation-lens.activation-lens';

/** The sample workspace (a scratch copy of samples/) the test run opened. */
export function workspaceFile(relativePath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration tests need a workspace folder (a copy of samples/)');
  return vscode.Uri.joinPath(folder.uri, ...relativePath.split('/'));
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  await ext.activate();
  return ext;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every tab showing `uri`, across all editor groups. */
export function tabsFor(uri: vscode.Uri): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => {
    const input = t.input as { uri?: vscode.Uri } | undefined;
    return input?.uri?.toString() === uri.toString();
  });
}

/** Waits until `uri` is open in a custom editor of `viewType` and returns that tab. */
export function waitForCustomEditor(uri: vscode.Uri, viewType: string): Promise<vscode.Tab> {
  return waitFor(`${uri.path} to open in the ${viewType} custom editor`, () =>
    tabsFor(uri).find((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === viewType),
  );
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Runs a provider command (vscode.executeCodeActionProvider, …) and runs it again when VS Code
 * cancels it: the workbench cancels a request whose document changed meanwhile (e.g. while the
 * freshly opened file is still being decorated), which is not a failure of our provider.
 */
export async function executeProvider<T>(command: string, ...args: unknown[]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await vscode.commands.executeCommand<T>(command, ...args);
    } catch (e) {
      const canceled = e instanceof Error && (e.name === 'Canceled' || e.message === 'Canceled');
      if (!canceled || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
