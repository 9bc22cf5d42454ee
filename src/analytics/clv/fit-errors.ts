/**
 * Typed failure reasons for the CLV models. Callers (jobs, API layers) branch on `code` to decide between
 * "not enough data yet" (expected for young accounts, not worth an alert) and genuine numerical trouble.
 */
export enum ClvFitErrorCode {
  TooFewCustomers = 'TOO_FEW_CUSTOMERS',
  TooFewRepeatBuyers = 'TOO_FEW_REPEAT_BUYERS',
  AllZeroFrequencies = 'ALL_ZERO_FREQUENCIES',
  NotConverged = 'NOT_CONVERGED',
  InvalidInput = 'INVALID_INPUT',
}

export class ClvFitError extends Error {
  constructor(
    readonly code: ClvFitErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ClvFitError';
  }
}

export function isClvFitError(error: unknown, code?: ClvFitErrorCode): error is ClvFitError {
  return error instanceof ClvFitError && (code === undefined || error.code === code);
}
