import { chiSquareTest2xK, liftConfidenceIntervals, twoProportionZTest } from './proportions';

// Reference experiment: control 100 / 1,000 vs variant 130 / 1,000.
const control = { n: 1000, conversions: 100 };
const variant = { n: 1000, conversions: 130 };

describe('twoProportionZTest', () => {
  it('matches the reference values', () => {
    const result = twoProportionZTest(control, variant);
    expect(result.pooledRate).toBeCloseTo(0.115, 12);
    expect(result.difference).toBeCloseTo(0.03, 12);
    expect(result.z).toBeCloseTo(2.1027, 4);
    expect(result.pValue).toBeCloseTo(0.03549, 5);
  });

  it('is antisymmetric in the arms', () => {
    const forward = twoProportionZTest(control, variant);
    const backward = twoProportionZTest(variant, control);
    expect(backward.z).toBeCloseTo(-forward.z, 14);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 14);
  });

  it('reports no evidence when nobody (or everybody) converted', () => {
    expect(twoProportionZTest({ n: 50, conversions: 0 }, { n: 70, conversions: 0 })).toMatchObject({
      z: 0,
      pValue: 1,
    });
    expect(twoProportionZTest({ n: 50, conversions: 50 }, { n: 70, conversions: 70 })).toMatchObject({
      z: 0,
      pValue: 1,
    });
  });

  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest({ n: 10, conversions: 11 }, variant)).toThrow(/control.conversions/);
    expect(() => twoProportionZTest(control, { n: 0, conversions: 0 })).toThrow(/variant.n/);
    expect(() => twoProportionZTest(control, { n: 10.5, conversions: 1 })).toThrow(RangeError);
  });
});

describe('chiSquareTest2xK', () => {
  it('matches the reference values and equals z² for two groups', () => {
    const result = chiSquareTest2xK([control, variant]);
    expect(result.statistic).toBeCloseTo(4.4215, 4);
    expect(result.df).toBe(1);
    expect(result.pValue).toBeCloseTo(0.03549, 5);
    const { z, pValue } = twoProportionZTest(control, variant);
    expect(result.statistic).toBeCloseTo(z * z, 10);
    expect(result.pValue).toBeCloseTo(pValue, 12);
  });

  it('handles k > 2 (scipy.stats.chi2_contingency, correction=False)', () => {
    const result = chiSquareTest2xK([control, variant, { n: 1000, conversions: 150 }]);
    expect(result.statistic).toBeCloseTo(11.450381679389313, 10);
    expect(result.df).toBe(2);
    expect(result.pValue).toBeCloseTo(0.0032627305580549435, 12);
  });

  it('gives statistic 0 for identical rates and needs two groups', () => {
    expect(
      chiSquareTest2xK([
        { n: 200, conversions: 20 },
        { n: 400, conversions: 40 },
      ]),
    ).toMatchObject({ statistic: 0, pValue: 1 });
    expect(() => chiSquareTest2xK([control])).toThrow(RangeError);
  });
});

describe('liftConfidenceIntervals', () => {
  it('matches the reference Wald interval for the absolute lift', () => {
    const lift = liftConfidenceIntervals(control, variant);
    expect(lift.absolute).toBeCloseTo(0.03, 12);
    expect(lift.absoluteInterval.lower).toBeCloseTo(0.00207, 5);
    expect(lift.absoluteInterval.upper).toBeCloseTo(0.05793, 5);
  });

  it('computes the relative lift interval on the log-ratio scale', () => {
    const lift = liftConfidenceIntervals(control, variant);
    expect(lift.relative).toBeCloseTo(0.3, 12);
    // By hand: ln(1.3) ± 1.959964 · sqrt(0.9/100 + 0.87/130) = 0.262364 ± 0.245523 → [+1.698 %, +66.18 %]
    const logSe = Math.sqrt(0.9 / 100 + 0.87 / 130);
    expect(lift.relativeInterval!.lower).toBeCloseTo(
      Math.exp(Math.log(1.3) - 1.959963984540054 * logSe) - 1,
      12,
    );
    expect(lift.relativeInterval!.lower).toBeCloseTo(0.016984, 6);
    expect(lift.relativeInterval!.upper).toBeCloseTo(0.661776, 6);
    // Asymmetric around the point estimate, as a ratio interval should be.
    expect(lift.relativeInterval!.upper - 0.3).toBeGreaterThan(0.3 - lift.relativeInterval!.lower);
  });

  it('widens with confidence and covers the truth at the nominal rate in simulation', () => {
    const narrow = liftConfidenceIntervals(control, variant, 0.8);
    const wide = liftConfidenceIntervals(control, variant, 0.99);
    expect(wide.absoluteInterval.upper - wide.absoluteInterval.lower).toBeGreaterThan(
      narrow.absoluteInterval.upper - narrow.absoluteInterval.lower,
    );
    // Deterministic LCG so the coverage count is reproducible.
    let state = 12345;
    const uniform = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const draw = (n: number, p: number): number => {
      let x = 0;
      for (let i = 0; i < n; i++) if (uniform() < p) x++;
      return x;
    };
    let covered = 0;
    const runs = 1000;
    for (let r = 0; r < runs; r++) {
      const { absoluteInterval } = liftConfidenceIntervals(
        { n: 800, conversions: draw(800, 0.2) },
        { n: 800, conversions: draw(800, 0.25) },
      );
      if (absoluteInterval.lower <= 0.05 && 0.05 <= absoluteInterval.upper) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.93);
    expect(covered / runs).toBeLessThan(0.97);
  });

  it('leaves the relative lift undefined when the logs are', () => {
    const zeroControl = liftConfidenceIntervals({ n: 100, conversions: 0 }, { n: 100, conversions: 4 });
    expect(zeroControl.relative).toBeNull();
    expect(zeroControl.relativeInterval).toBeNull();
    const zeroVariant = liftConfidenceIntervals({ n: 100, conversions: 5 }, { n: 100, conversions: 0 });
    expect(zeroVariant.relative).toBe(-1);
    expect(zeroVariant.relativeInterval).toBeNull();
  });
});
