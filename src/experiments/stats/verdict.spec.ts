import { samplePerArmForPower } from './power';
import { liftConfidenceIntervals, twoProportionZTest } from './proportions';
import { mixingVarianceFor, sequentialLook, sequentialSamplePerArm } from './sequential';
import { experimentVerdict, type VerdictArm } from './verdict';

const control: VerdictArm = { name: 'Control', n: 1000, conversions: 100 };
const arm = (name: string, n: number, conversions: number): VerdictArm => ({ name, n, conversions });

describe('experimentVerdict', () => {
  it('declares the reference variant a winner and explains why', () => {
    const verdict = experimentVerdict([control, arm('B', 1000, 130)]);
    expect(verdict.status).toBe('winner');
    expect(verdict.winner).toBe('B');
    expect(verdict.method).toBe('fixed-horizon');
    const [b] = verdict.arms;
    expect(b.status).toBe('winner');
    expect(b.pValue).toBeCloseTo(0.03549, 5);
    expect(b.adjustedPValue).toBe(b.pValue);
    expect(b.interval.lower).toBeCloseTo(0.00207, 5);
    expect(b.relativeLift).toBeCloseTo(0.3, 12);
    expect(verdict.headline).toBe(
      'B wins: 13.00% vs 10.00% (+3.00 pts, +30.0%; 95% CI +0.21 pts to +5.79 pts), p = 0.035.',
    );
  });

  it('calls a significantly worse variant harmful', () => {
    const verdict = experimentVerdict([control, arm('B', 1000, 70)]);
    expect(verdict.status).toBe('harmful');
    expect(verdict.winner).toBeNull();
    expect(verdict.arms[0].status).toBe('harmful');
    expect(verdict.arms[0].pValue).toBeCloseTo(twoProportionZTest(control, arm('B', 1000, 70)).pValue, 14);
    expect(verdict.headline).toMatch(/^Keep Control: every variant converts worse \(B: 7\.00% vs 10\.00%/);
  });

  it('sizes the remaining sample at the minimum detectable effect', () => {
    const verdict = experimentVerdict([control, arm('B', 1000, 105)], {
      minimumDetectableEffect: { relative: 0.1 },
    });
    expect(verdict.status).toBe('no-difference-yet');
    const [b] = verdict.arms;
    expect(b.effectBasis).toBe('minimum-detectable-effect');
    // Planning baseline shrinks the control by half a conversion: 100.5 / 1001.
    const baseline = 100.5 / 1001;
    const required = samplePerArmForPower({ controlRate: baseline, variantRate: baseline * 1.1 });
    expect(b.additionalSamplePerArm).toBe(required - 1000);
    expect(verdict.headline).toContain(
      `About ${(required - 1000).toLocaleString('en-US')} more recipients per arm`,
    );
  });

  it('sizes at the observed effect when no minimum is configured', () => {
    const verdict = experimentVerdict([control, arm('B', 1000, 105)]);
    const [b] = verdict.arms;
    expect(b.effectBasis).toBe('observed');
    const baseline = 100.5 / 1001;
    expect(b.additionalSamplePerArm).toBe(
      samplePerArmForPower({ controlRate: baseline, variantRate: baseline + 0.005 }) - 1000,
    );
    expect(b.additionalSamplePerArm).toBeGreaterThan(50_000);
  });

  it('says when the test is already powered for the minimum effect', () => {
    const verdict = experimentVerdict([arm('Control', 100_000, 10_000), arm('B', 100_000, 10_010)], {
      minimumDetectableEffect: { absolute: 0.01 },
    });
    expect(verdict.status).toBe('no-difference-yet');
    expect(verdict.arms[0].additionalSamplePerArm).toBe(0);
    expect(verdict.headline).toMatch(/already has 80% power/);
  });

  it('cannot size a test with no observed difference and no minimum effect', () => {
    const verdict = experimentVerdict([control, arm('B', 1000, 100)]);
    expect(verdict.arms[0].additionalSamplePerArm).toBeNull();
    expect(verdict.headline).toMatch(/Set a minimum detectable effect/);
  });

  it('Holm-adjusts across variants, so a lone p = 0.035 among three is not a winner', () => {
    const arms = [control, arm('B', 1000, 130), arm('C', 1000, 100), arm('D', 1000, 102)];
    const verdict = experimentVerdict(arms);
    const [b] = verdict.arms;
    expect(b.pValue).toBeCloseTo(0.03549, 5);
    expect(b.adjustedPValue).toBeCloseTo(3 * b.pValue, 12);
    expect(verdict.status).toBe('no-difference-yet');
    // Intervals are Bonferroni-widened, so B's no longer excludes zero either.
    expect(b.interval.lower).toBeCloseTo(
      liftConfidenceIntervals(control, arms[1], 1 - 0.05 / 3).absoluteInterval.lower,
      14,
    );
    expect(b.interval.lower).toBeLessThan(0);
    expect(b.summary).toContain('98.3% CI');
    // Planning uses alpha / 3 as well.
    const baseline = 100.5 / 1001;
    expect(b.additionalSamplePerArm).toBe(
      samplePerArmForPower({ controlRate: baseline, variantRate: baseline + 0.03, alpha: 0.05 / 3 }) - 1000,
    );
  });

  it('names the best of several winners', () => {
    const verdict = experimentVerdict([arm('Control', 5000, 500), arm('B', 5000, 620), arm('C', 5000, 680)]);
    expect(verdict.status).toBe('winner');
    expect(verdict.winner).toBe('C');
    expect(verdict.headline).toMatch(/^C wins: .* B also beat Control\.$/);
  });

  it('refuses to call a winner when the split is off (sample-ratio mismatch)', () => {
    const verdict = experimentVerdict([control, arm('B', 1200, 160)], { expectedWeights: [0.5, 0.5] });
    expect(verdict.arms[0].status).toBe('winner');
    expect(verdict.status).toBe('sample-ratio-mismatch');
    expect(verdict.winner).toBeNull();
    expect(verdict.srm?.mismatch).toBe(true);
    expect(verdict.headline).toMatch(/1,000 \/ 1,200 recipients/);
    expect(experimentVerdict([control, arm('B', 1010, 140)], { expectedWeights: [0.5, 0.5] }).status).toBe(
      'winner',
    );
  });

  it('uses always-valid p-values and intervals when asked, which are more cautious', () => {
    const sequential = { mixingVariance: mixingVarianceFor({ baselineRate: 0.1, samplesPerArm: 2000 }) };
    const variant = arm('B', 1000, 130);
    const verdict = experimentVerdict([control, variant], { sequential });
    expect(verdict.method).toBe('always-valid');
    const look = sequentialLook(control, variant, sequential);
    expect(verdict.arms[0].pValue).toBe(look.pValue);
    expect(verdict.arms[0].interval).toEqual(look.interval);
    expect(verdict.status).toBe('no-difference-yet');
    const baseline = 100.5 / 1001;
    expect(verdict.arms[0].additionalSamplePerArm).toBe(
      sequentialSamplePerArm({ controlRate: baseline, variantRate: baseline + 0.03 }, sequential) - 1000,
    );
    expect(verdict.arms[0].summary).toContain('95% always-valid interval');
  });

  it('validates its input', () => {
    expect(() => experimentVerdict([control])).toThrow(RangeError);
    expect(() =>
      experimentVerdict([control, arm('B', 10, 1)], { minimumDetectableEffect: { relative: 0 } }),
    ).toThrow(/minimumDetectableEffect/);
    expect(() => experimentVerdict([control, arm('B', 10, 11)])).toThrow(/variant.conversions/);
  });
});
