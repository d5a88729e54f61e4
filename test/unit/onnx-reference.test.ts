// Every model in Debian's libonnx-testdata opens, and `inspect --json` agrees with the reference
// Python onnx library (scripts/reference/onnx_reference.py → test/fixtures/reference/).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readOnnxModel } from '../../src/formats/onnx/reader';
import { summarize } from '../../src/analysis/summary';

const ROOT = '/usr/share/libonnx-testdata/data';
const REFERENCE = path.join(__dirname, '../fixtures/reference/libonnx-testdata.json');

describe('ONNX reader agrees with the Python onnx reference on libonnx-testdata', function () {
  const reference: Record<string, Record<string, unknown>> = JSON.parse(fs.readFileSync(REFERENCE, 'utf8'));
  const names = Object.keys(reference);

  before(function () {
    if (!fs.existsSync(ROOT)) throw new Error(`${ROOT} is missing: install Debian's libonnx-testdata (bash .ci/run does)`);
  });

  it('covers all 1,072 backend test models', () => {
    assert.equal(names.length, 1072);
  });

  it('reads every model with the same nodes, ops, parameters, inputs, outputs and opsets', async () => {
    const mismatches: string[] = [];
    for (const name of names) {
      const expected = reference[name];
      let actual: Record<string, unknown>;
      try {
        const s = summarize(await readOnnxModel(path.join(ROOT, name)));
        // ops and opsets are null-prototype records (keys come from the file): compare as JSON data.
        actual = JSON.parse(JSON.stringify(s));
      } catch (e) {
        mismatches.push(`${name}: ${(e as Error).message}`);
        continue;
      }
      for (const key of ['format', 'producer', 'producerVersion', 'irVersion', 'opsets', 'inputs', 'outputs', 'nodeCount', 'nodeCountAll', 'ops', 'parameters', 'initializers']) {
        try {
          assert.deepStrictEqual(actual[key], expected[key]);
        } catch {
          mismatches.push(`${name}: ${key} is ${JSON.stringify(actual[key])}, reference says ${JSON.stringify(expected[key])}`);
        }
      }
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  });
});
