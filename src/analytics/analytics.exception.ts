import { AppException } from '../common/errors/app.exception';
import { ClvFitError, ClvFitErrorCode } from './clv/fit-errors';

export enum AnalyticsErrorCode {
  MODEL_NOT_FOUND = 'MODEL_NOT_FOUND',
  /** Options that contradict each other or today (holdout before calibration, a date in the future). */
  INVALID_MODEL_OPTIONS = 'INVALID_MODEL_OPTIONS',
  /** The calibration period ends before the first order. */
  CALIBRATION_OUTSIDE_DATA = 'CALIBRATION_OUTSIDE_DATA',
  TOO_FEW_CUSTOMERS = 'TOO_FEW_CUSTOMERS',
  TOO_FEW_REPEAT_BUYERS = 'TOO_FEW_REPEAT_BUYERS',
  ALL_ZERO_FREQUENCIES = 'ALL_ZERO_FREQUENCIES',
  /** The data can be read but not fitted (identical spends, a spend model without a finite mean, …). */
  UNFITTABLE_DATA = 'UNFITTABLE_DATA',
  /** Churn: too few labelled customers, or only one outcome among them. */
  INSUFFICIENT_TRAINING_DATA = 'INSUFFICIENT_TRAINING_DATA',
  /** The optimiser did not converge; the attempt is stored with status not_converged and is not used. */
  MODEL_NOT_CONVERGED = 'MODEL_NOT_CONVERGED',
  /** Another fit of the same kind is running (on this or another process). */
  MODEL_FIT_IN_PROGRESS = 'MODEL_FIT_IN_PROGRESS',
}

const FROM_CLV_FIT: Record<ClvFitErrorCode, AnalyticsErrorCode> = {
  [ClvFitErrorCode.TooFewCustomers]: AnalyticsErrorCode.TOO_FEW_CUSTOMERS,
  [ClvFitErrorCode.TooFewRepeatBuyers]: AnalyticsErrorCode.TOO_FEW_REPEAT_BUYERS,
  [ClvFitErrorCode.AllZeroFrequencies]: AnalyticsErrorCode.ALL_ZERO_FREQUENCIES,
  [ClvFitErrorCode.NotConverged]: AnalyticsErrorCode.MODEL_NOT_CONVERGED,
  [ClvFitErrorCode.InvalidInput]: AnalyticsErrorCode.UNFITTABLE_DATA,
};

export class AnalyticsException extends AppException {
  constructor(code: AnalyticsErrorCode, message: string) {
    super(code, message);
  }

  static notFound(id: string): AnalyticsException {
    return new AnalyticsException(AnalyticsErrorCode.MODEL_NOT_FOUND, `Model "${id}" not found`);
  }

  static fromClvFit(error: ClvFitError): AnalyticsException {
    return new AnalyticsException(FROM_CLV_FIT[error.code], error.message);
  }

  static inProgress(kind: string): AnalyticsException {
    return new AnalyticsException(
      AnalyticsErrorCode.MODEL_FIT_IN_PROGRESS,
      `A ${kind} model fit is already running; try again when it has finished`,
    );
  }
}
