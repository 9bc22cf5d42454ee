import { ClvFitError, ClvFitErrorCode } from './fit-errors';

/**
 * One customer's calibration-period history in the notation of the buy-till-you-die literature:
 * x repeat purchases (distinct purchase days − 1), the last at t_x after the first, observed for T time units
 * since the first purchase. t_x and T share one time unit (weeks by default in `summary.ts`).
 */
export interface RfmObservation {
  x: number;
  tx: number;
  T: number;
}

/** Identical histories are evaluated once and weighted: CDNOW's 2,357 customers collapse to 1,016 patterns. */
export interface WeightedObservation extends RfmObservation {
  weight: number;
}

// Published summaries round t_x and T to two decimals independently, so t_x may exceed T by a rounding step.
const ROUNDING_SLACK = 0.01;

export function validateObservations(observations: readonly RfmObservation[]): void {
  observations.forEach((o, index) => {
    const problem = describeProblem(o);
    if (problem) {
      throw new ClvFitError(ClvFitErrorCode.InvalidInput, `observation ${index}: ${problem}`, {
        index,
        observation: { ...o },
      });
    }
  });
}

function describeProblem({ x, tx, T }: RfmObservation): string | undefined {
  if (!Number.isInteger(x) || x < 0) return `x must be a non-negative integer, got ${x}`;
  if (!Number.isFinite(tx) || tx < 0) return `t_x must be finite and non-negative, got ${tx}`;
  if (!Number.isFinite(T) || T < 0) return `T must be finite and non-negative, got ${T}`;
  if (tx > T + ROUNDING_SLACK) return `t_x (${tx}) exceeds T (${T})`;
  if (x > 0 && tx === 0) return 'a customer with repeat purchases must have t_x > 0';
  if (x === 0 && tx !== 0) return 't_x must be 0 when x is 0';
  return undefined;
}

export function compressObservations(observations: readonly RfmObservation[]): WeightedObservation[] {
  const byKey = new Map<string, WeightedObservation>();
  for (const { x, tx, T } of observations) {
    const key = `${x}|${tx}|${T}`;
    const existing = byKey.get(key);
    if (existing) existing.weight++;
    else byKey.set(key, { x, tx: Math.min(tx, T), T, weight: 1 });
  }
  return [...byKey.values()];
}

export function countRepeatBuyers(observations: readonly RfmObservation[]): number {
  let count = 0;
  for (const o of observations) if (o.x > 0) count++;
  return count;
}

/** Validation shared by the two count models (BG/NBD and Pareto/NBD). */
export function checkCountData(
  observations: readonly RfmObservation[],
  minCustomers: number,
  minRepeatBuyers: number,
) {
  if (observations.length < minCustomers) {
    throw new ClvFitError(
      ClvFitErrorCode.TooFewCustomers,
      `need at least ${minCustomers} customers, got ${observations.length}`,
      { customers: observations.length, minCustomers },
    );
  }
  const repeatBuyers = countRepeatBuyers(observations);
  if (repeatBuyers === 0) {
    throw new ClvFitError(
      ClvFitErrorCode.AllZeroFrequencies,
      'no customer has a repeat purchase: purchase rates and dropout are not identified',
      { customers: observations.length },
    );
  }
  if (repeatBuyers < minRepeatBuyers) {
    throw new ClvFitError(
      ClvFitErrorCode.TooFewRepeatBuyers,
      `need at least ${minRepeatBuyers} repeat buyers, got ${repeatBuyers}`,
      { repeatBuyers, minRepeatBuyers },
    );
  }
}

/** A time scale for the starting α (gamma rate): parameters then start within an order of magnitude. */
export function meanT(observations: readonly RfmObservation[]): number {
  let sum = 0;
  for (const o of observations) sum += o.T;
  const mean = sum / observations.length;
  return mean > 0 ? mean : 1;
}
