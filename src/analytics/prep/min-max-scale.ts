import { mapNumericColumns, MutableRow, observedFiniteNumbers, requireColumns, Row } from './row';

/**
 * (x − min) / (max − min) with min and max fitted on the training rows. New rows outside the training range map
 * outside [0, 1]: clipping would hide drift, so winsorize first when bounded output matters.
 *
 * A constant column (max = min) maps every value to 0: it carries no information, and 0 keeps it from
 * producing NaN or dominating a distance.
 */
export interface MinMaxOptions {
  columns: readonly string[];
}

export interface MinMaxParams {
  type: 'min-max';
  ranges: Record<string, { min: number; max: number }>;
}

export function fitMinMaxScaler(rows: readonly Row[], { columns }: MinMaxOptions): MinMaxParams {
  requireColumns(columns);
  const ranges: MinMaxParams['ranges'] = {};
  for (const column of columns) {
    let min = Infinity;
    let max = -Infinity;
    for (const value of observedFiniteNumbers(rows, column, 'min-max scale')) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    ranges[column] = { min, max };
  }
  return { type: 'min-max', ranges };
}

export function applyMinMaxScaler(params: MinMaxParams, rows: readonly Row[]): MutableRow[] {
  return mapNumericColumns(rows, Object.keys(params.ranges), (value, column) => {
    const { min, max } = params.ranges[column];
    return max > min ? (value - min) / (max - min) : 0;
  });
}
