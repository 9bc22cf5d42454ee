import { median, quantile, quantileSorted } from './quantile';

describe('quantile (numpy default, type 7)', () => {
  // Sorted sample 1, 3, 4, 7, 10; h = 4p. Expected values are numpy 2.4 `np.quantile` outputs, bit for bit.
  it.each([
    [0, 1],
    [0.1, 1.8], // h = 0.4: 1 + 0.4 · (3 − 1)
    [0.25, 3], // h = 1 exactly: no interpolation
    [0.5, 4],
    [0.9, 8.8], // h = 3.6: 10 − 0.4 · (10 − 7), interpolated from the upper end as numpy does
    [0.99, 9.879999999999999],
    [1, 10],
  ])('p = %p of [7, 1, 3, 10, 4] is %p', (p, expected) => {
    expect(quantile([7, 1, 3, 10, 4], p)).toBe(expected);
  });

  it('matches numpy to the last bit on an unsorted sample with negatives', () => {
    const sample = [
      -26.204, 4.423, -13.004, 10.392, 12.572, -43.447, -48.683, 33.747, -24.065, -26.567, 49.564, -2.974,
      33.646,
    ];
    const numpy: Array<[number, number]> = [
      [0.01, -48.05468],
      [0.13, -33.9942],
      [0.37, -19.198160000000005],
      [0.5, -2.974],
      [0.77, 17.629760000000005],
      [0.99, 47.665959999999984],
    ];
    for (const [p, expected] of numpy) expect(quantile(sample, p)).toBe(expected);
    expect(quantile([0.1, 0.2, 0.3], 0.7)).toBe(0.24);
    // gamma = 0.86: interpolating up from 1.6 would give 6.8116; numpy works down from 7.66.
    expect(quantile([7.97, 1.39, 7.66, 1.6], 0.62)).toBe(6.811599999999999);
  });

  it('gives 1.99 and 99.01 as the 1 % and 99 % points of 1..100', () => {
    const sample = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sample, 0.01)).toBeCloseTo(1.99, 12);
    expect(quantile(sample, 0.99)).toBeCloseTo(99.01, 12);
  });

  it('takes the mean of the middle pair as the median of an even sample, and leaves the input alone', () => {
    const sample = [4, 1, 3, 2];
    expect(median(sample)).toBe(2.5);
    expect(sample).toEqual([4, 1, 3, 2]);
    expect(median([5])).toBe(5);
    expect(quantileSorted(Float64Array.of(2, 8), 0.25)).toBe(3.5);
  });

  it('rejects an empty sample, NaN and probabilities outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(/empty/);
    expect(() => quantile([1, NaN], 0.5)).toThrow(/value 1 is NaN/);
    expect(() => quantile([1, 2], 1.01)).toThrow(/\[0, 1\]/);
    expect(() => quantile([1, 2], -0.1)).toThrow(/\[0, 1\]/);
    expect(() => quantile([1, 2], NaN)).toThrow(/\[0, 1\]/);
  });
});
