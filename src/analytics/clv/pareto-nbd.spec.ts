import { loadCdnowSummary } from './cdnow.fixtures';
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import {
  ParetoNbdFit,
  ParetoNbdParams,
  fitParetoNbd,
  paretoNbdExpectedPurchases,
  paretoNbdLogA0,
  paretoNbdLogLikelihood,
  paretoNbdLogLikelihoodFunction,
  paretoNbdLogLikelihoodOne,
  paretoNbdProbabilityAlive,
  paretoNbdUnconditionalExpectedPurchases,
} from './pareto-nbd';
import { createRng } from './random';
import { logHyp2f1, logSubExp } from './special';
import { observeAt, purchasesBetween, simulateParetoNbdCustomer } from './simulate';

const PUBLISHED = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
const customers = loadCdnowSummary();

const meanAndStandardError = (values: readonly number[]) => {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, standardError: Math.sqrt(variance / n) };
};

/** Composite Simpson's rule; the integrands here are smooth, so 20,000 panels are accurate to ~1e−13. */
const simpson = (f: (x: number) => number, from: number, to: number, panels = 20_000) => {
  const h = (to - from) / panels;
  let sum = f(from) + f(to);
  for (let i = 1; i < panels; i++) sum += (i % 2 === 1 ? 4 : 2) * f(from + i * h);
  return (sum * h) / 3;
};

describe('Pareto/NBD on CDNOW', () => {
  let fit: ParetoNbdFit;

  beforeAll(() => {
    fit = fitParetoNbd(customers);
  });

  it('reproduces the published parameters within 1 % and the log-likelihood −9595.0', () => {
    for (const name of ['r', 'alpha', 's', 'beta'] as const) {
      expect(Math.abs(fit.params[name] / PUBLISHED[name] - 1)).toBeLessThan(0.01);
    }
    expect(Math.abs(fit.logLikelihood - -9595.0)).toBeLessThan(0.5);
    expect(fit.converged).toBe(true);
  });

  it('has finite, positive standard errors', () => {
    expect(fit.covariance).toBeDefined();
    for (const se of Object.values(fit.standardErrors)) {
      expect(Number.isFinite(se)).toBe(true);
      expect(se).toBeGreaterThan(0);
    }
  });

  it('reports the likelihood of the public per-customer function, at a stationary point', () => {
    expect(paretoNbdLogLikelihood(fit.params, customers)).toBeCloseTo(fit.logLikelihood, 6);
    for (const name of ['r', 'alpha', 's', 'beta'] as const) {
      const h = 1e-5;
      const up = paretoNbdLogLikelihood({ ...fit.params, [name]: fit.params[name] * Math.exp(h) }, customers);
      const down = paretoNbdLogLikelihood(
        { ...fit.params, [name]: fit.params[name] * Math.exp(-h) },
        customers,
      );
      expect(Math.abs((up - down) / (2 * h))).toBeLessThan(1e-2);
    }
  });

  it('gives sensible predictions for the reference customer', () => {
    const history = { x: 2, tx: 30.43, T: 38.86 };
    const alive = paretoNbdProbabilityAlive(fit.params, history);
    const expected = paretoNbdExpectedPurchases(fit.params, history, 39);
    expect(alive).toBeGreaterThan(0);
    expect(alive).toBeLessThan(1);
    // E[purchases | alive] · P(alive) cannot exceed what an always-alive buyer with the same rate would make.
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan((39 * (fit.params.r + 2)) / (fit.params.alpha + 38.86));
  });
});

describe('Pareto/NBD likelihood', () => {
  // A₀ = (r + s + x) ∫_{t_x}^{T} (α + τ)^−(r+x) (β + τ)^−(s+1) dτ: the hypergeometric form is a closed form of this.
  const a0ByQuadrature = (p: ParetoNbdParams, x: number, tx: number, T: number) =>
    (p.r + p.s + x) *
    simpson((tau) => Math.pow(p.alpha + tau, -(p.r + x)) * Math.pow(p.beta + tau, -(p.s + 1)), tx, T);

  it.each([
    ['α < β', { r: 0.55, alpha: 3, s: 0.6, beta: 40 }],
    ['α > β', { r: 0.55, alpha: 40, s: 0.6, beta: 3 }],
    ['α = β', { r: 1.3, alpha: 8, s: 2.2, beta: 8 }],
    ['α ≈ β', { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }],
  ])('A₀ matches numerical integration of its defining integral when %s', (_, params) => {
    for (const [x, tx, T] of [
      [0, 0, 38.86],
      [1, 1.71, 38.86],
      [7, 30.2, 39],
      [25, 35, 52],
    ]) {
      const expected = Math.log(a0ByQuadrature(params, x, tx, T));
      expect(paretoNbdLogA0(params, { x, tx, T })).toBeCloseTo(expected, 9);
    }
  });

  it('matches the lifetimes closed form when α and β are orders of magnitude apart (2F1 argument → 1)', () => {
    // The closed form needs ~10^5 series terms here; summed with a generous budget it is the reference.
    const lifetimesLogA0 = ({ r, alpha, s, beta }: ParetoNbdParams, x: number, tx: number, T: number) => {
      const larger = Math.max(alpha, beta);
      const second = alpha < beta ? r + x : s + 1;
      const rsx = r + s + x;
      const term = (t: number) =>
        logHyp2f1(rsx, second, rsx + 1, Math.abs(alpha - beta) / (larger + t), 5_000_000) -
        rsx * Math.log(larger + t);
      return logSubExp(term(tx), term(T));
    };
    for (const params of [
      { r: 0.5, alpha: 0.05, s: 0.4, beta: 2000 },
      { r: 0.5, alpha: 3000, s: 0.4, beta: 0.2 },
      { r: 2.5, alpha: 0.3, s: 40, beta: 1e4 },
    ]) {
      for (const [x, tx, T] of [
        [0, 0, 39],
        [3, 12.5, 39],
      ]) {
        const expected = lifetimesLogA0(params, x, tx, T);
        expect(Number.isFinite(expected)).toBe(true);
        expect(paretoNbdLogA0(params, { x, tx, T })).toBeCloseTo(expected, 9);
      }
    }
  });

  it('keeps its digits when t_x is just below T, where the closed form cancels', () => {
    const params = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    const [x, tx, T] = [4, 38.85, 38.86];
    const expected = Math.log(a0ByQuadrature(params, x, tx, T));
    expect(paretoNbdLogA0(params, { x, tx, T })).toBeCloseTo(expected, 11);
  });

  it('assigns A₀ = 0 (log −∞) when the last purchase was at T, without NaN', () => {
    const params = { r: 0.5, alpha: 5, s: 0.5, beta: 6 };
    expect(paretoNbdLogA0(params, { x: 3, tx: 20, T: 20 })).toBe(-Infinity);
    expect(Number.isFinite(paretoNbdLogLikelihoodOne(params, { x: 3, tx: 20, T: 20 }))).toBe(true);
  });

  it('gives the same likelihood through the prepared (fitting) path, whichever method each customer needs', () => {
    const prepared = paretoNbdLogLikelihoodFunction(customers);
    for (const params of [
      PUBLISHED,
      { r: 0.5, alpha: 0.05, s: 0.4, beta: 2000 },
      { r: 0.5, alpha: 3000, s: 0.4, beta: 0.2 },
      { r: 3, alpha: 2, s: 1e4, beta: 1e5 },
    ]) {
      const reference = paretoNbdLogLikelihood(params, customers);
      expect(Number.isFinite(reference)).toBe(true);
      expect(prepared(params)).toBeCloseTo(reference, 7);
    }
  });
});

describe('Pareto/NBD predictions', () => {
  const params: ParetoNbdParams = { r: 0.7, alpha: 6, s: 0.8, beta: 15 };

  it('reduces to the unconditional E[X(t)] for a customer observed for no time', () => {
    for (const t of [1, 13, 39, 104]) {
      expect(paretoNbdExpectedPurchases(params, { x: 0, tx: 0, T: 0 }, t)).toBeCloseTo(
        paretoNbdUnconditionalExpectedPurchases(params, t),
        10,
      );
    }
  });

  it('is continuous at s = 1, where (1 − ratio^(s−1))/(s − 1) becomes a logarithm', () => {
    const history = { x: 3, tx: 20, T: 39 };
    const at = (s: number) => paretoNbdExpectedPurchases({ ...params, s }, history, 39);
    expect(Math.abs(at(1) - (at(1 - 1e-6) + at(1 + 1e-6)) / 2)).toBeLessThan(1e-9);
    expect(paretoNbdUnconditionalExpectedPurchases({ ...params, s: 1 }, 52)).toBeCloseTo(
      (params.r / params.alpha) * params.beta * Math.log1p(52 / params.beta),
      12,
    );
  });

  it('ranks a recently active buyer as more likely alive than a lapsed one', () => {
    const recent = paretoNbdProbabilityAlive(params, { x: 4, tx: 38, T: 39 });
    const lapsed = paretoNbdProbabilityAlive(params, { x: 4, tx: 5, T: 39 });
    expect(recent).toBeGreaterThan(lapsed);
    expect(recent).toBeLessThanOrEqual(1);
    expect(lapsed).toBeGreaterThan(0);
  });

  describe('agrees with simulated populations', () => {
    const T = 39;
    const t = 26;
    const rng = createRng(4242);
    const population = Array.from({ length: 20_000 }, () => simulateParetoNbdCustomer(rng, params, T + t));

    it('E[X(t)] matches the mean simulated purchase count', () => {
      const { mean, standardError } = meanAndStandardError(population.map((c) => observeAt(c, T).x));
      expect(Math.abs(paretoNbdUnconditionalExpectedPurchases(params, T) - mean)).toBeLessThan(
        4 * standardError,
      );
    });

    it('conditional expectations average to the simulated future purchases (tower property)', () => {
      const predicted = population.map((c) => paretoNbdExpectedPurchases(params, observeAt(c, T), t));
      const actual = meanAndStandardError(population.map((c) => purchasesBetween(c, T, T + t)));
      const averagePrediction = predicted.reduce((s, v) => s + v, 0) / predicted.length;
      expect(Math.abs(averagePrediction - actual.mean)).toBeLessThan(4 * actual.standardError);
      const analytic =
        paretoNbdUnconditionalExpectedPurchases(params, T + t) -
        paretoNbdUnconditionalExpectedPurchases(params, T);
      expect(Math.abs(averagePrediction - analytic)).toBeLessThan(4 * actual.standardError);
    });

    it('P(alive) averages to the simulated share of active customers', () => {
      const predicted = population.map((c) => paretoNbdProbabilityAlive(params, observeAt(c, T)));
      const alive = meanAndStandardError(population.map((c) => (c.dropoutTime > T ? 1 : 0)));
      const averagePrediction = predicted.reduce((s, v) => s + v, 0) / predicted.length;
      expect(Math.abs(averagePrediction - alive.mean)).toBeLessThan(4 * alive.standardError);
    });
  });
});

describe('fitParetoNbd failures', () => {
  it('reports typed errors for unusable data', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof ClvFitError ? error.code : 'untyped';
      }
      return 'no error';
    };
    expect(codeOf(() => fitParetoNbd(Array.from({ length: 30 }, () => ({ x: 0, tx: 0, T: 12 }))))).toBe(
      ClvFitErrorCode.AllZeroFrequencies,
    );
    expect(codeOf(() => fitParetoNbd(customers.slice(0, 3)))).toBe(ClvFitErrorCode.TooFewCustomers);
    expect(codeOf(() => fitParetoNbd(customers, { minRepeatBuyers: 5000 }))).toBe(
      ClvFitErrorCode.TooFewRepeatBuyers,
    );
    expect(codeOf(() => fitParetoNbd(customers, { optimizer: { maxIterations: 10 } }))).toBe(
      ClvFitErrorCode.NotConverged,
    );
  });
});
