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

const captured = new WeakSet<object>();

/**
 * Saves a screenshot of every open workbench to screenshots/failures/ if the current test failed.
 * Call it first in an afterEach hook that changes what is on screen (closing editors…); the root
 * hook below does it for all other tests.
 */
export async function captureFailure(ctx: Context): Promise<void> {
  const test = ctx.currentTest;
  if (test?.state !== 'failed' || captured.has(test)) return;
  captured.add(test);
  const dir = path.join(env.screenshots, 'failures');
  fs.mkdirSync(dir, { recursive: true });
  const name = test.fullTitle().replace(/[^\w.-]+/g, '_').slice(0, 120);
  for (const wb of Workbench.open_) {
    await wb.page.screenshot({ path: path.join(dir, `${name}-${wb.theme}.png`) }).catch(() => undefined);
  }
}

export const mochaHooks = {
  async afterEach(this: Context): Promise<void> {
    await captureFailure(this);
  },
  async afterAll(): Promise<void> {
    await shared?.close();
    shared = undefined;
  },
};
