// The graph overlay in the viewer webview (headless Chromium, real host session): the dead digits
// CNN run on its digits through the real runtime, its results sent as the host sends them, and the
// graph coloured by a chosen statistic: the legend's scale with min and max, neutral boxes without
// data, the value in tooltips, badges and the layer table (sortable), the choice kept in the
// webview state, closed clusters showing their worst member, and text readable on the colours.
import * as assert from 'node:assert/strict';
import { buildViewerGraph } from '../../src/extension/viewerGraph';
import { loadModel } from '../../src/formats/load';
import type { NodeActivationResult, OverlayQuantity } from '../../src/protocol';
import { GraphModel } from '../../media/graphModel';
import { fmtStat, percent } from '../../media/format';
import { floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';
import { compare, DEAD_CNN, DIGITS, leakyCopy, nodeResults, run, type Run } from './compareRuns';
import { closeBrowser, ViewerPage, type Theme } from './harness';
import { background, boxFill, computedFill, contrast, distance, legendStops, NODE, rgb, TABLE, tableColumn, tooltip } from './overlayPage';

after(closeBrowser);

async function badge(v: ViewerPage, id: string): Promise<string> {
  return (await v.page.locator(`${NODE}[data-node-id="${id}"] > g.badge text`).allTextContents()).join('');
}

async function choose(v: ViewerPage, choice: string): Promise<void> {
  await v.page.selectOption('#overlay-choice', choice);
  await v.page.locator(`#legend[data-overlay="${choice}"]`).waitFor({ state: 'attached' });
}

function value(r: NodeActivationResult, q: OverlayQuantity): number {
  return r[q] as number;
}

describe('viewer webview: the graph coloured by a measured statistic', function () {
  let a: Run;
  let results: NodeActivationResult[];
  let v: ViewerPage;
  before(async () => {
    a = await run(DEAD_CNN, { inputs: DIGITS });
    results = nodeResults(a.result);
    v = await ViewerPage.open(DEAD_CNN, { theme: 'light' });
    await v.waitForGraph();
    v.session.send({ type: 'activationResults', results });
    await v.page.locator(`${NODE} > g.badge text`).first().waitFor();
  });
  after(async () => v?.close());

  it('offers layer kind, the six measured quantities and their changes, the changes disabled without a comparison', async () => {
    const options = await v.page.locator('#overlay-choice option').evaluateAll((els) => els.map((e) => [(e as unknown as { value: string }).value, (e as unknown as { disabled: boolean }).disabled]));
    const quantities = ['deadShare', 'dyingShare', 'zeroFraction', 'mean', 'std', 'max'];
    assert.deepEqual(options, [['category', false], ...quantities.map((q) => [q, false]), ...quantities.map((q) => [`change:${q}`, true])]);
    assert.equal(await v.page.locator('#overlay-choice').inputValue(), 'category');
    assert.equal(await v.page.locator('#legend .legend-item.cat-relu').count(), 1, 'the category key before a choice');
  });

  it('colours each measured node by its dead share on a scale whose legend gives the min and max; unmeasured nodes stay neutral', async () => {
    await choose(v, 'deadShare');
    const shares = results.map((r) => r.deadShare);
    const min = Math.min(...shares), max = Math.max(...shares);
    assert.ok(max > min, 'the dead CNN has layers with and without dead units');
    assert.equal(await v.page.locator('#legend .legend-min').textContent(), percent(min));
    assert.equal(await v.page.locator('#legend .legend-max').textContent(), percent(max));
    const [low, high] = await legendStops(v);
    const bg = await background(v);
    const measured = new Set(results.map((r) => r.node));
    const ids = await v.page.locator(NODE).evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')!));
    assert.ok(ids.some((id) => !measured.has(id)), 'the model has unmeasured nodes (Conv, Gemm, MaxPool)');
    for (const id of ids) {
      const painted = (await v.page.locator(`${NODE}[data-node-id="${id}"]`).getAttribute('data-fill')) !== null;
      assert.equal(painted, measured.has(id), `${id}: painted ${painted}`);
      if (!measured.has(id)) assert.deepEqual(await boxFill(v, id), bg, `${id} is not neutral`);
    }
    // The scale's ends are the colours of the least and the most dead layer, and deader is stronger.
    const byShare = [...results].sort((x, y) => x.deadShare - y.deadShare);
    assert.deepEqual(await boxFill(v, byShare[0].node), low);
    assert.deepEqual(await boxFill(v, byShare[byShare.length - 1].node), high);
    const strength = await Promise.all(byShare.map(async (r) => distance(await boxFill(v, r.node), bg)));
    for (let k = 1; k < strength.length; k++) if (byShare[k].deadShare > byShare[k - 1].deadShare) assert.ok(strength[k] > strength[k - 1], `${byShare[k].node} not stronger than ${byShare[k - 1].node}`);
    await v.screenshot('overlay-dead-share-light');
  });

  it('puts each value in words in the node\'s tooltip and on its badge (colour never stands alone)', async () => {
    for (const r of results) {
      assert.match(await tooltip(v, `${NODE}[data-node-id="${r.node}"]`), new RegExp(`Dead share: ${percent(r.deadShare).replace('.', '\\.')}$`));
      assert.equal(await badge(v, r.node), percent(r.deadShare));
    }
    assert.doesNotMatch(await tooltip(v, `${NODE}[data-node-id="/conv1/Conv"]`), /Dead share: \d/);
    assert.match(await tooltip(v, `${NODE}[data-node-id="/conv1/Conv"]`), /Dead share: no data/);
  });

  it('marks the table column holding the overlay\'s values; another quantity gets a sortable column of its own', async () => {
    await v.page.locator('button[data-view="table"]').click();
    await v.page.locator(`${TABLE} tbody tr`).first().waitFor();
    assert.equal(await v.page.locator(`${TABLE} th[data-column="dead"]`).getAttribute('data-overlay'), 'true');
    assert.equal(await v.page.locator(`${TABLE} th[data-column="overlay"]`).isVisible(), false);
    await choose(v, 'mean');
    const th = v.page.locator(`${TABLE} th[data-column="overlay"]`);
    await th.waitFor({ state: 'visible' });
    assert.equal(await th.innerText(), 'Mean');
    assert.equal(await th.getAttribute('data-overlay'), 'true');
    const cells = new Map(await tableColumn(v, 'overlay'));
    for (const r of results) assert.equal(cells.get(r.node), fmtStat(value(r, 'mean')));
    assert.equal(cells.get('/fc1/Gemm'), '');
    await th.locator('button').click();
    assert.equal(await th.getAttribute('aria-sort'), 'descending');
    const order = (await tableColumn(v, 'overlay')).map(([id]) => id);
    const expected = [...results].sort((x, y) => value(y, 'mean') - value(x, 'mean')).map((r) => r.node);
    assert.deepEqual(order.slice(0, results.length), expected);
    await th.locator('button').click();
    assert.equal(await th.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual((await tableColumn(v, 'overlay')).map(([id]) => id).slice(0, results.length), [...expected].reverse());
    await v.screenshot('overlay-table-mean-light');
    await v.page.locator('button[data-view="graph"]').click();
  });

  it('keeps the choice in the webview state: a new webview with that state colours by the same statistic', async () => {
    const state = (await v.page.evaluate('window.__alState')) as { overlay?: string };
    assert.equal(state.overlay, 'mean');
    const again = await ViewerPage.open(DEAD_CNN, { theme: 'dark', state });
    try {
      await again.waitForGraph();
      assert.equal(await again.page.locator('#overlay-choice').inputValue(), 'mean');
      assert.match((await again.page.locator('#legend').innerText()).replace(/\s+/g, ' '), /Mean no measurements yet/);
      again.session.send({ type: 'activationResults', results });
      await again.page.locator('#legend .legend-max').waitFor();
      const means = results.map((r) => value(r, 'mean'));
      assert.equal(await again.page.locator('#legend .legend-max').textContent(), fmtStat(Math.max(...means)));
      assert.equal(await again.page.locator(`${NODE}[data-fill]`).count(), results.length);
      assert.deepEqual(await boxFill(again, '/conv1/Conv'), await background(again), 'an unmeasured node is neutral');
    } finally {
      await again.close();
    }
  });
});

describe('viewer webview: a closed cluster shows the worst of its members', function () {
  let file: string;
  let results: NodeActivationResult[];
  let v: ViewerPage;
  before(async () => {
    // Two ReLU layers in one name scope ("block"), one before it; unit 1 of the first is dead
    // (its column of weights is negative for positive inputs… and a large negative bias).
    const dir = tmpDir('al-overlay-');
    const w = (rows: number, cols: number, f: (r: number, c: number) => number) => Array.from({ length: rows * cols }, (_, i) => f(Math.floor(i / cols), i % cols));
    file = writeModel(dir, 'scoped.onnx', {
      inputs: [valueInfo('x', 1, ['N', 4])],
      outputs: [valueInfo('y', 1, ['N', 4])],
      initializers: [
        floatTensor('w0', [4, 4], w(4, 4, (r, c) => (r === c ? 1 : 0.1))),
        floatTensor('b1', [4], [0, -100, 0, -100]),
        floatTensor('w2', [4, 4], w(4, 4, (r, c) => (r === c ? 1 : 0))),
        floatTensor('b2', [4], [-100, 0, 0, 0]),
      ],
      nodes: [
        { opType: 'MatMul', input: ['x', 'w0'], output: ['h0'], name: '/stem/MatMul' },
        { opType: 'Relu', input: ['h0'], output: ['r0'], name: '/stem/Relu' },
        { opType: 'Add', input: ['r0', 'b1'], output: ['h1'], name: '/block/a/Add' },
        { opType: 'Relu', input: ['h1'], output: ['r1'], name: '/block/a/Relu' },
        { opType: 'MatMul', input: ['r1', 'w2'], output: ['h2'], name: '/block/b/MatMul' },
        { opType: 'Add', input: ['h2', 'b2'], output: ['h3'], name: '/block/b/Add' },
        { opType: 'Relu', input: ['h3'], output: ['y'], name: '/block/b/Relu' },
      ],
    });
    results = nodeResults((await run(file, { samples: 16, seed: 0 })).result);
    const block = results.filter((r) => r.node.startsWith('/block/'));
    assert.equal(block.length, 2);
    assert.notEqual(block[0].deadShare, block[1].deadShare, 'the two block layers differ in dead share');
    const clusters = new GraphModel(buildViewerGraph(await loadModel(file)).graph).clusters;
    assert.ok(clusters.some((c) => c.key === 'block'), `no block cluster: ${clusters.map((c) => c.key).join(', ')}`);
    v = await ViewerPage.open(file, { state: { view: 'graph', expanded: [], collapsed: ['block'], direction: 'TB', showNames: true, overlay: 'deadShare' } });
    await v.waitForGraph();
    v.session.send({ type: 'activationResults', results });
    await v.page.locator('svg#graph g[data-group="block"][data-fill]').waitFor();
  });
  after(async () => v?.close());

  it('paints the closed "block" box with the colour of its deadest layer and says so in its tooltip', async () => {
    const block = results.filter((r) => r.node.startsWith('/block/'));
    const worst = Math.max(...block.map((r) => r.deadShare));
    const text = await tooltip(v, 'svg#graph g[data-group="block"]');
    assert.match(text, new RegExp(`Dead share: worst ${percent(worst).replace('.', '\\.')} of 2 measured layers inside`));
    const all = results.map((r) => r.deadShare);
    // the worst of the block is the model's largest dead share here: the scale's top colour
    assert.equal(worst, Math.max(...all));
    const [, high] = await legendStops(v);
    assert.deepEqual(rgb(await v.page.locator('svg#graph g[data-group="block"] > rect.box').evaluate(computedFill)), high);
    await v.page.selectOption('#overlay-choice', 'mean');
    await v.page.locator('#legend[data-overlay="mean"]').waitFor();
    const mean = (block[0].mean! + block[1].mean!) / 2;
    assert.match(await tooltip(v, 'svg#graph g[data-group="block"]'), new RegExp(`Mean: average ${fmtStat(mean).replace('.', '\\.')} of 2 measured layers inside`));
  });
});

describe('viewer webview: overlay colours keep the box text readable', function () {
  let a: Run, b: Run;
  before(async () => {
    a = await run(DEAD_CNN, { inputs: DIGITS });
    b = await run(leakyCopy(), { inputs: DIGITS });
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as Theme[]) {
    it(`${theme}: text on the strongest sequential and diverging colours has a contrast of at least 4.5:1`, async () => {
      const v = await ViewerPage.open(DEAD_CNN, { theme });
      try {
        await v.waitForGraph();
        const results = nodeResults(a.result);
        v.session.send({ type: 'activationResults', results });
        await v.page.locator(`${NODE} > g.badge text`).first().waitFor();
        await choose(v, 'deadShare');
        const worst = [...results].sort((x, y) => y.deadShare - x.deadShare)[0].node;
        const checks: [string, string][] = [[worst, 'sequential']];
        // A → B (dead units revive: below zero) and B → A (they die: above zero), this model as B
        v.session.send({ type: 'comparison', comparison: compare(a, b) });
        await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
        const ratios: string[] = [];
        const measure = async (id: string, what: string) => {
          const text = rgb(await v.page.locator(`${NODE}[data-node-id="${id}"] > text.op`).evaluate(computedFill));
          const fill = await boxFill(v, id);
          const r = contrast(text, fill);
          ratios.push(`${what} ${r.toFixed(2)}`);
          assert.ok(r >= 4.5, `${theme} ${what}: contrast ${r.toFixed(2)} of text ${text} on ${fill}`);
        };
        await measure(worst, 'diverging, below zero');
        v.session.send({ type: 'comparison', comparison: compare(b, a, 'b') });
        await v.until(`document.querySelector('#legend .legend-max')?.textContent?.startsWith('+')`);
        await measure(worst, 'diverging, above zero');
        v.session.send({ type: 'comparison' });
        await choose(v, 'deadShare');
        for (const [id, what] of checks) await measure(id, what);
        await v.screenshot(`overlay-contrast-${theme}`);
        console.log(`      (${theme}: ${ratios.join(', ')})`);
      } finally {
        await v.close();
      }
    });
  }
});
