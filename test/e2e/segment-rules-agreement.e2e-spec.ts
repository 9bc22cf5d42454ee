import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { compileForCustomers, compileSegmentSql } from '../../src/segments/rules/compile-sql';
import type { CustomerFacts } from '../../src/segments/rules/customer-facts';
import type { Condition, EventsParams, RuleDefinition } from '../../src/segments/rules/definition';
import { createEvaluator, eventsNeeded } from '../../src/segments/rules/evaluate';
import { OPERATORS_BY_TYPE, SCORES_FIELDS, STATS_FIELDS } from '../../src/segments/rules/facts';
import { resolvePath } from '../../src/segments/rules/json-path';
import { validateDefinition } from '../../src/segments/rules/validate';
import { cloneTemplate, dropDatabase } from '../setup/database';

/**
 * The property that keeps the two evaluators honest: for random customers stored in PostgreSQL and random valid
 * definitions, the SQL full refresh returns exactly the customers json-rules-engine says match. Facts for the
 * JavaScript side are read back through the pg driver, as a service would read them.
 */

const NOW = new Date('2026-03-15T12:00:00.000Z');
const HOUR = 3_600_000;
const SEGMENT_KEYS = ['vip', 'churn-risk', 'newsletter'];
const INJECTION = `'; DROP TABLE customers; --`;
const EVENT_NAMES = ['Order Completed', 'Email Opened', `Order'); DELETE FROM events; --`];
const RUNS = Number(process.env.RULES_AGREEMENT_RUNS ?? 40);
const DEFINITIONS_PER_RUN = 5;
const CUSTOMERS = 40;

// ---------- data ----------

/** Timestamps on a 6-hour grid (so definitions hit boundaries exactly), sometimes off-grid to the microsecond. */
const timestamp = fc
  .tuple(
    fc.integer({ min: -240, max: 240 }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      fc.integer({ min: -999, max: 999 }),
      fc.integer({ min: -86_400_000, max: 86_400_000 }),
    ),
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999 })),
  )
  .map(([k, jitterMs, micros]) => {
    const iso = new Date(NOW.getTime() + k * 6 * HOUR + jitterMs).toISOString();
    return micros === 0 ? iso : `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
  });

const numberValue = fc.oneof(
  fc.constantFrom(0, 1, 2, 5, 10, 30, -2, 0.1, 0.2, 0.3, 1.5, 1e21, 100.25),
  fc.integer({ min: -50, max: 50 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
);
const stringValue = fc.constantFrom(
  '30',
  '5',
  '1e3',
  ' 5',
  'pro',
  'free',
  'PRO',
  '',
  'true',
  INJECTION,
  '$1',
  '\\',
  '"q"',
);
const scalar = fc.oneof(numberValue, stringValue, fc.boolean());
const traitValue = fc.oneof(
  { weight: 4, arbitrary: scalar },
  fc.constant(null),
  fc.array(scalar, { maxLength: 4 }),
  fc.record({ a: scalar, b: fc.array(scalar, { maxLength: 3 }) }, { requiredKeys: [] }),
);
const TRAIT_KEYS = ['age', 'plan', 'tags', 'nested', 'flag', 'x-y', 'constructor', INJECTION];
const traits = fc.dictionary(fc.constantFrom(...TRAIT_KEYS), traitValue, { maxKeys: 6 });

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });
const cents = fc.integer({ min: 0, max: 100_000 }).map((c) => (c / 100).toFixed(2));

const stats = fc.option(
  fc.record({
    first_seen_at: maybe(timestamp),
    last_seen_at: maybe(timestamp),
    first_order_at: maybe(timestamp),
    last_order_at: maybe(timestamp),
    orders_count: fc.integer({ min: 0, max: 5 }),
    revenue_total: fc.oneof(cents, fc.constantFrom('0.00', '10.00', '0.30', 'NaN')),
    events_count: fc.integer({ min: 0, max: 20 }),
  }),
  { nil: null, freq: 4 },
);

const scores = fc.option(
  fc.record({
    rfm_recency: maybe(fc.integer({ min: 1, max: 5 })),
    rfm_frequency: maybe(fc.integer({ min: 1, max: 5 })),
    rfm_monetary: maybe(fc.integer({ min: 1, max: 5 })),
    rfm_code: maybe(fc.constantFrom('555', '111', '345', INJECTION)),
    rfm_group: maybe(fc.constantFrom('champions', 'at-risk')),
    clv: maybe(cents),
    clv_tier: maybe(fc.constantFrom('high', 'low')),
    churn_probability: maybe(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0.1, 0.5))),
    cluster: maybe(fc.integer({ min: 0, max: 3 })),
  }),
  { nil: null, freq: 4 },
);

const amount = fc.oneof(fc.constantFrom(0.1, 0.2, 0.7, 10, 1e21, '10'), scalar);
const event = fc.record({
  event: fc.constantFrom(...EVENT_NAMES, 'Other'),
  timestamp,
  properties: fc.oneof(
    {
      weight: 9,
      arbitrary: fc.record(
        { amount, plan: fc.constantFrom('pro', 'free'), flag: fc.boolean(), [INJECTION]: scalar },
        { requiredKeys: [] },
      ),
    },
    fc.constant([5]),
  ),
});

const customer = fc.record({
  traits,
  stats,
  scores,
  segments: fc.subarray(SEGMENT_KEYS),
  events: fc.array(event, { maxLength: 10 }),
});
type GeneratedCustomer = typeof customer extends fc.Arbitrary<infer T> ? T : never;

// ---------- definitions ----------

/**
 * Values a definition compares with, harvested from the generated customers, so conditions land exactly on data
 * values and boundaries (a timestamp with microseconds vs its millisecond, 0.1 + 0.2 vs 0.3, days since a
 * timestamp) where a sloppy evaluator would differ.
 */
interface ValuePool {
  numbers: number[];
  scalars: unknown[];
  /** Millisecond ISO instants (and +1 ms) of the data's timestamps, per stats field and for events. */
  isos: Map<string, string[]>;
  days: number[];
  /** Sums of `amount` per customer and event name: exact, and as a naive left-to-right double sum. */
  sums: number[];
  /** The values stored at each field (`traits:$.age`, `stats:ordersCount`, …), to compare a field with its own. */
  byField: Map<string, unknown[]>;
}

const STAT_STAMPS = ['first_seen_at', 'last_seen_at', 'first_order_at', 'last_order_at'] as const;
const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

function valuePool(customers: GeneratedCustomer[]): ValuePool {
  const numbers = new Set<number>([0, 1, 2, 5, 10, 0.3, 1e21]);
  const scalars = new Set<unknown>(['30', 'pro', true, INJECTION]);
  const sums = new Set<number>([0.3, 10.3]);
  const isos = new Map<string, string[]>();
  const byField = new Map<string, unknown[]>();
  const addValue = (key: string, v: unknown) => {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
      byField.set(key, [...(byField.get(key) ?? []), v]);
  };
  const dayAge = (t: string | null) =>
    t ? (NOW.getTime() - Date.parse(`${t.slice(0, 23)}Z`)) / 86_400_000 : null;
  const addIso = (field: string, t: string) => {
    const ms = `${t.slice(0, 23)}Z`;
    isos.set(field, [...(isos.get(field) ?? []), ms, new Date(Date.parse(ms) + 1).toISOString()]);
  };
  const scan = (v: unknown) => {
    if (typeof v === 'number') numbers.add(v);
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') scalars.add(v);
    if (Array.isArray(v)) v.forEach(scan);
    else if (v && typeof v === 'object') Object.values(v).forEach(scan);
  };
  for (const c of customers) {
    scan(c.traits);
    for (const path of TRAIT_PATHS) {
      const v = resolvePath(c.traits, path);
      for (const item of Array.isArray(v) ? v : [v]) addValue(`traits:${path}`, item);
    }
    for (const [field, v] of Object.entries({
      ordersCount: c.stats?.orders_count ?? 0,
      eventsCount: c.stats?.events_count ?? 0,
      revenueTotal: Number(c.stats?.revenue_total ?? 0),
      avgOrderValue: c.stats?.orders_count
        ? Math.round((Number(c.stats.revenue_total) / c.stats.orders_count) * 100) / 100
        : null,
      daysSinceLastOrder: dayAge(c.stats?.last_order_at ?? null),
      daysSinceLastSeen: dayAge(c.stats?.last_seen_at ?? null),
      tenureDays: dayAge(c.stats?.first_seen_at ?? null),
    }))
      addValue(`stats:${field}`, v);
    for (const [column, v] of Object.entries(c.scores ?? {}))
      addValue(`scores:${camel(column)}`, typeof v === 'string' && column === 'clv' ? Number(v) : v);
    if (c.stats) {
      numbers.add(c.stats.orders_count).add(c.stats.events_count).add(Number(c.stats.revenue_total));
      for (const field of STAT_STAMPS) if (c.stats[field]) addIso(camel(field), c.stats[field]);
    }
    if (c.scores)
      for (const v of Object.values(c.scores))
        if (v !== null && !Number.isNaN(Number(v))) numbers.add(Number(v));
    const amounts = new Map<string, number[]>();
    for (const e of c.events) {
      addIso('events', e.timestamp);
      const props = e.properties as Record<string, unknown>;
      scan(props);
      if (typeof props.amount === 'number')
        amounts.set(e.event, [...(amounts.get(e.event) ?? []), props.amount]);
    }
    for (const list of amounts.values()) {
      sums.add(list.reduce((a, b) => a + b, 0));
      sums.add(Number(list.reduce((a, b) => a + BigInt(Math.round(b * 10)), 0n)) / 10);
    }
  }
  const all = [...isos.values()].flat();
  const days = all.map((t) => (NOW.getTime() - Date.parse(t)) / 86_400_000);
  for (const d of days) numbers.add(d);
  return {
    numbers: [...numbers].filter(Number.isFinite),
    scalars: [...scalars].filter((v) => typeof v !== 'number' || Number.isFinite(v)),
    isos,
    days: days.filter((d) => d > 0),
    sums: [...sums].filter(Number.isFinite),
    byField,
  };
}

function definitionFrom(pool: ValuePool): fc.Arbitrary<RuleDefinition> {
  const fromPool = <T>(values: T[], fallback: fc.Arbitrary<T>) =>
    values.length === 0 ? fallback : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values) }, fallback);
  const anyNumber = fromPool(pool.numbers, numberValue);
  const eventNumbers = fc.oneof(fc.constantFrom(0, 1, 2, 3), anyNumber);
  const scalars = fromPool(pool.scalars as (string | number | boolean)[], scalar);
  const isoFor = (field: string) =>
    fromPool(
      pool.isos.get(field) ?? [],
      fc.oneof(
        fc
          .integer({ min: -60, max: 60 })
          .map((d) => new Date(NOW.getTime() + d * 86_400_000).toISOString().slice(0, 10)),
        fc.constant('2026-03-15T13:00:00+01:00'),
      ),
    );
  const days = fromPool(
    pool.days,
    fc.oneof(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 280 }).map((q) => q / 4),
    ),
  );
  const sortedPair = <T>(arb: fc.Arbitrary<T>, key: (v: T) => number) =>
    fc.tuple(arb, arb).map(([a, b]) => (key(a) <= key(b) ? [a, b] : [b, a]));
  const strings = fc.constantFrom('555', '111', 'champions', 'high', 'low', INJECTION);

  const valueFor = (type: string, operator: string, fact: string, field: string): fc.Arbitrary<unknown> => {
    if (operator === 'exists') return fc.boolean();
    const own = pool.byField.get(`${fact}:${field}`) ?? [];
    const ownNumbers = own.filter((v): v is number => typeof v === 'number');
    const numbers =
      fact !== 'events'
        ? fromPool(ownNumbers, anyNumber)
        : field === 'sum'
          ? fromPool(pool.sums, eventNumbers)
          : fc.integer({ min: 0, max: 4 });
    const isoValue = isoFor(field);
    if (type === 'timestamp') {
      if (operator === 'withinLastDays') return days;
      if (operator === 'between') return sortedPair(isoValue, (v) => Date.parse(v));
      return isoValue;
    }
    const element =
      type === 'json'
        ? fromPool(own as (string | number | boolean)[], scalars)
        : type === 'string'
          ? fromPool(own as string[], strings)
          : numbers;
    if (operator === 'in' || operator === 'notIn') return fc.array(element, { minLength: 1, maxLength: 4 });
    if (operator === 'between') return sortedPair(numbers, (v) => v);
    if (['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'].includes(operator))
      return numbers;
    return element;
  };
  const leafOf = (
    fact: string,
    path: string | undefined,
    type: keyof typeof OPERATORS_BY_TYPE,
    aggregate = '',
  ) =>
    fc.constantFrom(...OPERATORS_BY_TYPE[type]).chain((operator) =>
      valueFor(
        type,
        operator,
        fact,
        fact === 'traits' ? path! : fact === 'events' ? aggregate : path!.slice(2),
      ).map((value) => ({
        fact,
        ...(path && { path }),
        operator,
        value,
      })),
    );
  const fieldLeaf = (fact: 'stats' | 'scores') =>
    fc
      .constantFrom(...(fact === 'stats' ? STATS_FIELDS : SCORES_FIELDS).entries())
      .chain(([name, field]) => leafOf(fact, `$.${name}`, field.type));

  const isoValue = isoFor('events');
  const window = fc.oneof(
    days.map((withinDays) => ({ withinDays })),
    sortedPair(isoValue, (v) => Date.parse(v))
      .filter(([a, b]) => Date.parse(a) < Date.parse(b))
      .map(([from, to]) => ({ from, to })),
    isoValue.map((from) => ({ from })),
    isoValue.map((to) => ({ to })),
  );
  const sometimes = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  const eventParams = fc
    .record({
      event: fc.constantFrom(...EVENT_NAMES),
      where: sometimes(
        fc.constantFrom(
          { plan: 'pro' },
          { amount: 10 },
          { flag: true },
          { amount: '10' },
          { [INJECTION]: 5 },
        ),
      ),
      window: sometimes(window),
      sum: sometimes(fc.constantFrom('amount', 'amount', 'plan', INJECTION)),
    })
    .map(({ event: name, where, window: w, sum }) => ({
      event: name,
      ...(where && { where }),
      ...w,
      ...(sum && { aggregate: 'sum' as const, property: sum }),
    }));
  const eventLeaf = eventParams.chain((params) =>
    leafOf('events', undefined, 'eventAggregate', params.aggregate ?? 'count').map((leaf) => ({
      ...leaf,
      params,
    })),
  );

  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...TRAIT_PATHS).chain((path) => leafOf('traits', path, 'json')) },
    { weight: 3, arbitrary: fieldLeaf('stats') },
    { weight: 2, arbitrary: fieldLeaf('scores') },
    {
      weight: 1,
      arbitrary: fc.record({
        fact: fc.constant('segments'),
        operator: fc.constantFrom('contains', 'doesNotContain'),
        value: fc.constantFrom(...SEGMENT_KEYS, 'ghost'),
      }),
    },
    { weight: 3, arbitrary: eventLeaf },
  ) as fc.Arbitrary<Condition>;

  const tree = fc.letrec<{ node: Condition; all: Condition; any: Condition; not: Condition }>((tie) => ({
    node: fc.oneof({ maxDepth: 3, depthSize: 'small' }, leaf, tie('all'), tie('any'), tie('not')),
    all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    not: tie('node').map((not) => ({ not })),
  }));
  // Single conditions and small trees too: in a big tree, one leaf's outcome is often masked by its siblings.
  return fc.oneof(
    { weight: 2, arbitrary: tree.all },
    { weight: 2, arbitrary: tree.any },
    { weight: 1, arbitrary: tree.not },
    { weight: 2, arbitrary: leaf.map((l) => ({ all: [l] })) },
    { weight: 2, arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => ({ any: [a, { not: b }] })) },
  ) as fc.Arbitrary<RuleDefinition>;
}

const TRAIT_PATHS = [
  '$.age',
  '$.plan',
  '$.tags',
  '$.tags.0',
  '$.tags.-1',
  '$.nested.a',
  '$.nested.b.1',
  '$.flag',
  '$.x-y',
  '$.constructor',
  '$.missing',
];

// ---------- database ----------

describe('rule segments: SQL and json-rules-engine agree', () => {
  const serverUrl = process.env.WAYMARK_TEST_DATABASE_URL!;
  const name = `waymark_test_${randomBytes(6).toString('hex')}`;
  let pool: Pool;
  const segmentIds = new Map<string, string>();

  beforeAll(async () => {
    pool = new Pool({ connectionString: await cloneTemplate(serverUrl, name), max: 2 });
    for (const key of SEGMENT_KEYS) {
      const { rows } = await pool.query(
        `INSERT INTO segments (key, name, rules) VALUES ($1, $1, '{}') RETURNING id`,
        [key],
      );
      segmentIds.set(key, rows[0].id);
    }
  });
  afterAll(async () => {
    await pool.end();
    await dropDatabase(serverUrl, name);
  });

  async function store(customers: GeneratedCustomer[]): Promise<string[]> {
    // Memberships have no foreign key to customers, so TRUNCATE's CASCADE no longer reaches them (nor triggers).
    await pool.query('TRUNCATE customers, segment_memberships CASCADE');
    const rows = customers.map((c) => ({ id: randomUUID(), ...c }));
    const json = JSON.stringify(rows);
    await pool.query(
      `INSERT INTO customers (id, traits) SELECT (r->>'id')::uuid, r->'traits' FROM jsonb_array_elements($1::jsonb) r`,
      [json],
    );
    await pool.query(
      `INSERT INTO customer_stats (customer_id, first_seen_at, last_seen_at, first_order_at, last_order_at,
         orders_count, revenue_total, events_count)
       SELECT (r->>'id')::uuid, (s->>'first_seen_at')::timestamptz, (s->>'last_seen_at')::timestamptz,
         (s->>'first_order_at')::timestamptz, (s->>'last_order_at')::timestamptz, (s->>'orders_count')::int,
         (s->>'revenue_total')::numeric, (s->>'events_count')::int
       FROM jsonb_array_elements($1::jsonb) r, jsonb_extract_path(r, 'stats') s WHERE jsonb_typeof(s) = 'object'`,
      [json],
    );
    await pool.query(
      `INSERT INTO customer_scores (customer_id, rfm_recency, rfm_frequency, rfm_monetary, rfm_code, rfm_group, clv,
         clv_tier, churn_probability, cluster)
       SELECT (r->>'id')::uuid, (s->>'rfm_recency')::smallint, (s->>'rfm_frequency')::smallint,
         (s->>'rfm_monetary')::smallint, s->>'rfm_code', s->>'rfm_group', (s->>'clv')::numeric, s->>'clv_tier',
         (s->>'churn_probability')::float8, (s->>'cluster')::int
       FROM jsonb_array_elements($1::jsonb) r, jsonb_extract_path(r, 'scores') s WHERE jsonb_typeof(s) = 'object'`,
      [json],
    );
    await pool.query(
      `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
       SELECT gen_random_uuid()::text, (r->>'id')::uuid, 'track', e->>'event', e->'properties',
         (e->>'timestamp')::timestamptz, now()
       FROM jsonb_array_elements($1::jsonb) r, jsonb_array_elements(r->'events') e`,
      [json],
    );
    await pool.query(
      `INSERT INTO segment_memberships (segment_id, customer_id, entered_at)
       SELECT g.id, (r->>'id')::uuid, now()
       FROM jsonb_array_elements($1::jsonb) r, jsonb_array_elements_text(r->'segments') k JOIN segments g ON g.key = k`,
      [json],
    );
    return rows.map((r) => r.id);
  }

  /** What a service would load: rows through the pg driver (Dates, numeric strings), mapped to camelCase. */
  async function loadFacts(ids: string[]): Promise<Map<string, CustomerFacts>> {
    const facts = new Map<string, CustomerFacts>();
    const customers = await pool.query('SELECT id, traits FROM customers');
    for (const row of customers.rows)
      facts.set(row.id, { traits: row.traits, stats: null, scores: null, segments: [], events: [] });
    for (const s of (await pool.query('SELECT * FROM customer_stats')).rows)
      facts.get(s.customer_id)!.stats = {
        firstSeenAt: s.first_seen_at,
        lastSeenAt: s.last_seen_at,
        firstOrderAt: s.first_order_at,
        lastOrderAt: s.last_order_at,
        ordersCount: s.orders_count,
        revenueTotal: s.revenue_total,
        avgOrderValue: s.avg_order_value,
        eventsCount: s.events_count,
      };
    for (const s of (await pool.query('SELECT * FROM customer_scores')).rows)
      facts.get(s.customer_id)!.scores = {
        rfmRecency: s.rfm_recency,
        rfmFrequency: s.rfm_frequency,
        rfmMonetary: s.rfm_monetary,
        rfmCode: s.rfm_code,
        rfmGroup: s.rfm_group,
        clv: s.clv,
        clvTier: s.clv_tier,
        churnProbability: s.churn_probability,
        cluster: s.cluster,
      };
    const memberships = await pool.query(
      'SELECT m.customer_id, g.key FROM segment_memberships m JOIN segments g ON g.id = m.segment_id',
    );
    for (const m of memberships.rows) (facts.get(m.customer_id)!.segments as string[]).push(m.key);
    const events = await pool.query('SELECT customer_id, event, "timestamp", properties FROM events');
    for (const e of events.rows) (facts.get(e.customer_id)!.events as unknown[]).push(e);
    expect(facts.size).toBe(ids.length);
    return facts;
  }

  const query = async (compiled: { sql: string; params: unknown[] }) =>
    new Set((await pool.query(compiled.sql, compiled.params)).rows.map((r) => r.customer_id as string));

  it(`agrees on ${RUNS * DEFINITIONS_PER_RUN} random definitions × ${CUSTOMERS} random customers`, async () => {
    let discriminating = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(customer, { minLength: CUSTOMERS, maxLength: CUSTOMERS }).chain((customers) =>
          fc.tuple(
            fc.constant(customers),
            fc.array(definitionFrom(valuePool(customers)), {
              minLength: DEFINITIONS_PER_RUN,
              maxLength: DEFINITIONS_PER_RUN,
            }),
          ),
        ),
        fc.boolean(),
        async ([customers, definitions], useIds) => {
          const ids = await store(customers);
          const facts = await loadFacts(ids);
          for (const rules of definitions) {
            const problems = validateDefinition(rules, {
              segmentRules: (key) => (key === 'ghost' ? undefined : { all: [] }),
            }).filter((p) => !p.message.startsWith('unknown segment'));
            expect(problems).toEqual([]);

            const options = { now: NOW, ...(useIds && { segmentIdsByKey: segmentIds }) };
            const bySql = await query(compileSegmentSql(rules, options));
            const evaluator = createEvaluator(rules);
            const needed = eventsNeeded(rules, NOW);
            const byJs = new Set<string>();
            for (const [id, f] of facts) {
              // Load only what eventsNeeded names, as a service would: the answer must not change.
              const events = f.events.filter(
                (e) =>
                  needed.names.includes(e.event!) &&
                  (needed.since === null || (e.timestamp as Date) >= needed.since) &&
                  (needed.until === null || (e.timestamp as Date) < needed.until),
              );
              if ((await evaluator.evaluate({ ...f, events }, NOW)).matched) byJs.add(id);
            }
            if (!sameSet(bySql, byJs)) {
              const differing = ids.filter((id) => bySql.has(id) !== byJs.has(id));
              const explained = await evaluator.evaluate(facts.get(differing[0])!, NOW);
              throw new Error(
                `SQL and JS disagree on ${differing.length} customers\n` +
                  `definition: ${JSON.stringify(rules)}\n` +
                  `customer ${differing[0]}: SQL ${bySql.has(differing[0])}, JS ${byJs.has(differing[0])}\n` +
                  `facts: ${JSON.stringify(facts.get(differing[0]))}\n` +
                  `explanation: ${JSON.stringify(explained.explanation, null, 1)}`,
              );
            }

            const subset = ids.filter((_, i) => i % 3 === 0);
            const incremental = await query(compileForCustomers(rules, subset, options));
            expect([...incremental].sort()).toEqual(subset.filter((id) => byJs.has(id)).sort());

            total++;
            if (byJs.size > 0 && byJs.size < ids.length) discriminating++;
          }
        },
      ),
      {
        numRuns: RUNS,
        // Each shrinking step refills the database; the thrown message already names the definition and customer.
        endOnFailure: process.env.RULES_AGREEMENT_SHRINK !== '1',
        ...(process.env.RULES_AGREEMENT_SEED && { seed: Number(process.env.RULES_AGREEMENT_SEED) }),
      },
    );
    if (process.env.RULES_AGREEMENT_VERBOSE)
      console.log(`${discriminating}/${total} definitions split the customers`);
    // Guards the generators: definitions that match everyone or no one would prove little.
    expect(discriminating / total).toBeGreaterThan(0.4);
    // The injection-looking strings were data all along.
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM customers');
    expect(rows[0].n).toBe(CUSTOMERS);
  }, 120_000);

  it('agrees on the boundaries, and gives the documented answers', async () => {
    const base = { traits: {}, stats: null, scores: null, segments: [], events: [] };
    const order = (timestamp: string, amount: unknown) => ({
      event: 'Order Completed',
      timestamp,
      properties: { amount },
    });
    const stats = (lastOrderAt: string) => ({
      first_seen_at: null,
      last_seen_at: null,
      first_order_at: null,
      last_order_at: lastOrderAt,
      orders_count: 1,
      revenue_total: '10.00',
      events_count: 1,
    });
    const people = {
      // 0.1 + 0.2 summed exactly is 0.3; a microsecond after a millisecond boundary.
      a: {
        ...base,
        traits: { age: 30, plan: 'pro', tags: ['x', 1] },
        stats: stats('2026-03-10T12:00:00.000500Z'),
        events: [order('2026-03-14T12:00:00Z', 0.1), order('2026-03-14T13:00:00Z', 0.2)],
      },
      // A number-looking string, JSON null, no stats row.
      b: { ...base, traits: { age: '30', plan: null } },
      // Events exactly at now − 7 days and at now (inside), and 1 ms after now (outside).
      c: {
        ...base,
        events: [
          order('2026-03-08T12:00:00.000Z', 1),
          order('2026-03-15T12:00:00.000Z', 1),
          order('2026-03-15T12:00:00.001Z', 1),
        ],
      },
      d: { ...base, stats: stats('2026-03-10T12:00:00.000Z') },
    };
    const letters = Object.keys(people);
    const ids = await store(Object.values(people) as unknown as GeneratedCustomer[]);
    const facts = await loadFacts(ids);
    const nameOf = new Map(ids.map((id, i) => [id, letters[i]]));
    const leaf = (
      fact: string,
      path: string | undefined,
      operator: string,
      value: unknown,
      params?: EventsParams,
    ): RuleDefinition => ({
      all: [{ fact, ...(path && { path }), operator, value, ...(params && { params }) }],
    });
    const cases: [RuleDefinition, string][] = [
      [
        leaf('events', undefined, 'equal', 0.3, {
          event: 'Order Completed',
          aggregate: 'sum',
          property: 'amount',
        }),
        'a',
      ],
      [leaf('events', undefined, 'equal', 2, { event: 'Order Completed', withinDays: 7 }), 'ac'],
      [leaf('events', undefined, 'equal', 3, { event: 'Order Completed', from: '2026-03-08' }), 'c'],
      [leaf('stats', '$.lastOrderAt', 'after', '2026-03-10T12:00:00.000Z'), ''],
      [leaf('stats', '$.lastOrderAt', 'before', '2026-03-10T12:00:00.001Z'), 'ad'],
      [leaf('stats', '$.lastOrderAt', 'between', ['2026-03-10T12:00:00Z', '2026-03-10T12:00:00Z']), 'ad'],
      [leaf('stats', '$.lastOrderAt', 'withinLastDays', 5), 'ad'],
      [leaf('stats', '$.daysSinceLastOrder', 'equal', 5), 'ad'],
      [leaf('stats', '$.ordersCount', 'equal', 0), 'bc'],
      [leaf('stats', '$.avgOrderValue', 'exists', false), 'bc'],
      [leaf('traits', '$.age', 'greaterThan', 5), 'a'],
      [{ not: { fact: 'traits', path: '$.age', operator: 'greaterThan', value: 5 } }, 'bcd'],
      [leaf('traits', '$.plan', 'notEqual', 'pro'), 'bcd'],
      [leaf('traits', '$.plan', 'exists', true), 'a'],
      [leaf('traits', '$.tags', 'contains', 1), 'a'],
      [leaf('traits', '$.tags', 'contains', '1'), ''],
      [leaf('traits', '$.tags.-1', 'equal', 1), 'a'],
      [leaf('traits', '$.age', 'in', ['30', 31]), 'b'],
    ];
    for (const [rules, expected] of cases) {
      const bySql = [...(await query(compileSegmentSql(rules, { now: NOW })))]
        .map((id) => nameOf.get(id))
        .sort();
      const evaluator = createEvaluator(rules);
      const byJs: string[] = [];
      for (const [id, f] of facts) if ((await evaluator.evaluate(f, NOW)).matched) byJs.push(nameOf.get(id)!);
      expect({ rules, sql: bySql.join('') }).toEqual({ rules, sql: expected });
      expect({ rules, js: byJs.sort().join('') }).toEqual({ rules, js: expected });
    }
  });
});

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
