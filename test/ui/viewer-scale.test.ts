// A 100,000-node model opened from the Explorer in the workbench (code-server): reading it must
// not hold back the webview, and the Problems scan and the glossary's counts on the same model
// wait until the viewer has sent its graph. Timings are printed: double-click → webview loading →
// webview ready → graph arrived → first picture, with the webview's own clock.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { transformerGraph } from '../../scripts/bench/viewerModels';
import { browser } from './support/hooks';
import { machineQuiet, samplePath, Workbench } from './support/workbench';

const FOLDER = 'scale';
const NAME = 'bert-100k.onnx';

describe('A 100,000-node model in the workbench viewer', function () {
  let wb: Workbench;
  /** Busy share of all cores in the half second before the double-click. */
  let quietBefore: number | undefined;

  before(async function () {
    fs.mkdirSync(samplePath(FOLDER), { recursive: true });
    transformerGraph(samplePath(`${FOLDER}/${NAME}`), 100_000);
    wb = await Workbench.open(await browser(), 'light');
    // The extension's activation (seconds in a new window) is not what this test measures, nor
    // the new window's own start-up: the model is opened in a workbench that has settled.
    await wb.openFromExplorer('mlp.onnx');
    await wb.webviewWith('body[data-painted="true"]', 60_000);
    quietBefore = await machineQuiet();
  });
  after(async () => {
    // Later tests open new windows on the same workspace: they must not restore this model's tab.
    await wb?.closeAllEditors().catch(() => undefined);
    await wb?.close();
    fs.rmSync(samplePath(FOLDER), { recursive: true, force: true });
  });

  it('starts the webview while the host reads the model, and draws a first picture within the budget of boxes', async () => {
    const clicked = Date.now();
    await wb.openFromExplorer(`${FOLDER}/${NAME}`);
    const frame = await wb.webviewWith('body[data-painted="true"]', 120_000);
    const t = (await frame.evaluate('({ ...window.__alTimings, origin: performance.timeOrigin, boxes: Number(document.body.dataset.boxes) })')) as Record<string, number>;
    const at = (ms: number) => Math.round(t.origin + ms - clicked);
    const loading = Math.round(t.origin - clicked);
    const first = t.previewPictureAt ?? t.pictureAt;
    console.log(`      double-click → webview loading ${loading} ms, ready ${at(t.readyAt)} ms, first picture ${at(first)} ms (${t.previewPictureAt ? 'the host-drawn preview' : 'no preview'}; ${Math.round(first - t.readyAt)} ms after ready), graph arrived ${at(t.initAt)} ms, whole graph drawn ${at(t.pictureAt)} ms (${t.boxes} boxes); machine ${quietBefore === undefined ? 'load unknown' : `${Math.round(quietBefore * 100)}% busy`} before the double-click`);
    // Measured 0.14–0.27 s; before the model store it was 3.4–3.9 s, behind three reads of the
    // model on the extension host's thread.
    assert.ok(loading < 1500, `the webview began loading ${loading} ms after the double-click`);
    assert.ok(t.boxes > 0 && t.boxes <= 300, `${t.boxes} boxes in the first picture`);
    assert.ok(t.initAt > t.readyAt, 'the graph arrives after the webview is ready');
    // The host's first picture, sent when the webview was ready before the model was built (the
    // usual case here: reading takes over a second), is drawn before the whole graph arrives.
    if (t.previewPictureAt !== undefined) assert.ok(t.previewPictureAt < t.initAt, 'the host-drawn first picture came after the whole graph');
  });
});
