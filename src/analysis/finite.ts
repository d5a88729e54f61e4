// A check shared by the in-graph statistics (runtime) and the static rules' weight sums.

/** Whether no value is NaN or ±Infinity: x × 0 is 0 for every finite x and NaN otherwise, and
 *  four sums keep the loop free of branches and of one long chain of additions. */
export function allFinite(a: Float32Array | Float64Array): boolean {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
  for (const end = a.length & ~3; k < end; k += 4) {
    s0 += a[k] * 0;
    s1 += a[k + 1] * 0;
    s2 += a[k + 2] * 0;
    s3 += a[k + 3] * 0;
  }
  for (; k < a.length; k++) s0 += a[k] * 0;
  return s0 + s1 + s2 + s3 === 0;
}
