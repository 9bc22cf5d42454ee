/**
 * The calibration (and optional holdout) period of a CLV fit, resolved from request options against today and
 * checked against the span of the order data. Days are UTC calendar days, as the summaries bucket orders.
 */
import { ClvFitError, ClvFitErrorCode } from '../clv/fit-errors';
import { dayNumberToIso, toDayNumber } from '../clv/summary';

export class CalibrationWindowError extends Error {
  constructor(
    /** `invalid`: the options contradict themselves or today; `outside_data`: the orders do not cover them. */
    readonly reason: 'invalid' | 'outside_data',
    message: string,
  ) {
    super(message);
    this.name = 'CalibrationWindowError';
  }
}

export interface CalibrationWindow {
  /** Last day of the calibration period (inclusive), 'YYYY-MM-DD'. */
  calibrationEnd: string;
  /** Last day of the holdout period (inclusive), which starts the day after calibrationEnd. */
  holdoutEnd?: string;
  /** Holdout length in days. */
  holdoutDays?: number;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day from 'YYYY-MM-DD' or an ISO date-time (its UTC day). */
export function parseDay(value: string, field: string): number {
  try {
    if (ISO_DAY.test(value)) return toDayNumber(value);
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return toDayNumber(date);
  } catch {
    // reported below
  }
  throw new CalibrationWindowError('invalid', `${field} is not an ISO date: ${JSON.stringify(value)}`);
}

export function resolveCalibrationWindow(
  options: { calibrationEnd?: string; holdoutEnd?: string },
  now: Date,
): CalibrationWindow {
  const today = toDayNumber(now);
  const calibrationEnd =
    options.calibrationEnd === undefined ? today : parseDay(options.calibrationEnd, 'calibrationEnd');
  if (calibrationEnd > today) {
    throw new CalibrationWindowError(
      'invalid',
      `calibrationEnd ${dayNumberToIso(calibrationEnd)} is in the future (today is ${dayNumberToIso(today)})`,
    );
  }
  if (options.holdoutEnd === undefined) return { calibrationEnd: dayNumberToIso(calibrationEnd) };
  const holdoutEnd = parseDay(options.holdoutEnd, 'holdoutEnd');
  if (holdoutEnd <= calibrationEnd) {
    throw new CalibrationWindowError(
      'invalid',
      `holdoutEnd ${dayNumberToIso(holdoutEnd)} must be after calibrationEnd ${dayNumberToIso(calibrationEnd)}`,
    );
  }
  if (holdoutEnd > today) {
    throw new CalibrationWindowError(
      'invalid',
      `holdoutEnd ${dayNumberToIso(holdoutEnd)} is in the future (today is ${dayNumberToIso(today)})`,
    );
  }
  return {
    calibrationEnd: dayNumberToIso(calibrationEnd),
    holdoutEnd: dayNumberToIso(holdoutEnd),
    holdoutDays: holdoutEnd - calibrationEnd,
  };
}

/**
 * The calibration period must contain orders: ending before the first one leaves nobody to fit. `span` is the
 * first and last order day in the data, or undefined when there are no orders at all.
 */
export function checkWindowAgainstData(
  window: CalibrationWindow,
  span: { first: string; last: string } | undefined,
): void {
  if (!span) {
    throw new ClvFitError(ClvFitErrorCode.TooFewCustomers, 'there are no Order Completed events to fit', {
      customers: 0,
    });
  }
  if (toDayNumber(window.calibrationEnd) < toDayNumber(span.first)) {
    throw new CalibrationWindowError(
      'outside_data',
      `calibrationEnd ${window.calibrationEnd} is before the first order (${span.first}); orders span ${span.first} to ${span.last}`,
    );
  }
}
