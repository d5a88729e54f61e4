// Feeds the hover card's "in open model" line: for every model open in the Activation Lens viewer,
// how many layers apply each activation, the dead-unit share measured by the latest run (if any),
// and a command link that selects the first such layer in the viewer.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sharedModel } from './modelStore';
import { countActivationEntries, setModelActivationCounts, type ActivationUsage, type ModelActivationCount } from '../glossary';
import { getRunResult, onDidChangeRunResults } from './runResults';
import { afterViewers, postToViewers, VIEW_TYPE_JSON, VIEW_TYPE_ONNX } from './viewer';

export const REVEAL_LAYER_COMMAND = 'activationLens.glossary.revealLayer';

interface CachedCounts {
  mtime: number;
  counts: Map<string, ModelActivationCount>;
}

const cache = new Map<string, CachedCounts>();

function openModelUris(): vscode.Uri[] {
  const uris = new Map<string, vscode.Uri>();
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
    const input = tab.input;
    if (input instanceof vscode.TabInputCustom && (input.viewType === VIEW_TYPE_ONNX || input.viewType === VIEW_TYPE_JSON)) uris.set(input.uri.toString(), input.uri);
  }
  return [...uris.values()];
}

/** A model's layers per glossary entry, counted once its viewers have their first picture (the
 *  count shares the extension host's thread with them). */
async function countsAfterViewers(uri: vscode.Uri): Promise<Map<string, ModelActivationCount>> {
  await afterViewers(uri);
  return countActivationEntries(await sharedModel(uri.fsPath));
}

/** One refresh at a time: opening a model changes the tabs several times in a row, and each
 *  change used to count the same 100,000-node model again (≈0.1 s each on the host's thread). */
let refreshing: Promise<void> | undefined;
let again = false;
function refresh(): Promise<void> {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await refreshOnce();
    } while (again);
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

/** Re-reads the graphs of open models whose file changed; failures just leave a model out. */
async function refreshOnce(): Promise<void> {
  const open = openModelUris();
  const keep = new Set(open.map((u) => u.toString()));
  for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
  for (const uri of open) {
    if (uri.scheme !== 'file') continue;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      const cached = cache.get(uri.toString());
      if (cached && cached.mtime === stat.mtime) continue;
      cache.set(uri.toString(), { mtime: stat.mtime, counts: await countsAfterViewers(uri) });
    } catch {
      cache.delete(uri.toString());
    }
  }
}

/** Dead units over all units of the given layers in the latest run, when the run measured them. */
function measuredDeadShare(uri: vscode.Uri, nodes: string[]): number | undefined {
  const run = getRunResult(uri);
  if (!run) return undefined;
  const wanted = new Set(nodes);
  let dead = 0;
  let units = 0;
  for (const l of run.layers) {
    if (!wanted.has(l.node) || !l.units) continue;
    dead += l.deadUnits.length;
    units += l.units;
  }
  return units ? dead / units : undefined;
}

function usageFor(entryId: string): ActivationUsage[] {
  const rows: ActivationUsage[] = [];
  for (const [key, { counts }] of cache) {
    const c = counts.get(entryId);
    if (!c) continue;
    const uri = vscode.Uri.parse(key);
    const model = path.basename(uri.fsPath);
    rows.push({
      model,
      layers: c.layers,
      deadShare: measuredDeadShare(uri, c.nodes),
      reveal: c.nodes[0] ? { command: REVEAL_LAYER_COMMAND, args: [key, c.nodes[0]], label: `Show ${c.nodes[0]} in ${model}` } : undefined,
    });
  }
  return rows;
}

async function revealLayer(uriArg: unknown, node: unknown): Promise<void> {
  if (typeof uriArg !== 'string' || typeof node !== 'string') return;
  const uri = vscode.Uri.parse(uriArg);
  const viewType = uri.path.toLowerCase().endsWith('.json') ? VIEW_TYPE_JSON : VIEW_TYPE_ONNX;
  await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
  postToViewers(uri, { type: 'selectNode', node });
}

export function registerGlossaryUsage(context: vscode.ExtensionContext): void {
  const update = () => void refresh();
  context.subscriptions.push(
    setModelActivationCounts(usageFor),
    vscode.window.tabGroups.onDidChangeTabs(update),
    onDidChangeRunResults(update),
    vscode.commands.registerCommand(REVEAL_LAYER_COMMAND, revealLayer),
  );
  update();
}
