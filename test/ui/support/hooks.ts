// Root hooks: one headless Chromium (Debian's, via playwright-core) for the whole UI run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'mocha';
import { chromium, type Browser } from 'playwright-core';
import { env, Workbench } from './workbench';

let shared: Browser | undefined;

export async function browser(): Promise<Browser> {
  shared ??= await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: !process.env.AL_HEADED,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  return shared;
}

export const mochaHooks = {
  /** A failed test leaves a screenshot of every open workbench in screenshots/failures/. */
  async afterEach(this: Context): Promise<void> {
    const test = this.currentTest;
    if (test?.state !== 'failed') return;
    const dir = path.join(env.screenshots, 'failures');
    fs.mkdirSync(dir, { recursive: true });
    const name = test.fullTitle().replace(/[^\w.-]+/g, '_').slice(0, 120);
    for (const wb of Workbench.open_) {
      await wb.page.screenshot({ path: path.join(dir, `${name}-${wb.theme}.png`) }).catch(() => undefined);
    }
  },
  async afterAll(): Promise<void> {
    await shared?.close();
    shared = undefined;
  },
};
