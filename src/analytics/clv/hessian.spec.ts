import { cholesky, invertPositiveDefinite, numericalHessian, standardErrorsFromHessian } from './hessian';

describe('numericalHessian', () => {
  it('reproduces the Hessian of a quadratic form exactly (to rounding)', () => {
    const A = [
      [4, 1, -0.5],
      [1, 3, 0.25],
      [-0.5, 0.25, 2],
    ];
    const f = (x: number[]) => {
      let sum = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += 0.5 * x[i] * A[i][j] * x[j];
      return sum + 3 * x[0] - x[2];
    };
    const H = numericalHessian(f, [0.7, -1.2, 2.5]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(H[i][j]).toBeCloseTo(A[i][j], 5);
  });

  it('gives the textbook standard errors of a normal sample (σ/√n and σ/√(2n))', () => {
    const data = [4.1, 5.3, 3.8, 6.2, 5.0, 4.7, 5.9, 4.4, 5.5, 4.9, 6.1, 3.9];
    const n = data.length;
    const mean = data.reduce((s, v) => s + v, 0) / n;
    const sigma = Math.sqrt(data.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    const negativeLogLikelihood = ([mu, sd]: number[]) =>
      data.reduce((s, v) => s + Math.log(sd) + 0.5 * ((v - mu) / sd) ** 2, 0);
    const { standardErrors, covariance } = standardErrorsFromHessian(
      numericalHessian(negativeLogLikelihood, [mean, sigma]),
    );
    expect(covariance).toBeDefined();
    expect(standardErrors[0]).toBeCloseTo(sigma / Math.sqrt(n), 6);
    expect(standardErrors[1]).toBeCloseTo(sigma / Math.sqrt(2 * n), 6);
  });
});

describe('standardErrorsFromHessian', () => {
  it('inverts a positive-definite matrix', () => {
    const M = [
      [4, 2],
      [2, 3],
    ];
    const inverse = invertPositiveDefinite(M)!;
    const product = [
      [M[0][0] * inverse[0][0] + M[0][1] * inverse[1][0], M[0][0] * inverse[0][1] + M[0][1] * inverse[1][1]],
      [M[1][0] * inverse[0][0] + M[1][1] * inverse[1][0], M[1][0] * inverse[0][1] + M[1][1] * inverse[1][1]],
    ];
    expect(product[0][0]).toBeCloseTo(1, 14);
    expect(product[0][1]).toBeCloseTo(0, 14);
    expect(product[1][0]).toBeCloseTo(0, 14);
    expect(product[1][1]).toBeCloseTo(1, 14);
    const L = cholesky(M)!;
    expect(L[0][1]).toBe(0);
    expect(L[1][0] * L[1][0] + L[1][1] * L[1][1]).toBeCloseTo(3, 14);
  });

  it('returns NaN standard errors and no covariance for an indefinite Hessian (saddle point)', () => {
    const result = standardErrorsFromHessian([
      [2, 0],
      [0, -1],
    ]);
    expect(result.covariance).toBeUndefined();
    expect(result.standardErrors).toHaveLength(2);
    result.standardErrors.forEach((se) => expect(se).toBeNaN());
  });

  it('returns NaN for a singular Hessian (a flat, unidentified direction)', () => {
    const result = standardErrorsFromHessian([
      [1, 1],
      [1, 1],
    ]);
    expect(result.covariance).toBeUndefined();
    result.standardErrors.forEach((se) => expect(se).toBeNaN());
  });
});
