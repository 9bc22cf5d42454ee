/**
 * Frequentist tests for conversion rates with a fixed sample size (evaluated once, at the planned end).
 * Peeking at these every day inflates false positives; use sequential.ts for that.
 */
import { assertBinomial, assertProbability, rate, type BinomialSummary } from './binomial';
import { chiSquareSf, normalQuantile, twoSidedNormalP } from './distributions';

export interface Interval {
  lower: number;
  upper: number;
}

export interface ZTestResult {
  controlRate: number;
  variantRate: number;
  /** variantRate - controlRate */
  difference: number;
  pooledRate: number;
  standardError: number;
  z: number;
  /** Two-sided. */
  pValue: number;
}

/**
 * Pooled two-proportion z-test. The standard error uses the pooled rate because the test is computed under
 * H0 (equal rates); that makes z² identical to the uncorrected 2×2 chi-square statistic.
 */
export function twoProportionZTest(control: BinomialSummary, variant: BinomialSummary): ZTestResult {
  assertBinomial(control, 'control');
  assertBinomial(variant, 'variant');
  const controlRate = rate(control);
  const variantRate = rate(variant);
  const pooledRate = (control.conversions + variant.conversions) / (control.n + variant.n);
  const standardError = Math.sqrt(pooledRate * (1 - pooledRate) * (1 / control.n + 1 / variant.n));
  const difference = variantRate - controlRate;
  // A pooled rate of 0 or 1 means both arms are identical (all or nothing converted): no evidence at all.
  const z = standardError === 0 ? 0 : difference / standardError;
  return { controlRate, variantRate, difference, pooledRate, standardError, z, pValue: twoSidedNormalP(z) };
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Pearson chi-square test of homogeneity for a 2×k table (converted / not converted × k arms), without
 * Yates' continuity correction: the correction is known to be over-conservative and makes the 2×2 case
 * disagree with the z-test.
 */
export function chiSquareTest2xK(groups: readonly BinomialSummary[]): ChiSquareResult {
  if (groups.length < 2)
    throw new RangeError(`chi-square test needs at least 2 groups (got ${groups.length})`);
  groups.forEach((g, i) => assertBinomial(g, `groups[${i}]`));
  let total = 0;
  let totalConversions = 0;
  for (const g of groups) {
    total += g.n;
    totalConversions += g.conversions;
  }
  const df = groups.length - 1;
  const overallRate = totalConversions / total;
  if (overallRate === 0 || overallRate === 1) return { statistic: 0, df, pValue: 1 };
  let statistic = 0;
  for (const g of groups) {
    const expectedConversions = g.n * overallRate;
    const expectedMisses = g.n - expectedConversions;
    const d = g.conversions - expectedConversions;
    // Both cells of a column have the same |O - E|.
    statistic += (d * d) / expectedConversions + (d * d) / expectedMisses;
  }
  return { statistic, df, pValue: chiSquareSf(statistic, df) };
}

export interface LiftEstimate {
  confidence: number;
  /** variantRate - controlRate */
  absolute: number;
  /** Wald interval: difference ± z·sqrt(p₁(1-p₁)/n₁ + p₂(1-p₂)/n₂) (unpooled, since H0 is not assumed). */
  absoluteInterval: Interval;
  /** (variantRate - controlRate) / controlRate; null when the control converted nobody. */
  relative: number | null;
  /**
   * Log-ratio (Katz) interval: exp(ln(p₂/p₁) ± z·sqrt((1-p₁)/x₁ + (1-p₂)/x₂)) - 1. Working on the log scale
   * keeps the interval inside (-1, ∞) and asymmetric, as a ratio's should be; the delta method on the raw
   * ratio can produce lifts below -100 %. Null when either arm has no conversions (the log is undefined).
   */
  relativeInterval: Interval | null;
}

export function liftConfidenceIntervals(
  control: BinomialSummary,
  variant: BinomialSummary,
  confidence = 0.95,
): LiftEstimate {
  assertBinomial(control, 'control');
  assertBinomial(variant, 'variant');
  assertProbability(confidence, 'confidence');
  const z = normalQuantile(0.5 + confidence / 2);
  const p1 = rate(control);
  const p2 = rate(variant);
  const absolute = p2 - p1;
  const se = Math.sqrt((p1 * (1 - p1)) / control.n + (p2 * (1 - p2)) / variant.n);
  const absoluteInterval = { lower: absolute - z * se, upper: absolute + z * se };
  const relative = p1 === 0 ? null : absolute / p1;
  let relativeInterval: Interval | null = null;
  if (control.conversions > 0 && variant.conversions > 0) {
    const logRatio = Math.log(p2 / p1);
    const logSe = Math.sqrt((1 - p1) / control.conversions + (1 - p2) / variant.conversions);
    relativeInterval = { lower: Math.expm1(logRatio - z * logSe), upper: Math.expm1(logRatio + z * logSe) };
  }
  return { confidence, absolute, absoluteInterval, relative, relativeInterval };
}
