// Mocha's spec output plus the closing line CI reads ("N passed, N failed"); with
// AL_RESULTS_FILE set, the counts are also written there so scripts/test-all.mjs can add up suites.
'use strict';
const Mocha = require('mocha');
const fs = require('node:fs');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0, failed = 0, skipped = 0;
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
    runner.on('pending', () => skipped++);
    runner.once('end', () => {
      const file = process.env.AL_RESULTS_FILE;
      if (file) fs.writeFileSync(file, JSON.stringify({ passed, failed, skipped }));
      else console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    });
  }
}
module.exports = SpecWithSummary;
