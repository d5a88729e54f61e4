// One read per model file for every feature of the extension host. Opening a model used to read
// it three times on the extension host's one thread: the viewer, the Problems scan and the
// glossary's per-model counts, each on its own. Measured in code-server on a 100,000-node model
// (test/ui/viewer-scale.test.ts): the webview began loading 3.4–3.9 s after the double-click,
// because the other two reads ran first. Now they share one promise, keyed by the file's identity
// (size, mtime, inode), so a changed file is read again. Core models are never mutated by their
// readers here (viewer graph, rules, glossary counts), which is what makes sharing safe.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../core/model';
import { loadModel } from '../formats/load';

/** Models kept after their last user is gone: enough for the viewer, the scan and the glossary
 *  of the files in view; a 100,000-node model holds ≈ 250 MB. */
const KEEP = 3;

interface Entry {
  stamp: string;
  model: Promise<Model>;
}

const entries = new Map<string, Entry>();

/** Identity of a file's content as the file system tells it (no read): size, mtime, inode. */
export function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    return 'missing';
  }
}

/** The model in `file`, read once while the file stays the same. A failed read is not kept. */
export function sharedModel(file: string): Promise<Model> {
  const key = path.resolve(file);
  const stamp = fileStamp(key);
  const known = entries.get(key);
  if (known && known.stamp === stamp && stamp !== 'missing') {
    // Most recently used last, so the oldest is dropped first.
    entries.delete(key);
    entries.set(key, known);
    return known.model;
  }
  // Readers parse synchronously: start a little later, so what the caller does next (the viewer
  // sets its webview's HTML and returns) reaches the workbench before this thread is busy
  // reading. Measured in code-server on a 100,000-node model: the webview began loading 2.2 s
  // after the double-click when the read started on the next turn (setImmediate; VS Code's
  // message writer flushes on a timer), 0.17–0.20 s after with this delay.
  const model = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => loadModel(file));
  const entry: Entry = { stamp, model };
  entries.set(key, entry);
  model.catch(() => {
    if (entries.get(key) === entry) entries.delete(key);
  });
  while (entries.size > KEEP) entries.delete(entries.keys().next().value as string);
  return model;
}

/** Drops a file's model (its last tab closed). */
export function forgetModel(file: string): void {
  entries.delete(path.resolve(file));
}
