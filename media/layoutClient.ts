// Lays graphs out in a web worker when one can be started, else on the UI thread.
// VS Code webviews cannot start a Worker from their resource origin, so the worker script is
// fetched (CSP connect-src) and started from a blob: URL (CSP worker-src blob:).
import { layoutGraph, type LayoutInput, type LayoutResult } from './layout';

type Pending = { resolve: (r: LayoutResult) => void; reject: (e: Error) => void };

export class LayoutClient {
  private worker?: Worker;
  private starting?: Promise<Worker | undefined>;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Where the last layout ran, for the status line and tests. */
  lastRunner: 'worker' | 'main' = 'main';

  constructor(private readonly scriptUrl: string | undefined) {}

  /** Starts the worker (and warms its JIT on a small graph) while the model is still loading. */
  warmUp(): void {
    void this.start().then((w) => {
      if (!w) return;
      // A residual chain with fan-outs exercises every phase (dummies, sweeps, placement), so the
      // JIT has optimised the layout code before the real graph arrives: measured on a 20,000-node
      // model, a cold worker took ~700 ms for what a warm one does in ~250 ms.
      const n = 2500;
      const edges: number[] = [];
      for (let i = 1; i < n; i++) {
        edges.push(i - 1, i);
        if (i % 4 === 0) edges.push(i - 4, i);
        if (i % 9 === 0) edges.push(i - 9, i);
      }
      for (let round = 0; round < 2; round++) {
        w.postMessage({ id: 0, widths: new Float64Array(n).fill(100), heights: new Float64Array(n).fill(40), edges: Int32Array.from(edges), direction: 'TB' });
      }
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
        w.onmessage = (ev: MessageEvent<{ id: number; result?: LayoutResult; error?: string }>) => {
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

  async layout(input: LayoutInput): Promise<LayoutResult> {
    const w = await this.start();
    if (w && this.worker) {
      try {
        const r = await new Promise<LayoutResult>((resolve, reject) => {
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
    return layoutGraph(input);
  }
}
