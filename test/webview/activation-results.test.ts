// Measured activations in the viewer webview: the layer table's Dead and Zero fraction columns and
// the details panel's per-unit heat strip, fed by the real host session (as runCommand.ts does).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { NodeActivationResult } from '../../src/protocol';
import { closeBrowser, FIXTURES, ViewerPage, type Theme } from './harness';

const CONVNET = path.join(FIXTURES, 'viewer_convnet.onnx');
const NODE = 'svg#graph g.node[data-node-id]';
const TABLE = 'table#layer-table';

const RELU1: NodeActivationResult = { node: '/relu1/Relu', deadShare: 0.375, zeroFraction: 0.6, activeRate: [0, 0, 0, 0.5, 0.5, 0.9, 0.7, 0.2], histogram: { edges: [0, 1, 2], counts: [5, 3] } };
const RELU2: NodeActivationResult = { node: '/layer1/relu/Relu', deadShare: 0.75, zeroFraction: 0.8, activeRate: [0, 0.4, 0, 0, 0, 1, 0, 0], histogram: { edges: [0, 1, 2], counts: [7, 1] } };

interface Win {
  getComputedStyle(e: unknown): { backgroundColor: string; backgroundImage: string };
}

after(closeBrowser);

async function tableColumn(v: ViewerPage, column: string): Promise<string[][]> {
  const headers = await v.page.locator(`${TABLE} thead th`).evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));
  const at = headers.indexOf(column);
  assert.ok(at >= 0, `no ${column} column in ${headers.join(', ')}`);
  return v.page.locator(`${TABLE} tbody tr`).evaluateAll((trs, i) => trs.map((tr) => [tr.getAttribute('data-node-id')!, (tr as unknown as { cells: { textContent: string }[] }).cells[i].textContent]), at);
}

describe('viewer webview: measured activations in the layer table', function () {
  let v: ViewerPage;
  before(async () => {
    v = await ViewerPage.open(CONVNET, { theme: 'light' });
    await v.waitForGraph();
    await v.page.locator('button[data-view="table"]').click();
    await v.page.locator(`${TABLE} tbody tr`).first().waitFor();
  });
  after(async () => v?.close());

  it('shows no Dead or Zero fraction column before a run', async () => {
    assert.equal(await v.page.locator(`${TABLE} th[data-column="dead"]`).isVisible(), false);
    assert.equal(await v.page.locator(`${TABLE} th[data-column="zeroFraction"]`).isVisible(), false);
  });

  it('adds Dead and Zero fraction columns when results arrive, empty for non-activation layers', async () => {
    v.session.send({ type: 'activationResults', results: [RELU1, RELU2] });
    await v.page.locator(`${TABLE} th[data-column="dead"]`).waitFor({ state: 'visible' });
    assert.ok(await v.page.locator(`${TABLE} th[data-column="zeroFraction"]`).isVisible());
    const dead = new Map((await tableColumn(v, 'dead')).map(([id, t]) => [id, t]));
    const zero = new Map((await tableColumn(v, 'zeroFraction')).map(([id, t]) => [id, t]));
    assert.equal(dead.get('/relu1/Relu'), '38 %');
    assert.equal(dead.get('/layer1/relu/Relu'), '75 %');
    assert.equal(zero.get('/relu1/Relu'), '60 %');
    assert.equal(zero.get('/layer1/relu/Relu'), '80 %');
    assert.equal(dead.get('/conv1/Conv'), '');
    assert.equal(zero.get('/fc/Gemm'), '');
    assert.equal(await v.page.locator(`${TABLE} tbody tr[data-node-id="/relu1/Relu"] td`).nth(6).getAttribute('title'), '3 of 8 units dead');
    await v.screenshot('viewer-table-measured-light');
  });

  it('sorts by dead share numerically, deadest first, layers without results last in both directions', async () => {
    const dead = `${TABLE} th[data-column="dead"]`;
    await v.page.locator(`${dead} button`).click();
    assert.equal(await v.page.locator(dead).getAttribute('aria-sort'), 'descending');
    let rows = await tableColumn(v, 'dead');
    assert.deepEqual(rows.slice(0, 2), [['/layer1/relu/Relu', '75 %'], ['/relu1/Relu', '38 %']]);
    assert.ok(rows.slice(2).every(([, t]) => t === ''));
    await v.page.locator(`${dead} button`).click();
    assert.equal(await v.page.locator(dead).getAttribute('aria-sort'), 'ascending');
    rows = await tableColumn(v, 'dead');
    assert.deepEqual(rows.slice(0, 2), [['/relu1/Relu', '38 %'], ['/layer1/relu/Relu', '75 %']]);
    assert.equal(rows.length, 10);
  });

  it('hides the columns again when the results are cleared (model changed on disk)', async () => {
    v.session.send({ type: 'activationResults', results: [] });
    await v.page.locator(`${TABLE} th[data-column="dead"]`).waitFor({ state: 'hidden' });
    assert.equal(await v.page.locator(`${TABLE} th[data-column="zeroFraction"]`).isVisible(), false);
    await v.page.locator(`${TABLE} th[data-column="name"] button`).click(); // leave the table sorted by a column that exists
  });
});

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`viewer webview: per-unit heat strip in the details (${theme})`, function () {
    let v: ViewerPage;
    before(async () => {
      v = await ViewerPage.open(CONVNET, { theme });
      await v.waitForGraph();
    });
    after(async () => v?.close());

    it('draws one cell per unit for the selected activation layer, dead units marked and labelled', async () => {
      v.session.send({ type: 'activationResults', results: [RELU1, RELU2] });
      await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"] .badge text`).waitFor();
      await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).click();
      const strip = v.page.locator('#details .heat-strip');
      await strip.waitFor();
      assert.equal(await strip.locator('[data-unit]').count(), RELU1.activeRate.length);
      const units = await strip.locator('[data-unit]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-unit'))));
      assert.deepEqual(units, [0, 1, 2, 3, 4, 5, 6, 7]);
      const dead = await strip.locator('[data-unit].dead').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-unit'))));
      assert.deepEqual(dead, [0, 1, 2]);
      assert.equal(await strip.locator('[data-unit="0"]').getAttribute('title'), 'unit 0: active 0 % (dead)');
      assert.equal(await strip.locator('[data-unit="5"]').getAttribute('title'), 'unit 5: active 90 %');
      assert.match((await strip.getAttribute('aria-label'))!, /8 units, 3 dead/);
      // dead units look different from live ones, and a busier unit is drawn differently from a quiet one
      const look = (i: number) => strip.locator(`[data-unit="${i}"]`).evaluate((e) => {
        const cs = (globalThis as unknown as Win).getComputedStyle(e);
        return `${cs.backgroundColor} ${cs.backgroundImage}`;
      });
      const [deadLook, quiet, busy] = [await look(0), await look(7), await look(5)];
      assert.notEqual(deadLook, quiet);
      assert.notEqual(quiet, busy);
      assert.equal(await look(3), await look(4), 'equal rates, equal colours');
      await v.page.locator('#details .heat-strip').scrollIntoViewIfNeeded();
      await v.screenshot(`viewer-heat-strip-${theme}`);
    });

    it('follows the selection to another layer and shows nothing for layers without results', async () => {
      v.session.send({ type: 'selectNode', node: '/layer1/relu/Relu' });
      await v.until(`document.querySelectorAll('#details .heat-strip [data-unit].dead').length === 6`);
      v.session.send({ type: 'selectNode', node: '/conv1/Conv' });
      await v.until(`!document.querySelector('#details .heat-strip')`);
    });
  });
}

describe('viewer webview: heat strip for a wide layer', function () {
  let v: ViewerPage;
  before(async () => {
    v = await ViewerPage.open(CONVNET, { theme: 'light' });
    await v.waitForGraph();
  });
  after(async () => v?.close());

  it('caps the strip at 4,096 unit cells and says how many units it left out', async () => {
    const rates = Array.from({ length: 10_000 }, (_, i) => (i % 7 === 0 ? 0 : (i % 100) / 100));
    v.session.send({ type: 'activationResults', results: [{ ...RELU1, activeRate: rates, deadShare: rates.filter((r) => r === 0).length / rates.length }] });
    v.session.send({ type: 'selectNode', node: '/relu1/Relu' });
    await v.page.locator('#details .heat-strip').waitFor();
    assert.equal(await v.page.locator('#details .heat-strip [data-unit]').count(), 4096);
    assert.match(await v.page.locator('#details').innerText(), /Showing the first 4,096 of 10,000 units/);
    const dead = rates.filter((r) => r === 0).length;
    assert.match((await v.page.locator('#details .heat-strip').getAttribute('aria-label'))!, new RegExp(`10,000 units, ${dead.toLocaleString('en-US')} dead`));
  });
});

describe('viewer webview: results stored before the webview is ready', function () {
  it('paints results the host had before the page loaded (a reopened editor of a model already run)', async () => {
    // what viewer.ts does for a new editor: hand the session the stored run before the webview is ready
    const v = await ViewerPage.open(CONVNET, { theme: 'light' });
    try {
      v.session.send({ type: 'activationResults', results: [RELU1] });
      await v.waitForGraph();
      await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"] .badge text`).waitFor();
      await v.page.locator('button[data-view="table"]').click();
      await v.page.locator(`${TABLE} th[data-column="dead"]`).waitFor({ state: 'visible' });
      assert.equal(await v.page.locator(`${TABLE} tbody tr[data-node-id="/relu1/Relu"] td`).nth(6).textContent(), '38 %');
    } finally {
      await v.close();
    }
  });
});
