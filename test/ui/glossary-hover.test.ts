// Glossary hovers in the real workbench: hovering nn.ReLU in a .py file shows the card, and its
// "Open full entry" link opens the glossary panel. Screenshots: glossary-hover-*, glossary-panel-*.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { browser } from './support/hooks';
import { samplePath, Workbench, type Theme } from './support/workbench';

const NET_PY = `import torch.nn as nn

# beware of the dying ReLU problem
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = nn.ReLU(inplace=True)
        self.head = nn.LeakyReLU(0.01)
`;

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`Glossary hovers in the workbench (${theme} theme)`, function () {
    let wb: Workbench;
    before(async () => {
      fs.writeFileSync(samplePath('glossary_net.py'), NET_PY);
      wb = await Workbench.open(await browser(), theme);
    });
    after(async () => wb?.close());

    it('hovering nn.ReLU in a .py file shows the ReLU card', async () => {
      await wb.quickOpen('glossary_net.py');
      const token = wb.page.locator('.editor-group-container.active .view-line span', { hasText: 'ReLU' }).filter({ hasNotText: 'dying' }).first();
      await token.waitFor();
      const card = wb.page.locator('.monaco-hover:visible', { hasText: 'Open full entry' }).first();
      // The extension activates when the Python file opens; hover again until its provider answers.
      for (let i = 0; i < 10; i++) {
        await wb.page.mouse.move(5, 5);
        await token.hover();
        if (await card.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
      }
      const text = await card.innerText();
      assert.ok(text.includes('ReLU'), text);
      assert.ok(text.includes('f(x) = max(0, x)'), text);
      assert.ok(text.includes('[0, +∞)'), text);
      assert.ok(text.includes('Dying ReLU'), text);
      await wb.screenshot('glossary-hover-relu');
    });

    it('"Open full entry" opens the glossary panel with the entry and its plot; search finds aliases', async () => {
      await wb.page.locator('.monaco-hover a', { hasText: 'Open full entry' }).first().click();
      const frame = await wb.webview();
      await frame.locator('h1', { hasText: 'ReLU' }).waitFor();
      assert.equal(await frame.locator('svg.plot path').count(), 2);
      await frame.locator('#search').fill('nn.LeakyReLU');
      await frame.locator('#search').press('Enter');
      await frame.locator('h1', { hasText: 'Leaky ReLU' }).waitFor();
      await wb.page.mouse.move(5, 5);
      await wb.screenshot('glossary-panel-leaky-relu');
    });
  });
}
