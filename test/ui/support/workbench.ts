// Drives the VS Code workbench (code-server, started by scripts/test-ui.mjs) in Chromium the way a
// user does: Explorer, Quick Open, the command palette, editor tabs, webviews, themes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';

export type Theme = 'light' | 'dark';

// Callbacks passed to page.evaluate/waitForFunction run in the browser; the project type-checks
// against Node's libraries only, so this is the little of the DOM they use.
declare const document: {
  activeElement: { blur?: () => void } | null;
  body: unknown;
  querySelector(selector: string): { classList: { contains(name: string): boolean } } | null;
};

/** What scripts/test-ui.mjs hands over: the running server and where to put artefacts. */
export const env = {
  url: required('AL_UI_URL'),
  folder: required('AL_UI_FOLDER'),
  userDataDir: required('AL_UI_USER_DATA'),
  screenshots: process.env.AL_UI_SCREENSHOTS ?? path.resolve('test-results', 'screenshots'),
  settings: JSON.parse(process.env.AL_UI_SETTINGS ?? '{}') as Record<string, unknown>,
};

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the UI tests with "node scripts/test-ui.mjs"`);
  return v;
}

const THEMES: Record<Theme, { name: string; bodyClass: string }> = {
  light: { name: 'Default Light Modern', bodyClass: 'vs' },
  dark: { name: 'Default Dark Modern', bodyClass: 'vs-dark' },
};

/** The workspace folder's path for a sample file (relative to samples/). */
export function samplePath(relative: string): string {
  return path.join(env.folder, relative);
}

/** Writes the user settings file; the workbench watches it and applies changes live. */
export function writeSettings(extra: Record<string, unknown>): void {
  const file = path.join(env.userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...env.settings, ...extra }, null, 2));
}

/** CPU time of the whole machine from /proc/stat: [busy, total] in clock ticks. */
function machineTicks(): [number, number] | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return [total - idle, total];
  } catch {
    return undefined; // not Linux: no wait
  }
}

/**
 * Waits until the machine is mostly idle (busy under `maxBusy` of all cores over half a second),
 * at most `timeoutMs`; resolves with the busy share it saw last. A window that was just opened
 * keeps its workbench busy for seconds (measured with a process sampler during the UI suite: the
 * workbench page at 77–86% of a core for ≈10 s after a new window, while the extension host read
 * a model), which a user opening a model in a running VS Code does not pay.
 */
export async function machineQuiet(maxBusy = 0.25, timeoutMs = 20_000): Promise<number | undefined> {
  const end = Date.now() + timeoutMs;
  let busy: number | undefined;
  for (;;) {
    const a = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const b = machineTicks();
    if (!a || !b || b[1] === a[1]) return undefined;
    busy = (b[0] - a[0]) / (b[1] - a[1]);
    if (busy <= maxBusy || Date.now() > end) return busy;
  }
}

export class Workbench {
  /** Open workbenches, so a failing test can be captured (see hooks.ts). */
  static readonly open_ = new Set<Workbench>();

  private constructor(readonly page: Page, readonly theme: Theme) {
    page.setDefaultTimeout(15_000);
    Workbench.open_.add(this);
  }

  /** A fresh browser tab on the sample workspace, in the given colour theme. */
  static async open(browser: Browser, theme: Theme): Promise<Workbench> {
    writeSettings({ 'workbench.colorTheme': THEMES[theme].name });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const wb = new Workbench(page, theme);
    await page.goto(`${env.url}?folder=${encodeURIComponent(env.folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The Explorer lists the workspace once the workbench has restored.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls), THEMES[theme].bodyClass, { timeout: 20_000 });
    await wb.waitForExtension();
    return wb;
  }

  /**
   * Waits until the workbench knows the extension's contributions (its commands are in the palette).
   * Until then an .onnx file opens as text, because the custom editor is not registered yet.
   */
  async waitForExtension(commandTitle = 'Activation Lens: Open Model'): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const input = await this.openQuickInput('Control+Shift+P');
      await input.fill(`>${commandTitle}`);
      const found = await this.page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: commandTitle })
        .first()
        .waitFor({ timeout: 2_000 })
        .then(() => true, () => false);
      await this.page.keyboard.press('Escape');
      await this.quickInputClosed();
      if (found) return;
      if (Date.now() > deadline) throw new Error(`"${commandTitle}" never appeared in the command palette: is the extension installed and enabled?`);
    }
  }

  async close(): Promise<void> {
    Workbench.open_.delete(this);
    await this.page.close();
  }

  /** Opens a file from the Explorer (double-click, so the editor is pinned). Path relative to the workspace. */
  async openFromExplorer(relative: string): Promise<void> {
    const parts = relative.split('/');
    for (const [i, name] of parts.entries()) {
      const row = this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"], .explorer-folders-view .monaco-list-row:has(.label-name:text-is("${name}"))`).first();
      await row.waitFor();
      if (i < parts.length - 1) {
        if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
      } else {
        await row.dblclick();
      }
    }
    await this.waitForActiveTab(parts.at(-1)!);
  }

  /** Opens a file with Quick Open (Ctrl+P), as a user types its name and picks it from the list. */
  async quickOpen(relative: string): Promise<void> {
    const input = await this.openQuickInput('Control+P');
    await input.fill(relative);
    const name = path.basename(relative);
    // Pick the row for this file (the list fills in asynchronously; Enter could take a stale row).
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.click();
    await this.quickInputClosed();
    await this.waitForActiveTab(name);
  }

  /** Runs a command from the command palette by its full title, e.g. "Activation Lens: Open Model". */
  async runCommand(title: string): Promise<void> {
    const input = await this.openQuickInput('Control+Shift+P');
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.click();
    await this.quickInputClosed();
  }

  /** Presses the key that opens the quick input (Quick Open / command palette) and returns its input box. */
  private async openQuickInput(key: string) {
    await this.quickInputClosed();
    // Take focus out of a webview iframe, if it has it, so the workbench sees the keybinding.
    await this.page.evaluate(() => document.activeElement?.blur?.());
    await this.page.keyboard.press(key);
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    return input;
  }

  private async quickInputClosed(): Promise<void> {
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' }).catch(async () => {
      await this.page.keyboard.press('Escape');
    });
  }

  /** The label of the active editor tab. */
  activeTab(): Locator {
    return this.page.locator('.editor-group-container.active .tab.active');
  }

  async waitForActiveTab(label: string): Promise<void> {
    await this.page.locator(`.editor-group-container.active .tab.active[aria-label^="${label}"]`).waitFor({ timeout: 30_000 });
  }

  /**
   * The document frame of the visible webview of an extension. VS Code nests two iframes: an outer
   * host frame (its URL names the extension) and the inner frame (element id `active-frame`) holding the page.
   */
  async webview(extensionId = 'activation-lens.activation-lens', timeoutMs = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of await this.visibleWebviews(extensionId)) {
        if (await frame.evaluate(() => !!document.body).catch(() => false)) return frame;
      }
      if (Date.now() > deadline) throw new Error(`no visible webview of ${extensionId} after ${timeoutMs} ms`);
      await this.page.waitForTimeout(200);
    }
  }

  /** The visible webview of this extension whose page contains `selector` (e.g. 'svg#graph'). */
  async webviewWith(selector: string, timeoutMs = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of await this.visibleWebviews()) {
        if ((await frame.locator(selector).count().catch(() => 0)) > 0) return frame;
      }
      if (Date.now() > deadline) throw new Error(`no visible webview contains ${selector} after ${timeoutMs} ms`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Document frames of every visible webview of an extension. */
  async visibleWebviews(extensionId = 'activation-lens.activation-lens'): Promise<Frame[]> {
    const found: Frame[] = [];
    for (const outer of this.page.frames()) {
      if (!outer.url().includes(`extensionId=${encodeURIComponent(extensionId)}`) && !outer.url().includes(`extensionId=${extensionId}`)) continue;
      const el = await outer.frameElement().catch(() => undefined);
      if (!el || !(await el.isVisible().catch(() => false))) continue;
      for (const inner of outer.childFrames()) {
        const id = await inner.frameElement().then((e) => e.getAttribute('id'), () => null);
        if (id === 'active-frame') found.push(inner);
      }
    }
    return found;
  }

  /** Saves a full-window screenshot as test-results/screenshots/<name>-<theme>.png; returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(env.screenshots, { recursive: true });
    const file = path.join(env.screenshots, `${name}-${this.theme}.png`);
    // Let the last layout/paint settle (animations, fonts).
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Points the mouse at the first occurrence of `text` in the active text editor and returns the
   * text of the hover that shows `expect`. `text` must lie within one rendered token span
   * (e.g. "nn.ReLU" in ", nn.ReLU"). Hovers again while the extension is still activating.
   */
  async hover(text: string, expect: string | RegExp = /\S/, timeoutMs = 30_000): Promise<string> {
    const span = this.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line span span', { hasText: text }).first();
    const card = this.page.locator('.monaco-hover:not(.hidden)', { hasText: expect }).first();
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      try {
        // The editor re-renders its token spans while it tokenizes: measure afresh on every try.
        await span.scrollIntoViewIfNeeded({ timeout: 3_000 });
        const content = (await span.textContent({ timeout: 3_000 })) ?? '';
        const box = await span.boundingBox({ timeout: 3_000 });
        if (box && content.includes(text)) {
          // Editor fonts are monospaced: the n-th character sits at n × (width / length).
          const charWidth = box.width / content.length;
          const at = content.indexOf(text) + Math.max(1, Math.floor(text.length / 2));
          await this.page.mouse.move(5, 5);
          await this.page.mouse.move(box.x + (at + 0.5) * charWidth, box.y + box.height / 2);
          if (await card.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) return await card.innerText();
        }
      } catch (e) {
        lastError = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
      if (Date.now() > deadline) throw new Error(`no hover showing ${expect} over "${text}" within ${timeoutMs} ms ${lastError}`);
    }
  }

  /** Opens the Problems panel and returns the text of its rows (file rows and diagnostics). */
  async problems(): Promise<string[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor();
    return panel.locator('.monaco-list-row').allInnerTexts();
  }

  /** Waits for a notification toast containing `text` and returns its full text. */
  async waitForNotification(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const toast = this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast.innerText();
  }

  async closeAllEditors(): Promise<void> {
    await this.runCommand('View: Close All Editors');
    await this.page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  }
}
