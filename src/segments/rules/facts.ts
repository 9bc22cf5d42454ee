/**
 * The fact catalogue: the only facts, fields and operators a definition may use. Both evaluators and the validator
 * read it, so a field or operator exists everywhere or nowhere; SQL identifiers come from here, never from input.
 */

export const FACT_NAMES = ['traits', 'stats', 'scores', 'segments', 'events'] as const;
/**
 * The run's context (e.g. `context.event`, the triggering event's properties): only journeys' branch conditions have
 * one, so only they may name it (`allowContext`); a segment is computed without a run, and SQL has no such column.
 */
export const CONTEXT_FACT = 'context';
export type FactName = (typeof FACT_NAMES)[number] | typeof CONTEXT_FACT;

/** What a fact (or one field of it) holds; it decides which operators fit and what their value must be. */
export type FactType = 'number' | 'string' | 'timestamp' | 'json' | 'segmentKeys' | 'eventAggregate';

export const OPERATOR_NAMES = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'between',
  'contains',
  'doesNotContain',
  'exists',
  'withinLastDays',
  'before',
  'after',
] as const;
export type OperatorName = (typeof OPERATOR_NAMES)[number];

const NUMBER_COMPARISONS = [
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'between',
] as const;

export const OPERATORS_BY_TYPE: Record<FactType, readonly OperatorName[]> = {
  number: ['equal', 'notEqual', 'in', 'notIn', ...NUMBER_COMPARISONS, 'exists'],
  string: ['equal', 'notEqual', 'in', 'notIn', 'exists'],
  timestamp: ['before', 'after', 'between', 'withinLastDays', 'exists'],
  // Trait values have no declared type: every operator that can test a JSON value fits, and matches only values of
  // the type it needs (a trait "30" is a string, so it is not greaterThan 5).
  json: ['equal', 'notEqual', 'in', 'notIn', ...NUMBER_COMPARISONS, 'contains', 'doesNotContain', 'exists'],
  segmentKeys: ['contains', 'doesNotContain'],
  // An event aggregate is always a number (0 without events), so `exists` would be meaningless.
  eventAggregate: ['equal', 'notEqual', 'in', 'notIn', ...NUMBER_COMPARISONS],
};

/** Negative operators are the exact complement of a positive one, in both evaluators (see README of the module). */
export const COMPLEMENTS: Partial<Record<OperatorName, OperatorName>> = {
  notEqual: 'equal',
  notIn: 'in',
  doesNotContain: 'contains',
};

export interface ColumnField {
  type: 'number' | 'string' | 'timestamp';
  /** Column of customer_stats / customer_scores. */
  column: string;
  /** Value when the customer has no row at all (counters start at 0); otherwise missing. */
  noRowDefault?: number;
}

export interface DaysSinceField {
  type: 'number';
  /** The timestamp field the age in days is derived from, relative to `now`. */
  daysSince: string;
}

export type StatsField = ColumnField | DaysSinceField;

// Maps, not object literals: a path like `$.constructor` must not find Object.prototype members.
export const STATS_FIELDS: ReadonlyMap<string, StatsField> = new Map<string, StatsField>([
  ['ordersCount', { type: 'number', column: 'orders_count', noRowDefault: 0 }],
  ['revenueTotal', { type: 'number', column: 'revenue_total', noRowDefault: 0 }],
  ['avgOrderValue', { type: 'number', column: 'avg_order_value' }],
  ['eventsCount', { type: 'number', column: 'events_count', noRowDefault: 0 }],
  ['firstSeenAt', { type: 'timestamp', column: 'first_seen_at' }],
  ['lastSeenAt', { type: 'timestamp', column: 'last_seen_at' }],
  ['firstOrderAt', { type: 'timestamp', column: 'first_order_at' }],
  ['lastOrderAt', { type: 'timestamp', column: 'last_order_at' }],
  ['daysSinceLastOrder', { type: 'number', daysSince: 'lastOrderAt' }],
  ['daysSinceLastSeen', { type: 'number', daysSince: 'lastSeenAt' }],
  ['tenureDays', { type: 'number', daysSince: 'firstSeenAt' }],
]);

export const SCORES_FIELDS: ReadonlyMap<string, ColumnField> = new Map<string, ColumnField>([
  ['rfmRecency', { type: 'number', column: 'rfm_recency' }],
  ['rfmFrequency', { type: 'number', column: 'rfm_frequency' }],
  ['rfmMonetary', { type: 'number', column: 'rfm_monetary' }],
  ['rfmCode', { type: 'string', column: 'rfm_code' }],
  ['rfmGroup', { type: 'string', column: 'rfm_group' }],
  ['clv', { type: 'number', column: 'clv' }],
  ['clvTier', { type: 'string', column: 'clv_tier' }],
  ['churnProbability', { type: 'number', column: 'churn_probability' }],
  ['cluster', { type: 'number', column: 'cluster' }],
]);

export const LIMITS = {
  depth: 10,
  leaves: 200,
  pathKeys: 10,
  textLength: 200,
  listLength: 1000,
  whereKeys: 20,
  /** A century: keeps every window inside the years both JavaScript and PostgreSQL accept. */
  maxDays: 36500,
};

export const DAY_MS = 86_400_000;

/** `$.a.b-c.0`: keys of letters, digits, _ and -; no wildcards, filters or quoting. */
const PATH_RE = /^\$(\.[A-Za-z0-9_-]+)+$/;

/** The keys of a `$.a.b` path, or undefined when it is not one. */
export function parsePath(path: string): string[] | undefined {
  return PATH_RE.test(path) ? path.slice(2).split('.') : undefined;
}

export function isFactName(name: unknown, allowContext = false): name is FactName {
  return (
    typeof name === 'string' &&
    ((FACT_NAMES as readonly string[]).includes(name) || (allowContext && name === CONTEXT_FACT))
  );
}

export function isOperatorName(name: unknown): name is OperatorName {
  return typeof name === 'string' && (OPERATOR_NAMES as readonly string[]).includes(name);
}

/** The type a fact has at a path, or undefined when the fact has no such field (path validity aside). */
export function factType(fact: FactName, path: string | undefined): FactType | undefined {
  switch (fact) {
    case 'traits':
    case 'context':
      return 'json';
    case 'segments':
      return 'segmentKeys';
    case 'events':
      return 'eventAggregate';
    case 'stats':
      return STATS_FIELDS.get(fieldName(path) ?? '')?.type;
    case 'scores':
      return SCORES_FIELDS.get(fieldName(path) ?? '')?.type;
  }
}

/** `$.ordersCount` → `ordersCount`. */
export function fieldName(path: string | undefined): string | undefined {
  const keys = path === undefined ? undefined : parsePath(path);
  return keys?.length === 1 ? keys[0] : undefined;
}
