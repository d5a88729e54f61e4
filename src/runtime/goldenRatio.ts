// Offsets in [0, 1) that move from pick to pick without repeating a pattern (the golden-ratio
// sequence): where strided picks of a sample land inside their stratum or cell, so that they do
// not line up with a channel's rows or columns (statsAccumulator.ts, spreadSample; graphStats.ts,
// the grid sample).

/** The first offset: the middle of the first stratum. */
export const FIRST_GOLDEN_PHASE = 0.5;

/** The offset after `phase`. */
export function nextGoldenPhase(phase: number): number {
  const next = phase + 0.6180339887498949;
  return next >= 1 ? next - 1 : next;
}
