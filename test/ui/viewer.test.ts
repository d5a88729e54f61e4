// The model viewer in the real workbench: opening models from the Explorer, Quick Open and the
// command palette, the graph, node details and the layer table, in a light and a dark theme.
import * as assert from 'node:assert/strict';
import { loadModel } from '../../src/formats/load';
import { browser, captureFailure } from './support/hooks';
import { samplePath, Workbench, type Theme } from './support/workbench';

/** Operator nodes of a model as the core reader sees them: what the viewer must show. */
async function modelNodes(relative: string): Promise<{ name: string; opType: string }[]> {
  const model = await loadModel(samplePath(relative));
  return model.graph.nodes.map((n) => ({ name: n.name, opType: n.opType }));
}

/** Graph boxes for operator nodes (graph inputs/outputs are boxes too, with prefixed ids). */
const OP_BOXES = 'svg#graph g.node[data-node-id]:not([data-node-id^="input:"]):not([data-node-id^="output:"])';

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`Model viewer in the workbench (${theme} theme)`, function () {
    let wb: Workbench;

    before(async function () {
      wb = await Workbench.open(await browser(), theme);
    });
    after(async () => {
      await wb?.close();
    });

    describe('opening models', () => {
      afterEach(async function () {
        await captureFailure(this);
        await wb.closeAllEditors();
      });

      it('opens convnet.onnx from the Explorer in the Activation Lens viewer webview', async function () {
        // Seen once in a CI run: the workbench opened the file as text although the extension
        // had activated 0.3 s earlier (its log shows it), a race in VS Code's own editor
        // resolution right after a new window. A second try (editors closed in between) opens
        // the viewer; a missing custom editor fails both.
        this.retries(1);
        await wb.openFromExplorer('convnet.onnx');
        const frame = await wb.webview();
        // The page renders asynchronously once the host has read the model: wait for content.
        const body = frame.locator('body', { hasText: /\S/ });
        assert.ok(await body.waitFor().then(() => true, () => false), 'the viewer webview stays empty');
        // A text editor would show the protobuf bytes; the custom editor must not.
        assert.equal(await wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').count(), 0, 'convnet.onnx opened as text');
      });

      it('opens mlp.onnx with Quick Open (Ctrl+P)', async () => {
        await wb.quickOpen('mlp.onnx');
        await wb.webview();
      });

      it('opens a TF.js model.json with "Activation Lens: Open Model" from the command palette', async () => {
        await wb.quickOpen('tfjs-cnn/model.json');
        // model.json opens as text by default (the viewer is an option for JSON files).
        await wb.page.locator('.editor-group-container.active .monaco-editor .view-lines').waitFor();
        await wb.runCommand('Activation Lens: Open Model');
        const frame = await wb.webview();
        const expected = await modelNodes('tfjs-cnn/model.json');
        await frame.locator(OP_BOXES).first().waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator(OP_BOXES).count(), expected.length);
        await wb.screenshot('viewer-tfjs');
      });
    });

    describe('convnet.onnx in the viewer', () => {
      before(async () => {
        await wb.openFromExplorer('convnet.onnx');
      });

      it('draws the graph with one box per operator node', async () => {
        const frame = await wb.webview();
        const expected = await modelNodes('convnet.onnx');
        await frame.locator(OP_BOXES).first().waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator(OP_BOXES).count(), expected.length);
        // Every operator type of the model is visible in the drawing.
        const svgText = await frame.locator('svg#graph').textContent();
        for (const op of new Set(expected.map((n) => n.opType))) assert.ok(svgText?.includes(op), `no ${op} box in the graph`);
        await wb.screenshot('viewer-graph');
      });

      it('shows a node\'s details when its box is clicked', async () => {
        const frame = await wb.webview();
        const conv = frame.locator(OP_BOXES, { hasText: 'Conv' }).first();
        await conv.click();
        const details = frame.locator('#details');
        await details.waitFor();
        const text = await details.innerText();
        assert.match(text, /Conv/);
        assert.match(text, /conv[12]/, 'the details name the clicked node');
        await wb.screenshot('viewer-details');
      });

      it('lists every layer in the layer table', async () => {
        const frame = await wb.webview();
        await frame.locator('button[data-view="table"]').click();
        const rows = frame.locator('table#layer-table tbody tr');
        await rows.first().waitFor();
        const expected = await modelNodes('convnet.onnx');
        assert.equal(await rows.count(), expected.length);
        // The table fills its rows in frames: read it once every expected name is in.
        let tableText = '';
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
          tableText = await frame.locator('table#layer-table').innerText();
          if (expected.every((n) => tableText.includes(n.name))) break;
        }
        for (const n of expected) {
          assert.ok(tableText.includes(n.name), `layer ${n.name} missing from the table`);
          assert.ok(tableText.includes(n.opType), `op ${n.opType} missing from the table`);
        }
        await wb.screenshot('viewer-table');
        await frame.locator('button[data-view="graph"]').click();
      });
    });
  });
}
