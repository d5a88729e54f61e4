// Dying-ReLU findings in the real workbench: opening a model with dead units fills the Problems
// panel (source "Activation Lens", the node named, a rule code). Screenshot: problems-dead-relu-*.
import * as assert from 'node:assert/strict';
import { browser } from './support/hooks';
import { Workbench, type Theme } from './support/workbench';

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`Dying-ReLU findings in the Problems panel (${theme} theme)`, function () {
    let wb: Workbench;
    before(async () => {
      wb = await Workbench.open(await browser(), theme);
    });
    after(async () => wb?.close());

    it('opening dead_relu_mlp.onnx lists its finding in the Problems panel', async () => {
      await wb.openFromExplorer('dead_relu_mlp.onnx');
      // the viewer draws the graph (findings reach it as well; selecting the ReLU shows them)
      const frame = await wb.webview();
      await frame.locator('svg#graph g.node').first().waitFor({ timeout: 30_000 });
      await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const row = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'relu1' }).first();
      await row.waitFor({ timeout: 30_000 });
      const text = await row.innerText();
      assert.match(text, /relu1: 16 units/);
      const panel = await wb.page.locator('.markers-panel').innerText();
      assert.ok(panel.includes('Activation Lens'), panel);
      assert.ok(panel.includes('linear-relu-negative-bias'), panel);
      // selecting the ReLU in the viewer lists its finding in the details panel
      await frame.locator('svg#graph g.node[data-node-id]', { hasText: 'Relu' }).first().click();
      const details = frame.locator('#details');
      await details.locator('text=16 units').first().waitFor({ timeout: 15_000 });
      await wb.screenshot('problems-dead-relu');
    });
  });
}
