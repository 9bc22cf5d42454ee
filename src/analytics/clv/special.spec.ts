import * as fc from 'fast-check';

import {
  hyp2f1,
  hyp2f1SignedLog,
  logAddExp,
  logBeta,
  logGamma,
  logHyp2f1,
  logPochhammer,
  logSubExp,
  logSumExp,
  logistic,
} from './special';

const lnFactorial = (n: number) => {
  let sum = 0;
  for (let k = 2; k <= n; k++) sum += Math.log(k);
  return sum;
};

const relativeError = (actual: number, expected: number) =>
  Math.abs(actual - expected) / Math.max(1, Math.abs(expected));

describe('logGamma', () => {
  it('matches ln((n − 1)!) computed by summing logs', () => {
    for (const n of [1, 2, 3, 5, 10, 20, 50, 100, 171, 500]) {
      expect(relativeError(logGamma(n), lnFactorial(n - 1))).toBeLessThan(1e-14);
    }
  });

  it('gives ln √π at 1/2 and ln(2√π) at −1/2 (reflection)', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(-0.5)).toBeCloseTo(Math.log(2 * Math.sqrt(Math.PI)), 13);
  });

  it('follows the small-argument expansion −ln x − γx + π²x²/12 near zero', () => {
    const eulerGamma = 0.5772156649015329;
    for (const x of [1e-5, 1e-4, 1e-3]) {
      const expansion = -Math.log(x) - eulerGamma * x + ((Math.PI * Math.PI) / 12) * x * x;
      expect(Math.abs(logGamma(x) - expansion)).toBeLessThan(1e-9 * Math.max(1, x * 1e3));
    }
  });

  it('agrees with the Stirling series for large arguments', () => {
    for (const x of [1e3, 1e4, 1e5]) {
      const stirling =
        (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
      expect(relativeError(logGamma(x), stirling)).toBeLessThan(1e-14);
    }
  });

  it('satisfies lnΓ(x + 1) = lnΓ(x) + ln x', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1e4, noNaN: true }), (x) => {
        const lhs = logGamma(x + 1);
        const rhs = logGamma(x) + Math.log(x);
        return Math.abs(lhs - rhs) <= 1e-12 * Math.max(1, Math.abs(lhs));
      }),
    );
  });

  it('is NaN at the poles', () => {
    expect(logGamma(0)).toBeNaN();
    expect(logGamma(-3)).toBeNaN();
  });
});

describe('logPochhammer and logBeta', () => {
  it('equals the log-gamma difference, including the large-n fallback', () => {
    for (const [a, n] of [
      [0.243, 0],
      [0.243, 7],
      [1e5, 3],
      [2.5, 128],
      [2.5, 129],
      [0.3, 1000],
    ]) {
      expect(relativeError(logPochhammer(a, n), logGamma(a + n) - logGamma(a))).toBeLessThan(1e-11);
    }
  });

  it('keeps digits where the log-gamma difference cancels', () => {
    // ln Γ(1e8 + 2) − ln Γ(1e8) = ln(1e8) + ln(1e8 + 1); each log-gamma is ~1.7e9, so differencing loses ~7 digits.
    expect(logPochhammer(1e8, 2)).toBeCloseTo(Math.log(1e8) + Math.log(1e8 + 1), 12);
  });

  it('logBeta(a, b) = ln(Γ(a)Γ(b)/Γ(a+b)) on integers', () => {
    // B(3, 4) = 2!·3!/6! = 1/60
    expect(logBeta(3, 4)).toBeCloseTo(-Math.log(60), 13);
  });
});

describe('log-sum-exp helpers', () => {
  it('logAddExp and logSumExp survive arguments whose exponentials overflow or underflow', () => {
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logAddExp(-1000, -Infinity)).toBe(-1000);
    expect(logSumExp([-1e4, -1e4, -1e4])).toBeCloseTo(-1e4 + Math.log(3), 9);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([Math.log(2), Math.log(3), Math.log(5)])).toBeCloseTo(Math.log(10), 14);
  });

  it('logSubExp is exact for nearby arguments and rejects b > a', () => {
    expect(logSubExp(Math.log(5), Math.log(3))).toBeCloseTo(Math.log(2), 14);
    expect(logSubExp(1e-12, 0)).toBeCloseTo(Math.log(1e-12), 6);
    expect(logSubExp(2, 2)).toBe(-Infinity);
    expect(logSubExp(1, 2)).toBeNaN();
  });

  it('logistic is symmetric and finite in both tails', () => {
    expect(logistic(0)).toBe(0.5);
    expect(logistic(800)).toBe(1);
    expect(logistic(-800)).toBeGreaterThanOrEqual(0);
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        (x) => Math.abs(logistic(x) + logistic(-x) - 1) < 1e-15,
      ),
    );
  });
});

describe('hyp2f1', () => {
  it('2F1(1, 1; 2; z) = −ln(1 − z)/z', () => {
    for (const z of [-0.9, -0.5, 0.1, 0.5, 0.9, 0.99]) {
      expect(relativeError(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-13);
    }
  });

  it('2F1(a, b; b; z) = (1 − z)^−a, also far beyond the double range in log form', () => {
    expect(relativeError(hyp2f1(2.7, 1.3, 1.3, 0.6), Math.pow(0.4, -2.7))).toBeLessThan(1e-13);
    // (0.1)^−500 = 1e500 overflows a double; the log form must still be exact.
    expect(logHyp2f1(500, 1, 1, 0.9)).toBeCloseTo(500 * Math.log(10), 8);
    expect(hyp2f1(500, 1, 1, 0.9)).toBe(Infinity);
  });

  it('2F1(1/2, 1/2; 3/2; z²) = arcsin(z)/z', () => {
    for (const z of [0.2, 0.7, 0.95]) {
      expect(relativeError(hyp2f1(0.5, 0.5, 1.5, z * z), Math.asin(z) / z)).toBeLessThan(1e-12);
    }
  });

  it('terminates to a polynomial when a is a negative integer, including sign changes', () => {
    const [b, c, z] = [2.5, 1.5, 0.8];
    const polynomial =
      1 -
      (3 * b * z) / c +
      (3 * b * (b + 1) * z * z) / (c * (c + 1)) -
      (b * (b + 1) * (b + 2) * z ** 3) / (c * (c + 1) * (c + 2));
    expect(polynomial).toBeLessThan(0);
    expect(hyp2f1(-3, b, c, z)).toBeCloseTo(polynomial, 13);
    expect(hyp2f1SignedLog(-3, b, c, z).sign).toBe(-1);
    expect(logHyp2f1(-3, b, c, z)).toBeNaN();
  });

  it("uses Gauss's theorem at z = 1", () => {
    // Γ(5)Γ(2) / (Γ(4)Γ(3)) = 24 / 12
    expect(hyp2f1(1, 2, 5, 1)).toBeCloseTo(2, 13);
    expect(hyp2f1(1, 2, 3, 1)).toBeNaN(); // c − a − b = 0: diverges
  });

  it("satisfies Euler's transformation 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a,c−b;c;z)", () => {
    // c > max(a, b) keeps every term positive on both sides. Otherwise the transformed series can alternate
    // and cancel down to ~1e−10 of its terms (e.g. a = 14.5, b = 0.05, c = 4.56, z = 0.9), and a plain power
    // series cannot be expected to hold relative accuracy there.
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.double({ min: 0.01, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 0.95, noNaN: true }),
        (a, b, excess, z) => {
          const c = Math.max(a, b) + excess;
          const direct = hyp2f1SignedLog(a, b, c, z);
          const euler = hyp2f1SignedLog(c - a, c - b, c, z);
          const transformed = euler.log + (c - a - b) * Math.log1p(-z);
          return (
            direct.sign === 1 &&
            euler.sign === 1 &&
            Math.abs(direct.log - transformed) <= 1e-11 * Math.max(1, Math.abs(direct.log))
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('does not stop early when a tiny term precedes a steep rise (a ≈ 0, b ≫ c)', () => {
    // For a → 0, 2F1(a, b; c; z) − 1 ≈ a Σₙ (b)ₙ zⁿ / ((c)ₙ n); here that sum is ~2^10000, so the result is
    // astronomically large even though the first term (a·b·z/c = 5e−17) is below double precision.
    const [a, b, c, z] = [1e-20, 1e4, 1, 0.5];
    const logTerms: number[] = [];
    for (let n = 1; n < 60_000; n++) {
      logTerms.push(
        logGamma(b + n) - logGamma(b) - logGamma(c + n) + logGamma(c) - Math.log(n) + n * Math.log(z),
      );
    }
    const expected = Math.log(a) + logSumExp(logTerms);
    expect(expected).toBeGreaterThan(6000);
    expect(relativeError(logHyp2f1(a, b, c, z), expected)).toBeLessThan(1e-9);
  });

  it('returns NaN instead of a truncated sum when the term budget runs out', () => {
    expect(hyp2f1(1, 1, 2, 0.999, 100)).toBeNaN();
    expect(hyp2f1(1, 1, 2, 0.999)).toBeCloseTo(-Math.log(0.001) / 0.999, 10);
  });

  it('returns NaN outside the disc and at poles of c', () => {
    expect(hyp2f1(1, 1, 2, 1.5)).toBeNaN();
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN();
    expect(hyp2f1(1, 1, 2, Number.NaN)).toBeNaN();
  });
});
