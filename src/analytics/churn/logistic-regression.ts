/**
 * L2-penalised logistic regression fitted by iteratively reweighted least squares (Newton's method on the
 * penalised log-likelihood). The intercept is not penalised. Features are expected on comparable scales
 * (z-scores), which is what makes a single penalty weight meaningful.
 */
import { cholesky } from '../clv/hessian';

// Jest evaluates modules in a vm context where every global lookup costs ~100 ns: bind them once.
const { abs, exp, log, log1p, max, min, sqrt } = Math;
const { isFinite: isFiniteNumber, NEGATIVE_INFINITY } = Number;

export interface LogisticOptions {
  /** Penalty λ in −λ/2 Σ β_j² (intercept excluded). Default 1. */
  l2?: number;
  /** Newton iterations. Default 100. */
  maxIterations?: number;
  /** Convergence when no coefficient moves more than this. Default 1e-8. */
  tolerance?: number;
}

export interface LogisticModel {
  intercept: number;
  coefficients: number[];
  /** sqrt(diag(H⁻¹)) of the penalised Hessian at the optimum: [intercept, ...coefficients]; NaN for dropped columns. */
  standardErrors: number[];
  /** Unpenalised log-likelihood of the training data at the optimum. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** Why it did not converge, when it did not. */
  message: string;
}

/**
 * `x` holds n rows of d features, row-major; `y` 1 for the positive outcome, 0 otherwise. Columns that are
 * constant zero (a feature nobody has, after scaling) carry no information: their coefficient is 0.
 */
export function fitLogisticRegression(
  x: Float64Array,
  y: ArrayLike<number>,
  d: number,
  options: LogisticOptions = {},
): LogisticModel {
  const n = y.length;
  if (x.length !== n * d) throw new RangeError(`x holds ${x.length} values, expected ${n} × ${d}`);
  if (n === 0) throw new RangeError('no training rows');
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-8;
  if (!(l2 >= 0)) throw new RangeError('l2 must be non-negative');
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`label ${i} must be 0 or 1, got ${y[i]}`);
  }

  // Parameter k = 0 is the intercept, k = 1 + j the coefficient of feature column j.
  const nonZero = new Uint8Array(d);
  for (let k = 0; k < x.length; k++) {
    const v = x[k];
    if (!isFiniteNumber(v))
      throw new RangeError(`feature ${k % d} of row ${(k - (k % d)) / d} is not finite`);
    if (v !== 0) nonZero[k % d] = 1;
  }
  const active: number[] = [0];
  for (let j = 0; j < d; j++) if (nonZero[j]) active.push(j + 1);
  const m = active.length;
  const beta = new Float64Array(d + 1);
  const valueAt = (i: number, k: number) => (k === 0 ? 1 : x[i * d + k - 1]);
  const linear = (b: Float64Array, i: number) => {
    let eta = b[0];
    const row = i * d;
    for (let j = 0; j < d; j++) eta += b[j + 1] * x[row + j];
    return eta;
  };
  const penalised = (b: Float64Array) => {
    let ll = 0;
    for (let i = 0; i < n; i++) ll += logLikelihoodTerm(linear(b, i), y[i]);
    let penalty = 0;
    for (let k = 1; k <= d; k++) penalty += b[k] * b[k];
    return ll - (l2 / 2) * penalty;
  };

  let objective = penalised(beta);
  let iterations = 0;
  let converged = false;
  let message = 'iteration budget exhausted';
  let lastHessian: number[][] | undefined;
  const gradient = new Float64Array(m);
  while (iterations < maxIterations) {
    iterations++;
    gradient.fill(0);
    const hessian: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < n; i++) {
      const p = logisticProbability(linear(beta, i));
      const w = p * (1 - p);
      const residual = y[i] - p;
      for (let a = 0; a < m; a++) {
        const va = valueAt(i, active[a]);
        gradient[a] += va * residual;
        const wa = w * va;
        for (let b = 0; b <= a; b++) hessian[a][b] += wa * valueAt(i, active[b]);
      }
    }
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < a; b++) hessian[b][a] = hessian[a][b];
      if (active[a] !== 0) {
        gradient[a] -= l2 * beta[active[a]];
        hessian[a][a] += l2;
      }
    }
    lastHessian = hessian;
    const step = solvePositiveDefinite(hessian, gradient);
    if (!step) {
      message = 'the Hessian is singular: features are collinear or perfectly separate the outcome (add l2)';
      break;
    }
    // Newton steps on a concave objective only overshoot far from the optimum; halve until it improves.
    let scale = 1;
    let candidate = beta;
    let candidateObjective = NEGATIVE_INFINITY;
    for (let halving = 0; halving < 30; halving++) {
      candidate = Float64Array.from(beta);
      for (let a = 0; a < m; a++) candidate[active[a]] += scale * step[a];
      candidateObjective = penalised(candidate);
      if (candidateObjective >= objective - 1e-12 * max(1, abs(objective))) break;
      scale /= 2;
    }
    let largestMove = 0;
    for (let a = 0; a < m; a++) largestMove = max(largestMove, abs(scale * step[a]));
    beta.set(candidate);
    objective = candidateObjective;
    if (!isFiniteNumber(objective)) {
      message = 'the log-likelihood became non-finite';
      break;
    }
    if (largestMove <= tolerance * max(1, maxAbs(beta))) {
      converged = true;
      message = 'converged';
      break;
    }
    // Coefficients running off to infinity: the outcome is (quasi-)separable and λ = 0 has no optimum.
    if (maxAbs(beta) > 1e6) {
      message = 'coefficients diverge: the outcome is perfectly separable (add l2)';
      break;
    }
  }

  const standardErrors = new Array<number>(d + 1).fill(NaN);
  const inverse = lastHessian && converged ? invertSymmetric(lastHessian) : undefined;
  if (inverse) active.forEach((k, a) => (standardErrors[k] = sqrt(inverse[a][a])));
  let logLikelihood = 0;
  for (let i = 0; i < n; i++) logLikelihood += logLikelihoodTerm(linear(beta, i), y[i]);
  return {
    intercept: beta[0],
    coefficients: Array.from(beta.subarray(1)),
    standardErrors,
    logLikelihood,
    iterations,
    converged,
    message,
  };
}

/** P(y = 1) for each of the n rows of x (row-major, d features). */
export function predictLogistic(
  model: Pick<LogisticModel, 'intercept' | 'coefficients'>,
  x: Float64Array,
  d: number,
): Float64Array {
  if (model.coefficients.length !== d)
    throw new RangeError(`model has ${model.coefficients.length} features, x has ${d}`);
  const n = x.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eta = model.intercept;
    for (let j = 0; j < d; j++) eta += model.coefficients[j] * x[i * d + j];
    out[i] = logisticProbability(eta);
  }
  return out;
}

export function logisticProbability(eta: number): number {
  if (eta >= 0) return 1 / (1 + exp(-eta));
  const e = exp(eta);
  return e / (1 + e);
}

/** y·ln p + (1 − y)·ln(1 − p) with p = σ(η), stable in both tails: −ln(1 + e^−η) or −ln(1 + e^η). */
function logLikelihoodTerm(eta: number, y: number): number {
  const z = y === 1 ? eta : -eta;
  return z >= 0 ? -log1p(exp(-z)) : z - log1p(exp(z));
}

function maxAbs(values: Float64Array): number {
  let largest = 0;
  for (const v of values) largest = max(largest, abs(v));
  return largest;
}

function solvePositiveDefinite(matrix: number[][], rhs: Float64Array): Float64Array | undefined {
  const lower = cholesky(matrix);
  if (!lower) return undefined;
  const m = rhs.length;
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = rhs[i];
    for (let k = 0; k < i; k++) sum -= lower[i][k] * z[k];
    z[i] = sum / lower[i][i];
  }
  const out = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < m; k++) sum -= lower[k][i] * out[k];
    out[i] = sum / lower[i][i];
  }
  return out;
}

function invertSymmetric(matrix: number[][]): number[][] | undefined {
  const m = matrix.length;
  const inverse: number[][] = [];
  for (let col = 0; col < m; col++) {
    const unit = new Float64Array(m);
    unit[col] = 1;
    const solved = solvePositiveDefinite(matrix, unit);
    if (!solved) return undefined;
    inverse.push(Array.from(solved));
  }
  return inverse;
}

/** Mean log-loss (cross-entropy) of probabilities against 0/1 labels, with p clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = min(1 - 1e-15, max(1e-15, probabilities[i]));
    sum -= labels[i] === 1 ? log(p) : log(1 - p);
  }
  return sum / n;
}

/** Mean squared error of probabilities against 0/1 labels. */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (probabilities[i] - labels[i]) ** 2;
  return sum / n;
}
