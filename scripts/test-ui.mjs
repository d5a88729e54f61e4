// UI tests (test/ui/**/*.test.ts): playwright-core drives Debian's Chromium against code-server
// with the packaged extension installed and a scratch copy of samples/ open, like a user would.
// Screenshots (light and dark theme) are saved to test-results/screenshots/.
//
// Writes {passed, failed, skipped} to AL_RESULTS_FILE via mocha's reporter (test/support/reporter.js).
// Extra arguments go to mocha, e.g. `node scripts/test-ui.mjs --grep "layer table"`.
// AL_HEADED=1 shows the browser (needs a display, e.g. xvfb-run).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cacheRoot, ensureCodeServer, installExtensions, prepareWorkspace, quietSettings, repoRoot, startCodeServer, writeUserSettings,
} from './codeserver.mjs';
import { packageExtension } from './package.mjs';

const t0 = Date.now();
const say = (m) => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}`);
const screenshots = join(repoRoot, 'test-results', 'screenshots');

function fail(message) {
  console.error(`\nUI tests could not run: ${message}`);
  if (process.env.AL_RESULTS_FILE) writeFileSync(process.env.AL_RESULTS_FILE, JSON.stringify({ passed: 0, failed: 1, skipped: 0 }));
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'al-ui-'));
let server;
try {
  say(`installing code-server (once; cached in ${cacheRoot})…`);
  const cs = await ensureCodeServer();
  say('packaging the extension…');
  const vsix = packageExtension({ out: join(work, 'activation-lens.vsix'), quiet: true, reuse: true });
  const dirs = { extensionsDir: join(work, 'extensions'), userDataDir: join(work, 'user-data') };
  installExtensions(cs, dirs, [vsix]);
  writeUserSettings(dirs.userDataDir, quietSettings);
  const folder = prepareWorkspace(join(work, 'workspace'));
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  say('starting code-server…');
  server = await startCodeServer(cs, { folder, ...dirs, logFile: join(work, 'code-server.log') });
  say(`code-server is serving ${server.url}`);
  const mocha = spawn(process.execPath, [join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--config', join(repoRoot, 'test', 'ui', '.mocharc.json'), ...process.argv.slice(2)], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      ...process.env,
      AL_UI_URL: server.url,
      AL_UI_FOLDER: folder,
      AL_UI_USER_DATA: dirs.userDataDir,
      AL_UI_SETTINGS: JSON.stringify(quietSettings),
      AL_UI_SCREENSHOTS: screenshots,
    },
  });
  const code = await new Promise((res) => mocha.on('exit', (c) => res(c ?? 1)));
  await server.stop();
  say(`done (mocha exit ${code}); screenshots in ${screenshots}`);
  if (code === 0) rmSync(work, { recursive: true, force: true });
  else console.log(`scratch folder (code-server.log, workspace): ${work}`);
  process.exit(code);
} catch (e) {
  await server?.stop();
  fail(e instanceof Error ? e.message : String(e));
}
