import { applyTransitions } from '../../src/segments/evaluate-changes.usecase';
import { createTestApp, TestApp } from '../setup/test-app';

/**
 * segment_transitions is a log without foreign keys: what the cascades did is done by triggers on the owners, and
 * only membership changes that really happened are logged.
 */
describe('segments: the transition log follows its customers and segments', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    // No background workers: the test applies transitions itself, and a worker evaluating the same customer
    // (queued by its identify calls) would race it.
    t = await createTestApp({ WAYMARK_ROLES: 'api' });
    admin = `Bearer ${t.adminKey}`;
  });
  afterAll(() => t.close());

  const post = (path: string, body: object) => t.http().post(path).set('Authorization', admin).send(body);
  const customerId = async (userId: string) =>
    (await t.db.query(`SELECT id FROM customers WHERE external_id = $1`, [userId]))[0].id as string;
  const logged = async (where: string, params: unknown[]) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM segment_transitions WHERE ${where}`, params))[0]
      .n as number;
  const vipSegment = async (key: string) => {
    const { body } = await post('/v1/segments', {
      key,
      name: key,
      rules: { all: [{ fact: 'traits', path: '$.tier', operator: 'equal', value: 'vip' }] },
    }).expect(201);
    return body.id as string;
  };
  const identify = (userId: string, traits: object, extra: object = {}) =>
    post('/v1/identify', { userId, traits, ...extra }).expect(200);

  it('erasing a customer removes their transitions and leaves everyone else’s', async () => {
    const segment = await vipSegment('log-vip');
    await identify('log-a', { tier: 'vip' });
    await identify('log-b', { tier: 'vip' });
    await post('/v1/segments/log-vip/refresh', {}).expect(200);
    const [a, b] = [await customerId('log-a'), await customerId('log-b')];
    expect(await logged('customer_id = $1 AND segment_id = $2', [a, segment])).toBeGreaterThanOrEqual(1);

    await t.http().delete('/v1/customers/log-a').set('Authorization', admin).expect(204);

    expect(await logged('customer_id = $1', [a])).toBe(0);
    expect(await logged('customer_id = $1 AND segment_id = $2', [b, segment])).toBeGreaterThanOrEqual(1);
  });

  it('a merged anonymous profile takes its transitions with it, as the cascade did', async () => {
    await vipSegment('log-anon-vip');
    await post('/v1/identify', { anonymousId: 'log-device', traits: { tier: 'vip' } }).expect(200);
    await post('/v1/segments/log-anon-vip/refresh', {}).expect(200);
    const [{ id: anonymous }] = await t.db.query(
      `SELECT customer_id AS id FROM customer_identities WHERE kind = 'anonymousId' AND value = 'log-device'`,
    );
    expect(await logged('customer_id = $1', [anonymous])).toBeGreaterThanOrEqual(1);

    await identify('log-known', { tier: 'regular' });
    await post('/v1/alias', { previousId: 'log-device', userId: 'log-known' }).expect(200);

    const [{ n: still }] = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE id = $1`, [
      anonymous,
    ]);
    expect(still).toBe(0);
    expect(await logged('customer_id = $1', [anonymous])).toBe(0);
  });

  it('a deleted segment takes its transitions with it', async () => {
    const segment = await vipSegment('log-deleted');
    await identify('log-c', { tier: 'vip' });
    await post('/v1/segments/log-deleted/refresh', {}).expect(200);
    expect(await logged('segment_id = $1', [segment])).toBeGreaterThanOrEqual(1);

    await t.db.query(`DELETE FROM segments WHERE id = $1`, [segment]);

    expect(await logged('segment_id = $1', [segment])).toBe(0);
  });

  it('logs only membership changes that happened: no second entry, no exit for a non-member', async () => {
    const segment = await vipSegment('log-exact');
    await identify('log-d', { tier: 'regular' });
    const d = await customerId('log-d');
    const now = new Date('2026-06-01T12:00:00Z');
    const apply = (entered: [string, string, number][], exited: [string, string, number][]) =>
      t.db.transaction((manager) => applyTransitions(manager, entered, exited, now));
    const kinds = async () =>
      (
        await t.db.query(
          `SELECT kind FROM segment_transitions WHERE segment_id = $1 AND customer_id = $2 ORDER BY id`,
          [segment, d],
        )
      ).map((r: { kind: string }) => r.kind);

    await apply([[segment, d, 1]], []);
    await apply([[segment, d, 1]], []);
    expect(await kinds()).toEqual(['entered']);

    await apply([], [[segment, d, 1]]);
    await apply([], [[segment, d, 1]]);
    expect(await kinds()).toEqual(['entered', 'exited']);
    const [{ n: members }] = await t.db.query(
      `SELECT count(*)::int AS n FROM segment_memberships WHERE segment_id = $1 AND customer_id = $2`,
      [segment, d],
    );
    expect(members).toBe(0);
  });
});
