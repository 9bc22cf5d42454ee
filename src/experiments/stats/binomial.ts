/** Per-arm conversion counts: the unit every proportion-based test in this folder consumes. */
export interface BinomialSummary {
  /** Recipients (trials). */
  n: number;
  /** Recipients who converted (successes). */
  conversions: number;
}

/** Throws a RangeError naming the offending input, so a bad row from an aggregate query is easy to trace. */
export function assertBinomial(summary: BinomialSummary, label: string, minN = 1): void {
  const { n, conversions } = summary;
  if (!Number.isInteger(n) || n < minN) {
    throw new RangeError(`${label}.n must be an integer ≥ ${minN} (got ${n})`);
  }
  if (!Number.isInteger(conversions) || conversions < 0 || conversions > n) {
    throw new RangeError(`${label}.conversions must be an integer in [0, n=${n}] (got ${conversions})`);
  }
}

export function rate(summary: BinomialSummary): number {
  return summary.conversions / summary.n;
}

export function assertProbability(value: number, label: string, openInterval = true): void {
  const ok = openInterval ? value > 0 && value < 1 : value >= 0 && value <= 1;
  if (!ok) throw new RangeError(`${label} must be in ${openInterval ? '(0, 1)' : '[0, 1]'} (got ${value})`);
}
