// Loads onnxruntime-node, the native onnxruntime binding, when its binary is present and loads on
// this platform; otherwise says why, so the run can fall back to onnxruntime-web (wasm).
//
// Where the binary comes from: from sources (tests, tsx) the npm package in node_modules; in the
// bundles (dist/), scripts/build.mjs rewrites the binding's require to
// dist/onnxruntime/<platform>-<arch>/onnxruntime_binding.node, which a platform VSIX carries and
// the universal VSIX does not. onnxruntime-node is an N-API addon, so the same binary loads in
// Node and in VS Code's Electron (ELECTRON_RUN_AS_NODE) whatever their ABI versions.

export type NativeOrt = typeof import('onnxruntime-node');

/** onnxruntime-node's backend object: sessions are made through it directly, not through
 *  onnxruntime-common's registry, which onnxruntime-web shares in the same process. In that
 *  registry a backend registered under a name already taken is never replaced, whatever its
 *  priority (onnxruntime-common 1.30 backend-impl.js: only the sorted list is updated), so once
 *  onnxruntime-web has registered 'cpu', InferenceSession.create({executionProviders: ['cpu']})
 *  would give a wasm session (measured: "Module.MountedFiles is not available" from a native run
 *  after a wasm one). */
export interface NativeSessionBackend {
  createInferenceSessionHandler(model: Uint8Array | string, options: object): Promise<NativeSessionHandler>;
}

export interface NativeSessionHandler {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly unknown[];
  outputMetadata: readonly unknown[];
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Promise<Record<string, unknown>>;
  dispose(): Promise<void>;
}

export type NativeLoad = { ort: NativeOrt; backend: NativeSessionBackend; version: string } | { ort?: undefined; reason: string };

let cached: NativeLoad | undefined;

/** Test hook: pretend the binary is absent (as in the universal VSIX). */
export const NATIVE_UNAVAILABLE_ENV = 'ACTIVATION_LENS_TEST_NO_NATIVE';

export function loadNativeOrt(): NativeLoad {
  if (cached) return cached;
  if (process.env[NATIVE_UNAVAILABLE_ENV]) {
    cached = { reason: `no onnxruntime-node binary for ${process.platform}-${process.arch} in this installation` };
    return cached;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as NativeOrt;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const backend = (require('onnxruntime-node/dist/backend') as { onnxruntimeBackend: NativeSessionBackend }).onnxruntimeBackend;
    ort.env.logLevel = 'error';
    cached = { ort, backend, version: ort.env.versions.node ?? ort.env.versions.common ?? '' };
  } catch (e) {
    cached = { reason: describeLoadError(e) };
  }
  return cached;
}

function describeLoadError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const where = `${process.platform}-${process.arch}`;
  if (err?.code === 'MODULE_NOT_FOUND' || /Cannot find module/.test(err?.message ?? '')) return `no onnxruntime-node binary for ${where} in this installation`;
  const first = String(err?.message ?? e).split('\n')[0].slice(0, 300);
  return `onnxruntime-node does not load on ${where}: ${first}`;
}
