import { Clock } from '../../src/database/clock';
import { createTestApp, TestApp } from '../setup/test-app';

const DAY = 86_400_000;

describe('segments: definitions, refresh, incremental membership, explanation', () => {
  let t: TestApp;
  let admin: string;
  let now = new Date('2026-06-01T12:00:00Z');
  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
  });
  afterAll(() => t.close());

  const post = (path: string, body: object) => t.http().post(path).set('Authorization', admin).send(body);
  const get = (path: string) => t.http().get(path).set('Authorization', admin);
  const members = async (key: string) =>
    ((await get(`/v1/segments/${key}/members?limit=500`).expect(200)).body.items as { externalId: string }[])
      .map((m) => m.externalId)
      .sort();
  const order = (userId: string, revenue: number, at: Date) =>
    post('/v1/track', {
      userId,
      event: 'Order Completed',
      properties: { revenue },
      timestamp: at.toISOString(),
    }).expect(200);
  const waitFor = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition not reached within 5 s');
  };

  const repeatBuyers = {
    key: 'repeat-buyers',
    name: 'Repeat buyers',
    rules: { all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 2 }] },
  };

  describe('definitions', () => {
    it('creates a segment at version 1 and finds it by key or id', async () => {
      const res = await post('/v1/segments', repeatBuyers).expect(201);
      expect(res.body).toMatchObject({ key: 'repeat-buyers', version: 1, minDwellSeconds: 0 });
      expect((await get(`/v1/segments/${res.body.id}`).expect(200)).body.key).toBe('repeat-buyers');
      expect((await get('/v1/segments/repeat-buyers').expect(200)).body.id).toBe(res.body.id);
    });

    it('refuses a duplicate key with 409', async () => {
      const res = await post('/v1/segments', repeatBuyers).expect(409);
      expect(res.body.error).toBe('SEGMENT_KEY_TAKEN');
    });

    it.each<[string, object, string[]]>([
      ['unknown fact', { all: [{ fact: 'salary', operator: 'equal', value: 1 }] }, ['rules.all[0].fact']],
      [
        'operator that does not fit the type',
        { all: [{ fact: 'stats', path: '$.lastOrderAt', operator: 'contains', value: 'x' }] },
        ['rules.all[0].operator'],
      ],
      [
        'value of the wrong type',
        { all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThan', value: 'two' }] },
        ['rules.all[0].value'],
      ],
      [
        'unknown segment',
        { all: [{ fact: 'segments', operator: 'contains', value: 'nope' }] },
        ['rules.all[0].value'],
      ],
      [
        'several problems at once',
        {
          any: [
            { fact: 'nope', operator: 'equal', value: 1 },
            { fact: 'traits', path: '$.age', operator: 'between', value: [1] },
          ],
        },
        ['rules.any[0].fact', 'rules.any[1].value'],
      ],
    ])('refuses %s with 422 listing every problem, and stores nothing', async (_name, rules, paths) => {
      const res = await post('/v1/segments', {
        key: `bad-${paths.length}-${Math.random().toString(36).slice(2, 8)}`,
        name: 'Bad',
        rules,
      }).expect(422);
      expect(res.body.error).toBe('INVALID_SEGMENT_DEFINITION');
      expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(paths));
      const [{ n }] = await t.db.query(`SELECT count(*)::int n FROM segments WHERE key LIKE 'bad-%'`);
      expect(n).toBe(0);
    });

    it('refuses excessive nesting with 422', async () => {
      let rules: object = { fact: 'stats', path: '$.ordersCount', operator: 'equal', value: 1 };
      for (let i = 0; i < 30; i++) rules = { all: [rules] };
      const res = await post('/v1/segments', { key: 'deep', name: 'Deep', rules }).expect(422);
      expect(res.body.problems.length).toBeGreaterThan(0);
    });

    it('keeps SQL injection strings as data, never as SQL', async () => {
      const evil = "x'); DROP TABLE customers; --";
      await post('/v1/identify', { userId: 'evil', traits: { [evil]: evil } }).expect(200);
      const res = await post('/v1/segments/preview', {
        rules: { all: [{ fact: 'traits', path: '$.note', operator: 'equal', value: evil }] },
      }).expect(200);
      expect(res.body.size).toBe(0);
      const bad = await post('/v1/segments/preview', {
        rules: { all: [{ fact: 'traits', path: `$.${evil}`, operator: 'equal', value: 1 }] },
      }).expect(422);
      expect(bad.body.problems[0].path).toBe('rules.all[0].path');
      const [{ n }] = await t.db.query(`SELECT count(*)::int n FROM customers`);
      expect(n).toBeGreaterThan(0);
    });

    it('versions rule changes and refuses a key change', async () => {
      const rules = {
        all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 3 }],
      };
      const res = await t
        .http()
        .patch('/v1/segments/repeat-buyers')
        .set('Authorization', admin)
        .send({ rules })
        .expect(200);
      expect(res.body.version).toBe(2);
      const renamed = await t
        .http()
        .patch('/v1/segments/repeat-buyers')
        .set('Authorization', admin)
        .send({ name: 'Loyal' })
        .expect(200);
      expect(renamed.body.version).toBe(2);
      await t
        .http()
        .patch('/v1/segments/repeat-buyers')
        .set('Authorization', admin)
        .send({ rules: repeatBuyers.rules })
        .expect(200);
      const versions = await get('/v1/segments/repeat-buyers/versions').expect(200);
      expect(versions.body.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
      await t
        .http()
        .patch('/v1/segments/repeat-buyers')
        .set('Authorization', admin)
        .send({ key: 'other' })
        .expect(422);
    });

    it('answers 404 for an unknown segment', async () => {
      expect((await get('/v1/segments/nope').expect(404)).body.error).toBe('SEGMENT_NOT_FOUND');
    });
  });

  describe('membership (submit events, advance the clock, compute, assert)', () => {
    it('full refresh: members, entered and exited transitions', async () => {
      await order('ann', 10, new Date(now.getTime() - 3 * DAY));
      await order('ann', 20, new Date(now.getTime() - 2 * DAY));
      await order('ben', 5, new Date(now.getTime() - 2 * DAY));
      const first = await post('/v1/segments/repeat-buyers/refresh', {}).expect(200);
      expect(first.body).toMatchObject({ members: 1, ran: true });
      expect(await members('repeat-buyers')).toEqual(['ann']);

      await order('ben', 7, new Date(now.getTime() - DAY));
      await post('/v1/segments/repeat-buyers/refresh', {}).expect(200);
      expect(await members('repeat-buyers')).toEqual(['ann', 'ben']);
      const transitions = await t.db.query(
        `SELECT c.external_id, t.kind FROM segment_transitions t JOIN customers c ON c.id = t.customer_id ORDER BY t.id`,
      );
      expect(
        transitions.map((r: { external_id: string; kind: string }) => `${r.external_id}:${r.kind}`),
      ).toEqual(expect.arrayContaining(['ann:entered', 'ben:entered']));
    });

    it('incremental: an ingested event changes membership without a refresh', async () => {
      await post('/v1/segments', {
        key: 'big-spenders',
        name: 'Big spenders',
        rules: { all: [{ fact: 'stats', path: '$.revenueTotal', operator: 'greaterThan', value: 100 }] },
      }).expect(201);
      await order('cleo', 150, now);
      await waitFor(async () => (await members('big-spenders')).includes('cleo'));
      const [row] = await t.db.query(
        `SELECT t.kind FROM segment_transitions t JOIN segments s ON s.id = t.segment_id JOIN customers c ON c.id = t.customer_id
          WHERE s.key = 'big-spenders' AND c.external_id = 'cleo'`,
      );
      expect(row.kind).toBe('entered');
    });

    it('event windows move with the clock; minimum dwell holds members in', async () => {
      await post('/v1/segments', {
        key: 'recent-cart',
        name: 'Added to cart in the last 2 days',
        minDwellSeconds: 3 * 86_400,
        rules: {
          all: [
            {
              fact: 'events',
              params: { event: 'Product Added', withinDays: 2 },
              operator: 'greaterThanInclusive',
              value: 1,
            },
          ],
        },
      }).expect(201);
      await post('/v1/track', { userId: 'dan', event: 'Product Added', timestamp: now.toISOString() }).expect(
        200,
      );
      await post('/v1/segments/recent-cart/refresh', {}).expect(200);
      expect(await members('recent-cart')).toEqual(['dan']);

      now = new Date(now.getTime() + 2.5 * DAY); // outside the window, inside the dwell time
      await post('/v1/segments/recent-cart/refresh', {}).expect(200);
      expect(await members('recent-cart')).toEqual(['dan']);

      now = new Date(now.getTime() + 1 * DAY); // past the dwell time
      const res = await post('/v1/segments/recent-cart/refresh', {}).expect(200);
      expect(res.body).toMatchObject({ exited: 1 });
      expect(await members('recent-cart')).toEqual([]);
    });

    it('segments can use other segments, and a used segment cannot be archived', async () => {
      await post('/v1/segments', {
        key: 'repeat-big',
        name: 'Repeat big spenders',
        rules: {
          all: [
            { fact: 'segments', operator: 'contains', value: 'repeat-buyers' },
            { fact: 'segments', operator: 'contains', value: 'big-spenders' },
          ],
        },
      }).expect(201);
      await order('cleo', 1, now);
      await post('/v1/segments/repeat-buyers/refresh', {}).expect(200);
      await post('/v1/segments/repeat-big/refresh', {}).expect(200);
      expect(await members('repeat-big')).toEqual(['cleo']);
      const res = await t.http().delete('/v1/segments/repeat-buyers').set('Authorization', admin).expect(409);
      expect(res.body).toMatchObject({
        error: 'SEGMENT_IN_USE',
        message: expect.stringContaining('repeat-big'),
      });
    });

    it('explains each condition with its fact value and outcome', async () => {
      const res = await get('/v1/customers/ann/segments?explain=true').expect(200);
      expect(res.body.segments.map((s: { key: string }) => s.key)).toContain('repeat-buyers');
      const repeat = res.body.explanations.find((e: { key: string }) => e.key === 'repeat-buyers');
      expect(repeat).toMatchObject({ member: true, matchesNow: true });
      expect(repeat.conditions[0]).toMatchObject({ fact: 'stats', factValue: 2, matched: true });
      const big = res.body.explanations.find((e: { key: string }) => e.key === 'big-spenders');
      expect(big).toMatchObject({ member: false, matchesNow: false });
      expect(big.conditions[0]).toMatchObject({ factValue: 30, matched: false });
    });

    it('previews size and a sample without saving', async () => {
      const before = (await t.db.query(`SELECT count(*)::int n FROM segments`))[0].n;
      const res = await post('/v1/segments/preview', {
        rules: {
          any: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 1 }],
        },
        sample: 2,
      }).expect(200);
      expect(res.body.size).toBe(3); // ann, ben and cleo have ordered; dan and evil have not
      expect(res.body.sample).toHaveLength(2);
      expect((await t.db.query(`SELECT count(*)::int n FROM segments`))[0].n).toBe(before);
    });

    it('erasing a customer removes their memberships and transitions', async () => {
      const { body } = await get('/v1/customers/ann').expect(200);
      await t.http().delete('/v1/customers/ann').set('Authorization', admin).expect(204);
      const [{ n }] = await t.db.query(
        `SELECT (SELECT count(*) FROM segment_memberships WHERE customer_id = $1) + (SELECT count(*) FROM segment_transitions WHERE customer_id = $1) AS n`,
        [body.id],
      );
      expect(Number(n)).toBe(0);
    });
  });
});
