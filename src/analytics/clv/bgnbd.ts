/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): purchases follow a Poisson
 * process with gamma(r, α) heterogeneous rates; after each purchase a customer drops out with a
 * beta(a, b)-distributed probability. Formulas follow the paper and the `lifetimes` implementation.
 */
import { FitOptions, ModelFit, fitByMaximumLikelihood } from './model-fit';
import {
  RfmObservation,
  WeightedObservation,
  checkCountData,
  compressObservations,
  meanT,
  validateObservations,
} from './rfm';
import { hyp2f1SignedLog, logAddExp, logPochhammer, logistic } from './special';

// Jest evaluates modules in a vm context where every global lookup (Math, Number, Infinity) goes through an
// interceptor and costs ~100 ns — 30x slower likelihood loops. Binding them once per module avoids that.
const { abs, exp, expm1, log, max, min } = Math;
const { isNaN: isNaNumber } = Number;

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export type BgNbdFit = ModelFit<BgNbdParams>;

export interface BgNbdFitOptions extends FitOptions<BgNbdParams> {
  /** Default 10. */
  minCustomers?: number;
  /** Default 2: with fewer, the dropout distribution (a, b) is not identified. */
  minRepeatBuyers?: number;
}

const PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;

/** ln L for one customer (eq. 6 of the paper, in log space). */
export function bgNbdLogLikelihoodOne({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RfmObservation): number {
  // Γ(r + x)/Γ(r) and B(a, b + x)/B(a, b) as finite products: exact for integer x, see logPochhammer.
  const purchase = logPochhammer(r, x) + r * log(alpha);
  const survival = logPochhammer(b, x) - logPochhammer(a + b, x);
  const aliveAtT = -(r + x) * log(alpha + T);
  if (x === 0) return purchase + survival + aliveAtT;
  const diedAfterLast = log(a) - log(b + x - 1) - (r + x) * log(alpha + tx);
  return purchase + survival + logAddExp(aliveAtT, diedAfterLast);
}

export function bgNbdLogLikelihoods(params: BgNbdParams, observations: readonly RfmObservation[]): number[] {
  return observations.map((o) => bgNbdLogLikelihoodOne(params, o));
}

export function bgNbdLogLikelihood(params: BgNbdParams, observations: readonly RfmObservation[]): number {
  let sum = 0;
  for (const o of observations) sum += bgNbdLogLikelihoodOne(params, o);
  return sum;
}

/**
 * Likelihood over weighted patterns for the optimiser. Same terms as bgNbdLogLikelihoodOne, but the
 * x-dependent log-products are tabulated once per evaluation instead of once per customer.
 */
function createWeightedLogLikelihood(
  patterns: readonly WeightedObservation[],
): (params: BgNbdParams) => number {
  let maxX = 0;
  for (const p of patterns) maxX = max(maxX, p.x);
  const purchaseTable = new Float64Array(maxX + 1);
  const survivalTable = new Float64Array(maxX + 1);
  return ({ r, alpha, a, b }) => {
    for (let k = 0; k < maxX; k++) {
      purchaseTable[k + 1] = purchaseTable[k] + log(r + k);
      survivalTable[k + 1] = survivalTable[k] + log(b + k) - log(a + b + k);
    }
    const rLogAlpha = r * log(alpha);
    const logA = log(a);
    let sum = 0;
    for (const { x, tx, T, weight } of patterns) {
      const aliveAtT = -(r + x) * log(alpha + T);
      let ll = purchaseTable[x] + rLogAlpha + survivalTable[x];
      if (x === 0) ll += aliveAtT;
      else ll += logAddExp(aliveAtT, logA - log(b + x - 1) - (r + x) * log(alpha + tx));
      sum += weight * ll;
    }
    return sum;
  };
}

/**
 * The log-likelihood of a fixed set of customers as a function of the parameters, prepared once for repeated
 * evaluation (fitting, profile likelihoods). Equal to bgNbdLogLikelihood up to rounding.
 */
export function bgNbdLogLikelihoodFunction(
  observations: readonly RfmObservation[],
): (params: BgNbdParams) => number {
  return createWeightedLogLikelihood(compressObservations(observations));
}

export function fitBgNbd(observations: readonly RfmObservation[], options: BgNbdFitOptions = {}): BgNbdFit {
  validateObservations(observations);
  checkCountData(observations, options.minCustomers ?? 10, options.minRepeatBuyers ?? 2);
  const logLikelihood = bgNbdLogLikelihoodFunction(observations);
  const timeScale = meanT(observations);
  const starts = [
    [1, timeScale, 1, 1],
    [0.5, timeScale / 4, 0.5, 2],
  ];
  return fitByMaximumLikelihood(
    PARAM_NAMES,
    ([r, alpha, a, b]) => logLikelihood({ r, alpha, a, b }),
    starts,
    observations.length,
    options,
  );
}

/**
 * Probability that a customer with history (x, t_x, T) is still active. Customers without repeat purchases
 * are alive with certainty: in BG/NBD dropout can only happen right after a purchase.
 */
export function bgNbdProbabilityAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RfmObservation): number {
  if (x === 0) return 1;
  const logOdds = (r + x) * log((alpha + T) / (alpha + tx)) + log(a / (b + x - 1));
  return logistic(-logOdds);
}

/**
 * Expected repeat purchases in the next t time units for a customer with history (x, t_x, T) — eq. 10 of
 * the paper.
 */
export function bgNbdExpectedPurchases(params: BgNbdParams, observation: RfmObservation, t: number): number {
  if (t === 0) return 0;
  return bridgeRemovableSingularities(params, observation.x, (p) =>
    conditionalExpectation(p, observation, t),
  );
}

const SINGULAR_ZONE = 1e-6;

/**
 * Both closed forms have removable singularities: the factor 1/(a − 1) meets a bracket that vanishes at a = 1,
 * and 2F1(·; c; ·) has a pole at c = a + b + x − 1 = 0 (x = 0, a + b = 1) that the factor c cancels. Close to
 * either, the two sides are evaluated and averaged (error O(shift²)) instead of dividing 0 by 0.
 */
function bridgeRemovableSingularities(
  params: BgNbdParams,
  x: number,
  evaluate: (params: BgNbdParams) => number,
): number {
  const { a, b } = params;
  if (abs(a - 1) >= SINGULAR_ZONE && abs(a + b + x - 1) >= SINGULAR_ZONE) return evaluate(params);
  const shift = min(4 * SINGULAR_ZONE, a / 2);
  return (evaluate({ ...params, a: a - shift }) + evaluate({ ...params, a: a + shift })) / 2;
}

function conditionalExpectation(
  { r, alpha, a, b }: BgNbdParams,
  { x, tx, T }: RfmObservation,
  t: number,
): number {
  const z = t / (alpha + T + t);
  const hyp = hyp2f1SignedLog(r + x, b + x, a + b + x - 1, z);
  if (isNaNumber(hyp.log)) return NaN;
  // bracket = 1 − 2F1(·) · ((α+T)/(α+T+t))^(r+x), formed with expm1: it is small near a = 1.
  const logProduct = hyp.log + (r + x) * log((alpha + T) / (alpha + T + t));
  const bracket = hyp.sign > 0 ? -expm1(logProduct) : 1 + exp(logProduct);
  const numerator = ((a + b + x - 1) / (a - 1)) * bracket;
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * exp((r + x) * log((alpha + T) / (alpha + tx))) : 1;
  return numerator / denominator;
}

/** E[X(t)]: expected repeat purchases in t time units of a randomly chosen new customer (eq. 9). */
export function bgNbdUnconditionalExpectedPurchases(params: BgNbdParams, t: number): number {
  if (t === 0) return 0;
  return bridgeRemovableSingularities(params, 0, (p) => unconditionalExpectation(p, t));
}

function unconditionalExpectation({ r, alpha, a, b }: BgNbdParams, t: number): number {
  const hyp = hyp2f1SignedLog(r, b, a + b - 1, t / (alpha + t));
  if (isNaNumber(hyp.log)) return NaN;
  const logProduct = hyp.log + r * log(alpha / (alpha + t));
  const bracket = hyp.sign > 0 ? -expm1(logProduct) : 1 + exp(logProduct);
  return ((a + b - 1) / (a - 1)) * bracket;
}
