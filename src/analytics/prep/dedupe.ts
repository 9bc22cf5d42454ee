import { isMissing, Row } from './row';

/**
 * Duplicate removal returns the indices of the rows to keep (ascending) rather than the rows, so callers can
 * subset parallel arrays (ids, labels) consistently. It is not a fit/apply step: it drops rows of one dataset
 * and has nothing to remember for new customers.
 */
export type Keep = 'first' | 'last';

export function dedupeByKey<T>(
  rows: readonly T[],
  key: (row: T, index: number) => string | number,
  keep: Keep = 'first',
): number[] {
  const chosen = new Map<string | number, number>();
  rows.forEach((row, index) => {
    const k = key(row, index);
    if (keep === 'last' || !chosen.has(k)) chosen.set(k, index);
  });
  // With keep 'last' a later index replaces an earlier one in place, so the map's order is not index order.
  return Array.from(Int32Array.from(chosen.values()).sort());
}

/**
 * Rows are duplicates when every listed column holds the same value: numbers by value (0 equals −0), strings
 * exactly, the number 1 differs from the string '1', and all missing cells (null, undefined, NaN) are equal to
 * one another, as in pandas' `duplicated`.
 */
export function dedupeByFeatures(
  rows: readonly Row[],
  columns: readonly string[],
  keep: Keep = 'first',
): number[] {
  return dedupeByKey(rows, (row) => featureKey(row, columns), keep);
}

// Numbers are boxed in arrays and missing cells become a bare 0, so no number, string or missing cell can
// serialise like another; JSON quoting keeps strings containing separators unambiguous.
function featureKey(row: Row, columns: readonly string[]): string {
  return JSON.stringify(
    columns.map((column) => {
      const value = row[column];
      if (isMissing(value)) return 0;
      return typeof value === 'number' ? [String(value)] : value;
    }),
  );
}
