import { isMissing, MutableRow, observedNumbers, requireColumns, Row } from './row';
import { median } from './quantile';

/**
 * Imputers that replace every missing cell of a column with one fitted constant. The three differ only in how
 * the constant is chosen, so they share one parameter shape and one apply.
 */
export interface FillImputerParams {
  type: 'impute-median' | 'impute-mode' | 'impute-missing-category';
  fill: Record<string, number | string>;
}

export interface ImputeColumnsOptions {
  columns: readonly string[];
}

export interface MissingCategoryOptions extends ImputeColumnsOptions {
  /** The label missing cells receive; 'missing' by default. */
  category?: string;
}

export function fitMedianImputer(rows: readonly Row[], { columns }: ImputeColumnsOptions): FillImputerParams {
  requireColumns(columns);
  const fill: Record<string, number> = {};
  for (const column of columns) {
    const values = observedNumbers(rows, column);
    if (values.length === 0)
      throw new RangeError(`column '${column}' has no observed values to take a median of`);
    fill[column] = median(values);
  }
  return { type: 'impute-median', fill };
}

/**
 * The most frequent observed value. Ties go to the smallest value (numbers before strings, numbers ascending,
 * strings by code unit), as pandas' `mode()[0]` does, so the result does not depend on row order.
 */
export function fitModeImputer(rows: readonly Row[], { columns }: ImputeColumnsOptions): FillImputerParams {
  requireColumns(columns);
  const fill: Record<string, number | string> = {};
  for (const column of columns) {
    const counts = new Map<number | string, number>();
    for (const row of rows) {
      const value = row[column];
      if (!isMissing(value)) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    let best: { value: number | string; count: number } | undefined;
    for (const [value, count] of counts) {
      if (!best || count > best.count || (count === best.count && compareCategories(value, best.value) < 0)) {
        best = { value, count };
      }
    }
    if (!best) throw new RangeError(`column '${column}' has no observed values to take a mode of`);
    fill[column] = best.value;
  }
  return { type: 'impute-mode', fill };
}

/** Keeps "was missing" as information a model can use, instead of pretending the value was typical. */
export function fitMissingCategoryImputer(
  _rows: readonly Row[],
  { columns, category = 'missing' }: MissingCategoryOptions,
): FillImputerParams {
  requireColumns(columns);
  if (category === '') throw new RangeError('the missing category must be a non-empty string');
  return {
    type: 'impute-missing-category',
    fill: Object.fromEntries(columns.map((column) => [column, category])),
  };
}

export function applyFillImputer(params: FillImputerParams, rows: readonly Row[]): MutableRow[] {
  const entries = Object.entries(params.fill);
  return rows.map((row) => {
    const out: MutableRow = { ...row };
    for (const [column, value] of entries) if (isMissing(row[column])) out[column] = value;
    return out;
  });
}

function compareCategories(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
