// Types of a comparison between two activation runs (two models on the same inputs, or one model
// on two sets of inputs): the runs as compared, how their layers were matched, and per matched
// layer both values and their changes. The JSON of `activation-lens diff --json` is `RunComparison`.
import type { LayerActivationStats } from '../activationStats';

/** Image preprocessing a run applied to image inputs (part of what its inputs were). */
export interface ImageIdentity {
  size?: [number, number];
  mean?: number[];
  std?: number[];
  layout?: string;
}

/**
 * What a run's inputs were, precisely enough to tell whether two runs saw the same inputs and to
 * run another model on them again: the generator and seed of synthetic inputs, or the file or
 * folder with a hash of its contents (a copy elsewhere is the same inputs; an edited file is not).
 */
export type InputIdentity =
  | {
      kind: 'synthetic';
      distribution: string;
      seed: number;
      /** Per model input, one sample's type and shape ("float32[1,8,8]"): the same seed fills
       *  differently shaped inputs (an NCHW and an NHWC export) with different values. */
      sampleShapes?: string[];
      /** How normal values are drawn: "ziggurat"; absent in run files of versions that used
       *  Box–Muller, whose values for the same seed differ. */
      generator?: string;
    }
  | {
      kind: 'file' | 'folder';
      /** Absolute path of the file or folder. */
      path: string;
      /** SHA-256 of the file; of a folder: over the sorted input files' names and hashes. */
      sha256: string;
      /** Input files read (1 for a file). */
      files: number;
      bytes: number;
      image?: ImageIdentity;
    };

/** One layer of a run as the comparison reads it: the run JSON layer (`run --json`). */
export interface CompareLayerStats extends LayerActivationStats {
  /** The activation it applies (for fused ops, the fused one), when the run recorded it. */
  activation?: string;
}

/** A run as the comparison reads it: the `run --json` object (or a RunResult turned into it). */
export interface RunForCompare {
  model: string;
  samples: number;
  inputSource: string;
  dims: Record<string, number>;
  /** Absent in run files written before runs recorded it. */
  inputIdentity?: InputIdentity;
  layers: CompareLayerStats[];
  /** The run JSON file it was read from, if any. */
  runFile?: string;
}

export type MatchHow = 'name' | 'structure';

export interface LayerPair {
  /** Node (layer) names in A and in B. */
  a: string;
  b: string;
  how: MatchHow;
  /** Why a structural pair was made: kinds, units, positions. */
  evidence?: string;
}

export interface LayerMatching {
  /** In A's layer order. */
  matched: LayerPair[];
  /** Layers of each side without a counterpart, in layer order. */
  unmatched: { a: string[]; b: string[] };
  /** Groups of unmatched layers that had structurally fitting counterparts, but more than one way
   *  to pair them: reported rather than guessed. Every name here is also in `unmatched`. */
  ambiguous: { a: string[]; b: string[] }[];
  /** Remarks on the matching itself (a stretch too long to align, duplicate names). */
  notes: string[];
}

/** One side's values of a compared layer. */
export interface LayerSideValues {
  /** The activation applied (Relu, LeakyRelu …), else the op. */
  kind: string;
  units: number;
  /** Dead units: never > 0 over all samples, for activations that output exactly 0 when inactive
   *  (ReLU, ReLU6, ThresholdedReLU). A Leaky ReLU unit that stays negative still passes a gradient:
   *  it is in `neverPositive`, not dead. */
  dead: number[];
  /** Units never > 0 over all samples, whatever the activation (the run's raw `deadUnits`). */
  neverPositive: number[];
  deadShare: number;
  /** Share of units that fired on fewer than the dying rate of positions, but fired (ReLU-like only). */
  dyingShare: number;
  zeroFraction: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** A matched layer: the issue's `{a, b, deadA, deadB, died, revived, deltaZeroFraction, …}`. */
export interface LayerComparison {
  a: string;
  b: string;
  how: MatchHow;
  kindA: string;
  kindB: string;
  unitsA: number;
  unitsB: number;
  deadA: number[];
  deadB: number[];
  /** Dead in B, not in A (unit indices; empty when the unit counts differ). */
  died: number[];
  /** Dead in A, not in B. */
  revived: number[];
  deadInBoth: number[];
  neverPositiveA: number[];
  neverPositiveB: number[];
  deadShareA: number;
  deadShareB: number;
  deltaDeadShare: number;
  dyingShareA: number;
  dyingShareB: number;
  deltaDyingShare: number;
  zeroFractionA: number;
  zeroFractionB: number;
  deltaZeroFraction: number;
  meanA: number;
  meanB: number;
  deltaMean: number;
  stdA: number;
  stdB: number;
  deltaStd: number;
  minA: number;
  minB: number;
  deltaMin: number;
  maxA: number;
  maxB: number;
  deltaMax: number;
  /** Facts worth a line: the activation changed, unit counts differ (units not comparable) … */
  notes: string[];
}

/** Dead units of B that A did not have: what `--fail-on new-dead` fails on. */
export interface NewDeadUnits {
  /** The layer in B, and its counterpart in A (none: B's layer has no counterpart). */
  b: string;
  a?: string;
  /** The unit indices; empty when the unit counts differ and only the count can be compared. */
  units: number[];
  count: number;
}

export interface RunSummary {
  model: string;
  runFile?: string;
  samples: number;
  inputSource: string;
  inputIdentity?: InputIdentity;
  dims: Record<string, number>;
  layers: number;
}

export interface ComparisonTotals {
  layersA: number;
  layersB: number;
  matchedByName: number;
  matchedByStructure: number;
  deadA: number;
  deadB: number;
  died: number;
  revived: number;
  deadInBoth: number;
  newDead: number;
}

/** The `activation-lens diff --json` object. */
export interface RunComparison {
  /** The models compared (paths as the runs recorded them). */
  a: string;
  b: string;
  /** Samples both runs ran; null when they differ (see `runs` and `warnings`). */
  samples: number | null;
  /** The inputs both runs ran on; null when they differ or cannot be confirmed to be the same. */
  inputs: string | null;
  /** True when nothing suggests the runs saw different inputs. */
  comparable: boolean;
  /** Why the runs may not be comparable: different sample counts, seeds, input files … */
  warnings: string[];
  runs: { a: RunSummary; b: RunSummary };
  matched: LayerPair[];
  unmatched: { a: string[]; b: string[] };
  ambiguous: { a: string[]; b: string[] }[];
  layers: LayerComparison[];
  newDead: NewDeadUnits[];
  totals: ComparisonTotals;
  notes: string[];
}
