import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryPrepared } from '../database/prepared-query';
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
    const facts = (await this.loadMany([id])).get(id);
    if (!facts) throw CustomersException.notFound(ref); // erased between the two reads
    return facts;
  }

  /**
   * The facts of many stored customers (by Waymark id) in one statement, for the sender's claimed batch; a customer
   * that does not exist (erased) is simply absent from the map.
   */
  async loadMany(ids: string[]): Promise<Map<string, StoredCustomerFacts>> {
    const out = new Map<string, StoredCustomerFacts>();
    if (!ids.length) return out;
    const rows = await queryPrepared<Record<string, unknown>>(
      this.dataSource.manager,
      `SELECT c.id, c.external_id, c.email, c.timezone, c.traits,
              st.customer_id IS NOT NULL AS has_stats, sc.customer_id IS NOT NULL AS has_scores,
              ${STATS_COLUMNS}, ${SCORES_COLUMNS},
              ARRAY(SELECT s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
                     WHERE m.customer_id = c.id AND s.archived_at IS NULL ORDER BY s.key) AS segment_keys
         FROM customers c
         LEFT JOIN customer_stats st ON st.customer_id = c.id
         LEFT JOIN customer_scores sc ON sc.customer_id = c.id
        WHERE c.id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of rows) {
      out.set(row.id as string, {
        customer: {
          id: row.id as string,
          externalId: row.external_id as string | null,
          email: row.email as string | null,
          timezone: row.timezone as string | null,
          traits: (row.traits as Record<string, unknown>) ?? {},
          stats: row.has_stats ? isoDates(prefixed(row, 'st_')) : {},
          scores: row.has_scores ? isoDates(prefixed(row, 'sc_')) : {},
        },
        segments: row.segment_keys as string[],
      });
    }
    return out;
  }
}

/** customer_stats and customer_scores as templates see them, prefixed to be told apart in the joined row. */
const STATS_COLUMNS = `st.first_seen_at AS "st_firstSeenAt", st.last_seen_at AS "st_lastSeenAt",
  st.first_order_at AS "st_firstOrderAt", st.last_order_at AS "st_lastOrderAt", st.orders_count AS "st_ordersCount",
  st.revenue_total::float8 AS "st_revenueTotal", st.avg_order_value::float8 AS "st_avgOrderValue",
  st.events_count AS "st_eventsCount", st.event_counts AS "st_eventCounts", st.updated_at AS "st_updatedAt"`;
const SCORES_COLUMNS = `sc.rfm_recency AS "sc_rfmRecency", sc.rfm_frequency AS "sc_rfmFrequency",
  sc.rfm_monetary AS "sc_rfmMonetary", sc.rfm_code AS "sc_rfmCode", sc.rfm_group AS "sc_rfmGroup",
  sc.rfm_at AS "sc_rfmAt", sc.clv::float8 AS "sc_clv", sc.clv_tier AS "sc_clvTier",
  sc.churn_probability AS "sc_churnProbability", sc.cluster AS "sc_cluster", sc.updated_at AS "sc_updatedAt"`;

function prefixed(row: Record<string, unknown>, prefix: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])),
  );
}

/** Dates as ISO strings: the same shape a supplied (JSON) context has, for Liquid and for conditions alike. */
function isoDates(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}
