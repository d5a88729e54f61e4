// `npm run package`: a production esbuild bundle, then @vscode/vsce packs activation-lens-<version>.vsix.
// The bundles carry all JavaScript dependencies, so node_modules stays out (--no-dependencies);
// .vscodeignore lists what ships (dist/, package.json, docs), everything else stays out.
//
// `npm run package` makes the universal VSIX: no native code, runs on onnxruntime-web (wasm).
// `npm run package -- --target linux-x64` (any vsce target) makes a platform VSIX that also
// carries that platform's onnxruntime-node binary (dist/onnxruntime/<platform>-<arch>/), so
// runs use the native runtime; targets onnxruntime-node has no binary for get a wasm-only VSIX.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheRoot, repoRoot } from './codeserver.mjs';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A hash of everything the VSIX is made from (sources, manifest, build script, locked dependencies). */
function inputsHash() {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  for (const dir of ['src', 'media']) if (existsSync(join(repoRoot, dir))) walk(dir);
  files.push(...['package.json', 'package-lock.json', 'scripts/build.mjs', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE'].filter((f) => existsSync(join(repoRoot, f))));
  const h = createHash('sha256');
  for (const f of files.sort()) h.update(`${f}\0`).update(readFileSync(join(repoRoot, f)));
  return h.digest('hex').slice(0, 16);
}

/**
 * Builds and packs the extension; returns the VSIX path. `out` overrides where it is written.
 * With `reuse`, a VSIX packed from identical inputs earlier (cached in ~/.cache/activation-lens/vsix)
 * is copied instead of rebuilding, so consecutive test suites package once.
 */
/** vsce targets and the onnxruntime-node binary folder each one carries (none: wasm only). */
export const NATIVE_FOLDERS = {
  'win32-x64': 'win32-x64', 'win32-arm64': 'win32-arm64', 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64',
  'darwin-arm64': 'darwin-arm64', 'linux-armhf': undefined, 'alpine-x64': undefined, 'alpine-arm64': undefined, 'darwin-x64': undefined, web: undefined,
};

/** The vsce target of this machine, for a platform VSIX that runs here (tests). */
export function hostTarget() {
  return `${process.platform}-${process.arch}`;
}

export function packageExtension({ out, production = true, quiet = false, reuse = false, target } = {}) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  if (target !== undefined && !(target in NATIVE_FOLDERS)) throw new Error(`unknown target '${target}'; vsce targets: ${Object.keys(NATIVE_FOLDERS).join(', ')}`);
  const native = target ? NATIVE_FOLDERS[target] : undefined;
  const vsix = out ?? join(repoRoot, `${pkg.name}-${target ? `${target}-` : ''}${pkg.version}.vsix`);
  mkdirSync(dirname(vsix), { recursive: true });
  const cacheDir = join(cacheRoot, 'vsix');
  const cached = join(cacheDir, `${pkg.name}-${pkg.version}-${production ? 'prod' : 'dev'}-${target ?? 'universal'}-${inputsHash()}.vsix`);
  if (reuse && existsSync(cached)) {
    copyFileSync(cached, vsix);
    return vsix;
  }
  run(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : []), '--native-target', native ?? 'none']);
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  // The platform VSIX allow-lists its binary folder on top of .vscodeignore (whose file-type
  // allow-list keeps .node/.so/.dll/.dylib out of the universal one).
  const args = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix];
  let ignoreFile;
  if (target) {
    args.push('--target', target);
    if (native) {
      ignoreFile = join(cacheRoot, `vscodeignore-${process.pid}`);
      mkdirSync(cacheRoot, { recursive: true });
      writeFileSync(ignoreFile, `${readFileSync(join(repoRoot, '.vscodeignore'), 'utf8')}\n!dist/onnxruntime/${native}/**\n`);
      args.push('--ignoreFile', ignoreFile);
    } else if (!quiet) {
      console.log(`note: onnxruntime-node ships no binary for ${target}; this VSIX runs on onnxruntime-web (wasm) only`);
    }
  }
  try {
    run(process.execPath, args);
    if (!quiet) {
      // List what went in, so a stray file in the package is visible at a glance.
      const listing = run(process.execPath, [vsce, 'ls', '--no-dependencies', ...(ignoreFile ? ['--ignoreFile', ignoreFile] : [])]).trim().split('\n');
      console.log(`${relative(process.cwd(), vsix) || vsix}: ${(statSync(vsix).size / 1024).toFixed(1)} KiB, ${listing.length} files`);
      for (const f of listing) console.log(`  ${f}`);
    }
  } finally {
    if (ignoreFile) rmSync(ignoreFile, { force: true });
  }
  if (reuse) {
    // Keep only the latest packed VSIX of each kind in the cache.
    for (const f of existsSync(cacheDir) ? readdirSync(cacheDir) : []) if (f.includes(`-${target ?? 'universal'}-`)) rmSync(join(cacheDir, f), { force: true });
    mkdirSync(cacheDir, { recursive: true });
    copyFileSync(vsix, cached);
  }
  return vsix;
}

/** Packs an extension folder as-is (no build), e.g. the integration test runner. */
export function packDirectory(dir, out) {
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out], { cwd: dir });
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const i = process.argv.indexOf('--target');
    const target = i >= 0 ? process.argv[i + 1] : undefined;
    const vsix = packageExtension({ target });
    const size = statSync(vsix).size / 2 ** 20;
    console.log(`\n${target ? `platform VSIX for ${target}` : 'universal VSIX (wasm only)'}: ${relative(process.cwd(), vsix) || vsix}, ${size.toFixed(1)} MiB`);
    // Both sizes side by side: the other kind's latest build, when one was made.
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    const others = readdirSync(repoRoot).filter((f) => f.endsWith('.vsix') && join(repoRoot, f) !== vsix && f.includes(version));
    for (const f of others) console.log(`${/-[a-z0-9]+-[a-z0-9]+-\d/.test(f) ? 'platform' : 'universal'} VSIX built earlier: ${f}, ${(statSync(join(repoRoot, f)).size / 2 ** 20).toFixed(1)} MiB`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
}
