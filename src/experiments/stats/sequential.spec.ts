import { createSeededRandom, type RandomSource } from '../assignment/prng';
import { normalQuantile } from './distributions';
import { samplePerArmForPower } from './power';
import { twoProportionZTest } from './proportions';
import {
  boundaryHalfWidth,
  DEFAULT_BASELINE_RATE,
  mixingVarianceFor,
  mixingVarianceFromControl,
  runSequential,
  sequentialLook,
  sequentialSamplePerArm,
  type SequentialLook,
} from './sequential';

function binomial(n: number, p: number, random: RandomSource): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (random() < p) x++;
  return x;
}

interface Simulation {
  days: number;
  perDay: number;
  controlRate: number;
  variantRate: number;
}

/** Cumulative daily totals of one simulated experiment. */
function simulate(
  sim: Simulation,
  random: RandomSource,
): Array<{ control: { n: number; conversions: number }; variant: { n: number; conversions: number } }> {
  const looks = [];
  let c = 0;
  let v = 0;
  for (let day = 1; day <= sim.days; day++) {
    c += binomial(sim.perDay, sim.controlRate, random);
    v += binomial(sim.perDay, sim.variantRate, random);
    looks.push({
      control: { n: day * sim.perDay, conversions: c },
      variant: { n: day * sim.perDay, conversions: v },
    });
  }
  return looks;
}

describe('sequential test under daily peeking', () => {
  it('keeps the A/A false-positive rate at or below 5 % while naive daily z-tests exceed it', () => {
    const random = createSeededRandom(20240601);
    const sim = { days: 30, perDay: 200, controlRate: 0.1, variantRate: 0.1 };
    const options = {
      alpha: 0.05,
      mixingVariance: mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: 30 * 200 }),
    };
    const experiments = 500;
    let sequentialFalsePositives = 0;
    let naiveFalsePositives = 0;
    for (let e = 0; e < experiments; e++) {
      const looks = simulate(sim, random);
      const sequential = runSequential(looks, options);
      if (sequential.some((look) => look.significant)) sequentialFalsePositives++;
      if (looks.some((look) => twoProportionZTest(look.control, look.variant).pValue < 0.05))
        naiveFalsePositives++;
    }
    const sequentialRate = sequentialFalsePositives / experiments;
    const naiveRate = naiveFalsePositives / experiments;
    expect(sequentialRate).toBeLessThanOrEqual(0.05);
    // Thirty peeks at a 5 % test: the classic inflation to roughly 25 %.
    expect(naiveRate).toBeGreaterThan(0.15);
    expect(naiveRate).toBeGreaterThan(3 * sequentialRate);
  });

  it('also holds at a low base rate with uneven arm sizes', () => {
    const random = createSeededRandom(99);
    const options = { mixingVariance: mixingVarianceFor({ baselineRate: 0.02, samplesPerArm: 15_000 }) };
    let falsePositives = 0;
    const experiments = 300;
    for (let e = 0; e < experiments; e++) {
      let state: SequentialLook | undefined;
      const control = { n: 0, conversions: 0 };
      const variant = { n: 0, conversions: 0 };
      for (let day = 0; day < 30; day++) {
        control.n += 700;
        control.conversions += binomial(700, 0.02, random);
        variant.n += 300;
        variant.conversions += binomial(300, 0.02, random);
        state = sequentialLook(control, variant, options, state);
      }
      if (state!.significant) falsePositives++;
    }
    expect(falsePositives / experiments).toBeLessThanOrEqual(0.05);
  });

  it('detects a real lift and its confidence sequence covers the truth at every look', () => {
    const random = createSeededRandom(7);
    const sim = { days: 30, perDay: 200, controlRate: 0.1, variantRate: 0.13 };
    const options = { mixingVariance: mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: 6000 }) };
    const experiments = 200;
    let detected = 0;
    let alwaysCovered = 0;
    for (let e = 0; e < experiments; e++) {
      const results = runSequential(simulate(sim, random), options);
      if (results[results.length - 1].significant) detected++;
      if (results.every((r) => r.interval.lower <= 0.03 && 0.03 <= r.interval.upper)) alwaysCovered++;
    }
    expect(detected / experiments).toBeGreaterThan(0.9);
    expect(alwaysCovered / experiments).toBeGreaterThanOrEqual(0.95);
  });
});

describe('mixing variance from the observed control rate', () => {
  /** Fraction of A/A experiments (30 daily looks, τ² re-derived from the control at every look) ever significant. */
  function falsePositiveRate(rate: number, perDay: number, experiments: number, seed: number): number {
    const random = createSeededRandom(seed);
    const sim = { days: 30, perDay, controlRate: rate, variantRate: rate };
    let falsePositives = 0;
    for (let e = 0; e < experiments; e++) {
      let state: SequentialLook | undefined;
      for (const look of simulate(sim, random)) {
        const mixingVariance = mixingVarianceFromControl(look.control, { samplesPerArm: 30 * perDay });
        state = sequentialLook(look.control, look.variant, { mixingVariance }, state);
      }
      if (state!.significant) falsePositives++;
    }
    return falsePositives / experiments;
  }

  it('keeps the A/A false-positive rate at or below 5 % at low and high base rates', () => {
    expect(falsePositiveRate(0.02, 500, 300, 11)).toBeLessThanOrEqual(0.05);
    expect(falsePositiveRate(0.4, 200, 300, 12)).toBeLessThanOrEqual(0.05);
  });

  it('starts from the documented default and follows the control once it has data', () => {
    const plan = { samplesPerArm: 5000 };
    expect(mixingVarianceFromControl({ n: 0, conversions: 0 }, plan)).toBeCloseTo(
      mixingVarianceFor({ baselineRate: DEFAULT_BASELINE_RATE, ...plan }),
      15,
    );
    const observed = mixingVarianceFromControl({ n: 100_000, conversions: 2_000 }, plan);
    expect(observed / mixingVarianceFor({ baselineRate: 0.02, ...plan })).toBeCloseTo(1, 2);
    // a 0 % control still gives a usable τ²
    expect(mixingVarianceFromControl({ n: 50, conversions: 0 }, plan)).toBeGreaterThan(0);
  });

  it('is narrower at the planned size than a τ² fixed for a 10 % baseline when the real rate is 2 %', () => {
    const n = 5000;
    const v = (2 * 0.02 * 0.98) / n;
    const derived = mixingVarianceFromControl({ n, conversions: 100 }, { samplesPerArm: n });
    const fixed = mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: n });
    expect(boundaryHalfWidth(v, { mixingVariance: derived })).toBeLessThan(
      0.97 * boundaryHalfWidth(v, { mixingVariance: fixed }),
    );
  });
});

describe('sequentialLook', () => {
  const options = { mixingVariance: mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: 2000 }) };

  it('carries a non-increasing p-value and a shrinking interval', () => {
    const looks = [
      { control: { n: 500, conversions: 50 }, variant: { n: 500, conversions: 62 } },
      { control: { n: 1000, conversions: 100 }, variant: { n: 1000, conversions: 130 } },
      { control: { n: 1500, conversions: 160 }, variant: { n: 1500, conversions: 180 } },
      { control: { n: 2000, conversions: 200 }, variant: { n: 2000, conversions: 262 } },
    ];
    const results = runSequential(looks, options);
    for (let i = 1; i < results.length; i++) {
      expect(results[i].pValue).toBeLessThanOrEqual(results[i - 1].pValue);
      expect(results[i].pValue).toBeLessThanOrEqual(results[i].lookPValue);
      expect(results[i].interval.lower).toBeGreaterThanOrEqual(results[i - 1].interval.lower);
      expect(results[i].interval.upper).toBeLessThanOrEqual(results[i - 1].interval.upper);
    }
    // At the reference totals it is more cautious than the fixed-horizon test (p = 0.0355).
    expect(results[1].lookPValue).toBeGreaterThan(0.0355);
    expect(results[3].significant).toBe(true);
  });

  it('rejects exactly where the difference crosses the mixture boundary', () => {
    const control = { n: 1000, conversions: 100 };
    const variant = { n: 1000, conversions: 130 };
    const pooled = 0.115;
    const pooledVariance = pooled * (1 - pooled) * (2 / 1000);
    const look = sequentialLook(control, variant, options);
    // p = alpha exactly when |difference| equals the boundary at the pooled variance.
    const atBoundary = (alpha: number): number => boundaryHalfWidth(pooledVariance, { ...options, alpha });
    expect(atBoundary(look.lookPValue)).toBeCloseTo(0.03, 12);
    // And the interval is the unpooled boundary around the estimate.
    const unpooled = (0.1 * 0.9) / 1000 + (0.13 * 0.87) / 1000;
    expect(look.lookInterval.upper - look.difference).toBeCloseTo(boundaryHalfWidth(unpooled, options), 14);
  });

  it('is uninformative when nobody has converted yet', () => {
    const look = sequentialLook({ n: 100, conversions: 0 }, { n: 100, conversions: 0 }, options);
    expect(look.pValue).toBe(1);
    expect(look.interval).toEqual({ lower: -1, upper: 1 });
  });

  it('validates its options', () => {
    expect(() =>
      sequentialLook({ n: 10, conversions: 1 }, { n: 10, conversions: 2 }, { mixingVariance: 0 }),
    ).toThrow(/mixingVariance/);
    expect(() => mixingVarianceFor({ baselineRate: 0, samplesPerArm: 100 })).toThrow(RangeError);
  });
});

describe('boundary and planning', () => {
  it('tunes τ² to minimise the boundary at the planned sample size', () => {
    const tau2 = mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: 5000 });
    const v = (2 * 0.1 * 0.9) / 5000;
    const best = boundaryHalfWidth(v, { mixingVariance: tau2 });
    for (const factor of [0.25, 0.5, 0.9, 1.1, 2, 4]) {
      expect(boundaryHalfWidth(v, { mixingVariance: tau2 * factor })).toBeGreaterThan(best);
    }
    // Always-valid costs width: wider than the fixed-horizon 95 % interval, but not absurdly so.
    const ratio = best / (normalQuantile(0.975) * Math.sqrt(v));
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThan(2);
  });

  it('needs more recipients than a fixed-horizon test, and delivers the power it promises', () => {
    const options = { mixingVariance: mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: 3000 }) };
    const plan = { controlRate: 0.1, variantRate: 0.13 };
    const n = sequentialSamplePerArm(plan, options);
    expect(n).toBeGreaterThan(samplePerArmForPower(plan));
    expect(sequentialSamplePerArm({ controlRate: 0.1, variantRate: 0.1 }, options)).toBe(Infinity);
    // Simulate a single look at n: the rejection rate should be close to 80 %.
    const random = createSeededRandom(3);
    let rejected = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      const control = { n, conversions: binomial(n, 0.1, random) };
      const variant = { n, conversions: binomial(n, 0.13, random) };
      if (sequentialLook(control, variant, options).significant) rejected++;
    }
    expect(rejected / runs).toBeGreaterThan(0.72);
    expect(rejected / runs).toBeLessThan(0.88);
  });
});
