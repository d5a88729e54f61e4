// The model viewer webview in headless Chromium, answered by the real host session over real
// models. Screenshots land in test-results/screenshots/.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../src/formats/load';
import { tensorStats } from '../../src/analysis/tensorStats';
import { buildViewerGraph } from '../../src/extension/viewerGraph';
import { FIRST_PICTURE_BUDGET, GraphModel } from '../../media/graphModel';
import { closeBrowser, FIXTURES, generateLargeModel, ViewerPage } from './harness';

const CONVNET = path.join(FIXTURES, 'viewer_convnet.onnx');
const IF_MODEL = path.join(FIXTURES, 'viewer_if.onnx');
const HOSTILE = path.join(FIXTURES, 'viewer_hostile.onnx');
const NODE = 'svg#graph g.node[data-node-id]';

/** The page's globals used inside evaluate callbacks (this tsconfig has no DOM library). */
interface Win {
  getComputedStyle(e: unknown): { stroke: string; fill: string; backgroundColor: string };
  document: { body: unknown };
}

after(closeBrowser);

describe('model viewer webview: a small conv net', function () {
  let v: ViewerPage;
  before(async () => {
    v = await ViewerPage.open(CONVNET, { theme: 'light' });
    await v.waitForGraph();
  });
  after(async () => v?.close());

  it('draws one box per node, with its op type, and edges labelled with shapes', async () => {
    const model = await loadModel(CONVNET);
    const ids = await v.page.locator(NODE).evaluateAll((els) => els.map((e) => [e.getAttribute('data-node-id'), e.getAttribute('data-op')]));
    assert.deepEqual(
      ids.map(([id]) => id).sort(),
      model.graph.nodes.map((n) => n.name).sort(),
    );
    for (const [id, op] of ids) assert.equal(op, model.graph.nodes.find((n) => n.name === id)!.opType);
    const labels = await v.page.locator('svg#graph .edge text.shape').allTextContents();
    assert.ok(labels.includes('N×8×16×16'), `edge labels: ${labels.join(' | ')}`);
    // graph input and output are drawn too
    assert.equal(await v.page.locator('svg#graph g.io.input').count(), 1);
    assert.equal(await v.page.locator('svg#graph g.io.output').count(), 1);
  });

  it('makes ReLU nodes stand out in their own colour and other activations in another', async () => {
    const relu = v.page.locator(`${NODE}[data-op="Relu"]`).first();
    const softmax = v.page.locator(`${NODE}[data-op="Softmax"]`);
    const conv = v.page.locator(`${NODE}[data-op="Conv"]`).first();
    assert.match((await relu.getAttribute('class'))!, /\brelu\b/);
    assert.match((await softmax.getAttribute('class'))!, /\bact\b/);
    const stroke = (l: typeof relu) => l.locator('rect.box').evaluate((e) => (globalThis as unknown as Win).getComputedStyle(e).stroke);
    const [r, s, c] = [await stroke(relu), await stroke(softmax), await stroke(conv)];
    assert.notEqual(r, s);
    assert.notEqual(r, c);
    assert.notEqual(s, c);
  });

  it('lays the graph out in a web worker under the page CSP, with no errors and no remote requests', async () => {
    const status = await v.page.locator('#status').textContent();
    assert.match(status!, /in a worker/);
    assert.deepEqual(v.consoleErrors, []);
    const csp = await v.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp!, /^default-src 'none'/);
    assert.match(csp!, /script-src 'nonce-[A-Za-z0-9]{20,}'/);
    assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval|https?:\/\/(?!webview\.test)/);
  });

  it('shows a clicked node\'s attributes, inputs, outputs and weight statistics computed by the host', async () => {
    await v.page.locator(`${NODE}[data-node-id="/conv1/Conv"]`).click();
    const details = v.page.locator('#details');
    await details.locator('.weight-stats.done').first().waitFor();
    const text = await details.innerText();
    assert.match(text, /Conv/);
    assert.match(text, /\/conv1\/Conv/);
    assert.match(text, /kernel_shape/);
    assert.match(text, /conv1\.weight/);
    assert.match(text, /float \[8, 3, 3, 3\]/);
    // the statistics are the tensor's, as streamed on the host side
    const model = await loadModel(CONVNET);
    const w = model.graph.initializers.find((t) => t.name === 'conv1.weight')!;
    const expected = await tensorStats(() => w.values(), 32);
    const block = details.locator('.weight-stats[data-tensor="conv1.weight"]');
    const blockText = await block.innerText();
    assert.match(blockText, new RegExp(`min\\s+${expected.min.toPrecision(4).replace(/\.?0+$/, '').replace('-', '\\-')}`));
    assert.equal(await block.locator('svg.histogram rect').count(), 32);
    assert.ok(v.sent.some((m) => m.type === 'requestWeightStats' && m.tensor === 'conv1.weight'));
    assert.equal(await v.page.locator(`${NODE}.selected`).getAttribute('data-node-id'), '/conv1/Conv');
    await v.screenshot('viewer-light');
  });

  it('links each input to the node producing it and each output to its consumers', async () => {
    await v.page.locator('#details button[data-goto="/bn1/BatchNormalization"]').click();
    await v.page.locator('#details .node-name', { hasText: '/bn1/BatchNormalization' }).waitFor();
    const text = await v.page.locator('#details').innerText();
    assert.match(text, /from \/conv1\/Conv/);
    assert.match(text, /to \/relu1\/Relu/);
    await v.page.locator('#details button[data-goto="input:input"]').count().then((n) => assert.equal(n, 0));
    await v.page.locator('#details button[data-goto="/relu1/Relu"]').click();
    // the Relu output feeds both the next conv and the residual Add
    await v.page.locator('#details button[data-goto="/layer1/Add"]').waitFor();
    assert.equal(await v.page.locator(`${NODE}.selected`).getAttribute('data-node-id'), '/relu1/Relu');
  });

  it('finds nodes by op type and tensor name, and steps through the matches', async () => {
    await v.page.keyboard.press('Control+f');
    assert.equal(await v.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id), 'search');
    await v.page.locator('#search').fill('gemm');
    assert.equal(await v.page.locator('#search-count').textContent(), '1 found');
    await v.page.locator('#search').press('Enter');
    await v.page.locator('#details').getByText('/fc/Gemm').first().waitFor();
    await v.page.locator('#search').fill('layer1_relu_out');
    assert.equal(await v.page.locator('#search-count').textContent(), '2 found');
    assert.equal(await v.page.locator(`${NODE}.match`).count(), 2);
    await v.page.locator('#search').press('Enter');
    await v.page.locator('#search').press('Enter');
    assert.equal(await v.page.locator('#search-count').textContent(), '2 of 2');
    assert.equal(await v.page.locator(`${NODE}.selected`).getAttribute('data-node-id'), '/layer1/Add');
    await v.page.locator('#search').fill('');
  });

  it('moves along edges with the arrow keys and selects with Enter', async () => {
    await v.page.locator(`${NODE}[data-node-id="/bn1/BatchNormalization"]`).click();
    await v.page.locator('svg#graph').focus();
    await v.page.keyboard.press('ArrowDown');
    assert.equal(await v.page.locator(`${NODE}.focused`).getAttribute('data-node-id'), '/relu1/Relu');
    await v.page.keyboard.press('Enter');
    await v.page.locator('#details').getByText('/relu1/Relu').first().waitFor();
    await v.page.keyboard.press('ArrowUp');
    assert.equal(await v.page.locator(`${NODE}.focused`).getAttribute('data-node-id'), '/bn1/BatchNormalization');
  });

  it('lists every node in a layer table that sorts, filters and selects', async () => {
    await v.page.locator('button[data-view="table"]').click();
    const rows = v.page.locator('table#layer-table tbody tr');
    assert.equal(await rows.count(), 10);
    await v.page.locator('table#layer-table th[data-column="params"] button').click();
    await v.page.locator('table#layer-table th[data-column="params"] button').click();
    assert.equal(await v.page.locator('table#layer-table th[data-column="params"]').getAttribute('aria-sort'), 'descending');
    assert.equal(await rows.first().getAttribute('data-node-id'), '/fc/Gemm'); // 1,290 parameters: the most
    await v.page.locator('table#layer-table th[data-column="name"] button').click();
    const names = await v.page.locator('table#layer-table tbody tr td.name').allTextContents();
    assert.deepEqual(names, [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    await v.page.locator('#table-filter').fill('relu');
    await v.until("document.querySelectorAll('#layer-table tbody tr:not([hidden])').length === 2");
    await v.page.locator('table#layer-table tbody tr:not([hidden])', { hasText: '/layer1/relu/Relu' }).click();
    await v.page.locator('#details').getByText('/layer1/relu/Relu').first().waitFor();
    await v.screenshot('viewer-table-light');
    await v.page.locator('#table-filter').fill('');
    await v.page.locator('button[data-view="graph"]').click();
    assert.equal(await v.page.locator(`${NODE}.selected`).getAttribute('data-node-id'), '/layer1/relu/Relu');
  });

  it('shows the model panel with producer, opsets, inputs, parameters, metadata and op histogram', async () => {
    await v.page.locator('button[data-view="model"]').click();
    const text = await v.page.locator('#model-view').innerText();
    for (const s of ['activation-lens-fixtures', 'ai.onnx 13', 'input', 'probabilities', '2,132', 'author', 'viewer tests', 'Conv', 'Softmax']) assert.ok(text.includes(s), `model panel lacks ${s}`);
    await v.page.locator('button[data-view="graph"]').click();
  });

  it('saves zoom, selection and view with setState and restores them in a new webview', async () => {
    await v.page.locator('#zoom-in').click();
    const state = (await v.page.evaluate(() => (globalThis as unknown as { __alState: unknown }).__alState)) as { selection?: string; transform?: { k: number }; view: string };
    assert.equal(state.selection, '/layer1/relu/Relu');
    assert.ok(state.transform && state.transform.k > 0);
    const again = await ViewerPage.open(CONVNET, { state: { ...state, view: 'table' } });
    try {
      await again.page.locator('table#layer-table tbody tr.selected').waitFor();
      assert.equal(await again.page.locator('table#layer-table tbody tr.selected').getAttribute('data-node-id'), '/layer1/relu/Relu');
      await again.page.locator('button[data-view="graph"]').click();
      const transform = await again.page.locator('svg#graph g.viewport').getAttribute('transform');
      assert.ok(transform!.includes(`scale(${state.transform!.k})`), transform!);
    } finally {
      await again.close();
    }
  });

  it('lays the graph out left to right on request', async () => {
    const x = async (sel: string) => (await v.page.locator(sel).boundingBox())!.x;
    const y = async (sel: string) => (await v.page.locator(sel).boundingBox())!.y;
    assert.ok((await y('svg#graph g.io.output')) > (await y('svg#graph g.io.input')));
    await v.page.locator('#toggle-direction').click();
    await v.until("document.querySelector('#graph g.io.output').getBoundingClientRect().x > document.querySelector('#graph g.io.input').getBoundingClientRect().x + 200");
    assert.ok((await x('svg#graph g.io.output')) > (await x('svg#graph g.io.input')));
    await v.screenshot('viewer-lr-light');
    await v.page.locator('#toggle-direction').click();
    await v.until("document.querySelector('#graph g.io.output').getBoundingClientRect().y > document.querySelector('#graph g.io.input').getBoundingClientRect().y + 200");
  });

  it('shows measured dead-unit shares as badges and findings in the details, as later features send them', async () => {
    const post = (m: unknown) => v.page.evaluate((json) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(JSON.parse(json), '*'), JSON.stringify(m));
    await post({ type: 'activationResults', results: [{ node: '/relu1/Relu', deadShare: 0.375, zeroFraction: 0.6, activeRate: [0, 0, 0, 0.5, 0.5, 0.9, 0.7, 0.2], histogram: { edges: [0, 1, 2], counts: [5, 3] } }] });
    await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"] .badge text`).waitFor();
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/relu1/Relu"] .badge text`).textContent(), 'dead 38%');
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/layer1/relu/Relu"] .badge text`).count(), 0);
    await post({ type: 'findings', findings: [{ node: '/relu1/Relu', severity: 'warning', message: '3 of 8 channels never activate', code: 'dead-relu' }] });
    await post({ type: 'selectNode', node: '/relu1/Relu' });
    await v.page.locator('#details').getByText('3 of 8 channels never activate').waitFor();
    const details = await v.page.locator('#details').innerText();
    assert.match(details, /dead units\s+37\.5 %/);
  });

  it('exports the view as SVG text and PNG bytes through the host', async () => {
    await v.page.locator('#export-svg').click();
    await v.page.locator('#export-png').click();
    await v.until("true");
    const svg = v.sent.find((m) => m.type === 'exportFile' && m.kind === 'svg');
    const png = v.sent.find((m) => m.type === 'exportFile' && m.kind === 'png');
    assert.ok(svg && svg.type === 'exportFile' && svg.data.startsWith('<svg') && svg.data.includes('BatchNormalization'));
    assert.ok(png && png.type === 'exportFile');
    const bytes = Buffer.from(png.data, 'base64');
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(bytes.length > 2000);
  });
});

describe('model viewer webview: themes', () => {
  it('renders readable graphs in the dark and high-contrast themes', async () => {
    for (const theme of ['dark', 'high-contrast'] as const) {
      const v = await ViewerPage.open(CONVNET, { theme });
      try {
        await v.waitForGraph();
        await v.page.locator(`${NODE}[data-node-id="/layer1/conv/Conv"]`).click();
        await v.page.locator('#details .weight-stats.done').first().waitFor();
        const [bg, fg] = await v.page.locator(`${NODE}[data-op="Conv"] text.op`).first().evaluate((e) => {
          const w = globalThis as unknown as Win;
          return [w.getComputedStyle(w.document.body).backgroundColor, w.getComputedStyle(e).fill];
        });
        assert.notEqual(bg, fg);
        assert.equal(bg, theme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(0, 0, 0)');
        await v.screenshot(`viewer-${theme}`);
      } finally {
        await v.close();
      }
    }
  });
});

describe('model viewer webview: subgraphs and errors', () => {
  it('opens and closes the branches of an If node', async () => {
    const v = await ViewerPage.open(IF_MODEL);
    try {
      await v.waitForGraph();
      assert.equal(await v.page.locator(NODE).count(), 3);
      await v.page.locator(`${NODE}[data-node-id="branch"] text.toggle`).click();
      await v.page.locator(`${NODE}[data-node-id="else_sigmoid"]`).waitFor();
      assert.equal(await v.page.locator(NODE).count(), 6);
      assert.equal(await v.page.locator('svg#graph g.frame').count(), 2);
      await v.page.locator(`${NODE}[data-node-id="else_sigmoid"]`).click();
      await v.page.locator('#details').getByText('inside').waitFor();
      await v.screenshot('viewer-if-light');
      await v.page.locator(`${NODE}[data-node-id="branch"] text.toggle`).click();
      await v.until(`document.querySelectorAll('${NODE}').length === 3`);
    } finally {
      await v.close();
    }
  });

  it('opens the body of a model-local function at its call', async () => {
    const v = await ViewerPage.open(path.join(FIXTURES, 'viewer_function.onnx'));
    try {
      await v.waitForGraph();
      assert.equal(await v.page.locator(NODE).count(), 2);
      await v.page.locator(`${NODE}[data-node-id="second_call"] text.toggle`).click();
      await v.page.locator(`${NODE}[data-node-id="second_call/Relu_1"]`).waitFor();
      // Relu and Mul of the body are boxes; its Constant is drawn as the Mul's weight
      assert.equal(await v.page.locator(NODE).count(), 4);
      assert.equal(await v.page.locator(`${NODE}[data-node-id="second_call/Constant_0"]`).count(), 0);
      assert.match(await v.page.locator(`${NODE}[data-node-id="second_call/Mul_2"]`).textContent() ?? '', /two ⟨scalar⟩/);
      assert.match((await v.page.locator(`${NODE}[data-node-id="second_call/Relu_1"]`).getAttribute('class'))!, /\brelu\b/);
    } finally {
      await v.close();
    }
  });

  it('re-renders when the model file changes on disk, keeping the view', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'al-reload-'));
    const file = path.join(dir, 'model.onnx');
    copyFileSync(CONVNET, file);
    const v = await ViewerPage.open(file);
    try {
      await v.waitForGraph();
      await v.page.locator('#search').fill('/fc/Gemm');
      await v.page.locator('#search').press('Enter');
      await v.page.locator(`${NODE}[data-node-id="/fc/Gemm"].selected`).waitFor();
      await v.page.locator('#search').fill('');
      copyFileSync(IF_MODEL, file);
      await v.session.reload(); // what the extension's file watcher calls
      await v.page.locator(`${NODE}[data-node-id="branch"]`).waitFor();
      assert.equal(await v.page.locator(NODE).count(), 3);
      assert.equal(await v.page.locator(`${NODE}.selected`).count(), 0, 'the old selection is gone with its node');
      writeFileSync(file, Buffer.from('not a model'));
      await v.session.reload();
      await v.page.locator('#overlay.error').waitFor();
      copyFileSync(CONVNET, file);
      await v.session.reload();
      await v.page.locator(`${NODE}[data-node-id="/fc/Gemm"].selected`).waitFor();
      assert.equal(await v.page.locator('#overlay.error').count(), 0);
    } finally {
      await v.close();
    }
  });

  it('says so when a model has no nodes', async () => {
    const v = await ViewerPage.open(path.join(FIXTURES, 'viewer_empty.onnx'));
    try {
      await v.page.locator('#overlay.empty').waitFor();
      assert.match(await v.page.locator('#overlay').innerText(), /no nodes/);
      await v.page.locator('button[data-view="model"]').click();
      assert.match(await v.page.locator('#model-view').innerText(), /empty_graph/);
    } finally {
      await v.close();
    }
  });

  it('shows the reader\'s error for an unreadable model instead of a blank panel', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'al-viewer-'));
    const bad = path.join(dir, 'broken.onnx');
    writeFileSync(bad, Buffer.from([0x08, 0x07, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    let message = '';
    try {
      await loadModel(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.ok(message, 'the reader accepted a broken file');
    const v = await ViewerPage.open(bad);
    try {
      await v.page.locator('#overlay.error').waitFor();
      const text = await v.page.locator('#overlay').innerText();
      assert.ok(text.includes(message), `overlay: ${text}`);
      assert.match(text, /broken\.onnx/);
    } finally {
      await v.close();
    }
  });
});

describe('model viewer webview: hostile strings', () => {
  it('shows HTML/JS payloads from node names, doc strings and metadata as text and runs none of them', async () => {
    // Without the CSP's help: nothing may be parsed as markup in the first place.
    const v = await ViewerPage.open(HOSTILE, { bypassCSP: true });
    try {
      await v.waitForGraph();
      const ids = await v.page.locator(NODE).evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')));
      assert.ok(ids.includes('<img src=x onerror="window.__pwned=1">'));
      await v.page.locator(NODE).first().click();
      await v.page.locator(`${NODE}[data-op="MatMul"]`).click();
      const details = await v.page.locator('#details').innerText();
      assert.ok(details.includes('<script>window.__pwned=2</script>'), details);
      assert.ok(details.includes('weight<img src=x onerror=window.__pwned=7>'));
      await v.page.locator(`${NODE}[data-op="Relu"]`).click();
      assert.ok((await v.page.locator('#details').innerText()).includes('<b onmouseover=window.__pwned=8>x</b>'));
      await v.page.locator('button[data-view="model"]').click();
      const panel = await v.page.locator('#model-view').innerText();
      assert.ok(panel.includes('<img src=x onerror="window.__pwned=11">'));
      assert.ok(panel.includes('<img src=x onerror="window.__pwned=10">'));
      await v.page.locator('button[data-view="table"]').click();
      assert.ok((await v.page.locator('#layer-table').innerText()).includes('"><svg onload="window.__pwned=3">'));
      await v.page.locator('#search').fill('<img');
      await v.page.locator('#search').press('Enter');
      await v.page.mouse.move(300, 300);
      await v.page.waitForTimeout(200);
      const pwned = await v.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned);
      assert.equal(pwned, undefined, 'a payload ran');
      const injected = await v.page.evaluate(
        "document.querySelectorAll('img, iframe, object, embed, script:not([nonce]), [onerror], [onload], [onmouseover], b').length",
      );
      assert.equal(injected, 0);
      await v.page.locator('button[data-view="graph"]').click();
      await v.screenshot('viewer-hostile');
    } finally {
      await v.close();
    }
  });
});

describe('model viewer webview: scale', function () {
  let v: ViewerPage;
  let file: string;
  before(function () {
    file = path.join(mkdtempSync(path.join(tmpdir(), 'al-large-')), 'large_20000.onnx');
    generateLargeModel(file, 20000);
  });
  after(async () => v?.close());
  /** Later tests reuse one page with every cluster open: all 20,000 nodes are boxes, and only
   *  those on screen may be in the DOM (opened when run alone with --grep). */
  const opened = async (): Promise<ViewerPage> => {
    if (!v) {
      const clusters = new GraphModel(buildViewerGraph(await loadModel(file)).graph).clusters;
      const expanded = clusters.filter((c) => c.kind !== 'root').map((c) => c.key);
      v = await ViewerPage.open(file, { theme: 'dark', state: { view: 'graph', expanded, collapsed: [], direction: 'TB', showNames: true } });
      await v.page.locator(NODE).first().waitFor({ timeout: 30_000 });
      await v.until("document.body.dataset.ready === 'true'", 30_000);
    }
    return v;
  };

  it('paints a 20,000-node flat model within 3 s of opening, as chunks of consecutive blocks within the first-picture budget', async function () {
    // Timing tests retry: other jobs on a shared 2-core machine can stall any single run.
    this.retries(2);
    const model = await loadModel(file);
    assert.equal(model.graph.nodes.length, 20000);
    const first = await ViewerPage.open(file, { theme: 'dark' });
    try {
      await first.waitForGraph(20_000);
      console.log(`      first picture of 20,000 nodes after ${first.firstPaintMs} ms; ${await first.page.locator('#status').textContent()}`);
      console.log(`      ${first.timeline.join('; ')}; in the page: ${JSON.stringify(await first.page.evaluate('window.__alTimings'), (_, x) => (typeof x === 'number' ? Math.round(x) : x))}`);
      assert.ok(first.firstPaintMs < 3000, `first picture after ${first.firstPaintMs} ms`);
      const boxes = await first.page.locator('svg#graph g[data-index]').count();
      const chunks = await first.page.locator('svg#graph g.group-box[data-kind="chunk"]').count();
      assert.ok(boxes <= FIRST_PICTURE_BUDGET && chunks >= 10, `${boxes} boxes, ${chunks} chunks`);
      // Chunks end where the fewest tensors cross: in this chain of residual blocks
      // (conv1 → relu1 → conv2 → add(skip) → relu2) that is between a block's Add and its last
      // Relu (one tensor), never inside the block where the skip runs beside the main path.
      const labels = await first.page.locator('svg#graph g.group-box[data-kind="chunk"] text.op').allTextContents();
      assert.match(labels[0], /^block0_conv1 … block\d+_add$/);
      for (const l of labels.slice(1, -1)) assert.match(l, /^block\d+_relu2 … block\d+_add$/, l);
      await first.screenshot('viewer-large-dark');
    } finally {
      await first.close();
    }
  });

  it('pans smoothly: each wheel step repaints in well under a frame budget of 50 ms', async function () {
    this.retries(2);
    await opened();
    await v.page.locator('button[data-view="graph"]').click();
    await v.page.locator('svg#graph').hover();
    const before = await v.page.locator(NODE).first().getAttribute('data-node-id');
    const ms = (await v.page.evaluate(`(async () => {
      const svg = document.getElementById('graph');
      const times = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        svg.dispatchEvent(new WheelEvent('wheel', { deltaY: 120, deltaX: 0, bubbles: true, cancelable: true }));
        await new Promise((r) => requestAnimationFrame(() => r()));
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length * 0.9)];
    })()`)) as number;
    console.log(`      90th percentile wheel-to-frame: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 50, `${ms} ms per pan step`);
    const after = await v.page.locator(NODE).first().getAttribute('data-node-id');
    assert.notEqual(before, after, 'panning did not change what is drawn');
    // zoomed far out, the canvas overview stands in for thousands of boxes
    await v.page.locator('#fit').click();
    await v.until("document.querySelector('canvas.overview.shown') !== null");
    assert.ok((await v.page.locator(NODE).count()) < 1500);
  });

  it('lists all 20,000 nodes in the layer table and filters them quickly', async function () {
    this.retries(2);
    await opened();
    if (await v.page.locator('#table-filter').count()) await v.page.locator('#table-filter').fill(''); // a retry starts unfiltered
    // timed inside the page (the harness's own round trips slow down when the machine is busy)
    const [openMs, filterMs, rows] = (await v.page.evaluate(`(async () => {
      const t0 = performance.now();
      document.querySelector('button[data-view="table"]').click();
      document.body.offsetHeight; // the layout of the first rows
      const openMs = performance.now() - t0;
      const t2 = performance.now();
      while (document.querySelectorAll('#layer-table tbody tr').length < 20000 && performance.now() - t2 < 20000) await new Promise((r) => setTimeout(r, 20));
      const rows = document.querySelectorAll('#layer-table tbody tr').length;
      const filter = document.getElementById('table-filter');
      const t1 = performance.now();
      filter.value = 'block3999_';
      filter.dispatchEvent(new Event('input'));
      while (document.querySelectorAll('#layer-table tbody tr:not([hidden])').length !== 5) await new Promise((r) => setTimeout(r, 5));
      document.body.offsetHeight;
      return [openMs, performance.now() - t1, rows];
    })()`)) as [number, number, number];
    console.log(`      table of 20,000 rows in ${Math.round(openMs)} ms, filtered in ${Math.round(filterMs)} ms`);
    assert.equal(rows, 20000);
    assert.ok(openMs < 1000 && filterMs < 1500, `${openMs} / ${filterMs} ms`);
    await v.page.locator('#table-filter').fill('');
    await v.page.locator('button[data-view="graph"]').click();
  });

  it('finds a node deep in the model and brings it on screen', async () => {
    await opened();
    await v.page.locator('button[data-view="graph"]').click();
    await v.page.locator('#search').fill('block3000_add');
    await v.page.locator('#search').press('Enter');
    await v.page.locator(`${NODE}[data-node-id="block3000_add"]`).waitFor();
    await v.page.locator('#details').getByText('block3000_add').first().waitFor();
  });
});

describe('model viewer webview: name-scope groups', function () {
  let v: ViewerPage;
  before(async function () {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'al-scoped-')), 'scoped_2000.onnx');
    generateLargeModel(file, 2000, true);
    v = await ViewerPage.open(file);
    await v.page.locator('svg#graph g.group-box').first().waitFor();
  });
  after(async () => v?.close());

  it('starts a large model with its name scopes closed except the biggest, within a first-picture budget', async () => {
    // /layer{k}/block{i}/… : 2,000 nodes in 40 layer scopes of 10 block scopes each
    const groups = await v.page.locator('svg#graph g.group-box').evaluateAll((els) => els.map((e) => e.getAttribute('data-group')!));
    const nodes = await v.page.locator(NODE).count();
    assert.ok(groups.length >= 40 && groups.length + nodes <= 120, `${groups.length} group boxes and ${nodes} node boxes`);
    const openLayers = new Set(groups.filter((g) => g.includes('/')).map((g) => g.split('/')[0]));
    const closedLayers = groups.filter((g) => !g.includes('/'));
    assert.equal(openLayers.size + closedLayers.length, 40, 'every layer scope is either a box or open into block boxes');
    assert.ok(closedLayers.includes('layer39'));
    const label = await v.page.locator('svg#graph g.group-box[data-group="layer39"]').textContent();
    assert.match(label!, /layer39/);
    assert.match(label!, /50 nodes/);
  });

  it('opens a scope on click, showing its sub-scopes, and closes it from its frame', async () => {
    await v.page.locator('#fit').click();
    await v.page.locator('svg#graph g.group-box[data-group="layer39"]').click();
    await v.page.locator('svg#graph g.group-box[data-group="layer39/block390"]').waitFor();
    assert.equal(await v.page.locator('svg#graph g.group-box[data-group^="layer39/"]').count(), 10);
    await v.page.locator('#fit').click();
    await v.page.locator('svg#graph g.frame[data-frame="layer39"] text.frame-label').click();
    await v.page.locator('svg#graph g.group-box[data-group="layer39"]').waitFor();
    assert.equal(await v.page.locator('svg#graph g.group-box[data-group^="layer39/"]').count(), 0);
  });

  it('opens the scopes around a node that search finds', async () => {
    await v.page.locator('#search').fill('/layer7/block77/add/Add');
    await v.page.locator('#search').press('Enter');
    await v.page.locator(`${NODE}[data-node-id="/layer7/block77/add/Add"].selected`).waitFor();
    await v.screenshot('viewer-groups-light');
  });
});

describe('model viewer webview: real models from libonnx-testdata', () => {
  const root = '/usr/share/libonnx-testdata/data';
  const models: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e === 'model.onnx') models.push(p);
    }
  };
  try {
    walk(root);
  } catch {
    /* not installed: the test below reports it */
  }
  models.sort();
  // Every 40th model: a spread of ops, subgraphs and dtypes without a long run.
  const sample = models.filter((_, i) => i % 40 === 0);

  it('draws every sampled model (or shows the reader\'s error) with no script errors; with folding off, one box per node', async function () {
    assert.ok(sample.length > 10, `libonnx-testdata missing under ${root}`);
    for (const file of sample) {
      let nodes = -1;
      try {
        nodes = (await loadModel(file)).graph.nodes.length;
      } catch {
        /* the viewer must show the error */
      }
      const v = await ViewerPage.open(file, { state: { view: 'graph', expanded: [], collapsed: [], direction: 'TB', showNames: true, showFolded: true } });
      try {
        if (nodes >= 0) {
          await v.until("document.body.dataset.ready === 'true'");
          assert.equal(await v.page.locator(NODE).count(), nodes, file);
        } else await v.page.locator('#overlay.error').waitFor();
        assert.deepEqual(v.consoleErrors, [], file);
      } finally {
        await v.close();
      }
    }
  });
});
