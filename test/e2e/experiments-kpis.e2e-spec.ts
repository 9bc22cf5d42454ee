import { createTestApp, TestApp } from '../setup/test-app';

/**
 * experiment_customer_kpis is kept current by triggers (migration 1763900009000). After every kind of change the
 * results depend on — assignment after messages and orders, sends, opens/clicks/unsubscribes, a sent message that
 * bounces, deleted messages and events, orders before/after assignment and outside the window, a customer merge
 * moving orders, a window change, an erased customer — the incrementally kept rows must equal a rebuild from the
 * source tables, and the results must match the hand-counted figures.
 */
describe('experiments: per-customer KPI summary kept by triggers', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
  });
  afterAll(() => t.close());

  const SNAPSHOT = `SELECT experiment_id, customer_id, arm, segments, weights, sends, opens, clicks, unsubscribes,
                           orders, revenue::float8 AS revenue
                      FROM experiment_customer_kpis ORDER BY experiment_id, customer_id`;

  /** The summary as the triggers left it, then as rebuilt from scratch (inside a rolled-back transaction). */
  const incrementalAndRebuilt = async () => {
    const incremental = await t.db.query(SNAPSHOT);
    const runner = t.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT experiment_customer_kpis_rebuild(NULL)`);
      const rebuilt = await runner.query(SNAPSHOT);
      await runner.rollbackTransaction();
      return { incremental, rebuilt };
    } finally {
      await runner.release();
    }
  };

  const customers = async (prefix: string, count: number): Promise<string[]> =>
    (
      await t.db.query(
        `INSERT INTO customers (external_id) SELECT $1 || '-' || g FROM generate_series(1, $2) g
         RETURNING id, external_id`,
        [prefix, count],
      )
    )
      .sort(
        (a: { external_id: string }, b: { external_id: string }) =>
          Number(a.external_id.split('-').pop()) - Number(b.external_id.split('-').pop()),
      )
      .map((r: { id: string }) => r.id);

  const message = async (customer: string, key: string, variant: string, status = 'sent') =>
    (
      await t.db.query(
        `INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, status,
                               next_attempt_at, message_id_header, context, created_at, sent_at, updated_at)
         VALUES (gen_random_uuid(), $1, $2, gen_random_uuid(), 1, $3, now(), $1,
                 jsonb_build_object('experiment', 'kpi-sync', 'variant', $4::text), now(), now(), now())
         RETURNING id`,
        [key, customer, status, variant],
      )
    )[0].id as string;

  const event = (messageId: string, customer: string, type: string) =>
    t.db.query(`INSERT INTO message_events (message_id, customer_id, type, at) VALUES ($1, $2, $3, now())`, [
      messageId,
      customer,
      type,
    ]);

  const order = (key: string, customer: string, at: string, revenue: unknown) =>
    t.db.query(
      `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
       VALUES ($1, $2, 'track', 'Order Completed', $3, $4, now())`,
      [key, customer, JSON.stringify(revenue === undefined ? {} : { revenue }), at],
    );

  it('matches a rebuild from the source tables after every kind of change', async () => {
    const exp = (
      await t
        .http()
        .post('/v1/experiments')
        .set('Authorization', admin)
        .send({
          key: 'kpi-sync',
          name: 'KPI sync',
          arms: [
            { name: 'control', weight: 0.5 },
            { name: 'b', weight: 0.5 },
          ],
          primaryMetric: 'conversion_rate',
          status: 'running',
          startAt: '2026-01-01T00:00:00Z',
        })
        .expect(201)
    ).body;
    const [c1, c2, c3, c4, anon, erased] = await customers('kpi', 6);

    // a message and an order that happened before c4's assignment: counted when it is assigned
    const early = await message(c4, 'early-1', 'b');
    await event(early, c4, 'open');
    await order('kpi-o-0', c4, '2026-03-02T00:00:00Z', 5);

    await t.db.query(
      `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, segments, weights, assigned_at)
       SELECT $1, id, CASE WHEN n % 2 = 1 THEN 'control' ELSE 'b' END,
              CASE WHEN n <= 2 THEN ARRAY['vip'] ELSE '{}'::text[] END, ARRAY[0.5, 0.5], '2026-03-01T00:00:00Z'
         FROM unnest($2::uuid[]) WITH ORDINALITY u(id, n)`,
      [exp.id, [c1, c2, c3, c4, erased]],
    );

    // sends in several steps: queued → sending → sent, and one that later bounces
    const m1 = await message(c1, 'kpi-m1', 'control', 'queued');
    await t.db.query(`UPDATE messages SET status = 'sending' WHERE id = $1`, [m1]);
    await event(m1, c1, 'open'); // an open before the status says sent: counted once the message is sent
    await t.db.query(`UPDATE messages SET status = 'sent', sent_at = now() WHERE id = $1`, [m1]);
    await event(m1, c1, 'open');
    await event(m1, c1, 'click');
    const m2 = await message(c2, 'kpi-m2', 'b');
    await event(m2, c2, 'open');
    await event(m2, c2, 'unsubscribe');
    await t.db.query(`UPDATE messages SET status = 'bounced' WHERE id = $1`, [m2]);
    const m3 = await message(c3, 'kpi-m3', 'control');
    const m3b = await message(c3, 'kpi-m3b', 'control');
    // several events in one statement, over two messages of the same customer
    await t.db.query(
      `INSERT INTO message_events (message_id, customer_id, type, at)
       VALUES ($1, $3, 'open', now()), ($2, $3, 'open', now()), ($2, $3, 'click', now()), ($2, $3, 'sent', now())`,
      [m3, m3b, c3],
    );
    await message(c3, 'kpi-wrong-arm', 'b'); // tagged with another arm than c3's: not counted
    await event(m3b, c3, 'click');
    await t.db.query(`DELETE FROM message_events WHERE message_id = $1 AND type = 'click'`, [m3b]);
    await t.db.query(`DELETE FROM messages WHERE id = $1`, [m3]);

    // orders: after assignment, before assignment, without revenue, fractional revenue, then one moved by a merge
    await order('kpi-o-1', c1, '2026-03-05T00:00:00Z', 10);
    await order('kpi-o-2', c1, '2026-03-06T00:00:00Z', 2.5);
    await order('kpi-o-3', c2, '2026-02-01T00:00:00Z', 99);
    await order('kpi-o-4', c3, '2026-03-07T00:00:00Z', undefined);
    await order('kpi-o-5', anon, '2026-03-08T00:00:00Z', 7);
    await t.db.query(`UPDATE events SET customer_id = $2 WHERE customer_id = $1`, [anon, c2]);
    await order('kpi-o-6', erased, '2026-03-08T00:00:00Z', 3);
    await t.db.query(`DELETE FROM events WHERE message_id = 'kpi-o-2'`);

    let { incremental, rebuilt } = await incrementalAndRebuilt();
    expect(incremental).toHaveLength(5);
    expect(incremental).toEqual(rebuilt);
    const row = (id: string) => incremental.find((r: { customer_id: string }) => r.customer_id === id);
    expect(row(c1)).toMatchObject({ sends: 1, opens: 2, clicks: 1, orders: 1, revenue: 10 });
    expect(row(c2)).toMatchObject({ sends: 0, opens: 0, unsubscribes: 0, orders: 1, revenue: 7 });
    expect(row(c3)).toMatchObject({ sends: 1, opens: 1, clicks: 0, orders: 1, revenue: 0 });
    expect(row(c4)).toMatchObject({ sends: 1, opens: 1, orders: 1, revenue: 5 });

    const results = async () =>
      (
        await t
          .http()
          .get('/v1/experiments/kpi-sync/results?bySegment=true')
          .set('Authorization', admin)
          .expect(200)
      ).body;
    let body = await results();
    expect(body.overall.arms[0]).toMatchObject({
      name: 'control',
      exposures: 3,
      sends: 2,
      recipients: 2,
      opens: 2,
      clicks: 1,
      conversions: 3,
      revenue: 13,
    });
    expect(body.overall.arms[1]).toMatchObject({
      name: 'b',
      exposures: 2,
      sends: 1,
      recipients: 1,
      conversions: 2,
    });
    expect(body.segments.map((s: { segment: string }) => s.segment)).toEqual(['vip']);
    expect(body.segments[0].arms.map((a: { exposures: number }) => a.exposures)).toEqual([1, 1]);
    // observed 3 / 2 against weights 0.5 / 0.5 of 5 weighted assignments: χ² = 0.2
    expect(body.overall.srm).toMatchObject({ expected: [2.5, 2.5], df: 1, mismatch: false });
    expect(body.overall.srm.statistic).toBeCloseTo(0.2, 10);

    // a window that starts after some orders recounts them; an erased customer leaves no row behind
    await t
      .http()
      .patch('/v1/experiments/kpi-sync')
      .set('Authorization', admin)
      .send({ startAt: '2026-03-06T00:00:00Z' })
      .expect(200);
    await t.db.query(`DELETE FROM customers WHERE id = $1`, [erased]);
    ({ incremental, rebuilt } = await incrementalAndRebuilt());
    expect(incremental).toHaveLength(4);
    expect(incremental).toEqual(rebuilt);
    body = await results();
    expect(body.overall.arms[0]).toMatchObject({ exposures: 2, conversions: 1, revenue: 0 });
    expect(body.overall.arms[1]).toMatchObject({ exposures: 2, conversions: 1, revenue: 7 });
  });
});
