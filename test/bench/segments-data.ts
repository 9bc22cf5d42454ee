import type { Client } from 'pg';

/**
 * Set-based generation of the segments benchmark's data: every table is filled by one INSERT … SELECT FROM
 * generate_series in a session seeded with setseed, so the same --seed gives the same customers, traits and events
 * (relative to the generation instant). Customer ids are md5-derived, so an event finds its customer's id by
 * computation instead of a join.
 */

export interface DataShape {
  customers: number;
  events: number;
  seed: number;
  /** Generation instant (ms): events span the 180 days before it. */
  now: number;
}

export interface GenerationTimings {
  customersMs: number;
  eventsMs: number;
  indexesMs: number;
  statsMs: number;
}

export const HISTORY_DAYS = 180;

/** The event mix (cumulative shares), Segment's ecommerce and email spec names. */
export const EVENT_MIX: readonly [string, number][] = [
  ['Product Viewed', 0.45],
  ['Product Added', 0.15],
  ['Order Completed', 0.08],
  ['Email Opened', 0.2],
  ['Email Clicked', 0.12],
];

/** uuid of bench customer k (1-based), the same in SQL and in the events' customer_id. */
const customerIdSql = (k: string) => `md5('waymark-bench:' || ${k})::uuid`;

export const externalIdOf = (k: number) => `bench-${k}`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * Fills customers (+ their userId identities), events and customer_stats (aggregated from the events exactly as
 * ingestion folds them). customer_scores come from the RFM use case afterwards.
 */
export async function generateData(
  c: Client,
  shape: DataShape,
  log: (line: string) => void,
): Promise<GenerationTimings> {
  const now = new Date(shape.now).toISOString();
  // Faster bulk load: more memory for the aggregates and index builds; no synchronous commit wait.
  await c.query(`SET maintenance_work_mem = '1GB'`);
  await c.query(`SET work_mem = '256MB'`);
  await c.query(`SET synchronous_commit = off`);
  await c.query('SELECT setseed($1)', [(shape.seed % 1_000_003) / 1_000_003]);

  log(`  customers: ${shape.customers.toLocaleString('en-US')} with traits and userId identities`);
  const customersMs = await timed(async () => {
    await c.query(
      `INSERT INTO customers (id, external_id, email, traits, timezone, marketing_consent, consent_source, consent_at,
                              created_at, updated_at)
       SELECT ${customerIdSql('k')}, 'bench-' || k, 'bench' || k || '@example.com',
              jsonb_strip_nulls(jsonb_build_object(
                'age', CASE WHEN random() < 0.03 THEN NULL ELSE 18 + floor(random() * 63)::int END,
                'plan', (ARRAY['free', 'free', 'free', 'starter', 'starter', 'pro', 'enterprise'])[1 + floor(random() * 7)::int],
                'country', (ARRAY['US', 'US', 'US', 'GB', 'DE', 'FR', 'FR', 'ES', 'IT', 'NL', 'CA', 'JP'])[1 + floor(random() * 12)::int],
                'postalCode', lpad((1000 * (1 + floor(random() * 95)::int))::text, 5, '0'),
                'firstName', 'Name' || k)),
              'Europe/Paris', consent, 'import', CASE WHEN consent IS NOT NULL THEN created END, created, created
         FROM (SELECT k, random() < 0.7 AS consent,
                      $1::timestamptz - (random() * 400) * interval '1 day' AS created
                 FROM generate_series(1, $2::int) AS k) AS g`,
      [now, shape.customers],
    );
    await c.query(
      `INSERT INTO customer_identities (kind, value, customer_id, created_at)
       SELECT 'userId', external_id, id, created_at FROM customers`,
    );
  });

  // Secondary indexes are dropped and rebuilt from their own definitions: one sorted build is much faster than
  // 10M random insertions. Foreign-key triggers are skipped (superuser only): the ids are consistent by construction.
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = 'events'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = to_regclass(i.indexname))`,
  );
  for (const index of indexes) await c.query(`DROP INDEX ${quoteIdent(index.name)}`);
  const replica = await c.query(`SET session_replication_role = replica`).then(
    () => true,
    () => false,
  );

  log(`  events: ${shape.events.toLocaleString('en-US')} over ${HISTORY_DAYS} days, in time order`);
  let cumulative = 0;
  const mix = EVENT_MIX.map(([name, share]) => [name, (cumulative += share)] as const);
  const eventCase = `CASE ${mix
    .slice(0, -1)
    .map(([name, upTo]) => `WHEN r < ${upTo.toFixed(4)} THEN '${name}'`)
    .join(' ')} ELSE '${mix[mix.length - 1][0]}' END`;
  const eventsMs = await timed(() =>
    c.query(
      // Event g happens at now − 180 days · (E − g + u) / E: the log is appended in time order, as ingestion does.
      // Customer k = 1 + ⌊N · u^1.5⌋: low k are the heavy users (density ∝ k^(−1/3)), everyone has a few events.
      `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
       SELECT 'bench-' || g, ${customerIdSql('k')}, 'track', name,
              CASE name
                WHEN 'Order Completed' THEN jsonb_build_object('order_id', 'o-' || g,
                  'revenue', round((15 + random() * 185)::numeric, 2), 'currency', 'USD')
                WHEN 'Email Opened' THEN jsonb_build_object('campaign_id', 'cmp-' || (g % 40))
                WHEN 'Email Clicked' THEN jsonb_build_object('campaign_id', 'cmp-' || (g % 40), 'link', 'https://example.com/p' || (g % 500))
                ELSE jsonb_build_object('product_id', 'p' || (g % 500), 'sku', 'SKU-' || lpad((g % 500)::text, 5, '0'),
                  'price', 5.99 + (g % 95))
              END,
              ts, ts
         FROM (SELECT g, 1 + least($2::int - 1, floor($2::int * power(random(), 1.5))::int) AS k,
                      ${eventCase} AS name,
                      $1::timestamptz - ($3::float8 - g + random()) * ($4::float8 / $3::float8) * interval '1 day' AS ts
                 FROM (SELECT g, random() AS r FROM generate_series(1, $3::int) AS g) AS s) AS e`,
      [now, shape.customers, shape.events, HISTORY_DAYS],
    ),
  );
  if (replica) await c.query(`SET session_replication_role = origin`);

  log(`  rebuilding ${indexes.length} event indexes`);
  const indexesMs = await timed(async () => {
    for (const index of indexes) await c.query(index.def);
  });

  log('  customer_stats from the events (one INSERT … SELECT … GROUP BY)');
  const statsMs = await timed(() =>
    c.query(
      // The same folding as ingestion's writeEvents: orders are track "Order Completed" with revenue (or total).
      `INSERT INTO customer_stats (customer_id, first_seen_at, last_seen_at, first_order_at, last_order_at, orders_count,
                                   revenue_total, events_count, event_counts, updated_at)
       SELECT customer_id, min(first_seen), max(last_seen), min(first_order), max(last_order),
              coalesce(sum(orders), 0)::int, coalesce(sum(revenue), 0), sum(n)::int,
              coalesce(jsonb_object_agg(event, n) FILTER (WHERE event IS NOT NULL), '{}'), $1
         FROM (SELECT customer_id, event, count(*) AS n, min("timestamp") AS first_seen, max("timestamp") AS last_seen,
                      min("timestamp") FILTER (WHERE is_order) AS first_order,
                      max("timestamp") FILTER (WHERE is_order) AS last_order,
                      count(*) FILTER (WHERE is_order) AS orders,
                      sum(coalesce((properties ->> 'revenue')::numeric, (properties ->> 'total')::numeric, 0))
                        FILTER (WHERE is_order) AS revenue
                 FROM (SELECT *, type = 'track' AND event = 'Order Completed' AS is_order FROM events) AS e
                GROUP BY customer_id, event) AS per_event
        GROUP BY customer_id`,
      [now],
    ),
  );
  return { customersMs, eventsMs, indexesMs, statsMs };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
