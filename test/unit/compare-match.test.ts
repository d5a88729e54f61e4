// Layer matching between two runs (src/analysis/compare/match.ts): names first, then a structural
// alignment that reports only the pairs every best alignment agrees on.
import * as assert from 'node:assert/strict';
import { alignStretch, fit, Fit, matchLayers, MAX_ALIGN_CELLS, type LayerSignature } from '../../src/analysis/compare/match';

const L = (name: string, kind: string, units: number): LayerSignature => ({ name, kind, units });
const pairs = (m: ReturnType<typeof matchLayers>) => m.matched.map((p) => [p.a, p.b, p.how]);

describe('compare: layer matching', () => {
  it('matches layers of the same name by name, in A\'s order', () => {
    const a = [L('r1', 'Relu', 16), L('r2', 'Relu', 32), L('s', 'Sigmoid', 10)];
    const b = [L('r1', 'LeakyRelu', 16), L('r2', 'LeakyRelu', 32), L('s', 'Sigmoid', 10)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['r1', 'r1', 'name'], ['r2', 'r2', 'name'], ['s', 's', 'name']]);
    assert.deepEqual(m.unmatched, { a: [], b: [] });
    assert.deepEqual(m.indices, [[0, 0], [1, 1], [2, 2]]);
  });

  it('matches a renamed export by position, kind and units, and says why', () => {
    const a = [L('/relu1/Relu', 'Relu', 16), L('/relu2/Relu', 'Relu', 32), L('/relu3/Relu', 'Relu', 64)];
    const b = [L('features.1', 'Relu', 16), L('features.3', 'Relu', 32), L('head.2', 'Relu', 64)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['/relu1/Relu', 'features.1', 'structure'], ['/relu2/Relu', 'features.3', 'structure'], ['/relu3/Relu', 'head.2', 'structure']]);
    assert.match(m.matched[1].evidence ?? '', /Relu, 32 units; layer 2 of 3 in A, 2 of 3 in B/);
  });

  it('leaves an added layer unmatched when its kind or units tell it apart', () => {
    const a = [L('a1', 'Relu', 16), L('a2', 'Relu', 32), L('a3', 'Tanh', 8)];
    const b = [L('b1', 'Relu', 16), L('extra', 'Sigmoid', 32), L('b2', 'Relu', 32), L('b3', 'Tanh', 8)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['a1', 'b1', 'structure'], ['a2', 'b2', 'structure'], ['a3', 'b3', 'structure']]);
    assert.deepEqual(m.unmatched, { a: [], b: ['extra'] });
    assert.deepEqual(m.ambiguous, []);
  });

  it('does not guess between two layers that fit equally well: both are listed as ambiguous', () => {
    const a = [L('a1', 'Relu', 16), L('a2', 'Relu', 64)];
    const b = [L('b1', 'Relu', 16), L('b2', 'Relu', 64), L('b3', 'Relu', 64)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['a1', 'b1', 'structure']]);
    assert.deepEqual(m.unmatched, { a: ['a2'], b: ['b2', 'b3'] });
    assert.deepEqual(m.ambiguous, [{ a: ['a2'], b: ['b2', 'b3'] }]);
  });

  it('pairs a ReLU with its Leaky ReLU rewrite, never with an unrelated activation or another unit count', () => {
    assert.equal(fit(L('x', 'Relu', 8), L('y', 'LeakyRelu', 8)), Fit.Related);
    assert.equal(fit(L('x', 'Relu', 8), L('y', 'Relu', 8)), Fit.Same);
    assert.equal(fit(L('x', 'Relu', 8), L('y', 'Sigmoid', 8)), Fit.None);
    assert.equal(fit(L('x', 'Relu', 8), L('y', 'Relu', 9)), Fit.None);
    const m = matchLayers([L('a', 'Relu', 8), L('b', 'Tanh', 4)], [L('x', 'Sigmoid', 8), L('y', 'Relu', 4)]);
    assert.deepEqual(m.matched, []);
    assert.deepEqual(m.unmatched, { a: ['a', 'b'], b: ['x', 'y'] });
  });

  it('prefers the very same activation over a related one', () => {
    const m = matchLayers([L('a', 'Relu', 32)], [L('x', 'LeakyRelu', 32), L('y', 'Relu', 32)]);
    assert.deepEqual(pairs(m), [['a', 'y', 'structure']]);
    assert.deepEqual(m.unmatched.b, ['x']);
  });

  it('aligns renamed layers only within the stretch between the layers matched by name', () => {
    // p (32 units) sits before the anchor `mid` in A and after it in B: not the same place.
    const a = [L('in', 'Relu', 8), L('p', 'Relu', 32), L('mid', 'Tanh', 4), L('q', 'Relu', 16)];
    const b = [L('in', 'Relu', 8), L('mid', 'Tanh', 4), L('p2', 'Relu', 32), L('q2', 'Relu', 16)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['in', 'in', 'name'], ['mid', 'mid', 'name'], ['q', 'q2', 'structure']]);
    assert.deepEqual(m.unmatched, { a: ['p'], b: ['p2'] });
  });

  it('keeps name matches that cross each other, anchoring on the longest consistent run', () => {
    const a = [L('x', 'Relu', 8), L('y', 'Relu', 8), L('z', 'Relu', 8), L('r', 'Relu', 4)];
    const b = [L('y', 'Relu', 8), L('z', 'Relu', 8), L('x', 'Relu', 8), L('s', 'Relu', 4)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['x', 'x', 'name'], ['y', 'y', 'name'], ['z', 'z', 'name'], ['r', 's', 'structure']]);
  });

  it('matches layers whose name repeats on one side by structure, with a note', () => {
    const a = [L('Relu', 'Relu', 8), L('Relu', 'Relu', 16)];
    const b = [L('Relu', 'Relu', 8), L('r2', 'Relu', 16)];
    const m = matchLayers(a, b);
    assert.deepEqual(pairs(m), [['Relu', 'Relu', 'structure'], ['Relu', 'r2', 'structure']]);
    assert.deepEqual(m.indices, [[0, 0], [1, 1]]);
    assert.match(m.notes.join('\n'), /A names several layers alike \(Relu\)/);
  });

  it('matches a renamed 5,000-layer export quickly, and leaves a stretch too long to align unmatched with a note', () => {
    const kinds = ['Relu', 'Gelu', 'Sigmoid'];
    const a = Array.from({ length: 5000 }, (_, i) => L(`a${i}`, kinds[i % 3], 64 + (i % 7)));
    const b = a.map((l, i) => L(`b${i}`, l.kind, l.units));
    const t0 = performance.now();
    const m = matchLayers(a, b);
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(m.matched.length, 5000);
    assert.ok(m.matched.every((p, i) => p.a === `a${i}` && p.b === `b${i}`));
    const side = Math.ceil(Math.sqrt(MAX_ALIGN_CELLS)) + 1;
    const big = matchLayers(a.slice(0, side), [L('extra', 'Tanh', 3), ...b.slice(0, side)]);
    assert.equal(big.matched.length, 0);
    assert.match(big.notes.join('\n'), /too many to align by structure/);
  });

  describe('structural alignment agrees with brute force on small cases', () => {
    // Every order-preserving matching of xs to ys; the best ones by (pairs, same-kind pairs); the
    // pairs that are in all of them are what alignStretch must report, and the ones in some but
    // not all are the ambiguous layers.
    function bruteForce(xs: LayerSignature[], ys: LayerSignature[]) {
      const all: [number, number][][] = [];
      const rec = (i: number, j: number, acc: [number, number][]) => {
        if (i === xs.length || j === ys.length) return void all.push(acc);
        rec(i + 1, j, acc);
        for (let k = j; k < ys.length; k++) if (fit(xs[i], ys[k]) !== Fit.None) rec(i + 1, k + 1, [...acc, [i, k]]);
      };
      rec(0, 0, []);
      const score = (m: [number, number][]) => m.length * 100 + m.filter(([i, j]) => fit(xs[i], ys[j]) === Fit.Same).length;
      const best = Math.max(...all.map(score));
      const optimal = all.filter((m) => score(m) === best);
      const key = (p: [number, number]) => `${p[0]},${p[1]}`;
      const certain = [...new Set(optimal[0].map(key))].filter((k) => optimal.every((m) => m.some((p) => key(p) === k)));
      const someA = new Set(optimal.flatMap((m) => m.map((p) => p[0])));
      const someB = new Set(optimal.flatMap((m) => m.map((p) => p[1])));
      const certainA = new Set(certain.map((k) => Number(k.split(',')[0])));
      const certainB = new Set(certain.map((k) => Number(k.split(',')[1])));
      return {
        pairs: certain.sort(),
        ambiguousA: [...someA].filter((i) => !certainA.has(i)).sort((p, q) => p - q),
        ambiguousB: [...someB].filter((j) => !certainB.has(j)).sort((p, q) => p - q),
      };
    }

    it('300 random stretches of up to 5 layers per side: the same pairs and ambiguous layers', () => {
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed * 16807) % 2147483647;
        return seed % n;
      };
      const kinds = ['Relu', 'LeakyRelu', 'Tanh'];
      const sig = (p: string, i: number) => L(`${p}${i}`, kinds[rand(3)], 1 + rand(2));
      let withAmbiguity = 0;
      for (let t = 0; t < 300; t++) {
        const xs = Array.from({ length: 1 + rand(5) }, (_, i) => sig('x', i));
        const ys = Array.from({ length: 1 + rand(5) }, (_, i) => sig('y', i));
        const label = `${xs.map((x) => `${x.kind}/${x.units}`).join(' ')} | ${ys.map((y) => `${y.kind}/${y.units}`).join(' ')}`;
        const got = alignStretch(xs, ys);
        const want = bruteForce(xs, ys);
        assert.deepEqual(got.pairs.map((p) => `${p[0]},${p[1]}`).sort(), want.pairs, label);
        assert.deepEqual(got.ambiguousA, want.ambiguousA, label);
        assert.deepEqual(got.ambiguousB, want.ambiguousB, label);
        if (want.ambiguousA.length) withAmbiguity++;
      }
      assert.ok(withAmbiguity > 20, `only ${withAmbiguity} cases had ambiguous layers: the cases do not test the counting`);
    });
  });
});
