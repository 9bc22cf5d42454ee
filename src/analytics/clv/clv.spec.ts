import * as fc from 'fast-check';

import { BgNbdFit, bgNbdExpectedPurchases, fitBgNbd } from './bgnbd';
import { loadCdnowSpend } from './cdnow.fixtures';
import {
  UNITS_PER_MONTH,
  ValueTier,
  assignValueTiers,
  customerLifetimeValues,
  discountedLifetimeValue,
} from './clv';
import { ClvFitError } from './fit-errors';
import { GammaGammaFit, fitGammaGamma, gammaGammaExpectedAverageValue } from './gamma-gamma';
import { paretoNbdExpectedPurchases } from './pareto-nbd';

describe('discountedLifetimeValue', () => {
  it('equals the annuity formula for a constant purchase rate', () => {
    const ratePerWeek = 0.3;
    const aov = 40;
    const d = 0.01;
    const months = 24;
    const value = discountedLifetimeValue((t) => ratePerWeek * t, aov, { months, monthlyDiscountRate: d });
    const perMonth = aov * ratePerWeek * UNITS_PER_MONTH.weeks;
    expect(value).toBeCloseTo((perMonth * (1 - Math.pow(1 + d, -months))) / d, 9);
  });

  it('without discounting is the expected purchases over the horizon times the order value', () => {
    const predict = (t: number) => 3 * (1 - Math.exp(-t / 40));
    expect(
      discountedLifetimeValue(predict, 25, { months: 12, monthlyDiscountRate: 0, unit: 'days' }),
    ).toBeCloseTo(25 * predict(12 * 30), 10);
  });

  it('falls with the discount rate, rises with the horizon, and is 0 over no time', () => {
    const predict = (t: number) => 0.1 * t;
    const at = (months: number, monthlyDiscountRate: number) =>
      discountedLifetimeValue(predict, 10, { months, monthlyDiscountRate });
    expect(at(12, 0.02)).toBeLessThan(at(12, 0.01));
    expect(at(24, 0.01)).toBeGreaterThan(at(12, 0.01));
    expect(at(0, 0.01)).toBe(0);
  });

  it('uses a custom number of model time units per month', () => {
    const seen: number[] = [];
    discountedLifetimeValue((t) => (seen.push(t), t), 1, { months: 2, unitsPerMonth: 365.25 / 12 });
    expect(seen).toEqual([0, 365.25 / 12, (2 * 365.25) / 12]);
  });

  it('rejects a fractional horizon and a discount rate of −100 % or less', () => {
    expect(() => discountedLifetimeValue((t) => t, 1, { months: 1.5 })).toThrow(RangeError);
    expect(() => discountedLifetimeValue((t) => t, 1, { monthlyDiscountRate: -1 })).toThrow(RangeError);
  });
});

describe('customerLifetimeValues on CDNOW', () => {
  const customers = loadCdnowSpend().map((r) => ({ x: r.x, tx: r.tx, T: r.T, monetary: r.zbar }));
  let transactions: BgNbdFit;
  let spend: GammaGammaFit;

  beforeAll(() => {
    transactions = fitBgNbd(customers);
    spend = fitGammaGamma(customers);
  });

  it('combines the BG/NBD monthly purchase increments with the Gamma-Gamma order value', () => {
    const values = customerLifetimeValues(
      customers,
      { kind: 'bg-nbd', params: transactions.params },
      spend.params,
    );
    expect(values).toHaveLength(customers.length);
    values.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
    const first = customers[0];
    const expected = discountedLifetimeValue(
      (t) => bgNbdExpectedPurchases(transactions.params, first, t),
      gammaGammaExpectedAverageValue(spend.params, first),
    );
    expect(values[0]).toBeCloseTo(expected, 10);
    // Undiscounted, a year of value is a year of expected purchases times the expected order value.
    const undiscounted = customerLifetimeValues(
      [first],
      { kind: 'bg-nbd', params: transactions.params },
      spend.params,
      {
        monthlyDiscountRate: 0,
      },
    )[0];
    expect(undiscounted).toBeCloseTo(
      bgNbdExpectedPurchases(transactions.params, first, 12 * UNITS_PER_MONTH.weeks) *
        gammaGammaExpectedAverageValue(spend.params, first),
      10,
    );
    expect(undiscounted).toBeGreaterThan(values[0]);
  });

  it('values an engaged customer above a lapsed one with the same spend', () => {
    const model = { kind: 'bg-nbd' as const, params: transactions.params };
    const [engaged, lapsed] = customerLifetimeValues(
      [
        { x: 6, tx: 37, T: 38.86, monetary: 30 },
        { x: 6, tx: 8, T: 38.86, monetary: 30 },
      ],
      model,
      spend.params,
    );
    expect(engaged).toBeGreaterThan(2 * lapsed);
  });

  it('works with the Pareto/NBD as the transaction model', () => {
    const params = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    const [value] = customerLifetimeValues([customers[0]], { kind: 'pareto-nbd', params }, spend.params);
    const expected = discountedLifetimeValue(
      (t) => paretoNbdExpectedPurchases(params, customers[0], t),
      gammaGammaExpectedAverageValue(spend.params, customers[0]),
    );
    expect(value).toBeCloseTo(expected, 10);
    expect(value).toBeGreaterThan(0);
  });
});

describe('assignValueTiers', () => {
  const count = (tiers: ValueTier[], tier: ValueTier) => tiers.filter((t) => t === tier).length;

  it('puts the top 20 % in high, the next 30 % in medium and the rest in low by default', () => {
    const values = [5, 90, 12, 70, 33, 1, 48, 64, 20, 8];
    const tiers = assignValueTiers(values);
    expect(tiers).toEqual(['low', 'high', 'low', 'high', 'medium', 'low', 'medium', 'medium', 'low', 'low']);
  });

  it('honours configured shares', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const tiers = assignValueTiers(values, { high: 0.1, medium: 0.5 });
    expect([count(tiers, 'high'), count(tiers, 'medium'), count(tiers, 'low')]).toEqual([10, 50, 40]);
    expect(tiers[99]).toBe('high');
    expect(tiers[0]).toBe('low');
  });

  it('never splits ties: a tie group straddling a cut goes to the lower tier', () => {
    // Ranks 0-1 are high by quota, but the value 80 occupies ranks 1-2, so both 80s drop to medium.
    const tiers = assignValueTiers([100, 80, 80, 50, 40, 30, 20, 10, 5, 1]);
    expect(tiers.slice(0, 3)).toEqual(['high', 'medium', 'medium']);
    expect(assignValueTiers([0, 0, 0, 0, 0])).toEqual(['low', 'low', 'low', 'low', 'low']);
  });

  it('does not depend on input order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }),
        fc.integer(),
        (values, seed) => {
          const tiers = assignValueTiers(values);
          // Deterministic shuffle driven by the generated seed.
          const order = values
            .map((_, i) => i)
            .sort((i, j) => ((i * 7919 + seed) % 97) - ((j * 7919 + seed) % 97));
          const shuffledTiers = assignValueTiers(order.map((i) => values[i]));
          return order.every((original, position) => shuffledTiers[position] === tiers[original]);
        },
      ),
    );
  });

  it('keeps tiers within their quotas and ordered by value', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { maxLength: 80 }), (values) => {
        const tiers = assignValueTiers(values);
        const rank: Record<ValueTier, number> = { high: 2, medium: 1, low: 0 };
        const n = values.length;
        const withinQuota =
          count(tiers, 'high') <= Math.round(n * 0.2) &&
          count(tiers, 'high') + count(tiers, 'medium') <= Math.round(n * 0.5);
        const monotone = values.every((v, i) =>
          values.every((w, j) => !(v > w) || rank[tiers[i]] >= rank[tiers[j]]),
        );
        return withinQuota && monotone;
      }),
    );
  });

  it('rejects non-finite values and impossible shares', () => {
    expect(() => assignValueTiers([1, Number.NaN])).toThrow(ClvFitError);
    expect(() => assignValueTiers([1, 2], { high: 0.7, medium: 0.5 })).toThrow(RangeError);
    expect(assignValueTiers([])).toEqual([]);
  });
});
