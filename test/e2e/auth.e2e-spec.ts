import type { Response, Test } from 'supertest';
import { createTestApp, TestApp } from '../setup/test-app';

type Role = 'admin' | 'ingest' | 'read';

describe('API keys and the role matrix', () => {
  let t: TestApp;
  const keys = {} as Record<Role, string>;
  beforeAll(async () => {
    t = await createTestApp();
    keys.admin = t.adminKey;
    keys.ingest = await t.keyFor('ingest');
    keys.read = await t.keyFor('read');
    await t
      .http()
      .post('/v1/identify')
      .set('Authorization', `Bearer ${keys.admin}`)
      .send({ userId: 'matrix' })
      .expect(200);
  });
  afterAll(() => t.close());

  // [method, path, body, statuses for admin / ingest / read]
  const matrix: [string, string, object | undefined, Record<Role, number>][] = [
    ['post', '/v1/track', { userId: 'matrix', event: 'X' }, { admin: 200, ingest: 200, read: 403 }],
    ['post', '/v1/identify', { userId: 'matrix' }, { admin: 200, ingest: 200, read: 403 }],
    ['post', '/v1/batch', { batch: [] }, { admin: 200, ingest: 200, read: 403 }],
    ['get', '/v1/customers/matrix', undefined, { admin: 200, ingest: 403, read: 200 }],
    ['get', '/v1/customers', undefined, { admin: 200, ingest: 403, read: 200 }],
    ['get', '/v1/customers/matrix/export', undefined, { admin: 200, ingest: 403, read: 403 }],
    [
      'put',
      '/v1/customers/matrix/consent',
      { marketingConsent: true },
      { admin: 200, ingest: 403, read: 403 },
    ],
    ['get', '/v1/api-keys', undefined, { admin: 200, ingest: 403, read: 403 }],
    ['post', '/v1/api-keys', { name: 'x', role: 'read' }, { admin: 201, ingest: 403, read: 403 }],
    ['delete', '/v1/customers/nobody', undefined, { admin: 404, ingest: 403, read: 403 }],
  ];

  describe.each(['admin', 'ingest', 'read'] as Role[])('with a %s key', (role) => {
    it.each(matrix)('%s %s', async (method, path, body, expected) => {
      const agent = t.http() as unknown as Record<string, (p: string) => Test>;
      const req = agent[method](path).set('Authorization', `Bearer ${keys[role]}`);
      const res = body ? await req.send(body) : await req;
      expect(res.status).toBe(expected[role]);
      if (res.status === 403)
        expect(res.body).toMatchObject({ error: 'FORBIDDEN', message: expect.stringContaining(role) });
    });
  });

  it.each([
    ['no header', undefined],
    ['an unknown key', 'Bearer wm_not-a-real-key'],
    ['an unsupported scheme', 'Token abc'],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 to %s', async (_name, header) => {
    const req = t.http().get('/v1/customers');
    const res = header ? await req.set('Authorization', header) : await req;
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('UNAUTHENTICATED');
  });

  it('accepts HTTP Basic with the key as user name (the Segment convention)', async () => {
    const basic = Buffer.from(`${keys.ingest}:`).toString('base64');
    await t
      .http()
      .post('/v1/track')
      .set('Authorization', `Basic ${basic}`)
      .send({ userId: 'basic', event: 'X' })
      .expect(200);
  });

  it('shows a new key once, stores only its hash, lists it without the secret, and revokes it', async () => {
    const created = await t
      .http()
      .post('/v1/api-keys')
      .set('Authorization', `Bearer ${keys.admin}`)
      .send({ name: 'CRM sync', role: 'read' })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'CRM sync',
      role: 'read',
      id: expect.any(String),
      key: expect.stringMatching(/^wm_/),
    });
    const secret: string = created.body.key;
    const [row] = await t.db.query(`SELECT key_hash, prefix FROM api_keys WHERE id = $1`, [created.body.id]);
    expect(row.key_hash.toString('utf8')).not.toContain(secret);
    expect(secret.startsWith(row.prefix)).toBe(true);

    const listed = await t
      .http()
      .get('/v1/api-keys')
      .set('Authorization', `Bearer ${keys.admin}`)
      .expect(200);
    const entry = listed.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(entry).toMatchObject({ name: 'CRM sync', role: 'read' });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toContain('keyHash');

    await t.http().get('/v1/customers').set('Authorization', `Bearer ${secret}`).expect(200);
    await t
      .http()
      .delete(`/v1/api-keys/${created.body.id}`)
      .set('Authorization', `Bearer ${keys.admin}`)
      .expect(204);
    await t.http().get('/v1/customers').set('Authorization', `Bearer ${secret}`).expect(401);
    await t
      .http()
      .delete(`/v1/api-keys/${created.body.id}`)
      .set('Authorization', `Bearer ${keys.admin}`)
      .expect(404);
  });

  it('paginates the key list with a cursor', async () => {
    for (let i = 0; i < 3; i++) await t.keyFor('read');
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await t
        .http()
        .get('/v1/api-keys')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set('Authorization', `Bearer ${keys.admin}`)
        .expect(200);
      res.body.items.forEach((k: { id: string }) => seen.add(k.id));
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    const [{ n }] = await t.db.query(`SELECT count(*)::int n FROM api_keys WHERE revoked_at IS NULL`);
    expect(seen.size).toBe(n);
    expect(pages).toBeGreaterThan(1);
  });

  it.each([
    ['no fields', {}, ['name', 'role']],
    ['unknown role', { name: 'x', role: 'owner' }, ['role']],
    ['extra field', { name: 'x', role: 'read', secret: 'abc' }, ['secret']],
    ['name too long', { name: 'x'.repeat(201), role: 'read' }, ['name']],
  ])(
    'refuses to create a key with %s (400 listing every problem, nothing stored)',
    async (_name, body, paths) => {
      const [{ n: before }] = await t.db.query(`SELECT count(*)::int n FROM api_keys`);
      const res: Response = await t
        .http()
        .post('/v1/api-keys')
        .set('Authorization', `Bearer ${keys.admin}`)
        .send(body)
        .expect(400);
      expect(res.body.error).toBe('VALIDATION_FAILED');
      expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(paths));
      const [{ n: after }] = await t.db.query(`SELECT count(*)::int n FROM api_keys`);
      expect(after).toBe(before);
    },
  );

  it.each([['not-a-uuid'], ['00000000-0000-4000-8000-000000000000']])(
    'revoking unknown key %s is a 404',
    async (id) => {
      const res: Response = await t
        .http()
        .delete(`/v1/api-keys/${id}`)
        .set('Authorization', `Bearer ${keys.admin}`)
        .expect(404);
      expect(res.body.error).toBe('API_KEY_NOT_FOUND');
    },
  );

  it('a bad cursor is a 400 naming the cursor', async () => {
    const res = await t
      .http()
      .get('/v1/api-keys?cursor=garbage')
      .set('Authorization', `Bearer ${keys.admin}`)
      .expect(400);
    expect(res.body.problems).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });

  it('registers ADMIN_API_KEY as an admin key once, even across restarts', async () => {
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int n FROM api_keys WHERE name = 'admin (ADMIN_API_KEY)'`,
    );
    expect(n).toBe(1);
  });
});
