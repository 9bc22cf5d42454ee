/**
 * Sample quantiles as numpy computes them by default (`np.quantile(x, p)`, method 'linear', Hyndman & Fan
 * type 7, also R's default): the value at virtual index h = (n − 1)·p of the sorted sample, interpolated
 * linearly between its neighbours. Matching numpy matters because analysts check fitted bounds in notebooks.
 */

export function quantile(values: readonly number[], p: number): number {
  return quantileSorted(sortedCopy(values), p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** For callers that need several quantiles of one sample: sort once, then ask repeatedly. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample is undefined');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability must be in [0, 1] (got ${p})`);
  const h = (n - 1) * p;
  const lower = Math.floor(h);
  const upper = Math.min(lower + 1, n - 1);
  const gamma = h - lower;
  const a = sorted[lower];
  const b = sorted[upper];
  // numpy's _lerp interpolates from the nearer end, which is exact at gamma = 1 and monotone in p.
  return gamma >= 0.5 ? b - (b - a) * (1 - gamma) : a + (b - a) * gamma;
}

export function sortedCopy(values: readonly number[]): Float64Array {
  const sorted = Float64Array.from(values);
  for (let i = 0; i < sorted.length; i++) {
    if (Number.isNaN(sorted[i])) throw new RangeError(`value ${i} is NaN`);
  }
  return sorted.sort();
}
