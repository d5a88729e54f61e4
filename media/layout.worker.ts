// Runs the graph layout off the UI thread. Started from a blob: URL by media/layoutClient.ts.
// The worker keeps the cluster layouts it computed (media/compoundLayout.ts), so opening a
// cluster lays out only that cluster and the clusters around it.
import { CompoundLayout, type CompoundInput } from './compoundLayout';

interface Request extends CompoundInput {
  id: number;
}

const compound = new CompoundLayout();

self.onmessage = (ev: MessageEvent<Request>) => {
  const { id, ...input } = ev.data;
  try {
    const r = compound.run(input);
    (self as unknown as Worker).postMessage({ id, result: r }, [r.x.buffer, r.y.buffer, r.frames.buffer, r.edgeStart.buffer, r.edgeCount.buffer, r.points.buffer]);
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
