// `activation-lens glossary [TERM] [--json]` as a user runs it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { GLOSSARY } from '../../src/glossary';

const REPO = join(__dirname, '..', '..');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), 'glossary', ...args], { encoding: 'utf8', cwd: REPO });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI glossary', () => {
  it('lists every entry with its one-line summary when no term is given', () => {
    const r = cli();
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, GLOSSARY.length);
    assert.ok(lines.some((l) => l.startsWith('Leaky ReLU') && l.includes('negative inputs')));
  });

  it('prints the resolved entry for a multi-word alias, readably', () => {
    const r = cli('leaky', 'relu');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Leaky ReLU — /);
    for (const heading of ['Definition', 'Formula', 'Derivative', 'Range', 'Advantages', 'Drawbacks', 'Dying ReLU', 'When to use', 'Compute cost', 'ONNX', 'Defaults', 'Names', 'Related', 'Sources']) {
      assert.match(r.stdout, new RegExp(`^${heading}\\b`, 'm'), heading);
    }
    assert.match(r.stdout, /pytorch: +negative_slope=0\.01/);
  });

  it('--json prints all entries as an array with every field, and one entry for a term', () => {
    const all = cli('--json');
    assert.equal(all.status, 0, all.stderr);
    const entries = JSON.parse(all.stdout);
    assert.equal(entries.length, GLOSSARY.length);
    for (const e of entries) {
      for (const f of ['name', 'aliases', 'summary', 'definition', 'formula', 'derivative', 'range', 'advantages', 'drawbacks', 'dyingRelu', 'whenToUse', 'computeCost', 'onnxOpset', 'defaults', 'related', 'sources']) {
        assert.ok(f in e, `${e.name}: ${f}`);
      }
    }
    for (const alias of ['nn.LeakyReLU', 'LeakyRelu', 'leakyReLU']) {
      const one = cli(alias, '--json');
      assert.equal(one.status, 0, one.stderr);
      assert.deepEqual(JSON.parse(one.stdout).map((e: { name: string }) => e.name), ['Leaky ReLU']);
    }
  });

  it('exits 1 for an unknown term and suggests close matches on stderr', () => {
    const r = cli('sigmod');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no entry for 'sigmod'; did you mean: Sigmoid/);
    const none = cli('qwertyuiop');
    assert.equal(none.status, 1);
    assert.doesNotMatch(none.stderr, /did you mean/);
  });

  it('exits 2 for an unknown option', () => {
    const r = cli('--jsn');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --jsn/);
  });
});
