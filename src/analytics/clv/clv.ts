/**
 * Customer lifetime value over a finite horizon, following `lifetimes`' customer_lifetime_value: expected
 * purchases are cumulative in time, so each month's purchases are the difference of consecutive cumulative
 * predictions; each month is valued at the expected order value and discounted at a monthly rate.
 */
import { BgNbdParams, bgNbdExpectedPurchases } from './bgnbd';
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { GammaGammaParams, gammaGammaExpectedAverageValue } from './gamma-gamma';
import { ParetoNbdParams, paretoNbdExpectedPurchases } from './pareto-nbd';
import { RfmObservation } from './rfm';
import { TimeUnit } from './summary';

/** Cumulative expected purchases in the next t time units (the model's own unit). */
export type PurchasePredictor = (t: number) => number;

/** Model time units per month, as `lifetimes` uses them. */
export const UNITS_PER_MONTH: Record<TimeUnit, number> = { days: 30, weeks: 4.345 };

export interface ClvOptions {
  /** Horizon in months. Default 12. */
  months?: number;
  /** Discount rate per month (0.01 ≈ 12.7 % a year). Default 0.01. */
  monthlyDiscountRate?: number;
  /** Time unit of t_x and T. Default 'weeks'. Ignored when unitsPerMonth is given. */
  unit?: TimeUnit;
  /** Model time units in one month; overrides `unit`. */
  unitsPerMonth?: number;
}

export function discountedLifetimeValue(
  predict: PurchasePredictor,
  averageOrderValue: number,
  options: ClvOptions = {},
): number {
  const months = options.months ?? 12;
  const rate = options.monthlyDiscountRate ?? 0.01;
  const unitsPerMonth = options.unitsPerMonth ?? UNITS_PER_MONTH[options.unit ?? 'weeks'];
  if (!Number.isInteger(months) || months < 0) throw new RangeError('months must be a non-negative integer');
  if (!(rate > -1)) throw new RangeError('monthlyDiscountRate must be greater than -1');
  if (!(unitsPerMonth > 0)) throw new RangeError('unitsPerMonth must be positive');
  let value = 0;
  let previous = predict(0);
  for (let month = 1; month <= months; month++) {
    const cumulative = predict(month * unitsPerMonth);
    value += (averageOrderValue * (cumulative - previous)) / Math.pow(1 + rate, month);
    previous = cumulative;
  }
  return value;
}

export type TransactionModel =
  { kind: 'bg-nbd'; params: BgNbdParams } | { kind: 'pareto-nbd'; params: ParetoNbdParams };

export function purchasePredictor(model: TransactionModel, observation: RfmObservation): PurchasePredictor {
  switch (model.kind) {
    case 'bg-nbd':
      return (t) => bgNbdExpectedPurchases(model.params, observation, t);
    case 'pareto-nbd':
      return (t) => paretoNbdExpectedPurchases(model.params, observation, t);
  }
}

/** CLV of each customer: transaction model for the count, Gamma-Gamma for the value of each purchase. */
export function customerLifetimeValues(
  customers: readonly (RfmObservation & { monetary: number })[],
  model: TransactionModel,
  spend: GammaGammaParams,
  options: ClvOptions = {},
): number[] {
  return customers.map((c) =>
    discountedLifetimeValue(
      purchasePredictor(model, c),
      gammaGammaExpectedAverageValue(spend, { x: c.x, monetary: c.monetary }),
      options,
    ),
  );
}

export type ValueTier = 'high' | 'medium' | 'low';

export interface TierQuantiles {
  /** Share of customers in the top tier. Default 0.2. */
  high?: number;
  /** Share of customers in the next tier. Default 0.3; the rest are 'low'. */
  medium?: number;
}

/**
 * Tier per value (same order as the input). Values are ranked descending; the first round(n·high) ranks are
 * 'high', the next up to round(n·(high + medium)) 'medium'. Equal values are never split across tiers: a run
 * of ties that straddles a cut takes the lower tier, so the result does not depend on input order and a tier
 * never exceeds its share (an all-equal population is all 'low', not all 'high').
 */
export function assignValueTiers(values: readonly number[], quantiles: TierQuantiles = {}): ValueTier[] {
  const high = quantiles.high ?? 0.2;
  const medium = quantiles.medium ?? 0.3;
  if (!(high >= 0 && medium >= 0 && high + medium <= 1 + 1e-12)) {
    throw new RangeError('tier shares must be non-negative and sum to at most 1');
  }
  values.forEach((v, index) => {
    if (!Number.isFinite(v)) {
      throw new ClvFitError(ClvFitErrorCode.InvalidInput, `value ${index} is not finite (${v})`, { index });
    }
  });
  const n = values.length;
  const highEnd = Math.round(n * high);
  const mediumEnd = Math.min(n, Math.round(n * (high + medium)));
  const tierAtRank = (rank: number): ValueTier =>
    rank < highEnd ? 'high' : rank < mediumEnd ? 'medium' : 'low';

  const order = values.map((_, i) => i).sort((i, j) => values[j] - values[i]);
  const tiers = new Array<ValueTier>(n);
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]] === values[order[start]]) end++;
    const tier = tierAtRank(end);
    for (let k = start; k <= end; k++) tiers[order[k]] = tier;
    start = end + 1;
  }
  return tiers;
}
