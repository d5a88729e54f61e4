// Real torch exports in the viewer webview (headless Chromium, real host session): folding of
// weight copies and shape arithmetic, nested cluster frames measured on the page, the first
// picture, opening clusters, the breadcrumb. Screenshots land in test-results/screenshots/.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../src/formats/load';
import { COLLECT_DRAWN, layoutViolations, type DrawnBox, type DrawnFrame } from '../support/overlaps';
import { closeBrowser, FIXTURES, ViewerPage } from './harness';
import { ViewerSession } from '../../src/extension/viewerGraph';
import { tmpDir } from '../support/onnxBuild';
import { transformerGraph } from '../../scripts/bench/viewerModels';

const TRANSFORMER = path.join(FIXTURES, 'torch_transformer_encoder.onnx');
const RESNET = path.join(FIXTURES, 'torch_resnet18_bn.onnx');
const NODE = 'svg#graph g.node[data-node-id]';

after(closeBrowser);

async function violations(v: ViewerPage): Promise<string[]> {
  const d = (await v.page.evaluate(COLLECT_DRAWN)) as { boxes: DrawnBox[]; frames: DrawnFrame[] };
  assert.ok(d.boxes.length > 0);
  return layoutViolations(d.boxes, d.frames);
}

/** Boxes (nodes and closed clusters) at least partly inside the graph's viewport. */
async function boxesInView(v: ViewerPage): Promise<{ id: string; op: string | null; folded: string | null; group: string | null }[]> {
  return (await v.page.evaluate(`(() => {
    const view = document.getElementById('graph').getBoundingClientRect();
    return [...document.querySelectorAll('#graph g[data-index]')].filter((g) => {
      const b = g.getBoundingClientRect();
      return b.right > view.left && b.left < view.right && b.bottom > view.top && b.top < view.bottom;
    }).map((g) => ({ id: g.getAttribute('data-node-id') || g.getAttribute('data-group') || g.getAttribute('data-io'), op: g.getAttribute('data-op'), folded: g.getAttribute('data-folded'), group: g.getAttribute('data-group') }));
  })()`)) as { id: string; op: string | null; folded: string | null; group: string | null }[];
}

const layoutsDone = (v: ViewerPage) => v.page.evaluate('Number(document.body.dataset.layouts)') as Promise<number>;

describe('viewer webview: ResNet-18 export with BatchNorm', function () {
  let v: ViewerPage;
  before(async () => {
    v = await ViewerPage.open(RESNET);
    await v.waitForGraph();
  });
  after(async () => v?.close());

  it('shows no Identity boxes by default: the copies of BatchNorm parameters are weights of their BatchNormalization', async () => {
    const model = await loadModel(RESNET);
    const identities = model.graph.nodes.filter((n) => n.opType === 'Identity').length;
    assert.equal(identities, 72);
    assert.equal(await v.page.locator(`${NODE}[data-op="Identity"]`).count(), 0);
    assert.equal(await v.page.locator(NODE).count(), model.graph.nodes.length - identities);
    const bn = await v.page.locator(`${NODE}[data-node-id="/layer1/layer1.0/bn1/BatchNormalization"]`).textContent();
    assert.match(bn!, /running_mean ⟨8⟩/);
    assert.match(await v.page.locator('#status').innerText(), /141 nodes \(72 folded into their consumers\)/);
  });

  it('draws the name scopes as nested frames where no box, frame or label overlaps another (measured on the page)', async () => {
    const frames = await v.page.locator('svg#graph g.frame').evaluateAll((els) => els.map((e) => e.getAttribute('data-frame')));
    for (const f of ['layer1', 'layer1/layer1.0', 'layer1/layer1.1', 'layer2/layer2.0/downsample']) assert.ok(frames.includes(f), `no frame ${f}: ${frames.join(', ')}`);
    assert.deepEqual(await violations(v), []);
    await v.screenshot('viewer-resnet18-frames');
  });

  it('the folding toggle draws every node, the Identity copies beside their consumers, still without overlaps', async () => {
    await v.page.locator('#toggle-folding').click();
    // 141 nodes and the input and output: more than are drawn whole, so only those near the view are in the DOM
    await v.until("document.body.dataset.boxes === '143'");
    assert.ok((await v.page.locator(`${NODE}[data-op="Identity"][data-folded="weight"]`).count()) > 0);
    // the copies of the first BatchNorm's parameters sit beside it, before layer1 starts
    const bn = (await v.page.locator(`${NODE}[data-node-id="/bn1/BatchNormalization"] rect.box`).boundingBox())!;
    const copy = (await v.page.locator(`${NODE}[data-node-id="Identity_70"] rect.box`).boundingBox())!;
    assert.ok(copy.y + copy.height <= bn.y, 'the copy feeds the BatchNorm from above');
    assert.equal(await v.page.locator(`${NODE}[data-node-id="Identity_70"]`).getAttribute('data-in'), '');
    assert.deepEqual(await violations(v), []);
    await v.screenshot('viewer-resnet18-unfolded');
    await v.page.locator('#toggle-folding').click();
    await v.until("document.body.dataset.boxes === '71'");
    assert.equal(await v.page.locator(`${NODE}[data-op="Identity"]`).count(), 0);
  });

  it('hiding node names keeps the folding (each toggle does one thing)', async () => {
    const n = await layoutsDone(v);
    await v.page.locator('#toggle-names').click();
    await v.until(`Number(document.body.dataset.layouts) === ${n + 1}`);
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/conv1/Conv"] text.name`).count(), 0);
    assert.equal(await v.page.locator('body').getAttribute('data-boxes'), '71');
    await v.page.locator('#toggle-names').click();
    await v.until(`Number(document.body.dataset.layouts) === ${n + 2}`);
    await v.page.waitForTimeout(100);
    assert.equal(await layoutsDone(v), n + 2, 'one layout per click');
    assert.equal(await v.page.locator('#toggle-folding').getAttribute('aria-pressed'), 'false');
  });

  it('finds a folded node by name and reveals it next to its consumer; the layer table lists it', async () => {
    await v.page.locator('#search').fill('Identity_66');
    assert.equal(await v.page.locator('#search-count').textContent(), '1 found');
    await v.page.locator('#search').press('Enter');
    await v.page.locator(`${NODE}[data-node-id="Identity_66"].selected`).waitFor();
    const details = await v.page.locator('#details').innerText();
    assert.match(details, /folded into\s+\/layer1\/layer1\.0\/bn1\/BatchNormalization/);
    // the other copies read by the same BatchNorm are revealed with it, nothing else, in its frame
    assert.equal(await v.page.locator('body').getAttribute('data-boxes'), '75');
    assert.equal(await v.page.locator(`${NODE}[data-node-id="Identity_66"]`).getAttribute('data-in'), 'layer1/layer1.0');
    assert.deepEqual(await violations(v), []);
    await v.page.locator('#search').fill('');
    await v.page.locator('button[data-view="table"]').click();
    assert.equal(await v.page.locator('table#layer-table tbody tr').count(), 141);
    assert.equal(await v.page.locator('table#layer-table tbody tr[data-node-id="Identity_70"]').count(), 1);
    await v.page.locator('button[data-view="graph"]').click();
  });
});

describe('viewer webview: transformer encoder export', function () {
  let v: ViewerPage;
  before(async () => {
    v = await ViewerPage.open(TRANSFORMER, { width: 1280, height: 800 });
    await v.waitForGraph();
  });
  after(async () => v?.close());

  it('opens on encoder layers and their blocks: no box in the first viewport is a folded op', async () => {
    const inView = await boxesInView(v);
    assert.ok(inView.length >= 5, JSON.stringify(inView));
    for (const b of inView) {
      assert.equal(b.folded, null, `${b.id} is folded`);
      assert.ok(!['Identity', 'Constant', 'Shape', 'Gather', 'Unsqueeze', 'Concat'].includes(b.op ?? ''), `${b.op} box ${b.id} in the first viewport`);
    }
    const blocks = inView.filter((b) => b.group && /^encoder\/layers\.\d+\/(self_attn|norm1|norm2|linear1|linear2)$/.test(b.group));
    assert.ok(blocks.length >= 3, `blocks in view: ${JSON.stringify(inView)}`);
    assert.match(await v.page.locator('#breadcrumb').innerText(), /encoder\s*›\s*layers\.0/);
    assert.deepEqual(await violations(v), []);
    await v.screenshot('viewer-transformer-first-picture');
  });

  it('a closed cluster shows its op mix and parameter count, and after a run its worst dead share', async () => {
    const box = v.page.locator('svg#graph g.group-box[data-group="encoder/layers.0/linear1"]');
    const text = await box.textContent();
    assert.match(text!, /linear1/);
    assert.match(text!, /2 nodes · 544 params/); // a 16→32 linear layer: 512 weights and 32 biases
    assert.match(text!, /MatMul×1 · Add×1/);
    const post = (m: unknown) => v.page.evaluate((json) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(JSON.parse(json), '*'), JSON.stringify(m));
    const n = await layoutsDone(v);
    await post({ type: 'activationResults', results: [{ node: '/encoder/layers.0/self_attn/Softmax', deadShare: 0.25, zeroFraction: 0, activeRate: [1, 1, 1, 0], histogram: { edges: [0, 1], counts: [4] } }] });
    await v.until(`Number(document.body.dataset.layouts) > ${n}`);
    assert.match(await v.page.locator('svg#graph g.group-box[data-group="encoder/layers.0/self_attn"]').textContent() ?? '', /worst dead 25%/);
    assert.doesNotMatch(await v.page.locator('svg#graph g.group-box[data-group="encoder/layers.0/norm1"]').textContent() ?? '', /dead/);
  });

  it('opening a cluster keeps it where it was on screen and lays out only it and the clusters around it', async () => {
    const key = 'encoder/layers.0/self_attn';
    const box = v.page.locator(`svg#graph g.group-box[data-group="${key}"] rect.box`);
    const before = (await box.boundingBox())!;
    const n = await layoutsDone(v);
    await v.page.locator(`svg#graph g.group-box[data-group="${key}"]`).click();
    await v.until(`Number(document.body.dataset.layouts) > ${n}`);
    const frame = (await v.page.locator(`svg#graph g.frame[data-frame="${key}"] > rect`).boundingBox())!;
    assert.ok(Math.abs(frame.x - before.x) < 1.5 && Math.abs(frame.y - before.y) < 1.5, `box at ${before.x},${before.y}, frame at ${frame.x},${frame.y}`);
    const stats = (await v.page.evaluate('window.__alLayoutStats')) as { relaid: number; levels: number };
    assert.equal(stats.relaid, 4, `${stats.relaid} of ${stats.levels} clusters laid out again`); // self_attn, layers.0, encoder, the model
    assert.equal(await v.page.locator(`${NODE}[data-node-id="/encoder/layers.0/self_attn/Transpose"]`).getAttribute('data-in'), key);
    assert.deepEqual(await violations(v), []);
    await v.screenshot('viewer-transformer-opened');
  });

  it('the breadcrumb follows the selection, and a crumb brings its cluster back into view', async () => {
    await v.page.locator('#search').fill('/encoder/layers.0/self_attn/Softmax');
    await v.page.locator('#search').press('Enter');
    await v.page.locator(`${NODE}[data-node-id="/encoder/layers.0/self_attn/Softmax"].selected`).waitFor();
    await v.page.locator('#search').fill('');
    const crumbs = await v.page.locator('#breadcrumb .crumb').allTextContents();
    assert.deepEqual(crumbs.map((c) => c.trim()), ['torch_transformer_encoder.onnx', 'encoder', 'layers.0', 'self_attn']);
    // pan far away, then back with the crumb
    await v.page.evaluate(`(() => { const svg = document.getElementById('graph'); for (let i = 0; i < 20; i++) svg.dispatchEvent(new WheelEvent('wheel', { deltaY: 600, bubbles: true, cancelable: true })); })()`);
    await v.page.waitForTimeout(100);
    await v.page.locator('#breadcrumb .crumb[data-crumb="encoder/layers.0"]').click();
    await v.page.waitForTimeout(100);
    const frame = (await v.page.locator('svg#graph g.frame[data-frame="encoder/layers.0"] > rect').boundingBox())!;
    const view = (await v.page.locator('svg#graph').boundingBox())!;
    assert.ok(frame.y >= view.y - 1 && frame.y + frame.height <= view.y + view.height + 1, `frame ${JSON.stringify(frame)} not in view ${JSON.stringify(view)}`);
  });
});

describe('viewer webview: the first picture of a large model, ahead of its graph', function () {
  this.timeout(120_000);
  let v: ViewerPage;
  let file: string;
  before(() => {
    file = path.join(tmpDir('al-preview-'), 'bert-20k.onnx');
    transformerGraph(file, 20_000);
  });
  after(async () => v?.close());

  /** Every drawn box: its id and where it is on screen. */
  const drawn = (p: ViewerPage) =>
    p.page.evaluate(`[...document.querySelectorAll('#graph g[data-index]')].map((g) => {
      const b = g.getBoundingClientRect();
      return [g.getAttribute('data-node-id') || g.getAttribute('data-group') || g.getAttribute('data-io'), Math.round(b.left), Math.round(b.top), Math.round(b.width)].join(' ');
    }).sort()`) as Promise<string[]>;

  it('draws the host-computed picture before the graph arrives, and the whole graph draws the same picture in the same place', async () => {
    // The host still reading when the webview is ready (as a 100,000-node model is): a slow read.
    v = await ViewerPage.open(() => new Promise((resolve) => setTimeout(resolve, 1500)).then(() => loadModel(file)));
    await v.until("document.body.dataset.preview === 'true'", 60_000);
    const before = await drawn(v);
    const status = await v.page.locator('#status').innerText();
    await v.waitForGraph(60_000);
    await v.until("document.body.dataset.painted === 'true'", 60_000);
    const after = await drawn(v);
    const t = (await v.page.evaluate('window.__alTimings')) as Record<string, number>;
    assert.ok(before.length > 2 && before.length <= 300, `${before.length} boxes in the preview`);
    assert.deepEqual(after, before, 'the picture moved or changed when the whole graph arrived');
    assert.ok(t.previewPictureAt < t.initAt || /loading the whole graph/.test(status), `preview drawn at ${t.previewPictureAt} ms, graph arrived at ${t.initAt} ms`);
    const types = v.sent.map((m) => m.type);
    assert.equal(types.filter((x) => x === 'ready').length, 1);
    assert.deepEqual(v.consoleErrors, []);
  });

  it('a cluster clicked on the first picture opens once the whole graph is in', async () => {
    const source = () => new Promise((resolve) => setTimeout(resolve, 1000)).then(() => loadModel(file));
    // The whole graph held back 1.5 s after the preview, so that the click lands before it.
    const slow = await ViewerPage.open(source, {
      host: (post) => new ViewerSession('bert-20k.onnx', source, (m) => (m.type === 'init' ? new Promise((resolve) => setTimeout(resolve, 1500)).then(() => post(m)) : post(m))),
    });
    try {
      await slow.until("document.body.dataset.preview === 'true'", 60_000);
      assert.notEqual(await slow.page.evaluate("document.body.dataset.ready ?? ''"), 'true', 'the whole graph arrived before the click');
      const group = slow.page.locator('#graph g.group-box').first();
      const key = await group.getAttribute('data-group');
      await group.click();
      assert.match(await slow.page.locator('#status').innerText(), /when the graph is in/);
      await slow.waitForGraph(60_000);
      await slow.until(`[...document.querySelectorAll('#graph g.frame')].some((f) => f.getAttribute('data-frame') === ${JSON.stringify(key)})`, 30_000);
      assert.deepEqual(slow.consoleErrors, []);
    } finally {
      await slow.close();
    }
  });

  it('sends no preview for a model that draws whole quickly (the small ResNet-18 export)', async () => {
    const small = await ViewerPage.open(RESNET);
    await small.waitForGraph();
    assert.equal(await small.page.evaluate('document.body.dataset.preview ?? ""'), '');
    await small.close();
  });
});
