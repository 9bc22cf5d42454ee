import { mapNumericColumns, MutableRow, observedFiniteNumbers, requireColumns, Row } from './row';

/**
 * (x − mean) / sd with mean and sd fitted on the training rows.
 *
 * sd is the sample standard deviation (divisor n − 1), as pandas' `std()` and R's `scale()` compute it;
 * scikit-learn's StandardScaler uses the population sd (divisor n), so its output is ours multiplied by
 * √((n − 1) / n) — a difference that vanishes at customer-base sizes but shows in small hand-checked examples.
 *
 * A constant column, or a single observed value, gets sd = 0 and maps every value to 0, as in min–max scaling.
 */
export interface ZScoreOptions {
  columns: readonly string[];
}

export interface ZScoreParams {
  type: 'z-score';
  moments: Record<string, { mean: number; sd: number }>;
}

export function fitZScoreScaler(rows: readonly Row[], { columns }: ZScoreOptions): ZScoreParams {
  requireColumns(columns);
  const moments: ZScoreParams['moments'] = {};
  for (const column of columns) {
    const values = observedFiniteNumbers(rows, column, 'z-score scale');
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    // Rounding makes the deviations of a constant column tiny rather than zero; test constancy directly.
    const constant = values.every((value) => value === values[0]);
    const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
    moments[column] = { mean, sd: constant ? 0 : Math.sqrt(squares / (values.length - 1)) };
  }
  return { type: 'z-score', moments };
}

export function applyZScoreScaler(params: ZScoreParams, rows: readonly Row[]): MutableRow[] {
  return mapNumericColumns(rows, Object.keys(params.moments), (value, column) => {
    const { mean, sd } = params.moments[column];
    return sd > 0 ? (value - mean) / sd : 0;
  });
}
