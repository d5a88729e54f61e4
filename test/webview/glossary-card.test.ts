// The glossary card in the model viewer (issue 8, item 3): hovering or focusing an activation
// node, a layer-table activation cell, a details term or a finding's rule shows the card the
// editor hovers show, built by the real host session from src/glossary.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cardForTerm, entryById } from '../../src/glossary';
import { loadModel } from '../../src/formats/load';
import { ViewerSession } from '../../src/extension/viewerGraph';
import { isWebviewMessage, type HostMessage } from '../../src/protocol';
import { closeBrowser, FIXTURES, ViewerPage } from './harness';

const CONVNET = path.join(FIXTURES, 'viewer_convnet.onnx');
const HOSTILE = path.join(FIXTURES, 'viewer_hostile.onnx');
const IF_MODEL = path.join(FIXTURES, 'viewer_if.onnx');
const NODE = 'svg#graph g.node[data-node-id]';
const CARD = '#glossary-card';

after(closeBrowser);

async function cardText(v: ViewerPage): Promise<string> {
  await v.page.locator(CARD).waitFor({ state: 'visible' });
  return v.page.locator(CARD).innerText();
}

/** The card without its first line when that is the context ("Relu: /relu1/Relu"). */
async function cardBody(v: ViewerPage): Promise<string> {
  await v.page.locator(CARD).waitFor({ state: 'visible' });
  return v.page.locator(`${CARD} > :not(.card-context)`).evaluateAll((els) => els.map((e) => (e as unknown as { innerText: string }).innerText).join('\n'));
}

/** Waits for the card of `title` (a previous card may still be up while the next one loads). */
async function cardTitled(v: ViewerPage, title: string): Promise<void> {
  await v.until(`!document.querySelector('${CARD}').hidden && document.querySelector('${CARD} .card-title')?.textContent === ${JSON.stringify(title)}`).catch(async (e) => {
    throw new Error(`${(e as Error).message}; card: ${await v.page.locator(CARD).innerText().catch(() => '?')}`);
  });
}

async function moveAway(v: ViewerPage): Promise<void> {
  await v.page.mouse.move(5, 790);
  await v.page.locator(CARD).waitFor({ state: 'hidden' });
}

describe('viewer glossary card: a small conv net', function () {
  let v: ViewerPage;
  before(async () => {
    v = await ViewerPage.open(CONVNET, { theme: 'light' });
    await v.waitForGraph();
  });
  after(async () => v?.close());

  it('hovering a Relu node shows the ReLU card with its formula, range and this model\'s layer count', async () => {
    assert.equal(await v.page.locator(CARD).isVisible(), false);
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).hover();
    await cardTitled(v, 'ReLU');
    const text = await cardText(v);
    const expected = cardForTerm('Relu')!;
    assert.match(text, /Relu: \/relu1\/Relu/);
    assert.ok(text.includes(expected.summary), text);
    assert.equal(await v.page.locator(`${CARD} .card-lines code`).first().textContent(), 'f(x) = max(0, x)');
    for (const l of expected.lines) assert.ok(text.includes(l.text), `card lacks "${l.text}": ${text}`);
    // the model has two Relu layers; no run yet, so no dead share
    assert.match(text, /In open model\s+viewer_convnet\.onnx: 2 layers$/m);
    assert.doesNotMatch(text, /dead units measured/);
    // the node is described by the card, for screen readers
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).getAttribute('aria-describedby'), 'glossary-card');
    assert.ok(v.sent.some((m) => m.type === 'requestGlossaryCard' && m.term === 'Relu'));
    await moveAway(v);
  });

  it('shows cards only on activation nodes: a Conv box has none', async () => {
    await v.page.locator(`${NODE}[data-node-id="/conv1/Conv"]`).hover();
    await v.page.waitForTimeout(700);
    assert.equal(await v.page.locator(CARD).isVisible(), false);
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/conv1/Conv"]`).getAttribute('data-term'), null);
    await v.page.locator(`${NODE}[data-op="Softmax"]`).hover();
    await cardTitled(v, 'Softmax');
    await moveAway(v);
  });

  it('hovering the op term in the details panel shows the same card', async () => {
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).hover();
    const fromGraph = await cardBody(v);
    await moveAway(v);
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).click();
    await v.page.locator('#details .node-name', { hasText: '/relu1/Relu' }).waitFor();
    await v.page.locator('#details .op-title .term').hover();
    assert.equal(await cardBody(v), fromGraph);
    await moveAway(v);
    // and the activation fact, from the keyboard (Tab from the op term)
    await v.page.locator('#details .op-title .term').focus(); // programmatic focus: no card
    await v.page.keyboard.press('Tab');
    assert.equal(await v.page.evaluate("document.activeElement.closest('dd') !== null && document.activeElement.textContent"), 'Relu');
    assert.equal(await cardBody(v), fromGraph);
    await v.page.keyboard.press('Escape');
    await v.page.locator(CARD).waitFor({ state: 'hidden' });
  });

  it('a term the glossary does not know (Gemm) shows no card', async () => {
    await v.page.locator(`${NODE}[data-node-id="/fc/Gemm"]`).click();
    await v.page.locator('#details .node-name', { hasText: '/fc/Gemm' }).waitFor();
    await v.page.locator('#details .op-title .term').hover();
    const asked = () => v.sent.filter((m) => m.type === 'requestGlossaryCard' && m.term === 'Gemm').length;
    for (let i = 0; i < 50 && !asked(); i++) await v.page.waitForTimeout(50);
    assert.equal(asked(), 1);
    await v.page.waitForTimeout(300);
    assert.equal(await v.page.locator(CARD).isVisible(), false);
    await moveAway(v).catch(() => undefined);
  });

  it('includes the measured dead share once activation results arrive', async () => {
    // As the run command does: through the host session, which keeps them for the cards.
    const hist = { edges: [0, 1], counts: [1] };
    v.session.send({
      type: 'activationResults',
      results: [
        { node: '/relu1/Relu', deadShare: 3 / 8, zeroFraction: 0.5, activeRate: [0, 0, 0, 1, 1, 1, 1, 1], histogram: hist },
        { node: '/layer1/relu/Relu', deadShare: 2 / 8, zeroFraction: 0.4, activeRate: [0, 0, 1, 1, 1, 1, 1, 1], histogram: hist },
      ],
    });
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"] .badge text`).waitFor();
    await v.page.locator(`${NODE}[data-node-id="/layer1/relu/Relu"]`).hover();
    // 5 dead units of 16
    assert.match(await cardText(v), /viewer_convnet\.onnx: 2 layers, 31 % dead units measured/);
    await moveAway(v);
  });

  it('hovering a finding\'s rule shows the card of the term the rule is about', async () => {
    v.session.send({ type: 'findings', findings: [{ node: '/relu1/Relu', severity: 'warning', message: 'channel 3 is dead for every input', code: 'bn-relu-dead' }] });
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).click();
    await v.page.locator('#details').getByText('channel 3 is dead for every input').waitFor();
    const rule = v.page.locator('#details ul.findings .rule .term');
    assert.equal(await rule.textContent(), 'bn-relu-dead');
    await rule.hover();
    await cardTitled(v, entryById('dying-relu')!.name);
    await moveAway(v);
  });

  it('hovering an activation cell of the layer table, or focusing its row, shows the card', async () => {
    await v.page.locator('button[data-view="table"]').click();
    const cell = v.page.locator('#layer-table tr[data-node-id="/layer1/relu/Relu"] td[data-term]');
    assert.equal(await cell.textContent(), 'Relu');
    await cell.hover();
    await cardTitled(v, 'ReLU');
    await moveAway(v);
    // a click focuses its row but shows no card; the arrow keys do
    await v.page.locator('#layer-table tr[data-node-id="/fc/Gemm"]').click();
    await v.page.waitForTimeout(500);
    assert.equal(await v.page.locator(CARD).isVisible(), false);
    await v.page.keyboard.press('ArrowDown');
    assert.equal(await v.page.evaluate("document.activeElement.getAttribute('data-node-id')"), '/Softmax');
    await cardTitled(v, 'Softmax');
    await v.page.keyboard.press('Escape');
    await v.page.locator(CARD).waitFor({ state: 'hidden' });
    await v.page.locator('button[data-view="graph"]').click();
  });

  it('clicking "Open full entry" posts the openGlossary message the host runs the command for', async () => {
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).hover();
    await v.page.locator(CARD).waitFor({ state: 'visible' });
    const links = await v.page.locator(`${CARD} .card-links button`).allTextContents();
    assert.deepEqual(links, ['Open full entry', 'Select first: /relu1/Relu', 'Other terms…']);
    await v.page.locator(`${CARD} button`, { hasText: 'Open full entry' }).click();
    await v.page.locator(CARD).waitFor({ state: 'hidden' });
    const m = v.sent.find((x) => x.type === 'openGlossary');
    assert.deepEqual(m, { type: 'openGlossary', entry: 'relu' });
    // what src/extension/viewer.ts accepts and hands to activationLens.openGlossary
    assert.ok(isWebviewMessage(m) && entryById((m as { entry: string }).entry));
  });

  it('its "Select first" link selects that layer in this viewer', async () => {
    await v.page.locator(`${NODE}[data-node-id="/layer1/relu/Relu"]`).hover();
    await v.page.locator(`${CARD} button`, { hasText: 'Select first: /relu1/Relu' }).click();
    await v.until(`document.querySelector('${NODE}.selected')?.getAttribute('data-node-id') === '/relu1/Relu'`);
  });

  it('follows keyboard focus in the graph, and Tab reaches its links', async () => {
    await moveAway(v).catch(() => undefined);
    await v.page.locator(`${NODE}[data-node-id="/bn1/BatchNormalization"]`).click();
    await v.page.locator('svg#graph').focus();
    await v.page.keyboard.press('ArrowDown'); // bn1 → relu1
    await v.page.locator(CARD).waitFor({ state: 'visible' });
    assert.match(await cardText(v), /Relu: \/relu1\/Relu/);
    await v.page.keyboard.press('Tab');
    assert.equal(await v.page.evaluate("document.activeElement.textContent"), 'Open full entry');
    await v.page.keyboard.press('Escape');
    await v.page.locator(CARD).waitFor({ state: 'hidden' });
    assert.equal(await v.page.evaluate("document.activeElement.id"), 'graph');
    assert.deepEqual(v.consoleErrors, []);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`looks like a VS Code hover in the ${theme} theme (screenshot)`, async () => {
      const w = theme === 'light' ? v : await ViewerPage.open(CONVNET, { theme });
      try {
        if (w !== v) await w.waitForGraph();
        else await moveAway(w).catch(() => undefined);
        await w.page.locator(`${NODE}[data-node-id="/relu1/Relu"]`).click();
        await w.page.locator(`${NODE}[data-node-id="/layer1/relu/Relu"]`).hover();
        await w.page.locator(CARD).waitFor({ state: 'visible' });
        const box = (await w.page.locator(CARD).boundingBox())!;
        assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1280 && box.y + box.height <= 800, JSON.stringify(box));
        const [bg, fg] = await w.page.locator(CARD).evaluate((e) => {
          const cs = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; color: string } }).getComputedStyle(e);
          return [cs.backgroundColor, cs.color];
        });
        assert.notEqual(bg, fg);
        assert.equal(bg, theme === 'light' ? 'rgb(248, 248, 248)' : 'rgb(32, 32, 32)');
        await w.screenshot(`viewer-glossary-card-${theme}`);
      } finally {
        if (w !== v) await w.close();
      }
    });
  }
});

describe('viewer glossary card: hostile strings', () => {
  it('shows node and file names in the card as text and runs none of them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'al-card-'));
    const file = path.join(dir, '<img src=x onerror=window.__pwned=20>.onnx');
    copyFileSync(HOSTILE, file);
    // Without the CSP's help: nothing may be parsed as markup in the first place.
    const v = await ViewerPage.open(file, { bypassCSP: true });
    try {
      await v.waitForGraph();
      await v.page.locator(`${NODE}[data-op="Relu"]`).hover();
      const text = await cardText(v);
      assert.ok(text.includes('Relu: "><svg onload="window.__pwned=3">'), text);
      assert.ok(text.includes('<img src=x onerror=window.__pwned=20>.onnx: 1 layer'), text);
      assert.ok((await v.page.locator(`${CARD} .card-links`).innerText()).includes('Select first: "><svg onload="window.__pwned=3">'));
      await v.page.locator(`${CARD} .card-links button`).nth(1).hover();
      await v.page.waitForTimeout(200);
      assert.equal(await v.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined, 'a payload ran');
      assert.equal(await v.page.evaluate("document.querySelectorAll('#glossary-card *').length === document.querySelectorAll('#glossary-card div, #glossary-card dl, #glossary-card dt, #glossary-card dd, #glossary-card code, #glossary-card button, #glossary-card span').length"), true);
      assert.equal(await v.page.evaluate("document.querySelectorAll('img, svg svg, [onerror], [onload]').length"), 0);
    } finally {
      await v.close();
    }
  });
});

describe('viewer glossary card: the host session\'s answers', () => {
  async function ask(file: string, term: string, before: HostMessage[] = []): Promise<Extract<HostMessage, { type: 'glossaryCard' }>> {
    const got: HostMessage[] = [];
    const session = new ViewerSession(file, () => loadModel(file), (m) => void got.push(m));
    for (const m of before) session.send(m);
    await session.handle({ type: 'requestGlossaryCard', id: 7, term });
    const reply = got.find((m) => m.type === 'glossaryCard');
    assert.ok(reply && reply.type === 'glossaryCard' && reply.id === 7 && reply.term === term);
    return reply;
  }

  it('counts layers inside If branches, and links to the first one', async () => {
    const r = await ask(IF_MODEL, 'Relu');
    assert.equal(r.card?.title, 'ReLU');
    assert.ok(r.card!.lines.some((l) => l.text === 'viewer_if.onnx: 1 layer'));
    assert.equal(r.node, 'then_relu');
    assert.deepEqual(r.card!.links.map((l) => l.command), ['activationLens.openGlossary', 'activationLens.viewer.selectNode', 'activationLens.explainTerm']);
  });

  it('maps a finding rule id to the glossary term the rule names, and other spellings to their entry', async () => {
    assert.equal((await ask(CONVNET, 'bn-relu-dead')).card?.id, 'dying-relu');
    assert.equal((await ask(CONVNET, 'thresholded-relu-large-alpha')).card?.id, 'thresholded-relu');
    assert.equal((await ask(CONVNET, 'LeakyRelu')).card?.id, 'leaky-relu');
    // an activation the model does not use: the card, with no usage line and no select link
    const leaky = (await ask(CONVNET, 'LeakyRelu')).card!;
    assert.ok(!leaky.lines.some((l) => l.label === 'In open model'));
    assert.ok(!leaky.links.some((l) => l.command === 'activationLens.viewer.selectNode'));
  });

  it('answers unknown, prototype-named and oversized terms with no card', async () => {
    for (const term of ['Gemm', '__proto__', 'constructor', 'hasOwnProperty', 'x'.repeat(100_000)]) {
      const r = await ask(CONVNET, term);
      assert.equal(r.card, undefined, term.slice(0, 20));
      assert.equal(r.node, undefined);
    }
  });

  it('weights the measured dead share by units over every layer of that activation', async () => {
    const hist = { edges: [0, 1], counts: [1] };
    const r = await ask(CONVNET, 'relu', [
      { type: 'activationResults', results: [
        { node: '/relu1/Relu', deadShare: 1 / 2, zeroFraction: 0.5, activeRate: [0, 1], histogram: hist },
        { node: '/layer1/relu/Relu', deadShare: 0, zeroFraction: 0, activeRate: [1, 1, 1, 1, 1, 1], histogram: hist },
        { node: '/Softmax', deadShare: 1, zeroFraction: 1, activeRate: [0, 0, 0, 0, 0, 0, 0, 0], histogram: hist },
      ] },
    ]);
    // 1 dead unit of 8 ReLU units; the Softmax layer is not a ReLU
    assert.ok(r.card!.lines.some((l) => l.text === 'viewer_convnet.onnx: 2 layers, 13 % dead units measured'), JSON.stringify(r.card!.lines));
  });
});
