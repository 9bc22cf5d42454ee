import { studentTCdf } from './distributions';
import { summarize, welchTTest } from './welch';

describe('welchTTest', () => {
  it('matches a hand-checked example', () => {
    // Control n=10, mean 5, s²=4; variant n=20, mean 6.5, s²=9.
    //   se² = 4/10 + 9/20 = 0.85, t = 1.5 / √0.85 = 1.626978
    //   df = 0.85² / ((0.4)²/9 + (0.45)²/19) = 0.7225 / 0.0284357 = 25.4082
    //   two-sided p = 0.11608, 95 % CI = 1.5 ± t(0.975; 25.408) · √0.85 = 1.5 ± 1.89726
    const result = welchTTest({ n: 10, mean: 5, variance: 4 }, { n: 20, mean: 6.5, variance: 9 });
    expect(result.difference).toBe(1.5);
    expect(result.standardError).toBeCloseTo(Math.sqrt(0.85), 14);
    expect(result.t).toBeCloseTo(1.626978, 6);
    expect(result.df).toBeCloseTo(25.408226, 5);
    expect(result.pValue).toBeCloseTo(0.11608, 5);
    expect(result.interval.lower).toBeCloseTo(-0.39726, 5);
    expect(result.interval.upper).toBeCloseTo(3.39726, 5);
    // The p-value is the t tail at the fractional df.
    expect(result.pValue).toBeCloseTo(2 * studentTCdf(-result.t, result.df), 14);
  });

  it('matches the worked example from raw data (Wikipedia, "Welch\'s t-test", example 1)', () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const result = welchTTest(summarize(a), summarize(b));
    expect(result.t).toBeCloseTo(2.455356, 5);
    expect(result.df).toBeCloseTo(24.98853, 4);
    expect(result.pValue).toBeCloseTo(0.021378, 5);
    expect(result.interval.lower).toBeGreaterThan(0);
  });

  it('reduces to the pooled t-test df when variances and sizes are equal', () => {
    const result = welchTTest({ n: 30, mean: 10, variance: 4 }, { n: 30, mean: 11, variance: 4 });
    expect(result.df).toBeCloseTo(58, 10);
  });

  it('handles constant arms and rejects bad summaries', () => {
    expect(welchTTest({ n: 5, mean: 2, variance: 0 }, { n: 5, mean: 2, variance: 0 })).toMatchObject({
      pValue: 1,
      t: 0,
    });
    expect(welchTTest({ n: 5, mean: 2, variance: 0 }, { n: 5, mean: 3, variance: 0 })).toMatchObject({
      pValue: 0,
    });
    expect(() => welchTTest({ n: 1, mean: 2, variance: 0 }, { n: 5, mean: 3, variance: 1 })).toThrow(
      /control.n/,
    );
    expect(() => welchTTest({ n: 5, mean: 2, variance: -1 }, { n: 5, mean: 3, variance: 1 })).toThrow(
      /variance/,
    );
  });
});

describe('summarize', () => {
  it('computes the mean and n - 1 variance stably', () => {
    const s = summarize([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(1e9 + 2.5);
    expect(s.variance).toBeCloseTo(5 / 3, 8);
  });
});
