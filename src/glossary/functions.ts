// Numeric f and f′ of the element-wise activation entries (with the ONNX default parameters),
// for the plots in the glossary panel. Softmax/LogSoftmax are not element-wise and have none.

export interface ActivationCurve {
  f: (x: number) => number;
  df: (x: number) => number;
  /** Which parameter values the curve uses, shown under the plot. */
  params: string;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));

/** erf via Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): plenty for a 240-pixel plot. */
export function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

export const CURVES: Record<string, ActivationCurve> = {
  relu: { f: (x) => Math.max(0, x), df: (x) => (x > 0 ? 1 : 0), params: '' },
  'leaky-relu': { f: (x) => (x >= 0 ? x : 0.01 * x), df: (x) => (x > 0 ? 1 : 0.01), params: 'α = 0.01' },
  prelu: { f: (x) => (x >= 0 ? x : 0.25 * x), df: (x) => (x > 0 ? 1 : 0.25), params: 'a = 0.25 (PyTorch initial value)' },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)), params: 'α = 1' },
  selu: {
    f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
    params: 'λ ≈ 1.0507, α ≈ 1.6733',
  },
  celu: { f: (x) => Math.max(0, x) + Math.min(0, Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)), params: 'α = 1' },
  silu: { f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))), params: 'β = 1' },
  gelu: {
    f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    df: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI),
    params: 'exact (erf) form',
  },
  mish: {
    f: (x) => x * Math.tanh(softplus(x)),
    df: (x) => {
      const t = Math.tanh(softplus(x));
      return t + x * sigmoid(x) * (1 - t * t);
    },
    params: '',
  },
  sigmoid: { f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), params: '' },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, params: '' },
  softplus: { f: softplus, df: sigmoid, params: 'β = 1' },
  relu6: { f: (x) => Math.min(Math.max(0, x), 6), df: (x) => (x > 0 && x < 6 ? 1 : 0), params: '' },
  hardswish: {
    f: (x) => (x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6),
    df: (x) => (x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6),
    params: '',
  },
  hardsigmoid: {
    f: (x) => Math.max(0, Math.min(1, 0.2 * x + 0.5)),
    df: (x) => (0.2 * x + 0.5 > 0 && 0.2 * x + 0.5 < 1 ? 0.2 : 0),
    params: 'α = 0.2, β = 0.5 (ONNX)',
  },
  'thresholded-relu': { f: (x) => (x > 1 ? x : 0), df: (x) => (x > 1 ? 1 : 0), params: 'θ = 1' },
  softsign: { f: (x) => x / (1 + Math.abs(x)), df: (x) => 1 / (1 + Math.abs(x)) ** 2, params: '' },
};

export interface PlotGeometry {
  width: number;
  height: number;
  xMin: number;
  xMax: number;
}

export interface Plot {
  width: number;
  height: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** SVG path data for f and f′ (numbers only). */
  fPath: string;
  dfPath: string;
  /** Pixel position of the x axis (y = 0) and the y axis (x = 0). */
  xAxisY: number;
  yAxisX: number;
  params: string;
}

/** SVG path data for f and f′ of an activation entry, or undefined when it has no curve. */
export function plotFor(entryId: string, geometry: PlotGeometry = { width: 260, height: 170, xMin: -5, xMax: 5 }): Plot | undefined {
  const curve = CURVES[entryId];
  if (!curve) return undefined;
  const { width, height, xMin, xMax } = geometry;
  const n = width;
  const xs = Array.from({ length: n + 1 }, (_, i) => xMin + ((xMax - xMin) * i) / n);
  const fs = xs.map(curve.f);
  const ds = xs.map(curve.df);
  const all = [...fs, ...ds].filter(Number.isFinite);
  // Clamp the vertical range so unbounded functions do not squash the interesting part.
  const yMin = Math.max(-2, Math.min(-0.5, ...all)) - 0.25;
  const yMax = Math.min(6, Math.max(1, ...all)) + 0.25;
  const px = (x: number) => ((x - xMin) / (xMax - xMin)) * width;
  const py = (y: number) => height - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * height;
  const path = (ys: number[]) => ys.map((y, i) => `${i ? 'L' : 'M'}${px(xs[i]).toFixed(1)},${py(y).toFixed(1)}`).join('');
  return { width, height, xMin, xMax, yMin, yMax, fPath: path(fs), dfPath: path(ds), xAxisY: py(0), yAxisX: px(0), params: curve.params };
}
