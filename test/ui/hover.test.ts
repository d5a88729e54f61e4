// Glossary hovers in the real editor: pointing at an activation in a Python file shows its card.
import * as assert from 'node:assert/strict';
import { browser } from './support/hooks';
import { Workbench } from './support/workbench';

describe('Glossary hover in a Python file', () => {
  let wb: Workbench;
  before(async () => {
    wb = await Workbench.open(await browser(), 'dark');
  });
  after(async () => wb?.close());

  it('pointing at nn.ReLU in train_mlp.py shows the ReLU card with its formula and a link to the full entry', async () => {
    await wb.quickOpen('train_mlp.py');
    const text = await wb.hover('nn.ReLU');
    assert.match(text, /ReLU/);
    assert.ok(text.includes('max(0, x)'), text);
    assert.ok(text.includes('Open full entry'), text);
    await wb.screenshot('hover-relu');
  });
});
