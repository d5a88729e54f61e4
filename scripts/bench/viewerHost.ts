// The viewer's host side in a process of its own, for scripts/bench-viewer.ts: VS Code runs
// extensions in the extension host, a process apart from the webview's, so a model is read while
// the webview boots. The benchmark bundles this file as the extension is bundled (esbuild,
// minified) and forks it once, before it opens a page; each `open` then starts a ViewerSession
// the way the extension's custom editor does (the read deferred 20 ms, src/extension/modelStore.ts).
import { loadModel } from '../../src/formats/load';
import { ViewerSession } from '../../src/extension/viewerGraph';
import type { HostMessage, WebviewMessage } from '../../src/protocol';

export type ToViewerHost = { type: 'open'; file: string } | { type: 'webview'; message: WebviewMessage } | { type: 'send'; message: HostMessage };
/** Host messages travel as JSON text, as VS Code's own postMessage does. */
export type FromViewerHost = { type: 'up' } | { type: 'post'; json: string; id: number };

let session: ViewerSession | undefined;
let next = 0;
const delivered = new Map<number, () => void>();

function post(m: HostMessage): Promise<void> {
  const id = next++;
  return new Promise((resolve) => {
    delivered.set(id, resolve);
    process.send!({ type: 'post', json: JSON.stringify(m), id } satisfies FromViewerHost);
  });
}

process.on('message', (m: ToViewerHost | { type: 'delivered'; id: number }) => {
  if (m.type === 'open') {
    const file = m.file;
    session = new ViewerSession(file, () => new Promise((resolve) => setTimeout(resolve, 20)).then(() => loadModel(file)), post);
    session.preload();
  } else if (m.type === 'webview') void session?.handle(m.message);
  else if (m.type === 'send') session?.send(m.message);
  else if (m.type === 'delivered') {
    delivered.get(m.id)?.();
    delivered.delete(m.id);
  }
});
process.send!({ type: 'up' } satisfies FromViewerHost);
