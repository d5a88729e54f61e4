// Real torch exports in the viewer, in the workbench (code-server): the transformer encoder opens
// on its layers and blocks, not on the exporter's Identity copies of shared weights; the ResNet-18
// export with BatchNorm has no Identity boxes and no frame or label overlapping another.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { loadModel } from '../../src/formats/load';
import { dataNodes } from '../support/dataFlow';
import { COLLECT_DRAWN, layoutViolations, type DrawnBox, type DrawnFrame } from '../support/overlaps';
import { browser } from './support/hooks';
import { samplePath, Workbench } from './support/workbench';

const FIXTURES = path.resolve(__dirname, '../fixtures/onnx');
const EXPORTS = 'torch-exports';

/** Boxes (nodes and closed clusters) at least partly inside the graph's viewport. */
async function boxesInView(frame: Frame): Promise<{ id: string; op: string | null; folded: string | null; group: string | null }[]> {
  return (await frame.evaluate(`(() => {
    const view = document.getElementById('graph').getBoundingClientRect();
    return [...document.querySelectorAll('#graph g[data-index]')].filter((g) => {
      const b = g.getBoundingClientRect();
      return b.right > view.left && b.left < view.right && b.bottom > view.top && b.top < view.bottom;
    }).map((g) => ({ id: g.getAttribute('data-node-id') || g.getAttribute('data-group') || g.getAttribute('data-io'), op: g.getAttribute('data-op'), folded: g.getAttribute('data-folded'), group: g.getAttribute('data-group') }));
  })()`)) as { id: string; op: string | null; folded: string | null; group: string | null }[];
}

async function openExport(wb: Workbench, name: string): Promise<Frame> {
  await wb.openFromExplorer(`${EXPORTS}/${name}`);
  const frame = await wb.webviewWith('svg#graph g[data-index]', 60_000);
  await frame.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
  return frame;
}

describe('Real torch exports in the workbench viewer', function () {
  let wb: Workbench;

  before(async function () {
    // A folder of exports in the workspace, as a user who just ran torch.onnx.export has.
    fs.mkdirSync(samplePath(EXPORTS), { recursive: true });
    for (const f of ['torch_transformer_encoder.onnx', 'torch_resnet18_bn.onnx']) fs.copyFileSync(path.join(FIXTURES, f), samplePath(`${EXPORTS}/${f}`));
    wb = await Workbench.open(await browser(), 'light');
  });
  after(async () => {
    // Later tests open new windows on the same workspace: they must not restore these tabs.
    await wb?.closeAllEditors().catch(() => undefined);
    await wb?.close();
  });

  it('the transformer encoder export opens on encoder layers and blocks: no box in the first viewport is a folded op', async () => {
    const frame = await openExport(wb, 'torch_transformer_encoder.onnx');
    const model = await loadModel(samplePath(`${EXPORTS}/torch_transformer_encoder.onnx`));
    const data = dataNodes(model);
    const inView = await boxesInView(frame);
    assert.ok(inView.length >= 5, JSON.stringify(inView));
    for (const b of inView) {
      assert.equal(b.folded, null, `${b.id} is drawn folded`);
      if (b.op) assert.ok(data.has(b.id), `${b.op} box ${b.id} does not compute on the data`);
    }
    const identities = model.graph.nodes.filter((n) => n.opType === 'Identity');
    assert.ok(identities.length > 100, 'the export has its wall of Identity copies');
    assert.ok(!inView.some((b) => b.op === 'Identity'));
    const blocks = inView.filter((b) => b.group && /^encoder\/layers\.\d+(\/(self_attn|norm1|norm2|linear1|linear2))?$/.test(b.group));
    assert.ok(blocks.length >= 3, `encoder layers or blocks in view: ${JSON.stringify(inView)}`);
    assert.match(await frame.locator('#breadcrumb').innerText(), /encoder/);
    await wb.screenshot('viewer-transformer-first-picture');
  });

  it('the ResNet-18 export with BatchNorm shows no Identity boxes, and no frame or label overlaps another', async () => {
    const frame = await openExport(wb, 'torch_resnet18_bn.onnx');
    const model = await loadModel(samplePath(`${EXPORTS}/torch_resnet18_bn.onnx`));
    const identities = model.graph.nodes.filter((n) => n.opType === 'Identity').length;
    assert.equal(identities, 72);
    const boxes = frame.locator('svg#graph g.node[data-node-id]');
    assert.equal(await boxes.count(), model.graph.nodes.length - identities);
    assert.equal(await frame.locator('svg#graph g.node[data-op="Identity"]').count(), 0);
    const frames = await frame.locator('svg#graph g.frame').evaluateAll((els) => els.map((e) => e.getAttribute('data-frame')));
    for (const f of ['layer1', 'layer1/layer1.0', 'layer4/layer4.0/downsample']) assert.ok(frames.includes(f), `no frame ${f}`);
    const d = (await frame.evaluate(COLLECT_DRAWN)) as { boxes: DrawnBox[]; frames: DrawnFrame[] };
    assert.equal(d.frames.length, frames.length);
    assert.deepEqual(layoutViolations(d.boxes, d.frames), []);
    await wb.screenshot('viewer-resnet18-frames');
  });
});
