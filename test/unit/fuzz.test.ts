// The bounded fuzz run of `npm test` (the long one is `npm run fuzz`): every hand-written hostile
// model, a few hundred seeded mutations of ONNX models and TF.js folders, and the CLI on a sample,
// each in a child process killed past 10 s or 1 GiB. A user may only ever get a result or one
// clean error naming the file: no hang, no blow-up, no crash, no internal error, nothing implausible.
import * as assert from 'node:assert/strict';
import { runCampaign, type CampaignReport } from '../support/fuzz/campaign';
import { ensureBuilt } from '../support/cli';
import type { HostileClass } from '../support/hostileModels';

/** Fixed, so a failure reproduces with `npm run fuzz -- --cases 300 --seed 20261202`. */
const SEED = 20261202;
const CASES = 300;
const CLI_CASES = 8;

const CLASSES: HostileClass[] = ['stack-overflow', 'quadratic-work', 'claims-without-data', 'tiny-segments', 'special-files', 'object-keys', 'nan-attributes', 'tfjs-parameter-counts', 'bounded-work'];

describe('fuzzing: hostile and corrupt models', function () {
  this.timeout(200_000);
  let report: CampaignReport;

  before(async function () {
    this.timeout(200_000);
    ensureBuilt();
    // 20 s per case rather than `npm run fuzz`'s 10 s: this run shares a CI machine with the other
    // suites, and the slowest hostile model takes 1–6 s depending on load. A regression of any of
    // the classes above takes minutes, far past either limit.
    report = await runCampaign({ seed: SEED, cases: CASES, cliCases: CLI_CASES, jobs: 1, limits: { timeoutMs: 20_000, memoryBytes: 2 ** 30 } });
    console.log(report.text.split('\n').map((l) => `      ${l}`).join('\n'));
  });

  for (const klass of CLASSES) {
    it(`hand-written hostile models (${klass}) get a result or the one clean error a user must see`, () => {
      const mine = report.records.filter((r) => r.kind === 'hostile' && r.description.startsWith(`[${klass}]`));
      assert.ok(mine.length > 0, `no hostile model of class ${klass}`);
      const bad = mine.filter((r) => r.expectation).map((r) => `${r.description}: ${r.expectation}`);
      assert.deepEqual(bad, []);
    });
  }

  it(`${CASES} mutated models: only results and clean errors naming the file, none over 20 s or 1 GiB`, () => {
    const bad = report.records.filter((r) => (r.kind === 'onnx' || r.kind === 'tfjs') && r.outcome.verdict !== 'result' && r.outcome.verdict !== 'clean-error');
    assert.deepEqual(bad.map((r) => `${r.id} [${r.outcome.verdict}] ${r.description}: ${r.outcome.detail}`), []);
    // Both outcomes occur: the mutations neither always break the file nor never do.
    assert.ok(report.counts.result > CASES / 10 && report.counts['clean-error'] > CASES / 10, JSON.stringify(report.counts));
  });

  it('the CLI on a sample exits 0, 1 or 2 with no stack trace, and on 2 prints one line naming the file', () => {
    const cli = report.records.filter((r) => r.kind === 'cli');
    assert.equal(cli.length, 2 * Math.ceil(CASES / Math.floor(CASES / CLI_CASES)));
    const bad = cli.filter((r) => r.outcome.verdict !== 'result' && r.outcome.verdict !== 'clean-error');
    assert.deepEqual(bad.map((r) => `${r.id} [${r.outcome.verdict}] ${r.outcome.detail}`), []);
  });
});
