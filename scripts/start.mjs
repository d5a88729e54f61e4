// `npm start`: builds and packages the extension, installs it into a local VS Code (code-server,
// installed from the npm registry into ~/.cache/activation-lens), and serves it on 127.0.0.1 with
// a workspace of sample models. Prints the URL to open; Ctrl+C stops it.
//
//   npm start                       serve on 127.0.0.1:8080 (or the next free port; PORT=… to choose)
//   npm start -- --folder DIR       open DIR instead of the sample workspace
//   npm start -- --code             install the VSIX into the `code` on PATH instead and open the samples there
//   npm start -- --smoke            start as above, then check that VS Code answers and that the extension
//                                   is installed and opens a sample model in its viewer; stop; exit 0 or 1
//   npm start -- --verbose          show code-server's own log
//
// Before the one-time code-server install it checks the build prerequisites (scripts/prerequisites.mjs).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cacheRoot, checkInstallPrerequisites, ensureCodeServer, freePort, installExtensions, quietSettings, repoRoot, startCodeServer, writeUserSettings,
} from './codeserver.mjs';
import { cleanEnv } from './cleanEnv.mjs';
import { hostTarget, NATIVE_FOLDERS, packageExtension } from './package.mjs';
import { PrerequisiteError } from './prerequisites.mjs';
import { smokeTest } from './smoke.mjs';

const argv = process.argv.slice(2);
const FLAGS = ['--code', '--smoke', '--verbose'];
const WITH_VALUE = ['--port', '--folder'];
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const smoke = argv.includes('--smoke');
class UsageError extends Error {}

function checkArguments() {
  for (let i = 0; i < argv.length; i++) {
    if (WITH_VALUE.includes(argv[i])) {
      if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) throw new UsageError(`${argv[i]} needs a value`);
      i++;
    } else if (!FLAGS.includes(argv[i])) {
      throw new UsageError(`unknown option ${argv[i]} (options: ${[...WITH_VALUE.map((o) => `${o} …`), ...FLAGS].join(', ')})`);
    }
  }
  if (smoke && argv.includes('--code')) throw new UsageError('--smoke checks the code-server setup; it cannot be combined with --code');
}
const home = join(cacheRoot, 'start');

/** The sample workspace: a copy of samples/ that users may change freely (files they add or edit survive restarts). */
function sampleWorkspace() {
  const dir = join(home, 'workspace');
  mkdirSync(dir, { recursive: true });
  cpSync(join(repoRoot, 'samples'), dir, { recursive: true, force: false, filter: (src) => !/generate_\w+\.(py|mjs)$/.test(src) });
  return dir;
}

async function portToUse() {
  const wanted = Number(option('--port') ?? process.env.PORT ?? 8080);
  const free = await new Promise((res) => {
    import('node:net').then(({ createServer }) => {
      const s = createServer().once('error', () => res(false)).listen(wanted, '127.0.0.1', () => s.close(() => res(true)));
    });
  });
  return free ? wanted : freePort();
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function main() {
  checkArguments();
  // Fail in a second, not after minutes of building, when the one-time install cannot succeed.
  if (!argv.includes('--code')) checkInstallPrerequisites();
  const t0 = Date.now();
  console.log('Building and packaging the extension…');
  // The platform VSIX for this machine where onnxruntime-node has a binary for it (native runs),
  // else the universal one (wasm runs).
  const target = hostTarget() in NATIVE_FOLDERS ? hostTarget() : undefined;
  const vsix = packageExtension({ out: join(home, 'activation-lens.vsix'), quiet: true, target });
  const folder = option('--folder') ? resolve(option('--folder')) : sampleWorkspace();
  if (!existsSync(folder)) throw new Error(`${folder}: no such folder`);

  if (argv.includes('--code')) {
    if (!onPath('code')) throw new Error('`code` is not on PATH; run `npm start` without --code to use code-server');
    const r = spawnSync('code', ['--install-extension', vsix, '--force'], { stdio: 'inherit', env: cleanEnv() });
    if (r.status !== 0) throw new Error('code --install-extension failed');
    spawnSync('code', [folder], { stdio: 'inherit', env: cleanEnv() });
    console.log(`Installed ${vsix} into VS Code and opened ${folder}.`);
    return;
  }

  console.log(`Preparing code-server (installed once into ${cacheRoot})…`);
  const cs = await ensureCodeServer();
  const dirs = { extensionsDir: join(home, 'extensions'), userDataDir: join(home, 'user-data') };
  installExtensions(cs, dirs, [vsix]);
  if (!existsSync(join(dirs.userDataDir, 'User', 'settings.json'))) writeUserSettings(dirs.userDataDir, quietSettings);
  const server = await startCodeServer(cs, { folder, ...dirs, port: await portToUse(), trustAll: true, quiet: !argv.includes('--verbose') });
  console.log(`\nActivation Lens is running in VS Code (code-server) at:\n\n    ${server.folderUrl}\n`);
  if (smoke) {
    try {
      await smokeTest({ cs, server, folder, ...dirs, screenshotFile: join(home, 'smoke-failure.png') });
    } finally {
      await server.stop();
    }
    console.log(`[smoke] passed in ${((Date.now() - t0) / 1000).toFixed(0)} s; the server is stopped.`);
    process.exit(0);
  }
  console.log(`Workspace: ${folder}\nOpen any .onnx file (or a TF.js model.json via "Activation Lens: Open Model"). Ctrl+C stops the server.`);
  // startCodeServer stops the server on Ctrl+C / SIGTERM.
}

main().catch((e) => {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof PrerequisiteError) console.error(`npm start: ${message}`);
  else console.error(`npm start${smoke ? ' --smoke: FAILED' : ''}: ${message}`);
  // --smoke promises 0 or 1; otherwise 2 for bad arguments, 1 for everything else.
  process.exit(e instanceof UsageError && !smoke ? 2 : 1);
});
