import { Analytics } from '@segment/analytics-node';
import type { AddressInfo } from 'node:net';
import { createTestApp, TestApp } from '../setup/test-app';

describe('the official Segment Node client, pointed at Waymark', () => {
  let t: TestApp;
  let host: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    host = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  it('sends identify and track through /v1/batch with Basic auth, and Waymark stores them', async () => {
    const writeKey = await t.keyFor('ingest');
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey, host, flushAt: 3, maxRetries: 0 });
    analytics.on('error', (e) => errors.push(e));

    analytics.identify({ userId: 'seg-1', traits: { email: 'seg@example.com', plan: 'pro' } });
    analytics.track({
      anonymousId: 'seg-anon',
      event: 'Product Added',
      properties: { sku: 'P1', price: 9.5 },
    });
    analytics.identify({ userId: 'seg-1', anonymousId: 'seg-anon' });
    analytics.track({
      userId: 'seg-1',
      event: 'Order Completed',
      properties: { revenue: 19, products: [{ sku: 'P1', quantity: 2 }] },
    });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    const res = await t
      .http()
      .get('/v1/customers/seg-1')
      .set('Authorization', `Bearer ${t.adminKey}`)
      .expect(200);
    expect(res.body).toMatchObject({ email: 'seg@example.com', traits: { plan: 'pro' } });
    expect(res.body.stats).toMatchObject({
      ordersCount: 1,
      revenueTotal: 19,
      eventCounts: { 'Product Added': 1, 'Order Completed': 1 },
    });
    const rows = await t.db.query(`SELECT message_id, context FROM events WHERE customer_id = $1`, [
      res.body.id,
    ]);
    expect(rows).toHaveLength(4);
    expect(
      rows.every(
        (r: { context: { library?: { name?: string } } }) =>
          r.context.library?.name === '@segment/analytics-node',
      ),
    ).toBe(true);
  });
});
