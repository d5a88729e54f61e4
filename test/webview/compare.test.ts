// "Compare with…" in the viewer webview (headless Chromium, real host session): real runs of the
// dead digits CNN, its Leaky ReLU rewrite, a renamed and a deeper export of the same network,
// compared by the real matcher and sent as the host sends them. The change overlay and its legend,
// the compare summary in the Model view (biggest changes, warnings, how layers matched, what did
// not), both runs' histograms and the died/revived/dead-in-both units in the details, the table's
// change column, clearing, and names from a hostile model shown as text.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { percent } from '../../media/format';
import { formatChange } from '../../media/overlay';
import type { ComparisonInfo, NodeComparison } from '../../src/protocol';
import { floatTensor, tmpDir, valueInfo, writeModel } from '../support/onnxBuild';
import { compare, DEAD_CNN, DEEPER_CNN, DIGITS, leakyCopy, nodeResults, RENAMED_CNN, run, type Run } from './compareRuns';
import { closeBrowser, ViewerPage } from './harness';
import { background, boxFill, legendStops, NODE, TABLE, tableColumn, tooltip } from './overlayPage';
const SUMMARY = '#compare-summary';

after(closeBrowser);

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

async function showModelView(v: ViewerPage): Promise<string> {
  await v.page.locator('button[data-view="model"]').click();
  return squash(await v.page.locator(SUMMARY).innerText());
}

describe('viewer webview: the dead CNN compared with its Leaky ReLU rewrite', function () {
  let a: Run, b: Run;
  let info: ComparisonInfo;
  let v: ViewerPage;
  before(async () => {
    a = await run(DEAD_CNN, { inputs: DIGITS });
    b = await run(leakyCopy(), { inputs: DIGITS });
    info = compare(a, b);
    assert.equal(info.comparable, true);
    assert.ok(info.totals.revived > 0, 'the rewrite revives dead units');
    v = await ViewerPage.open(DEAD_CNN, { theme: 'light' });
    await v.waitForGraph();
    v.session.send({ type: 'activationResults', results: nodeResults(a.result) });
    await v.page.locator(`${NODE} > g.badge text`).first().waitFor();
  });
  after(async () => v?.close());

  it('the toolbar\'s "Compare with…" button asks the host to compare this model', async () => {
    const before = v.sent.length;
    await v.page.locator('#compare-with').click();
    await v.until('true');
    assert.deepEqual(v.sent.slice(before).filter((m) => m.type !== 'stateChanged'), [{ type: 'compareWith' }]);
  });

  it('a comparison arriving switches the graph to the change in dead share, with a diverging legend and its min and max', async () => {
    v.session.send({ type: 'comparison', comparison: info });
    await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
    assert.equal(await v.page.locator('#overlay-choice').inputValue(), 'change:deadShare');
    const deltas = info.nodes.map((n) => n.delta.deadShare);
    const min = Math.min(...deltas), max = Math.max(...deltas);
    assert.ok(min < 0, 'dead units revived');
    assert.equal(await v.page.locator('#legend .legend-min').textContent(), formatChange('deadShare', min));
    assert.equal(await v.page.locator('#legend .legend-max').textContent(), formatChange('deadShare', max));
    const legend = squash(await v.page.locator('#legend').innerText());
    assert.match(legend, /Change in dead share \(B − A\)/);
    assert.ok(legend.includes('A · dead_cnn.onnx → B · dead_cnn-leaky.onnx'), legend);
    // the most revived layer takes the scale's "below zero" end; an unchanged one stays the background
    const stops = await legendStops(v);
    const most = [...info.nodes].sort((x, y) => x.delta.deadShare - y.delta.deadShare)[0];
    assert.deepEqual(await boxFill(v, most.node), stops[0]);
    const unchanged = info.nodes.find((n) => n.delta.deadShare === 0);
    if (unchanged) assert.deepEqual(await boxFill(v, unchanged.node), await background(v));
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/conv1/Conv"]`).getAttribute('data-fill'), null);
    for (const n of info.nodes) {
      const text = await tooltip(v, `${NODE}[data-node-id="${n.node}"]`);
      assert.ok(text.endsWith(`Change in dead share: ${formatChange('deadShare', n.delta.deadShare)} (A ${percent(n.a.deadShare)} → B ${percent(n.b.deadShare)})`), text);
    }
    await v.screenshot('compare-overlay-webview-light');
  });

  it('the Model view sums up: both runs, totals, the biggest changes first, how layers matched, nothing unmatched', async () => {
    const text = await showModelView(v);
    assert.ok(text.includes(`512 samples, ${DIGITS}`), text);
    assert.ok(text.includes(`dead units ${info.totals.deadA} in A → 0 in B`), text);
    assert.ok(text.includes(`revived ${info.totals.revived} (dead in A, not in B)`), text);
    assert.equal(await v.page.locator(`${SUMMARY} .compare-warnings`).count(), 0, 'runs on the same inputs carry no warning');
    const rows = await v.page.locator(`${SUMMARY} .biggest-changes tbody tr`).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-node')));
    assert.deepEqual(rows, info.biggestChanges);
    const first = info.nodes.find((n) => n.node === info.biggestChanges[0])!;
    const cells = await v.page.locator(`${SUMMARY} .biggest-changes tbody tr`).first().locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(1, 4), [percent(first.a.deadShare), percent(first.b.deadShare), formatChange('deadShare', first.delta.deadShare)]);
    assert.match(text, /3 by name \(the same node name in both\)/);
    assert.match(text, /Every measured layer has a counterpart/);
    await v.screenshot('compare-summary-light');
  });

  it('a biggest change\'s name selects that layer in the graph', async () => {
    const name = info.biggestChanges[1];
    await v.page.locator(`${SUMMARY} button[data-goto-node="${name}"]`).click();
    await v.page.locator(`${NODE}[data-node-id="${name}"].selected`).waitFor();
    assert.equal(await v.page.evaluate('document.body.dataset.view'), 'graph');
  });

  it('selecting a layer shows both values, both runs\' histograms on one axis and the units that died, revived or are dead in both', async () => {
    const n = info.nodes.find((x) => x.a.deadUnits.length > 0)!;
    await v.page.locator(`${NODE}[data-node-id="${n.node}"]`).click();
    const section = v.page.locator('#details .compare-details');
    await section.waitFor();
    const values = await section.locator('table.compare-values tr[data-quantity="deadShare"] td').allInnerTexts();
    assert.deepEqual(values, [percent(n.a.deadShare), percent(n.b.deadShare), formatChange('deadShare', n.delta.deadShare)]);
    const hist = section.locator('svg.histogram.compared');
    assert.match((await hist.getAttribute('aria-label'))!, new RegExp(`Activation histograms of ${n.node.replace(/\//g, '\\/')}: A · dead_cnn.onnx above, B · dead_cnn-leaky.onnx below`));
    assert.equal(await hist.locator('rect.bar-a').count(), n.a.histogram.counts.length);
    assert.equal(await hist.locator('rect.bar-b').count(), n.b.histogram.counts.length);
    // bars drawn in proportion: the tallest bar of each run is its most populated bin
    const heights = async (cls: string) => hist.locator(`rect.${cls}`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    assert.equal(argmax(await heights('bar-a')), argmax(n.a.histogram.counts));
    assert.equal(argmax(await heights('bar-b')), argmax(n.b.histogram.counts));
    const units = squash(await section.locator('.compare-units').innerText());
    assert.ok(units.includes(`Revived (dead in A, not in B): ${n.revived.length} — unit${n.revived.length === 1 ? '' : 's'} ${n.revived.join(', ')}`), units);
    assert.ok(units.includes('Died (dead in B, not in A): 0'), units);
    assert.ok(units.includes('Dead in both: 0'), units);
    const revivedCells = await section.locator('.unit-strip .unit.revived').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-unit'))));
    assert.deepEqual(revivedCells, n.revived);
    assert.deepEqual(n.revived, n.a.deadUnits);
    assert.match(squash(await section.innerText()), /matched \/relu\d\/Relu in B · dead_cnn-leaky\.onnx, by name/);
    assert.match(squash(await section.innerText()), /activation Relu → LeakyRelu/);
    await v.screenshot('compare-details-light');
  });

  it('the layer table shows both runs\' values per matched layer and sorts by the change', async () => {
    await v.page.locator('button[data-view="table"]').click();
    await v.page.locator(`${TABLE} th[data-column="change"]`).waitFor({ state: 'visible' });
    const a = new Map(await tableColumn(v, 'valueA')), bv = new Map(await tableColumn(v, 'valueB'));
    for (const n of info.nodes) {
      assert.equal(a.get(n.node), percent(n.a.deadShare));
      assert.equal(bv.get(n.node), percent(n.b.deadShare));
    }
    assert.equal(a.get('/fc1/Gemm'), '');
    const change = v.page.locator(`${TABLE} th[data-column="change"]`);
    assert.equal(await change.getAttribute('data-overlay'), 'true');
    await change.locator('button').click();
    assert.equal(await change.getAttribute('aria-sort'), 'descending');
    const expected = [...info.nodes].sort((x, y) => y.delta.deadShare - x.delta.deadShare || order(x) - order(y));
    const rows = await tableColumn(v, 'change');
    assert.deepEqual(rows.slice(0, expected.length), expected.map((n) => [n.node, formatChange('deadShare', n.delta.deadShare)]));
    assert.ok(rows.slice(expected.length).every(([, t]) => t === ''), 'layers without a change last');
    await change.locator('button').click();
    assert.equal(await change.getAttribute('aria-sort'), 'ascending');
    const ascending = [...info.nodes].sort((x, y) => x.delta.deadShare - y.delta.deadShare || order(x) - order(y));
    assert.deepEqual((await tableColumn(v, 'change')).slice(0, ascending.length).map(([id]) => id), ascending.map((n) => n.node));
    // another quantity in the overlay: the compare columns follow it
    await v.page.selectOption('#overlay-choice', 'change:zeroFraction');
    await v.until(`document.querySelector('${TABLE} th[data-column="change"] button').textContent === 'Δ Zero fr.'`);
    const zf = new Map(await tableColumn(v, 'change'));
    for (const n of info.nodes) assert.equal(zf.get(n.node), formatChange('zeroFraction', n.delta.zeroFraction));
    await v.screenshot('compare-table-light');
    await v.page.locator('button[data-view="graph"]').click();

    function order(n: NodeComparison): number {
      return info.nodes.indexOf(n);
    }
  });

  it('clearing the comparison removes the summary, the change overlay and legend, the compare columns and the details section', async () => {
    v.session.send({ type: 'comparison' });
    await v.until(`document.querySelector('${SUMMARY}').hidden`);
    assert.equal(await v.page.locator('#overlay-choice').inputValue(), 'category');
    assert.equal(await v.page.locator('#legend').getAttribute('data-overlay'), null);
    assert.equal(await v.page.locator(`${NODE}[data-fill]`).count(), 0);
    assert.equal(await v.page.locator('#details .compare-details').count(), 0);
    assert.equal(await v.page.locator(`${TABLE} th[data-column="change"]`).isVisible(), false);
    assert.ok(await v.page.locator('#overlay-choice option[value="change:deadShare"]').isDisabled());
    // a comparison replayed after a reload is the one seen: the user's choice is left alone
    v.session.send({ type: 'comparison', comparison: info });
    await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
    await v.page.selectOption('#overlay-choice', 'mean');
    v.session.send({ type: 'comparison', comparison: info });
    await v.page.waitForTimeout(100);
    assert.equal(await v.page.locator('#overlay-choice').inputValue(), 'mean');
  });
});

describe('viewer webview: runs that did not see the same inputs', function () {
  let info: ComparisonInfo;
  let v: ViewerPage;
  before(async () => {
    const digits = await run(DEAD_CNN, { inputs: DIGITS });
    const noise = await run(DEAD_CNN, { samples: 16, seed: 3 });
    info = compare(digits, noise);
    assert.equal(info.comparable, false);
    assert.ok(info.warnings.length > 0);
    v = await ViewerPage.open(DEAD_CNN, { theme: 'dark' });
    await v.waitForGraph();
    v.session.send({ type: 'activationResults', results: nodeResults(digits.result) });
    v.session.send({ type: 'comparison', comparison: info });
    await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
  });
  after(async () => v?.close());

  it('says so in the legend, the summary (every warning) and the selected layer\'s comparison, rather than comparing silently', async () => {
    assert.match(squash(await v.page.locator('#legend').innerText()), /runs on different inputs/);
    await v.page.locator(`${NODE}[data-node-id="/relu2/Relu"]`).click();
    const details = squash(await v.page.locator('#details .compare-details .compare-warnings').innerText());
    assert.match(details, /did not see the same inputs/);
    const text = await showModelView(v);
    const warnings = await v.page.locator(`${SUMMARY} .compare-warnings li`).allInnerTexts();
    assert.deepEqual(warnings, info.warnings);
    assert.match(text, /These runs did not see the same inputs/);
    assert.ok(text.includes('16 samples, synthetic'), text);
    await v.screenshot('compare-warnings-dark');
    await v.page.locator('button[data-view="graph"]').click();
  });
});

describe('viewer webview: layers matched by structure, unmatched and ambiguous', function () {
  let a: Run;
  before(async () => {
    a = await run(DEAD_CNN, { inputs: DIGITS });
  });

  it('a renamed export (this viewer is B): each layer matched by structure, listed with its counterpart and the evidence', async () => {
    const renamed = await run(RENAMED_CNN, { inputs: DIGITS });
    const info = compare(a, renamed, 'b');
    assert.ok(info.nodes.length > 0 && info.nodes.every((n) => n.how === 'structure'));
    const v = await ViewerPage.open(RENAMED_CNN);
    try {
      await v.waitForGraph();
      v.session.send({ type: 'comparison', comparison: info });
      await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
      await showModelView(v);
      const items = await v.page.locator(`${SUMMARY} ul.structure-matches li`).evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-node'), (li as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ')]));
      assert.deepEqual(items.map(([node]) => node), info.nodes.map((n) => n.node));
      for (const [k, n] of info.nodes.entries()) {
        assert.ok(items[k][1].includes(`${n.node} ↔ ${n.other}`), items[k][1]);
        assert.ok(items[k][1].includes(n.evidence!), items[k][1]);
      }
      assert.match(await v.page.locator(SUMMARY).innerText(), /This model is B/);
      // the same weights on the same inputs: B's own values are A's
      await v.page.locator('button[data-view="graph"]').click();
      const n = info.nodes[1];
      await v.page.locator(`${NODE}[data-node-id="${n.node}"]`).click();
      const d = squash(await v.page.locator('#details .compare-details').innerText());
      assert.ok(d.includes(`matched ${n.other} in A · dead_cnn.onnx, by structure (${n.evidence})`), d);
      assert.ok(d.includes(`Dead in both: ${n.deadInBoth.length}`), d);
      await v.screenshot('compare-renamed-light');
    } finally {
      await v.close();
    }
  });

  it('a deeper variant: the layer that fits two counterparts is listed as ambiguous and unmatched, not guessed', async () => {
    const deeper = await run(DEEPER_CNN, { inputs: DIGITS });
    const info = compare(a, deeper);
    assert.deepEqual(info.unmatched.here, ['/relu3/Relu']);
    assert.equal(info.ambiguous.length, 1);
    const v = await ViewerPage.open(DEAD_CNN);
    try {
      await v.waitForGraph();
      v.session.send({ type: 'comparison', comparison: info });
      await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
      await showModelView(v);
      assert.deepEqual(await v.page.locator(`${SUMMARY} .unmatched-here li`).allInnerTexts(), info.unmatched.here);
      assert.deepEqual(await v.page.locator(`${SUMMARY} .unmatched-other li`).allInnerTexts(), info.unmatched.other);
      assert.deepEqual(await v.page.locator(`${SUMMARY} ul.ambiguous li`).allInnerTexts(), info.ambiguous.map((g) => `${g.here.join(', ')} ↔ ${g.other.join(', ')}`));
      await v.screenshot('compare-unmatched-light');
      await v.page.locator('button[data-view="graph"]').click();
      // the unmatched layer: neutral in the graph, explained in its details and table cells
      assert.equal(await v.page.locator(`${NODE}[data-node-id="/relu3/Relu"]`).getAttribute('data-fill'), null);
      await v.page.locator(`${NODE}[data-node-id="/relu3/Relu"]`).click();
      assert.match(await v.page.locator('#details .compare-details .unmatched-note').innerText(), /Not matched: fits more than one layer of B · deeper_cnn\.onnx \(\/head\/head\.2\/Relu, \/head\/head\.4\/Relu\), so none was guessed/);
      await v.page.locator('button[data-view="table"]').click();
      const cell = v.page.locator(`${TABLE} tbody tr[data-node-id="/relu3/Relu"] td.col-compare`).last();
      assert.match((await cell.getAttribute('title'))!, /^Not matched: fits more than one layer/);
    } finally {
      await v.close();
    }
  });
});

describe('viewer webview: a comparison of models with hostile names', function () {
  it('shows node names, file names and input descriptions from the models as text and runs none of them', async () => {
    const dir = tmpDir('al-hostile-compare-');
    const names = (tag: string) => [`<img src=x onerror="window.__pwned=${tag}1">`, `"><svg onload="window.__pwned=${tag}2">`, `<script>window.__pwned=${tag}3</script>`];
    const build = (file: string, n: string[]) =>
      writeModel(dir, file, {
        inputs: [valueInfo('x<b onmouseover=window.__pwned=40>', 1, ['N', 6])],
        outputs: [valueInfo('y', 1, ['N', 6])],
        initializers: [floatTensor('w', [6, 6], Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : -0.4))), floatTensor('bias', [6], [0, -50, 0, 0, -50, 0])],
        nodes: [
          { opType: 'MatMul', input: ['x<b onmouseover=window.__pwned=40>', 'w'], output: ['m'], name: n[0] },
          { opType: 'Add', input: ['m', 'bias'], output: ['h'], name: n[1] },
          { opType: 'Relu', input: ['h'], output: ['y'], name: n[2] },
        ],
      });
    const fileA = build('<img src=x onerror="window.__pwned=41">.onnx', names('5'));
    const fileB = build('<svg onload=window.__pwned=42>.onnx', names('6'));
    const ra = await run(fileA, { samples: 8, seed: 0 });
    const rb = await run(fileB, { samples: 4, seed: 1 });
    const info = compare(ra, rb);
    assert.equal(info.comparable, false);
    assert.equal(info.nodes.length, 1);
    assert.equal(info.nodes[0].how, 'structure');
    const v = await ViewerPage.open(fileA, { bypassCSP: true });
    try {
      await v.waitForGraph();
      v.session.send({ type: 'activationResults', results: nodeResults(ra.result) });
      v.session.send({ type: 'comparison', comparison: info });
      await v.page.locator('#legend[data-overlay="change:deadShare"]').waitFor();
      assert.ok((await v.page.locator('#legend').innerText()).includes(`B · ${path.basename(fileB)}`));
      const relu = names('5')[2];
      await v.page.locator(`${NODE}[data-op="Relu"]`).click();
      const details = await v.page.locator('#details .compare-details').innerText();
      assert.ok(details.includes(names('6')[2]), details);
      const text = await showModelView(v);
      for (const s of [fileA, fileB, relu, names('6')[2], path.basename(fileB)]) assert.ok(text.includes(s), `${s} not shown as text in: ${text}`);
      assert.ok(fs.existsSync(fileA));
      await v.page.locator('button[data-view="table"]').click();
      assert.ok((await v.page.locator(TABLE).innerText()).includes(relu));
      await v.page.locator('button[data-view="graph"]').click();
      await v.page.mouse.move(300, 300);
      await v.page.waitForTimeout(200);
      assert.equal(await v.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined, 'a payload ran');
      const injected = await v.page.evaluate("document.querySelectorAll('img, iframe, object, embed, script:not([nonce]), [onerror], [onload], [onmouseover], b').length");
      assert.equal(injected, 0);
      await v.screenshot('compare-hostile');
    } finally {
      await v.close();
    }
  });
});
