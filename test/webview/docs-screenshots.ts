// Makes the README screenshots (docs/viewer-light.png, docs/viewer-dark.png) from the real webview
// and the small conv net fixture: npx tsx test/webview/docs-screenshots.ts
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { closeBrowser, FIXTURES, ROOT, ViewerPage } from './harness';

async function shoot(theme: 'light' | 'dark'): Promise<void> {
  const v = await ViewerPage.open(path.join(FIXTURES, 'viewer_convnet.onnx'), { theme, width: 1280, height: 760 });
  try {
    await v.waitForGraph();
    await v.page.locator('svg#graph g.node[data-node-id="/layer1/conv/Conv"]').click();
    await v.page.locator('#details .weight-stats.done').first().waitFor();
    await v.page.locator('#zoom-in').click();
    await v.page.locator('#zoom-in').click();
    await new Promise((r) => setTimeout(r, 300));
    const file = await v.screenshot(`docs-viewer-${theme}`);
    mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    copyFileSync(file, path.join(ROOT, 'docs', `viewer-${theme}.png`));
  } finally {
    await v.close();
  }
}

void (async () => {
  await shoot('light');
  await shoot('dark');
  await closeBrowser();
})();
