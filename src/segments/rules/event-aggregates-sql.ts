import { EventsParams } from './definition';
import { eventWindow } from './event-window';
import { isoOf } from './iso-time';
import { numericToFloat8, SqlParams } from './sql-params';

/**
 * The `events` conditions of one query as columns of a single set-based CTE: one pass over the events of the named
 * types (through the (event, "timestamp") index, within the widest window), grouped by customer, with one FILTERed
 * aggregate per distinct condition. A full refresh then joins it to customers once instead of probing the events
 * of a million customers one by one.
 */
export class EventAggregates {
  private columns = new Map<string, { alias: string; sql: string }>();
  private names = new Set<string>();
  private lows: (number | null)[] = [];
  private highs: (number | null)[] = [];

  constructor(
    private readonly p: SqlParams,
    private readonly nowMs: number,
  ) {}

  /** A float8 expression (never NULL) with this condition's value for the current customer row. */
  operand(params: EventsParams): string {
    const key = JSON.stringify([
      params.event,
      params.where ?? {},
      params.withinDays,
      params.from,
      params.to,
      params.aggregate ?? 'count',
      params.property,
    ]);
    let column = this.columns.get(key);
    if (!column) {
      column = { alias: `a${this.columns.size}`, sql: this.aggregate(params) };
      this.columns.set(key, column);
    }
    return `COALESCE(ev.${column.alias}, 0)::float8`;
  }

  get used(): boolean {
    return this.columns.size > 0;
  }

  /** The CTE body, restricted to some customers for incremental checks. */
  cte(customerIds: string | undefined): string {
    const where = [`e.event = ANY(${this.p.bind([...this.names], 'text[]')})`];
    // The scan's bounds are the widest of all windows; each column keeps its own in its FILTER.
    if (this.lows.length > 0 && this.lows.every((l) => l !== null))
      where.push(
        `e."timestamp" >= ${this.p.bind(isoOf(Math.min(...(this.lows as number[]))), 'timestamptz')}`,
      );
    if (this.highs.length > 0 && this.highs.every((h) => h !== null))
      where.push(
        `e."timestamp" < ${this.p.bind(isoOf(Math.max(...(this.highs as number[]))), 'timestamptz')}`,
      );
    if (customerIds) where.push(`e.customer_id = ANY(${customerIds})`);
    const columns = [...this.columns.values()].map((c) => `${c.sql} AS ${c.alias}`);
    return (
      `SELECT e.customer_id, ${columns.join(', ')}\n  FROM events e\n  WHERE ${where.join(' AND ')}\n` +
      `  GROUP BY e.customer_id`
    );
  }

  private aggregate(params: EventsParams): string {
    const { p } = this;
    const { fromMs, toMs } = eventWindow(params, this.nowMs);
    this.names.add(params.event);
    this.lows.push(fromMs);
    this.highs.push(toMs);
    // Timestamps compare against whole-millisecond bounds: `ts >= from` and `ts < to` put a timestamp with
    // microseconds on the same side as its millisecond truncation, which is what JavaScript sees.
    const filter = [`e.event = ${p.bind(params.event, 'text')}`];
    if (fromMs !== null) filter.push(`e."timestamp" >= ${p.bind(isoOf(fromMs), 'timestamptz')}`);
    if (toMs !== null) filter.push(`e."timestamp" < ${p.bind(isoOf(toMs), 'timestamptz')}`);
    for (const [key, value] of Object.entries(params.where ?? {}))
      filter.push(`e.properties -> ${p.bind(key, 'text')} = ${p.bind(JSON.stringify(value), 'jsonb')}`);
    const condition = `FILTER (WHERE ${filter.join(' AND ')})`;
    if (params.aggregate !== 'sum') return `count(*) ${condition}`;
    const property = `e.properties -> ${p.bind(params.property, 'text')}`;
    // Converted to float8 here, once per customer, rather than in every leaf for every customer row.
    const sum = `sum(CASE WHEN jsonb_typeof(${property}) = 'number' THEN (${property})::numeric END) ${condition}`;
    return numericToFloat8(sum, p);
  }
}
