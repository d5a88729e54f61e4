// Bundles the extension host, the CLI and the webview with esbuild.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, mkdirSync, cpSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };

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

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
