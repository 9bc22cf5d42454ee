import { loadCdnowSpend } from './cdnow.fixtures';
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { SpendObservation, fitGammaGamma, gammaGammaLogLikelihood } from './gamma-gamma';
import { fitGammaGammaGrouped, groupedLogLikelihood } from './gamma-gamma-grouped';
import { createRng, sampleGamma } from './random';

/** Repeat buyers with mean spends from the Gamma-Gamma story: every mean is distinct, as in real data. */
function simulateSpend(n: number, seed: number): SpendObservation[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const x = 1 + Math.floor(-Math.log(rng()) * 2);
    const rate = sampleGamma(rng, 3.74, 15.44);
    let total = 0;
    for (let k = 0; k < x; k++) total += sampleGamma(rng, 6.25, rate);
    return { x, monetary: total / x };
  });
}

describe('groupedLogLikelihood', () => {
  it('equals the per-buyer Gamma-Gamma likelihood', () => {
    const buyers = loadCdnowSpend()
      .filter((r) => r.x > 0)
      .map((r) => ({ x: r.x, monetary: r.zbar }));
    const grouped = groupedLogLikelihood(buyers);
    for (const params of [
      { p: 6.25, q: 3.74, v: 15.44 },
      { p: 0.5, q: 1.2, v: 3 },
      { p: 40, q: 20, v: 200 },
    ]) {
      const direct = gammaGammaLogLikelihood(params, buyers);
      expect(Math.abs(grouped(params.p, params.q, params.v) - direct)).toBeLessThan(1e-9 * Math.abs(direct));
    }
  });
});

describe('fitGammaGammaGrouped', () => {
  it('returns the same fit as fitGammaGamma on a large base with distinct spends', () => {
    const spend = simulateSpend(5_000, 3);
    const plain = fitGammaGamma(spend);
    const grouped = fitGammaGammaGrouped(spend);
    for (const name of ['p', 'q', 'v'] as const) {
      expect(Math.abs(grouped.params[name] / plain.params[name] - 1)).toBeLessThan(1e-5);
      expect(Math.abs(grouped.standardErrors[name] / plain.standardErrors[name] - 1)).toBeLessThan(0.01);
    }
    expect(grouped.logLikelihood).toBeCloseTo(plain.logLikelihood, 6);
    expect(grouped.customers).toBe(plain.customers);
    expect(grouped.frequencyMonetaryCorrelation).toBe(plain.frequencyMonetaryCorrelation);
    expect(grouped.converged).toBe(true);
  });

  it('matches fitGammaGamma on CDNOW and keeps its data checks', () => {
    const cdnow = loadCdnowSpend().map((r) => ({ x: r.x, monetary: r.zbar }));
    const fit = fitGammaGammaGrouped(cdnow);
    const plain = fitGammaGamma(cdnow);
    for (const name of ['p', 'q', 'v'] as const) {
      expect(Math.abs(fit.params[name] / plain.params[name] - 1)).toBeLessThan(1e-5);
    }
    expect(fit.customers).toBe(946);
    const same = Array.from({ length: 3_000 }, () => ({ x: 2, monetary: 10 }));
    expect(() => fitGammaGammaGrouped(same)).toThrow(ClvFitError);
    const first = Array.from({ length: 3_000 }, () => ({ x: 0, monetary: 0 }));
    try {
      fitGammaGammaGrouped(first);
      throw new Error('expected an error');
    } catch (error) {
      expect((error as ClvFitError).code).toBe(ClvFitErrorCode.TooFewRepeatBuyers);
    }
  });
});
