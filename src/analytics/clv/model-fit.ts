import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { numericalHessian, standardErrorsFromHessian } from './hessian';
import { MinimizeOptions, MinimizeResult, minimizePositive } from './optimize';

export interface FitOptions<P> {
  /** Starting point; otherwise model-specific defaults scaled to the data. */
  initial?: P;
  /** Return a non-converged fit (with `converged: false`) instead of throwing NOT_CONVERGED. */
  allowNonConverged?: boolean;
  optimizer?: MinimizeOptions;
}

export interface ModelFit<P> {
  params: P;
  /** NaN when the Hessian is not positive-definite or a parameter sits on an optimiser bound. */
  standardErrors: { [K in keyof P]: number };
  covariance: number[][] | undefined;
  logLikelihood: number;
  converged: boolean;
  /** Parameters pinned at the [1e-5, 1e5] box: the data do not identify them. */
  atBound: (keyof P)[];
  /** Simplex iterations of the run that produced the result. */
  iterations: number;
  /** Likelihood evaluations over all starts (excluding the Hessian). */
  evaluations: number;
  /** Customers that entered the likelihood. */
  customers: number;
}

/**
 * Shared maximum-likelihood driver: minimise the negative log-likelihood from each start, keep the best,
 * refuse to report a non-converged optimum as a result unless asked to, and derive standard errors from the
 * curvature at the optimum.
 */
export function fitByMaximumLikelihood<K extends string>(
  names: readonly K[],
  logLikelihood: (params: number[]) => number,
  starts: readonly number[][],
  customers: number,
  options: FitOptions<Record<K, number>>,
): ModelFit<Record<K, number>> {
  const negative = (params: number[]) => -logLikelihood(params);
  const allStarts = options.initial ? [names.map((n) => options.initial![n]), ...starts] : starts;
  // Later starts are fallbacks for when the optimiser fails from the earlier ones, not a global search: these
  // likelihoods have been unimodal in practice, and every start costs as much as the fit itself.
  let best: MinimizeResult | undefined;
  let evaluations = 0;
  for (const start of allStarts) {
    const result = minimizePositive(negative, start, options.optimizer);
    evaluations += result.evaluations;
    if (!best || result.value < best.value || (result.value === best.value && result.converged)) {
      best = result;
    }
    if (best.converged) break;
  }
  if (!best || !Number.isFinite(best.value)) {
    throw new ClvFitError(
      ClvFitErrorCode.NotConverged,
      'the log-likelihood is not finite at any point reached',
    );
  }
  const toRecord = (values: readonly number[]) =>
    Object.fromEntries(names.map((n, i) => [n, values[i]])) as Record<K, number>;
  if (!best.converged && !options.allowNonConverged) {
    throw new ClvFitError(ClvFitErrorCode.NotConverged, `optimiser did not converge: ${best.message}`, {
      params: toRecord(best.params),
      logLikelihood: -best.value,
      iterations: best.iterations,
    });
  }
  const atBound = names.filter((_, i) => best!.atBound[i]);
  // Curvature at a box-constrained optimum says nothing about sampling error, so report none.
  const { covariance, standardErrors } =
    atBound.length > 0
      ? { covariance: undefined, standardErrors: names.map(() => NaN) }
      : standardErrorsFromHessian(numericalHessian(negative, best.params));
  return {
    params: toRecord(best.params),
    standardErrors: toRecord(standardErrors),
    covariance,
    logLikelihood: -best.value,
    converged: best.converged,
    atBound,
    iterations: best.iterations,
    evaluations,
    customers,
  };
}
