// `npm start -- --smoke`: once `npm start` serves VS Code, checks as a user would that it works:
// the server answers with the workbench, the extension is installed, and opening a sample model in
// Chromium (Debian's, driven by playwright-core as in test/ui) activates the extension and shows
// the model's graph in the Activation Lens viewer. Throws with the reason on the first failure.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, repoRoot } from './codeserver.mjs';

const EXTENSION_ID = 'activation-lens.activation-lens';
const SAMPLE = 'mlp.onnx';
const say = (m) => console.log(`[smoke] ${m}`);

/** Graph boxes of operator nodes in the viewer (inputs/outputs are boxes too, with prefixed ids). */
const OP_BOXES = 'svg#graph g.node[data-node-id]:not([data-node-id^="input:"]):not([data-node-id^="output:"])';

/** The inner document frames of this extension's visible webviews (VS Code nests two iframes). */
async function extensionWebviews(page) {
  const found = [];
  for (const outer of page.frames()) {
    if (!decodeURIComponent(outer.url()).includes(`extensionId=${EXTENSION_ID}`)) continue;
    for (const inner of outer.childFrames()) {
      const id = await inner.frameElement().then((e) => e.getAttribute('id'), () => null);
      if (id === 'active-frame') found.push(inner);
    }
  }
  return found;
}

async function until(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} (waited ${timeoutMs / 1000} s)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs the checks against a started server (from startCodeServer) whose workspace `folder`
 * holds the samples; `cs` is the code-server install and `extensionsDir` where the VSIX went.
 */
export async function smokeTest({ cs, server, folder, extensionsDir, userDataDir, screenshotFile }) {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

  const version = spawnSync(cs.node, [cs.entry, '--version'], { env: cs.env, encoding: 'utf8' }).stdout.trim().split('\n')[0];
  const res = await fetch(server.folderUrl).catch((e) => {
    throw new Error(`VS Code does not answer at ${server.folderUrl}: ${e.message}`);
  });
  const html = await res.text();
  if (!res.ok || !/workbench/i.test(html)) throw new Error(`VS Code at ${server.folderUrl} answered ${res.status} without the workbench page`);
  say(`VS Code answers at ${server.url} (code-server ${version})`);

  const listed = spawnSync(cs.node, [cs.entry, '--list-extensions', '--show-versions', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], { env: cs.env, encoding: 'utf8' });
  const wanted = `${EXTENSION_ID}@${pkg.version}`;
  if (!listed.stdout?.split('\n').some((l) => l.trim() === wanted)) {
    throw new Error(`the extension ${wanted} is not installed in ${extensionsDir}; code-server lists:\n${listed.stdout}${listed.stderr}`);
  }
  say(`extension ${wanted} is installed`);

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    page.setDefaultTimeout(20_000);
    await page.goto(server.folderUrl);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 }).catch(() => {
      throw new Error(`the workbench did not show the workspace ${folder} in the Explorer`);
    });
    say('the workbench is up in Chromium');

    // Until the workbench knows the extension's custom editor, an .onnx file would open as text:
    // wait until its commands are in the command palette, as a user would see them.
    const input = page.locator('.quick-input-widget input.input');
    const row = (text) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
    await until('the extension\'s commands never appeared in the command palette ("Activation Lens: Open Model")', 60_000, async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+P');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill('>Activation Lens: Open Model');
      return row('Activation Lens: Open Model').waitFor({ timeout: 2_000 }).then(() => true);
    });
    await page.keyboard.press('Escape');

    // Quick Open the sample model, as a user types its name.
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible' });
    await input.fill(SAMPLE);
    await row(SAMPLE).click();
    const nodes = await until(`${SAMPLE} did not open in the Activation Lens viewer (no graph in its webview)`, 60_000, async () => {
      for (const frame of await extensionWebviews(page)) {
        const n = await frame.locator(OP_BOXES).count();
        if (n > 0) return n;
      }
      return undefined;
    });
    const textEditors = await page.locator('.editor-group-container.active .monaco-editor .view-lines').count();
    if (textEditors > 0) throw new Error(`${SAMPLE} opened as text, not in the Activation Lens viewer`);
    say(`${SAMPLE} opened in the Activation Lens viewer: the extension activated and drew ${nodes} operator nodes`);
  } catch (e) {
    if (screenshotFile) await page.screenshot({ path: screenshotFile }).then(() => say(`screenshot of the workbench: ${screenshotFile}`), () => undefined);
    throw e;
  } finally {
    await browser.close();
  }
}
