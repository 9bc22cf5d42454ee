/**
 * Tie-safe quintile scores.
 *
 * A customer scores 1 + ⌊5 · b / n⌋, where b is the number of the n customers they strictly beat (lower
 * value when higher is better, higher value when lower is better) — i.e. pandas' `rank(method='min',
 * pct=True)` shifted to start at 0, cut into fifths. Consequences worth knowing:
 *  - equal values always get equal scores, so scores never depend on input order (NTILE and qcut on a
 *    'first' rank split ties arbitrarily);
 *  - distinct values fill the five scores as evenly as n allows (n = 10 gives two of each); with fewer than
 *    five customers some scores are necessarily unused, and the best of four scores 4;
 *  - a tie block takes the score of its lowest member: the many one-order customers all get F = 1, and a
 *    block of equal best values larger than a fifth cannot reach 5 — scores say "better than k fifths".
 */

export type Score = 1 | 2 | 3 | 4 | 5;
export type Direction = 'higher-is-better' | 'lower-is-better';

export function quintileScores(values: ArrayLike<number>, direction: Direction): Uint8Array {
  const n = values.length;
  const scores = new Uint8Array(n);
  if (n === 0) return scores;
  const work = Float64Array.from(values);
  for (let i = 0; i < n; i++) {
    // Self-comparison rather than Number.isNaN: global lookups cost ~300 ns each inside a vm context (Jest).
    if (work[i] !== work[i]) throw new RangeError(`value ${i} is NaN and cannot be ranked`);
  }
  // A value beats at least m = ⌈s·n/5⌉ others exactly when it is beyond the m-th worst value, so each score
  // boundary s = 1..4 is one order statistic. Selecting four of them is O(n); a full sort of a million
  // values costs several times more and is the bulk of scoring.
  const ranks = [1, 2, 3, 4].map((s) => {
    const m = Math.ceil((s * n) / 5);
    return direction === 'higher-is-better' ? m - 1 : n - m;
  });
  const [t1, t2, t3, t4] = orderStatistics(work, ranks);
  if (direction === 'higher-is-better') {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      scores[i] = 1 + +(v > t1) + +(v > t2) + +(v > t3) + +(v > t4);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      scores[i] = 1 + +(v < t1) + +(v < t2) + +(v < t3) + +(v < t4);
    }
  }
  return scores;
}

/** The values at the given ranks (0-based) of `work` in ascending order; reorders `work`. */
export function orderStatistics(work: Float64Array, ranks: readonly number[]): number[] {
  const result = new Array<number>(ranks.length);
  const descending = ranks.map((rank, i) => [rank, i]).sort((a, b) => b[0] - a[0]);
  // After selecting rank k, everything left of k is ≤ work[k], so the next (smaller) rank is searched there only.
  let hi = work.length - 1;
  for (const [rank, i] of descending) {
    result[i] = select(work, rank, 0, hi);
    hi = rank;
  }
  return result;
}

/**
 * Quickselect with three-way partitioning, so the long runs of equal values in recency days and order counts
 * finish in one pass, and pseudo-random pivots, so sorted or reversed input is not slow. Random pivots
 * partition about 3n elements in expectation; should a run of bad pivots ever exceed 8n, the remaining range
 * is sorted instead: O(n log n) at worst, never quadratic.
 */
function select(a: Float64Array, k: number, lo: number, hi: number): number {
  let seed = 0x9e3779b9;
  let budget = 8 * (hi - lo + 1) + 64;
  while (lo < hi) {
    budget -= hi - lo + 1;
    if (budget < 0) {
      a.subarray(lo, hi + 1).sort();
      return a[k];
    }
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const pivot = a[lo + ((seed >>> 0) % (hi - lo + 1))];
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k];
}
