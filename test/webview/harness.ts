// Renders the real webview bundle (dist/webview.js) in headless Chromium, on the real viewer page
// (same HTML and CSP as in VS Code), with a stub `acquireVsCodeApi` whose messages are answered
// in this process by the real host session (ViewerSession) over models read by the real readers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadModel } from '../../src/formats/load';
import type { Model } from '../../src/core/model';
import { ViewerSession } from '../../src/extension/viewerGraph';
import { viewerPage } from '../../src/extension/viewerHtml';
import type { HostMessage, WebviewMessage } from '../../src/protocol';

export const ROOT = path.resolve(__dirname, '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/onnx');
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');
const ORIGIN = 'https://webview.test';

export type Theme = 'light' | 'dark' | 'high-contrast';

/** A subset of VS Code's theme variables, enough to see that the viewer follows the theme. */
const THEMES: Record<Theme, { bodyClass: string; vars: Record<string, string> }> = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', foreground: '#3b3b3b', descriptionForeground: '#717171',
      'editorWidget-background': '#f8f8f8', 'sideBar-background': '#f8f8f8', 'panel-border': '#e5e5e5', focusBorder: '#005fb8',
      'charts-blue': '#1a85ff', 'charts-green': '#388a34', 'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-purple': '#652d90', 'charts-red': '#e51400',
      'textLink-foreground': '#005fb8', 'input-background': '#ffffff', 'input-border': '#cecece', 'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b',
      'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000', 'editorLineNumber-foreground': '#6e7681',
      'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc', foreground: '#cccccc', descriptionForeground: '#9d9d9d',
      'editorWidget-background': '#202020', 'sideBar-background': '#181818', 'panel-border': '#2b2b2b', focusBorder: '#0078d4',
      'charts-blue': '#3794ff', 'charts-green': '#89d185', 'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c',
      'textLink-foreground': '#4daafc', 'input-background': '#313131', 'input-border': '#3c3c3c', 'badge-background': '#616161', 'badge-foreground': '#f8f8f8',
      'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff', 'editorLineNumber-foreground': '#6e7681',
      'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      'editor-background': '#000000', 'editor-foreground': '#ffffff', foreground: '#ffffff', descriptionForeground: '#ffffff',
      'editorWidget-background': '#0c141f', 'panel-border': '#6fc3df', focusBorder: '#f38518', contrastBorder: '#6fc3df', contrastActiveBorder: '#f38518',
      'charts-blue': '#3794ff', 'charts-green': '#89d185', 'charts-yellow': '#ffd700', 'charts-orange': '#f38518', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c',
      'textLink-foreground': '#21a6ff', 'font-family': 'system-ui, sans-serif', 'font-size': '13px',
    },
  },
};

function themeCss(theme: Theme): string {
  const vars = Object.entries(THEMES[theme].vars).map(([k, v]) => `--vscode-${k}: ${v};`).join('\n  ');
  return `html {\n  ${vars}\n}\nbody { background: var(--vscode-editor-background); color: var(--vscode-foreground); }\n`;
}

let shared: Browser | undefined;

export async function browser(): Promise<Browser> {
  shared ??= await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  return shared;
}

export async function closeBrowser(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/** Builds dist/webview.js and the worker if a test run starts without them (npm test builds first). */
export function ensureBuilt(): void {
  const dist = path.join(ROOT, 'dist');
  if (existsSync(path.join(dist, 'webview.js')) && existsSync(path.join(dist, 'layout.worker.js'))) return;
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

export interface OpenOptions {
  theme?: Theme;
  width?: number;
  height?: number;
  /** Ignore the page's CSP: proves model strings are never parsed as HTML, even without it. */
  bypassCSP?: boolean;
  /** Saved webview state to start from (getState). */
  state?: unknown;
  /** Called when the webview says it is ready (before the host session handles it). */
  onReady?: () => void;
  /** Another host side instead of a ViewerSession in this process (the benchmark runs the
   *  production bundle of it in a child process, as VS Code runs extensions in another process
   *  than the webview). Given the function that posts to the webview. */
  host?: (post: (m: HostMessage) => Promise<void>) => HostSide;
}

/** What the page talks to: a ViewerSession, or a stand-in for one in another process. */
export interface HostSide {
  preload(): void;
  handle(m: WebviewMessage): Promise<void> | void;
  send(m: HostMessage): void;
  reload(): Promise<void>;
}

export class ViewerPage {
  /** Every message the webview sent, in order. */
  readonly sent: WebviewMessage[] = [];
  readonly consoleErrors: string[] = [];
  /** Time from navigation start until the first node box was in the DOM (set by waitForGraph). */
  firstPaintMs = 0;
  /** When the handshake steps happened, relative to navigation start (for timing reports). */
  readonly timeline: string[] = [];
  /** The same for the last `ready` and `init`, as numbers (ms since navigation start). */
  readonly marks = { ready: 0, initPosted: 0, initDelivered: 0 };
  private t0 = 0;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly session: HostSide,
  ) {}

  static async open(model: string | (() => Promise<Model>), opts: OpenOptions = {}): Promise<ViewerPage> {
    ensureBuilt();
    const theme = opts.theme ?? 'light';
    const context = await (await browser()).newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, bypassCSP: opts.bypassCSP ?? false });
    const page = await context.newPage();
    const file = typeof model === 'string' ? model : 'generated.onnx';
    const source = typeof model === 'string' ? () => loadModel(model) : model;
    let vp!: ViewerPage;
    // As JSON text, like VS Code's own postMessage (and far cheaper for Playwright than an object).
    const postToPage = async (m: HostMessage): Promise<void> => {
      const t = Date.now();
      await page.evaluate((json) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(JSON.parse(json), '*'), JSON.stringify(m)).catch(() => undefined);
      vp.timeline.push(`${m.type} posted at ${t - vp.t0} ms, delivered at ${Date.now() - vp.t0} ms`);
      if (m.type === 'init') {
        vp.marks.initPosted = t - vp.t0;
        vp.marks.initDelivered = Date.now() - vp.t0;
      }
    };
    const session: HostSide = opts.host ? opts.host(postToPage) : new ViewerSession(file, source, postToPage, (m) => void m);
    vp = new ViewerPage(context, page, session);
    session.preload(); // as the extension does: read the model while the webview boots
    page.on('console', (msg) => {
      if (msg.type() === 'error') vp.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => vp.consoleErrors.push(String(err)));
    await page.exposeFunction('__alToHost', (m: WebviewMessage) => {
      if (m.type === 'ready') {
        vp.marks.ready = Date.now() - vp.t0;
        vp.timeline.push(`ready at ${vp.marks.ready} ms`);
        opts.onReady?.();
      }
      vp.sent.push(m);
      void session.handle(m);
    });
    // A string, not a function: tsx would wrap a function with helpers the page does not have.
    await page.addInitScript(`(() => {
      let saved = ${JSON.stringify(opts.state ?? null)};
      window.acquireVsCodeApi = () => ({
        postMessage: (m) => window.__alToHost(m),
        getState: () => saved ?? undefined,
        setState: (s) => { saved = s; window.__alState = s; },
      });
    })();`);
    const html = viewerPage({
      cspSource: ORIGIN,
      script: `${ORIGIN}/dist/webview.js`,
      worker: `${ORIGIN}/dist/layout.worker.js`,
      codicons: `${ORIGIN}/dist/codicon.css`,
      css: `${ORIGIN}/media/viewer.css`,
      extraCss: [`${ORIGIN}/theme.css`],
    }).replace('<body ', `<body class="${THEMES[theme].bodyClass}" `);
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/index.html') return route.fulfill({ status: 200, contentType: 'text/html', body: html });
      if (url.pathname === '/theme.css') return route.fulfill({ status: 200, contentType: 'text/css', body: themeCss(theme) });
      const local = path.join(ROOT, path.normalize(url.pathname));
      if (!local.startsWith(path.join(ROOT, 'dist')) && !local.startsWith(path.join(ROOT, 'media'))) return route.fulfill({ status: 404 });
      if (!existsSync(local)) return route.fulfill({ status: 404 });
      const type = local.endsWith('.js') ? 'text/javascript' : local.endsWith('.css') ? 'text/css' : local.endsWith('.ttf') ? 'font/ttf' : 'application/octet-stream';
      return route.fulfill({ status: 200, contentType: type, body: readFileSync(local) });
    });
    // Anything else (remote resources) must never be requested.
    await page.route((url) => !url.href.startsWith(ORIGIN) && !url.href.startsWith('blob:') && !url.href.startsWith('data:'), (route) => {
      vp.consoleErrors.push(`unexpected request ${route.request().url()}`);
      return route.abort();
    });
    vp.t0 = Date.now();
    await page.goto(`${ORIGIN}/index.html`);
    return vp;
  }

  /** Waits until the first box (a node, a closed cluster, a graph input) is drawn; records the
   *  time since navigation started. */
  async waitForGraph(timeout = 30_000): Promise<void> {
    try {
      await this.page.locator('svg#graph g[data-index]').first().waitFor({ timeout });
    } catch (e) {
      const state = await this.page.evaluate("document.querySelector('#overlay')?.textContent + ' | ' + document.querySelector('#status')?.textContent + ' | ' + document.querySelector('#graph .viewport')?.getAttribute('transform') + ' | boxes ' + document.querySelectorAll('#graph g').length").catch(() => '');
      throw new Error(`no node box drawn: ${(e as Error).message.split('\n')[0]}; page: ${state}; errors: ${this.consoleErrors.join(' / ')}; sent: ${this.sent.map((m) => m.type).join(',')}`);
    }
    this.firstPaintMs = Date.now() - this.t0;
    await this.until("document.body.dataset.ready === 'true'", timeout);
  }

  /** Polls a JavaScript expression in the page until it is truthy. (Playwright's waitForFunction
   *  evaluates strings with eval, which the page's CSP rightly forbids.) */
  async until(expression: string, timeout = 10_000): Promise<void> {
    const end = Date.now() + timeout;
    for (;;) {
      if (await this.page.evaluate(expression)) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** Generates a large residual ONNX model with the committed Python generator (python3-onnx). */
export function generateLargeModel(out: string, nodes: number, scoped = false): void {
  execFileSync('/usr/bin/python3', [path.join(FIXTURES, 'make_large_chain.py'), out, String(nodes), ...(scoped ? ['--scoped'] : [])], { stdio: 'inherit' });
}
