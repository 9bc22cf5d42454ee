import { gaussLegendreRule, logIntegrateLogConcave } from './quadrature';

describe('gaussLegendreRule', () => {
  it('integrates polynomials up to degree 2n − 1 exactly on [−1, 1]', () => {
    const { nodes, weights } = gaussLegendreRule(16);
    expect(weights.reduce((s, w) => s + w, 0)).toBeCloseTo(2, 14);
    for (const degree of [2, 10, 30, 31]) {
      const integral = nodes.reduce((s, x, i) => s + weights[i] * x ** degree, 0);
      expect(integral).toBeCloseTo(degree % 2 === 1 ? 0 : 2 / (degree + 1), 14);
    }
    // Degree 32 is the first the rule cannot integrate exactly.
    const degree32 = nodes.reduce((s, x, i) => s + weights[i] * x ** 32, 0);
    expect(Math.abs(degree32 - 2 / 33)).toBeGreaterThan(1e-12);
  });

  it('has symmetric nodes in (−1, 1) for odd and even sizes', () => {
    for (const n of [5, 16]) {
      const { nodes } = gaussLegendreRule(n);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(nodes[i])).toBeLessThan(1);
        expect(nodes[i] + nodes[n - 1 - i]).toBeCloseTo(0, 15);
      }
    }
  });
});

describe('logIntegrateLogConcave', () => {
  it('integrates exponentials of either slope, including ones far beyond the double range', () => {
    expect(logIntegrateLogConcave((u) => u, 0, 3, 1)).toBeCloseTo(Math.log(Math.expm1(3)), 13);
    // ∫₀¹ e^(2000 − 5u) du = e^2000 (1 − e^−5)/5
    expect(logIntegrateLogConcave((u) => 2000 - 5 * u, 0, 1, 5)).toBeCloseTo(
      2000 + Math.log(-Math.expm1(-5) / 5),
      10,
    );
  });

  it('stops early on a steeply falling integrand without losing accuracy', () => {
    let calls = 0;
    const slope = 1e6;
    const result = logIntegrateLogConcave(
      (u) => {
        calls++;
        return -slope * u;
      },
      0,
      20,
      slope,
    );
    expect(result).toBeCloseTo(Math.log(1 / slope), 12);
    expect(calls).toBeLessThan(2000); // the full range would take 10 million panels
  });

  it('integrates a Gaussian bump (concave log) to √(2π)', () => {
    expect(Math.exp(logIntegrateLogConcave((u) => -0.5 * u * u, -12, 12, 12))).toBeCloseTo(
      Math.sqrt(2 * Math.PI),
      13,
    );
  });

  it('gives up (NaN) rather than grind through a long, steep rise', () => {
    expect(logIntegrateLogConcave((u) => 1e6 * u, 0, 20, 1e6)).toBeNaN();
  });

  it('returns −∞ for an empty interval', () => {
    expect(logIntegrateLogConcave((u) => u, 2, 2, 1)).toBe(-Infinity);
  });
});
