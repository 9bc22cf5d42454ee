import { Cell, Row } from './row';
import { applyFillImputer, fitMedianImputer, fitMissingCategoryImputer, fitModeImputer } from './impute-fill';

const column = (values: Cell[]): Row[] => values.map((x) => ({ x }));

describe('median imputation', () => {
  it.each<[string, Cell[], number]>([
    ['odd count, missing as null / NaN / undefined', [3, null, 1, NaN, 10, undefined], 3],
    ['even count: mean of the middle pair', [4, 1, null, 2, 3], 2.5],
    ['single observation', [null, -7, null], -7],
    ['skewed: the median ignores the outlier', [1, 2, 2, 3, 1000], 2],
  ])('%s', (_, values, expected) => {
    const params = fitMedianImputer(column(values), { columns: ['x'] });
    expect(params).toEqual({ type: 'impute-median', fill: { x: expected } });
    const filled = applyFillImputer(params, column(values)).map((row) => row.x);
    expect(filled).toEqual(
      values.map((v) => (v === null || v === undefined || Number.isNaN(v) ? expected : v)),
    );
  });

  it('fills new rows with the stored training median, not their own', () => {
    const params = fitMedianImputer(column([1, 2, 3]), { columns: ['x'] });
    const fresh = applyFillImputer(params, column([100, null, 300]));
    expect(fresh.map((row) => row.x)).toEqual([100, 2, 300]);
  });

  it('refuses a column with nothing observed or with text in it', () => {
    expect(() => fitMedianImputer(column([null, NaN]), { columns: ['x'] })).toThrow(
      /'x' has no observed values/,
    );
    expect(() => fitMedianImputer(column([1, 'two']), { columns: ['x'] })).toThrow(
      /row 1, column 'x'.*"two"/,
    );
    expect(() => fitMedianImputer(column([1]), { columns: [] })).toThrow(/at least one column/);
  });
});

describe('mode imputation', () => {
  it.each<[string, Cell[], number | string]>([
    ['clear winner', ['a', 'b', 'b', null, 'a', 'c', 'b'], 'b'],
    ['tie between strings goes to the smaller', ['z', 'y', 'z', 'y', null], 'y'],
    ['tie between numbers goes to the smaller', [3, 1, 3, 1], 1],
    ['the number 2 and the string "2" are different values; numbers sort first', [2, '2', '2', 2], 2],
    ['missing cells are not a category', [null, null, null, 'email'], 'email'],
  ])('%s', (_, values, expected) => {
    const params = fitModeImputer(column(values), { columns: ['x'] });
    expect(params.fill.x).toBe(expected);
  });

  it('does not depend on row order', () => {
    const values: Cell[] = ['sms', 'push', 'email', 'push', 'sms', 'email'];
    const forward = fitModeImputer(column(values), { columns: ['x'] });
    const backward = fitModeImputer(column([...values].reverse()), { columns: ['x'] });
    expect(forward.fill.x).toBe('email');
    expect(backward.fill.x).toBe('email');
  });
});

describe("the 'missing' category", () => {
  it('labels missing cells and nothing else, per column, with a configurable label', () => {
    const rows: Row[] = [
      { channel: 'email', region: null, spend: null },
      { channel: undefined, region: 'EU', spend: 5 },
    ];
    const params = fitMissingCategoryImputer(rows, { columns: ['channel', 'region'] });
    expect(applyFillImputer(params, rows)).toEqual([
      { channel: 'email', region: 'missing', spend: null },
      { channel: 'missing', region: 'EU', spend: 5 },
    ]);
    const custom = fitMissingCategoryImputer(rows, { columns: ['region'], category: '(unknown)' });
    expect(applyFillImputer(custom, rows)[0].region).toBe('(unknown)');
    expect(() => fitMissingCategoryImputer(rows, { columns: ['region'], category: '' })).toThrow(/non-empty/);
  });
});

describe('fill imputers in general', () => {
  it('leave the input rows and unlisted columns untouched', () => {
    const rows: Row[] = [
      { id: 'a', x: null, y: null },
      { id: 'b', x: 4, y: 'k' },
    ];
    const snapshot = JSON.parse(JSON.stringify(rows));
    const out = applyFillImputer(fitMedianImputer(rows, { columns: ['x'] }), rows);
    expect(out).toEqual([
      { id: 'a', x: 4, y: null },
      { id: 'b', x: 4, y: 'k' },
    ]);
    expect(JSON.parse(JSON.stringify(rows))).toEqual(snapshot);
    expect(out[1]).not.toBe(rows[1]);
  });

  it('survive a JSON round trip of their parameters', () => {
    const rows: Row[] = [
      { x: 1, c: 'a' },
      { x: 5, c: 'a' },
      { x: null, c: null },
    ];
    for (const params of [
      fitMedianImputer(rows, { columns: ['x'] }),
      fitModeImputer(rows, { columns: ['c'] }),
      fitMissingCategoryImputer(rows, { columns: ['c'] }),
    ]) {
      const stored = JSON.parse(JSON.stringify(params));
      expect(stored).toEqual(params);
      expect(applyFillImputer(stored, rows)).toEqual(applyFillImputer(params, rows));
    }
    expect(
      applyFillImputer(JSON.parse(JSON.stringify(fitMedianImputer(rows, { columns: ['x'] }))), rows)[2].x,
    ).toBe(3);
  });
});
