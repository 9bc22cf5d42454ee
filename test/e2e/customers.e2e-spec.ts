import { createTestApp, TestApp } from '../setup/test-app';

describe('customers: profile, export, consent, erasure', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = `Bearer ${t.adminKey}`;
    await t
      .http()
      .post('/v1/batch')
      .set('Authorization', admin)
      .send({
        batch: [
          {
            type: 'identify',
            userId: 'hana',
            anonymousId: 'hana-device',
            traits: { email: 'hana@example.com', firstName: 'Hana' },
            messageId: 'h1',
          },
          {
            type: 'track',
            userId: 'hana',
            event: 'Order Completed',
            properties: { revenue: 20, products: [{ sku: 'S1' }] },
            messageId: 'h2',
          },
          { type: 'identify', userId: 'ivan', traits: { email: 'ivan@example.com' }, messageId: 'i1' },
        ],
      })
      .expect(200);
  });
  afterAll(() => t.close());

  const get = (path: string) => t.http().get(path).set('Authorization', admin);

  it('finds a customer by Waymark id or by userId', async () => {
    const byUserId = await get('/v1/customers/hana').expect(200);
    expect(byUserId.body).toMatchObject({
      externalId: 'hana',
      email: 'hana@example.com',
      traits: { firstName: 'Hana' },
    });
    expect(byUserId.body.stats).toMatchObject({ ordersCount: 1, revenueTotal: 20 });
    expect(byUserId.body.identities).toHaveLength(3);
    const byId = await get(`/v1/customers/${byUserId.body.id}`).expect(200);
    expect(byId.body.id).toBe(byUserId.body.id);
  });

  it.each([['nobody'], ['00000000-0000-4000-8000-000000000000']])(
    'answers 404 for unknown customer %s',
    async (id) => {
      const res = await get(`/v1/customers/${id}`).expect(404);
      expect(res.body).toMatchObject({ error: 'CUSTOMER_NOT_FOUND', message: expect.stringContaining(id) });
    },
  );

  it('lists customers with pagination and an email filter', async () => {
    const page = await get('/v1/customers?limit=1').expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await get(`/v1/customers?limit=1&cursor=${page.body.nextCursor}`).expect(200);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
    const filtered = await get('/v1/customers?email=IVAN@example.com').expect(200);
    expect(filtered.body.items.map((c: { externalId: string }) => c.externalId)).toEqual(['ivan']);
    await get('/v1/customers?limit=0').expect(400);
    await get('/v1/customers?email=nope').expect(400);
  });

  it('exports everything held about the person', async () => {
    const res = await get('/v1/customers/hana/export').expect(200);
    expect(res.body).toMatchObject({
      externalId: 'hana',
      email: 'hana@example.com',
      exportedAt: expect.any(String),
    });
    expect(res.body.events.map((e: { messageId: string }) => e.messageId).sort()).toEqual(['h1', 'h2']);
    expect(res.body.events.find((e: { messageId: string }) => e.messageId === 'h2').properties).toEqual({
      revenue: 20,
      products: [{ sku: 'S1' }],
    });
  });

  it('sets consent directly and records who did it', async () => {
    const res = await t
      .http()
      .put('/v1/customers/ivan/consent')
      .set('Authorization', admin)
      .send({ marketingConsent: true, source: 'preference-center' })
      .expect(200);
    expect(res.body.consent).toMatchObject({
      marketing: true,
      source: 'preference-center',
      at: expect.any(String),
    });
    const [audit] = await t.db.query(
      `SELECT action, subject_id, details, actor_name FROM audit_log WHERE action = 'customer.consent'`,
    );
    expect(audit).toMatchObject({
      subject_id: res.body.id,
      details: { marketing: true, source: 'preference-center' },
    });
    expect(audit.actor_name).toBe('admin (ADMIN_API_KEY)');
    const bad = await t
      .http()
      .put('/v1/customers/ivan/consent')
      .set('Authorization', admin)
      .send({ marketingConsent: 'yes' })
      .expect(400);
    expect(bad.body.problems[0].path).toBe('marketingConsent');
  });

  it('erases the customer with identities, events and stats, and audits it without personal data', async () => {
    const { body: hana } = await get('/v1/customers/hana').expect(200);
    await t.http().delete('/v1/customers/hana').set('Authorization', admin).expect(204);
    await get('/v1/customers/hana').expect(404);
    for (const table of [
      'customers WHERE id',
      'customer_identities WHERE customer_id',
      'events WHERE customer_id',
      'customer_stats WHERE customer_id',
    ]) {
      const [{ n }] = await t.db.query(`SELECT count(*)::int n FROM ${table} = $1`, [hana.id]);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    const [{ n: others }] = await t.db.query(`SELECT count(*)::int n FROM events WHERE message_id = 'i1'`);
    expect(others).toBe(1);
    const audit = await t.db.query(`SELECT * FROM audit_log WHERE action = 'customer.erased'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      subject_type: 'customer',
      subject_id: hana.id,
      details: { events: 2, identities: 3 },
    });
    expect(JSON.stringify(audit[0])).not.toMatch(/hana|example\.com/i);
    await t.http().delete('/v1/customers/hana').set('Authorization', admin).expect(404);
  });

  it('lets the same person come back after erasure as a new profile', async () => {
    await t
      .http()
      .post('/v1/track')
      .set('Authorization', admin)
      .send({ anonymousId: 'hana-device', event: 'Product Viewed' })
      .expect(200);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int n FROM customer_identities WHERE value = 'hana-device'`,
    );
    expect(n).toBe(1);
  });
});
