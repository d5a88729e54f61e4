// The graph overlay: one measured value per activation node painted on its box, from the last run
// (dead share, dying share, zero fraction, mean, std, max) or as the change from the comparison run
// (B − A). Values are computed once per choice and data (never per frame); closed clusters show the
// worst (or, for the mean, the average) of their members. Colours are the theme's, mixed with the
// editor background in JS (the canvas overview and the exports need concrete colours), capped so
// the box text keeps a 4.5:1 contrast in light, dark and high-contrast themes.
import type { ComparisonInfo, NodeActivationResult, NodeComparison, OverlayChoice, OverlayQuantity } from '../src/protocol';
import { fmtStat, percent } from './format';
import type { GraphModel, VisibleItem } from './graphModel';

export interface QuantityInfo {
  label: string;
  /** A share in [0, 1], shown as a percentage (changes in percentage points). */
  share: boolean;
  /** How a closed cluster sums up its members: the largest value, or the average (mean). */
  cluster: 'max' | 'mean';
  title: string;
}

export const QUANTITIES: Record<OverlayQuantity, QuantityInfo> = {
  deadShare: { label: 'Dead share', share: true, cluster: 'max', title: 'Share of units never active on any sample' },
  dyingShare: { label: 'Dying share', share: true, cluster: 'max', title: 'Share of units that fired, but on fewer positions than the dying rate' },
  zeroFraction: { label: 'Zero fraction', share: true, cluster: 'max', title: 'Share of outputs that were exactly zero' },
  mean: { label: 'Mean', share: false, cluster: 'mean', title: 'Mean output value' },
  std: { label: 'Std', share: false, cluster: 'max', title: 'Standard deviation of the outputs' },
  max: { label: 'Max', share: false, cluster: 'max', title: 'Largest output value' },
};
export const QUANTITY_KEYS = Object.keys(QUANTITIES) as OverlayQuantity[];

/** A saved choice, checked (the state may come from an older viewer). */
export function parseChoice(c: unknown): OverlayChoice {
  if (typeof c !== 'string') return 'category';
  const q = c.startsWith('change:') ? c.slice(7) : c;
  return (QUANTITY_KEYS as string[]).includes(q) ? (c as OverlayChoice) : 'category';
}

export function quantityOf(choice: OverlayChoice): OverlayQuantity | undefined {
  if (choice === 'category') return undefined;
  return (choice.startsWith('change:') ? choice.slice(7) : choice) as OverlayQuantity;
}

export function isChange(choice: OverlayChoice): boolean {
  return choice.startsWith('change:');
}

export function choiceLabel(choice: OverlayChoice): string {
  const q = quantityOf(choice);
  if (!q) return 'Layer kind';
  return isChange(choice) ? `Change in ${QUANTITIES[q].label.toLowerCase()}` : QUANTITIES[q].label;
}

const MINUS = '\u2212';

export function formatValue(q: OverlayQuantity, v: number): string {
  return QUANTITIES[q].share ? percent(v) : fmtStat(v);
}

/** B − A: shares in percentage points, never rounding a real change to 0; other values signed. */
export function formatChange(q: OverlayQuantity, d: number): string {
  if (d === 0) return QUANTITIES[q].share ? '0 pp' : '0';
  const sign = d < 0 ? MINUS : '+';
  if (!QUANTITIES[q].share) return sign + fmtStat(Math.abs(d));
  const v = Math.abs(d) * 100;
  return `${sign}${v < 10 ? Math.max(0.1, Math.round(v * 10) / 10) : Math.round(v)} pp`;
}

/** The value of quantity `q` in a node's measured result (undefined: not measured, older host). */
export function resultValue(r: NodeActivationResult | undefined, q: OverlayQuantity): number | undefined {
  const v = r?.[q];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A run's value of `q` in a comparison entry, for this viewer's model ('here') or the other one. */
export function comparedValue(n: NodeComparison | undefined, q: OverlayQuantity, run: 'a' | 'b'): number | undefined {
  const v = n?.[run][q];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function changeValue(n: NodeComparison | undefined, q: OverlayQuantity): number | undefined {
  const v = n?.delta[q];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

// ---- colours --------------------------------------------------------------------------------------

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Theme colours the overlay mixes: the background, the sequential hue, and the diverging pair. */
export interface Palette {
  bg: Rgb;
  seq: Rgb;
  neg: Rgb;
  pos: Rgb;
}

/** "rgb(1, 2, 3)" / "rgba(1, 2, 3, 0.5)" / "#abc" / "#aabbcc" as computed styles give them. */
export function parseColor(s: string): Rgb | undefined {
  const m = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return { r: Number(m[1]), g: Number(m[2]), b: Number(m[3]) };
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})/i.exec(s.trim());
  if (!hex) return undefined;
  const x = hex[1].length === 3 ? hex[1].replace(/./g, (c) => c + c) : hex[1];
  return { r: parseInt(x.slice(0, 2), 16), g: parseInt(x.slice(2, 4), 16), b: parseInt(x.slice(4, 6), 16) };
}

export function mix(c: Rgb, bg: Rgb, pct: number): string {
  const t = pct / 100;
  const ch = (a: number, b: number) => Math.round(a * t + b * (1 - t));
  return `rgb(${ch(c.r, bg.r)}, ${ch(c.g, bg.g)}, ${ch(c.b, bg.b)})`;
}

/** Weakest and strongest mix of a hue into the background. 45 % keeps the theme's text colour at
 *  ≥ 4.5:1 on every hue of the Light/Dark Modern and high-contrast themes (test/webview/overlay). */
export const MIX_MIN = 8;
export const MIX_MAX = 45;

export type Hue = 'seq' | 'neg' | 'pos' | 'zero';

// ---- values ---------------------------------------------------------------------------------------

/** The overlay for one choice over one model's data. */
export class Overlay {
  /** The quantity shown, undefined for the plain layer-kind colours. */
  readonly quantity?: OverlayQuantity;
  readonly change: boolean;
  /** Per flat item (GraphModel.items): its value, NaN without one. */
  readonly values: Float64Array;
  /** Per cluster: its members' worst (or mean) value, NaN without any; and how many were measured. */
  readonly clusterValues: Float64Array;
  readonly clusterCounts: Uint32Array;
  /** Nodes with a value, and the smallest and largest value. */
  readonly count: number = 0;
  readonly min: number = NaN;
  readonly max: number = NaN;
  /** The comparison entries by this model's node name, for tooltips (both values). */
  readonly compared: Map<string, NodeComparison>;

  constructor(
    private readonly model: GraphModel,
    readonly choice: OverlayChoice,
    activation: Map<string, NodeActivationResult>,
    readonly comparison: ComparisonInfo | undefined,
  ) {
    this.quantity = quantityOf(choice);
    this.change = isChange(choice);
    this.compared = new Map(comparison?.nodes.map((n) => [n.node, n]) ?? []);
    const n = model.items.length;
    this.values = new Float64Array(n).fill(NaN);
    this.clusterValues = new Float64Array(model.clusters.length).fill(NaN);
    this.clusterCounts = new Uint32Array(model.clusters.length);
    const q = this.quantity;
    if (!q) return;
    const here = comparison?.side ?? 'a';
    let count = 0, min = Infinity, max = -Infinity;
    const sums = QUANTITIES[q].cluster === 'mean' && !this.change ? new Float64Array(model.clusters.length) : undefined;
    for (const it of model.items) {
      const node = it.node;
      if (!node) continue;
      const cmp = this.compared.get(node.name);
      const v = this.change ? changeValue(cmp, q) : (resultValue(activation.get(node.name), q) ?? comparedValue(cmp, q, here));
      if (v === undefined) continue;
      this.values[it.index] = v;
      count++;
      if (v < min) min = v;
      if (v > max) max = v;
      for (let c = it.parent; c >= 0; c = model.clusters[c].parent) {
        this.clusterCounts[c]++;
        const old = this.clusterValues[c];
        if (sums) sums[c] += v;
        else if (this.change ? Number.isNaN(old) || Math.abs(v) > Math.abs(old) : Number.isNaN(old) || v > old) this.clusterValues[c] = v;
      }
    }
    if (sums) for (let c = 0; c < sums.length; c++) if (this.clusterCounts[c]) this.clusterValues[c] = sums[c] / this.clusterCounts[c];
    if (count) Object.assign(this, { count, min, max });
  }

  /** Whether the graph is painted by value: a quantity is chosen and some node has one. */
  get painting(): boolean {
    return this.count > 0;
  }

  /** An item's value (a closed cluster's: of its members); NaN without one. */
  valueOf(item: VisibleItem): number {
    if (item.kind === 'group') return this.clusterValues[item.container!.index] ?? NaN;
    if (item.kind === 'node') return this.values[item.flat!.index];
    return NaN;
  }

  /** Where a value sits on the scale: which hue, and how much of it (percent mixed into the background). */
  level(v: number): { hue: Hue; pct: number } {
    if (this.change) {
      const m = Math.max(Math.abs(this.min), Math.abs(this.max));
      if (v === 0 || m === 0) return { hue: 'zero', pct: 0 };
      return { hue: v < 0 ? 'neg' : 'pos', pct: Math.round(MIX_MIN + (Math.abs(v) / m) * (MIX_MAX - MIX_MIN)) };
    }
    const span = this.max - this.min;
    const t = span > 0 ? (v - this.min) / span : v === 0 ? 0 : 1;
    return { hue: 'seq', pct: Math.round(MIX_MIN + t * (MIX_MAX - MIX_MIN)) };
  }

  colorOf(v: number, p: Palette): string {
    const { hue, pct } = this.level(v);
    return hue === 'zero' ? mix(p.bg, p.bg, 100) : mix(p[hue], p.bg, pct);
  }

  /** The fill of an item's box, or undefined (no value: drawn neutral). */
  fill(item: VisibleItem, p: Palette): string | undefined {
    if (!this.painting) return undefined;
    const v = this.valueOf(item);
    return Number.isNaN(v) ? undefined : this.colorOf(v, p);
  }

  format(v: number): string {
    const q = this.quantity!;
    return this.change ? formatChange(q, v) : formatValue(q, v);
  }

  /** The tooltip line for an item: the value in words (colour never stands alone). */
  describe(item: VisibleItem): string | undefined {
    const q = this.quantity;
    if (!q || !this.painting) return undefined;
    const label = choiceLabel(this.choice);
    const v = this.valueOf(item);
    if (item.kind === 'group') {
      const n = this.clusterCounts[item.container!.index];
      if (!n) return `${label}: no measured layers inside`;
      const how = this.change ? 'largest' : QUANTITIES[q].cluster === 'mean' ? 'average' : 'worst';
      return `${label}: ${how} ${this.format(v)} of ${n} measured layer${n === 1 ? '' : 's'} inside`;
    }
    if (item.kind !== 'node') return undefined;
    if (Number.isNaN(v)) return `${label}: no data`;
    if (!this.change) return `${label}: ${this.format(v)}`;
    const cmp = this.compared.get(item.flat!.node!.name);
    const a = comparedValue(cmp, q, 'a'), b = comparedValue(cmp, q, 'b');
    const both = a !== undefined && b !== undefined ? ` (A ${formatValue(q, a)} → B ${formatValue(q, b)})` : '';
    return `${label}: ${this.format(v)}${both}`;
  }

  /** The short value on a box's badge. */
  badge(item: VisibleItem): string | undefined {
    if (!this.painting || item.kind !== 'node') return undefined;
    const v = this.valueOf(item);
    return Number.isNaN(v) ? undefined : this.format(v);
  }
}
