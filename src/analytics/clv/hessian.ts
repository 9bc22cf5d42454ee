/**
 * Curvature of a negative log-likelihood at its minimum, and the asymptotic standard errors it implies.
 */

export interface HessianOptions {
  /** Step relative to |x_i|; ≈ ε^(1/4) balances truncation against rounding for second differences. */
  relativeStep?: number;
  /** Floor on the step for parameters at or near zero. */
  minStep?: number;
}

/** Central-difference Hessian of f at x (f is evaluated 2n² + 1 times). */
export function numericalHessian(
  f: (x: number[]) => number,
  x: readonly number[],
  options: HessianOptions = {},
): number[][] {
  const relativeStep = options.relativeStep ?? 1e-4;
  const minStep = options.minStep ?? 1e-8;
  const n = x.length;
  const h = x.map((v) => {
    const raw = relativeStep * Math.max(Math.abs(v), minStep);
    // Round-trip through x + h so the step actually represented in floating point is the one divided by.
    return v + raw - v;
  });
  const at = (di: number, si: number, dj = -1, sj = 0) => {
    const point = x.slice();
    point[di] += si * h[di];
    if (dj >= 0) point[dj] += sj * h[dj];
    return f(point);
  };
  const f0 = f(x.slice());
  const hessian: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    hessian[i][i] = (at(i, 1) - 2 * f0 + at(i, -1)) / (h[i] * h[i]);
    for (let j = i + 1; j < n; j++) {
      const value =
        (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h[i] * h[j]);
      hessian[i][j] = value;
      hessian[j][i] = value;
    }
  }
  return hessian;
}

/** Lower-triangular L with A = L Lᵀ, or undefined when A is not (numerically) positive-definite. */
export function cholesky(matrix: readonly (readonly number[])[]): number[][] | undefined {
  const n = matrix.length;
  const lower: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i][j];
      for (let k = 0; k < j; k++) sum -= lower[i][k] * lower[j][k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return undefined;
        lower[i][i] = Math.sqrt(sum);
      } else {
        lower[i][j] = sum / lower[j][j];
      }
    }
  }
  return lower;
}

/** Inverse of a symmetric positive-definite matrix, or undefined when it is not one. */
export function invertPositiveDefinite(matrix: readonly (readonly number[])[]): number[][] | undefined {
  const lower = cholesky(matrix);
  if (!lower) return undefined;
  const n = matrix.length;
  // Invert L by forward substitution, then A⁻¹ = L⁻ᵀ L⁻¹.
  const inverseLower: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let col = 0; col < n; col++) {
    inverseLower[col][col] = 1 / lower[col][col];
    for (let i = col + 1; i < n; i++) {
      let sum = 0;
      for (let k = col; k < i; k++) sum -= lower[i][k] * inverseLower[k][col];
      inverseLower[i][col] = sum / lower[i][i];
    }
  }
  const inverse: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < n; k++) sum += inverseLower[k][i] * inverseLower[k][j];
      inverse[i][j] = sum;
      inverse[j][i] = sum;
    }
  }
  return inverse.every((row) => row.every(Number.isFinite)) ? inverse : undefined;
}

export interface StandardErrors {
  /** Inverse Hessian of the negative log-likelihood; undefined when the Hessian is not positive-definite. */
  covariance: number[][] | undefined;
  /** NaN entries when the covariance does not exist (saddle point, flat direction, bound-constrained fit). */
  standardErrors: number[];
}

/** Standard errors from the Hessian of a negative log-likelihood at its minimum. */
export function standardErrorsFromHessian(hessian: readonly (readonly number[])[]): StandardErrors {
  const covariance = invertPositiveDefinite(hessian);
  if (!covariance) return { covariance: undefined, standardErrors: hessian.map(() => NaN) };
  return { covariance, standardErrors: covariance.map((row, i) => Math.sqrt(row[i])) };
}
