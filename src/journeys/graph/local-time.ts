import type { LocalTimeOfDay } from './duration';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter giving wall-clock parts in `timeZone`; throws RangeError for a zone Intl does not know. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows this IANA zone (customers' timezone traits are free text). */
export function isValidTimezone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock at an instant, as if that wall clock were UTC (so plain arithmetic on it is calendar arithmetic). */
function wallMs(instantMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instantMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

const offsetMs = (instantMs: number, timeZone: string) =>
  wallMs(Math.floor(instantMs / 1000) * 1000, timeZone) - Math.floor(instantMs / 1000) * 1000;

/**
 * The instants at which the zone's clock reads `wall` (a wall time encoded as UTC ms), earliest first: one normally,
 * two in a fall-back overlap. In a spring-forward gap, where the clock never reads it, the single instant is the
 * wall time read with the offset before the gap, i.e. shifted forward by the gap (02:30 → 03:30 on a one-hour
 * gap) — as Temporal's `compatible` disambiguation does, so the run still happens that day, as late as asked.
 */
function instantsAt(wall: number, timeZone: string): number[] {
  // Zones change offset at most once within a day of any wall time, so the offsets a day either side are all there is.
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const found = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => wallMs(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  return found.length > 0 ? found : [wall - before];
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a wall time encoded as UTC ms. */
const isoWeekday = (wall: number) => ((new Date(wall).getUTCDay() + 6) % 7) + 1;

/**
 * The next instant at or after `now` when the clock in `timezone` (UTC when null or unknown to Intl) reads
 * `time`, on one of `weekdays` (ISO 1..7; undefined or empty: any day).
 *
 * - When `now` is already within that minute (e.g. 09:30:20 for 09:30), `now` itself: the run is due, not a day late.
 * - Spring-forward gap: a time the clock skips that day moves forward by the gap (02:30 → 03:30 in New York on
 *   2026-03-08), still on that day.
 * - Fall-back overlap: a time the clock reads twice means its first occurrence, or the second when `now` is past the
 *   first (both are that wall time; the next one is due).
 */
export function nextLocalTime(
  now: Date,
  timezone: string | null,
  time: LocalTimeOfDay,
  weekdays?: readonly number[],
): Date {
  const zone = timezone !== null && isValidTimezone(timezone) ? timezone : 'UTC';
  const nowMs = now.getTime();
  const today = wallMs(nowMs, zone);
  const midnight = today - (((today % DAY_MS) + DAY_MS) % DAY_MS);
  const allowed = weekdays && weekdays.length > 0 ? new Set(weekdays) : undefined;
  // Eight days: today's time may have passed, and the one allowed weekday may be a week away.
  for (let day = 0; day <= 8; day++) {
    const wall = midnight + day * DAY_MS + time.hour * 3_600_000 + time.minute * MINUTE_MS;
    if (allowed && !allowed.has(isoWeekday(wall))) continue;
    for (const instant of instantsAt(wall, zone)) {
      if (instant <= nowMs && nowMs < instant + MINUTE_MS) return new Date(nowMs);
      if (instant > nowMs) return new Date(instant);
    }
  }
  // Unreachable for weekdays within 1..7 (validated); a garbage list must not loop or throw in the engine.
  return nextLocalTime(now, zone, time);
}
