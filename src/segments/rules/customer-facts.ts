import { EventsParams } from './definition';
import { DAY_MS, SCORES_FIELDS, STATS_FIELDS } from './facts';
import { eventWindow } from './event-window';
import { exactSum } from './exact-sum';
import { timestampMs } from './iso-time';
import { sameScalar } from './operators';
import { isPlainObject } from './value-checks';

/** customer_stats as the entity reads it (camelCase; numeric columns may still be strings from the pg driver). */
export interface CustomerStatsFacts {
  ordersCount?: number | string | null;
  revenueTotal?: number | string | null;
  avgOrderValue?: number | string | null;
  eventsCount?: number | string | null;
  firstSeenAt?: Date | string | null;
  lastSeenAt?: Date | string | null;
  firstOrderAt?: Date | string | null;
  lastOrderAt?: Date | string | null;
}

/** customer_scores in camelCase. */
export interface CustomerScoresFacts {
  rfmRecency?: number | string | null;
  rfmFrequency?: number | string | null;
  rfmMonetary?: number | string | null;
  rfmCode?: string | null;
  rfmGroup?: string | null;
  clv?: number | string | null;
  clvTier?: string | null;
  churnProbability?: number | string | null;
  cluster?: number | string | null;
}

export interface CustomerEvent {
  event: string | null;
  /** A Date (as the pg driver returns it) or an ISO string; compared at millisecond precision. */
  timestamp: Date | string;
  properties: unknown;
}

/** Everything `evaluate` reads about one customer. */
export interface CustomerFacts {
  traits: Record<string, unknown> | null;
  /** null: no customer_stats row (counters then read as 0, everything else as missing). */
  stats: CustomerStatsFacts | null;
  /** null: no customer_scores row (every score missing). */
  scores: CustomerScoresFacts | null;
  /** Keys of the segments the customer currently belongs to. */
  segments: readonly string[];
  /** At least the events `eventsNeeded` names, in its window; others are ignored. */
  events: readonly CustomerEvent[];
  /** The journey run's context, read by the `context` fact of branch conditions; absent: every path is missing. */
  context?: Record<string, unknown>;
}

/**
 * The stats fact as conditions read it: numbers as numbers (numeric strings parsed, as PostgreSQL casts
 * numeric to float8), timestamps as Dates, and the derived ages in days relative to `now`.
 */
export function statsFact(stats: CustomerStatsFacts | null, nowMs: number): Record<string, unknown> {
  const row = (stats ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of STATS_FIELDS) {
    if ('daysSince' in field) continue;
    out[name] =
      stats === null && field.noRowDefault !== undefined
        ? field.noRowDefault
        : columnValue(field.type, row[name]);
  }
  for (const [name, field] of STATS_FIELDS) {
    if (!('daysSince' in field)) continue;
    const since = out[field.daysSince];
    out[name] = since instanceof Date ? (nowMs - since.getTime()) / DAY_MS : undefined;
  }
  return out;
}

export function scoresFact(scores: CustomerScoresFacts | null): Record<string, unknown> {
  const row = (scores ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of SCORES_FIELDS) out[name] = columnValue(field.type, row[name]);
  return out;
}

function columnValue(type: 'number' | 'string' | 'timestamp', raw: unknown): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (type === 'string') return typeof raw === 'string' ? raw : undefined;
  if (type === 'timestamp') {
    const ms = timestampMs(raw);
    return ms === undefined ? undefined : new Date(ms);
  }
  const n = typeof raw === 'string' ? Number(raw) : raw;
  return typeof n === 'number' && !Number.isNaN(n) ? n : undefined;
}

/** The value of one `events` condition: count, or exact sum of a numeric property (non-numbers count as 0). */
export function aggregateEvents(
  events: readonly CustomerEvent[],
  params: EventsParams,
  nowMs: number,
): number {
  const { fromMs, toMs } = eventWindow(params, nowMs);
  const where = Object.entries(params.where ?? {});
  let count = 0;
  const amounts: number[] = [];
  for (const e of events) {
    if (e.event !== params.event) continue;
    const t = timestampMs(e.timestamp);
    if (t === undefined || (fromMs !== null && t < fromMs) || (toMs !== null && t >= toMs)) continue;
    // jsonb `properties -> key` finds nothing in an array or a scalar, so only a plain object has properties.
    const props = isPlainObject(e.properties) ? e.properties : {};
    if (!where.every(([key, value]) => Object.hasOwn(props, key) && sameScalar(props[key], value))) continue;
    count++;
    if (params.aggregate === 'sum') {
      const amount = Object.hasOwn(props, params.property!) ? props[params.property!] : undefined;
      amounts.push(typeof amount === 'number' ? amount : 0);
    }
  }
  return params.aggregate === 'sum' ? exactSum(amounts) : count;
}
