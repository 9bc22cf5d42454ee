import {
  chiSquareCdf,
  chiSquareSf,
  erfc,
  logBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  normalSf,
  regularizedBeta,
  regularizedBetaComplement,
  regularizedGammaP,
  regularizedGammaQ,
  studentTCdf,
  studentTQuantile,
  twoSidedNormalP,
} from './distributions';

const relativeError = (actual: number, expected: number): number => Math.abs(actual / expected - 1);

describe('logGamma / logBeta', () => {
  it('matches log factorials at integers', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 170; n++) {
      expect(Math.abs(logGamma(n) - logFactorial)).toBeLessThan(1e-12 * Math.max(1, logFactorial));
      logFactorial += Math.log(n);
    }
  });

  it('gives ln Γ(1/2) = ln √π and satisfies Γ(x + 1) = x Γ(x) across scales', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    for (const x of [1e-8, 0.01, 0.3, 0.7, 2.5, 9.99, 10.5, 123.4, 5e4]) {
      expect(Math.abs(logGamma(x + 1) - logGamma(x) - Math.log(x))).toBeLessThan(
        1e-11 * Math.max(1, Math.abs(logGamma(x))),
      );
    }
  });

  it('keeps full precision for lopsided large arguments', () => {
    // B(n, 2) = 1 / (n (n + 1)); naive lnΓ differences lose ~8 digits here.
    const n = 1e6;
    expect(relativeError(logBeta(n, 2), -(Math.log(n) + Math.log1p(n)))).toBeLessThan(1e-14);
    expect(relativeError(logBeta(3, 5e5), -Math.log((500000 * 500001 * 500002) / 2))).toBeLessThan(1e-13);
  });

  it('agrees with a direct computation for moderate arguments', () => {
    for (const [a, b] of [
      [0.5, 0.5],
      [2, 3],
      [12.5, 40],
      [101, 901],
    ]) {
      expect(logBeta(a, b)).toBeCloseTo(logGamma(a) + logGamma(b) - logGamma(a + b), 10);
    }
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });

  it('rejects non-positive arguments', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logBeta(1, -1)).toThrow(RangeError);
  });
});

describe('incomplete gamma', () => {
  it('is 1 - e^-x for a = 1 and the Poisson CDF for integer a', () => {
    for (const x of [0.01, 0.5, 2, 10, 40]) {
      expect(regularizedGammaP(1, x)).toBeCloseTo(-Math.expm1(-x), 14);
    }
    // Q(k + 1, λ) = P(Poisson(λ) ≤ k)
    for (const [k, lambda] of [
      [0, 3],
      [4, 3.5],
      [20, 12],
      [60, 80],
    ]) {
      let term = Math.exp(-lambda);
      let cdf = term;
      for (let i = 1; i <= k; i++) {
        term *= lambda / i;
        cdf += term;
      }
      expect(relativeError(regularizedGammaQ(k + 1, lambda), cdf)).toBeLessThan(1e-12);
    }
  });

  it('has P + Q = 1 on both sides of the series / continued-fraction switch', () => {
    for (const [a, x] of [
      [0.5, 0.1],
      [3, 3.9],
      [3, 4.1],
      [50, 45],
      [50, 60],
    ]) {
      expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 14);
    }
  });
});

describe('normal', () => {
  it('matches reference values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalCdf(1.2345)).toBeCloseTo(0.8914916766373298, 14); // scipy.stats.norm.cdf
    expect(relativeError(normalCdf(-8), 6.22096057427174e-16)).toBeLessThan(1e-12); // far tail keeps digits
    expect(relativeError(normalSf(10), 7.61985302416047e-24)).toBeLessThan(1e-12);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 15);
  });

  it('is symmetric and monotone', () => {
    let previous = 0;
    for (let x = -10; x <= 8; x += 0.25) {
      const p = normalCdf(x);
      expect(p).toBeGreaterThan(previous);
      expect(p + normalCdf(-x)).toBeCloseTo(1, 15);
      previous = p;
    }
  });

  it('quantile inverts the CDF to near machine precision, deep into the tails', () => {
    for (const p of [1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.77, 0.975, 0.999999]) {
      expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-14);
    }
    // Φ itself is only accurate to ~x²·ε relative out here (x ≈ -37 at 1e-300).
    for (const p of [1e-300, 1e-100, 1e-20]) {
      expect(relativeError(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12);
    }
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });

  it('two-sided p equals the 1-df chi-square tail of z²', () => {
    for (const z of [0.1, 1.96, 2.5758, 5, 9]) {
      expect(relativeError(twoSidedNormalP(z), chiSquareSf(z * z, 1))).toBeLessThan(1e-13);
      expect(relativeError(twoSidedNormalP(-z), 2 * normalSf(z))).toBeLessThan(1e-13);
    }
    expect(twoSidedNormalP(1.959963984540054)).toBeCloseTo(0.05, 14);
  });
});

describe('chi-square', () => {
  it('has the closed form 1 - e^(-x/2) at 2 df', () => {
    for (const x of [0.01, 1, 5.991464547107979, 30]) {
      expect(chiSquareCdf(x, 2)).toBeCloseTo(-Math.expm1(-x / 2), 14);
      expect(relativeError(chiSquareSf(x, 2), Math.exp(-x / 2))).toBeLessThan(1e-13);
    }
    expect(chiSquareSf(5.991464547107979, 2)).toBeCloseTo(0.05, 14);
  });

  it('matches reference values', () => {
    expect(chiSquareCdf(3, 5)).toBeCloseTo(0.3000141641213724, 13); // scipy.stats.chi2.cdf
    expect(relativeError(chiSquareSf(100, 50), 3.454931382984871e-5)).toBeLessThan(1e-11);
    expect(chiSquareSf(0, 3)).toBe(1);
  });
});

describe('incomplete beta', () => {
  it('has closed forms when a or b is 1', () => {
    for (const x of [0.001, 0.2, 0.5, 0.93]) {
      expect(regularizedBeta(x, 3.5, 1)).toBeCloseTo(Math.pow(x, 3.5), 14);
      expect(regularizedBeta(x, 1, 7)).toBeCloseTo(1 - Math.pow(1 - x, 7), 14);
    }
  });

  it('is the binomial CDF: P(X ≤ k) = I_{1-p}(n - k, k + 1)', () => {
    const n = 40;
    const p = 0.3;
    let cdf = 0;
    for (let k = 0; k < n; k++) {
      cdf += Math.exp(
        logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p),
      );
      expect(regularizedBeta(1 - p, n - k, k + 1)).toBeCloseTo(cdf, 12);
    }
  });

  it('satisfies I_x(a, b) = 1 - I_(1-x)(b, a) and complements exactly', () => {
    for (const [x, a, b] of [
      [0.3, 2.5, 3.7],
      [0.01, 200, 3],
      [0.6, 1e4, 7e3],
    ]) {
      expect(regularizedBeta(x, a, b)).toBeCloseTo(1 - regularizedBeta(1 - x, b, a), 13);
      expect(regularizedBeta(x, a, b) + regularizedBetaComplement(x, a, b)).toBeCloseTo(1, 14);
    }
    expect(regularizedBeta(0.3, 2.5, 3.7)).toBeCloseTo(0.31900317528430866, 13); // scipy.special.betainc
  });
});

describe('Student t', () => {
  it('matches the closed forms at 1 and 2 degrees of freedom', () => {
    for (const t of [-30, -2, -0.5, 0, 0.3, 1, 4, 100]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 14);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 14);
    }
  });

  it('matches reference values with fractional df and approaches the normal', () => {
    expect(studentTCdf(1.5, 7.3)).toBeCloseTo(0.912218453598457, 13); // scipy.stats.t.cdf
    expect(relativeError(studentTCdf(-3, 2.5), 0.036288047774515914)).toBeLessThan(1e-12);
    expect(studentTCdf(1.3, 1e6)).toBeCloseTo(normalCdf(1.3), 6);
  });

  it('quantile matches tables and inverts the CDF', () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 12);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 10);
    expect(studentTQuantile(0.995, 3)).toBeCloseTo(5.840909309733355, 11);
    for (const df of [1.5, 4, 25.408, 300]) {
      for (const p of [0.0001, 0.025, 0.4, 0.6, 0.975, 0.9999]) {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
      }
    }
  });
});
