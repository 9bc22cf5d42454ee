/**
 * Always-valid inference for the difference of two conversion rates, for dashboards that are looked at every
 * day. A fixed-horizon z-test checked daily for 30 days rejects a true null roughly a quarter of the time;
 * this test keeps that below alpha however often, and whenever, it is looked at.
 *
 * Method: a normal-mixture sequential probability ratio test (mSPRT; Robbins 1970, Johari et al. 2017) on the
 * estimated difference θ̂ = p̂_B - p̂_A with estimated variance v. Mixing the Gaussian likelihood ratio over
 * θ ~ N(0, τ²) gives
 *
 *   Λ = sqrt(v / (v + τ²)) · exp(θ̂² τ² / (2 v (v + τ²)))
 *
 * which is (asymptotically) a nonnegative martingale under H0, so by Ville's inequality P(ever Λ ≥ 1/α) ≤ α.
 * Inverting it around any θ₀ gives the asymptotic confidence sequence of Waudby-Smith et al. (2023,
 * "Time-uniform central limit theory and asymptotic confidence sequences"), a Howard et al. (2021) style
 * normal-mixture boundary:
 *
 *   θ̂ ± sqrt(2 v (v + τ²) / τ² · ln(sqrt((v + τ²) / v) / α))
 *
 * Validity is asymptotic (the CLT has to have kicked in), as with the z-test. The p-value uses the pooled
 * variance (correct under H0, and identical to the z-test's), the interval the unpooled one (correct for any
 * θ₀), mirroring proportions.ts; near the boundary they can disagree, as the z-test and Wald interval do.
 */
import { assertBinomial, assertProbability, rate, type BinomialSummary } from './binomial';
import { normalQuantile } from './distributions';
import type { Interval } from './proportions';

export interface SequentialOptions {
  /** Type I error bound over the whole, unlimited, sequence of looks. */
  alpha?: number;
  /**
   * τ², the variance of the mixing distribution over the true difference. Must not be chosen by looking at
   * the difference (that voids the guarantee); see mixingVarianceFor for a fixed plan and
   * mixingVarianceFromControl for one scaled by the control's observed variance.
   */
  mixingVariance: number;
}

export interface SequentialState {
  /** Running minimum of the always-valid p-value so far. */
  pValue: number;
  /** Running intersection of the confidence sequence so far. */
  interval: Interval;
}

export interface SequentialLook extends SequentialState {
  /** variantRate - controlRate at this look */
  difference: number;
  /** p-value from this look alone (still valid; the running minimum is just tighter). */
  lookPValue: number;
  /** Confidence interval from this look alone. */
  lookInterval: Interval;
  /** True once the running p-value is at or below alpha: safe to stop. */
  significant: boolean;
}

const WHOLE_RANGE: Interval = Object.freeze({ lower: -1, upper: 1 });

function optimalRatio(alpha: number): number {
  // Minimising the boundary at a chosen variance v* over τ² = r·v* gives r = 2 ln(1/α) + ln(1 + r).
  let r = 2 * Math.log(1 / alpha);
  for (let i = 0; i < 50; i++) r = 2 * Math.log(1 / alpha) + Math.log1p(r);
  return r;
}

/**
 * τ² that makes the confidence sequence narrowest when each arm has `samplesPerArm` recipients at
 * `baselineRate`: pick the sample size at which the decision most matters (usually the planned end).
 * The sequence stays valid before and after, just a little wider than it could have been.
 */
export function mixingVarianceFor(plan: {
  baselineRate: number;
  samplesPerArm: number;
  alpha?: number;
}): number {
  const { baselineRate, samplesPerArm, alpha = 0.05 } = plan;
  assertProbability(baselineRate, 'baselineRate');
  assertProbability(alpha, 'alpha');
  if (!(samplesPerArm > 0)) throw new RangeError(`samplesPerArm must be > 0 (got ${samplesPerArm})`);
  const variance = (2 * baselineRate * (1 - baselineRate)) / samplesPerArm;
  return optimalRatio(alpha) * variance;
}

/** Baseline rate assumed before the control arm has data; see mixingVarianceFromControl. */
export const DEFAULT_BASELINE_RATE = 0.1;
/** Weight, in recipients, of DEFAULT_BASELINE_RATE against the control's observed rate. */
export const BASELINE_PSEUDO_RECIPIENTS = 20;

/**
 * τ² tuned to the control arm's observed rate instead of a rate assumed in advance, so that a 2 % conversion
 * rate and a 40 % open rate both get a boundary that is narrowest at `samplesPerArm`.
 *
 * The rate is the control's, shrunk towards DEFAULT_BASELINE_RATE with BASELINE_PSEUDO_RECIPIENTS
 * pseudo-recipients (so an empty or 0 % control still gives a usable τ², and the default stops mattering
 * after a few hundred recipients).
 *
 * Why this keeps the guarantee: τ² = r · 2p(1-p) / N and the null variance v = p(1-p)(1/n₁ + 1/n₂) share the
 * factor p(1-p), so Λ depends on the data only through z² = θ̂²/v and the sample sizes: this is the mixture
 * over the standardised effect θ/σ ~ N(0, 2r/N), whose z-statistic is asymptotically a Brownian motion in
 * the information whatever the baseline is. With the control's rate in τ² and the pooled rate in v the two
 * factors agree asymptotically under H0. Nothing here looks at the difference between the arms.
 */
export function mixingVarianceFromControl(
  control: BinomialSummary,
  plan: { samplesPerArm: number; alpha?: number },
): number {
  assertBinomial(control, 'control', 0);
  const baselineRate =
    (control.conversions + BASELINE_PSEUDO_RECIPIENTS * DEFAULT_BASELINE_RATE) /
    (control.n + BASELINE_PSEUDO_RECIPIENTS);
  return mixingVarianceFor({ ...plan, baselineRate });
}

function checkOptions(options: SequentialOptions): Required<SequentialOptions> {
  const { alpha = 0.05, mixingVariance } = options;
  assertProbability(alpha, 'alpha');
  if (!(mixingVariance > 0) || !Number.isFinite(mixingVariance)) {
    throw new RangeError(`mixingVariance must be finite and > 0 (got ${mixingVariance})`);
  }
  return { alpha, mixingVariance };
}

/** Half-width of the mixture boundary at variance v. */
export function boundaryHalfWidth(variance: number, options: SequentialOptions): number {
  const { alpha, mixingVariance: tau2 } = checkOptions(options);
  if (variance === 0) return 0;
  const logTerm = 0.5 * Math.log((variance + tau2) / variance) - Math.log(alpha);
  return Math.sqrt(((2 * variance * (variance + tau2)) / tau2) * logTerm);
}

/** 1/Λ for an observed deviation `difference` with variance v, capped at 1. */
function mixturePValue(difference: number, variance: number, tau2: number): number {
  if (variance === 0) return 1;
  const logLambda =
    0.5 * Math.log(variance / (variance + tau2)) +
    (difference * difference * tau2) / (2 * variance * (variance + tau2));
  return Math.min(1, Math.exp(-logLambda));
}

/** Evaluate one look at cumulative totals; pass the previous look's state to carry the running min/intersection. */
export function sequentialLook(
  control: BinomialSummary,
  variant: BinomialSummary,
  options: SequentialOptions,
  previous?: SequentialState,
): SequentialLook {
  const opts = checkOptions(options);
  assertBinomial(control, 'control');
  assertBinomial(variant, 'variant');
  const p1 = rate(control);
  const p2 = rate(variant);
  const difference = p2 - p1;
  const pooled = (control.conversions + variant.conversions) / (control.n + variant.n);
  const pooledVariance = pooled * (1 - pooled) * (1 / control.n + 1 / variant.n);
  const unpooledVariance = (p1 * (1 - p1)) / control.n + (p2 * (1 - p2)) / variant.n;

  const lookPValue = mixturePValue(difference, pooledVariance, opts.mixingVariance);
  // With both rates at 0 or 1 the plug-in variance is 0 and says nothing about uncertainty: stay uninformative.
  const lookInterval =
    unpooledVariance === 0
      ? { ...WHOLE_RANGE }
      : clampToRange(difference, boundaryHalfWidth(unpooledVariance, opts));

  const prior = previous ?? { pValue: 1, interval: WHOLE_RANGE };
  const pValue = Math.min(prior.pValue, lookPValue);
  let interval = {
    lower: Math.max(prior.interval.lower, lookInterval.lower),
    upper: Math.min(prior.interval.upper, lookInterval.upper),
  };
  if (interval.lower > interval.upper) {
    // Disjoint sequences mean the asymptotics failed (or a 1-in-1/α miss); keep the newest rather than an empty set.
    interval = lookInterval;
  }
  return { difference, lookPValue, lookInterval, pValue, interval, significant: pValue <= opts.alpha };
}

function clampToRange(center: number, halfWidth: number): Interval {
  return { lower: Math.max(-1, center - halfWidth), upper: Math.min(1, center + halfWidth) };
}

/** Evaluate a whole history of cumulative looks in order. */
export function runSequential(
  looks: ReadonlyArray<{ control: BinomialSummary; variant: BinomialSummary }>,
  options: SequentialOptions,
): SequentialLook[] {
  const results: SequentialLook[] = [];
  let state: SequentialState | undefined;
  for (const look of looks) {
    const result = sequentialLook(look.control, look.variant, options, state);
    results.push(result);
    state = result;
  }
  return results;
}

/**
 * Recipients per arm at which a single look has the requested power to cross the boundary for a true
 * difference `variantRate - controlRate` (continuous monitoring only adds chances, so this errs high).
 * Infinity when the rates are equal.
 */
export function sequentialSamplePerArm(
  plan: { controlRate: number; variantRate: number; power?: number },
  options: SequentialOptions,
): number {
  const { controlRate: p1, variantRate: p2, power = 0.8 } = plan;
  assertProbability(p1, 'controlRate');
  assertProbability(p2, 'variantRate');
  assertProbability(power, 'power');
  checkOptions(options);
  const delta = Math.abs(p2 - p1);
  if (delta === 0) return Infinity;
  const mean = (p1 + p2) / 2;
  const zPower = normalQuantile(power);
  const crosses = (n: number): boolean => {
    const nullVariance = (2 * mean * (1 - mean)) / n;
    const altSd = Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n);
    return delta - zPower * altSd >= boundaryHalfWidth(nullVariance, options);
  };
  let hi = 1;
  while (!crosses(hi)) {
    hi *= 2;
    if (hi > 1e15) return Infinity;
  }
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (crosses(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
