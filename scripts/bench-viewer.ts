// The model viewer at 100,000 nodes (scripts/bench.ts calls benchViewer()): the real webview
// bundle in headless Chromium, answered by the real host session (test/webview/harness.ts), on
// two generated models (scripts/bench/viewerModels.ts): a BERT-shaped export with deep name
// scopes, and a flat residual chain without any. Every number is measured in the same run for
// the viewer as it is (folding, clusters collapsed to a budget, only on-screen boxes in the DOM)
// and for a Netron-like eager drawing of the same model (no folding, no clusters, every box in
// the DOM: the viewer with `renderAll`), and printed with the ratio between the two.
//
// Budgets (issue 14): first picture < 2 s after the webview is ready; opening any cluster
// < 300 ms; pan and zoom ≥ 50 fps at the 90th percentile of frame times; search < 100 ms per
// keystroke. Run alone: npx tsx scripts/bench-viewer.ts [--quick]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/formats/load';
import { buildViewerGraph } from '../src/extension/viewerGraph';
import { encodeGraph, type ViewerState } from '../src/protocol';
import { GraphModel } from '../media/graphModel';
import { closeBrowser, ViewerPage } from '../test/webview/harness';
import { flatGraph, transformerGraph } from './bench/viewerModels';

const CACHE = path.join(os.homedir(), '.cache', 'activation-lens', 'bench');
const TIMEOUT = 240_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

interface PageNumbers {
  /** From the webview posting `ready` to the first picture on screen (page clock). */
  readyToPicture: number;
  /** From the `init` message arriving to the first picture on screen. */
  initToPicture: number;
  boxesInDom: number;
  boxesDrawn: number;
  pan: number;
  zoom: number;
  search: number[];
}

const STATE: ViewerState = { view: 'graph', expanded: [], collapsed: [], direction: 'TB', showNames: true };

/** Frame times (ms) while the wheel pans or zooms one step per frame; their 90th percentile. */
const FRAMES = (zoom: boolean) => `(async () => {
  const svg = document.getElementById('graph');
  const r = svg.getBoundingClientRect();
  const times = [];
  let last = await new Promise((res) => requestAnimationFrame(res));
  for (let i = 0; i < 80; i++) {
    const back = i % 40 >= 20 ? -1 : 1;
    svg.dispatchEvent(new WheelEvent('wheel', ${zoom} ? { deltaY: -30 * back, ctrlKey: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true, cancelable: true }
      : { deltaY: 90 * back, deltaX: 25 * back, bubbles: true, cancelable: true }));
    const t = await new Promise((res) => requestAnimationFrame(res));
    times.push(t - last);
    last = t;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length * 0.9)];
})()`;

/** Milliseconds per keystroke, typing `query` into the search box, until the frame showing the matches. */
const TYPE = (query: string) => `(async () => {
  const input = document.getElementById('search');
  const out = [];
  for (let i = 1; i <= ${JSON.stringify(query)}.length; i++) {
    const t0 = performance.now();
    input.value = ${JSON.stringify(query)}.slice(0, i);
    input.dispatchEvent(new Event('input'));
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    out.push(performance.now() - t0);
  }
  input.value = '';
  input.dispatchEvent(new Event('input'));
  return out;
})()`;

/** Opens closed cluster `key` by clicking its box; milliseconds until the frame that shows it. */
const EXPAND = (key: string) => `(async () => {
  const g = [...document.querySelectorAll('#graph g.group-box')].find((e) => e.getAttribute('data-group') === ${JSON.stringify(key)});
  if (!g) return -1;
  const b = g.getBoundingClientRect();
  const at = { bubbles: true, button: 0, pointerId: 1, clientX: b.left + 5, clientY: b.top + 5 };
  const before = Number(document.body.dataset.layouts);
  const t0 = performance.now();
  g.dispatchEvent(new PointerEvent('pointerdown', at));
  g.dispatchEvent(new PointerEvent('pointerup', at));
  while (Number(document.body.dataset.layouts) === before) await new Promise((res) => setTimeout(res, 1));
  await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
  return performance.now() - t0;
})()`;

async function openPage(file: string, state: ViewerState): Promise<ViewerPage> {
  const v = await ViewerPage.open(file, { width: 1280, height: 800, state });
  await v.until("document.body.dataset.painted === 'true'", TIMEOUT);
  return v;
}

async function pageNumbers(v: ViewerPage, query: string): Promise<PageNumbers> {
  const t = (await v.page.evaluate('window.__alTimings')) as Record<string, number>;
  const boxesInDom = (await v.page.evaluate("document.querySelectorAll('#graph g[data-index]').length")) as number;
  const boxesDrawn = (await v.page.evaluate("Number(document.querySelector('#graph') && window.__alLayoutStats ? document.querySelectorAll('#graph g[data-index]').length : 0)")) as number;
  const pan = (await v.page.evaluate(FRAMES(false))) as number;
  const zoom = (await v.page.evaluate(FRAMES(true))) as number;
  const search = (await v.page.evaluate(TYPE(query))) as number[];
  return { readyToPicture: t.pictureAt - t.readyAt, initToPicture: t.pictureAt - t.initAt, boxesInDom, boxesDrawn, pan, zoom, search };
}

/** Opens closed clusters one after another: the biggest boxes of the first picture, then down
 *  into what each one opened, to the deepest level. */
async function expandTimes(v: ViewerPage, count: number): Promise<{ ms: number[]; relaid: number[] }> {
  const ms: number[] = [], relaid: number[] = [];
  for (let k = 0; k < count; k++) {
    const boxes = (await v.page.evaluate(`[...document.querySelectorAll('#graph g.group-box')].map((g) => [g.getAttribute('data-group'), g.getBoundingClientRect().top])`)) as [string, number][];
    if (!boxes.length) break;
    // alternate: the first box on screen (drilling down), a box far down the picture
    const pick = k % 2 ? boxes[boxes.length - 1][0] : boxes.sort((a, b) => a[1] - b[1])[0][0];
    const t = (await v.page.evaluate(EXPAND(pick))) as number;
    if (t < 0) break;
    ms.push(t);
    relaid.push(((await v.page.evaluate('window.__alLayoutStats')) as { relaid: number }).relaid);
  }
  return { ms, relaid };
}

export async function benchViewer(quick = process.argv.includes('--quick')): Promise<string> {
  fs.mkdirSync(CACHE, { recursive: true });
  const target = quick ? 20_000 : 100_000;
  const models = [
    { label: `BERT-shaped export, ${target / 1000}k nodes, deep name scopes`, file: path.join(CACHE, `viewer-bert-${target}.onnx`), make: transformerGraph, query: 'layer.77/attention' },
    { label: `flat residual chain, ${target / 1000}k nodes, no scopes`, file: path.join(CACHE, `viewer-flat-${target}.onnx`), make: flatGraph, query: 'block7777_add' },
  ];
  const out: string[] = [];
  out.push(`Headless Chromium ${await (await import('playwright-core')).chromium.executablePath ? '(Debian)' : ''}, 1280×800 page; load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${os.cpus().length} cores.`);
  out.push('');
  out.push('### Host side and message');
  out.push('| model | nodes | read ms | build viewer graph ms | encode ms | `init` message MB | plain GraphInfo JSON MB | message / plain |');
  out.push('|---|---|---|---|---|---|---|---|');
  const viewer: string[] = [];
  viewer.push('| model | drawing | ready → first picture ms | init → first picture ms | boxes in the DOM | open a cluster ms p50 / max (n) | clusters laid out per open, max | pan fps p90 | zoom fps p90 | search ms per keystroke p50 / max |');
  viewer.push('|---|---|---|---|---|---|---|---|---|---|');
  try {
    for (const m of models) {
      if (!fs.existsSync(m.file)) {
        process.stderr.write(`writing ${m.file} …\n`);
        m.make(m.file, target);
      }
      // host: reading, the viewer graph, the wire form (median of 3)
      const read: number[] = [], build: number[] = [], encode: number[] = [];
      let bytes = 0, plain = 0, nodes = 0, keys: string[] = [];
      for (let r = 0; r < 3; r++) {
        let t = performance.now();
        const model = await loadModel(m.file);
        read.push(performance.now() - t);
        t = performance.now();
        const built = buildViewerGraph(model);
        build.push(performance.now() - t);
        t = performance.now();
        const wire = encodeGraph(built.graph);
        encode.push(performance.now() - t);
        if (r === 0) {
          nodes = model.graph.nodes.length;
          bytes = Buffer.byteLength(JSON.stringify({ type: 'init', file: m.file, model: built.model, graph: wire }));
          plain = Buffer.byteLength(JSON.stringify({ type: 'init', file: m.file, model: built.model, graph: built.graph }));
          keys = new GraphModel(built.graph).clusters.filter((c) => c.kind !== 'root').map((c) => c.key);
        }
      }
      out.push(`| ${m.label} | ${nodes.toLocaleString('en-US')} | ${fmt(median(read))} | ${fmt(median(build))} | ${fmt(median(encode))} | ${fmt(bytes / 1e6, 2)} | ${fmt(plain / 1e6, 2)} | ${fmt(bytes / plain, 3)}× |`);

      // the viewer: first picture, opening clusters, pan, zoom, search
      let v = await openPage(m.file, STATE);
      const ours = await pageNumbers(v, m.query);
      const expand = await expandTimes(v, quick ? 6 : 12);
      await v.close();
      // everything open: all 100,000 nodes are boxes, only those on screen are in the DOM
      v = await openPage(m.file, { ...STATE, expanded: keys });
      const all = await pageNumbers(v, m.query);
      await v.close();
      // the baseline: no folding, no clusters, every box in the DOM
      v = await openPage(m.file, { ...STATE, renderAll: true });
      const eager = await pageNumbers(v, m.query);
      await v.close();

      const row = (label: string, p: PageNumbers, open: string, relaid: string) =>
        `| ${m.label} | ${label} | ${fmt(p.readyToPicture)} | ${fmt(p.initToPicture)} | ${p.boxesInDom.toLocaleString('en-US')} | ${open} | ${relaid} | ${fmt(1000 / p.pan)} | ${fmt(1000 / p.zoom)} | ${fmt(median(p.search), 1)} / ${fmt(Math.max(...p.search), 1)} |`;
      viewer.push(row('viewer: folded, clusters within budget', ours, `${fmt(median(expand.ms))} / ${fmt(Math.max(...expand.ms))} (${expand.ms.length})`, String(Math.max(...expand.relaid))));
      viewer.push(row('viewer: every cluster open', all, '–', '–'));
      viewer.push(row('baseline: eager, every box in the DOM', eager, '–', '–'));
      viewer.push(
        `| ${m.label} | baseline / viewer | ${fmt(eager.readyToPicture / ours.readyToPicture, 1)}× | ${fmt(eager.initToPicture / ours.initToPicture, 1)}× | ${fmt(eager.boxesInDom / ours.boxesInDom, 0)}× | | | ${fmt(ours.pan / eager.pan, 2)}× (open: ${fmt(all.pan / eager.pan, 2)}×) | ${fmt(ours.zoom / eager.zoom, 2)}× (open: ${fmt(all.zoom / eager.zoom, 2)}×) | ${fmt(median(eager.search) / median(ours.search), 1)}× |`,
      );
    }
  } finally {
    await closeBrowser();
  }
  out.push('', '### In the webview (frame rates: 1000 / 90th-percentile frame time, one wheel step per frame; headless Chromium paces frames at 60 Hz)', ...viewer);
  out.push('', 'Budgets: first picture < 2,000 ms after the webview is ready; opening a cluster < 300 ms; pan and zoom ≥ 50 fps; search < 100 ms per keystroke.');
  return out.join('\n');
}

if (require.main === module) {
  void benchViewer().then((s) => console.log(s), (e) => {
    console.error(e);
    process.exit(1);
  });
}
