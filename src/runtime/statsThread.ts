// The statistics thread's loop: folds captured batches into accumulators (statsSink.ts).
import type { MessagePort } from 'node:worker_threads';
import type { LayerAccumulator } from './statsAccumulator';
import { addItem, makeAccumulators, type FromStats, type ToStats } from './statsSink';

export function serveStats(port: MessagePort): void {
  let accs: LayerAccumulator[] = [];
  const send = (m: FromStats): void => port.postMessage(m);
  port.on('message', (m: ToStats) => {
    try {
      if (m.type === 'init') accs = makeAccumulators(m.cfg);
      else if (m.type === 'batch') {
        for (const it of m.items) addItem(accs, it);
        send({ type: 'ack', seq: m.seq });
      } else if (m.type === 'finish') send({ type: 'results', stats: accs.map((a) => a.result()) });
    } catch (e) {
      send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
}
