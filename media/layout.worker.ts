// Runs the graph layout off the UI thread. Started from a blob: URL by media/layoutClient.ts.
import { layoutGraph, type LayoutInput } from './layout';

interface Request extends LayoutInput {
  id: number;
}

self.onmessage = (ev: MessageEvent<Request>) => {
  const { id, ...input } = ev.data;
  try {
    const r = layoutGraph(input);
    (self as unknown as Worker).postMessage({ id, result: r }, [r.x.buffer, r.y.buffer, r.layer.buffer, r.edgeStart.buffer, r.edgeCount.buffer, r.points.buffer]);
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
