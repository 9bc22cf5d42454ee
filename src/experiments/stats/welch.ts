/**
 * Welch's unequal-variance t-test on summary statistics, for continuous metrics such as revenue per
 * recipient. Revenue is heavily skewed and arms rarely share a variance, so the pooled Student test's
 * equal-variance assumption is not one we can make.
 */
import { assertProbability } from './binomial';
import { studentTCdf, studentTQuantile } from './distributions';
import type { Interval } from './proportions';

export interface MeanSummary {
  n: number;
  mean: number;
  /** Sample variance with the n - 1 denominator. */
  variance: number;
}

export interface WelchResult {
  /** variant.mean - control.mean */
  difference: number;
  standardError: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  df: number;
  t: number;
  /** Two-sided. */
  pValue: number;
  confidence: number;
  interval: Interval;
}

function assertMeanSummary(s: MeanSummary, label: string): void {
  if (!Number.isInteger(s.n) || s.n < 2)
    throw new RangeError(`${label}.n must be an integer ≥ 2 (got ${s.n})`);
  if (!Number.isFinite(s.mean)) throw new RangeError(`${label}.mean must be finite (got ${s.mean})`);
  if (!Number.isFinite(s.variance) || s.variance < 0) {
    throw new RangeError(`${label}.variance must be finite and ≥ 0 (got ${s.variance})`);
  }
}

export function welchTTest(control: MeanSummary, variant: MeanSummary, confidence = 0.95): WelchResult {
  assertMeanSummary(control, 'control');
  assertMeanSummary(variant, 'variant');
  assertProbability(confidence, 'confidence');
  const v1 = control.variance / control.n;
  const v2 = variant.variance / variant.n;
  const se2 = v1 + v2;
  const standardError = Math.sqrt(se2);
  const difference = variant.mean - control.mean;
  if (se2 === 0) {
    // Both arms constant: the difference is known exactly, so it is either certainly zero or certainly not.
    return {
      difference,
      standardError: 0,
      df: control.n + variant.n - 2,
      t: difference === 0 ? 0 : Math.sign(difference) * Infinity,
      pValue: difference === 0 ? 1 : 0,
      confidence,
      interval: { lower: difference, upper: difference },
    };
  }
  const df = (se2 * se2) / ((v1 * v1) / (control.n - 1) + (v2 * v2) / (variant.n - 1));
  const t = difference / standardError;
  const pValue = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  const critical = studentTQuantile(0.5 + confidence / 2, df);
  return {
    difference,
    standardError,
    df,
    t,
    pValue,
    confidence,
    interval: { lower: difference - critical * standardError, upper: difference + critical * standardError },
  };
}

/** Mean and sample variance of raw values (Welford's update, which does not lose precision on large sums). */
export function summarize(values: readonly number[]): MeanSummary {
  let mean = 0;
  let m2 = 0;
  let n = 0;
  for (const x of values) {
    n += 1;
    const delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }
  return { n, mean: n > 0 ? mean : NaN, variance: n > 1 ? m2 / (n - 1) : NaN };
}
