// "Compare with…" in the real workbench, as a user runs it: the viewer's toolbar button, the
// command's quick pick ("Another model…"), the workbench's file dialog, the input-source quick pick,
// the progress and summary notifications; then in the viewer the change overlay with its legend,
// both runs' histograms in the selected node's details, and the layer table sorted by the change.
// The numbers are checked against `activation-lens diff` on the same models and inputs.
// Screenshots: compare-overlay-{light,dark}.png, compare-details-*, compare-table-*, compare-summary-*.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { browser, captureFailure } from './support/hooks';
import { samplePath, Workbench, type Theme } from './support/workbench';

const SAMPLE = 'dead_relu_mlp.onnx';
const QUICK_INPUT = '.quick-input-widget';
const ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const MINUS = '\u2212';

interface DiffLayer {
  a: string;
  b: string;
  deadA: number[];
  deadB: number[];
  died: number[];
  revived: number[];
  unitsA: number;
  unitsB: number;
}

function cli(args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** "−12.5 pp" → −0.125; "0 pp" → 0. */
function points(text: string): number {
  const m = /^([+−]?)([\d.]+) pp$/.exec(text.trim());
  assert.ok(m, `not a change in percentage points: ${JSON.stringify(text)}`);
  return (m[1] === MINUS ? -1 : 1) * Number(m[2]) / 100;
}

async function openViewer(wb: Workbench, model: string): Promise<Frame> {
  await wb.quickOpen(model);
  const frame = await wb.webviewWith('svg#graph g.node[data-node-id]', 60_000);
  await frame.locator('body[data-ready="true"]').waitFor({ timeout: 60_000 });
  return frame;
}

/**
 * The workbench's own file dialog (code-server has no native one) opens on the model's folder:
 * pick the file from its list as a user does, then accept. The dialog fills its path box and list
 * a moment after it shows, so the choice is checked before accepting.
 */
async function pickFile(wb: Workbench, file: string): Promise<void> {
  const { page } = wb;
  const input = page.locator(`${QUICK_INPUT} input.input`);
  const name = path.basename(file);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = page.locator(ROWS, { hasText: name }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.click();
    // a click on a file accepts it: the dialog (and its list) goes
    if (await row.waitFor({ state: 'hidden', timeout: 1_000 }).then(() => true, () => false)) return;
    if ((await input.inputValue()).endsWith(name)) {
      await input.press('Enter');
      if (await row.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false)) return;
    }
    if (Date.now() > deadline) throw new Error(`the file dialog never took ${file} (its path box: ${await input.inputValue()})`);
  }
}

for (const theme of ['light', 'dark'] as Theme[]) {
  describe(`Compare with… from the viewer toolbar (${theme} theme)`, function () {
    this.timeout(600_000);
    let wb: Workbench;
    // Fresh copies per theme: no run of them is stored yet, so the command asks for the inputs.
    const original = `compare-${theme}.onnx`;
    const rewritten = `compare-${theme}-leaky.onnx`;

    before(async () => {
      fs.copyFileSync(samplePath(SAMPLE), samplePath(original));
      cli(['rewrite', samplePath(original), '--to', 'leaky-relu', '-o', samplePath(rewritten), '--force']);
      wb = await Workbench.open(await browser(), theme);
    });
    afterEach(async function () {
      await captureFailure(this);
    });
    after(async () => {
      await wb?.page.keyboard.press('Escape');
      await wb?.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
      await wb?.closeAllEditors().catch(() => undefined);
      await wb?.close();
      for (const f of [original, rewritten]) fs.rmSync(samplePath(f), { force: true });
    });

    it(`compares ${original} with its Leaky ReLU rewrite: the change overlay and its legend, both histograms of a selected node, the table sorted by the change`, async () => {
      const frame = await openViewer(wb, original);
      const { page } = wb;

      // The viewer's toolbar button runs the command for this model.
      await frame.locator('#compare-with').click();
      await page.locator(`${QUICK_INPUT} .quick-input-title`, { hasText: `Compare ${original} with…` }).waitFor({ timeout: 30_000 });
      for (const choice of ['Another run of this model', 'A saved run', 'Another model']) assert.ok(await page.locator(ROWS, { hasText: choice }).count(), `no "${choice}" choice`);
      await page.locator(ROWS, { hasText: 'Another model' }).first().click();
      await pickFile(wb, samplePath(rewritten));
      // No run of the original yet: where do the inputs come from?
      await page.locator(`${QUICK_INPUT} .quick-input-title`, { hasText: `Run Activations: ${original}` }).waitFor({ timeout: 30_000 });
      await page.locator(ROWS, { hasText: 'Synthetic inputs' }).first().click();

      const summary = await wb.waitForNotification(/layers? matched/, 300_000);
      assert.match(summary, /3 layers matched; dead units (\d+) → 0 \(0 died, \1 revived\)/);
      // (out of the way of the screenshots)
      await wb.runCommand('Notifications: Clear All Notifications');

      // The change overlay with its legend, in the viewer of the original.
      const legend = frame.locator('#legend[data-overlay="change:deadShare"]');
      await legend.waitFor({ timeout: 30_000 });
      const legendText = (await legend.innerText()).replace(/\s+/g, ' ');
      assert.match(legendText, new RegExp(`Change in dead share \\(B − A\\).*A · ${original.replace('.', '\\.')} → B · ${rewritten.replace('.', '\\.')}`));
      const min = points((await legend.locator('.legend-min').textContent())!);
      const max = points((await legend.locator('.legend-max').textContent())!);
      assert.ok(min < 0, `the most revived layer's change (${min}) is below zero`);
      assert.equal(max, 0, 'no layer got deader');
      assert.equal(await frame.locator('#overlay-choice').inputValue(), 'change:deadShare');

      // The same inputs as the CLI's defaults (synthetic normal, seed 0): its diff agrees.
      await frame.locator('button[data-view="model"]').click();
      const compared = (await frame.locator('#compare-summary').innerText()).replace(/\s+/g, ' ');
      const m = /(\d+) samples, synthetic (\w+), seed (\d+)/.exec(compared);
      assert.ok(m, compared);
      const diff = JSON.parse(cli(['diff', samplePath(original), samplePath(rewritten), '--samples', m[1], '--distribution', m[2], '--seed', m[3], '--json'])) as { layers: DiffLayer[] };
      assert.equal(diff.layers.length, 3);
      const biggest = await frame.locator('#compare-summary .biggest-changes tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-node')));
      await wb.screenshot('compare-summary');
      await frame.locator('button[data-view="graph"]').click();

      // Every measured layer is painted, its change in its tooltip as the CLI measured it.
      for (const l of diff.layers) {
        const box = frame.locator(`svg#graph g.node[data-node-id="${l.a}"]`);
        assert.equal(await box.getAttribute('data-fill'), '', `${l.a} is not painted`);
        const change = (l.deadB.length - l.deadA.length) / l.unitsA;
        const text = (await box.getAttribute('data-term-context')) ?? (await box.locator(':scope > title').textContent()) ?? '';
        const said = /Change in dead share: (\S+ pp)/.exec(text);
        assert.ok(said, text);
        assert.ok(Math.abs(points(said[1]) - change) < 0.0051, `${l.a}: ${said[1]} vs ${change}`);
      }
      assert.ok(biggest.length > 0 && biggest.every((n) => diff.layers.some((l) => l.a === n)), `biggest changes: ${biggest.join(', ')}`);
      await wb.screenshot('compare-overlay');

      // Selecting the most revived node: both runs' histograms and its revived units.
      const layer = [...diff.layers].sort((x, y) => y.revived.length - x.revived.length)[0];
      assert.ok(layer.revived.length > 0);
      await frame.locator(`svg#graph g.node[data-node-id="${layer.a}"]`).click();
      const section = frame.locator('#details .compare-details');
      await section.waitFor({ timeout: 15_000 });
      const hist = section.locator('svg.histogram.compared');
      assert.match((await hist.getAttribute('aria-label'))!, new RegExp(`A · ${original.replace('.', '\\.')} above, B · ${rewritten.replace('.', '\\.')} below`));
      assert.ok((await hist.locator('rect.bar-a').count()) > 1, 'no histogram of A');
      assert.ok((await hist.locator('rect.bar-b').count()) > 1, 'no histogram of B');
      const units = (await section.locator('.compare-units').innerText()).replace(/\s+/g, ' ');
      assert.ok(units.includes(`Revived (dead in A, not in B): ${layer.revived.length} — units ${layer.revived.join(', ')}`), units);
      await section.scrollIntoViewIfNeeded();
      await wb.screenshot('compare-details');

      // The layer table's change column sorts: descending, then ascending.
      await frame.locator('button[data-view="table"]').click();
      const table = frame.locator('table#layer-table');
      const header = table.locator('th[data-column="change"]');
      await header.waitFor({ state: 'visible', timeout: 15_000 });
      const headers = await table.locator('thead th').evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));
      const at = headers.indexOf('change');
      const column = async () => (await table.locator('tbody tr').evaluateAll((trs, i) => trs.map((tr) => [tr.getAttribute('data-node-id'), (tr as unknown as { cells: { textContent: string }[] }).cells[i].textContent]), at)).filter(([, t]) => t) as [string, string][];
      for (const [descending, sort] of [[true, 'descending'], [false, 'ascending']] as const) {
        await header.locator('button').click();
        assert.equal(await header.getAttribute('aria-sort'), sort);
        const rows = await column();
        assert.equal(rows.length, 3, JSON.stringify(rows));
        const values = rows.map(([, t]) => points(t));
        const sorted = [...values].sort((x, y) => (descending ? y - x : x - y));
        assert.deepEqual(values, sorted, `${sort}: ${JSON.stringify(rows)}`);
        const mostRevived = [...diff.layers].sort((x, y) => (x.deadB.length - x.deadA.length) / x.unitsA - (y.deadB.length - y.deadA.length) / y.unitsA)[0];
        assert.equal(rows[descending ? rows.length - 1 : 0][0], mostRevived.a, 'the layer whose dead share fell most at the low end');
      }
      await wb.screenshot('compare-table');
      await frame.locator('button[data-view="graph"]').click();
    });
  });
}
