import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createTestApp, TestApp } from '../setup/test-app';

const csv = (...lines: string[]) => `${lines.join('\n')}\n`;

interface Upload {
  status: number;
  body: Record<string, unknown> & { error?: string; message?: string };
}

/**
 * Posts a body as a stream with chunked transfer encoding (no Content-Length), as a client uploading a large file
 * does; supertest would buffer it and set Content-Length.
 */
function streamUpload(t: TestApp, path: string, key: string, body: Readable): Promise<Upload> {
  const server = t.app.getHttpServer() as http.Server;
  const listening = server.listening
    ? Promise.resolve()
    : new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return listening.then(
    () =>
      new Promise<Upload>((resolve, reject) => {
        const { port } = server.address() as AddressInfo;
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path,
            method: 'POST',
            headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${key}` },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        body.pipe(req);
      }),
  );
}

describe('CSV import (POST /v1/import/:kind)', () => {
  let t: TestApp;
  let ingestKey: string;
  beforeAll(async () => {
    t = await createTestApp();
    ingestKey = await t.keyFor('ingest');
  });
  afterAll(() => t.close());

  const upload = (kind: string, body: string, contentType = 'text/csv', key = ingestKey) =>
    t
      .http()
      .post(`/v1/import/${kind}`)
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', contentType)
      .send(body);
  const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params))[0].n);
  const customersLike = (prefix: string) =>
    count(`SELECT count(*) n FROM customers WHERE external_id LIKE $1`, [`${prefix}%`]);
  const eventsLike = (prefix: string) =>
    count(
      `SELECT count(*) n FROM events e JOIN customers c ON c.id = e.customer_id WHERE c.external_id LIKE $1`,
      [`${prefix}%`],
    );
  const customer = async (userId: string) => {
    const res = await t.http().get(`/v1/customers/${userId}`).set('Authorization', `Bearer ${t.adminKey}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  describe('customers: good rows are stored, each bad row is reported with its line and reason', () => {
    const file = csv(
      'userId,email,timezone,marketingConsent,plan,seats,ltv,beta,zip,prefs', // 1
      'cu-ada,ada@example.com,Europe/Paris,yes,pro,42,12.5,true,02134,"{""color"":""red"",""tags"":[1,2]}"', // 2
      'cu-bob,not-an-email,,no,free,1,0,false,,', // 3
      'cu-cat,cat@example.com,Mars/Olympus,,free,1,0,false,,', // 4
      'cu-dan,dan@example.com,,maybe,free,1,0,false,,', // 5
      'cu-eve,eve@example.com,,no,free', // 6
      ',fay@example.com,,no,free,1,0,false,,', // 7
      'cu-gus,gus@example.com,,n,team,3,,false,,', // 8
    );
    let body: Record<string, unknown>;
    beforeAll(async () => {
      const res = await upload('customers', file);
      expect(res.status).toBe(200);
      body = res.body;
    });

    it('answers with the counts and every rejected line', () => {
      expect(body).toEqual({
        accepted: 2,
        duplicates: 0,
        rejected: 5,
        errorsTruncated: false,
        errors: [
          { line: 3, reason: 'email: must be an email address' },
          { line: 4, reason: 'timezone: must be an IANA time zone such as Europe/Paris' },
          { line: 5, reason: 'marketingConsent: must be true or false' },
          { line: 6, reason: 'expected 10 columns, found 5' },
          { line: 7, reason: 'userId: userId or anonymousId is required' },
        ],
      });
    });

    it('stores exactly the good rows', async () => {
      const rows = await t.db.query(
        `SELECT external_id FROM customers WHERE external_id LIKE 'cu-%' ORDER BY 1`,
      );
      expect(rows.map((r: { external_id: string }) => r.external_id)).toEqual(['cu-ada', 'cu-gus']);
      expect(await count(`SELECT count(*) n FROM customer_identities WHERE value = 'fay@example.com'`)).toBe(
        0,
      );
    });

    it('stores profile fields, consent and typed traits', async () => {
      const ada = await customer('cu-ada');
      expect(ada).toMatchObject({
        email: 'ada@example.com',
        timezone: 'Europe/Paris',
        consent: { marketing: true, source: 'identify' },
      });
      expect(ada.traits).toMatchObject({
        plan: 'pro',
        seats: 42,
        ltv: 12.5,
        beta: true,
        zip: '02134',
        prefs: { color: 'red', tags: [1, 2] },
      });
      const gus = await customer('cu-gus');
      expect(gus.consent).toMatchObject({ marketing: false, source: 'identify' });
      expect(gus.traits).toMatchObject({ plan: 'team', seats: 3, beta: false });
      expect(gus.traits).not.toHaveProperty('ltv'); // an empty cell sets nothing
      expect(gus.traits).not.toHaveProperty('zip');
    });
  });

  describe('customers: trait cells keep their type', () => {
    // [cell as written in the file, trait stored]
    const cases: [string, unknown][] = [
      ['42', 42],
      ['-3.5', -3.5],
      ['1e3', 1000],
      ['0', 0],
      ['true', true],
      ['false', false],
      ['02134', '02134'],
      ['+33 6 12 34 56 78', '+33 6 12 34 56 78'],
      ['hello, world', 'hello, world'],
      ['{"a":{"b":[1,"x",null]}}', { a: { b: [1, 'x', null] } }],
      ['[1,2,3]', [1, 2, 3]],
      ['{not json}', '{not json}'],
      ['null', 'null'],
      ['TRUE', 'TRUE'],
    ];
    const quote = (cell: string) => `"${cell.replace(/"/g, '""')}"`;
    beforeAll(async () => {
      const res = await upload(
        'customers',
        csv('userId,value', ...cases.map(([cell], i) => `ty-${i},${quote(cell)}`)),
      );
      expect(res.body).toMatchObject({ accepted: cases.length, rejected: 0 });
    });

    it.each(cases.map(([cell, expected], i) => [cell, expected, i] as const))(
      '%s',
      async (_cell, expected, i) => {
        const [row] = await t.db.query(
          `SELECT traits -> 'value' AS value FROM customers WHERE external_id = $1`,
          [`ty-${i}`],
        );
        expect(row.value).toEqual(expected);
      },
    );
  });

  describe('customers: marketingConsent accepts yes/no spellings', () => {
    const cases: [string, boolean][] = [
      ['yes', true],
      ['no', false],
      ['Y', true],
      ['N', false],
      [' Yes ', true],
      ['TRUE', true],
      ['false', false],
      ['1', true],
      ['0', false],
    ];
    beforeAll(async () => {
      const res = await upload(
        'customers',
        csv('userId,marketingConsent', ...cases.map(([cell], i) => `mc-${i},${cell}`)),
      );
      expect(res.body).toMatchObject({ accepted: cases.length, rejected: 0 });
    });

    it.each(cases.map(([cell, expected], i) => [cell, expected, i] as const))(
      '"%s"',
      async (_cell, expected, i) => {
        const [row] = await t.db.query(
          `SELECT marketing_consent, consent_source FROM customers WHERE external_id = $1`,
          [`mc-${i}`],
        );
        expect(row).toEqual({ marketing_consent: expected, consent_source: 'identify' });
      },
    );
  });

  describe('events: properties columns, JSON properties and orders flowing into customer_stats', () => {
    const file = csv(
      'userId,event,timestamp,properties,properties.revenue,properties.coupon', // 1
      'ev-1,Order Completed,2026-01-02T10:00:00Z,"{""products"":[{""sku"":""A1""}]}",30,SPRING', // 2
      'ev-1,Order Completed,2026-01-05T10:00:00Z,,12.5,', // 3
      'ev-1,Product Viewed,2026-01-01T10:00:00Z,"{""sku"":""A1""}",,', // 4
      'ev-1,Order Completed,2026-01-06T10:00:00Z,,lots,', // 5
      'ev-2,,2026-01-01T10:00:00Z,,,', // 6
      'ev-2,Signed Up,yesterday,,,', // 7
      'ev-2,Signed Up,,"[1,2]",,', // 8
      'ev-2,Signed Up,,{not json,,', // 9
    );
    let body: Record<string, unknown>;
    beforeAll(async () => {
      body = (await upload('events', file).expect(200)).body;
    });

    it('answers with the counts and every rejected line', () => {
      expect(body).toEqual({
        accepted: 3,
        duplicates: 0,
        rejected: 5,
        errorsTruncated: false,
        errors: [
          { line: 5, reason: 'properties.revenue: must be a number' },
          { line: 6, reason: 'event: is required' },
          { line: 7, reason: 'timestamp: must be an ISO-8601 date-time string' },
          { line: 8, reason: 'properties: must be an object' },
          { line: 9, reason: 'properties: must be an object' },
        ],
      });
    });

    it('stores the events with typed properties merged from both kinds of column', async () => {
      const rows = await t.db.query(
        `SELECT e.event, e.properties, e."timestamp" FROM events e JOIN customers c ON c.id = e.customer_id
          WHERE c.external_id = 'ev-1' ORDER BY e."timestamp"`,
      );
      expect(rows).toEqual([
        { event: 'Product Viewed', properties: { sku: 'A1' }, timestamp: new Date('2026-01-01T10:00:00Z') },
        {
          event: 'Order Completed',
          properties: { products: [{ sku: 'A1' }], revenue: 30, coupon: 'SPRING' },
          timestamp: new Date('2026-01-02T10:00:00Z'),
        },
        {
          event: 'Order Completed',
          properties: { revenue: 12.5 },
          timestamp: new Date('2026-01-05T10:00:00Z'),
        },
      ]);
      expect(await customersLike('ev-2')).toBe(0);
    });

    it('keeps customer_stats current', async () => {
      expect((await customer('ev-1')).stats).toMatchObject({
        ordersCount: 2,
        revenueTotal: 42.5,
        avgOrderValue: 21.25,
        eventsCount: 3,
        eventCounts: { 'Order Completed': 2, 'Product Viewed': 1 },
        firstSeenAt: '2026-01-01T10:00:00.000Z',
        firstOrderAt: '2026-01-02T10:00:00.000Z',
        lastOrderAt: '2026-01-05T10:00:00.000Z',
      });
    });
  });

  it('a messageId column deduplicates against messages sent through the API', async () => {
    await t
      .http()
      .post('/v1/track')
      .set('Authorization', `Bearer ${ingestKey}`)
      .send({ userId: 'mid-1', event: 'Order Completed', properties: { revenue: 5 }, messageId: 'mid-a' })
      .expect(200);
    const res = await upload(
      'events',
      csv(
        'messageId,userId,event,properties.revenue',
        'mid-a,mid-1,Order Completed,5',
        'mid-b,mid-1,Order Completed,7',
        'mid-b,mid-1,Order Completed,7',
      ),
    ).expect(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 2, rejected: 0 });
    expect(await count(`SELECT count(*) n FROM events WHERE message_id IN ('mid-a', 'mid-b')`)).toBe(2);
    expect((await customer('mid-1')).stats).toMatchObject({ ordersCount: 2, revenueTotal: 12 });
  });

  it('reads a UTF-8 BOM and CRLF line endings (spreadsheet exports)', async () => {
    const res = await upload(
      'customers',
      '\ufeffuserId,email,city\r\nbom-1,bom1@example.com,Zürich\r\nbom-2,bad,Köln\r\n',
    ).expect(200);
    expect(res.body).toMatchObject({
      accepted: 1,
      rejected: 1,
      errors: [{ line: 3, reason: 'email: must be an email address' }],
    });
    expect((await customer('bom-1')).traits).toMatchObject({ city: 'Zürich' });
  });

  describe('re-importing the same file stores nothing twice', () => {
    it.each([
      [
        'customers',
        csv(
          'userId,email,plan',
          'rc-1,rc1@example.com,pro',
          'rc-2,bad-email,pro',
          'rc-3,rc3@example.com,free',
        ),
        'rc-',
      ],
      [
        'events',
        csv(
          'userId,event,properties.revenue',
          're-1,Order Completed,10',
          're-1,Order Completed,10', // the same purchase twice, no messageId: two rows, two events
          're-2,Order Completed,oops',
          're-2,Product Viewed,',
        ),
        're-',
      ],
    ])('%s', async (kind, file, prefix) => {
      const first = (await upload(kind, file).expect(200)).body;
      expect(first.accepted).toBeGreaterThan(0);
      expect(first.rejected).toBe(1);
      const snapshot = async () => ({
        customers: await customersLike(prefix),
        events: await eventsLike(prefix),
        stats: await t.db.query(
          `SELECT s.orders_count, s.revenue_total, s.events_count FROM customer_stats s
             JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE $1 ORDER BY c.external_id`,
          [`${prefix}%`],
        ),
      });
      const before = await snapshot();
      expect(before.events).toBe(first.accepted);

      const second = (await upload(kind, file).expect(200)).body;
      expect(second).toEqual({ ...first, accepted: 0, duplicates: first.accepted });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('header problems: 400 and nothing stored', () => {
    it.each([
      [
        'no id column',
        'customers',
        csv('email,plan', 'hp1@example.com,pro'),
        'a userId or anonymousId column',
      ],
      ['duplicate columns', 'customers', csv('userId,plan,plan', 'hp-2,a,b'), 'duplicate column names'],
      ['no event column', 'events', csv('userId,name', 'hp-3,Signed Up'), 'an event column is required'],
      ['an unknown event column', 'events', csv('userId,event,revenue', 'hp-4,Order Completed,5'), 'revenue'],
      ['an empty file', 'customers', '', 'CSV file is empty'],
      ['only blank lines', 'events', '\n\n\n', 'CSV file is empty'],
    ])('%s', async (_name, kind, file, message) => {
      const before = await count(`SELECT count(*) n FROM events`);
      const res = await upload(kind, file);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'INVALID_CSV_HEADER',
        message: expect.stringContaining(message),
      });
      expect(await count(`SELECT count(*) n FROM events`)).toBe(before);
      expect(await customersLike('hp')).toBe(0);
    });
  });

  it('an unknown kind is a 404', async () => {
    const res = await upload('orders', csv('userId', 'x-1'));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      error: 'NOT_FOUND',
      message: expect.stringContaining('customers or events'),
    });
  });

  describe('content types', () => {
    it.each([
      ['text/csv; charset=utf-8', 200],
      ['application/csv', 200],
      ['text/plain', 200],
      ['application/octet-stream', 200],
      ['application/xml', 415],
      ['multipart/form-data; boundary=xyz', 415],
      ['application/x-www-form-urlencoded', 415],
      ['application/json', 415],
    ])('%s → %d', async (type, status) => {
      const userId = `ct-${type.replace(/\W+/g, '-')}`;
      const res = await upload('customers', csv('userId', userId), type);
      expect(res.status).toBe(status);
      if (status === 415) expect(res.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await customersLike(userId)).toBe(status === 200 ? 1 : 0);
    });
  });

  describe('roles', () => {
    it.each([
      ['no key', 401, undefined, 'UNAUTHENTICATED'],
      ['a read key', 403, 'read', 'FORBIDDEN'],
      ['an ingest key', 200, 'ingest', undefined],
      ['an admin key', 200, 'admin', undefined],
    ] as const)('%s → %d', async (_name, status, role, error) => {
      const userId = `role-${role ?? 'none'}`;
      const req = t.http().post('/v1/import/customers').set('Content-Type', 'text/csv');
      if (role) req.set('Authorization', `Bearer ${role === 'admin' ? t.adminKey : await t.keyFor(role)}`);
      const res = await req.send(csv('userId', userId));
      expect(res.status).toBe(status);
      if (error) expect(res.body.error).toBe(error);
      else expect(res.body).toMatchObject({ accepted: 1 });
      expect(await customersLike(userId)).toBe(status === 200 ? 1 : 0);
    });
  });

  it('malformed quoting on a line is reported with its line number while the other lines import', async () => {
    const res = await upload(
      'customers',
      [
        'userId,email,note', // 1
        'mq-1,mq1@example.com,fine', // 2
        'mq-2,mq2@example.com,say "hi"', // 3: a quote inside an unquoted field
        'mq-3,mq3@example.com,"quoted"trailing', // 4: text after a closing quote
        'mq-4,mq4@example.com,"two', // 5: a quoted field over two lines
        'lines"', // 6
        'mq-5,mq5@example.com,"with ""escaped"" quotes"', // 7
        'mq-6,not-an-email,x', // 8
        'mq-7,mq7@example.com,"never closed', // 9
      ].join('\n'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 3, duplicates: 0, rejected: 4 });
    expect(res.body.errors).toEqual([
      { line: 3, reason: expect.stringMatching(/^malformed CSV: Invalid Opening Quote/) },
      { line: 4, reason: expect.stringMatching(/^malformed CSV: Invalid Closing Quote/) },
      { line: 8, reason: 'email: must be an email address' },
      { line: 9, reason: expect.stringMatching(/^malformed CSV: Quote Not Closed/) },
    ]);
    const rows = await t.db.query(
      `SELECT external_id, traits ->> 'note' AS note FROM customers WHERE external_id LIKE 'mq-%' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { external_id: 'mq-1', note: 'fine' },
      { external_id: 'mq-4', note: 'two\nlines' },
      { external_id: 'mq-5', note: 'with "escaped" quotes' },
    ]);
  });

  it('streams a 50,000-row file (chunked upload) completely, reporting the bad rows among them', async () => {
    const ROWS = 50_000;
    const USERS = 500;
    const bad = new Set([9_999, 19_999, 29_999, 39_999, 49_999]); // data row i is on line i + 2
    function* lines() {
      yield 'userId,event,timestamp,properties.revenue,properties.sku\n';
      let chunk = '';
      for (let i = 0; i < ROWS; i++) {
        const order = i % 10 === 0;
        const ts = bad.has(i) ? 'not-a-date' : new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
        chunk += `lg-${i % USERS},${order ? 'Order Completed' : 'Product Viewed'},${ts},${order ? '2.5' : ''},S${i}\n`;
        if (chunk.length > 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk;
    }
    const res = await streamUpload(t, '/v1/import/events', ingestKey, Readable.from(lines()));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accepted: ROWS - bad.size,
      duplicates: 0,
      rejected: bad.size,
      errorsTruncated: false,
      errors: [...bad].map((i) => ({
        line: i + 2,
        reason: 'timestamp: must be an ISO-8601 date-time string',
      })),
    });
    expect(await eventsLike('lg-')).toBe(ROWS - bad.size);
    expect(await customersLike('lg-')).toBe(USERS);
    const [totals] = await t.db.query(
      `SELECT sum(s.orders_count)::int AS orders, sum(s.revenue_total)::float AS revenue, sum(s.events_count)::int AS events
           FROM customer_stats s JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'lg-%'`,
    );
    expect(totals).toEqual({ orders: ROWS / 10, revenue: (ROWS / 10) * 2.5, events: ROWS - bad.size });
  }, 120_000);

  describe('size limit (IMPORT_LIMIT=1kb)', () => {
    let small: TestApp;
    let key: string;
    beforeAll(async () => {
      small = await createTestApp({ IMPORT_LIMIT: '1kb' });
      key = await small.keyFor('ingest');
    });
    afterAll(() => small.close());

    const fileOf = (prefix: string, bytes: number) => {
      let text = 'userId,plan\n';
      for (let i = 0; text.length + 20 < bytes; i++) text += `${prefix}-${String(i).padStart(4, '0')},pro\n`;
      return text;
    };
    const stored = async (prefix: string) =>
      Number(
        (
          await small.db.query(`SELECT count(*) n FROM customers WHERE external_id LIKE $1`, [`${prefix}-%`])
        )[0].n,
      );

    it('accepts a file just under the limit', async () => {
      const file = fileOf('under', 1000);
      expect(Buffer.byteLength(file)).toBeLessThanOrEqual(1024);
      const res = await small
        .http()
        .post('/v1/import/customers')
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', 'text/csv')
        .send(file);
      expect(res.status).toBe(200);
      expect(await stored('under')).toBe(res.body.accepted);
      expect(res.body.accepted).toBeGreaterThan(40);
    });

    it('answers 413 to a declared Content-Length over the limit, storing nothing', async () => {
      const res = await small
        .http()
        .post('/v1/import/customers')
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', 'text/csv')
        .send(fileOf('declared', 4096));
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ error: 'IMPORT_TOO_LARGE', message: expect.stringContaining('1024') });
      expect(await stored('declared')).toBe(0);
    });

    it('answers 413 to a chunked upload that goes over the limit, storing nothing', async () => {
      const res = await streamUpload(
        small,
        '/v1/import/customers',
        key,
        Readable.from([fileOf('chunked', 4096)]),
      );
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ error: 'IMPORT_TOO_LARGE' });
      expect(await stored('chunked')).toBe(0);
    });
  });
});
