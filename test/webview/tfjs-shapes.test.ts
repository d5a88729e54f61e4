// A TF.js layers-model in the viewer webview: edges and the layer table show every layer's output
// shape as tf.loadLayersModel reports it (dense_3 reads ?×5, not ?).
import * as assert from 'node:assert/strict';
import { saveLayersModel, tempDir, tf } from '../support/tfjsFixtures';
import { tfjsLoad } from '../support/tfjsShapeTruth';
import { closeBrowser, ViewerPage } from './harness';

after(closeBrowser);

/** The viewer's shape text: ? for unknown, × between dimensions. */
const text = (shape: (number | null)[]) => shape.map((d) => (d === null ? '?' : String(d))).join('×');

describe('model viewer webview: TF.js layer output shapes', function () {
  let v: ViewerPage;
  let reference: tf.LayersModel;
  before(async () => {
    const m = tf.sequential({
      name: 'tfjs_shapes',
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 8, activation: 'relu', name: 'dense_2' }),
        tf.layers.dense({ units: 5, name: 'dense_3' }),
      ],
    });
    const saved = await saveLayersModel(m, tempDir());
    reference = await tfjsLoad(saved.modelJson);
    v = await ViewerPage.open(saved.modelJson, { theme: 'light' });
    await v.waitForGraph();
  });
  after(async () => v?.close());

  it('labels the edges with the layer output shapes', async () => {
    const labels = await v.page.locator('svg#graph .edge text.shape').allTextContents();
    await v.screenshot('viewer-tfjs-shapes');
    for (const l of reference.layers) assert.ok(labels.includes(text(l.outputShape as (number | null)[])), `${l.name}: no edge labelled ${text(l.outputShape as (number | null)[])} in ${labels.join(' | ')}`);
  });

  it('shows the output shape of every layer in the layer table', async () => {
    await v.page.locator('button[data-view="table"]').click();
    const rows = await v.page.locator('table#layer-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-node-id'), tr.querySelector('td.shape')?.textContent ?? '']));
    const shown = new Map(rows as [string, string][]);
    for (const l of reference.layers) assert.equal(shown.get(l.name), text(l.outputShape as (number | null)[]), l.name);
    assert.equal(shown.get('dense_3'), '?×5');
  });
});
