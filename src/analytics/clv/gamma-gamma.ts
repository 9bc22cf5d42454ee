/**
 * Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"; Hardie's note 025):
 * each transaction value is gamma(p, ν) with ν ~ gamma(q, v) across customers. Fitted on repeat buyers only,
 * from x (repeat purchases) and their mean repeat transaction value.
 */
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { FitOptions, ModelFit, fitByMaximumLikelihood } from './model-fit';
import { logBeta } from './special';

// Jest evaluates modules in a vm context where every global lookup (Math, Number, Infinity) goes through an
// interceptor and costs ~100 ns — 30x slower likelihood loops. Binding them once per module avoids that.
const { log, sqrt } = Math;
const { isFinite: isFiniteNumber, isInteger } = Number;

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface SpendObservation {
  /** Repeat purchases (x). */
  x: number;
  /** Mean value of the repeat purchases. */
  monetary: number;
}

export interface GammaGammaFit extends ModelFit<GammaGammaParams> {
  /**
   * Pearson correlation of x and mean spend over the repeat buyers fitted. The model assumes the two are
   * independent; callers should warn when this is far from 0 (|ρ| > 0.3 is a common rule of thumb).
   */
  frequencyMonetaryCorrelation: number;
  /** Repeat buyers left out because their mean spend was not positive (free orders, full refunds). */
  excludedNonPositiveMonetary: number;
}

export interface GammaGammaFitOptions extends FitOptions<GammaGammaParams> {
  /** Default 10. */
  minRepeatBuyers?: number;
}

const PARAM_NAMES = ['p', 'q', 'v'] as const;

/** ln L of one repeat buyer's mean spend. */
export function gammaGammaLogLikelihoodOne(
  { p, q, v }: GammaGammaParams,
  { x, monetary: m }: SpendObservation,
): number {
  const px = p * x;
  return -logBeta(px, q) + q * log(v) + (px - 1) * log(m) + px * log(x) - (px + q) * log(x * m + v);
}

export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  observations: readonly SpendObservation[],
): number {
  let sum = 0;
  for (const o of observations) sum += gammaGammaLogLikelihoodOne(params, o);
  return sum;
}

export function fitGammaGamma(
  observations: readonly SpendObservation[],
  options: GammaGammaFitOptions = {},
): GammaGammaFit {
  return fitGammaGammaWith(observations, options, (usable) => {
    const patterns = compress(usable);
    return (p, q, v) => {
      let sum = 0;
      for (const o of patterns) sum += o.weight * gammaGammaLogLikelihoodOne({ p, q, v }, o);
      return sum;
    };
  });
}

/**
 * The Gamma-Gamma fit with its data checks, starting points and driver; `logLikelihoodFor` builds the total
 * log-likelihood over the usable repeat buyers (x > 0, monetary > 0), so faster formulations share everything else.
 */
export function fitGammaGammaWith(
  observations: readonly SpendObservation[],
  options: GammaGammaFitOptions,
  logLikelihoodFor: (usable: readonly SpendObservation[]) => (p: number, q: number, v: number) => number,
): GammaGammaFit {
  observations.forEach((o, index) => {
    if (!isInteger(o.x) || o.x < 0 || !isFiniteNumber(o.monetary)) {
      const problem = 'x must be a non-negative integer and monetary finite';
      throw new ClvFitError(ClvFitErrorCode.InvalidInput, `observation ${index}: ${problem}`, { index });
    }
  });
  const repeatBuyers = observations.filter((o) => o.x > 0);
  const usable = repeatBuyers.filter((o) => o.monetary > 0);
  const minRepeatBuyers = options.minRepeatBuyers ?? 10;
  if (usable.length < minRepeatBuyers) {
    throw new ClvFitError(
      ClvFitErrorCode.TooFewRepeatBuyers,
      `need at least ${minRepeatBuyers} repeat buyers with positive spend, got ${usable.length}`,
      { repeatBuyers: usable.length, minRepeatBuyers },
    );
  }
  if (usable.every((o) => o.monetary === usable[0].monetary)) {
    // Identical means carry no information about spend heterogeneity: the likelihood has no interior optimum.
    throw new ClvFitError(ClvFitErrorCode.InvalidInput, 'all repeat buyers have the same mean spend');
  }
  const logLikelihood = logLikelihoodFor(usable);
  const meanSpend = usable.reduce((sum, o) => sum + o.monetary, 0) / usable.length;
  const starts = [
    [1, 2, meanSpend],
    [5, 3, meanSpend / 2],
  ];
  const fit = fitByMaximumLikelihood(
    PARAM_NAMES,
    ([p, q, v]) => logLikelihood(p, q, v),
    starts,
    usable.length,
    options,
  );
  return {
    ...fit,
    frequencyMonetaryCorrelation: pearsonCorrelation(
      usable.map((o) => o.x),
      usable.map((o) => o.monetary),
    ),
    excludedNonPositiveMonetary: repeatBuyers.length - usable.length,
  };
}

function compress(observations: readonly SpendObservation[]): (SpendObservation & { weight: number })[] {
  const byKey = new Map<string, SpendObservation & { weight: number }>();
  for (const { x, monetary } of observations) {
    const key = `${x}|${monetary}`;
    const existing = byKey.get(key);
    if (existing) existing.weight++;
    else byKey.set(key, { x, monetary, weight: 1 });
  }
  return [...byKey.values()];
}

/**
 * E[mean spend | x, observed mean]: a credibility-weighted blend of the customer's own mean and the population
 * mean vp/(q − 1). Customers with x = 0 get the population mean. NaN when q ≤ 1, where the population mean
 * does not exist (a heavy-tailed fit; CLV from it would be meaningless).
 */
export function gammaGammaExpectedAverageValue(
  { p, q, v }: GammaGammaParams,
  { x, monetary }: SpendObservation,
): number {
  if (!(q > 1)) return NaN;
  const populationMean = (v * p) / (q - 1);
  if (x === 0) return populationMean;
  const individualWeight = (p * x) / (p * x + q - 1);
  return (1 - individualWeight) * populationMean + individualWeight * monetary;
}

/** Pearson's r; NaN when either series is constant or shorter than two. */
export function pearsonCorrelation(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n !== ys.length) throw new RangeError('series must have equal length');
  if (n < 2) return NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += xs[i] / n;
    meanY += ys[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - meanX;
    const dy = ys[i] - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / sqrt(sxx * syy);
}
