/**
 * Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): Poisson purchasing with gamma(r, α) rates and
 * exponential lifetimes with gamma(s, β) dropout rates. Likelihood as in Fader & Hardie's 2005 derivation
 * note (eqs. 18–20), matching the `lifetimes` formulation.
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
import { logIntegrateLogConcave } from './quadrature';
import { logAddExp, logHyp2f1, logPochhammer, logSubExp, logistic } from './special';

// Jest evaluates modules in a vm context where every global lookup (Math, Number, Infinity) goes through an
// interceptor and costs ~100 ns — 30x slower likelihood loops. Binding them once per module avoids that.
const { abs, exp, expm1, log, log1p, max, min } = Math;
const { isNaN: isNaNumber, POSITIVE_INFINITY: INFINITY } = Number;

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export type ParetoNbdFit = ModelFit<ParetoNbdParams>;

export interface ParetoNbdFitOptions extends FitOptions<ParetoNbdParams> {
  /** Default 10. */
  minCustomers?: number;
  /** Default 2. */
  minRepeatBuyers?: number;
}

const PARAM_NAMES = ['r', 'alpha', 's', 'beta'] as const;

// seriesIsCheap keeps the series well inside this; the cap only guards against a misjudged estimate.
const SERIES_MAX_TERMS = 20_000;

/**
 * ln A₀, where (s / (r + s + x)) · A₀ = s ∫_{t_x}^{T} (α + τ)^−(r+x) (β + τ)^−(s+1) dτ is the "died between
 * t_x and T" part of the likelihood. The closed form (Fader & Hardie's eqs. 19–20, as in `lifetimes`) expands
 * a 2F1 around the larger of α and β, so that its argument |α − β| / (max(α, β) + t) stays in [0, 1); the
 * wrong branch would put it outside the disc of convergence. When α and β are orders of magnitude apart that
 * argument nears 1 and the series needs thousands of terms, so the integral is then evaluated directly.
 */
export function paretoNbdLogA0(params: ParetoNbdParams, observation: RfmObservation): number {
  const { r, alpha, s, beta } = params;
  const { x, tx } = observation;
  const T = max(tx, observation.T);
  if (T === tx) return -INFINITY;
  const larger = max(alpha, beta);
  const z = abs(alpha - beta) / (larger + tx);
  if (seriesIsCheap(z, alpha < beta ? r + x : s + 1)) {
    const atTx = logA0Term(params, x, tx);
    const atT = logA0Term(params, x, T);
    const fromSeries = differenceOfTerms(atTx, atT);
    if (fromSeries !== undefined) return fromSeries;
  }
  return logA0ByQuadrature(params, x, tx, T);
}

// When t_x is close to T, A₀ is a small difference of two large terms and loses digits in proportion to
// term/A₀; past e^10 the direct integral over [t_x, T] is the more accurate route.
const MAX_CANCELLATION = 10;

/** ln(e^atTx − e^atT), or undefined when the terms failed or cancel too much to be trusted. */
function differenceOfTerms(atTx: number, atT: number): number | undefined {
  // A₀ > 0 means atTx > atT; rounding can only flip them when t_x ≈ T, i.e. under extreme cancellation.
  if (isNaNumber(atTx) || isNaNumber(atT) || atT >= atTx) return undefined;
  const logA0 = logSubExp(atTx, atT);
  return atTx - logA0 > MAX_CANCELLATION ? undefined : logA0;
}

// Beyond this many expected series terms the quadrature is both cheaper and free of a term cap.
const SERIES_TERM_BUDGET = 60;

/** The ₂F₁ terms peak near n ≈ b·z/(1 − z) and then fall geometrically with ratio z. */
function seriesIsCheap(z: number, b: number): boolean {
  if (z === 0) return true;
  if (z >= 1) return false;
  return (b * z) / (1 - z) + 40 / -log(z) <= SERIES_TERM_BUDGET;
}

/** ln of ₂F₁(r+s+x, ·; r+s+x+1; |α−β|/(max(α,β)+t)) / (max(α,β)+t)^(r+s+x): A₀ is its value at t_x minus at T. */
function logA0Term({ r, alpha, s, beta }: ParetoNbdParams, x: number, t: number): number {
  const larger = max(alpha, beta);
  const second = alpha < beta ? r + x : s + 1;
  const rsx = r + s + x;
  return (
    logHyp2f1(rsx, second, rsx + 1, abs(alpha - beta) / (larger + t), SERIES_MAX_TERMS) -
    rsx * log(larger + t)
  );
}

/**
 * A₀ = (r+s+x) ∫ (m + τ)^−e (m + D + τ)^−f dτ with m = min(α, β), D = |α − β|, integrated in u = ln(m + τ):
 * the integrand becomes exp((1 − e)u − f·ln(D + eᵘ)), which is log-concave with slope at most
 * |1 − e| + f·(m + T)/(max(α, β) + T), and smooth however far apart α and β are.
 */
function logA0ByQuadrature({ r, alpha, s, beta }: ParetoNbdParams, x: number, tx: number, T: number): number {
  const smaller = min(alpha, beta);
  const difference = abs(alpha - beta);
  const [onSmaller, onLarger] = alpha < beta ? [r + x, s + 1] : [s + 1, r + x];
  const slopeBound = abs(1 - onSmaller) + (onLarger * (smaller + T)) / (max(alpha, beta) + T);
  const logIntegral = logIntegrateLogConcave(
    (u) => (1 - onSmaller) * u - onLarger * log(difference + exp(u)),
    log(smaller + tx),
    log(smaller + T),
    slopeBound,
  );
  return log(r + s + x) + logIntegral;
}

function logLikelihoodOne(params: ParetoNbdParams, observation: RfmObservation): number {
  const { r, alpha, s, beta } = params;
  const { x, T } = observation;
  const rsx = r + s + x;
  const head = logPochhammer(r, x) + r * log(alpha) + s * log(beta);
  const aliveAtT = -(r + x) * log(alpha + T) - s * log(beta + T);
  const logA0 = paretoNbdLogA0(params, observation);
  if (isNaNumber(logA0)) return NaN;
  return head + logAddExp(aliveAtT, log(s) + logA0 - log(rsx));
}

/** ln L for one customer. */
export function paretoNbdLogLikelihoodOne(params: ParetoNbdParams, observation: RfmObservation): number {
  return logLikelihoodOne(params, observation);
}

export function paretoNbdLogLikelihoods(
  params: ParetoNbdParams,
  observations: readonly RfmObservation[],
): number[] {
  return observations.map((o) => logLikelihoodOne(params, o));
}

export function paretoNbdLogLikelihood(
  params: ParetoNbdParams,
  observations: readonly RfmObservation[],
): number {
  let sum = 0;
  for (const o of observations) sum += logLikelihoodOne(params, o);
  return sum;
}

/**
 * Likelihood over weighted patterns for the optimiser. The series term depends only on (x, t), and many
 * customers share their x with another's t_x or T (CDNOW: 943 distinct (x, t) against 2,032 uses), so each is
 * evaluated at most once per call; logs of α + T, β + T and the log-products in x are tabulated likewise.
 */
function createWeightedLogLikelihood(
  patterns: readonly WeightedObservation[],
): (params: ParetoNbdParams) => number {
  const intern = <K>(keys: K[], index: Map<string, number>, key: string, value: K) => {
    let i = index.get(key);
    if (i === undefined) {
      i = keys.length;
      keys.push(value);
      index.set(key, i);
    }
    return i;
  };
  const points: { x: number; t: number }[] = [];
  const pointIndex = new Map<string, number>();
  const ages: number[] = [];
  const ageIndex = new Map<string, number>();
  const rows = patterns.map(({ x, tx, T, weight }) => ({
    x,
    tx,
    T: max(tx, T),
    weight,
    atTx: intern(points, pointIndex, `${x}|${tx}`, { x, t: tx }),
    atT: intern(points, pointIndex, `${x}|${max(tx, T)}`, { x, t: max(tx, T) }),
    age: intern(ages, ageIndex, String(T), T),
  }));
  let maxX = 0;
  for (const p of patterns) maxX = max(maxX, p.x);
  const purchaseTable = new Float64Array(maxX + 1);
  const logRsx = new Float64Array(maxX + 1);
  const logTerms = new Float64Array(points.length);
  const termEvaluation = new Float64Array(points.length);
  const logAlphaT = new Float64Array(ages.length);
  const logBetaT = new Float64Array(ages.length);
  let evaluation = 0;

  return (params) => {
    const { r, alpha, s, beta } = params;
    evaluation++;
    const termAt = (i: number) => {
      if (termEvaluation[i] !== evaluation) {
        logTerms[i] = logA0Term(params, points[i].x, points[i].t);
        termEvaluation[i] = evaluation;
      }
      return logTerms[i];
    };
    for (let k = 0; k <= maxX; k++) {
      if (k < maxX) purchaseTable[k + 1] = purchaseTable[k] + log(r + k);
      logRsx[k] = log(r + s + k);
    }
    for (let i = 0; i < ages.length; i++) {
      logAlphaT[i] = log(alpha + ages[i]);
      logBetaT[i] = log(beta + ages[i]);
    }
    const larger = max(alpha, beta);
    const difference = abs(alpha - beta);
    const head = r * log(alpha) + s * log(beta);
    const logS = log(s);
    let sum = 0;
    for (const { x, tx, T, atTx, atT, age, weight } of rows) {
      let logA0: number | undefined = T === tx ? -INFINITY : undefined;
      if (logA0 === undefined && seriesIsCheap(difference / (larger + tx), alpha < beta ? r + x : s + 1)) {
        logA0 = differenceOfTerms(termAt(atTx), termAt(atT));
      }
      if (logA0 === undefined) logA0 = logA0ByQuadrature(params, x, tx, T);
      if (isNaNumber(logA0)) return NaN;
      const aliveAtT = -(r + x) * logAlphaT[age] - s * logBetaT[age];
      sum += weight * (purchaseTable[x] + head + logAddExp(aliveAtT, logS + logA0 - logRsx[x]));
    }
    return sum;
  };
}

/**
 * The log-likelihood of a fixed set of customers as a function of the parameters, prepared once for repeated
 * evaluation (fitting, profile likelihoods). Equal to paretoNbdLogLikelihood up to rounding.
 */
export function paretoNbdLogLikelihoodFunction(
  observations: readonly RfmObservation[],
): (params: ParetoNbdParams) => number {
  return createWeightedLogLikelihood(compressObservations(observations));
}

export function fitParetoNbd(
  observations: readonly RfmObservation[],
  options: ParetoNbdFitOptions = {},
): ParetoNbdFit {
  validateObservations(observations);
  checkCountData(observations, options.minCustomers ?? 10, options.minRepeatBuyers ?? 2);
  const logLikelihood = paretoNbdLogLikelihoodFunction(observations);
  const timeScale = meanT(observations);
  const starts = [
    [1, timeScale, 1, timeScale],
    [0.5, timeScale / 4, 0.5, timeScale / 4],
  ];
  return fitByMaximumLikelihood(
    PARAM_NAMES,
    ([r, alpha, s, beta]) => logLikelihood({ r, alpha, s, beta }),
    starts,
    observations.length,
    options,
  );
}

/** Probability that a customer with history (x, t_x, T) has not yet dropped out (eq. 36–37 of the note). */
export function paretoNbdProbabilityAlive(params: ParetoNbdParams, observation: RfmObservation): number {
  const { r, alpha, s, beta } = params;
  const { x, T } = observation;
  const logA0 = paretoNbdLogA0(params, observation);
  if (isNaNumber(logA0)) return NaN;
  const logOdds = log(s) - log(r + s + x) + (r + x) * log(alpha + T) + s * log(beta + T) + logA0;
  return logistic(-logOdds);
}

/** Expected repeat purchases in the next t time units for a customer with history (x, t_x, T) (eq. 41). */
export function paretoNbdExpectedPurchases(
  params: ParetoNbdParams,
  observation: RfmObservation,
  t: number,
): number {
  if (t === 0) return 0;
  const { r, alpha, s, beta } = params;
  const { x, T } = observation;
  const logL = logLikelihoodOne(params, observation);
  if (isNaNumber(logL)) return NaN;
  const logAliveAtT =
    logPochhammer(r, x) + r * log(alpha) + s * log(beta) - (r + x) * log(alpha + T) - s * log(beta + T);
  const rate = log(r + x) + log(beta + T) - log(alpha + T);
  return exp(logAliveAtT - logL + rate) * lifetimeIntegral(s, beta + T, t);
}

/** E[X(t)] for a randomly chosen new customer (eq. 27). */
export function paretoNbdUnconditionalExpectedPurchases(
  { r, alpha, s, beta }: ParetoNbdParams,
  t: number,
): number {
  if (t === 0) return 0;
  return (r / alpha) * beta * lifetimeIntegral(s, beta, t);
}

/**
 * (1 − (β'/(β' + t))^(s−1)) / (s − 1), which tends to ln(1 + t/β') as s → 1; written with expm1/log1p so the
 * limit is not a 0/0.
 */
function lifetimeIntegral(s: number, betaPrime: number, t: number): number {
  const logRatio = -log1p(t / betaPrime);
  const y = (s - 1) * logRatio;
  if (abs(y) < 1e-10) return -logRatio * (1 + y / 2);
  return -expm1(y) / (s - 1);
}
