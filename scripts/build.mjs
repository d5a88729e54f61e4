// Bundles the extension host, the CLI and the webview with esbuild.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, mkdirSync, cpSync, readFileSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none', plugins: [onnxruntimeNodeBinding(), tfjsLibraryExternal()] };

/** TensorFlow.js (src/runtime/tfjsLibrary.ts) is a bundle of its own, dist/tfjs-library.js, that
 *  the runtime requires only for TF.js models: inside the runtime child's bundle it made every
 *  ONNX run parse 4.7 MB it never uses (the child's bundle took 99–111 ms to require, 5.5 MB). */
function tfjsLibraryExternal() {
  return {
    name: 'tfjs-library-external',
    setup(build) {
      build.onResolve({ filter: /^\.\/tfjsLibrary$/ }, () => ({ path: './tfjs-library.js', external: true }));
    },
  };
}

/** onnxruntime-node requires its binary as `../bin/napi-v6/${platform}/${arch}/…node`; in our
 *  bundles it is dist/onnxruntime/<platform>-<arch>/ (copied below), present only where a
 *  platform build put it, so a universal build loads no native code and falls back to wasm. */
function onnxruntimeNodeBinding() {
  return {
    name: 'onnxruntime-node-binding',
    setup(build) {
      build.onLoad({ filter: /onnxruntime-node[\\/]dist[\\/]binding\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const rewritten = source.replace(/require\(`\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node`\)/, "require(require('path').join(__dirname, 'onnxruntime', process.platform + '-' + process.arch, 'onnxruntime_binding.node'))");
        if (rewritten === source) throw new Error('onnxruntime-node: binding.js no longer has the expected require; update scripts/build.mjs');
        return { contents: rewritten, loader: 'js' };
      });
    },
  };
}

/** Which platforms' onnxruntime-node binaries go to dist/onnxruntime/: this machine's (so the
 *  dev CLI and tests run native), and --native-target <platform>-<arch> (a vsce target such as
 *  linux-x64) for a platform VSIX. Only `npm run package -- --target T` ships one (its ignore
 *  file allow-lists that folder; .vscodeignore's file-type allow-list keeps binaries out). */
function nativeTargets() {
  const i = process.argv.indexOf('--native-target');
  const targets = new Set([`${process.platform}-${process.arch}`]);
  if (i >= 0 && process.argv[i + 1] !== 'none') targets.add(process.argv[i + 1]);
  return [...targets];
}

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node18', external: ['vscode'] },
  // The CLI is one small dispatcher plus one bundle per command (dist/cli-NAME.js, beside the
  // runtime's workers and wasm files, which bundles find through __dirname), so a
  // command parses only its own code: one 5.6 MB bundle made `--version` cost 0.24 s and
  // `inspect` 0.34 s as whole processes (`npm run bench`, "CLI start-up").
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node18', banner: { js: '#!/usr/bin/env node' }, plugins: [commandsExternal()], supported: { 'dynamic-import': false } },
  ...readdirSync('src/cli/commands')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ ...common, entryPoints: [`src/cli/commands/${f}`], outfile: `dist/cli-${f.replace(/\.ts$/, '.js')}`, platform: 'node', format: 'cjs', target: 'node18' })),
];

/** Leaves the dispatcher's `import('./commands/NAME')` as a run-time require of dist/cli-NAME.js. */
function commandsExternal() {
  return {
    name: 'cli-commands-external',
    setup(build) {
      build.onResolve({ filter: /^\.\/commands\/[\w-]+$/ }, (args) => ({ path: `./cli-${args.path.slice('./commands/'.length)}.js`, external: true }));
    },
  };
}
if (existsSync('media/main.ts')) {
  builds.push({ ...common, entryPoints: ['media/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' });
}
if (existsSync('media/layout.worker.ts')) {
  builds.push({ ...common, entryPoints: ['media/layout.worker.ts'], outfile: 'dist/layout.worker.js', platform: 'browser', format: 'iife', target: 'es2022' });
}
if (existsSync('src/runtime/worker.ts')) {
  builds.push({ ...common, entryPoints: ['src/runtime/worker.ts'], outfile: 'dist/runtime-worker.js', platform: 'node', format: 'cjs', target: 'node18' });
}
if (existsSync('src/runtime/runChild.ts')) {
  builds.push({ ...common, entryPoints: ['src/runtime/runChild.ts'], outfile: 'dist/runtime-child.js', platform: 'node', format: 'cjs', target: 'node18' });
  builds.push({ ...common, entryPoints: ['src/runtime/tfjsLibrary.ts'], outfile: 'dist/tfjs-library.js', platform: 'node', format: 'cjs', target: 'node18' });
}
if (existsSync('src/runtime/statsWorker.ts')) {
  builds.push({ ...common, entryPoints: ['src/runtime/statsWorker.ts'], outfile: 'dist/stats-worker.js', platform: 'node', format: 'cjs', target: 'node18' });
}

mkdirSync('dist', { recursive: true });
// Runtime assets the bundles load from disk at run time.
const assets = [
  ['node_modules/@vscode/codicons/dist/codicon.css', 'dist/codicon.css'],
  ['node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/codicon.ttf'],
  // onnxruntime-web (src/runtime/ort.ts) and the TF.js wasm backend (src/runtime/tfjsBackend.ts)
  ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', 'dist/ort-wasm-simd-threaded.mjs'],
  ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', 'dist/ort-wasm-simd-threaded.wasm'],
  ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm.wasm'],
  ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-simd.wasm'],
  ['node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm'],
];
for (const [from, to] of assets) if (existsSync(from)) cpSync(from, to);
// onnxruntime-node's binary (binding + libonnxruntime) per platform; its folder layout is
// bin/napi-v6/<platform>/<arch>/ in the npm package.
for (const target of nativeTargets()) {
  const [platform, arch] = target.split('-');
  const from = `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`;
  if (!existsSync(from)) continue; // no binary for it: runs there use wasm
  mkdirSync(`dist/onnxruntime/${platform}-${arch}`, { recursive: true });
  for (const f of readdirSync(from)) cpSync(`${from}/${f}`, `dist/onnxruntime/${platform}-${arch}/${f}`);
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
