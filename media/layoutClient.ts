// Lays graphs out in a web worker when one can be started, else on the UI thread.
// VS Code webviews cannot start a Worker from their resource origin, so the worker script is
// fetched (CSP connect-src) and started from a blob: URL (CSP worker-src blob:).
import { CompoundLayout, type CompoundInput, type CompoundResult } from './compoundLayout';

type Pending = { resolve: (r: CompoundResult) => void; reject: (e: Error) => void };

export class LayoutClient {
  private worker?: Worker;
  private starting?: Promise<Worker | undefined>;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Where the last layout ran, for the status line and tests. */
  lastRunner: 'worker' | 'main' = 'main';

  constructor(private readonly scriptUrl: string | undefined) {}

  /** The UI thread's layout (and cache) when no worker can run. */
  private readonly local = new CompoundLayout();

  /** Starts the worker (and warms its JIT on a small graph) while the model is still loading. */
  warmUp(): void {
    void this.start().then((w) => {
      if (!w) return;
      // A residual chain with fan-outs in a few nested clusters exercises every phase (ports,
      // dummies, sweeps, placement), so the JIT has optimised the layout code before the real
      // graph arrives: measured on a 20,000-node model, a cold worker took ~700 ms for what a
      // warm one does in ~250 ms.
      for (let round = 0; round < 2; round++) w.postMessage({ id: 0, ...warmUpGraph(2500) });
    });
  }

  private start(): Promise<Worker | undefined> {
    this.starting ??= (async () => {
      if (!this.scriptUrl || typeof Worker === 'undefined') return undefined;
      try {
        const res = await fetch(this.scriptUrl);
        if (!res.ok) return undefined;
        const blob = new Blob([await res.text()], { type: 'text/javascript' });
        const w = new Worker(URL.createObjectURL(blob));
        w.onmessage = (ev: MessageEvent<{ id: number; result?: CompoundResult; error?: string }>) => {
          const p = this.pending.get(ev.data.id);
          if (!p) return;
          this.pending.delete(ev.data.id);
          if (ev.data.result) p.resolve(ev.data.result);
          else p.reject(new Error(ev.data.error ?? 'layout failed'));
        };
        w.onerror = () => {
          // A worker that dies (CSP, crash) hands its requests back to the UI thread.
          this.worker = undefined;
          for (const [, p] of this.pending) p.reject(new Error('layout worker failed'));
          this.pending.clear();
        };
        this.worker = w;
        return w;
      } catch {
        return undefined;
      }
    })();
    return this.starting;
  }

  async layout(input: CompoundInput): Promise<CompoundResult> {
    const w = await this.start();
    if (w && this.worker) {
      try {
        const r = await new Promise<CompoundResult>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve, reject });
          w.postMessage({ id, ...input });
        });
        this.lastRunner = 'worker';
        return r;
      } catch {
        /* fall through to the UI thread */
      }
    }
    this.lastRunner = 'main';
    return this.local.run(input);
  }
}

/** A residual chain of n boxes in four nested clusters (model id -1: never a real model's cache). */
function warmUpGraph(n: number): CompoundInput {
  const edges: number[] = [], keys: number[] = [];
  for (let i = 1; i < n; i++) {
    edges.push(i - 1, i);
    keys.push(i - 1);
    if (i % 4 === 0) edges.push(i - 4, i), keys.push(i - 4);
    if (i % 9 === 0) edges.push(i - 9, i), keys.push(i - 9);
  }
  const frame = Int32Array.from({ length: n }, (_, i) => Math.min(4, Math.floor((i * 5) / n)));
  return {
    model: -1,
    direction: 'TB',
    widths: new Float64Array(n).fill(100),
    heights: new Float64Array(n).fill(40),
    itemFrame: frame,
    itemKey: Int32Array.from({ length: n }, (_, i) => i),
    frameParent: Int32Array.from([-1, 0, 1, 0, 3]),
    frameKey: Int32Array.from([0, 1, 2, 3, 4]),
    frameMinWidth: new Float64Array(5).fill(80),
    edges: Int32Array.from(edges),
    edgeKey: Int32Array.from(keys),
  };
}
