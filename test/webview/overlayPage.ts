// Reading the overlay off the viewer page: computed colours, the legend's gradient, tooltips and
// table columns (test/webview/overlay.test.ts, compare.test.ts).
import * as assert from 'node:assert/strict';
import type { ViewerPage } from './harness';

// Callbacks run in the page; the project type-checks tests against Node's libraries only.
declare function getComputedStyle(e: unknown): { fill: string; backgroundImage: string };

/** In the page: an element's computed fill. */
export const computedFill = (e: unknown): string => getComputedStyle(e).fill;

export const NODE = 'svg#graph g.node[data-node-id]';
export const TABLE = 'table#layer-table';

export type Rgb = [number, number, number];

export function rgb(css: string): Rgb {
  const m = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(css);
  assert.ok(m, `not an rgb colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** WCAG relative luminance and contrast ratio. */
export function contrast(x: Rgb, y: Rgb): number {
  const lum = (c: Rgb) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p);
  return (a + 0.05) / (b + 0.05);
}

export const distance = (x: Rgb, y: Rgb) => Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);

/** The computed fill of a drawn node's box. */
export async function boxFill(v: ViewerPage, id: string): Promise<Rgb> {
  return rgb(await v.page.locator(`${NODE}[data-node-id="${id}"] > rect.box`).evaluate(computedFill));
}

export async function background(v: ViewerPage): Promise<Rgb> {
  return rgb(await v.page.evaluate('getComputedStyle(document.body).backgroundColor'));
}

/** The legend bar's gradient stops, left to right. */
export async function legendStops(v: ViewerPage): Promise<Rgb[]> {
  const img = await v.page.locator('#legend .legend-bar').evaluate((e) => getComputedStyle(e).backgroundImage);
  return [...img.matchAll(/rgba?\([^)]*\)/g)].map((m) => rgb(m[0]));
}

/** What a box says when pointed at: its <title>, or the glossary card's context for activation nodes. */
export async function tooltip(v: ViewerPage, selector: string): Promise<string> {
  const el = v.page.locator(selector);
  return (await el.getAttribute('data-term-context')) ?? (await el.locator(':scope > title').textContent()) ?? '';
}

export async function tableColumn(v: ViewerPage, column: string): Promise<[string, string][]> {
  const headers = await v.page.locator(`${TABLE} thead th`).evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));
  const at = headers.indexOf(column);
  assert.ok(at >= 0, `no ${column} column in ${headers.join(', ')}`);
  return v.page.locator(`${TABLE} tbody tr`).evaluateAll((trs, i) => trs.map((tr) => [tr.getAttribute('data-node-id')!, (tr as unknown as { cells: { textContent: string }[] }).cells[i].textContent] as [string, string]), at);
}

