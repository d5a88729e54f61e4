// Which weights a Keras layer owns is decided by an index (a trie over path segments) instead of
// matching every layer name against every weight name. It must give exactly what the plain
// definition gives: the weights whose name starts with "<layer>/" or contains "/<layer>/".
import * as assert from 'node:assert/strict';
import { WeightOwners } from '../../src/formats/tfjs/weightOwners';
import { Rng } from '../support/fuzz/rng';

function plain(layer: string, weights: string[]): string[] {
  return weights.filter((w) => w.startsWith(`${layer}/`) || w.includes(`/${layer}/`));
}

describe('TF.js weight ownership by name', () => {
  it('gives what matching names with startsWith/includes gives, for 2,000 random layer names over 500 weights', () => {
    const rng = new Rng(7);
    const segment = () => rng.pick(['model', 'dense', 'dense_1', 'conv', 'a', 'b', '', 'kernel', 'bias', 'x/y'.slice(0, 1)]);
    const name = (max: number) => Array.from({ length: rng.range(1, max) }, segment).join('/');
    const weights = Array.from({ length: 500 }, () => name(6));
    const owners = new WeightOwners(weights);
    for (let i = 0; i < 2000; i++) {
      const layer = name(4);
      assert.deepEqual(owners.of(layer), plain(layer, weights), `layer '${layer}'`);
    }
  });

  it('lists a weight once when the layer name occurs twice in its path, in manifest order', () => {
    const weights = ['a/b/a/b/kernel', 'b/bias', 'x/a/b/k', 'a/b'];
    assert.deepEqual(new WeightOwners(weights).of('a/b'), ['a/b/a/b/kernel', 'x/a/b/k']);
    assert.deepEqual(new WeightOwners(weights).of('b'), ['a/b/a/b/kernel', 'b/bias', 'x/a/b/k']);
  });

  it('indexes 20,000 layers named "m/d_i" with 20,000 weights in well under a second', () => {
    const weights = Array.from({ length: 20_000 }, (_, i) => `m/d_${i}/kernel`);
    const t0 = performance.now();
    const owners = new WeightOwners(weights);
    for (let i = 0; i < 20_000; i++) assert.equal(owners.of(`m/d_${i}`).length, 1);
    assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
  });
});
