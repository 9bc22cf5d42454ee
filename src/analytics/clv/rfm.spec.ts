import { fitBgNbd } from './bgnbd';
import { ClvFitError, ClvFitErrorCode, isClvFitError } from './fit-errors';
import { checkCountData, compressObservations, validateObservations } from './rfm';

describe('validateObservations', () => {
  it('accepts t_x exceeding T by a two-decimal rounding step, but not more', () => {
    expect(() => validateObservations([{ x: 2, tx: 38.87, T: 38.86 }])).not.toThrow();
    expect(() => validateObservations([{ x: 2, tx: 38.9, T: 38.86 }])).toThrow(ClvFitError);
  });

  it('names the offending observation', () => {
    try {
      validateObservations([
        { x: 1, tx: 2, T: 3 },
        { x: -1, tx: 0, T: 3 },
      ]);
      throw new Error('expected a ClvFitError');
    } catch (error) {
      expect(isClvFitError(error, ClvFitErrorCode.InvalidInput)).toBe(true);
      expect((error as ClvFitError).details).toMatchObject({ index: 1 });
      expect((error as ClvFitError).message).toMatch(/observation 1/);
    }
  });
});

describe('compressObservations', () => {
  it('weights identical histories and keeps distinct ones apart', () => {
    const patterns = compressObservations([
      { x: 0, tx: 0, T: 10 },
      { x: 0, tx: 0, T: 10 },
      { x: 1, tx: 4, T: 10 },
      { x: 0, tx: 0, T: 11 },
      { x: 0, tx: 0, T: 10 },
    ]);
    expect(patterns).toEqual([
      { x: 0, tx: 0, T: 10, weight: 3 },
      { x: 1, tx: 4, T: 10, weight: 1 },
      { x: 0, tx: 0, T: 11, weight: 1 },
    ]);
  });
});

describe('checkCountData and isClvFitError', () => {
  it('distinguishes the failure codes', () => {
    const codeOf = (fn: () => void) => {
      try {
        fn();
        return undefined;
      } catch (error) {
        return isClvFitError(error) ? error.code : 'untyped';
      }
    };
    const none = Array.from({ length: 5 }, () => ({ x: 0, tx: 0, T: 5 }));
    expect(codeOf(() => checkCountData(none, 10, 1))).toBe(ClvFitErrorCode.TooFewCustomers);
    expect(codeOf(() => checkCountData(none, 5, 1))).toBe(ClvFitErrorCode.AllZeroFrequencies);
    expect(codeOf(() => checkCountData([...none, { x: 1, tx: 1, T: 5 }], 5, 2))).toBe(
      ClvFitErrorCode.TooFewRepeatBuyers,
    );
    expect(codeOf(() => checkCountData([...none, { x: 1, tx: 1, T: 5 }], 5, 1))).toBeUndefined();
    expect(isClvFitError(new Error('plain'))).toBe(false);
    expect(
      isClvFitError(new ClvFitError(ClvFitErrorCode.NotConverged, 'x'), ClvFitErrorCode.InvalidInput),
    ).toBe(false);
  });
});

describe('fits pinned at the parameter box', () => {
  it('report the pinned parameters and withhold standard errors', () => {
    // Every repeat buyer bought right up to the end of the window: no sign of dropout, so the dropout
    // probability's beta(a, b) prior collapses to 0 (a → lower bound, b → upper bound).
    const observations = [
      ...Array.from({ length: 40 }, (_, i) => ({
        x: 1 + (i % 7),
        tx: 29.5 + (i % 5) - (i % 3) * 0.1,
        T: 30 + (i % 5),
      })),
      ...Array.from({ length: 20 }, (_, i) => ({ x: 0, tx: 0, T: 20 + i })),
    ];
    const fit = fitBgNbd(observations);
    expect(fit.converged).toBe(true);
    expect(fit.atBound).toEqual(['a', 'b']);
    expect(fit.params.a).toBeLessThan(1.001e-5);
    expect(fit.params.b).toBeGreaterThan(0.999e5);
    expect(fit.covariance).toBeUndefined();
    Object.values(fit.standardErrors).forEach((se) => expect(se).toBeNaN());
  });
});
