// TensorFlow.js and its wasm backend, as one module that the build bundles on its own
// (dist/tfjs-library.js) and the runtime requires only to run a TF.js model: ONNX runs never load
// it. In the runtime child's bundle it was 4.7 of 5.5 MB, and requiring that bundle took
// 99–111 ms, paid by every native ONNX run (scripts/build.mjs, "tfjs-library-external").
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');

/** The wasm backend (throws when its module does not load here: then the cpu backend runs). */
export function loadWasmBackend(): typeof import('@tensorflow/tfjs-backend-wasm') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
}
