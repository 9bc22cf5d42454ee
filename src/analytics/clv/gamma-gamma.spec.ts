import { loadCdnowSpend } from './cdnow.fixtures';
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import {
  GammaGammaFit,
  GammaGammaParams,
  SpendObservation,
  fitGammaGamma,
  gammaGammaExpectedAverageValue,
  gammaGammaLogLikelihood,
  pearsonCorrelation,
} from './gamma-gamma';
import { createRng, sampleGamma } from './random';

const PUBLISHED = { p: 6.25, q: 3.74, v: 15.44 };
const spend: SpendObservation[] = loadCdnowSpend().map((row) => ({ x: row.x, monetary: row.zbar }));

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ClvFitError ? error.code : 'untyped';
  }
  return 'no error';
};

describe('Gamma-Gamma on CDNOW', () => {
  let fit: GammaGammaFit;

  beforeAll(() => {
    fit = fitGammaGamma(spend);
  });

  it('reproduces p = 6.25, q = 3.74, v = 15.44 within 1 % on the 946 repeat buyers', () => {
    expect(fit.customers).toBe(946);
    for (const name of ['p', 'q', 'v'] as const) {
      expect(Math.abs(fit.params[name] / PUBLISHED[name] - 1)).toBeLessThan(0.01);
    }
    expect(fit.converged).toBe(true);
    expect(fit.excludedNonPositiveMonetary).toBe(0);
  });

  it('has finite, positive standard errors and reports the likelihood it maximised', () => {
    for (const se of Object.values(fit.standardErrors)) {
      expect(Number.isFinite(se)).toBe(true);
      expect(se).toBeGreaterThan(0);
    }
    const repeatBuyers = spend.filter((o) => o.x > 0);
    expect(gammaGammaLogLikelihood(fit.params, repeatBuyers)).toBeCloseTo(fit.logLikelihood, 6);
    const perturbed = gammaGammaLogLikelihood({ ...fit.params, q: fit.params.q * 1.01 }, repeatBuyers);
    expect(perturbed).toBeLessThan(fit.logLikelihood);
  });

  it('returns the frequency–spend correlation of the repeat buyers (weak on CDNOW)', () => {
    const repeatBuyers = spend.filter((o) => o.x > 0);
    expect(fit.frequencyMonetaryCorrelation).toBeCloseTo(
      pearsonCorrelation(
        repeatBuyers.map((o) => o.x),
        repeatBuyers.map((o) => o.monetary),
      ),
      12,
    );
    expect(Math.abs(fit.frequencyMonetaryCorrelation)).toBeLessThan(0.3);
    expect(fit.frequencyMonetaryCorrelation).not.toBe(0);
  });

  it('shrinks each buyer toward the population mean, less so the more purchases they made', () => {
    const populationMean = (fit.params.v * fit.params.p) / (fit.params.q - 1);
    expect(gammaGammaExpectedAverageValue(fit.params, { x: 0, monetary: 0 })).toBeCloseTo(populationMean, 12);
    const own = 100;
    const few = gammaGammaExpectedAverageValue(fit.params, { x: 1, monetary: own });
    const many = gammaGammaExpectedAverageValue(fit.params, { x: 20, monetary: own });
    expect(few).toBeGreaterThan(populationMean);
    expect(few).toBeLessThan(many);
    expect(many).toBeLessThan(own);
  });
});

describe('Gamma-Gamma model', () => {
  it('recovers known parameters from simulated spend', () => {
    const truth: GammaGammaParams = { p: 6, q: 4, v: 15 };
    const rng = createRng(99);
    const observations: SpendObservation[] = Array.from({ length: 4000 }, () => {
      const x = 1 + Math.floor(8 * rng());
      // Each transaction ~ gamma(p, ν); ν ~ gamma(q, v) varies between customers.
      const nu = sampleGamma(rng, truth.q, truth.v);
      let total = 0;
      for (let i = 0; i < x; i++) total += sampleGamma(rng, truth.p, nu);
      return { x, monetary: total / x };
    });
    const fit = fitGammaGamma(observations);
    for (const name of ['p', 'q', 'v'] as const) {
      expect(Math.abs(fit.params[name] - truth[name])).toBeLessThan(4 * fit.standardErrors[name]);
      expect(Math.abs(fit.params[name] / truth[name] - 1)).toBeLessThan(0.25);
    }
  });

  it('has no finite population mean when q ≤ 1', () => {
    expect(gammaGammaExpectedAverageValue({ p: 2, q: 0.9, v: 10 }, { x: 3, monetary: 20 })).toBeNaN();
  });

  it('computes Pearson correlation', () => {
    expect(pearsonCorrelation([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(6 / Math.sqrt(60), 14);
    expect(pearsonCorrelation([1, 2, 3], [6, 4, 2])).toBeCloseTo(-1, 14);
    expect(pearsonCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('fitGammaGamma failures', () => {
  it('needs repeat buyers with positive, varying spend', () => {
    expect(codeOf(() => fitGammaGamma(spend.map((o) => ({ ...o, x: 0 }))))).toBe(
      ClvFitErrorCode.TooFewRepeatBuyers,
    );
    expect(codeOf(() => fitGammaGamma([]))).toBe(ClvFitErrorCode.TooFewRepeatBuyers);
    expect(codeOf(() => fitGammaGamma(spend.slice(0, 12)))).toBe(ClvFitErrorCode.TooFewRepeatBuyers);
    expect(codeOf(() => fitGammaGamma(spend.map((o) => ({ x: o.x, monetary: 25 }))))).toBe(
      ClvFitErrorCode.InvalidInput,
    );
    expect(codeOf(() => fitGammaGamma([{ x: -1, monetary: 3 }]))).toBe(ClvFitErrorCode.InvalidInput);
  });

  it('leaves out repeat buyers whose mean spend is not positive, and says how many', () => {
    const withFreebies = [...spend, { x: 2, monetary: 0 }, { x: 1, monetary: -5 }];
    const fit = fitGammaGamma(withFreebies);
    expect(fit.excludedNonPositiveMonetary).toBe(2);
    expect(fit.customers).toBe(946);
  });
});
