import { quintileScores, Score } from './quintile-score';
import { rfmGroup, RfmGroup, SegmentAxis } from './segments';

/** One customer's order history summarised at the scoring date. */
export interface CustomerActivity {
  customerId: string;
  /** Whole or fractional days from the last order to the scoring date; ignored when orderCount is 0. */
  recencyDays: number | null;
  orderCount: number;
  /** Revenue over all orders; may be negative after refunds. */
  revenue: number;
}

export interface RfmOptions {
  /** M from total revenue (default) or average order value, revenue / orderCount. */
  monetary?: 'total' | 'average';
  /** The second axis of the group grid; see `segments.ts`. */
  segmentAxis?: SegmentAxis;
}

export interface RfmScore {
  customerId: string;
  recency: Score;
  frequency: Score;
  monetary: Score;
  /** R, F and M digits, e.g. '545'. */
  code: string;
  group: RfmGroup;
}

export interface RfmResult {
  /** Customers with at least one order, in input order. */
  scored: RfmScore[];
  /**
   * Customers with no orders, in input order. They are left out of the ranking rather than scored 1-1-1:
   * there is no recency to rank, and a large block of zero-order leads would tie at the bottom of F and M and
   * push every buyer's scores up, making buyer scores depend on how many leads were imported.
   */
  withoutOrders: string[];
}

// Aliased once: validation runs per customer, and inside a vm context (Jest) every global lookup is slow.
const { isFinite: isFiniteNumber, isInteger } = Number;

const CODES: readonly string[] = Array.from(
  { length: 125 },
  (_, i) => `${1 + Math.floor(i / 25)}${1 + (Math.floor(i / 5) % 5)}${1 + (i % 5)}`,
);

/**
 * Quintile scores 1–5 per customer, relative to the customers scored together (see `quintile-score.ts` for
 * ties). R is reversed — the most recent fifth scores 5 — so that for all three digits higher is better.
 */
export function scoreRfm(customers: readonly CustomerActivity[], options: RfmOptions = {}): RfmResult {
  const { monetary = 'total', segmentAxis = 'frequency' } = options;
  let buyers = 0;
  customers.forEach((customer, index) => {
    const problem = describeProblem(customer);
    if (problem) throw new RangeError(`customer ${index} (${customer.customerId}): ${problem}`);
    if (customer.orderCount > 0) buyers++;
  });

  const recency = new Float64Array(buyers);
  const frequency = new Float64Array(buyers);
  const spend = new Float64Array(buyers);
  const withoutOrders: string[] = [];
  let j = 0;
  for (const customer of customers) {
    if (customer.orderCount === 0) {
      withoutOrders.push(customer.customerId);
      continue;
    }
    recency[j] = customer.recencyDays as number;
    frequency[j] = customer.orderCount;
    spend[j] = monetary === 'total' ? customer.revenue : customer.revenue / customer.orderCount;
    j++;
  }

  const r = quintileScores(recency, 'lower-is-better');
  const f = quintileScores(frequency, 'higher-is-better');
  const m = quintileScores(spend, 'higher-is-better');
  const scored = new Array<RfmScore>(buyers);
  j = 0;
  for (const customer of customers) {
    if (customer.orderCount === 0) continue;
    const rj = r[j] as Score;
    const fj = f[j] as Score;
    const mj = m[j] as Score;
    scored[j] = {
      customerId: customer.customerId,
      recency: rj,
      frequency: fj,
      monetary: mj,
      code: CODES[(rj - 1) * 25 + (fj - 1) * 5 + (mj - 1)],
      group: rfmGroup(rj, fj, mj, segmentAxis),
    };
    j++;
  }
  return { scored, withoutOrders };
}

function describeProblem({ recencyDays, orderCount, revenue }: CustomerActivity): string | undefined {
  if (!isInteger(orderCount) || orderCount < 0) {
    return `orderCount must be a non-negative integer, got ${orderCount}`;
  }
  if (!isFiniteNumber(revenue)) return `revenue must be finite, got ${revenue}`;
  if (
    orderCount > 0 &&
    !(typeof recencyDays === 'number' && isFiniteNumber(recencyDays) && recencyDays >= 0)
  ) {
    return `recencyDays must be a finite non-negative number for a customer with orders, got ${recencyDays}`;
  }
  return undefined;
}
