import { Row } from './row';
import { applyWinsorizer, fitWinsorizer } from './winsorize';

const column = (values: Array<number | null>): Row[] => values.map((x) => ({ x }));
const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('winsorizing', () => {
  it('fits the 1 % and 99 % quantiles by default and clamps to them', () => {
    // Type-7 quantiles of 1..100: 1 + 0.99 · 1 = 1.99 and 99 + 0.01 · 1 = 99.01.
    const params = fitWinsorizer(column(oneToHundred), { columns: ['x'] });
    expect(params.probabilities).toEqual({ lower: 0.01, upper: 0.99 });
    expect(params.bounds.x.lower).toBeCloseTo(1.99, 12);
    expect(params.bounds.x.upper).toBeCloseTo(99.01, 12);
    const out = applyWinsorizer(params, column([1, 50, 100, null])).map((row) => row.x);
    expect(out[0]).toBeCloseTo(1.99, 12);
    expect(out[1]).toBe(50);
    expect(out[2]).toBeCloseTo(99.01, 12);
    expect(out[3]).toBeNull();
  });

  it.each<[number, number, Array<number | null>, number[]]>([
    // Sorted 0, 10, 20, 30, 1000; h = 4p. 25 % → 10, 75 % → 30.
    [0.25, 0.75, [1000, 0, 20, 10, 30], [30, 10, 20, 10, 30]],
    // 10 % → h = 0.4 → 4; 90 % → h = 3.6 → 30 + 0.6 · 970 = 612.
    [0.1, 0.9, [1000, 0, 20, 10, 30], [612, 4, 20, 10, 30]],
    // 0 and 1 are the sample extremes: nothing changes.
    [0, 1, [1000, 0, 20, 10, 30], [1000, 0, 20, 10, 30]],
  ])('bounds at %p / %p', (lower, upper, values, expected) => {
    const params = fitWinsorizer(column(values), { columns: ['x'], lower, upper });
    const out = applyWinsorizer(params, column(values)).map((row) => row.x as number);
    out.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 9));
  });

  it('clamps new rows to the training bounds and round-trips through JSON', () => {
    const params = fitWinsorizer(column([0, 10, 20, 30, 40]), { columns: ['x'], lower: 0.25, upper: 0.75 });
    expect(params.bounds.x).toEqual({ lower: 10, upper: 30 });
    const stored = JSON.parse(JSON.stringify(params));
    expect(applyWinsorizer(stored, column([-5, 25, 1e9])).map((row) => row.x)).toEqual([10, 25, 30]);
  });

  it('rejects inverted or out-of-range probabilities and empty columns', () => {
    expect(() => fitWinsorizer(column([1, 2]), { columns: ['x'], lower: 0.9, upper: 0.1 })).toThrow(
      /lower ≤ upper/,
    );
    expect(() => fitWinsorizer(column([1, 2]), { columns: ['x'], upper: 1.5 })).toThrow(/≤ 1/);
    expect(() => fitWinsorizer(column([null]), { columns: ['x'] })).toThrow(/no observed values/);
  });
});
