/**
 * Sums numbers the way PostgreSQL sums jsonb numbers cast to numeric: exactly, on their decimal form, then rounds
 * once to the nearest double. Adding doubles one by one would round after every step (0.1 + 0.2 ≠ 0.3) and depend
 * on the order, so `sum` conditions could disagree with the SQL evaluator at a boundary.
 *
 * Each input is taken as its shortest round-trip decimal (String(n)), which is what JSON.stringify wrote into
 * jsonb, so both sides add the same decimals.
 */
export function exactSum(values: readonly number[]): number {
  let scale = 0;
  const parsed = values.map((v) => {
    const d = toDecimal(v);
    scale = Math.max(scale, d.scale);
    return d;
  });
  let total = 0n;
  for (const d of parsed) total += d.digits * 10n ** BigInt(scale - d.scale);
  return Number(decimalString(total, scale));
}

interface Decimal {
  /** value = digits / 10^scale */
  digits: bigint;
  scale: number;
}

function toDecimal(n: number): Decimal {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) throw new RangeError(`not a finite number: ${n}`);
  const fraction = m[3] ?? '';
  const exponent = Number(m[4] ?? 0);
  let digits = BigInt(`${m[2]}${fraction}`);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits: m[1] === '-' ? -digits : digits, scale };
}

function decimalString(digits: bigint, scale: number): string {
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
  const whole = text.slice(0, text.length - scale);
  const fraction = text.slice(text.length - scale);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
