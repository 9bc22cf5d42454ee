/** Durations and local times as marketers write them in a journey definition (see definition.ts). */

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** Longest duration a journey may wait or look back: a year, leap day included. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

// Units largest first, each at most once: `1d12h` reads one way only, and `12h1d` is more likely a typo than intent.
const DURATION_RE = /^(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;

/** `"1d12h"` → 129600000 ms; null when it is not a duration of 0 to 366 days. */
export function parseDuration(text: unknown): number | null {
  if (typeof text !== 'string' || text === '') return null;
  const match = DURATION_RE.exec(text);
  if (!match) return null;
  const units = [UNIT_MS.w, UNIT_MS.d, UNIT_MS.h, UNIT_MS.m, UNIT_MS.s];
  const ms = units.reduce(
    (sum, unit, i) => sum + (match[i + 1] === undefined ? 0 : Number(match[i + 1]) * unit),
    0,
  );
  return ms <= MAX_DURATION_MS ? ms : null;
}

export interface LocalTimeOfDay {
  hour: number;
  minute: number;
}

/** `"09:30"` → `{ hour: 9, minute: 30 }`; null unless it is `HH:MM` on a 24-hour clock. */
export function parseLocalTime(text: unknown): LocalTimeOfDay | null {
  if (typeof text !== 'string') return null;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? { hour: Number(match[1]), minute: Number(match[2]) } : null;
}
