import {
  ClvFitError,
  ClvFitErrorCode,
  assignValueTiers,
  bgNbdExpectedPurchases,
  bgNbdProbabilityAlive,
  customerLifetimeValues,
  summarizeTransactions,
} from '../clv';
import { loadCdnowTransactions } from '../clv/cdnow.fixtures';
import {
  ClvCustomer,
  ClvModelFit,
  DEFAULT_CLV_SETTINGS,
  daysToUnits,
  fitClvModel,
  holdoutCheck,
  observationFromDays,
  scoreClvCustomers,
  summarizeTiers,
  tierChanges,
} from './clv-model';

const summary = summarizeTransactions(loadCdnowTransactions(), {
  calibrationEnd: '1997-09-30',
  holdoutEnd: '1998-06-30',
});
const customers: ClvCustomer[] = summary.customers;

describe('fitClvModel on CDNOW', () => {
  let fit: ClvModelFit;
  beforeAll(() => {
    fit = fitClvModel(customers, DEFAULT_CLV_SETTINGS);
  });

  it('fits BG/NBD and Gamma-Gamma to the published values', () => {
    expect(fit.converged).toBe(true);
    expect(fit.sampleSize).toBe(2357);
    expect(fit.repeatBuyers).toBe(946);
    const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    for (const [name, value] of Object.entries(published)) {
      expect(
        Math.abs((fit.count.params as unknown as Record<string, number>)[name] / value - 1),
      ).toBeLessThan(0.005);
    }
    expect(Math.abs(fit.count.logLikelihood + 9582.4)).toBeLessThan(0.5);
    expect(Math.abs(fit.spend.params.p / 6.25 - 1)).toBeLessThan(0.01);
    expect(fit.warnings).toEqual([]);
  });

  it('scores like the library: P(alive), E[purchases] over the horizon and CLV per customer', () => {
    const scores = scoreClvCustomers(customers, fit, DEFAULT_CLV_SETTINGS);
    expect(scores.patterns).toBeLessThan(customers.length);
    const clv = customerLifetimeValues(
      customers,
      { kind: 'bg-nbd', params: fit.count.params as never },
      fit.spend.params,
    );
    customers.forEach((c, i) => {
      expect(scores.clv[i]).toBeCloseTo(clv[i], 8);
      expect(scores.pAlive[i]).toBe(bgNbdProbabilityAlive(fit.count.params as never, c));
    });
    const first = customers[0];
    expect(scores.expectedPurchases[0]).toBeCloseTo(
      bgNbdExpectedPurchases(fit.count.params as never, first, 12 * 4.345),
      12,
    );
    expect(scores.tiers).toEqual(assignValueTiers(clv));
    const tiers = summarizeTiers(scores.clv, scores.tiers);
    expect(tiers.high.customers + tiers.medium.customers + tiers.low.customers).toBe(2357);
    expect(tiers.high.minClv!).toBeGreaterThanOrEqual(tiers.medium.minClv!);
  });

  it('predicts about 1,653 holdout purchases against the 1,882 observed', () => {
    const check = holdoutCheck(customers, fit, summary.holdoutDuration!);
    expect(check.actual).toBe(1882);
    expect(Math.abs(check.predicted - 1653)).toBeLessThan(5);
    expect(check.ratio).toBeCloseTo(check.predicted / 1882, 12);
    expect(check.byFrequency[0]).toMatchObject({ frequency: '0', customers: 1411 });
    expect(check.byFrequency.at(-1)!.frequency).toBe('7+');
    // Customers who bought more in calibration buy more in the holdout, as the model predicts.
    expect(check.byFrequency[3].actualMean).toBeGreaterThan(check.byFrequency[0].actualMean);
    expect(check.byFrequency[3].predictedMean).toBeGreaterThan(check.byFrequency[0].predictedMean);
  });

  it('fits Pareto/NBD when asked', () => {
    const pareto = fitClvModel(customers, { ...DEFAULT_CLV_SETTINGS, model: 'pareto' });
    expect(pareto.converged).toBe(true);
    expect(Math.abs((pareto.count.params as { s: number }).s / 0.606 - 1)).toBeLessThan(0.01);
    const scores = scoreClvCustomers(customers.slice(0, 50), pareto, DEFAULT_CLV_SETTINGS);
    for (const p of scores.pAlive) expect(p > 0 && p <= 1).toBe(true);
  });

  it('returns a non-converged fit (not an error) when the optimiser runs out of budget', () => {
    const partial = fitClvModel(customers, { ...DEFAULT_CLV_SETTINGS, maxIterations: 5 });
    expect(partial.converged).toBe(false);
    expect(partial.count.converged).toBe(false);
  });

  it('throws typed errors for data it cannot fit', () => {
    const codeOf = (data: ClvCustomer[]) => {
      try {
        fitClvModel(data, DEFAULT_CLV_SETTINGS);
      } catch (error) {
        return (error as ClvFitError).code;
      }
      return 'fitted';
    };
    expect(codeOf(customers.slice(0, 5))).toBe(ClvFitErrorCode.TooFewCustomers);
    expect(codeOf(customers.map((c) => ({ ...c, x: 0, tx: 0, monetary: 0 })))).toBe(
      ClvFitErrorCode.AllZeroFrequencies,
    );
    const fewRepeat = customers.filter((c) => c.x === 0).slice(0, 100);
    fewRepeat.push(...customers.filter((c) => c.x > 0).slice(0, 5));
    expect(codeOf(fewRepeat)).toBe(ClvFitErrorCode.TooFewRepeatBuyers);
  });
});

describe('tierChanges', () => {
  it('lists moved, newly scored and no longer scored customers with from/to', () => {
    const previous = new Map([
      ['a', 'high'],
      ['b', 'low'],
      ['gone', 'medium'],
    ]);
    expect(tierChanges(['a', 'b', 'new'], ['high', 'medium', 'low'], previous)).toEqual({
      customerIds: ['b', 'new', 'gone'],
      from: ['low', null, 'medium'],
      to: ['medium', 'low', null],
    });
    expect(tierChanges(['a'], ['high'], new Map([['a', 'high']])).customerIds).toEqual([]);
  });
});

describe('time units', () => {
  it('converts whole days to the model unit', () => {
    expect(observationFromDays(2, 213, 272, 'weeks')).toEqual({ x: 2, tx: 213 / 7, T: 272 / 7 });
    expect(observationFromDays(2, 213, 272, 'days')).toEqual({ x: 2, tx: 213, T: 272 });
    expect(daysToUnits(273, 'weeks')).toBe(39);
  });
});

describe('scoring errors', () => {
  it('refuses to tier non-finite values', () => {
    const fit = {
      model: 'bgnbd' as const,
      count: { params: { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 } } as ClvModelFit['count'],
      spend: { params: { p: 6, q: 0.5, v: 15 } },
    };
    // q ≤ 1: the Gamma-Gamma population mean does not exist, so expected order values are NaN.
    expect(() => scoreClvCustomers(customers.slice(0, 3), fit, DEFAULT_CLV_SETTINGS)).toThrow(ClvFitError);
  });
});
