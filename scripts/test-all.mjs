// Runs every test suite (unit, integration in code-server, UI in Chromium) and prints one closing
// line "N passed, N failed" over all of them. A suite that cannot start counts as one failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from './cleanEnv.mjs';
import { checkInstallPrerequisites } from './codeserver.mjs';

const only = process.argv.slice(2);
const suites = [
  { name: 'unit', cmd: ['npx', 'mocha', '--config', '.mocharc.json'] },
  { name: 'webview', cmd: ['npx', 'mocha', '--config', '.mocharc.webview.json'], when: '.mocharc.webview.json' },
  { name: 'integration', cmd: ['node', 'scripts/test-integration.mjs'], when: 'scripts/test-integration.mjs' },
  { name: 'ui', cmd: ['node', 'scripts/test-ui.mjs'], when: 'scripts/test-ui.mjs' },
];
// The integration and UI suites need code-server; say now, not after the unit tests, if its
// one-time install cannot build here.
if (!only.length || only.includes('integration') || only.includes('ui')) {
  try {
    checkInstallPrerequisites();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'al-results-'));
let passed = 0, failed = 0, skipped = 0;
for (const s of suites) {
  if (only.length && !only.includes(s.name)) continue;
  if (s.when && !existsSync(s.when)) continue;
  const file = join(dir, `${s.name}.json`);
  console.log(`\n=== ${s.name} tests ===`);
  const r = spawnSync(s.cmd[0], s.cmd.slice(1), { stdio: 'inherit', env: cleanEnv(process.env, { AL_RESULTS_FILE: file }) });
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    passed += c.passed; failed += c.failed; skipped += c.skipped ?? 0;
    if (r.status !== 0 && c.failed === 0) { console.log(`${s.name}: exited ${r.status}`); failed += 1; }
  } else {
    console.log(`${s.name}: the suite did not report results (exit ${r.status})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
