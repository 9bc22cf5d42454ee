import { createAssigner } from '../../src/experiments/assignment/hash-assign';
import { AssignVariantUseCase } from '../../src/experiments/assign-variant.usecase';
import { AutoPromotionJob } from '../../src/experiments/promotion/auto-promotion.job';
import { SchedulerRegistry } from '@nestjs/schedule';
import { createTestApp, TestApp } from '../setup/test-app';

describe('experiments: definitions, sticky assignment, results', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
  });
  afterAll(() => t.close());

  const post = (path: string, body: object, auth = admin) =>
    t.http().post(path).set('Authorization', auth).send(body);
  const patch = (path: string, body: object) => t.http().patch(path).set('Authorization', admin).send(body);
  const get = (path: string, auth = admin) => t.http().get(path).set('Authorization', auth);

  /** `count` customers with userIds `${prefix}-1` …, inserted directly; returns their ids in order. */
  const customers = async (prefix: string, count: number): Promise<string[]> => {
    const rows: { id: string }[] = await t.db.query(
      `WITH c AS (
         INSERT INTO customers (external_id) SELECT $1 || '-' || g FROM generate_series(1, $2) g RETURNING id, external_id)
       INSERT INTO customer_identities (kind, value, customer_id) SELECT 'userId', external_id, id FROM c
       RETURNING customer_id AS id, value`,
      [prefix, count],
    );
    return rows
      .map((r) => r as { id: string; value: string })
      .sort((a, b) => Number(a.value.split('-').pop()) - Number(b.value.split('-').pop()))
      .map((r) => r.id);
  };

  const abTest = {
    key: 'subject-test',
    name: 'Subject line',
    arms: [
      { name: 'control', weight: 0.5 },
      { name: 'short', weight: 0.5 },
    ],
    primaryMetric: 'open_rate',
    guardrailMetrics: ['click_rate'],
    minSamplePerArm: 500,
  };

  describe('definitions', () => {
    it('creates a draft experiment and finds it by id or key', async () => {
      const res = await post('/v1/experiments', abTest).expect(201);
      expect(res.body).toMatchObject({ key: 'subject-test', status: 'draft', primaryMetric: 'open_rate' });
      expect((await get(`/v1/experiments/${res.body.id}`).expect(200)).body.key).toBe('subject-test');
      expect((await get('/v1/experiments/subject-test').expect(200)).body.id).toBe(res.body.id);
      const listed = (await get('/v1/experiments?limit=1').expect(200)).body;
      expect(listed.items).toHaveLength(1);
      expect(listed.nextCursor).toBeNull();
      await get('/v1/experiments?limit=0').expect(400);
    });

    it('refuses a duplicate key with 409 and an unknown experiment with 404', async () => {
      expect((await post('/v1/experiments', abTest).expect(409)).body.error).toBe('EXPERIMENT_KEY_TAKEN');
      expect((await get('/v1/experiments/nope').expect(404)).body.error).toBe('EXPERIMENT_NOT_FOUND');
    });

    it('lists every problem of a bad definition with its path (422)', async () => {
      const res = await post('/v1/experiments', {
        key: 'bad',
        name: 'Bad',
        arms: [
          { name: 'a', weight: 0.5 },
          { name: 'a', weight: 0.4 },
        ],
        primaryMetric: 'happiness',
        guardrailMetrics: ['click_rate', 'nps'],
      }).expect(422);
      expect(res.body.error).toBe('INVALID_EXPERIMENT_DEFINITION');
      expect(res.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(
        ['arms', 'arms[1].name', 'guardrailMetrics[1]', 'primaryMetric'].sort(),
      );
      const factors = await post('/v1/experiments', {
        key: 'bad-mvt',
        name: 'Bad MVT',
        factors: [
          { name: 'subject', levels: ['long'] },
          { name: 'hero', levels: ['a', 'b'] },
        ],
        primaryMetric: 'click_rate',
      }).expect(422);
      expect(factors.body.problems).toEqual([{ path: 'factors[0].levels', message: expect.any(String) }]);
    });

    it('lets read keys read and only admin keys write', async () => {
      const read = `Bearer ${await t.keyFor('read')}`;
      const ingest = `Bearer ${await t.keyFor('ingest')}`;
      await get('/v1/experiments/subject-test', read).expect(200);
      await post('/v1/experiments', { ...abTest, key: 'x' }, read).expect(403);
      await get('/v1/experiments/subject-test', ingest).expect(403);
      await t.http().get('/v1/experiments').expect(401);
    });

    it('fixes arms once running (409) but lets weights change', async () => {
      await patch('/v1/experiments/subject-test', { status: 'running' }).expect(200);
      const renamed = await patch('/v1/experiments/subject-test', {
        arms: [
          { name: 'control', weight: 0.5 },
          { name: 'long', weight: 0.5 },
        ],
      }).expect(409);
      expect(renamed.body.error).toBe('EXPERIMENT_RUNNING');
      const bad = await patch('/v1/experiments/subject-test', {
        arms: [
          { name: 'control', weight: 0.5 },
          { name: 'short', weight: 0.6 },
        ],
      }).expect(422);
      expect(bad.body.problems.map((p: { path: string }) => p.path)).toEqual(['arms']);
      const reweighted = await patch('/v1/experiments/subject-test', {
        arms: [
          { name: 'control', weight: 0.9 },
          { name: 'short', weight: 0.1 },
        ],
      }).expect(200);
      expect(reweighted.body.definition.arms[1]).toEqual({ name: 'short', weight: 0.1 });
      // back to 50/50 for the assignment tests
      await patch('/v1/experiments/subject-test', { arms: abTest.arms }).expect(200);
    });

    it('deletes a draft or stopped experiment but not a running one', async () => {
      await post('/v1/experiments', { ...abTest, key: 'to-delete', status: 'running' }).expect(201);
      const del = () => t.http().delete('/v1/experiments/to-delete').set('Authorization', admin);
      expect((await del().expect(409)).body.error).toBe('EXPERIMENT_RUNNING');
      await patch('/v1/experiments/to-delete', { status: 'stopped' }).expect(200);
      expect((await patch('/v1/experiments/to-delete', { status: 'draft' }).expect(409)).body.error).toBe(
        'EXPERIMENT_RUNNING',
      );
      await del().expect(204);
      await get('/v1/experiments/to-delete').expect(404);
    });
  });

  describe('assignment', () => {
    let ids: string[];
    beforeAll(async () => {
      ids = await customers('a', 4000);
    });

    it('is deterministic (hash-assign.ts), stored at first exposure and readable by id or userId', async () => {
      const expected = createAssigner({ key: 'subject-test', arms: abTest.arms }).assign(ids[0]).arm;
      const first = await post('/v1/experiments/subject-test/assignments', { customer: 'a-1' }).expect(200);
      expect(first.body).toMatchObject({ arm: expected, holdout: false, created: true, customerId: ids[0] });
      const again = await post('/v1/experiments/subject-test/assignments', { customer: ids[0] }).expect(200);
      expect(again.body).toMatchObject({ arm: expected, created: false });
      expect((await get(`/v1/experiments/subject-test/assignments/a-1`).expect(200)).body.arm).toBe(expected);
      await get(`/v1/experiments/subject-test/assignments/a-2`).expect(404);
      await post('/v1/experiments/subject-test/assignments', { customer: 'nobody' }).expect(404);
    });

    it('allocates roughly by the weights over 2,000 customers and stays sticky after a weight change', async () => {
      const assign = t.app.get(AssignVariantUseCase);
      const first = ids.slice(0, 2000);
      const arms: (string | null)[] = [];
      for (let i = 0; i < first.length; i += 50) {
        const batch = await Promise.all(
          first.slice(i, i + 50).map((id) => assign.execute('subject-test', id)),
        );
        arms.push(...batch.map((a) => a.arm));
      }
      const shortShare = arms.filter((a) => a === 'short').length / arms.length;
      expect(Math.abs(shortShare - 0.5)).toBeLessThan(0.04);

      await patch('/v1/experiments/subject-test', {
        arms: [
          { name: 'control', weight: 0.8 },
          { name: 'short', weight: 0.2 },
        ],
      }).expect(200);
      const again = await Promise.all(first.slice(0, 300).map((id) => assign.execute('subject-test', id)));
      expect(again.map((a) => a.arm)).toEqual(arms.slice(0, 300));
      expect(again.every((a) => !a.created)).toBe(true);

      const fresh: (string | null)[] = [];
      const next = ids.slice(2000);
      for (let i = 0; i < next.length; i += 50) {
        const batch = await Promise.all(
          next.slice(i, i + 50).map((id) => assign.execute('subject-test', id)),
        );
        fresh.push(...batch.map((a) => a.arm));
      }
      const freshShort = fresh.filter((a) => a === 'short').length / fresh.length;
      expect(Math.abs(freshShort - 0.2)).toBeLessThan(0.04);
    });

    it('stores a snapshot of the segment keys the customer is in', async () => {
      const [c] = await customers('seg', 1);
      await t.db.query(
        `WITH s AS (INSERT INTO segments (key, name, rules) VALUES ('vip', 'VIP', '{"all":[]}'), ('eu', 'EU', '{"all":[]}') RETURNING id)
         INSERT INTO segment_memberships (segment_id, customer_id, entered_at) SELECT id, $1, now() FROM s`,
        [c],
      );
      const res = await post('/v1/experiments/subject-test/assignments', { customer: 'seg-1' }).expect(200);
      expect(res.body.segments).toEqual(['eu', 'vip']);
      await t.db.query(`DELETE FROM segment_memberships WHERE customer_id = $1`, [c]);
      expect((await get('/v1/experiments/subject-test/assignments/seg-1').expect(200)).body.segments).toEqual(
        ['eu', 'vip'],
      );
    });

    it('refuses new assignments unless running (409) and returns factor levels for factorial designs', async () => {
      await post('/v1/experiments', { ...abTest, key: 'draft-one' }).expect(201);
      const refused = await post('/v1/experiments/draft-one/assignments', { customer: 'a-1' }).expect(409);
      expect(refused.body.error).toBe('EXPERIMENT_NOT_RUNNING');
      await post('/v1/experiments', {
        key: 'mvt',
        name: 'MVT',
        factors: [
          { name: 'subject', levels: ['long', 'short'] },
          { name: 'hero', levels: ['photo', 'drawing'] },
        ],
        holdout: { fraction: 0.1 },
        primaryMetric: 'click_rate',
        status: 'running',
      }).expect(201);
      const res = await post('/v1/experiments/mvt/assignments', { customer: 'a-5' }).expect(200);
      if (res.body.holdout) expect(res.body.arm).toBeNull();
      else expect(res.body.arm).toBe(`subject=${res.body.levels.subject}|hero=${res.body.levels.hero}`);
    });

    it('sends new customers to a promoted winner; assigned customers keep their arm', async () => {
      const before = (await get('/v1/experiments/subject-test/assignments/a-1').expect(200)).body.arm;
      await post('/v1/experiments/subject-test/promote', { arm: 'nope' }).expect(422);
      await post('/v1/experiments/subject-test/promote', { arm: 'short' }).expect(200);
      const newcomers = await customers('late', 20);
      const assign = t.app.get(AssignVariantUseCase);
      const arms = await Promise.all(newcomers.map((id) => assign.execute('subject-test', id)));
      expect(arms.every((a) => a.arm === 'short')).toBe(true);
      expect((await post('/v1/experiments/subject-test/assignments', { customer: 'a-1' })).body.arm).toBe(
        before,
      );
    });

    it('allocates new customers by Thompson sampling towards the better arm', async () => {
      const exp = (
        await post('/v1/experiments', {
          key: 'bandit',
          name: 'Bandit',
          arms: [
            { name: 'control', weight: 0.5 },
            { name: 'better', weight: 0.5 },
          ],
          primaryMetric: 'conversion_rate',
          allocation: 'thompson',
          status: 'running',
        }).expect(201)
      ).body;
      const seen = await customers('bandit-seen', 1000);
      await t.db.query(
        `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, assigned_at)
         SELECT $1, id, CASE WHEN n <= 500 THEN 'control' ELSE 'better' END, '2026-01-01'
           FROM unnest($2::uuid[]) WITH ORDINALITY u(id, n)`,
        [exp.id, seen],
      );
      // control converts 2 %, better 20 %
      await t.db.query(
        `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
         SELECT 'bandit-' || n, id, 'track', 'Order Completed', '{}'::jsonb, '2026-01-02', now()
           FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n) WHERE n <= 10 OR (n > 500 AND n <= 600)`,
        [seen],
      );
      const assign = t.app.get(AssignVariantUseCase);
      const fresh = await customers('bandit-new', 400);
      const arms = await Promise.all(fresh.map((id) => assign.execute('bandit', id)));
      const better = arms.filter((a) => a.arm === 'better').length / arms.length;
      expect(better).toBeGreaterThan(0.9);
    });
  });

  describe('results', () => {
    it('computes KPIs and statistics from messages, message events and orders', async () => {
      const exp = (
        await post('/v1/experiments', {
          key: 'checkout',
          name: 'Checkout email',
          arms: [
            { name: 'control', weight: 0.5 },
            { name: 'variant', weight: 0.5 },
          ],
          primaryMetric: 'conversion_rate',
          guardrailMetrics: ['open_rate'],
          status: 'running',
        }).expect(201)
      ).body;
      const ids = await customers('r', 2000);
      const assignedAt = new Date('2026-05-01T00:00:00Z');
      // customers 1–1000 control, 1001–2000 variant; the even ones were in segment "vip" when assigned
      await t.db.query(
        `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, segments, weights, assigned_at)
         SELECT $1, id, CASE WHEN n <= 1000 THEN 'control' ELSE 'variant' END,
                CASE WHEN n % 2 = 0 THEN ARRAY['vip'] ELSE '{}'::text[] END, ARRAY[0.5, 0.5], $3
           FROM unnest($2::uuid[]) WITH ORDINALITY u(id, n)`,
        [exp.id, ids, assignedAt],
      );
      // 100 control and 130 variant converters (revenue 10 each), plus an order before assignment that does not count
      await t.db.query(
        `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
         SELECT 'order-' || n, id, 'track', 'Order Completed', '{"revenue": 10}'::jsonb, $2::timestamptz + interval '1 day', now()
           FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n) WHERE n <= 100 OR (n > 1000 AND n <= 1130)
         UNION ALL
         SELECT 'early-' || n, id, 'track', 'Order Completed', '{"revenue": 99}'::jsonb, $2::timestamptz - interval '1 day', now()
           FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n) WHERE n > 1200 AND n <= 1300`,
        [ids, assignedAt],
      );
      // every customer was sent one message; 300 control and 330 variant opened (some twice), 50/40 clicked
      await t.db.query(
        `WITH m AS (
           INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, status,
                                 next_attempt_at, message_id_header, context, created_at, sent_at, updated_at)
           SELECT gen_random_uuid(), 'k-' || n, id, gen_random_uuid(), 1, 'sent', now(), 'h-' || n,
                  jsonb_build_object('experiment', 'checkout', 'variant', CASE WHEN n <= 1000 THEN 'control' ELSE 'variant' END),
                  now(), now(), now()
             FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n)
           RETURNING id, customer_id, idempotency_key)
         INSERT INTO message_events (message_id, customer_id, type, at)
         SELECT m.id, m.customer_id, t.type, now()
           FROM m, LATERAL (SELECT substr(m.idempotency_key, 3)::int AS n) x,
                LATERAL (VALUES ('open'), ('open'), ('click')) t(type)
          WHERE (t.type = 'open' AND (x.n <= 300 OR (x.n > 1000 AND x.n <= 1330)))
             OR (t.type = 'click' AND (x.n <= 50 OR (x.n > 1000 AND x.n <= 1040)))`,
        [ids],
      );

      const res = await get('/v1/experiments/checkout/results?bySegment=true').expect(200);
      const [control, variant] = res.body.overall.arms;
      expect(control).toMatchObject({
        name: 'control',
        exposures: 1000,
        sends: 1000,
        opens: 300,
        clicks: 50,
        conversions: 100,
        revenue: 1000,
      });
      expect(variant).toMatchObject({
        exposures: 1000,
        sends: 1000,
        opens: 330,
        clicks: 40,
        conversions: 130,
      });
      const c = variant.comparison;
      expect(c.z).toBeCloseTo(2.1027, 4);
      expect(c.pValue).toBeCloseTo(0.03549, 4);
      expect(c.absoluteLift).toBeCloseTo(0.03, 10);
      expect(c.absoluteInterval.lower).toBeCloseTo(0.00207, 4);
      expect(c.absoluteInterval.upper).toBeCloseTo(0.05793, 4);
      expect(c.relativeLift).toBeCloseTo(0.3, 10);
      expect(c.probabilityToBeatControl).toBeCloseTo(0.98217, 4);
      expect(c.holmAdjustedPValue).toBeCloseTo(0.03549, 4);
      expect(c.sequential.pValue).toBeGreaterThan(c.pValue);
      expect(c.revenuePerRecipient.difference).toBeCloseTo(0.3, 10);
      expect(res.body.overall.srm).toMatchObject({ mismatch: false });
      expect(res.body.overall.verdict.method).toBe('always-valid');
      expect(typeof res.body.overall.verdict.headline).toBe('string');
      expect(res.body.overall.guardrails[0]).toMatchObject({
        metric: 'open_rate',
        arms: [{ arm: 'variant' }],
      });

      expect(res.body.segments.map((s: { segment: string }) => s.segment)).toEqual(['vip']);
      const [vipControl, vipVariant] = res.body.segments[0].arms;
      expect(vipControl).toMatchObject({ exposures: 500, conversions: 50, sends: 500, opens: 150 });
      expect(vipVariant).toMatchObject({ exposures: 500, conversions: 65 });
      expect(res.body.segments[0].srm).toMatchObject({ mismatch: false });

      const plain = await get('/v1/experiments/checkout/results').expect(200);
      expect(plain.body.segments).toBeUndefined();
    });
    it('counts unique opens and clicks per person, not per message', async () => {
      const ids = (
        await t.db.query(
          `SELECT a.customer_id AS id FROM experiment_assignments a JOIN customer_identities i ON i.customer_id = a.customer_id
          WHERE a.experiment_id = (SELECT id FROM experiments WHERE key = 'checkout') AND i.kind = 'userId'
          ORDER BY substr(i.value, 3)::int`,
        )
      ).map((r: { id: string }) => r.id);
      // customers 1–10 (opened and clicked already) get two more messages, opened twice and clicked each;
      // customers 301–305 (never opened) get two messages and open both: 5 new openers, 10 sends more.
      await t.db.query(
        `WITH m AS (
           INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, status,
                                 next_attempt_at, message_id_header, context, created_at, sent_at, updated_at)
           SELECT gen_random_uuid(), 'again-' || n || '-' || k, id, gen_random_uuid(), 1, 'sent', now(), 'again-' || n || '-' || k,
                  '{"experiment": "checkout", "variant": "control"}'::jsonb, now(), now(), now()
             FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n), generate_series(1, 2) k
            WHERE n <= 10 OR n BETWEEN 301 AND 305
           RETURNING id, customer_id, idempotency_key)
         INSERT INTO message_events (message_id, customer_id, type, at)
         SELECT m.id, m.customer_id, t.type, now()
           FROM m, (VALUES ('open'), ('open'), ('click')) t(type)
          WHERE t.type = 'open' OR split_part(m.idempotency_key, '-', 2)::int <= 10`,
        [ids],
      );
      const res = await get('/v1/experiments/checkout/results?bySegment=true').expect(200);
      const [control, variant] = res.body.overall.arms;
      expect(control).toMatchObject({ sends: 1030, recipients: 1000, opens: 305, clicks: 50 });
      expect(control.openRate).toBeCloseTo(0.305, 10);
      expect(control.clickRate).toBeCloseTo(0.05, 10);
      expect(variant).toMatchObject({ sends: 1000, recipients: 1000, opens: 330, clicks: 40 });
      // per segment too: of the new openers 302 and 304 are even, i.e. in "vip"
      expect(res.body.segments[0].arms[0]).toMatchObject({
        sends: 514,
        recipients: 500,
        opens: 152,
        clicks: 25,
      });
      await t.db.query(`DELETE FROM messages WHERE idempotency_key LIKE 'again-%'`);
    });

    it('checks the sample ratio against the weights in force at each assignment', async () => {
      // subject-test assigned 2,000 customers at 50/50, then 2,000 at 80/20, then promoted "short"
      const res = await get('/v1/experiments/subject-test/results').expect(200);
      const srm = res.body.overall.srm;
      expect(srm.mismatch).toBe(false);
      const total = res.body.overall.arms.reduce((n: number, a: { exposures: number }) => n + a.exposures, 0);
      expect(total).toBeGreaterThan(4000);
      const expectedShort = srm.expected[1] / (srm.expected[0] + srm.expected[1]);
      expect(expectedShort).toBeCloseTo((2000 * 0.5 + 2000 * 0.2) / 4000, 2);

      // a broken allocation (everyone extra in one arm) is flagged
      const exp = (await get('/v1/experiments/checkout').expect(200)).body;
      const extra = await customers('skew', 200);
      await t.db.query(
        `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, weights, assigned_at)
         SELECT $1, id, 'control', ARRAY[0.5, 0.5], now() FROM unnest($2::uuid[]) id`,
        [exp.id, extra],
      );
      const skewed = await get('/v1/experiments/checkout/results').expect(200);
      expect(skewed.body.overall.srm.mismatch).toBe(true);
      expect(skewed.body.overall.verdict.status).toBe('sample-ratio-mismatch');
      await t.db.query(`DELETE FROM customers WHERE id = ANY($1::uuid[])`, [extra]);
    });

    it('reports main effects and interactions for a factorial design', async () => {
      const exp = (
        await post('/v1/experiments', {
          key: 'mvt-results',
          name: 'MVT results',
          factors: [
            { name: 'subject', levels: ['long', 'short'] },
            { name: 'hero', levels: ['photo', 'drawing'] },
          ],
          primaryMetric: 'conversion_rate',
          status: 'running',
        }).expect(201)
      ).body;
      const ids = await customers('f', 800);
      const cells = [
        'subject=long|hero=photo',
        'subject=long|hero=drawing',
        'subject=short|hero=photo',
        'subject=short|hero=drawing',
      ];
      await t.db.query(
        `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, assigned_at)
         SELECT $1, id, ($3::text[])[(n - 1) % 4 + 1], '2026-01-01' FROM unnest($2::uuid[]) WITH ORDINALITY u(id, n)`,
        [exp.id, ids, cells],
      );
      await t.db.query(
        `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
         SELECT 'f-' || n, id, 'track', 'Order Completed', '{}'::jsonb, '2026-01-02', now()
           FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n) WHERE n % 5 = 0 OR (n % 4 = 3 AND n % 3 = 0)`,
        [ids],
      );
      const res = await get('/v1/experiments/mvt-results/results').expect(200);
      expect(res.body.overall.arms.map((a: { name: string }) => a.name)).toEqual(cells);
      expect(res.body.overall.arms.every((a: { exposures: number }) => a.exposures === 200)).toBe(true);
      expect(res.body.factorial.mainEffects.map((m: { term: string }) => m.term)).toEqual([
        'subject',
        'hero',
      ]);
      expect(res.body.factorial.interactions).toHaveLength(1);
    });

    it('forgets the assignments of an erased customer', async () => {
      await t.http().delete('/v1/customers/r-1').set('Authorization', admin).expect(204);
      const res = await get('/v1/experiments/checkout/results').expect(200);
      expect(res.body.overall.arms[0].exposures).toBe(999);
    });
  });

  describe('winner policy', () => {
    /**
     * A running two-arm experiment on conversion rate with 1,000 customers per arm assigned, `conversions`
     * converters per arm and `openers` unique openers per arm (one message each; open_rate is the guardrail).
     */
    const seeded = async (
      key: string,
      conversions: [number, number],
      openers: [number, number],
      extra: object = {},
    ) => {
      const exp = (
        await post('/v1/experiments', {
          key,
          name: key,
          arms: [
            { name: 'control', weight: 0.5 },
            { name: 'variant', weight: 0.5 },
          ],
          primaryMetric: 'conversion_rate',
          guardrailMetrics: ['open_rate'],
          minSamplePerArm: 1000,
          winnerPolicy: 'auto',
          status: 'running',
          ...extra,
        }).expect(201)
      ).body;
      const ids = await customers(key, 2000);
      await t.db.query(
        `INSERT INTO experiment_assignments (experiment_id, customer_id, arm, weights, assigned_at)
         SELECT $1, id, CASE WHEN n <= 1000 THEN 'control' ELSE 'variant' END, ARRAY[0.5, 0.5], '2026-05-01'
           FROM unnest($2::uuid[]) WITH ORDINALITY u(id, n)`,
        [exp.id, ids],
      );
      await t.db.query(
        `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at)
         SELECT $2 || '-order-' || n, id, 'track', 'Order Completed', '{}'::jsonb, '2026-05-02', now()
           FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n)
          WHERE n <= $3 OR (n > 1000 AND n <= 1000 + $4)`,
        [ids, key, conversions[0], conversions[1]],
      );
      await t.db.query(
        `WITH m AS (
           INSERT INTO messages (id, idempotency_key, customer_id, template_id, template_version, status,
                                 next_attempt_at, message_id_header, context, created_at, sent_at, updated_at)
           SELECT gen_random_uuid(), $2 || '-' || n, id, gen_random_uuid(), 1, 'sent', now(), $2 || '-' || n,
                  jsonb_build_object('experiment', $2::text, 'variant', CASE WHEN n <= 1000 THEN 'control' ELSE 'variant' END),
                  now(), now(), now()
             FROM unnest($1::uuid[]) WITH ORDINALITY u(id, n)
           RETURNING id, customer_id, substr(idempotency_key, length($2) + 2)::int AS n)
         INSERT INTO message_events (message_id, customer_id, type, at)
         SELECT id, customer_id, 'open', now() FROM m WHERE n <= $3 OR (n > 1000 AND n <= 1000 + $4)`,
        [ids, key, openers[0], openers[1]],
      );
      return exp as { id: string };
    };
    const job = () => t.app.get(AutoPromotionJob);

    it('validates the policy with 422: an unknown value, or auto on a metric the sequential test cannot decide', async () => {
      const bad = await post('/v1/experiments', {
        ...abTest,
        key: 'policy-bad',
        winnerPolicy: 'sometimes',
      }).expect(422);
      expect(bad.body.problems).toEqual([
        { path: 'winnerPolicy', message: expect.stringContaining('sometimes') },
      ]);
      const revenue = await post('/v1/experiments', {
        ...abTest,
        key: 'policy-revenue',
        primaryMetric: 'revenue_per_recipient',
        winnerPolicy: 'auto',
      }).expect(422);
      expect(revenue.body.problems.map((p: { path: string }) => p.path)).toEqual(['winnerPolicy']);
      const created = await post('/v1/experiments', { ...abTest, key: 'policy-default' }).expect(201);
      expect(created.body.winnerPolicy).toBe('manual');
      await patch('/v1/experiments/policy-default', { winnerPolicy: 42 }).expect(422);
      expect(
        (await patch('/v1/experiments/policy-default', { winnerPolicy: 'auto' }).expect(200)).body
          .winnerPolicy,
      ).toBe('auto');
    });

    it('runs every 10 minutes and promotes a decisive winner only once every arm has the minimum sample', async () => {
      expect(t.app.get(SchedulerRegistry).getCronJob('experiments.auto-promote').cronTime.source).toBe(
        '0 */10 * * * *',
      );
      // 10 % vs 16 % converts: decisive for the sequential test at 1,000 per arm
      await seeded('auto-win', [100, 160], [300, 300], { minSamplePerArm: 1001 });
      const waiting = await job().check('auto-win');
      expect(waiting).toMatchObject({ promoted: null, reason: expect.stringContaining('minimum sample') });
      expect((await get('/v1/experiments/auto-win').expect(200)).body.winner).toBeNull();

      await patch('/v1/experiments/auto-win', { minSamplePerArm: 1000 }).expect(200);
      const outcomes = await job().run();
      expect(outcomes).toContainEqual(
        expect.objectContaining({ experiment: 'auto-win', promoted: 'variant' }),
      );
      const promoted = (await get('/v1/experiments/auto-win').expect(200)).body;
      expect(promoted).toMatchObject({ winner: 'variant', promotedBy: 'auto' });
      expect(Date.now() - new Date(promoted.promotedAt).getTime()).toBeLessThan(60_000);
      const results = (await get('/v1/experiments/auto-win/results').expect(200)).body;
      expect(results).toMatchObject({ winner: 'variant', promotedBy: 'auto', winnerPolicy: 'auto' });

      // new customers go to the winner; the next run does not look at it again
      const newcomers = await customers('auto-win-late', 30);
      const assign = t.app.get(AssignVariantUseCase);
      const arms = await Promise.all(newcomers.map((id) => assign.execute('auto-win', id)));
      expect(arms.map((a) => a.arm)).toEqual(newcomers.map(() => 'variant'));
      expect((await job().run())!.map((o) => o.experiment)).not.toContain('auto-win');
    });

    it('does not promote on a harmful-only verdict, an undecided one, or a winner that harms a guardrail', async () => {
      await seeded('auto-harm', [160, 100], [300, 300]);
      await seeded('auto-undecided', [100, 130], [300, 300]);
      await seeded('auto-guardrail', [100, 160], [300, 200]);
      const outcomes = await job().run();
      const byKey = new Map(outcomes!.map((o) => [o.experiment, o]));
      expect(byKey.get('auto-harm')).toMatchObject({
        promoted: null,
        reason: expect.stringContaining('harmful'),
      });
      expect(byKey.get('auto-undecided')).toMatchObject({
        promoted: null,
        reason: expect.stringContaining('no-difference-yet'),
      });
      expect(byKey.get('auto-guardrail')).toMatchObject({
        promoted: null,
        reason: expect.stringContaining('open_rate'),
      });
      for (const key of ['auto-harm', 'auto-undecided', 'auto-guardrail']) {
        expect((await get(`/v1/experiments/${key}`).expect(200)).body.winner).toBeNull();
      }
    });

    it('leaves manual experiments alone, records the API key of a manual promotion and never overwrites it', async () => {
      await seeded('manual-win', [100, 160], [300, 300], { winnerPolicy: 'manual' });
      expect((await job().run())!.map((o) => o.experiment)).not.toContain('manual-win');
      expect(await job().check('manual-win')).toMatchObject({
        promoted: null,
        reason: expect.stringContaining('manual'),
      });
      const adminKeys = (await t.db.query(`SELECT id FROM api_keys WHERE role = 'admin'`)).map(
        (r: { id: string }) => r.id,
      );
      await seeded('auto-then-manual', [100, 160], [300, 300]);
      const manual = await post('/v1/experiments/auto-then-manual/promote', { arm: 'control' }).expect(200);
      expect(manual.body.winner).toBe('control');
      expect(adminKeys).toContain(manual.body.promotedBy);
      expect(await job().check('auto-then-manual')).toMatchObject({ promoted: null });
      expect((await get('/v1/experiments/auto-then-manual').expect(200)).body.winner).toBe('control');
    });

    it('skips the run while another process holds the lock', async () => {
      const holder = t.db.createQueryRunner();
      await holder.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock(hashtextextended('job:experiments.auto-promote', 0))`);
        expect(await job().run()).toBeUndefined();
      } finally {
        await holder.query(`SELECT pg_advisory_unlock_all()`);
        await holder.release();
      }
    });
  });
});
