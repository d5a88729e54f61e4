// `npm run package`: a production esbuild bundle, then @vscode/vsce packs activation-lens-<version>.vsix.
// The bundles carry all JavaScript dependencies, so node_modules stays out (--no-dependencies);
// .vscodeignore lists what ships (dist/, package.json, docs), everything else stays out.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './codeserver.mjs';

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Builds and packs the extension; returns the VSIX path. `out` overrides where it is written. */
export function packageExtension({ out, production = true, quiet = false } = {}) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const vsix = out ?? join(repoRoot, `${pkg.name}-${pkg.version}.vsix`);
  mkdirSync(dirname(vsix), { recursive: true });
  run(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : [])]);
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix]);
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
