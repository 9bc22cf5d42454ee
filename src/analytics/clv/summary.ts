/**
 * Per-customer RFM summary from raw transactions, in the form the BG/NBD, Pareto/NBD and Gamma-Gamma models
 * expect. Purchases are counted per calendar day: several orders on one day are one purchase occasion (their
 * amounts are added), because the models describe the timing of occasions, not basket splits.
 */
import { ClvFitError, ClvFitErrorCode } from './fit-errors';
import { RfmObservation } from './rfm';

export type TimeUnit = 'days' | 'weeks';

export interface Transaction<Id extends string | number = string> {
  customerId: Id;
  /** A Date (bucketed by its UTC calendar day) or an ISO day 'YYYY-MM-DD'. */
  date: Date | string;
  amount: number;
}

export interface SummaryOptions {
  /** Last day (inclusive) of the calibration period. */
  calibrationEnd: Date | string;
  /** Last day (inclusive) of an optional holdout period that starts the day after calibrationEnd. */
  holdoutEnd?: Date | string;
  /** Unit of t_x, T and holdoutDuration. Default 'weeks'. */
  unit?: TimeUnit;
}

export interface CustomerSummary<Id extends string | number = string> extends RfmObservation {
  customerId: Id;
  /** Mean total of the repeat purchase days (first day excluded); 0 when x = 0. */
  monetary: number;
  firstPurchaseDay: string;
  /** Distinct purchase days in the holdout period; present only when holdoutEnd was given. */
  holdoutFrequency?: number;
}

export interface RfmSummary<Id extends string | number = string> {
  /** In order of each customer's first transaction in the input. */
  customers: CustomerSummary<Id>[];
  unit: TimeUnit;
  calibrationEnd: string;
  holdoutEnd?: string;
  /** Holdout length in `unit`. */
  holdoutDuration?: number;
  /** Customers whose first purchase falls after calibrationEnd: they have no calibration history to fit. */
  customersWithoutCalibrationHistory: number;
}

const MS_PER_DAY = 86_400_000;
const DAYS_PER_UNIT: Record<TimeUnit, number> = { days: 1, weeks: 7 };
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a Date (its UTC day) or an ISO 'YYYY-MM-DD'; throws INVALID_INPUT otherwise. */
export function toDayNumber(value: Date | string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new ClvFitError(ClvFitErrorCode.InvalidInput, 'invalid Date');
    return Math.floor(ms / MS_PER_DAY);
  }
  const match = ISO_DAY.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const ms = Date.UTC(year, month - 1, day);
    const check = new Date(ms);
    // Date.UTC silently rolls 1997-02-30 over to March; a typo must not shift a purchase.
    if (check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day) {
      return ms / MS_PER_DAY;
    }
  }
  throw new ClvFitError(
    ClvFitErrorCode.InvalidInput,
    `not an ISO day (YYYY-MM-DD): ${JSON.stringify(value)}`,
  );
}

export function dayNumberToIso(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

function dayOfTransaction(date: Date | string, index: number): number {
  try {
    return toDayNumber(date);
  } catch (error) {
    if (error instanceof ClvFitError) {
      throw new ClvFitError(error.code, `transaction ${index}: ${error.message}`, { index });
    }
    throw error;
  }
}

interface Accumulator {
  /** day number → total amount that day */
  calibrationDays: Map<number, number>;
  holdoutDays: Set<number>;
}

export function summarizeTransactions<Id extends string | number>(
  transactions: Iterable<Transaction<Id>>,
  options: SummaryOptions,
): RfmSummary<Id> {
  const unit = options.unit ?? 'weeks';
  if (unit !== 'days' && unit !== 'weeks') {
    throw new ClvFitError(ClvFitErrorCode.InvalidInput, `unknown time unit ${String(unit)}`);
  }
  const perUnit = DAYS_PER_UNIT[unit];
  const calibrationEnd = toDayNumber(options.calibrationEnd);
  const holdoutEnd = options.holdoutEnd === undefined ? undefined : toDayNumber(options.holdoutEnd);
  if (holdoutEnd !== undefined && holdoutEnd <= calibrationEnd) {
    throw new ClvFitError(ClvFitErrorCode.InvalidInput, 'holdoutEnd must be after calibrationEnd');
  }
  const lastDay = holdoutEnd ?? calibrationEnd;

  const byCustomer = new Map<Id, Accumulator>();
  let index = -1;
  for (const { customerId, date, amount } of transactions) {
    index++;
    if (!Number.isFinite(amount)) {
      const details = { index, customerId };
      throw new ClvFitError(
        ClvFitErrorCode.InvalidInput,
        `transaction ${index}: amount must be finite`,
        details,
      );
    }
    const day = dayOfTransaction(date, index);
    if (day > lastDay) continue;
    let acc = byCustomer.get(customerId);
    if (!acc) {
      acc = { calibrationDays: new Map(), holdoutDays: new Set() };
      byCustomer.set(customerId, acc);
    }
    if (day <= calibrationEnd) acc.calibrationDays.set(day, (acc.calibrationDays.get(day) ?? 0) + amount);
    else acc.holdoutDays.add(day);
  }

  const customers: CustomerSummary<Id>[] = [];
  let customersWithoutCalibrationHistory = 0;
  for (const [customerId, acc] of byCustomer) {
    if (acc.calibrationDays.size === 0) {
      customersWithoutCalibrationHistory++;
      continue;
    }
    let first = Infinity;
    let last = -Infinity;
    for (const day of acc.calibrationDays.keys()) {
      if (day < first) first = day;
      if (day > last) last = day;
    }
    const x = acc.calibrationDays.size - 1;
    let repeatTotal = 0;
    for (const [day, total] of acc.calibrationDays) if (day !== first) repeatTotal += total;
    const summary: CustomerSummary<Id> = {
      customerId,
      x,
      tx: (last - first) / perUnit,
      T: (calibrationEnd - first) / perUnit,
      monetary: x > 0 ? repeatTotal / x : 0,
      firstPurchaseDay: dayNumberToIso(first),
    };
    if (holdoutEnd !== undefined) summary.holdoutFrequency = acc.holdoutDays.size;
    customers.push(summary);
  }

  return {
    customers,
    unit,
    calibrationEnd: dayNumberToIso(calibrationEnd),
    ...(holdoutEnd !== undefined && {
      holdoutEnd: dayNumberToIso(holdoutEnd),
      holdoutDuration: (holdoutEnd - calibrationEnd) / perUnit,
    }),
    customersWithoutCalibrationHistory,
  };
}
