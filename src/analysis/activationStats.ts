// Measured activation statistics: produced by src/runtime (running a model), consumed by the
// dynamic dying-ReLU rules, the viewer and the CLI. One record per activation layer.

export interface Histogram {
  /** bins + 1 ascending edges */
  edges: number[];
  counts: number[];
}

export interface LayerActivationStats {
  /** Node name (ONNX) or layer name (TF.js). */
  node: string;
  /** The node's op type (Relu, LeakyRelu, Conv with a fused Relu …). */
  op: string;
  /** The tensor the statistics were measured on. */
  output: string;
  /** Number of units (channels) and the axis they were taken from. */
  units: number;
  unitAxis: number;
  /** Per unit: fraction of positions, over all samples, where the output was > 0. */
  activeRate: number[];
  /** Units never > 0 over all samples, ascending. */
  deadUnits: number[];
  zeroFraction: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  histogram: Histogram;
  /** When set, mean, std and the histogram come from a sample of the values covering this many of
   *  the samples (the first of each inference call, or for grid layers every sample on a grid of
   *  positions); the other statistics cover all values (computed inside the model's graph). */
  distributionSamples?: number;
  /** Samples run through this layer. */
  samples: number;
  timeMs: number;
}

export interface ActivationRun {
  model: string;
  samples: number;
  /** How the inputs were made: "synthetic normal seed 0", a file path … */
  inputSource: string;
  /** Symbolic dimensions and the sizes used for them. */
  dims: Record<string, number>;
  layers: LayerActivationStats[];
}
