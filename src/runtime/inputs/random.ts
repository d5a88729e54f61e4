// A small seeded generator (xoshiro128**) so synthetic inputs are reproducible across runs and
// machines; Math.random cannot be seeded.

/** Names the normal sampler in a run's input identity: the same seed gave other values before. */
export const NORMAL_GENERATOR = 'ziggurat';
export class SeededRandom {
  private s = new Uint32Array(4);

  constructor(seed: number) {
    // splitmix32 expands the seed into the four state words.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (!(this.s[0] | this.s[1] | this.s[2] | this.s[3])) this.s[0] = 1;
  }

  private nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal, by Marsaglia and Tsang's ziggurat ("The Ziggurat Method for Generating
   *  Random Variables", J. Stat. Software 5(8), 2000) with 128 layers: one 32-bit draw per value
   *  almost always (the low 7 bits pick the layer, bit 7 the sign, the top 24 bits the magnitude,
   *  so no bit serves twice), and an exact correction in the rare other case. It avoids
   *  Box–Muller's logarithm, square root and sine per pair: `npm run bench` ("Synthetic inputs")
   *  prints its cost per value next to a uniform draw's. */
  normal(): number {
    const u = this.nextU32();
    const layer = u & 127;
    const magnitude = u >>> 8;
    const x = magnitude < ZIGGURAT.k[layer] ? magnitude * ZIGGURAT.w[layer] : this.normalSlow(layer, magnitude);
    return u & 128 ? -x : x;
  }

  /** Fills `out` with standard normal values, the same as calling normal() once per element. The
   *  generator's state lives in locals for the loop (not in the state array, read and written back
   *  per draw), and the sign is a factor (a branch on a random bit is mispredicted half the time):
   *  `npm run bench`, "Synthetic inputs", prints the cost per value. */
  fillNormal(out: Float32Array | Float64Array): void {
    const state = this.s;
    const { k, w } = ZIGGURAT;
    let s0 = state[0] | 0, s1 = state[1] | 0, s2 = state[2] | 0, s3 = state[3] | 0;
    for (let i = 0; i < out.length; i++) {
      // xoshiro128**, as nextU32, on int32 locals holding the same bits.
      const r = Math.imul(s1, 5);
      const u = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const layer = u & 127;
      const magnitude = u >>> 8;
      let x: number;
      if (magnitude < k[layer]) x = magnitude * w[layer];
      else {
        // The rare correction draws more numbers through the state array.
        state[0] = s0;
        state[1] = s1;
        state[2] = s2;
        state[3] = s3;
        x = this.normalSlow(layer, magnitude);
        s0 = state[0] | 0;
        s1 = state[1] | 0;
        s2 = state[2] | 0;
        s3 = state[3] | 0;
      }
      out[i] = x * (1 - ((u & 128) >>> 6));
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = s2;
    state[3] = s3;
  }

  /** The ziggurat's correction: a point outside a layer's inner rectangle, or in the tail. */
  private normalSlow(layer: number, magnitude: number): number {
    const { k, w, f } = ZIGGURAT;
    for (;;) {
      if (layer === 0) {
        // The tail beyond R, by Marsaglia's exponential rejection.
        let x: number, y: number;
        do {
          x = -Math.log(this.uniformOpen()) / ZIGGURAT_R;
          y = -Math.log(this.uniformOpen());
        } while (y + y < x * x);
        return ZIGGURAT_R + x;
      }
      const x = magnitude * w[layer];
      if (f[layer] + this.uniform() * (f[layer - 1] - f[layer]) < Math.exp(-0.5 * x * x)) return x;
      const u = this.nextU32();
      layer = u & 127;
      magnitude = u >>> 8;
      if (magnitude < k[layer]) return magnitude * w[layer];
    }
  }

  /** Uniform in (0, 1). */
  private uniformOpen(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Where the tail of the 128-layer ziggurat starts, and the area of each layer. */
const ZIGGURAT_R = 3.442619855899;
const ZIGGURAT_AREA = 9.91256303526217e-3;

/** The ziggurat's tables for 24-bit magnitudes: a magnitude below k[i] lies inside layer i's
 *  inner rectangle; w[i] scales it to x; f[i] is the density exp(−x²/2) at layer i's edge. */
const ZIGGURAT = ((): { k: Uint32Array; w: Float64Array; f: Float64Array } => {
  const m = 2 ** 24;
  const k = new Uint32Array(128), w = new Float64Array(128), f = new Float64Array(128);
  let d = ZIGGURAT_R, t = d;
  const q = ZIGGURAT_AREA / Math.exp(-0.5 * d * d);
  k[0] = Math.floor((d / q) * m);
  k[1] = 0;
  w[0] = q / m;
  w[127] = d / m;
  f[0] = 1;
  f[127] = Math.exp(-0.5 * d * d);
  for (let i = 126; i >= 1; i--) {
    d = Math.sqrt(-2 * Math.log(ZIGGURAT_AREA / d + Math.exp(-0.5 * d * d)));
    k[i + 1] = Math.floor((d / t) * m);
    t = d;
    f[i] = Math.exp(-0.5 * d * d);
    w[i] = d / m;
  }
  return { k, w, f };
})();
