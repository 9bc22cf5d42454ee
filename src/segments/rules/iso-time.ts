/**
 * Strict ISO 8601 instants for definition values: `YYYY-MM-DD` (UTC midnight) or a date-time with seconds
 * optional, at most millisecond precision and a required offset. Date.parse alone is too lenient (it reads
 * offset-less date-times in the server's local zone and rolls 02-30 over to March), and PostgreSQL must read the
 * very same instant.
 */
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/;

const MIN_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const offsetMinutes =
    m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return undefined; // 2026-02-30 and friends
  date.setUTCHours(hour, minute, second, ms);
  const instant = date.getTime() - offsetMinutes * 60_000;
  // An offset can push 0001-01-01 or 9999-12-31 out of the four-digit years PostgreSQL reads back.
  return instant >= MIN_MS && instant < MAX_MS ? instant : undefined;
}

/** A millisecond instant as a literal PostgreSQL reads exactly (bound as a parameter, cast to timestamptz). */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** A fact timestamp (Date from the pg driver, or an ISO string) as epoch milliseconds; undefined when missing. */
export function timestampMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
