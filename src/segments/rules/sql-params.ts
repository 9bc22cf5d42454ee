/**
 * Bound parameters of one compiled query. Every value that came from a definition — paths, event names, property
 * names, segment keys, numbers, strings — goes through `bind`; the SQL text holds only placeholders and fragments
 * written in this module, so no definition can change the query's shape.
 */
export class SqlParams {
  readonly values: unknown[] = [];
  private memo = new Map<string, string>();

  /** Binds a value and returns its placeholder with a fixed cast, e.g. `$3::text[]`. */
  bind(value: unknown, cast: SqlCast): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }

  /** Binds a value once per query under `key` (now, the float8 limits): the same placeholder is reused. */
  shared(key: string, value: () => unknown, cast: SqlCast): string {
    let placeholder = this.memo.get(key);
    if (placeholder === undefined) {
      placeholder = this.bind(value(), cast);
      this.memo.set(key, placeholder);
    }
    return placeholder;
  }
}

export type SqlCast =
  'text' | 'text[]' | 'jsonb' | 'numeric' | 'float8' | 'float8[]' | 'timestamptz' | 'uuid' | 'uuid[]';

/** The smallest magnitude that rounds to Infinity as a double (2^1024 − 2^970), as an exact decimal. */
const OVERFLOW = (2n ** 1024n - 2n ** 970n).toString();
/** The largest magnitude that rounds to 0 as a double (2^-1075 = 5^1075 / 10^1075), as an exact decimal. */
const UNDERFLOW = `0.${(5n ** 1075n).toString().padStart(1075, '0')}`;

/**
 * numeric → float8 rounded like JavaScript's Number(decimal) instead of failing: PostgreSQL raises "out of range"
 * where JavaScript gives ±Infinity or 0, and one odd sum would otherwise fail the whole refresh.
 */
export function numericToFloat8(expr: string, p: SqlParams): string {
  const overflow = p.shared('overflow', () => OVERFLOW, 'numeric');
  const underflow = p.shared('underflow', () => UNDERFLOW, 'numeric');
  return (
    `(CASE WHEN ${expr} >= ${overflow} THEN 'Infinity'::float8 WHEN ${expr} <= -${overflow} THEN '-Infinity'::float8` +
    ` WHEN abs(${expr}) <= ${underflow} THEN 0::float8 ELSE (${expr})::float8 END)`
  );
}
