// The glossary is written in our own words: no run of 8 consecutive words (case and punctuation
// ignored) may be shared with the study texts, in any string field of any entry.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GLOSSARY } from '../../src/glossary';
import { fnv1a, runHashes, sharedRuns, stringFields, wordRuns, wordsOf } from '../../src/glossary/overlap';
import { STUDY_FINGERPRINT } from '../../src/glossary/studyFingerprint';

const STUDY_DIR = process.env.AL_STUDY_DIR ?? resolve(__dirname, '../../../shared/study');
const studyFiles = existsSync(STUDY_DIR) ? readdirSync(STUDY_DIR).filter((f) => f.endsWith('.txt')).sort() : [];

function fingerprintSet(): Set<string> {
  return new Set(Object.values(STUDY_FINGERPRINT).flatMap((f) => f.runs.join(' ').split(' ')));
}

describe('glossary wording vs the study texts', () => {
  it('normalises case and punctuation before comparing words', () => {
    assert.deepEqual(wordsOf("ReLU's output: NON-linear, (really)!"), ['relus', 'output', 'non', 'linear', 'really']);
    assert.equal(wordRuns('a b c d e f g h i').length, 2);
  });

  it('flags a copied 8-word run even with changed case and punctuation, and ignores a 7-word one', () => {
    const source = 'The quick brown fox jumps over the lazy dog and then sleeps.';
    const fp = new Set(runHashes(source));
    assert.deepEqual(sharedRuns('Note: THE QUICK brown fox — jumps over the lazy... cat', fp), ['the quick brown fox jumps over the lazy']);
    assert.deepEqual(sharedRuns('the quick brown fox jumps over the', fp), []);
  });

  it('has a fingerprint for every study text, matching the texts when they are available', function () {
    const known = Object.keys(STUDY_FINGERPRINT).sort();
    assert.equal(known.length, 3);
    if (!studyFiles.length) this.skip();
    assert.deepEqual(studyFiles, known);
    for (const f of studyFiles) {
      const text = readFileSync(join(STUDY_DIR, f), 'utf8');
      assert.equal(fnv1a(text), STUDY_FINGERPRINT[f].contentHash, `${f} changed: regenerate src/glossary/studyFingerprint.ts`);
      assert.deepEqual(STUDY_FINGERPRINT[f].runs.join(' ').split(' '), runHashes(text), f);
    }
  });

  it('the fingerprint catches sentences taken from the study texts (positive control)', function () {
    if (!studyFiles.length) this.skip();
    const fp = fingerprintSet();
    for (const f of studyFiles) {
      const lines = readFileSync(join(STUDY_DIR, f), 'utf8').split('\n').filter((l) => wordsOf(l).length >= 12);
      assert.ok(lines.length > 3, f);
      for (const line of lines) assert.ok(sharedRuns(line.toUpperCase().replace(/,/g, ';'), fp).length > 0, `not detected: ${line}`);
    }
  });

  it('shares no run of 8 words with any study text in any string field of any entry', () => {
    const fp = fingerprintSet();
    assert.ok(fp.size > 1000, 'fingerprint too small to be the study texts');
    const problems: string[] = [];
    for (const entry of GLOSSARY) {
      const fields = stringFields(entry);
      assert.ok(fields.length > 20, `${entry.id}: too few string fields (${fields.length})`);
      for (const { path, text } of fields) for (const run of sharedRuns(text, fp)) problems.push(`${entry.id}.${path}: "${run}"`);
    }
    assert.deepEqual(problems, []);
  });

  it('names only real study texts as sources', () => {
    for (const e of GLOSSARY) for (const s of e.sources.study) assert.ok(s in STUDY_FINGERPRINT, `${e.id}: unknown study text ${s}`);
  });
});
