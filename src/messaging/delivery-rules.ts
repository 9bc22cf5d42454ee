/** Pure delivery decisions: retry backoff, SMTP error classification, quiet hours. No Nest, no database. */

export const MAX_ATTEMPTS = 8;
export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_MAX_MS = 6 * 3_600_000;

/** Delay before attempt `attempts + 1` after `attempts` failed ones: 30 s, 1 min, 2 min, … capped at 6 h. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

export type SendFailure = 'transient' | 'permanent';

/** An SMTP 5xx reply is permanent (bounce); 4xx replies, connection and timeout errors are transient. */
export function classifySendError(error: unknown): SendFailure {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600 ? 'permanent' : 'transient';
}

/** Minute of the day (0–1439) of `at` in `timeZone`. */
export function localMinuteOfDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

function validTimeZone(tz: string | null | undefined): string {
  if (!tz) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

/**
 * When quiet hours [start, end) (minutes of the local day; may wrap midnight) hold at `now` in the customer's time
 * zone (UTC when unknown or invalid), the first instant they end; otherwise null (sending is allowed now).
 */
export function quietUntil(
  now: Date,
  timeZone: string | null | undefined,
  quiet: { start: number; end: number } | null,
): Date | null {
  if (!quiet || quiet.start === quiet.end) return null;
  const minute = localMinuteOfDay(now, validTimeZone(timeZone));
  const inQuiet =
    quiet.start < quiet.end
      ? minute >= quiet.start && minute < quiet.end
      : minute >= quiet.start || minute < quiet.end;
  if (!inQuiet) return null;
  const wait = (quiet.end - minute + 1440) % 1440;
  const startOfMinute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(startOfMinute + wait * 60_000);
}

/** The host part of PUBLIC_URL, for Message-IDs and mailto addresses. */
export function publicHost(publicUrl: string): string {
  return new URL(publicUrl).hostname;
}
