import { createTestApp, TestApp } from '../setup/test-app';

const DAY = 86_400_000;

describe('RFM scoring', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
    // Ten buyers: c0 ordered long ago, once, for little; c9 recently, often, for a lot. One lead never ordered.
    const batch = [];
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k <= i; k++) {
        batch.push({
          type: 'track',
          userId: `c${i}`,
          event: 'Order Completed',
          properties: { revenue: 10 * (i + 1) },
          timestamp: new Date(Date.now() - (100 - 10 * i) * DAY - k * 1000).toISOString(),
        });
      }
    }
    batch.push({ type: 'identify', userId: 'lead', traits: { email: 'lead@example.com' } });
    await t.http().post('/v1/batch').set('Authorization', admin).send({ batch }).expect(200);
  });
  afterAll(() => t.close());

  it('scores buyers in quintiles with codes and groups, leaves leads unscored, and segments can use them', async () => {
    await t
      .http()
      .post('/v1/segments')
      .set('Authorization', admin)
      .send({
        key: 'champions',
        name: 'Champions',
        rules: { all: [{ fact: 'scores', path: '$.rfmGroup', operator: 'equal', value: 'champions' }] },
      })
      .expect(201);
    const res = await t.http().post('/v1/scores/rfm').set('Authorization', admin).send({}).expect(200);
    expect(res.body).toMatchObject({ scored: 10, withoutOrders: 0, segmentsRefreshed: 1 });
    expect(res.body.groups.reduce((n: number, g: { count: number }) => n + g.count, 0)).toBe(10);

    const scores = await t.db.query(
      `SELECT c.external_id, s.rfm_recency, s.rfm_frequency, s.rfm_monetary, s.rfm_code, s.rfm_group
         FROM customer_scores s JOIN customers c ON c.id = s.customer_id ORDER BY c.external_id`,
    );
    const by = Object.fromEntries(scores.map((s: { external_id: string }) => [s.external_id, s]));
    expect(by.c9).toMatchObject({
      rfm_recency: 5,
      rfm_frequency: 5,
      rfm_monetary: 5,
      rfm_code: '555',
      rfm_group: 'champions',
    });
    expect(by.c0).toMatchObject({ rfm_recency: 1, rfm_frequency: 1, rfm_monetary: 1, rfm_code: '111' });
    expect(by.lead).toBeUndefined();

    const members = await t
      .http()
      .get('/v1/segments/champions/members')
      .set('Authorization', admin)
      .expect(200);
    expect(members.body.items.map((m: { externalId: string }) => m.externalId)).toContain('c9');
    expect(members.body.items.map((m: { externalId: string }) => m.externalId)).not.toContain('c0');

    const c9 = await t.http().get('/v1/customers/c9').set('Authorization', admin).expect(200);
    expect(c9.body.scores).toMatchObject({ rfmCode: '555', rfmGroup: 'champions' });
    expect(c9.body.segments.map((s: { key: string }) => s.key)).toEqual(['champions']);
  });

  it('refuses an unknown option with 400 and needs the admin role', async () => {
    await t
      .http()
      .post('/v1/scores/rfm')
      .set('Authorization', admin)
      .send({ monetary: 'median' })
      .expect(400);
    const read = await t.keyFor('read');
    await t.http().post('/v1/scores/rfm').set('Authorization', `Bearer ${read}`).send({}).expect(403);
  });
});
