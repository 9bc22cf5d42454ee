import {
  BgNbdFit,
  BgNbdParams,
  bgNbdExpectedPurchases,
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodFunction,
  bgNbdLogLikelihoods,
  bgNbdProbabilityAlive,
  bgNbdUnconditionalExpectedPurchases,
  fitBgNbd,
} from './bgnbd';
import { loadCdnowSummary } from './cdnow.fixtures';
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { numericalHessian, standardErrorsFromHessian } from './hessian';
import { createRng } from './random';
import { RfmObservation } from './rfm';
import { observeAt, purchasesBetween, simulateBgNbdCustomer } from './simulate';

const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const customers = loadCdnowSummary();

const expectFitError = (fn: () => unknown, code: ClvFitErrorCode) => {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ClvFitError);
  expect((caught as ClvFitError).code).toBe(code);
};

const meanAndStandardError = (values: readonly number[]) => {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, standardError: Math.sqrt(variance / n) };
};

describe('BG/NBD on CDNOW (Fader, Hardie & Lee 2005)', () => {
  let fit: BgNbdFit;

  beforeAll(() => {
    fit = fitBgNbd(customers);
  });

  it('reproduces the published parameters within 0.5 % and the log-likelihood −9582.4', () => {
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[name] / PUBLISHED[name] - 1)).toBeLessThan(0.005);
    }
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThan(0.5);
    expect(fit.converged).toBe(true);
    expect(fit.atBound).toEqual([]);
    expect(fit.customers).toBe(2357);
  });

  it('reports the likelihood the public per-customer function gives, at a stationary point', () => {
    const total = bgNbdLogLikelihood(fit.params, customers);
    expect(total).toBeCloseTo(fit.logLikelihood, 6);
    expect(bgNbdLogLikelihoods(fit.params, customers).reduce((s, v) => s + v, 0)).toBeCloseTo(total, 8);
    // Central-difference gradient in log-parameters: ~0 at an interior maximum.
    const names = ['r', 'alpha', 'a', 'b'] as const;
    for (const name of names) {
      const h = 1e-5;
      const up = bgNbdLogLikelihood({ ...fit.params, [name]: fit.params[name] * Math.exp(h) }, customers);
      const down = bgNbdLogLikelihood({ ...fit.params, [name]: fit.params[name] * Math.exp(-h) }, customers);
      expect(Math.abs((up - down) / (2 * h))).toBeLessThan(1e-2);
    }
  });

  it('evaluates the same likelihood through the prepared (fitting) path', () => {
    const prepared = bgNbdLogLikelihoodFunction(customers);
    for (const params of [
      PUBLISHED,
      { r: 3, alpha: 0.1, a: 1e-4, b: 5e4 },
      { r: 1e-4, alpha: 1e4, a: 20, b: 0.01 },
    ]) {
      expect(prepared(params)).toBeCloseTo(bgNbdLogLikelihood(params, customers), 7);
    }
  });

  it('has finite, positive standard errors that do not depend on the differencing step', () => {
    for (const se of Object.values(fit.standardErrors)) {
      expect(Number.isFinite(se)).toBe(true);
      expect(se).toBeGreaterThan(0);
    }
    expect(fit.covariance).toBeDefined();
    const negative = ([r, alpha, a, b]: number[]) => -bgNbdLogLikelihood({ r, alpha, a, b }, customers);
    const point = [fit.params.r, fit.params.alpha, fit.params.a, fit.params.b];
    const coarse = standardErrorsFromHessian(numericalHessian(negative, point, { relativeStep: 1e-3 }));
    const values = Object.values(fit.standardErrors);
    coarse.standardErrors.forEach((se, i) => expect(Math.abs(se / values[i] - 1)).toBeLessThan(0.02));
  });

  it('predicts 1.226 purchases in 39 weeks and P(alive) 0.7266 for x = 2, t_x = 30.43, T = 38.86', () => {
    const history = { x: 2, tx: 30.43, T: 38.86 };
    expect(Math.abs(bgNbdExpectedPurchases(fit.params, history, 39) - 1.226)).toBeLessThan(0.001);
    expect(Math.abs(bgNbdProbabilityAlive(fit.params, history) - 0.7266)).toBeLessThan(0.001);
  });

  it('predicts about 1,653 holdout purchases against 1,882 observed, as published', () => {
    const predicted = customers.reduce((sum, c) => sum + bgNbdExpectedPurchases(fit.params, c, 39), 0);
    expect(Math.abs(predicted - 1653)).toBeLessThan(5);
  });
});

describe('BG/NBD predictions', () => {
  const params: BgNbdParams = { r: 0.6, alpha: 5, a: 0.8, b: 3 };

  it('gives P(alive) = 1 without repeat purchases and lower values the longer a buyer has been silent', () => {
    expect(bgNbdProbabilityAlive(params, { x: 0, tx: 0, T: 30 })).toBe(1);
    const recent = bgNbdProbabilityAlive(params, { x: 3, tx: 29, T: 30 });
    const lapsed = bgNbdProbabilityAlive(params, { x: 3, tx: 5, T: 30 });
    expect(recent).toBeGreaterThan(lapsed);
    expect(lapsed).toBeGreaterThan(0);
    expect(recent).toBeLessThan(1);
  });

  it('expects no purchases in zero time and more purchases over longer horizons', () => {
    const history = { x: 2, tx: 20, T: 30 };
    expect(bgNbdExpectedPurchases(params, history, 0)).toBe(0);
    const values = [1, 10, 52, 260, 1000].map((t) => bgNbdExpectedPurchases(params, history, t));
    values.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(values[i]));
  });

  it('reduces to the unconditional E[X(t)] for a customer observed for no time', () => {
    for (const t of [1, 13, 39, 104]) {
      expect(bgNbdExpectedPurchases(params, { x: 0, tx: 0, T: 0 }, t)).toBeCloseTo(
        bgNbdUnconditionalExpectedPurchases(params, t),
        12,
      );
    }
  });

  it('is continuous through the removable singularity at a = 1', () => {
    const history = { x: 4, tx: 25, T: 39 };
    const at = (a: number) => bgNbdExpectedPurchases({ ...params, a }, history, 39);
    const atOne = at(1);
    expect(Number.isFinite(atOne)).toBe(true);
    expect(Math.abs(atOne - (at(1 - 1e-4) + at(1 + 1e-4)) / 2)).toBeLessThan(1e-6);
    // No jump where the bridged zone (|a − 1| < 1e-6) meets the direct formula.
    expect(Math.abs(at(1 + 0.9e-6) - at(1 + 1.1e-6))).toBeLessThan(1e-6);
    const unconditional = (a: number) => bgNbdUnconditionalExpectedPurchases({ ...params, a }, 39);
    expect(unconditional(1)).toBeCloseTo((unconditional(1 - 1e-4) + unconditional(1 + 1e-4)) / 2, 7);
  });

  it('is continuous through the pole of 2F1 at a + b + x − 1 = 0', () => {
    // x = 0 and a + b = 1 make c = 0 exactly, where the series itself is undefined.
    const edge = { r: 0.6, alpha: 5, a: 0.3, b: 0.7 };
    const newcomer = { x: 0, tx: 0, T: 10 };
    const at = (b: number) => bgNbdExpectedPurchases({ ...edge, b }, newcomer, 26);
    expect(Number.isFinite(at(0.7))).toBe(true);
    expect(Math.abs(at(0.7) - (at(0.7 - 1e-4) + at(0.7 + 1e-4)) / 2)).toBeLessThan(1e-6);
    const unconditional = (b: number) => bgNbdUnconditionalExpectedPurchases({ ...edge, b }, 26);
    expect(
      Math.abs(unconditional(0.7) - (unconditional(0.7 - 1e-4) + unconditional(0.7 + 1e-4)) / 2),
    ).toBeLessThan(1e-6);
  });

  describe('agrees with simulated populations', () => {
    const T = 39;
    const t = 26;
    const rng = createRng(20240601);
    const population = Array.from({ length: 20_000 }, () => simulateBgNbdCustomer(rng, params, T + t));

    it('E[X(t)] matches the mean simulated purchase count', () => {
      const { mean, standardError } = meanAndStandardError(population.map((c) => observeAt(c, T).x));
      expect(Math.abs(bgNbdUnconditionalExpectedPurchases(params, T) - mean)).toBeLessThan(4 * standardError);
    });

    it('conditional expectations average to the simulated future purchases (tower property)', () => {
      const predicted = population.map((c) => bgNbdExpectedPurchases(params, observeAt(c, T), t));
      const actual = meanAndStandardError(population.map((c) => purchasesBetween(c, T, T + t)));
      const averagePrediction = predicted.reduce((s, v) => s + v, 0) / predicted.length;
      expect(Math.abs(averagePrediction - actual.mean)).toBeLessThan(4 * actual.standardError);
      const analytic =
        bgNbdUnconditionalExpectedPurchases(params, T + t) - bgNbdUnconditionalExpectedPurchases(params, T);
      expect(Math.abs(averagePrediction - analytic)).toBeLessThan(4 * actual.standardError);
    });

    it('P(alive) averages to the simulated share of active customers', () => {
      const predicted = population.map((c) => bgNbdProbabilityAlive(params, observeAt(c, T)));
      const alive = meanAndStandardError(population.map((c) => (c.dropoutTime > T ? 1 : 0)));
      const averagePrediction = predicted.reduce((s, v) => s + v, 0) / predicted.length;
      expect(Math.abs(averagePrediction - alive.mean)).toBeLessThan(4 * alive.standardError);
    });
  });
});

describe('fitBgNbd round trip', () => {
  it('recovers the parameters of a simulated population', () => {
    // Observation windows of 6 to 24 months: with much shorter ones the dropout parameters (a, b) are only
    // weakly identified and a single draw can land tens of percent away.
    const truth: BgNbdParams = { r: 0.8, alpha: 4, a: 0.7, b: 2.5 };
    const rng = createRng(7);
    const observations: RfmObservation[] = Array.from({ length: 8000 }, () => {
      const T = 26 + 78 * rng();
      return observeAt(simulateBgNbdCustomer(rng, truth, T), T);
    });
    const fit = fitBgNbd(observations);
    expect(fit.converged).toBe(true);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[name] - truth[name])).toBeLessThan(4 * fit.standardErrors[name]);
      expect(Math.abs(fit.params[name] / truth[name] - 1)).toBeLessThan(0.2);
    }
  });
});

describe('fitBgNbd failures', () => {
  const fewRepeat: RfmObservation[] = Array.from({ length: 50 }, (_, i) => ({
    x: i === 0 ? 1 : 0,
    tx: i === 0 ? 3 : 0,
    T: 20,
  }));

  it('reports all-zero frequencies, too few customers and too few repeat buyers with typed codes', () => {
    expectFitError(
      () => fitBgNbd(Array.from({ length: 50 }, () => ({ x: 0, tx: 0, T: 10 }))),
      ClvFitErrorCode.AllZeroFrequencies,
    );
    expectFitError(() => fitBgNbd(customers.slice(0, 5)), ClvFitErrorCode.TooFewCustomers);
    expectFitError(() => fitBgNbd([]), ClvFitErrorCode.TooFewCustomers);
    expectFitError(() => fitBgNbd(fewRepeat), ClvFitErrorCode.TooFewRepeatBuyers);
  });

  it('rejects impossible histories', () => {
    const valid = customers.slice(0, 20);
    expectFitError(() => fitBgNbd([...valid, { x: 1.5, tx: 2, T: 3 }]), ClvFitErrorCode.InvalidInput);
    expectFitError(() => fitBgNbd([...valid, { x: 1, tx: 5, T: 3 }]), ClvFitErrorCode.InvalidInput);
    expectFitError(() => fitBgNbd([...valid, { x: 2, tx: 0, T: 3 }]), ClvFitErrorCode.InvalidInput);
  });

  it('throws NOT_CONVERGED when the optimiser runs out of budget, or flags it when allowed', () => {
    const optimizer = { maxIterations: 20 };
    expectFitError(() => fitBgNbd(customers, { optimizer }), ClvFitErrorCode.NotConverged);
    const partial = fitBgNbd(customers, { optimizer, allowNonConverged: true });
    expect(partial.converged).toBe(false);
    expect(partial.logLikelihood).toBeLessThan(-9582.4);
  });
});
