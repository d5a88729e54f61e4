// Numbers as the viewer prints them. No DOM here: the tests use the same functions in Node.

export function fmtNumber(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtStat(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a >= 1e5 || a < 1e-3) return n.toExponential(3);
  return n.toPrecision(4).replace(/\.?0+$/, '');
}

/** A share as a percentage that never rounds a non-zero share to "0 %" or a partial one to "100 %". */
export function percent(x: number): string {
  const v = x * 100;
  if (v === 0 || v === 100) return `${v} %`;
  if (v < 10 || v > 90) return `${Math.min(99.9, Math.max(0.1, Math.round(v * 10) / 10))} %`;
  return `${Math.round(v)} %`;
}

export function fmtBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
