// Where the runtime's helper scripts are: next to the running bundle (dist/), or from sources
// (tests, tsx) the .ts file run through tsx.
import * as fs from 'node:fs';
import * as path from 'node:path';

function entry(bundle: string, source: string): { file: string; execArgv: string[] } {
  const bundled = path.join(__dirname, bundle);
  if (fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  const src = path.join(__dirname, source);
  if (fs.existsSync(src)) return { file: src, execArgv: ['--require', 'tsx/cjs'] };
  throw new Error(`${bundle} not found next to ${__dirname}`);
}

/** The statistics thread (src/runtime/statsWorker.ts → dist/stats-worker.js). */
export function statsWorkerEntry(): { file: string; execArgv: string[] } {
  return entry('stats-worker.js', 'statsWorker.ts');
}

/** The runtime child process (src/runtime/runChild.ts → dist/runtime-child.js). */
export function childEntry(): { file: string; execArgv: string[] } {
  return entry('runtime-child.js', 'runChild.ts');
}
