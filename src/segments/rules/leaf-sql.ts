import { LeafCondition, Scalar } from './definition';
import { daysAgo } from './event-window';
import { EventAggregates } from './event-aggregates-sql';
import {
  ColumnField,
  COMPLEMENTS,
  FactName,
  factType,
  fieldName,
  OperatorName,
  parsePath,
  SCORES_FIELDS,
  STATS_FIELDS,
} from './facts';
import { isoOf, parseIsoInstant } from './iso-time';
import { SqlParams } from './sql-params';

export interface LeafContext {
  p: SqlParams;
  nowMs: number;
  events: EventAggregates;
  segmentId: (key: string) => string | undefined;
}

/**
 * One leaf as a boolean SQL expression that is never NULL: PostgreSQL's three-valued logic would make
 * `NOT (missing > 5)` NULL (no match) where JavaScript's `not` says true, so each leaf is COALESCEd to false first
 * and negative operators are written as NOT of their positive counterpart.
 */
export function leafSql(leaf: LeafCondition, ctx: LeafContext): string {
  const operator = leaf.operator as OperatorName;
  const positive = COMPLEMENTS[operator];
  if (positive) return `(NOT ${twoValued(predicate(leaf, positive, leaf.value, ctx))})`;
  if (operator === 'exists' && leaf.value === false)
    return `(NOT ${twoValued(predicate(leaf, 'exists', true, ctx))})`;
  return twoValued(predicate(leaf, operator, leaf.value, ctx));
}

const twoValued = (sql: string) => `COALESCE(${sql}, false)`;

function predicate(leaf: LeafCondition, operator: OperatorName, value: unknown, ctx: LeafContext): string {
  const { p } = ctx;
  if (leaf.fact === 'segments') return membership(value as string, ctx);
  const type = factType(leaf.fact as FactName, leaf.path)!;
  const x = operand(leaf, ctx);
  if (type === 'json') return jsonPredicate(x, operator, value, p);
  if (type === 'timestamp') return timestampPredicate(x, operator, value, ctx);
  const cast = type === 'string' ? 'text' : 'float8';
  switch (operator) {
    case 'equal':
      return `${x} = ${p.bind(value, cast)}`;
    case 'in':
      return `${x} = ANY(${p.bind(value, `${cast}[]`)})`;
    case 'exists':
      return `${x} IS NOT NULL`;
    default:
      return numberComparison(x, operator, value, (v) => p.bind(v, 'float8'));
  }
}

function numberComparison(
  x: string,
  operator: OperatorName,
  value: unknown,
  bind: (v: number) => string,
): string {
  switch (operator) {
    case 'lessThan':
      return `${x} < ${bind(value as number)}`;
    case 'lessThanInclusive':
      return `${x} <= ${bind(value as number)}`;
    case 'greaterThan':
      return `${x} > ${bind(value as number)}`;
    case 'greaterThanInclusive':
      return `${x} >= ${bind(value as number)}`;
    case 'between': {
      const [low, high] = value as [number, number];
      return `${x} BETWEEN ${bind(low)} AND ${bind(high)}`;
    }
    default:
      throw new Error(`operator ${operator} has no SQL form for numbers`);
  }
}

/**
 * Traits are untyped jsonb: every test first checks the JSON type it needs, so `"30"` is never a number, and
 * numbers compare as numeric (exact; JSON.stringify writes shortest round-trip decimals, so the order of those
 * decimals is the order of the doubles JavaScript compares).
 */
function jsonPredicate(x: string, operator: OperatorName, value: unknown, p: SqlParams): string {
  switch (operator) {
    case 'equal':
      return `${x} = ${p.bind(JSON.stringify(value), 'jsonb')}`;
    case 'in':
      return (
        `(jsonb_typeof(${x}) IN ('string', 'number', 'boolean')` +
        ` AND ${p.bind(JSON.stringify(value), 'jsonb')} @> jsonb_build_array(${x}))`
      );
    case 'contains':
      return `(jsonb_typeof(${x}) = 'array' AND ${x} @> ${p.bind(JSON.stringify([value as Scalar]), 'jsonb')})`;
    case 'exists':
      return `jsonb_typeof(${x}) <> 'null'`;
    default: {
      // CASE, not AND: PostgreSQL may evaluate AND operands in any order, and casting a string to numeric fails.
      const number = `(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END)`;
      return numberComparison(number, operator, value, (v) => p.bind(v, 'numeric'));
    }
  }
}

/**
 * Timestamps compare at whole milliseconds, as JavaScript Dates hold them: with an integer-millisecond bound B,
 * `ts >= B` and `ts < B + 1ms` are exactly "truncated ts ≥ B" and "truncated ts ≤ B".
 */
function timestampPredicate(x: string, operator: OperatorName, value: unknown, ctx: LeafContext): string {
  const at = (ms: number) => ctx.p.bind(isoOf(ms), 'timestamptz');
  switch (operator) {
    case 'before':
      return `${x} < ${at(parseIsoInstant(value as string)!)}`;
    case 'after':
      return `${x} >= ${at(parseIsoInstant(value as string)! + 1)}`;
    case 'between': {
      const [low, high] = (value as string[]).map((v) => parseIsoInstant(v)!);
      return `(${x} >= ${at(low)} AND ${x} < ${at(high + 1)})`;
    }
    case 'withinLastDays':
      return `(${x} >= ${at(daysAgo(ctx.nowMs, value as number))} AND ${x} < ${at(ctx.nowMs + 1)})`;
    case 'exists':
      return `${x} IS NOT NULL`;
    default:
      throw new Error(`operator ${operator} has no SQL form for timestamps`);
  }
}

function membership(key: string, ctx: LeafContext): string {
  const id = ctx.segmentId(key);
  if (id !== undefined)
    return (
      `EXISTS (SELECT 1 FROM segment_memberships m` +
      ` WHERE m.customer_id = c.id AND m.segment_id = ${ctx.p.bind(id, 'uuid')})`
    );
  return (
    `EXISTS (SELECT 1 FROM segment_memberships m JOIN segments g ON g.id = m.segment_id` +
    ` WHERE m.customer_id = c.id AND g.key = ${ctx.p.bind(key, 'text')})`
  );
}

/** The SQL expression of a fact value; identifiers come from the catalogue, never from the definition. */
function operand(leaf: LeafCondition, ctx: LeafContext): string {
  const { p } = ctx;
  switch (leaf.fact) {
    case 'traits':
      return `(c.traits #> ${p.bind(parsePath(leaf.path!), 'text[]')})`;
    case 'events':
      return ctx.events.operand(leaf.params!);
    case 'scores':
      return columnOperand('sc', SCORES_FIELDS.get(fieldName(leaf.path)!)!, false);
    default: {
      const field = STATS_FIELDS.get(fieldName(leaf.path)!)!;
      if ('column' in field) return columnOperand('s', field, true);
      const since = (STATS_FIELDS.get(field.daysSince) as ColumnField).column;
      const now = p.shared('nowMs', () => String(ctx.nowMs), 'numeric');
      // Whole milliseconds, then one float8 division: the same IEEE operation as (now − t) / 86400000 in JS.
      return `((${now} - floor(extract(epoch from s.${since}) * 1000))::float8 / 86400000)`;
    }
  }
}

function columnOperand(table: 's' | 'sc', field: ColumnField, hasDefaults: boolean): string {
  const column = `${table}.${field.column}`;
  if (field.type !== 'number') return column;
  const value =
    hasDefaults && field.noRowDefault !== undefined ? `COALESCE(${column}, ${field.noRowDefault})` : column;
  // A numeric or float8 column may hold NaN, which JavaScript reads as "not a number": missing on both sides.
  return `NULLIF((${value})::float8, 'NaN'::float8)`;
}
