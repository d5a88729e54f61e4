// Entry of the statistics thread (bundled to dist/stats-worker.js): small, so it starts in
// milliseconds — it imports only the accumulator, not the runtimes.
import { parentPort } from 'node:worker_threads';
import { serveStats } from './statsThread';

if (parentPort) serveStats(parentPort);
