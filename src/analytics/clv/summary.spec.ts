import { loadCdnowSpend, loadCdnowSummary, loadCdnowTransactions } from './cdnow.fixtures';
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { summarizeTransactions, toDayNumber } from './summary';

describe('summarizeTransactions on CDNOW', () => {
  const summary = summarizeTransactions(loadCdnowTransactions(), {
    calibrationEnd: '1997-09-30',
    holdoutEnd: '1998-06-30',
  });
  const byId = new Map(summary.customers.map((c) => [c.customerId, c]));

  it('reproduces x, t_x and T of cdnow_customers_summary.csv for every customer', () => {
    const reference = loadCdnowSummary();
    expect(reference).toHaveLength(2357);
    expect(summary.customers).toHaveLength(reference.length);
    const mismatches = reference.filter((row) => {
      const c = byId.get(row.id);
      // The CSV rounds to two decimals.
      return !c || c.x !== row.x || Math.abs(c.tx - row.tx) > 0.0051 || Math.abs(c.T - row.T) > 0.0051;
    });
    expect(mismatches).toEqual([]);
  });

  it('reproduces the mean repeat spend (zbar) of the spend file', () => {
    const reference = loadCdnowSpend();
    const mismatches = reference.filter((row) => Math.abs(byId.get(row.id)!.monetary - row.zbar) > 0.0051);
    expect(mismatches).toEqual([]);
  });

  it('counts 1,882 repeat purchase days in the holdout', () => {
    const total = summary.customers.reduce((sum, c) => sum + (c.holdoutFrequency ?? Number.NaN), 0);
    expect(total).toBe(1882);
    expect(summary.holdoutDuration).toBeCloseTo(39, 10);
    expect(summary.holdoutEnd).toBe('1998-06-30');
    expect(summary.customersWithoutCalibrationHistory).toBe(0);
  });
});

describe('summarizeTransactions', () => {
  const transactions = [
    { customerId: 'a', date: '2024-01-01', amount: 10 },
    { customerId: 'a', date: '2024-01-01', amount: 5 }, // same day: merged into one occasion
    { customerId: 'a', date: '2024-01-08', amount: 20 },
    { customerId: 'a', date: new Date('2024-01-15T23:30:00Z'), amount: 7 },
    { customerId: 'a', date: '2024-01-15', amount: 3 }, // same UTC day as the Date above
    { customerId: 'b', date: '2024-01-29', amount: 50 },
    { customerId: 'a', date: '2024-02-05', amount: 99 }, // holdout
    { customerId: 'a', date: '2024-02-05', amount: 1 }, // holdout, same day
    { customerId: 'b', date: '2024-02-12', amount: 4 }, // holdout
    { customerId: 'c', date: '2024-02-01', amount: 8 }, // first seen in holdout
    { customerId: 'b', date: '2024-03-31', amount: 4 }, // after holdout: ignored
  ];

  it('merges same-day purchases, excludes the first day from monetary value and measures weeks', () => {
    const summary = summarizeTransactions(transactions, {
      calibrationEnd: '2024-01-29',
      holdoutEnd: '2024-02-29',
    });
    const [a, b] = summary.customers;
    expect(summary.customers.map((c) => c.customerId)).toEqual(['a', 'b']);
    expect(a).toEqual({
      customerId: 'a',
      x: 2,
      tx: 2,
      T: 4,
      monetary: (20 + 10) / 2,
      firstPurchaseDay: '2024-01-01',
      holdoutFrequency: 1,
    });
    expect(b).toMatchObject({ x: 0, tx: 0, T: 0, monetary: 0, holdoutFrequency: 1 });
    expect(summary.customersWithoutCalibrationHistory).toBe(1);
    expect(summary.holdoutDuration).toBeCloseTo(31 / 7, 12);
  });

  it('measures in days when asked and omits holdout fields without a holdout end', () => {
    const summary = summarizeTransactions(transactions, { calibrationEnd: '2024-01-29', unit: 'days' });
    expect(summary.customers[0]).toMatchObject({ x: 2, tx: 14, T: 28 });
    expect(summary.customers[0].holdoutFrequency).toBeUndefined();
    expect(summary.holdoutDuration).toBeUndefined();
    expect(summary.unit).toBe('days');
  });

  it('rejects malformed days, non-finite amounts and a holdout that ends before calibration', () => {
    const expectInvalid = (fn: () => unknown) => {
      try {
        fn();
        throw new Error('expected a ClvFitError');
      } catch (error) {
        expect(error).toBeInstanceOf(ClvFitError);
        expect((error as ClvFitError).code).toBe(ClvFitErrorCode.InvalidInput);
      }
    };
    expectInvalid(() => toDayNumber('2024-02-30'));
    expectInvalid(() => toDayNumber('20240101'));
    expectInvalid(() => toDayNumber(new Date('not a date')));
    expectInvalid(() =>
      summarizeTransactions([{ customerId: 1, date: '2024-01-01', amount: Number.NaN }], {
        calibrationEnd: '2024-02-01',
      }),
    );
    expectInvalid(() =>
      summarizeTransactions([], { calibrationEnd: '2024-02-01', holdoutEnd: '2024-01-01' }),
    );
  });

  it('buckets Dates by their UTC day', () => {
    expect(toDayNumber(new Date('1997-01-01T00:00:00Z'))).toBe(toDayNumber('1997-01-01'));
    expect(toDayNumber(new Date('1997-01-01T23:59:59.999Z'))).toBe(toDayNumber('1997-01-01'));
    expect(toDayNumber('1997-09-30') - toDayNumber('1997-01-01')).toBe(272);
  });
});
