import { createTestApp, TestApp } from '../setup/test-app';

describe('ops: health, metrics, docs, errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('health checks the database without a key', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { status: 'up' } });
  });

  it('exposes Prometheus metrics: requests by route template and events ingested', async () => {
    await t
      .http()
      .post('/v1/track')
      .set('Authorization', `Bearer ${t.adminKey}`)
      .send({ userId: 'metrics', event: 'X', messageId: 'mx' })
      .expect(200);
    await t
      .http()
      .post('/v1/track')
      .set('Authorization', `Bearer ${t.adminKey}`)
      .send({ userId: 'metrics', event: 'X', messageId: 'mx' })
      .expect(200);
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /waymark_http_requests_total\{method="POST",route="\/v1\/track",status="200"\} 2/,
    );
    expect(res.text).toMatch(/waymark_events_ingested_total\{type="track"\} 1/);
    expect(res.text).toMatch(/waymark_events_duplicate_total 1/);
    expect(res.text).toMatch(/waymark_http_request_duration_seconds_bucket/);
    expect(res.text).not.toContain('metrics@');
  });

  it('serves the OpenAPI document and UI', async () => {
    const json = await t.http().get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/track',
      '/v1/identify',
      '/v1/batch',
      '/v1/import/{kind}',
      '/v1/customers/{id}',
      '/v1/api-keys',
    ]) {
      expect(Object.keys(json.body.paths)).toContain(path);
    }
    const ui = await t.http().get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('answers an unknown route with a JSON 404 and a request id', async () => {
    const res = await t.http().get('/v1/nothing-here').set('X-Request-Id', 'req-123').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'NOT_FOUND', requestId: 'req-123' });
    expect(res.headers['x-request-id']).toBe('req-123');
  });

  it.each([
    ['a path that does not decode', '/v1/customers/%E0%A4%A', 400, 'VALIDATION_FAILED'],
    ['a path parameter longer than any id', `/v1/customers/${'x'.repeat(3000)}`, 404, 'NOT_FOUND'],
  ])(
    'answers %s in the same JSON format, with the request id, and counts it',
    async (_name, path, status, error) => {
      const counted = async () => {
        const text = (await t.http().get('/metrics').expect(200)).text;
        const line = new RegExp(
          `waymark_http_requests_total\\{method="GET",route="unmatched",status="${status}"\\} (\\d+)`,
        );
        return Number(line.exec(text)?.[1] ?? 0);
      };
      const before = await counted();
      const res = await t.http().get(path).set('X-Request-Id', 'req-url').expect(status);
      expect(res.body).toMatchObject({ statusCode: status, error, requestId: 'req-url' });
      expect(res.body.code).toBeUndefined();
      expect(res.headers['x-request-id']).toBe('req-url');
      expect(await counted()).toBe(before + 1);
    },
  );

  it.each([
    ['/p/%E0%A4%A', 400],
    [`/u/${'x'.repeat(3000)}`, 404],
  ])('answers %s on a recipients page as an HTML page', async (path, status) => {
    const res = await t.http().get(path).expect(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/<h1>/);
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('turns an unexpected failure into a 500 with an error id and no internals', async () => {
    await t.db.query(`ALTER TABLE customer_stats RENAME TO customer_stats_gone`);
    try {
      const res = await t
        .http()
        .post('/v1/track')
        .set('Authorization', `Bearer ${t.adminKey}`)
        .send({ userId: 'boom', event: 'X' });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        statusCode: 500,
        error: 'INTERNAL',
        message: 'Internal server error',
        errorId: expect.any(String),
        requestId: expect.any(String),
      });
      expect(JSON.stringify(res.body)).not.toMatch(/customer_stats|at .*\.ts/);
      const [{ n }] = await t.db.query(`SELECT count(*)::int n FROM customers WHERE external_id = 'boom'`);
      expect(n).toBe(0);
    } finally {
      await t.db.query(`ALTER TABLE customer_stats_gone RENAME TO customer_stats`);
    }
  });

  describe('NUL characters, which PostgreSQL cannot store, are a 400 naming where they are', () => {
    const auth = () => `Bearer ${t.adminKey}`;
    const tables = `SELECT (SELECT count(*) FROM templates) + (SELECT count(*) FROM segments)
                         + (SELECT count(*) FROM suppressions) + (SELECT count(*) FROM journeys) AS n`;

    it.each([
      ['a path parameter', 'get', '/v1/journeys/a%00b', undefined, 'path'],
      ['a query parameter', 'get', '/v1/customers?email=x%00', undefined, 'query.email'],
      [
        'a template body',
        'post',
        '/v1/templates',
        { key: 'nul', name: 'N', subject: 'Hi', html: '<p>a\u0000b</p>' },
        'html',
      ],
      [
        'a nested value',
        'post',
        '/v1/suppressions',
        { email: 'a@example.com', reason: ['ok', 'a\u0000'] },
        'reason[1]',
      ],
      ['a key', 'post', '/v1/segments/preview', { rules: { 'a\u0000': 1 } }, 'rules (a key)'],
    ])('in %s', async (_name, method, url, body, where) => {
      const [{ n: before }] = await t.db.query(tables);
      const call = method === 'get' ? t.http().get(url) : t.http().post(url).send(body);
      const res = await call.set('Authorization', auth());
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(res.body.problems).toEqual([{ path: where, message: expect.stringMatching(/NUL/) }]);
      const [{ n: after }] = await t.db.query(tables);
      expect(after).toBe(before);
    });

    it('a body nested far deeper than any real request is scanned without overflowing the stack', async () => {
      // Written out: JSON.stringify itself recurses and would overflow first.
      const depth = 20_000;
      const body = `{"rules":${'['.repeat(depth)}"a\\u0000"${']'.repeat(depth)}}`;
      const res = await t
        .http()
        .post('/v1/segments/preview')
        .set('Authorization', auth())
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.problems[0].path).toBe(`rules${'[0]'.repeat(depth)}`);
    });
  });

  describe('lone surrogates ("\\ud800" in JSON), which PostgreSQL refuses in json and alters in text, are a 400', () => {
    const auth = () => `Bearer ${t.adminKey}`;
    const stored = `SELECT (SELECT count(*) FROM templates) + (SELECT count(*) FROM api_keys) AS n`;

    it.each([
      // Was a 500: the blocks are written as jsonb.
      [
        'a template block',
        '/v1/templates',
        {
          key: 'lone',
          name: 'L',
          subject: 'Hi',
          html: '<p>x</p>',
          blocks: { hero: [{ html: '<b>\ud800</b>' }] },
        },
        'blocks.hero[0].html',
      ],
      // Was stored with U+FFFD in its place while the response echoed the input.
      ['a text field', '/v1/api-keys', { name: 'key \udc00', role: 'read' }, 'name'],
      ['a key', '/v1/segments/preview', { rules: { 'a\ud800': 1 } }, 'rules (a key)'],
    ])('in %s', async (_name, url, body, where) => {
      const [{ n: before }] = await t.db.query(stored);
      const res = await t.http().post(url).set('Authorization', auth()).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(res.body.problems).toEqual([
        { path: where, message: expect.stringMatching(/well-formed Unicode/) },
      ]);
      const [{ n: after }] = await t.db.query(stored);
      expect(after).toBe(before);
    });
  });
});
