/**
 * The CLV model as the server runs it, on top of the pure model mathematics in `../clv`: fit a count model
 * (BG/NBD or Pareto/NBD) and Gamma-Gamma on per-customer summaries, score every customer (P(alive), expected
 * purchases and CLV over a horizon, expected order value, tier), and check predictions against a holdout.
 * No framework or database: the service feeds it rows and stores what it returns.
 */
import {
  BgNbdParams,
  ClvFitError,
  ClvFitErrorCode,
  GammaGammaFit,
  GammaGammaParams,
  ParetoNbdParams,
  TimeUnit,
  TransactionModel,
  UNITS_PER_MONTH,
  ValueTier,
  assignValueTiers,
  bgNbdProbabilityAlive,
  discountedLifetimeValue,
  fitBgNbd,
  fitParetoNbd,
  gammaGammaExpectedAverageValue,
  paretoNbdProbabilityAlive,
  purchasePredictor,
} from '../clv';
import { fitGammaGammaGrouped } from '../clv/gamma-gamma-grouped';
import type { RfmObservation } from '../clv/rfm';

// Jest evaluates modules in a vm context where every global lookup costs ~100 ns: bind them once.
const { abs, max, min } = Math;
const { isFinite: isFiniteNumber } = Number;

export type CountModelName = 'bgnbd' | 'pareto';
export const COUNT_MODELS: readonly CountModelName[] = ['bgnbd', 'pareto'];

export interface TierShares {
  high: number;
  medium: number;
}

export interface ClvSettings {
  model: CountModelName;
  /** CLV and expected-purchase horizon, whole months. */
  horizonMonths: number;
  monthlyDiscount: number;
  unit: TimeUnit;
  tiers: TierShares;
  /** Optimiser budget (simplex iterations); the library default when absent. */
  maxIterations?: number;
}

export const DEFAULT_CLV_SETTINGS: ClvSettings = {
  model: 'bgnbd',
  horizonMonths: 12,
  monthlyDiscount: 0.01,
  unit: 'weeks',
  tiers: { high: 0.2, medium: 0.3 },
};

/** One customer's calibration summary; holdoutFrequency is present when a holdout period was given. */
export interface ClvCustomer extends RfmObservation {
  /** Mean value of the repeat purchase days (0 when x = 0). */
  monetary: number;
  holdoutFrequency?: number;
}

export type CountParams = BgNbdParams | ParetoNbdParams;

export interface ClvModelFit {
  model: CountModelName;
  /** Both the count and the spend optimiser converged. */
  converged: boolean;
  count: {
    params: CountParams;
    standardErrors: Record<string, number>;
    logLikelihood: number;
    converged: boolean;
    atBound: string[];
    iterations: number;
    evaluations: number;
  };
  spend: GammaGammaFit;
  sampleSize: number;
  repeatBuyers: number;
  /** Things worth a look that do not invalidate the model (parameters on a bound, correlated spend). */
  warnings: string[];
}

/** |ρ(x, mean spend)| above this breaks Gamma-Gamma's independence assumption in practice. */
export const SPEND_CORRELATION_WARNING = 0.3;

/**
 * Fits the count model and Gamma-Gamma. Data that cannot be fitted throws a ClvFitError (too few customers or
 * repeat buyers, all-zero frequencies, a spend model without a finite mean); an optimiser that ran out of
 * budget returns `converged: false` with its best point so the caller can record it as such.
 */
export function fitClvModel(customers: readonly ClvCustomer[], settings: ClvSettings): ClvModelFit {
  const optimizer =
    settings.maxIterations === undefined ? undefined : { maxIterations: settings.maxIterations };
  const countFit =
    settings.model === 'pareto'
      ? fitParetoNbd(customers, { allowNonConverged: true, optimizer })
      : fitBgNbd(customers, { allowNonConverged: true, optimizer });
  const spend = fitGammaGammaGrouped(customers, { allowNonConverged: true, optimizer });
  if (spend.converged && !(spend.params.q > 1)) {
    throw new ClvFitError(
      ClvFitErrorCode.InvalidInput,
      `the spend model has q = ${spend.params.q.toPrecision(4)} ≤ 1: order values are too heavy-tailed for a finite expected value`,
      { q: spend.params.q },
    );
  }
  const warnings: string[] = [];
  if (countFit.atBound.length) {
    warnings.push(`count model parameters on the optimiser bound: ${countFit.atBound.join(', ')}`);
  }
  if (spend.atBound.length) {
    warnings.push(`spend model parameters on the optimiser bound: ${spend.atBound.join(', ')}`);
  }
  if (abs(spend.frequencyMonetaryCorrelation) > SPEND_CORRELATION_WARNING) {
    warnings.push(
      `frequency and mean spend are correlated (ρ = ${spend.frequencyMonetaryCorrelation.toFixed(3)}); ` +
        'Gamma-Gamma assumes they are independent',
    );
  }
  let repeatBuyers = 0;
  for (const c of customers) if (c.x > 0) repeatBuyers++;
  return {
    model: settings.model,
    converged: countFit.converged && spend.converged,
    count: {
      params: countFit.params,
      standardErrors: countFit.standardErrors,
      logLikelihood: countFit.logLikelihood,
      converged: countFit.converged,
      atBound: countFit.atBound.map(String),
      iterations: countFit.iterations,
      evaluations: countFit.evaluations,
    },
    spend,
    sampleSize: customers.length,
    repeatBuyers,
    warnings,
  };
}

export function transactionModel(fit: Pick<ClvModelFit, 'model' | 'count'>): TransactionModel {
  return fit.model === 'pareto'
    ? { kind: 'pareto-nbd', params: fit.count.params as ParetoNbdParams }
    : { kind: 'bg-nbd', params: fit.count.params as BgNbdParams };
}

function probabilityAlive(model: TransactionModel, observation: RfmObservation): number {
  return model.kind === 'pareto-nbd'
    ? paretoNbdProbabilityAlive(model.params, observation)
    : bgNbdProbabilityAlive(model.params, observation);
}

export interface ClvScores {
  pAlive: Float64Array;
  /** Expected repeat purchases over the horizon. */
  expectedPurchases: Float64Array;
  expectedAov: Float64Array;
  clv: Float64Array;
  tiers: ValueTier[];
  /** Distinct (x, t_x, T) histories evaluated: customers sharing one are scored once. */
  patterns: number;
}

interface PatternScore {
  pAlive: number;
  expectedPurchases: number;
  /** Σ over months of discounted expected purchases: CLV = expected order value × this. */
  discountedPurchases: number;
}

/**
 * Scores every customer. CLV is linear in the expected order value, so the count model's part (the discounted
 * sum of monthly expected purchases, as `discountedLifetimeValue` forms it) is evaluated once per distinct
 * history and multiplied by each customer's Gamma-Gamma expected order value.
 */
export function scoreClvCustomers(
  customers: readonly ClvCustomer[],
  fit: Pick<ClvModelFit, 'model' | 'count'> & { spend: { params: GammaGammaParams } },
  settings: Pick<ClvSettings, 'horizonMonths' | 'monthlyDiscount' | 'unit' | 'tiers'>,
): ClvScores {
  const model = transactionModel(fit);
  const clvOptions = {
    months: settings.horizonMonths,
    monthlyDiscountRate: settings.monthlyDiscount,
    unit: settings.unit,
  };
  const horizon = settings.horizonMonths * UNITS_PER_MONTH[settings.unit];
  const byPattern = new Map<string, PatternScore>();
  const n = customers.length;
  const scores: ClvScores = {
    pAlive: new Float64Array(n),
    expectedPurchases: new Float64Array(n),
    expectedAov: new Float64Array(n),
    clv: new Float64Array(n),
    tiers: [],
    patterns: 0,
  };
  const nonFinite: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = customers[i];
    const key = `${c.x}|${c.tx}|${c.T}`;
    let pattern = byPattern.get(key);
    if (!pattern) {
      const observation = { x: c.x, tx: min(c.tx, c.T), T: c.T };
      const predict = purchasePredictor(model, observation);
      pattern = {
        pAlive: probabilityAlive(model, observation),
        expectedPurchases: predict(horizon),
        discountedPurchases: discountedLifetimeValue(predict, 1, clvOptions),
      };
      byPattern.set(key, pattern);
    }
    const aov = gammaGammaExpectedAverageValue(fit.spend.params, { x: c.x, monetary: max(c.monetary, 0) });
    scores.pAlive[i] = pattern.pAlive;
    scores.expectedPurchases[i] = pattern.expectedPurchases;
    scores.expectedAov[i] = aov;
    scores.clv[i] = aov * pattern.discountedPurchases;
    if (!isFiniteNumber(scores.clv[i]) || !isFiniteNumber(pattern.pAlive)) nonFinite.push(i);
  }
  if (nonFinite.length) {
    throw new ClvFitError(
      ClvFitErrorCode.InvalidInput,
      `scoring produced non-finite values for ${nonFinite.length} customers (first: index ${nonFinite[0]})`,
      { count: nonFinite.length },
    );
  }
  scores.patterns = byPattern.size;
  scores.tiers = assignValueTiers(Array.from(scores.clv), settings.tiers);
  return scores;
}

export interface TierSummary {
  customers: number;
  /** Smallest CLV in the tier (its lower threshold); null when the tier is empty. */
  minClv: number | null;
  meanClv: number | null;
}

export function summarizeTiers(
  clv: ArrayLike<number>,
  tiers: readonly ValueTier[],
): Record<ValueTier, TierSummary> {
  const acc = { high: [0, Infinity, 0], medium: [0, Infinity, 0], low: [0, Infinity, 0] };
  for (let i = 0; i < tiers.length; i++) {
    const a = acc[tiers[i]];
    a[0]++;
    a[1] = min(a[1], clv[i]);
    a[2] += clv[i];
  }
  const view = ([count, least, sum]: number[]): TierSummary => ({
    customers: count,
    minClv: count ? least : null,
    meanClv: count ? sum / count : null,
  });
  return { high: view(acc.high), medium: view(acc.medium), low: view(acc.low) };
}

export interface HoldoutRow {
  /** Calibration-period repeat purchases: '0' … '6', then '7+'. */
  frequency: string;
  customers: number;
  actualMean: number;
  predictedMean: number;
}

export interface HoldoutCheck {
  /** Holdout length in the model's unit. */
  duration: number;
  customers: number;
  /** Repeat purchase days observed in the holdout. */
  actual: number;
  /** Σ E[X(duration) | x, t_x, T] over the customers. */
  predicted: number;
  /** predicted / actual; null without holdout purchases. */
  ratio: number | null;
  /** Conditional expectations by calibration frequency, as in Fader, Hardie & Lee's figure 4. */
  byFrequency: HoldoutRow[];
}

const FREQUENCY_BUCKETS = 8;

/** Predicted against actual repeat purchases in the holdout period that follows calibration. */
export function holdoutCheck(
  customers: readonly ClvCustomer[],
  fit: Pick<ClvModelFit, 'model' | 'count'>,
  duration: number,
): HoldoutCheck {
  const model = transactionModel(fit);
  const memo = new Map<string, number>();
  const buckets = Array.from({ length: FREQUENCY_BUCKETS }, () => ({
    customers: 0,
    actual: 0,
    predicted: 0,
  }));
  let actual = 0;
  let predicted = 0;
  for (const c of customers) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    let expected = memo.get(key);
    if (expected === undefined) {
      expected = purchasePredictor(model, { x: c.x, tx: min(c.tx, c.T), T: c.T })(duration);
      memo.set(key, expected);
    }
    const observed = c.holdoutFrequency ?? 0;
    actual += observed;
    predicted += expected;
    const bucket = buckets[min(c.x, FREQUENCY_BUCKETS - 1)];
    bucket.customers++;
    bucket.actual += observed;
    bucket.predicted += expected;
  }
  return {
    duration,
    customers: customers.length,
    actual,
    predicted,
    ratio: actual > 0 ? predicted / actual : null,
    byFrequency: buckets
      .map((b, x) => ({
        frequency: x === FREQUENCY_BUCKETS - 1 ? `${x}+` : String(x),
        customers: b.customers,
        actualMean: b.customers ? b.actual / b.customers : 0,
        predictedMean: b.customers ? b.predicted / b.customers : 0,
      }))
      .filter((row) => row.customers > 0),
  };
}

export interface TierChanges {
  customerIds: string[];
  from: (string | null)[];
  to: (string | null)[];
}

/**
 * Customers whose tier differs between the tiers held so far (`previous`, customer id → tier) and the new
 * scoring: moved between tiers, newly scored (from null) or no longer scored (to null).
 */
export function tierChanges(
  customerIds: readonly string[],
  tiers: readonly string[],
  previous: ReadonlyMap<string, string>,
): TierChanges {
  const changes: TierChanges = { customerIds: [], from: [], to: [] };
  const scored = new Set<string>();
  for (let i = 0; i < customerIds.length; i++) {
    const id = customerIds[i];
    scored.add(id);
    const before = previous.get(id) ?? null;
    if (before !== tiers[i]) {
      changes.customerIds.push(id);
      changes.from.push(before);
      changes.to.push(tiers[i]);
    }
  }
  for (const [id, before] of previous) {
    if (!scored.has(id)) {
      changes.customerIds.push(id);
      changes.from.push(before);
      changes.to.push(null);
    }
  }
  return changes;
}

const DAYS_PER_UNIT: Record<TimeUnit, number> = { days: 1, weeks: 7 };

/** x, t_x and T from whole-day counts (as SQL returns them), in the model's unit. */
export function observationFromDays(
  x: number,
  txDays: number,
  ageDays: number,
  unit: TimeUnit,
): RfmObservation {
  const perUnit = DAYS_PER_UNIT[unit];
  return { x, tx: txDays / perUnit, T: ageDays / perUnit };
}

export function daysToUnits(days: number, unit: TimeUnit): number {
  return days / DAYS_PER_UNIT[unit];
}
