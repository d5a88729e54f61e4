// The model viewer at 100,000 nodes (scripts/bench.ts calls benchViewer()): the real webview
// bundle in headless Chromium, answered by the real host session (test/webview/harness.ts), on
// two generated models (scripts/bench/viewerModels.ts): a BERT-shaped export with deep name
// scopes, and a flat residual chain without any. Every number is measured in the same run for
// the viewer as it is (folding, clusters collapsed to a budget, only on-screen boxes in the DOM)
// and for a Netron-like eager drawing of the same model (no folding, no clusters, every box in
// the DOM: the viewer with `renderAll`), and printed with the ratio between the two. Cold opens
// (the model not read yet) run the host side as VS Code does: the production bundle of it in a
// process of its own (scripts/bench/viewerHost.ts), reading while the page boots.
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
import { firstPicture } from '../media/firstPicture';
import { fork, type ChildProcess } from 'node:child_process';
import * as esbuild from 'esbuild';
import type { HostMessage } from '../src/protocol';
import type { FromViewerHost, ToViewerHost } from './bench/viewerHost';
import { analyzeModel } from '../src/analysis/rules/index';
import { countActivationEntries } from '../src/glossary';
import { closeBrowser, ViewerPage, type HostSide } from '../test/webview/harness';
import { flatGraph, transformerGraph } from './bench/viewerModels';

const CACHE = path.join(os.homedir(), '.cache', 'activation-lens', 'bench');
const TIMEOUT = 240_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

interface PageNumbers {
  /** From the webview posting `ready` to the first picture on screen (page clock). */
  readyToPicture: number;
  /** Of that: waiting for the host (still reading the model), and the message's way over. */
  hostWait: number;
  transfer: number;
  /** From the `init` message arriving to the first picture on screen. */
  initToPicture: number;
  /** Boxes in the picture, and in the DOM (only those near the view, but for the eager baseline). */
  boxes: number;
  boxesInDom: number;
  pan: number;
  zoom: number;
  /** Per keystroke: until the frame showing the matches, and the input handler alone. */
  search: number[];
  searchHandler: number[];
}

const STATE: ViewerState = { view: 'graph', expanded: [], collapsed: [], direction: 'TB', showNames: true };

/** Frame times (ms) while the wheel pans or zooms one step per frame; their 90th percentile. */
const FRAMES = (zoom: boolean, frames = 80) => `(async () => {
  const svg = document.getElementById('graph');
  const r = svg.getBoundingClientRect();
  const times = [];
  let last = await new Promise((res) => requestAnimationFrame(res));
  for (let i = 0; i < ${frames}; i++) {
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

/** Per keystroke typing `query` into the search box: milliseconds until the frame that shows the
 *  matches (two animation frames at least: ≥ 17–33 ms at 60 Hz), and for the input handler alone. */
const TYPE = (query: string) => `(async () => {
  const input = document.getElementById('search');
  const out = [], handler = [];
  for (let i = 1; i <= ${JSON.stringify(query)}.length; i++) {
    const t0 = performance.now();
    input.value = ${JSON.stringify(query)}.slice(0, i);
    input.dispatchEvent(new Event('input'));
    handler.push(performance.now() - t0);
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    out.push(performance.now() - t0);
  }
  input.value = '';
  input.dispatchEvent(new Event('input'));
  return [out, handler];
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

async function pageNumbers(v: ViewerPage, query: string, eager = false): Promise<PageNumbers> {
  const t = (await v.page.evaluate('window.__alTimings')) as Record<string, number>;
  const boxesInDom = (await v.page.evaluate("document.querySelectorAll('#graph g[data-index]').length")) as number;
  const boxes = Number(await v.page.evaluate('document.body.dataset.boxes'));
  // The eager baseline takes seconds per frame: fewer frames and keystrokes say as much.
  const pan = (await v.page.evaluate(FRAMES(false, eager ? 12 : 80))) as number;
  const zoom = (await v.page.evaluate(FRAMES(true, eager ? 12 : 80))) as number;
  const [search, searchHandler] = (await v.page.evaluate(TYPE(eager ? query.slice(0, 6) : query))) as [number[], number[]];
  return {
    readyToPicture: t.pictureAt - t.readyAt,
    hostWait: v.marks.initPosted - v.marks.ready,
    transfer: v.marks.initDelivered - v.marks.initPosted,
    initToPicture: t.pictureAt - t.initAt,
    boxes,
    boxesInDom,
    pan,
    zoom,
    search,
    searchHandler,
  };
}

/** The same view again with the model already read (the webview reloaded, or shown again). */
async function reopened(v: ViewerPage): Promise<{ readyToPicture: number; transfer: number }> {
  await v.page.evaluate('document.body.dataset.painted = ""');
  await v.page.reload();
  await v.until("document.body.dataset.painted === 'true'", TIMEOUT);
  const t = (await v.page.evaluate('window.__alTimings')) as Record<string, number>;
  return { readyToPicture: t.pictureAt - t.readyAt, transfer: v.marks.initDelivered - v.marks.initPosted };
}

/** The viewer's host side as the extension runs it: bundled and minified like dist/extension.js,
 *  in a process of its own (scripts/bench/viewerHost.ts), forked once before any page opens. */
class HostProcess {
  private child?: ChildProcess;
  private post?: (m: HostMessage) => Promise<void>;

  async start(): Promise<void> {
    const bundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'al-bench-host-')), 'viewerHost.js');
    await esbuild.build({ entryPoints: [path.join(__dirname, 'bench', 'viewerHost.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node18', minify: true, logLevel: 'warning', external: ['onnxruntime-node'] });
    const child = fork(bundle, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: FromViewerHost) => (m.type === 'up' ? resolve() : reject(new Error(`host process said ${m.type}`))));
      child.once('exit', (code) => reject(new Error(`host process exited (${code})`)));
    });
    child.on('message', (m: FromViewerHost) => {
      if (m.type !== 'post' || !this.post) return;
      void this.post(JSON.parse(m.json) as HostMessage).then(() => child.send({ type: 'delivered', id: m.id }));
    });
    this.child = child;
  }

  /** A host side for ViewerPage.open that opens `file` in the process. */
  side(file: string): (post: (m: HostMessage) => Promise<void>) => HostSide {
    return (post) => {
      this.post = post;
      const send = (m: ToViewerHost): void => void this.child!.send(m);
      return {
        preload: () => send({ type: 'open', file }),
        handle: (message) => send({ type: 'webview', message }),
        send: (message) => send({ type: 'send', message }),
        reload: () => Promise.reject(new Error('not in the benchmark')),
      };
    };
  }

  stop(): void {
    this.child?.kill();
  }
}

/** Heap the host holds for one open model — the model, the viewer graph and the graph model its
 *  first picture is drawn from — in MB after a full collection; undefined without --expose-gc
 *  (`npm run bench` passes it). */
export async function heldHeapMB(file: string): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  const before = process.memoryUsage().heapUsed;
  const model = await loadModel(file);
  const built = buildViewerGraph(model);
  const graph = new GraphModel(built.graph);
  gc();
  const held = process.memoryUsage().heapUsed - before;
  // Used after the measurement, so none of the three is collected before it.
  return model.graph.nodes.length && graph.nodeCount ? held / 2 ** 20 : undefined;
}

/** A cold open in the order VS Code does it: the host process (already running, the model not
 *  yet read) starts reading as the webview starts loading. Returns ready → first picture (the
 *  host's preview when it sends one) and ready → whole graph drawn, on the page's clock. */
async function coldOpen(host: HostProcess, file: string, state: ViewerState): Promise<{ first: number; whole: number; preview: boolean }> {
  const v = await ViewerPage.open(file, { width: 1280, height: 800, state, host: host.side(file) });
  try {
    await v.until("document.body.dataset.painted === 'true'", TIMEOUT);
    const t = (await v.page.evaluate('window.__alTimings')) as Record<string, number>;
    const first = t.previewPictureAt ?? t.pictureAt;
    return { first: first - t.readyAt, whole: t.pictureAt - t.readyAt, preview: t.previewPictureAt !== undefined };
  } finally {
    await v.close();
  }
}

/** Opens closed clusters one after another: the biggest boxes of the first picture, then down
 *  into what each one opened, to the deepest level. */
async function expandTimes(v: ViewerPage, count: number): Promise<{ ms: number[]; relaid: number[] }> {
  const ms: number[] = [], relaid: number[] = [];
  const closedBoxes = async () => (await v.page.evaluate(`[...document.querySelectorAll('#graph g.group-box')].map((g) => [g.getAttribute('data-group'), g.getBoundingClientRect().top])`)) as [string, number][];
  for (let k = 0; k < count; k++) {
    let boxes = await closedBoxes();
    if (!boxes.length) {
      // drilled down to nodes only: look at the whole picture again, zooming in from there until
      // boxes are drawn (zoomed far out, a canvas overview stands in for them)
      await v.page.locator('#fit').click();
      for (let z = 0; z < 12 && !(boxes = await closedBoxes()).length; z++) {
        await v.page.locator('#zoom-in').click();
        await v.page.waitForTimeout(50);
      }
    }
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

async function withHost<T>(f: (h: HostProcess) => Promise<T>): Promise<T> {
  const h = new HostProcess();
  await h.start();
  try {
    return await f(h);
  } finally {
    h.stop();
  }
}

export async function benchViewer(quick = process.argv.includes('--quick')): Promise<string> {
  fs.mkdirSync(CACHE, { recursive: true });
  const target = quick ? 20_000 : 100_000;
  const models = [
    { label: `BERT-shaped export, ${target / 1000}k nodes, deep name scopes`, file: path.join(CACHE, `viewer-bert-${target}.onnx`), make: transformerGraph, query: 'layer.77/attention' },
    { label: `flat residual chain, ${target / 1000}k nodes, no scopes`, file: path.join(CACHE, `viewer-flat-${target}.onnx`), make: flatGraph, query: 'block7777_add' },
  ];
  const out: string[] = [];
  out.push(`Headless Chromium (Debian's), a 1280×800 page, the real host session (ViewerSession) in this process; load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${os.cpus().length} cores.`);
  out.push('');
  out.push('### Host side and message');
  out.push('| model | nodes | read ms | build viewer graph ms | first picture (`preview`) ms / KB | encode ms | `init` message MB | plain GraphInfo JSON MB | message / plain | after the first graph: Problems rules ms / glossary counts ms | heap held: model + viewer graph + graph model MB |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|');
  const viewer: string[] = [];
  viewer.push('| model | drawing | ready → first picture, host has the graph ms | ready → first picture, cold: the host process reads while the page loads ms | of which: message transfer / webview (init → picture) ms | boxes in the picture (in the DOM) | open a cluster ms p50 / max (n) | clusters laid out per open, max | pan fps p90 | zoom fps p90 | search per keystroke: to the frame ms p50 / max; handler ms max |');
  viewer.push('|---|---|---|---|---|---|---|---|---|---|---|');
  try {
    for (const m of models) {
      if (!fs.existsSync(m.file)) {
        process.stderr.write(`writing ${m.file} …\n`);
        m.make(m.file, target);
      }
      const held = await heldHeapMB(m.file);
      // host: reading, the viewer graph, the wire form (median of 3)
      const read: number[] = [], build: number[] = [], picture: number[] = [], encode: number[] = [], rules: number[] = [], counts: number[] = [];
      let bytes = 0, plain = 0, nodes = 0, pictureBytes = 0, keys: string[] = [];
      for (let r = 0; r < 3; r++) {
        let t = performance.now();
        const model = await loadModel(m.file);
        read.push(performance.now() - t);
        t = performance.now();
        const built = buildViewerGraph(model);
        build.push(performance.now() - t);
        // What the session sends first: the picture the webview draws while the rest comes.
        t = performance.now();
        const pic = JSON.stringify(firstPicture(built.graph, { direction: 'TB', showNames: true, keras: false }) ?? null);
        picture.push(performance.now() - t);
        pictureBytes = Buffer.byteLength(pic);
        t = performance.now();
        // Then the whole graph: the wire form as JSON text and the model summary (viewerGraph.ts).
        const wire = JSON.stringify(encodeGraph(built.graph));
        void built.model;
        encode.push(performance.now() - t);
        // Work on the same model that waits for the viewer's first graph in the extension host.
        t = performance.now();
        await analyzeModel(model, undefined, {});
        rules.push(performance.now() - t);
        t = performance.now();
        countActivationEntries(model);
        counts.push(performance.now() - t);
        if (r === 0) {
          nodes = model.graph.nodes.length;
          bytes = Buffer.byteLength(JSON.stringify({ type: 'init', file: m.file, model: built.model, graph: wire }));
          plain = Buffer.byteLength(JSON.stringify({ type: 'init', file: m.file, model: built.model, graph: built.graph }));
          keys = new GraphModel(built.graph).clusters.filter((c) => c.kind !== 'root').map((c) => c.key);
        }
      }
      out.push(`| ${m.label} | ${nodes.toLocaleString('en-US')} | ${fmt(median(read))} | ${fmt(median(build))} | ${fmt(median(picture))} / ${fmt(pictureBytes / 1024)} | ${fmt(median(encode))} | ${fmt(bytes / 1e6, 2)} | ${fmt(plain / 1e6, 2)} | ${fmt(bytes / plain, 3)}× | ${fmt(median(rules))} / ${fmt(median(counts))} | ${held === undefined ? '– (no --expose-gc)' : fmt(held)} |`);

      // Cold opens: each in a host process of its own that has read nothing yet.
      // The viewer's own row twice (this machine's timings vary by a third between runs): both
      // are printed, and the ratio to the baseline uses the slower.
      const coldRuns = [await withHost((h) => coldOpen(h, m.file, STATE)), await withHost((h) => coldOpen(h, m.file, STATE))];
      const cold = coldRuns.reduce((a, b) => (b.first > a.first ? b : a));
      const coldAll = await withHost((h) => coldOpen(h, m.file, { ...STATE, expanded: keys }));
      const coldEager = await withHost((h) => coldOpen(h, m.file, { ...STATE, renderAll: true }));

      // the viewer: first picture, opening clusters, pan, zoom, search
      let v = await openPage(m.file, STATE);
      const ours = await pageNumbers(v, m.query);
      const expand = await expandTimes(v, quick ? 6 : 12);
      const again = await reopened(v);
      await v.close();
      // everything open: all 100,000 nodes are boxes, only those on screen are in the DOM
      v = await openPage(m.file, { ...STATE, expanded: keys });
      const all = await pageNumbers(v, m.query);
      const allAgain = await reopened(v);
      await v.close();
      // the baseline: no folding, no clusters, every box in the DOM
      v = await openPage(m.file, { ...STATE, renderAll: true });
      const eager = await pageNumbers(v, m.query, true);
      const eagerAgain = await reopened(v);
      await v.close();

      // The first picture after `ready` at the two ends: the host has the graph already (the
      // view reloaded), or begins reading only when the webview is ready (measured: coldOpen).
      const coldText = (cs: (typeof cold)[]) => cs.map((c) => `${fmt(c.first)}${c.preview ? ` (host's preview; whole graph drawn ${fmt(c.whole)})` : ''}`).join(' and ');
      const colds = [coldRuns, [coldAll], [coldEager]];
      const row = (label: string, p: PageNumbers, re: { readyToPicture: number; transfer: number }, open: string, relaid: string) =>
        `| ${m.label} | ${label} | ${fmt(re.readyToPicture)} | ${coldText(colds.shift()!)} | ${fmt(re.transfer)} / ${fmt(p.initToPicture)} | ${p.boxes.toLocaleString('en-US')} (${p.boxesInDom.toLocaleString('en-US')}) | ${open} | ${relaid} | ${fmt(1000 / p.pan)} | ${fmt(1000 / p.zoom)} | ${fmt(median(p.search), 1)} / ${fmt(Math.max(...p.search), 1)}; ${fmt(Math.max(...p.searchHandler), 1)} |`;
      viewer.push(row('viewer: folded, clusters within budget', ours, again, `${fmt(median(expand.ms))} / ${fmt(Math.max(...expand.ms))} (${expand.ms.length})`, String(Math.max(...expand.relaid))));
      viewer.push(row('viewer: every cluster open', all, allAgain, '–', '–'));
      viewer.push(row('baseline: eager, every box in the DOM', eager, eagerAgain, '–', '–'));
      viewer.push(
        `| ${m.label} | baseline / viewer | ${fmt(eagerAgain.readyToPicture / again.readyToPicture, 1)}× | ${fmt(coldEager.first / cold.first, 1)}× | webview ${fmt(eager.initToPicture / ours.initToPicture, 1)}× | ${fmt(eager.boxesInDom / ours.boxesInDom, 0)}× in the DOM | | | ${fmt(ours.pan / eager.pan, 2)}× (open: ${fmt(all.pan / eager.pan, 2)}×) | ${fmt(ours.zoom / eager.zoom, 2)}× (open: ${fmt(all.zoom / eager.zoom, 2)}×) | ${fmt(median(eager.search) / median(ours.search), 1)}×; handler ${fmt(Math.max(...eager.searchHandler) / Math.max(...ours.searchHandler), 0)}× |`,
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
