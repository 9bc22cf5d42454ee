import type { EntityManager } from 'typeorm';
import type { CustomerEvent, CustomerFacts } from './rules/customer-facts';
import type { EventsNeeded } from './rules/evaluate';

/**
 * Loads the facts json-rules-engine evaluates, for a batch of customers, in a fixed number of queries: profile
 * with stats and scores, current segment keys, and only the events (names, time range) the definitions read.
 */
export async function loadCustomerFacts(
  manager: EntityManager,
  customerIds: string[],
  needs: Pick<EventsNeeded, 'names' | 'since'>,
): Promise<Map<string, CustomerFacts>> {
  const facts = new Map<string, CustomerFacts & { segments: string[]; events: CustomerEvent[] }>();
  if (!customerIds.length) return facts;
  const rows = await manager.query(
    `SELECT c.id, c.traits,
            CASE WHEN s.customer_id IS NULL THEN NULL ELSE json_build_object(
              'ordersCount', s.orders_count, 'revenueTotal', s.revenue_total, 'avgOrderValue', s.avg_order_value,
              'eventsCount', s.events_count, 'firstSeenAt', s.first_seen_at, 'lastSeenAt', s.last_seen_at,
              'firstOrderAt', s.first_order_at, 'lastOrderAt', s.last_order_at) END AS stats,
            CASE WHEN sc.customer_id IS NULL THEN NULL ELSE json_build_object(
              'rfmRecency', sc.rfm_recency, 'rfmFrequency', sc.rfm_frequency, 'rfmMonetary', sc.rfm_monetary,
              'rfmCode', sc.rfm_code, 'rfmGroup', sc.rfm_group, 'clv', sc.clv, 'clvTier', sc.clv_tier,
              'churnProbability', sc.churn_probability, 'cluster', sc.cluster) END AS scores
       FROM customers c
       LEFT JOIN customer_stats s ON s.customer_id = c.id
       LEFT JOIN customer_scores sc ON sc.customer_id = c.id
      WHERE c.id = ANY($1::uuid[])`,
    [customerIds],
  );
  for (const r of rows)
    facts.set(r.id, { traits: r.traits, stats: r.stats, scores: r.scores, segments: [], events: [] });

  const memberships: { customer_id: string; key: string }[] = await manager.query(
    `SELECT m.customer_id, s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
      WHERE m.customer_id = ANY($1::uuid[]) AND s.archived_at IS NULL`,
    [customerIds],
  );
  for (const m of memberships) facts.get(m.customer_id)?.segments.push(m.key);

  if (needs.names.length) {
    const events: (CustomerEvent & { customer_id: string })[] = await manager.query(
      `SELECT customer_id, event, "timestamp", properties FROM events
        WHERE customer_id = ANY($1::uuid[]) AND event = ANY($2::text[]) AND ($3::timestamptz IS NULL OR "timestamp" >= $3)`,
      [customerIds, needs.names, needs.since],
    );
    for (const { customer_id, ...e } of events) facts.get(customer_id)?.events.push(e);
  }
  return facts;
}

/** The facts of one customer for incremental evaluation, with when it entered each segment it belongs to. */
export type EvaluationFacts = CustomerFacts & { segments: string[]; events: CustomerEvent[] };

/**
 * The same facts as `loadCustomerFacts` in one statement (one round trip, for the incremental worker's latency),
 * plus each current membership's entered_at by segment id. Events and memberships come back aggregated as JSON:
 * timestamps are then ISO strings, which the evaluator reads at the same millisecond precision as Dates.
 */
export async function loadEvaluationFacts(
  manager: EntityManager,
  customerIds: string[],
  needs: Pick<EventsNeeded, 'names' | 'since'>,
): Promise<{ facts: Map<string, EvaluationFacts>; enteredAt: Map<string, Date> }> {
  const facts = new Map<string, EvaluationFacts>();
  const enteredAt = new Map<string, Date>();
  if (!customerIds.length) return { facts, enteredAt };
  const rows: {
    id: string;
    traits: CustomerFacts['traits'];
    stats: CustomerFacts['stats'];
    scores: CustomerFacts['scores'];
    memberships: { segmentId: string; key: string | null; enteredAt: string }[];
    events: CustomerEvent[];
  }[] = await manager.query(
    `SELECT c.id, c.traits,
            CASE WHEN s.customer_id IS NULL THEN NULL ELSE json_build_object(
              'ordersCount', s.orders_count, 'revenueTotal', s.revenue_total, 'avgOrderValue', s.avg_order_value,
              'eventsCount', s.events_count, 'firstSeenAt', s.first_seen_at, 'lastSeenAt', s.last_seen_at,
              'firstOrderAt', s.first_order_at, 'lastOrderAt', s.last_order_at) END AS stats,
            CASE WHEN sc.customer_id IS NULL THEN NULL ELSE json_build_object(
              'rfmRecency', sc.rfm_recency, 'rfmFrequency', sc.rfm_frequency, 'rfmMonetary', sc.rfm_monetary,
              'rfmCode', sc.rfm_code, 'rfmGroup', sc.rfm_group, 'clv', sc.clv, 'clvTier', sc.clv_tier,
              'churnProbability', sc.churn_probability, 'cluster', sc.cluster) END AS scores,
            coalesce((SELECT json_agg(json_build_object(
                        'segmentId', m.segment_id,
                        'key', (SELECT g.key FROM segments g WHERE g.id = m.segment_id AND g.archived_at IS NULL),
                        'enteredAt', m.entered_at))
                        FROM segment_memberships m WHERE m.customer_id = c.id), '[]') AS memberships,
            CASE WHEN cardinality($2::text[]) = 0 THEN '[]' ELSE coalesce((SELECT json_agg(json_build_object(
                        'event', e.event, 'timestamp', e."timestamp", 'properties', e.properties))
                        FROM events e
                       WHERE e.customer_id = c.id AND e.event = ANY($2::text[])
                         AND ($3::timestamptz IS NULL OR e."timestamp" >= $3)), '[]') END AS events
       FROM customers c
       LEFT JOIN customer_stats s ON s.customer_id = c.id
       LEFT JOIN customer_scores sc ON sc.customer_id = c.id
      WHERE c.id = ANY($1::uuid[])`,
    [customerIds, needs.names, needs.since],
  );
  for (const r of rows) {
    const segments: string[] = [];
    for (const m of r.memberships) {
      enteredAt.set(`${m.segmentId}:${r.id}`, new Date(m.enteredAt));
      if (m.key !== null) segments.push(m.key);
    }
    facts.set(r.id, { traits: r.traits, stats: r.stats, scores: r.scores, segments, events: r.events });
  }
  return { facts, enteredAt };
}
