// `npm run package`: a production esbuild bundle, then @vscode/vsce packs activation-lens-<version>.vsix.
// The bundles carry all JavaScript dependencies, so node_modules stays out (--no-dependencies);
// .vscodeignore lists what ships (dist/, package.json, docs), everything else stays out.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
export function packageExtension({ out, production = true, quiet = false, reuse = false } = {}) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const vsix = out ?? join(repoRoot, `${pkg.name}-${pkg.version}.vsix`);
  mkdirSync(dirname(vsix), { recursive: true });
  const cacheDir = join(cacheRoot, 'vsix');
  const cached = join(cacheDir, `${pkg.name}-${pkg.version}-${production ? 'prod' : 'dev'}-${inputsHash()}.vsix`);
  if (reuse && existsSync(cached)) {
    copyFileSync(cached, vsix);
    return vsix;
  }
  run(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : [])]);
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix]);
  if (reuse) {
    // Keep only the latest packed VSIX in the cache.
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    copyFileSync(vsix, cached);
  }
  if (!quiet) {
    // List what went in, so a stray file in the package is visible at a glance.
    const listing = run(process.execPath, [vsce, 'ls', '--no-dependencies']).trim().split('\n');
    console.log(`${relative(process.cwd(), vsix) || vsix}: ${(statSync(vsix).size / 1024).toFixed(1)} KiB, ${listing.length} files`);
    for (const f of listing) console.log(`  ${f}`);
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
    packageExtension();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
}
