import { EventsParams, forEachLeaf, RuleDefinition } from './definition';
import { DAY_MS } from './facts';
import { parseIsoInstant } from './iso-time';

/**
 * The half-open millisecond range [fromMs, toMs) of event timestamps an `events` condition counts; null bounds are
 * open. Both evaluators use this one computation, and compare timestamps truncated to whole milliseconds (what a
 * JavaScript Date holds), so a PostgreSQL timestamp with microseconds falls on the same side of every bound.
 *
 * `withinDays: N` is the last N days up to and including `now`; `from` is inclusive and `to` exclusive.
 */
export interface EventWindow {
  fromMs: number | null;
  toMs: number | null;
}

export function eventWindow(params: EventsParams, nowMs: number): EventWindow {
  if (params.withinDays !== undefined) return { fromMs: daysAgo(nowMs, params.withinDays), toMs: nowMs + 1 };
  return {
    fromMs: params.from === undefined ? null : parseIsoInstant(params.from)!,
    toMs: params.to === undefined ? null : parseIsoInstant(params.to)!,
  };
}

/** The first whole millisecond at most `days` before now: t ≥ now − days·86400000 ⇔ t ≥ ceil(…) for integer t. */
export function daysAgo(nowMs: number, days: number): number {
  return Math.ceil(nowMs - days * DAY_MS);
}

export interface EventsNeeded {
  /** Event names the definition reads; empty when it reads no events (load none). */
  names: string[];
  /** Inclusive lower bound of the timestamps to load; null: no lower bound. */
  since: Date | null;
  /** Exclusive upper bound; null: no upper bound. */
  until: Date | null;
}

/** What a service must load for `evaluate`: only these events, in the widest window any condition reads. */
export function eventsNeeded(rules: RuleDefinition, now: Date): EventsNeeded {
  const names = new Set<string>();
  let since: number | null | undefined;
  let until: number | null | undefined;
  forEachLeaf(rules, (leaf) => {
    if (leaf.fact !== 'events' || !leaf.params) return;
    names.add(leaf.params.event);
    const w = eventWindow(leaf.params, now.getTime());
    since = since === null || w.fromMs === null ? null : Math.min(since ?? Infinity, w.fromMs);
    until = until === null || w.toMs === null ? null : Math.max(until ?? -Infinity, w.toMs);
  });
  return {
    names: [...names],
    since: since == null ? null : new Date(since),
    until: until == null ? null : new Date(until),
  };
}
