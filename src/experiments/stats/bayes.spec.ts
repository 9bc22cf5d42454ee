import {
  CLOSED_FORM_MAX_TERMS,
  compareArms,
  expectedLoss,
  expectedLossMulti,
  posteriorFor,
  probabilityBest,
  probabilityGreater,
  type BetaPosterior,
} from './bayes';
import { normalCdf } from './distributions';

const control = posteriorFor({ n: 1000, conversions: 100 }); // Beta(101, 901)
const variant = posteriorFor({ n: 1000, conversions: 130 }); // Beta(131, 871)
const mean = (p: BetaPosterior): number => p.alpha / (p.alpha + p.beta);

describe('probabilityGreater (closed form)', () => {
  it('matches the reference value', () => {
    expect(control).toEqual({ alpha: 101, beta: 901 });
    const p = probabilityGreater(variant, control);
    expect(p).toBeCloseTo(0.98217, 4);
    // scipy.integrate.quad of the density product, abs error 1e-9
    expect(p).toBeCloseTo(0.9821650661163506, 9);
    expect(probabilityGreater(control, variant)).toBeCloseTo(1 - p, 12);
  });

  it('agrees with independent quadrature', () => {
    for (const [a, b] of [
      [
        { alpha: 3, beta: 8 },
        { alpha: 5, beta: 4 },
      ],
      [
        { alpha: 1, beta: 1 },
        { alpha: 2, beta: 1 },
      ],
      [control, variant],
    ]) {
      expect(probabilityGreater(a, b)).toBeCloseTo(probabilityBest([a, b])[0], 10);
    }
    // P(U₁ > U₂) = 1/2 and P(max of two uniforms > U) = 2/3 exactly.
    expect(probabilityGreater({ alpha: 1, beta: 1 }, { alpha: 1, beta: 1 })).toBeCloseTo(0.5, 14);
    expect(probabilityGreater({ alpha: 2, beta: 1 }, { alpha: 1, beta: 1 })).toBeCloseTo(2 / 3, 14);
  });

  it('works in log space for thousands of conversions', () => {
    const a = posteriorFor({ n: 200_000, conversions: 20_000 });
    const b = posteriorFor({ n: 200_000, conversions: 20_400 });
    const exact = probabilityGreater(b, a);
    expect(Number.isFinite(exact)).toBe(true);
    expect(exact).toBeCloseTo(probabilityBest([b, a])[0], 8);
    // With this much data the posteriors are normal; the normal approximation is good to ~1e-3.
    const sd = Math.sqrt(
      (a.alpha * a.beta) / ((a.alpha + a.beta) ** 2 * (a.alpha + a.beta + 1)) +
        (b.alpha * b.beta) / ((b.alpha + b.beta) ** 2 * (b.alpha + b.beta + 1)),
    );
    expect(Math.abs(exact - normalCdf((mean(b) - mean(a)) / sd))).toBeLessThan(2e-3);
    expect(exact).toBeGreaterThan(0.98);
  });

  it('switches to quadrature for millions of conversions, continuously with the closed form', () => {
    const a = posteriorFor({ n: 5_000_000, conversions: 1_000_000 });
    const b = posteriorFor({ n: 5_000_000, conversions: 1_002_000 });
    const p = probabilityGreater(b, a);
    const sd = Math.sqrt((2 * (0.2 * 0.8)) / 5_000_000);
    expect(Math.abs(p - normalCdf(0.0004 / sd))).toBeLessThan(1e-3);
    // Just below the switch the closed form is used; both methods agree there.
    const c = { alpha: CLOSED_FORM_MAX_TERMS, beta: 800_000 };
    const d = { alpha: CLOSED_FORM_MAX_TERMS + 300, beta: 799_700 };
    expect(probabilityGreater(c, d)).toBeCloseTo(probabilityBest([c, d])[0], 9);
  });

  it('falls back to quadrature for non-integer (e.g. Jeffreys) priors', () => {
    // scipy.integrate.quad(beta.pdf(x, 1.5, 3) * beta.cdf(x, 2.5, 3))
    expect(probabilityGreater({ alpha: 1.5, beta: 3 }, { alpha: 2.5, beta: 3 })).toBeCloseTo(
      0.3291015625,
      10,
    );
  });
});

describe('expectedLoss', () => {
  it('satisfies E[max(B-A,0)] - E[max(A-B,0)] = E[B] - E[A]', () => {
    const loss = expectedLoss(control, variant);
    expect(loss.chooseA - loss.chooseB).toBeCloseTo(mean(variant) - mean(control), 14);
    // Choosing the likely winner risks little, choosing the control gives up about the whole lift.
    expect(loss.chooseB).toBeLessThan(2e-4);
    expect(loss.chooseA).toBeGreaterThan(0.029);
  });

  it('matches the quadrature-based n-arm expected loss', () => {
    const loss = expectedLoss(control, variant);
    const [lossA, lossB] = expectedLossMulti([control, variant]);
    expect(lossA).toBeCloseTo(loss.chooseA, 10);
    expect(lossB).toBeCloseTo(loss.chooseB, 10);
    // Monte Carlo (numpy, 4M draws): 0.03004, 9.25e-5
    expect(loss.chooseA).toBeCloseTo(0.03004, 4);
    expect(loss.chooseB).toBeCloseTo(9.24e-5, 6);
  });
});

describe('probabilityBest', () => {
  it('sums to 1, is symmetric, and ranks arms by their data', () => {
    const arms = [
      posteriorFor({ n: 2000, conversions: 200 }),
      posteriorFor({ n: 2000, conversions: 230 }),
      posteriorFor({ n: 2000, conversions: 230 }),
      posteriorFor({ n: 500, conversions: 45 }),
    ];
    const best = probabilityBest(arms);
    expect(best.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    expect(best[1]).toBeCloseTo(best[2], 10);
    expect(best[1]).toBeGreaterThan(best[0]);
    expect(best[0]).toBeGreaterThan(0);
  });

  it('gives 1/k to identical arms and handles very different widths together', () => {
    const same = probabilityBest([control, control, control]);
    same.forEach((p) => expect(p).toBeCloseTo(1 / 3, 10));
    // A flat prior next to a tight posterior at 0.5: each wins half the time.
    const mixed = probabilityBest([
      { alpha: 1, beta: 1 },
      { alpha: 5001, beta: 5001 },
      { alpha: 2, beta: 1001 },
    ]);
    expect(mixed[0]).toBeCloseTo(0.5, 8);
    expect(mixed[1]).toBeCloseTo(0.5, 8);
    expect(mixed[2]).toBeLessThan(1e-12);
  });
});

describe('compareArms', () => {
  it('summarises every arm against the control at index 0', () => {
    const [c, v1, v2] = compareArms([
      { n: 1000, conversions: 100 },
      { n: 1000, conversions: 130 },
      { n: 1000, conversions: 95 },
    ]);
    expect(c.probabilityBeatsControl).toBeNull();
    expect(v1.probabilityBeatsControl).toBeCloseTo(probabilityGreater(variant, control), 12);
    expect(v2.probabilityBeatsControl).toBeLessThan(0.5);
    expect(c.probabilityBest + v1.probabilityBest + v2.probabilityBest).toBeCloseTo(1, 9);
    expect(v1.expectedLoss).toBeLessThan(c.expectedLoss);
    expect(v1.expectedLoss).toBeLessThan(v2.expectedLoss);
  });

  it('uses the exact pairwise loss for two arms', () => {
    const [c, v] = compareArms([
      { n: 1000, conversions: 100 },
      { n: 1000, conversions: 130 },
    ]);
    expect(c.expectedLoss).toBeCloseTo(expectedLoss(control, variant).chooseA, 14);
    expect(v.expectedLoss).toBeCloseTo(expectedLoss(control, variant).chooseB, 14);
    expect(() => compareArms([{ n: 10, conversions: 1 }])).toThrow(RangeError);
  });
});
