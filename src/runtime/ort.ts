// Loads onnxruntime-web's Node build (WebAssembly, no native code) and points it at its wasm files.
//
// `require` rather than `import`: esbuild resolves an `import` of onnxruntime-web to its ESM build,
// whose `import.meta.url` is empty inside our CommonJS bundles (measured: createRequire throws at
// load). The CommonJS build (dist/ort.node.min.js) works both from node_modules (tests, tsx) and
// bundled, where it loads ort-wasm-simd-threaded.{mjs,wasm} copied next to the bundle by
// scripts/build.mjs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export type Ort = typeof import('onnxruntime-web');

let ortModule: Ort | undefined;
let configuredThreads = -1;

/** The wasm runtime, configured for `threads` compute threads. Default 1: on the 2-core machine
 *  2 threads were no faster and often slower (scripts/bench-runtime.ts: ResNet-18 224×224,
 *  32 samples, 9.9 s vs 18.0 s; MobileNetV2×0.25, 128 samples, 1.0 s vs 1.1 s), and the second
 *  core is better spent on the statistics thread. */
export function getOrt(threads = 1): Ort {
  if (!ortModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ortModule = require('onnxruntime-web') as Ort;
    const dir = wasmDir();
    if (dir) ortModule.env.wasm.wasmPaths = pathToFileURL(dir + path.sep).href;
    ortModule.env.logLevel = 'fatal';
  }
  // numThreads is read once, when the wasm module is first initialised.
  if (configuredThreads < 0) {
    ortModule.env.wasm.numThreads = Math.max(1, threads);
    configuredThreads = threads;
  }
  return ortModule;
}

/** The folder holding ort-wasm-simd-threaded.wasm: next to the running bundle (dist/) when it
 *  is there, else onnxruntime-web's own dist folder in node_modules. */
function wasmDir(): string | undefined {
  const candidates = [__dirname];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'ort-wasm-simd-threaded.wasm')) && fs.existsSync(path.join(c, 'ort-wasm-simd-threaded.mjs'))) return c;
  try {
    return path.dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  } catch {
    return undefined;
  }
}
