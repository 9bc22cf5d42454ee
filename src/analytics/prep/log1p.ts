import { mapNumericColumns, MutableRow, observedNumbers, requireColumns, Row } from './row';

/**
 * log(1 + x) for right-skewed non-negative features (revenue, order counts), zero staying zero. Nothing is
 * learned; fit exists so the step stores and replays like the others and rejects bad data before a pipeline
 * is saved.
 *
 * Negative inputs are refused rather than passed to Math.log1p, which accepts (−1, 0) silently and returns NaN
 * or −Infinity below: a negative revenue is a refund-netting question for the caller, not something to hide.
 */
export interface Log1pOptions {
  columns: readonly string[];
}

export interface Log1pParams {
  type: 'log1p';
  columns: string[];
}

export function fitLog1p(rows: readonly Row[], { columns }: Log1pOptions): Log1pParams {
  requireColumns(columns);
  for (const column of columns) {
    observedNumbers(rows, column).forEach((value) => checkNonNegative(value, column));
  }
  return { type: 'log1p', columns: [...columns] };
}

export function applyLog1p(params: Log1pParams, rows: readonly Row[]): MutableRow[] {
  return mapNumericColumns(rows, params.columns, (value, column, index) => {
    checkNonNegative(value, column, index);
    return Math.log1p(value);
  });
}

function checkNonNegative(value: number, column: string, index?: number): void {
  if (value < 0) {
    const where = index === undefined ? `column '${column}'` : `row ${index}, column '${column}'`;
    throw new RangeError(`log1p: ${where} holds ${value}; log1p is only applied to non-negative values`);
  }
}
