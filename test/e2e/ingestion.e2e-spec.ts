import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createTestApp, TestApp } from '../setup/test-app';
import { recomputeStats } from '../../src/ingestion/ingest-messages.usecase';

describe('ingestion (Segment HTTP API)', () => {
  let t: TestApp;
  let auth: string;
  beforeAll(async () => {
    t = await createTestApp();
    auth = `Bearer ${await t.keyFor('ingest')}`;
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown) =>
    t
      .http()
      .post(path)
      .set('Authorization', auth)
      .send(body as object);
  /** A body sent exactly as given, JSON content type unless `headers` say otherwise. */
  const postRaw = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    t
      .http()
      .post(path)
      .set('Authorization', auth)
      .set({ 'Content-Type': 'application/json', ...headers })
      // superagent would JSON-encode a Buffer sent with a JSON content type.
      .serialize((b: unknown) => b as string)
      .send(body);
  const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params))[0].n);
  const customer = async (userId: string) =>
    (await t.http().get(`/v1/customers/${userId}`).set('Authorization', `Bearer ${t.adminKey}`)).body;

  it('stores identify and track calls and keeps customer_stats current', async () => {
    await post('/v1/identify', {
      userId: 'ada',
      traits: { email: 'ada@example.com', plan: 'pro', timezone: 'Europe/Paris' },
    }).expect(200);
    await post('/v1/track', {
      userId: 'ada',
      event: 'Product Added',
      properties: { sku: 'A1' },
      timestamp: '2026-01-01T10:00:00Z',
    }).expect(200);
    await post('/v1/track', {
      userId: 'ada',
      event: 'Order Completed',
      properties: { revenue: 30, products: [{ sku: 'A1' }] },
      timestamp: '2026-01-02T10:00:00Z',
    }).expect(200);
    await post('/v1/track', {
      userId: 'ada',
      event: 'Order Completed',
      properties: { total: '12.50' },
      timestamp: '2026-01-05T10:00:00Z',
    }).expect(200);

    const c = await customer('ada');
    expect(c.email).toBe('ada@example.com');
    expect(c.timezone).toBe('Europe/Paris');
    expect(c.traits).toMatchObject({ plan: 'pro' });
    expect(c.stats).toMatchObject({
      ordersCount: 2,
      revenueTotal: 42.5,
      avgOrderValue: 21.25,
      eventCounts: { 'Product Added': 1, 'Order Completed': 2 },
      firstOrderAt: '2026-01-02T10:00:00.000Z',
      lastOrderAt: '2026-01-05T10:00:00.000Z',
    });
    expect(c.stats.eventsCount).toBe(4);
    expect(new Date(c.stats.firstSeenAt).getTime()).toBeLessThanOrEqual(Date.parse('2026-01-01T10:00:00Z'));
  });

  it('is idempotent on messageId: a replayed batch stores nothing twice', async () => {
    const batch = {
      batch: [
        { type: 'identify', userId: 'bob', traits: { email: 'bob@example.com' }, messageId: 'bob-1' },
        {
          type: 'track',
          userId: 'bob',
          event: 'Order Completed',
          properties: { revenue: 10 },
          messageId: 'bob-2',
        },
        {
          type: 'track',
          userId: 'bob',
          event: 'Order Completed',
          properties: { revenue: 10 },
          messageId: 'bob-2',
        },
      ],
    };
    const first = await post('/v1/batch', batch).expect(200);
    expect(first.body).toMatchObject({ success: true, stored: 2, duplicates: 1 });
    const replay = await post('/v1/batch', batch).expect(200);
    expect(replay.body).toMatchObject({ stored: 0, duplicates: 3 });
    expect(await count(`SELECT count(*) n FROM events WHERE message_id LIKE 'bob-%'`)).toBe(2);
    expect((await customer('bob')).stats).toMatchObject({ ordersCount: 1, revenueTotal: 10, eventsCount: 2 });
  });

  it('a replayed identify changes nothing, while a new one in the same batch still applies', async () => {
    await post('/v1/identify', { userId: 'rita', traits: { plan: 'free' }, messageId: 'rita-1' }).expect(200);
    await post('/v1/identify', {
      userId: 'rita',
      traits: { plan: 'pro', email: 'rita@example.com' },
      messageId: 'rita-2',
    }).expect(200);
    const res = await post('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'rita', traits: { plan: 'free' }, messageId: 'rita-1' },
        { type: 'identify', userId: 'rita', traits: { tier: 'gold' }, messageId: 'rita-3' },
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ stored: 1, duplicates: 1 });
    const c = await customer('rita');
    expect(c.traits).toMatchObject({ plan: 'pro', tier: 'gold' });
    expect(c.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`)).toContain(
      'email:rita@example.com',
    );
  });

  it('concurrent replays of one batch still store each message once', async () => {
    const batch = {
      batch: Array.from({ length: 20 }, (_, i) => ({
        type: 'track',
        userId: `con-${i % 3}`,
        event: 'Order Completed',
        properties: { revenue: 1 },
        messageId: `con-${i}`,
      })),
    };
    await Promise.all(Array.from({ length: 5 }, () => post('/v1/batch', batch).expect(200)));
    expect(await count(`SELECT count(*) n FROM events WHERE message_id LIKE 'con-%'`)).toBe(20);
    expect(await count(`SELECT count(*) n FROM customers WHERE external_id LIKE 'con-%'`)).toBe(3);
    expect(
      await count(
        `SELECT sum(orders_count) n FROM customer_stats s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'con-%'`,
      ),
    ).toBe(20);
  });

  it('concurrent batches of the same known customers (profiles and stats) all succeed and add up', async () => {
    const users = Array.from({ length: 5 }, (_, i) => `busy-${i}`);
    await post('/v1/batch', { batch: users.map((userId) => ({ type: 'identify', userId })) }).expect(200);
    const batches = Array.from({ length: 12 }, (_, b) => ({
      batch: Array.from({ length: 30 }, (_, i) => {
        const userId = users[(b + i) % users.length];
        return i % 3 === 0
          ? { type: 'identify', userId, traits: { seen: b } }
          : { type: 'track', userId, event: 'Order Completed', properties: { revenue: 1 } };
      }),
    }));
    const results = await Promise.all(batches.map((b) => post('/v1/batch', b)));
    expect(results.map((r) => r.status)).toEqual(batches.map(() => 200));
    const [{ orders }] = await t.db.query(
      `SELECT sum(orders_count)::int AS orders FROM customer_stats s JOIN customers c ON c.id = s.customer_id
        WHERE c.external_id LIKE 'busy-%'`,
    );
    expect(orders).toBe(12 * 20);
  });

  it('stats kept by delta equal a rebuild from the event log (several names per customer, new and anonymous customers)', async () => {
    const names = ['Product Viewed', 'Product Added', 'Order Completed', 'Checkout Started'];
    const batches = Array.from({ length: 6 }, (_, b) => ({
      batch: Array.from({ length: 40 }, (_, i) => {
        const n = (b * 7 + i) % 9;
        // Some customers only anonymous at first, identified in a later batch (anonymous → named, not merged).
        const who =
          n % 3 === 0 && b < 3
            ? { anonymousId: `delta-anon-${n}` }
            : { userId: `delta-${n}`, anonymousId: `delta-anon-${n}` };
        return i % 10 === 0
          ? {
              type: 'identify',
              ...who,
              traits: { email: `delta-${n}@example.com` },
              messageId: `delta-${b}-${i}`,
            }
          : {
              type: 'track',
              ...who,
              event: names[(b + i) % names.length],
              properties: { revenue: i },
              messageId: `delta-${b}-${i}`,
            };
      }),
    }));
    for (const b of batches) await post('/v1/batch', b).expect(200);
    const columns = `first_seen_at, last_seen_at, first_order_at, last_order_at, orders_count, revenue_total,
                     events_count, event_counts`;
    const stats = () =>
      t.db.query(
        `SELECT ${columns} FROM customer_stats s JOIN customer_identities i ON i.customer_id = s.customer_id
          WHERE i.kind = 'anonymousId' AND i.value LIKE 'delta-anon-%' ORDER BY i.value`,
      );
    const kept = await stats();
    expect(kept).toHaveLength(9);
    expect(kept.reduce((s: number, r: { events_count: number }) => s + r.events_count, 0)).toBe(240);
    const rebuilt = await t.db.transaction(async (m) => {
      const ids = await m.query(
        `SELECT customer_id FROM customer_identities WHERE kind = 'anonymousId' AND value LIKE 'delta-anon-%'`,
      );
      await recomputeStats(
        m,
        ids.map((r: { customer_id: string }) => r.customer_id),
        new Date(),
      );
      const rows = await m.query(
        `SELECT ${columns} FROM customer_stats s JOIN customer_identities i ON i.customer_id = s.customer_id
          WHERE i.kind = 'anonymousId' AND i.value LIKE 'delta-anon-%' ORDER BY i.value`,
      );
      return rows;
    });
    expect(kept).toEqual(rebuilt);
  });

  it('concurrent batches that create and merge customers: one customer per person, no event lost, stats equal a rebuild', async () => {
    // Each person browses anonymously in one batch while other batches identify them (merging the anonymous
    // history into the named profile) and track orders under the userId, all at once.
    const people = Array.from({ length: 8 }, (_, i) => i);
    const batches = Array.from({ length: 10 }, (_, b) => ({
      batch: people.flatMap((p): Record<string, unknown>[] => {
        const id = `${b}-${p}`;
        if (b % 3 === 0)
          return [
            { type: 'track', anonymousId: `cm-anon-${p}-${b}`, event: 'Viewed', messageId: `cm-v-${id}` },
          ];
        if (b % 3 === 1)
          return [
            {
              type: 'identify',
              userId: `cm-${p}`,
              anonymousId: `cm-anon-${p}-${b - 1}`,
              messageId: `cm-i-${id}`,
            },
          ];
        return [
          {
            type: 'track',
            userId: `cm-${p}`,
            event: 'Order Completed',
            properties: { revenue: 5 },
            messageId: `cm-o-${id}`,
          },
        ];
      }),
    }));
    const results = await Promise.all(batches.map((b) => post('/v1/batch', b)));
    expect(results.map((r) => r.status)).toEqual(batches.map(() => 200));
    const sent = batches.reduce((n, b) => n + b.batch.length, 0);
    expect(await count(`SELECT count(*) n FROM events WHERE message_id LIKE 'cm-%'`)).toBe(sent);
    // Every event of a person ends up on that person's one named customer, whichever batch ran first: all but the
    // last anonymous batch's (never identified).
    expect(await count(`SELECT count(*) n FROM customers WHERE external_id LIKE 'cm-%'`)).toBe(people.length);
    expect(
      await count(
        `SELECT count(*) n FROM events e JOIN customers c ON c.id = e.customer_id
          WHERE e.message_id LIKE 'cm-%' AND c.external_id LIKE 'cm-%'`,
      ),
    ).toBe(sent - people.length);
    const columns = `s.customer_id, first_seen_at, last_seen_at, first_order_at, last_order_at, orders_count,
                     revenue_total, events_count, event_counts`;
    const read = (m: { query: (sql: string) => Promise<unknown[]> }) =>
      m.query(
        `SELECT ${columns} FROM customer_stats s WHERE s.customer_id IN (SELECT DISTINCT customer_id FROM events
          WHERE message_id LIKE 'cm-%') ORDER BY s.customer_id`,
      );
    const kept = await read(t.db);
    const rebuilt = await t.db.transaction(async (m) => {
      const ids = await m.query(`SELECT DISTINCT customer_id FROM events WHERE message_id LIKE 'cm-%'`);
      await recomputeStats(
        m,
        ids.map((r: { customer_id: string }) => r.customer_id),
        new Date(),
      );
      return read(m);
    });
    expect(kept).toEqual(rebuilt);
    expect(
      await count(
        `SELECT sum(orders_count) n FROM customer_stats s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'cm-%'`,
      ),
    ).toBe(people.length * 3);
  });

  it.each([
    [
      'timestamp and sentAt: device clock skew is removed',
      { timestamp: '2026-03-01T11:00:00Z', sentAt: '2026-03-01T11:00:10Z' },
      (received: number) => received - 10_000,
    ],
    [
      'timestamp alone is kept as sent',
      { timestamp: '2026-03-01T11:00:00Z' },
      () => Date.parse('2026-03-01T11:00:00Z'),
    ],
    ['no timestamp: the time it was received', {}, (received: number) => received],
  ])('timestamp handling: %s', async (_name, fields, expected) => {
    const messageId = `ts-${Math.random()}`;
    const before = Date.now();
    await post('/v1/track', { userId: 'clock', event: 'Ping', messageId, ...fields }).expect(200);
    const after = Date.now();
    const [row] = await t.db.query(`SELECT "timestamp", received_at FROM events WHERE message_id = $1`, [
      messageId,
    ]);
    const received = new Date(row.received_at).getTime();
    expect(received).toBeGreaterThanOrEqual(before - 5);
    expect(received).toBeLessThanOrEqual(after + 5);
    expect(new Date(row.timestamp).getTime()).toBe(expected(received));
  });

  it('applies batch-level sentAt and context to each message', async () => {
    await post('/v1/batch', {
      sentAt: '2026-03-01T12:00:05Z',
      context: { library: { name: 'test' } },
      batch: [
        {
          type: 'track',
          userId: 'batcher',
          event: 'Ping',
          timestamp: '2026-03-01T12:00:00Z',
          messageId: 'batch-ctx',
        },
      ],
    }).expect(200);
    const [row] = await t.db.query(
      `SELECT "timestamp", received_at, context FROM events WHERE message_id = 'batch-ctx'`,
    );
    expect(new Date(row.received_at).getTime() - new Date(row.timestamp).getTime()).toBe(5000);
    expect(row.context).toEqual({ library: { name: 'test' } });
  });

  it('merges anonymous history into the profile when identify links the anonymousId', async () => {
    await post('/v1/track', { anonymousId: 'anon-1', event: 'Product Viewed', messageId: 'm-anon-1' }).expect(
      200,
    );
    await post('/v1/track', {
      anonymousId: 'anon-1',
      event: 'Order Completed',
      properties: { revenue: 5 },
      messageId: 'm-anon-2',
    }).expect(200);
    await post('/v1/identify', { userId: 'carol', traits: { plan: 'gold' }, messageId: 'm-carol-0' }).expect(
      200,
    );
    await post('/v1/track', {
      userId: 'carol',
      event: 'Order Completed',
      properties: { revenue: 7 },
      messageId: 'm-carol-1',
    }).expect(200);
    await post('/v1/identify', {
      userId: 'carol',
      anonymousId: 'anon-1',
      traits: { email: 'carol@example.com' },
      messageId: 'm-carol-2',
    }).expect(200);

    const c = await customer('carol');
    expect(c.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual([
      'anonymousId:anon-1',
      'email:carol@example.com',
      'userId:carol',
    ]);
    expect(c.stats).toMatchObject({ ordersCount: 2, revenueTotal: 12, eventsCount: 5 });
    expect(c.traits).toMatchObject({ plan: 'gold', email: 'carol@example.com' });
    expect(
      await count(`SELECT count(*) n FROM events WHERE customer_id <> $1 AND message_id LIKE 'm-anon-%'`, [
        c.id,
      ]),
    ).toBe(0);
    expect(await count(`SELECT count(*) n FROM customer_identities WHERE value = 'anon-1'`)).toBe(1);
  });

  it('an anonymous visitor who identifies first gets the userId on the same profile', async () => {
    await post('/v1/track', { anonymousId: 'anon-2', event: 'Product Viewed' }).expect(200);
    await post('/v1/identify', { anonymousId: 'anon-2', userId: 'dave' }).expect(200);
    const c = await customer('dave');
    expect(c.externalId).toBe('dave');
    expect(c.stats.eventsCount).toBe(2);
    expect(
      await count(
        `SELECT count(*) n FROM customers c JOIN customer_identities i ON i.customer_id = c.id WHERE i.value IN ('anon-2', 'dave')`,
      ),
    ).toBe(2);
  });

  it('never merges two identified customers through a shared anonymousId', async () => {
    await post('/v1/identify', { userId: 'erin', anonymousId: 'shared-device' }).expect(200);
    await post('/v1/identify', { userId: 'frank', anonymousId: 'shared-device' }).expect(200);
    const erin = await customer('erin');
    const frank = await customer('frank');
    expect(erin.id).not.toBe(frank.id);
    expect(frank.identities.map((i: { value: string }) => i.value)).toEqual(['frank']);
  });

  it('alias merges the previous id into the userId', async () => {
    await post('/v1/track', {
      userId: 'old-id',
      event: 'Order Completed',
      properties: { revenue: 3 },
    }).expect(200);
    await post('/v1/alias', { previousId: 'old-id', userId: 'new-id' }).expect(200);
    const c = await customer('new-id');
    expect(c.stats).toMatchObject({ ordersCount: 1, revenueTotal: 3 });
    expect((await customer('old-id')).id).toBe(c.id);
  });

  it('records marketing consent from identify with source and time, newest call winning', async () => {
    await post('/v1/identify', {
      userId: 'gina',
      traits: { marketingConsent: true },
      timestamp: '2026-02-01T00:00:00Z',
    }).expect(200);
    await post('/v1/identify', {
      userId: 'gina',
      traits: { marketingConsent: false },
      timestamp: '2026-01-01T00:00:00Z',
    }).expect(200);
    const c = await customer('gina');
    expect(c.consent).toEqual({ marketing: true, source: 'identify', at: '2026-02-01T00:00:00.000Z' });
  });

  it('stores page and screen calls as named events', async () => {
    await post('/v1/page', {
      anonymousId: 'pager',
      name: 'Pricing',
      properties: { url: 'https://example.com/pricing' },
      messageId: 'page-1',
    }).expect(200);
    await post('/v1/screen', { anonymousId: 'pager', messageId: 'screen-1' }).expect(200);
    const rows = await t.db.query(
      `SELECT type, event FROM events WHERE message_id IN ('page-1', 'screen-1') ORDER BY message_id`,
    );
    expect(rows).toEqual([
      { type: 'page', event: 'Pricing' },
      { type: 'screen', event: 'Screen Viewed' },
    ]);
  });

  describe('bad input gets a 4xx naming the problem and stores nothing', () => {
    const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });
    it.each<[string, string, unknown, number, string[]]>([
      ['no identity', '/v1/track', { event: 'X' }, 400, ['userId']],
      ['no event name', '/v1/track', { userId: 'u' }, 400, ['event']],
      [
        'wrong types',
        '/v1/track',
        { userId: {}, event: 5, properties: [] },
        400,
        ['userId', 'event', 'properties'],
      ],
      ['bad timestamp', '/v1/track', { userId: 'u', event: 'X', timestamp: 'yesterday' }, 400, ['timestamp']],
      [
        'non-numeric revenue',
        '/v1/track',
        { userId: 'u', event: 'Order Completed', properties: { revenue: 'lots' } },
        400,
        ['properties.revenue'],
      ],
      [
        'hex revenue',
        '/v1/track',
        { userId: 'u', event: 'Order Completed', properties: { total: '0x10' } },
        400,
        ['properties.total'],
      ],
      [
        'products not a list',
        '/v1/track',
        { userId: 'u', event: 'Order Completed', properties: { products: 'A1' } },
        400,
        ['properties.products'],
      ],
      ['huge id', '/v1/track', { userId: 'u'.repeat(10_000), event: 'X' }, 400, ['userId']],
      [
        'NUL character',
        '/v1/track',
        { userId: 'u', event: 'X', properties: { note: 'a\u0000b' } },
        400,
        ['properties'],
      ],
      ['lone surrogate in an id', '/v1/track', { userId: 'a\ud800', event: 'X' }, 400, ['userId']],
      [
        'lone surrogate in properties',
        '/v1/track',
        { userId: 'u', event: 'X', properties: { note: 'x\udc00' } },
        400,
        ['properties'],
      ],
      ['deep nesting', '/v1/track', { userId: 'u', event: 'X', properties: deep(50) }, 400, ['properties']],
      [
        'bad email trait',
        '/v1/identify',
        { userId: 'u', traits: { email: 'not-an-email' } },
        400,
        ['traits.email'],
      ],
      [
        'bad timezone',
        '/v1/identify',
        { userId: 'u', traits: { timezone: 'Mars/Olympus' } },
        400,
        ['traits.timezone'],
      ],
      [
        'bad consent',
        '/v1/identify',
        { userId: 'u', traits: { marketingConsent: 'maybe' } },
        400,
        ['traits.marketingConsent'],
      ],
      ['batch not a list', '/v1/batch', { batch: {} }, 400, ['batch']],
      [
        'one bad message in a batch',
        '/v1/batch',
        {
          batch: [
            { type: 'track', userId: 'ok', event: 'Fine' },
            { type: 'track', userId: 'u' },
            { type: 'nope', userId: 'u' },
          ],
        },
        400,
        ['batch[1].event', 'batch[2].type'],
      ],
    ])('%s', async (_name, path, body, status, paths) => {
      const before = await count(`SELECT count(*) n FROM events`);
      const res = await post(path, body).expect(status);
      expect(res.body.error).toBe('INVALID_MESSAGE');
      expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(paths));
      expect(await count(`SELECT count(*) n FROM events`)).toBe(before);
    });

    it('malformed JSON is a 400', async () => {
      const res = await postRaw('/v1/track', '{"userId": ');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('MALFORMED_JSON');
    });

    it('a JSON top level that is not an object or an array is a 400', async () => {
      const res = await postRaw('/v1/track', '"u-1"');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('MALFORMED_JSON');
    });

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ])('a %s-encoded batch is stored, as some Segment libraries send it', async (encoding, compress) => {
      const messageId = `enc-${encoding}`;
      const batch = JSON.stringify({
        batch: [{ type: 'track', userId: 'u-enc', event: 'Zipped', messageId }],
      });
      const res = await postRaw('/v1/batch', compress(batch), { 'Content-Encoding': encoding });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, stored: 1 });
      expect(await count(`SELECT count(*) n FROM events WHERE message_id = '${messageId}'`)).toBe(1);
    });

    it('an empty Content-Encoding reads as none', async () => {
      const message = JSON.stringify({ userId: 'u-enc', event: 'Plain', messageId: 'enc-empty' });
      const res = await postRaw('/v1/track', message, { 'Content-Encoding': '' });
      expect(res.status).toBe(200);
      expect(await count(`SELECT count(*) n FROM events WHERE message_id = 'enc-empty'`)).toBe(1);
    });

    it('an unknown content encoding is a 415, and broken gzip a 400; nothing is stored', async () => {
      const before = await count(`SELECT count(*) n FROM events`);
      const send = (encoding: string, body: Buffer) =>
        postRaw('/v1/track', body, { 'Content-Encoding': encoding });
      const zstd = await send('zstd', Buffer.from('{}'));
      expect(zstd.status).toBe(415);
      expect(zstd.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
      const broken = await send('gzip', Buffer.from('{"userId":"u","event":"X"}'));
      expect(broken.status).toBe(400);
      expect(broken.body.error).toBe('MALFORMED_JSON');
      expect(await count(`SELECT count(*) n FROM events`)).toBe(before);
    });

    it('a gzip body that inflates past the limit is a 413', async () => {
      const blob = 'x'.repeat(6 * 1024 * 1024);
      const message = JSON.stringify({ userId: 'u', event: 'X', properties: { blob } });
      const res = await postRaw('/v1/track', gzipSync(message), { 'Content-Encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('PAYLOAD_TOO_LARGE');
    });

    it('JSON in another charset than UTF-8 is a 415; a UTF-8 byte-order mark is allowed', async () => {
      const send = (type: string, body: Buffer) => postRaw('/v1/track', body, { 'Content-Type': type });
      const json = JSON.stringify({ userId: 'u-bom', event: 'Bommed', messageId: 'bom-1' });
      const latin1 = await send('application/json; charset=latin1', Buffer.from(json, 'latin1'));
      expect(latin1.status).toBe(415);
      expect(latin1.body.message).toMatch(/charset "latin1"/);
      const bom = await send('application/json; charset=UTF-8', Buffer.from(`\uFEFF${json}`, 'utf8'));
      expect(bom.status).toBe(200);
      expect(await count(`SELECT count(*) n FROM events WHERE message_id = 'bom-1'`)).toBe(1);
    });

    it('a trailing slash reaches the same endpoint', async () => {
      const res = await post('/v1/track/', { userId: 'u-slash', event: 'Slashed', messageId: 'slash-1' });
      expect(res.status).toBe(200);
      expect(await count(`SELECT count(*) n FROM events WHERE message_id = 'slash-1'`)).toBe(1);
    });

    it('a body over the limit is a 413', async () => {
      const res = await post('/v1/batch', {
        batch: [
          { type: 'track', userId: 'u', event: 'X', properties: { blob: 'x'.repeat(6 * 1024 * 1024) } },
        ],
      });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe('PAYLOAD_TOO_LARGE');
    });
  });
});
