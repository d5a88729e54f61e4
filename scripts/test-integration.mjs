// Integration tests (test/integration/*.test.ts) with the real `vscode` API, run in the extension host.
//
// Default, offline: inside code-server. code-server refuses --extensionTestsPath, so this installs
// the packaged Activation Lens VSIX plus our test-runner extension (test/runner-extension, with the
// compiled suite inside it), serves a scratch copy of samples/, connects headless Chromium so the
// workbench starts an extension host, and reads the results the runner writes.
//
// With VSCODE_EXECUTABLE_PATH set (a VS Code desktop build), the same suite runs under
// @vscode/test-electron instead (AL_IT_TARGET=both runs it in both).
//
// Writes {passed, failed, skipped} to AL_RESULTS_FILE (see scripts/test-all.mjs).
// Options: --grep <pattern> runs matching tests only; --keep keeps the scratch folder;
// --vscode 1.85 runs in code-server 4.20.0 (VS Code 1.85.1, the oldest engines.vscode admits).
import { spawn } from 'node:child_process';
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SourceMap } from 'node:module';
import { join, relative, resolve } from 'node:path';
import {
  cacheRoot, ensureCodeServer, installExtensions, launchChromium, prepareWorkspace, quietSettings, repoRoot, startCodeServer, writeUserSettings,
} from './codeserver.mjs';
import { hostTarget, packageExtension, packDirectory } from './package.mjs';

const argv = process.argv.slice(2);
const grep = argv.includes('--grep') ? argv[argv.indexOf('--grep') + 1] : process.env.AL_IT_GREP;
const keep = argv.includes('--keep');
const vscode185 = argv.includes('--vscode') && argv[argv.indexOf('--vscode') + 1] === '1.85';
if (argv.includes('--vscode') && !vscode185) {
  console.error('--vscode: only 1.85 is supported (the default is code-server 4.139.1, VS Code 1.139.1)');
  process.exit(2);
}
const RESULT_TIMEOUT_MS = Number(process.env.AL_IT_TIMEOUT_MS || 600_000);
const mochaPath = join(repoRoot, 'node_modules', 'mocha', 'lib', 'mocha.cjs');

const t0 = Date.now();
const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (m) => console.log(`[integration ${secs()}] ${m}`);

/** A copy of the runner extension with the compiled suite in tests/ (tests must live inside an
 * extension's folder so their `require('vscode')` gets that extension's API object). */
async function stageRunner(work) {
  const dir = join(work, 'runner');
  cpSync(join(repoRoot, 'test', 'runner-extension'), dir, { recursive: true });
  const entryPoints = readdirSync(join(repoRoot, 'test', 'integration'), { recursive: true })
    .filter((f) => String(f).endsWith('.test.ts'))
    .map((f) => join(repoRoot, 'test', 'integration', String(f)));
  if (!entryPoints.length) throw new Error('no test/integration/**/*.test.ts files');
  await esbuild.build({
    entryPoints, outdir: join(dir, 'tests'), outbase: join(repoRoot, 'test', 'integration'), bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', external: ['vscode'], sourcemap: 'inline', logLevel: 'warning',
  });
  return dir;
}

/**
 * Rewrites stack frames in the compiled tests (…/tests/x.test.js:L:C) to the TypeScript source
 * lines, with the bundles' inline source maps (the extension host's own stack formatting ignores them).
 */
function sourceMapped(stack, runnerDir) {
  const maps = new Map();
  const mapFor = (rel) => {
    if (!maps.has(rel)) {
      let map = null;
      try {
        const js = readFileSync(join(runnerDir, 'tests', rel), 'utf8');
        const m = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(js);
        if (m) map = new SourceMap(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')));
      } catch {
        /* leave the frame as it is */
      }
      maps.set(rel, map);
    }
    return maps.get(rel);
  };
  return String(stack).replace(/[^\s()]*\/tests\/([^\s():]+\.test\.js):(\d+):(\d+)/g, (all, rel, line, col) => {
    const e = mapFor(rel)?.findEntry(Number(line) - 1, Number(col) - 1);
    if (!e?.originalSource) return all;
    const src = e.originalSource.replace(/^file:\/\//, '');
    return `${relative(repoRoot, resolve(join(runnerDir, 'tests'), src))}:${e.originalLine + 1}:${e.originalColumn + 1}`;
  });
}

function printResults(report, label, runnerDir) {
  let passed = 0, failed = 0, skipped = 0;
  console.log(`\n  ${label}: VS Code ${report.vscodeVersion ?? '?'} (${report.appName ?? '?'}), extension host Node ${report.node ?? '?'}`);
  let prev = [];
  const failures = [];
  for (const r of report.results) {
    const suites = r.titlePath.slice(0, -1);
    let i = 0;
    while (i < suites.length && suites[i] === prev[i]) i++;
    for (; i < suites.length; i++) console.log(`${'  '.repeat(i + 1)}${suites[i]}`);
    prev = suites;
    const pad = '  '.repeat(suites.length + 1);
    const title = r.titlePath.at(-1);
    if (r.state === 'passed') { passed++; console.log(`${pad}✔ ${title} (${r.duration} ms)`); }
    else if (r.state === 'skipped') { skipped++; console.log(`${pad}- ${title}`); }
    else { failed++; failures.push(r); console.log(`${pad}${failures.length}) ${title}`); }
  }
  failures.forEach((r, i) => console.log(`\n  ${i + 1}) ${r.titlePath.join(' ')}:\n${sourceMapped(r.error, runnerDir).split('\n').map((l) => `     ${l}`).join('\n')}`));
  return { passed, failed, skipped };
}

async function waitForFile(file, timeoutMs, alive) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no results after ${timeoutMs / 1000} s (the extension host did not run the suite)`);
    alive?.();
    await new Promise((r) => setTimeout(r, 250));
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function inCodeServer(work, runnerDir) {
  say(`installing code-server (once; cached in ${cacheRoot})…`);
  const cs = vscode185 ? await (await import('./codeserver-vscode185.mjs')).ensureCodeServer185() : await ensureCodeServer();
  say('packaging the extension and the test runner…');
  // The platform VSIX for this machine: runs use the native runtime (the UI suite keeps the
  // universal one, so the wasm fallback runs there).
  const vsix = packageExtension({ out: join(work, 'activation-lens.vsix'), quiet: true, reuse: true, target: hostTarget() });
  const runnerVsix = packDirectory(runnerDir, join(work, 'runner.vsix'));
  const dirs = { extensionsDir: join(work, 'extensions'), userDataDir: join(work, 'user-data') };
  installExtensions(cs, dirs, [vsix, runnerVsix]);
  writeUserSettings(dirs.userDataDir, quietSettings);
  const folder = prepareWorkspace(join(work, 'workspace'));
  const resultsFile = join(work, 'results.json');
  say('starting code-server…');
  const server = await startCodeServer(cs, {
    folder, ...dirs, logFile: join(work, 'code-server.log'),
    env: { AL_IT_RESULTS: resultsFile, AL_IT_MOCHA: cs.mochaPath ?? mochaPath, AL_IT_MODE: 'code-server', ...(grep ? { AL_IT_GREP: grep } : {}) },
  });
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    say(`opening ${server.folderUrl} so the workbench starts an extension host…`);
    await page.goto(server.folderUrl);
    const alive = () => {
      if (server.exitCode() !== null) throw new Error(`code-server exited (${server.exitCode()}) before the suite finished`);
    };
    const report = await waitForFile(resultsFile, RESULT_TIMEOUT_MS, alive).catch((e) => {
      throw new Error(`${e.message}\ncode-server log (last lines):\n${server.output().slice(-3000)}\npage errors: ${pageErrors.slice(-5).join('\n')}`);
    });
    return report;
  } finally {
    await browser?.close();
    await server.stop();
  }
}

async function inElectron(work, runnerDir) {
  const { runTests } = await import('@vscode/test-electron');
  const resultsFile = join(work, 'results-electron.json');
  const folder = prepareWorkspace(join(work, 'workspace-electron'));
  say(`running under @vscode/test-electron with ${process.env.VSCODE_EXECUTABLE_PATH ?? 'a downloaded VS Code'}…`);
  // Electron needs a display; on a headless Linux machine, start a virtual one (Debian's xvfb).
  let xvfb;
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    const display = `:${90 + Math.floor(Math.random() * 100)}`;
    xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    xvfb.on('error', (e) => say(`could not start Xvfb (${e.message}); Electron may fail without a display`));
    process.env.DISPLAY = display;
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH,
      version: process.env.VSCODE_VERSION, // used only when downloading (no VSCODE_EXECUTABLE_PATH)
      extensionDevelopmentPath: [repoRoot, runnerDir],
      extensionTestsPath: join(runnerDir, 'extension.js'),
      launchArgs: [folder, '--disable-extensions', '--user-data-dir', join(work, 'electron-user-data'), '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { AL_IT_RESULTS: resultsFile, AL_IT_MOCHA: mochaPath, AL_IT_MODE: 'electron', ...(grep ? { AL_IT_GREP: grep } : {}) },
    });
  } catch (e) {
    if (!existsSync(resultsFile)) throw e; // failures are reported from the results file below
  } finally {
    xvfb?.kill();
  }
  return JSON.parse(readFileSync(resultsFile, 'utf8'));
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'al-integration-'));
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const add = (c) => { totals.passed += c.passed; totals.failed += c.failed; totals.skipped += c.skipped; };
  try {
    const runnerDir = await stageRunner(work);
    const target = process.env.AL_IT_TARGET || (process.env.VSCODE_EXECUTABLE_PATH ? 'electron' : 'code-server');
    if (target === 'code-server' || target === 'both') add(printResults(await inCodeServer(work, runnerDir), 'code-server', runnerDir));
    if (target === 'electron' || target === 'both') add(printResults(await inElectron(work, runnerDir), 'VS Code (test-electron)', runnerDir));
  } catch (e) {
    console.error(`\nintegration tests could not run: ${e instanceof Error ? e.message : e}`);
    totals.failed += 1;
  }
  say(`done: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
  if (process.env.AL_RESULTS_FILE) writeFileSync(process.env.AL_RESULTS_FILE, JSON.stringify(totals));
  if (keep || totals.failed) console.log(`scratch folder (logs, workspace): ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(totals.failed ? 1 : 0);
}

await main();
