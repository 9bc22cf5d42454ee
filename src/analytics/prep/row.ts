/**
 * The representation every prep transform reads and writes: an array of records keyed by column name.
 * Records rather than a column matrix because customer features arrive as rows (one per customer, straight from
 * SQL) and mix numeric and categorical columns; a transform only touches the columns it was fitted on and copies
 * every other field through unchanged.
 *
 * A cell is missing when it is null, undefined or NaN. Transforms write missing cells back as null so their
 * output survives a JSON round trip (NaN and undefined do not).
 */

export type Cell = number | string | null | undefined;
export type Row = Readonly<Record<string, Cell>>;
export type MutableRow = Record<string, Cell>;

export function isMissing(value: Cell): value is null | undefined {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

/** Reads a numeric cell, or undefined when missing; a string in a numeric column is a caller bug, not data. */
export function readNumber(row: Row, column: string, index: number): number | undefined {
  const value = row[column];
  if (isMissing(value)) return undefined;
  if (typeof value !== 'number') {
    throw new TypeError(`row ${index}, column '${column}': expected a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The observed values of one numeric column, in row order. */
export function observedNumbers(rows: readonly Row[], column: string): number[] {
  const values: number[] = [];
  rows.forEach((row, index) => {
    const value = readNumber(row, column, index);
    if (value !== undefined) values.push(value);
  });
  return values;
}

/** Observed values, refusing an empty or infinite column whose statistics would be meaningless. */
export function observedFiniteNumbers(rows: readonly Row[], column: string, purpose: string): number[] {
  const values = observedNumbers(rows, column);
  if (values.length === 0) throw new RangeError(`column '${column}' has no observed values to ${purpose}`);
  const infinite = values.find((value) => !Number.isFinite(value));
  if (infinite !== undefined) throw new RangeError(`column '${column}' holds ${infinite}; cannot ${purpose}`);
  return values;
}

export function requireColumns(columns: readonly string[]): void {
  if (columns.length === 0) throw new RangeError('at least one column is required');
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) throw new RangeError(`column '${column}' is listed twice`);
    seen.add(column);
  }
}

/** Applies `transform` to the listed columns of every row, leaving other fields and missing cells alone. */
export function mapNumericColumns(
  rows: readonly Row[],
  columns: readonly string[],
  transform: (value: number, column: string, index: number) => number,
): MutableRow[] {
  return rows.map((row, index) => {
    const out: MutableRow = { ...row };
    for (const column of columns) {
      const value = readNumber(row, column, index);
      out[column] = value === undefined ? null : transform(value, column, index);
    }
    return out;
  });
}
