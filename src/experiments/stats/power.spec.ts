import { powerAtSamplePerArm, samplePerArmForPower } from './power';

describe('samplePerArmForPower', () => {
  it('sizes 10 % → 13 % at alpha 0.05 / power 0.8', () => {
    // By hand: (1.959964·√(2·0.115·0.885) + 0.841621·√(0.09 + 0.1131))² / 0.03² = 1773.98
    expect(samplePerArmForPower({ controlRate: 0.1, variantRate: 0.13 })).toBe(1774);
  });

  it('is the smallest n reaching the requested power', () => {
    for (const plan of [
      { controlRate: 0.1, variantRate: 0.13 },
      { controlRate: 0.02, variantRate: 0.025, alpha: 0.01, power: 0.9 },
      { controlRate: 0.5, variantRate: 0.45, power: 0.95 },
    ]) {
      const n = samplePerArmForPower(plan);
      expect(powerAtSamplePerArm(plan, n)).toBeGreaterThanOrEqual(plan.power ?? 0.8);
      expect(powerAtSamplePerArm(plan, n - 1)).toBeLessThan(plan.power ?? 0.8);
    }
  });

  it('quadruples when the effect halves (roughly) and is infinite without an effect', () => {
    const big = samplePerArmForPower({ controlRate: 0.1, variantRate: 0.12 });
    const small = samplePerArmForPower({ controlRate: 0.1, variantRate: 0.11 });
    expect(small / big).toBeGreaterThan(3.6);
    expect(small / big).toBeLessThan(4.1);
    expect(samplePerArmForPower({ controlRate: 0.1, variantRate: 0.1 })).toBe(Infinity);
    expect(() => samplePerArmForPower({ controlRate: 0, variantRate: 0.1 })).toThrow(RangeError);
  });
});
