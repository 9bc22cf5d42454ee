import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomersException } from '../customers/customers.exception';
import { CustomersService } from '../customers/customers.service';
import type { RenderCustomer } from './render-context';

export interface StoredCustomerFacts {
  customer: RenderCustomer;
  /** Keys of the (non-archived) segments the customer is a member of, sorted. */
  segments: string[];
}

/** Loads what a template and its block conditions see about a stored customer: profile, stats, scores, segments. */
@Injectable()
export class CustomerFactsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly customers: CustomersService,
  ) {}

  /** `ref` is Waymark's id or the userId; 404 CUSTOMER_NOT_FOUND otherwise. */
  async load(ref: string): Promise<StoredCustomerFacts> {
    const id = await this.customers.resolveId(ref);
    const q = (sql: string) => this.dataSource.query(sql, [id]);
    const [[row], [stats], [scores], segments] = await Promise.all([
      q(`SELECT id, external_id, email, timezone, traits FROM customers WHERE id = $1`),
      q(`SELECT first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", first_order_at AS "firstOrderAt",
                last_order_at AS "lastOrderAt", orders_count AS "ordersCount",
                revenue_total::float8 AS "revenueTotal", avg_order_value::float8 AS "avgOrderValue",
                events_count AS "eventsCount", event_counts AS "eventCounts", updated_at AS "updatedAt"
           FROM customer_stats WHERE customer_id = $1`),
      q(`SELECT rfm_recency AS "rfmRecency", rfm_frequency AS "rfmFrequency", rfm_monetary AS "rfmMonetary",
                rfm_code AS "rfmCode", rfm_group AS "rfmGroup", rfm_at AS "rfmAt", clv::float8 AS "clv",
                clv_tier AS "clvTier", churn_probability AS "churnProbability", cluster, updated_at AS "updatedAt"
           FROM customer_scores WHERE customer_id = $1`),
      q(`SELECT s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
          WHERE m.customer_id = $1 AND s.archived_at IS NULL ORDER BY s.key`),
    ]);
    if (!row) throw CustomersException.notFound(ref); // erased between the two reads
    return {
      customer: {
        id: row.id,
        externalId: row.external_id,
        email: row.email,
        timezone: row.timezone,
        traits: row.traits ?? {},
        stats: stats ? isoDates(stats) : {},
        scores: scores ? isoDates(scores) : {},
      },
      segments: segments.map((s: { key: string }) => s.key),
    };
  }
  /**
   * `load` for many stored customers (by Waymark id) in four queries, for the sender's claimed batch; a customer
   * that does not exist (erased) is simply absent from the map.
   */
  async loadMany(ids: string[]): Promise<Map<string, StoredCustomerFacts>> {
    const out = new Map<string, StoredCustomerFacts>();
    if (!ids.length) return out;
    const q = (sql: string) => this.dataSource.query(sql, [ids]);
    const [rows, stats, scores, segments] = await Promise.all([
      q(`SELECT id, external_id, email, timezone, traits FROM customers WHERE id = ANY($1::uuid[])`),
      q(`SELECT customer_id, first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt",
                first_order_at AS "firstOrderAt", last_order_at AS "lastOrderAt", orders_count AS "ordersCount",
                revenue_total::float8 AS "revenueTotal", avg_order_value::float8 AS "avgOrderValue",
                events_count AS "eventsCount", event_counts AS "eventCounts", updated_at AS "updatedAt"
           FROM customer_stats WHERE customer_id = ANY($1::uuid[])`),
      q(`SELECT customer_id, rfm_recency AS "rfmRecency", rfm_frequency AS "rfmFrequency",
                rfm_monetary AS "rfmMonetary", rfm_code AS "rfmCode", rfm_group AS "rfmGroup", rfm_at AS "rfmAt",
                clv::float8 AS "clv", clv_tier AS "clvTier", churn_probability AS "churnProbability", cluster,
                updated_at AS "updatedAt"
           FROM customer_scores WHERE customer_id = ANY($1::uuid[])`),
      q(`SELECT m.customer_id, s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
          WHERE m.customer_id = ANY($1::uuid[]) AND s.archived_at IS NULL ORDER BY s.key`),
    ]);
    const byCustomer = (list: { customer_id: string }[]) =>
      new Map(list.map(({ customer_id, ...rest }) => [customer_id, rest as Record<string, unknown>]));
    const statsOf = byCustomer(stats);
    const scoresOf = byCustomer(scores);
    for (const row of rows) {
      const st = statsOf.get(row.id);
      const sc = scoresOf.get(row.id);
      out.set(row.id, {
        customer: {
          id: row.id,
          externalId: row.external_id,
          email: row.email,
          timezone: row.timezone,
          traits: row.traits ?? {},
          stats: st ? isoDates(st) : {},
          scores: sc ? isoDates(sc) : {},
        },
        segments: [],
      });
    }
    for (const m of segments as { customer_id: string; key: string }[])
      out.get(m.customer_id)?.segments.push(m.key);
    return out;
  }
}

/** Dates as ISO strings: the same shape a supplied (JSON) context has, for Liquid and for conditions alike. */
function isoDates(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}
