import { sampleRatioMismatch } from './srm';

describe('sampleRatioMismatch', () => {
  it('flags the classic 50/50 mismatch (821,588 vs 815,482 users)', () => {
    // Fabijan et al., "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments" (KDD 2019):
    // a 0.37 % imbalance that looks harmless is a p ≈ 1.8e-6 mismatch.
    const result = sampleRatioMismatch([821588, 815482], [0.5, 0.5]);
    const expected = (821588 + 815482) / 2;
    const byHand = (2 * (821588 - expected) ** 2) / expected;
    expect(result.statistic).toBeCloseTo(byHand, 9);
    expect(result.statistic).toBeCloseTo(22.7744, 4);
    expect(result.pValue).toBeCloseTo(1.8218e-6, 9);
    expect(result.mismatch).toBe(true);
  });

  it('accepts a split consistent with the weights, whatever their scale', () => {
    const result = sampleRatioMismatch([5030, 2980, 1990], [50, 30, 20]);
    expect(result.df).toBe(2);
    expect(result.expected).toEqual([5000, 3000, 2000]);
    expect(result.statistic).toBeCloseTo(30 ** 2 / 5000 + 20 ** 2 / 3000 + 10 ** 2 / 2000, 12);
    expect(result.pValue).toBeGreaterThan(0.5);
    expect(result.mismatch).toBe(false);
  });

  it('uses the strict 0.001 threshold by default', () => {
    // p ≈ 0.003: would alarm at 0.05, does not at 0.001.
    const result = sampleRatioMismatch([10150, 9850], [0.5, 0.5]);
    expect(result.pValue).toBeGreaterThan(0.001);
    expect(result.pValue).toBeLessThan(0.05);
    expect(result.mismatch).toBe(false);
    expect(sampleRatioMismatch([10150, 9850], [0.5, 0.5], 0.05).mismatch).toBe(true);
  });

  it('treats traffic into a zero-weight arm as a mismatch and ignores an empty one', () => {
    expect(sampleRatioMismatch([500, 500, 3], [0.5, 0.5, 0])).toMatchObject({ mismatch: true, pValue: 0 });
    const ignored = sampleRatioMismatch([500, 500, 0], [0.5, 0.5, 0]);
    expect(ignored.df).toBe(1);
    expect(ignored.pValue).toBe(1);
  });

  it('validates its input', () => {
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([1, -2], [1, 1])).toThrow(/observed\[1\]/);
    expect(() => sampleRatioMismatch([1, 2], [0, 0])).toThrow(/zero/);
  });
});
