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
}

/** Dates as ISO strings: the same shape a supplied (JSON) context has, for Liquid and for conditions alike. */
function isoDates(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}
