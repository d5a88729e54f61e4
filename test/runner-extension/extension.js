// Runs the integration suite (compiled to ./tests/*.test.js by scripts/test-integration.mjs) in the
// extension host, with the real `vscode` API, and writes one JSON result per test to a file.
// Two entry points: activate() for code-server (no --extensionTestsPath there) and run() for
// @vscode/test-electron's extensionTestsPath contract.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const testsDir = path.join(__dirname, 'tests');

async function runSuite() {
  const resultsFile = process.env.AL_IT_RESULTS;
  const mochaPath = process.env.AL_IT_MOCHA;
  if (!resultsFile || !mochaPath) throw new Error('AL_IT_RESULTS and AL_IT_MOCHA must be set');
  const vscode = require('vscode');
  const Mocha = require(mochaPath);
  const grep = process.env.AL_IT_GREP;
  // Reporting is done here (events → JSON); the test command prints the spec-style output.
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: class Silent { constructor() {} }, ...(grep ? { grep } : {}) });
  for (const f of fs.readdirSync(testsDir, { recursive: true }).map(String).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(testsDir, f));
  const results = [];
  const started = Date.now();
  let loadError;
  try {
    mocha.loadFiles();
  } catch (e) {
    loadError = e;
  }
  if (loadError) {
    results.push({ titlePath: ['loading the integration tests'], state: 'failed', duration: 0, error: String(loadError.stack || loadError) });
  } else {
    await new Promise((resolve) => {
      const runner = mocha.run(() => resolve());
      const record = (test, state, err) =>
        results.push({ titlePath: test.titlePath(), state, duration: test.duration ?? 0, error: err ? String(err.stack || err.message || err) : undefined });
      runner.on('pass', (t) => record(t, 'passed'));
      // Hook failures arrive here too (with the hook as `t`), so they are never lost.
      runner.on('fail', (t, err) => record(t, 'failed', err));
      runner.on('pending', (t) => record(t, 'skipped'));
    });
  }
  const report = {
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    node: process.version,
    durationMs: Date.now() - started,
    results,
  };
  fs.writeFileSync(resultsFile + '.tmp', JSON.stringify(report, null, 2));
  fs.renameSync(resultsFile + '.tmp', resultsFile);
  return report;
}

function activate() {
  const resultsFile = process.env.AL_IT_RESULTS;
  // Only in a test run, and only once: a reloaded window restarts the extension host.
  if (!resultsFile || process.env.AL_IT_MODE !== 'code-server' || fs.existsSync(resultsFile)) return;
  runSuite().catch((e) => {
    fs.writeFileSync(resultsFile, JSON.stringify({ results: [{ titlePath: ['integration runner'], state: 'failed', duration: 0, error: String(e.stack || e) }] }));
  });
}

async function run() {
  const report = await runSuite();
  const failed = report.results.filter((r) => r.state === 'failed').length;
  if (failed) throw new Error(`${failed} integration test(s) failed`);
}

module.exports = { activate, deactivate() {}, run };
