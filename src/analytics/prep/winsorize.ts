import { mapNumericColumns, MutableRow, observedNumbers, requireColumns, Row } from './row';
import { quantileSorted, sortedCopy } from './quantile';

/**
 * Clamps each column to bounds fitted as its lower and upper sample quantiles (numpy's default definition),
 * so a handful of wholesale accounts cannot stretch a scaler or a distance. New rows are clamped to the
 * training bounds, not to their own quantiles.
 */
export interface WinsorizeOptions {
  columns: readonly string[];
  /** Quantile probabilities of the bounds; 1 % and 99 % unless given. */
  lower?: number;
  upper?: number;
}

export interface WinsorizeParams {
  type: 'winsorize';
  probabilities: { lower: number; upper: number };
  bounds: Record<string, { lower: number; upper: number }>;
}

export function fitWinsorizer(
  rows: readonly Row[],
  { columns, lower = 0.01, upper = 0.99 }: WinsorizeOptions,
): WinsorizeParams {
  requireColumns(columns);
  if (!(lower >= 0 && lower <= upper && upper <= 1)) {
    throw new RangeError(`winsorize needs 0 ≤ lower ≤ upper ≤ 1 (got lower ${lower}, upper ${upper})`);
  }
  const bounds: WinsorizeParams['bounds'] = {};
  for (const column of columns) {
    const values = observedNumbers(rows, column);
    if (values.length === 0) throw new RangeError(`column '${column}' has no observed values to winsorize`);
    const sorted = sortedCopy(values);
    bounds[column] = { lower: quantileSorted(sorted, lower), upper: quantileSorted(sorted, upper) };
  }
  return { type: 'winsorize', probabilities: { lower, upper }, bounds };
}

export function applyWinsorizer(params: WinsorizeParams, rows: readonly Row[]): MutableRow[] {
  return mapNumericColumns(rows, Object.keys(params.bounds), (value, column) => {
    const { lower, upper } = params.bounds[column];
    return Math.min(upper, Math.max(lower, value));
  });
}
