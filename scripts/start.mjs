// `npm start`: builds and packages the extension, installs it into a local VS Code (code-server,
// installed from the npm registry into ~/.cache/activation-lens), and serves it on 127.0.0.1 with
// a workspace of sample models. Prints the URL to open; Ctrl+C stops it.
//
//   npm start                       serve on 127.0.0.1:8080 (or the next free port; PORT=… to choose)
//   npm start -- --folder DIR       open DIR instead of the sample workspace
//   npm start -- --code             install the VSIX into the `code` on PATH instead and open the samples there
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cacheRoot, ensureCodeServer, freePort, installExtensions, quietSettings, repoRoot, startCodeServer, writeUserSettings,
} from './codeserver.mjs';
import { packageExtension } from './package.mjs';

const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
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
  console.log('Building and packaging the extension…');
  const vsix = packageExtension({ out: join(home, 'activation-lens.vsix'), quiet: true });
  const folder = option('--folder') ? resolve(option('--folder')) : sampleWorkspace();
  if (!existsSync(folder)) throw new Error(`${folder}: no such folder`);

  if (argv.includes('--code')) {
    if (!onPath('code')) throw new Error('`code` is not on PATH; run `npm start` without --code to use code-server');
    const r = spawnSync('code', ['--install-extension', vsix, '--force'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('code --install-extension failed');
    spawnSync('code', [folder], { stdio: 'inherit' });
    console.log(`Installed ${vsix} into VS Code and opened ${folder}.`);
    return;
  }

  console.log('Preparing code-server (installed once into ~/.cache/activation-lens)…');
  const cs = await ensureCodeServer();
  const dirs = { extensionsDir: join(home, 'extensions'), userDataDir: join(home, 'user-data') };
  installExtensions(cs, dirs, [vsix]);
  if (!existsSync(join(dirs.userDataDir, 'User', 'settings.json'))) writeUserSettings(dirs.userDataDir, quietSettings);
  const server = await startCodeServer(cs, { folder, ...dirs, port: await portToUse(), trustAll: true, quiet: !argv.includes('--verbose') });
  console.log(`\nActivation Lens is running in VS Code (code-server) at:\n\n    ${server.folderUrl}\n`);
  console.log(`Workspace: ${folder}\nOpen any .onnx file (or a TF.js model.json via "Activation Lens: Open Model"). Ctrl+C stops the server.`);
  // startCodeServer stops the server on Ctrl+C / SIGTERM.
}

main().catch((e) => {
  console.error(`npm start: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
