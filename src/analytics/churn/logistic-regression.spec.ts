import { createRng, sampleNormal } from '../clv/random';
import {
  brierScore,
  fitLogisticRegression,
  logLoss,
  logisticProbability,
  predictLogistic,
} from './logistic-regression';

const logit = (p: number) => Math.log(p / (1 - p));

/** n rows from P(y = 1) = σ(β₀ + Σ β_j x_j) with standard normal features. */
function simulate(n: number, intercept: number, coefficients: number[], seed: number) {
  const rng = createRng(seed);
  const d = coefficients.length;
  const x = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let eta = intercept;
    for (let j = 0; j < d; j++) {
      x[i * d + j] = sampleNormal(rng);
      eta += coefficients[j] * x[i * d + j];
    }
    y[i] = rng() < logisticProbability(eta) ? 1 : 0;
  }
  return { x, y, d };
}

describe('fitLogisticRegression', () => {
  it('matches the closed form for one binary feature without penalty: logit of each group rate', () => {
    // Group 0: 30 of 100 positive; group 1: 60 of 80.
    const rows: [number, number][] = [];
    for (let i = 0; i < 100; i++) rows.push([0, i < 30 ? 1 : 0]);
    for (let i = 0; i < 80; i++) rows.push([1, i < 60 ? 1 : 0]);
    const x = Float64Array.from(rows, (r) => r[0]);
    const y = rows.map((r) => r[1]);
    const model = fitLogisticRegression(x, y, 1, { l2: 0 });
    expect(model.converged).toBe(true);
    expect(model.intercept).toBeCloseTo(logit(0.3), 10);
    expect(model.coefficients[0]).toBeCloseTo(logit(0.75) - logit(0.3), 10);
    // Standard errors of a saturated 2×2 model: sqrt(1/a + 1/b) per group.
    expect(model.standardErrors[0]).toBeCloseTo(Math.sqrt(1 / 30 + 1 / 70), 8);
    expect(model.standardErrors[1]).toBeCloseTo(Math.sqrt(1 / 30 + 1 / 70 + 1 / 60 + 1 / 20), 8);
    const expected = 30 * Math.log(0.3) + 70 * Math.log(0.7) + 60 * Math.log(0.75) + 20 * Math.log(0.25);
    expect(model.logLikelihood).toBeCloseTo(expected, 8);
  });

  it('recovers known coefficients from simulated data', () => {
    const truth = { intercept: -0.5, coefficients: [1.2, -0.8, 0, 0.4] };
    const { x, y, d } = simulate(40_000, truth.intercept, truth.coefficients, 7);
    const model = fitLogisticRegression(x, y, d, { l2: 0 });
    expect(model.converged).toBe(true);
    expect(model.iterations).toBeLessThan(15);
    expect(Math.abs(model.intercept - truth.intercept)).toBeLessThan(4 * model.standardErrors[0]);
    truth.coefficients.forEach((beta, j) => {
      expect(Math.abs(model.coefficients[j] - beta)).toBeLessThan(4 * model.standardErrors[j + 1]);
      expect(model.standardErrors[j + 1]).toBeLessThan(0.03);
    });
  });

  it('shrinks coefficients towards zero under an L2 penalty, but never the intercept', () => {
    const { x, y, d } = simulate(500, 1, [2, -1], 3);
    const free = fitLogisticRegression(x, y, d, { l2: 0 });
    const ridge = fitLogisticRegression(x, y, d, { l2: 50 });
    const norm = (c: number[]) => Math.hypot(...c);
    expect(norm(ridge.coefficients)).toBeLessThan(norm(free.coefficients));
    // At the penalised optimum the gradient is λβ: Σ x_ij (y_i − p_i) = λ β_j, and Σ (y_i − p_i) = 0.
    const p = predictLogistic(ridge, x, d);
    let interceptGradient = 0;
    const gradient = [0, 0];
    for (let i = 0; i < y.length; i++) {
      interceptGradient += y[i] - p[i];
      for (let j = 0; j < d; j++) gradient[j] += x[i * d + j] * (y[i] - p[i]);
    }
    expect(interceptGradient).toBeCloseTo(0, 6);
    gradient.forEach((g, j) => expect(g).toBeCloseTo(50 * ridge.coefficients[j], 6));
  });

  it('reports non-convergence on perfectly separable data without a penalty, and converges with one', () => {
    const x = Float64Array.from([-3, -2, -1, 1, 2, 3]);
    const y = [0, 0, 0, 1, 1, 1];
    const free = fitLogisticRegression(x, y, 1, { l2: 0 });
    expect(free.converged).toBe(false);
    expect(free.message).toMatch(/separ|singular/);
    const ridge = fitLogisticRegression(x, y, 1, { l2: 1 });
    expect(ridge.converged).toBe(true);
    expect(ridge.coefficients[0]).toBeGreaterThan(0);
  });

  it('gives a constant-zero column a zero coefficient instead of failing', () => {
    const { x: two, y, d } = simulate(300, 0, [1], 11);
    const x = new Float64Array(300 * 2);
    for (let i = 0; i < 300; i++) x[i * 2] = two[i * d];
    const model = fitLogisticRegression(x, y, 2, { l2: 0 });
    expect(model.converged).toBe(true);
    expect(model.coefficients[1]).toBe(0);
    expect(model.standardErrors[2]).toBeNaN();
  });

  it('rejects labels other than 0/1 and mismatched shapes', () => {
    expect(() => fitLogisticRegression(Float64Array.from([1, 2]), [0, 2], 1)).toThrow(/0 or 1/);
    expect(() => fitLogisticRegression(Float64Array.from([1, 2, 3]), [0, 1], 1)).toThrow(/expected/);
    expect(() => fitLogisticRegression(Float64Array.from([1, NaN]), [0, 1], 1)).toThrow(/finite/);
  });
});

describe('probability scores', () => {
  it('computes log-loss and the Brier score', () => {
    expect(logLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.log(2), 12);
    expect(logLoss([1, 0], [1, 0])).toBeLessThan(1e-12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
    expect(brierScore([0.2, 0.9], [0, 1])).toBeCloseTo((0.04 + 0.01) / 2, 12);
  });

  it('evaluates σ without overflow in either tail', () => {
    expect(logisticProbability(800)).toBe(1);
    expect(logisticProbability(-800)).toBe(0);
    expect(logisticProbability(0)).toBe(0.5);
  });
});
