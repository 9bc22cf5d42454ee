/**
 * Holm–Bonferroni step-down adjustment (Holm 1979). Controls the family-wise error rate, like Bonferroni,
 * under any dependence between the tests (variants sharing a control are positively correlated), but is
 * uniformly more powerful.
 */

export interface HolmResult {
  /** Adjusted p-values in the input order; compare each with alpha directly. */
  adjusted: number[];
  /** adjusted[i] <= alpha */
  rejected: boolean[];
}

/** Adjusted p_(i) = max_{j ≤ i} min(1, (m - j + 1) · p_(j)) over the ascending order, as R's p.adjust('holm'). */
export function holmAdjust(pValues: readonly number[], alpha = 0.05): HolmResult {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`pValues[${i}] must be in [0, 1] (got ${p})`);
  });
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b] || a - b);
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach((index, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (m - rank) * pValues[index]));
    adjusted[index] = runningMax;
  });
  return { adjusted, rejected: adjusted.map((p) => p <= alpha) };
}
