import { Clock } from '../../src/database/clock';
import { EvaluateChangesUseCase } from '../../src/segments/evaluate-changes.usecase';
import { createTestApp, TestApp } from '../setup/test-app';

const DAY = 86_400_000;

/** The incremental worker's transitions: entered, an exit held back by the minimum dwell, then recorded. */
describe('segments: incremental membership with minimum dwell and versions', () => {
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
  const track = (userId: string, event: string) =>
    post('/v1/track', { userId, event, timestamp: now.toISOString() }).expect(200);
  /** Drains the queue here (the app's own worker may take some claims too) and waits until it is empty. */
  const drain = async () => {
    const evaluate = t.app.get(EvaluateChangesUseCase);
    for (let i = 0; i < 100; i++) {
      while ((await evaluate.executeOnce()) > 0);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM customer_changes`);
      // A claim the app's worker holds is skipped (SKIP LOCKED) and still counted until it commits.
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('customer_changes did not drain within 5 s');
  };
  const transitions = async (userId: string) =>
    (
      await t.db.query(
        `SELECT s.key, t.kind, t.segment_version AS version, t.at FROM segment_transitions t
           JOIN segments s ON s.id = t.segment_id JOIN customers c ON c.id = t.customer_id
          WHERE c.external_id = $1 ORDER BY t.id`,
        [userId],
      )
    ).map((r: { key: string; kind: string; version: number; at: Date }) => ({
      ...r,
      at: r.at.toISOString(),
    }));
  const memberOf = async (userId: string) =>
    (
      await t.db.query(
        `SELECT s.key, m.entered_at FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
           JOIN customers c ON c.id = m.customer_id WHERE c.external_id = $1 ORDER BY s.key`,
        [userId],
      )
    ).map((r: { key: string; entered_at: Date }) => `${r.key}@${r.entered_at.toISOString()}`);

  it('enters on an event, holds the exit for the dwell time, then exits; transitions carry the version', async () => {
    await post('/v1/segments', {
      key: 'inc-cart',
      name: 'Added to cart in the last day',
      minDwellSeconds: 2 * 86_400,
      rules: {
        all: [
          {
            fact: 'events',
            params: { event: 'Product Added', withinDays: 1 },
            operator: 'greaterThanInclusive',
            value: 1,
          },
        ],
      },
    }).expect(201);
    // Version 2: the rules changed once.
    await t
      .http()
      .patch('/v1/segments/inc-cart')
      .set('Authorization', admin)
      .send({
        rules: {
          all: [
            {
              fact: 'events',
              params: { event: 'Product Added', withinDays: 1 },
              operator: 'greaterThanInclusive',
              value: 1,
            },
            {
              not: {
                fact: 'events',
                params: { event: 'Order Completed', withinDays: 1 },
                operator: 'greaterThanInclusive',
                value: 1,
              },
            },
          ],
        },
      })
      .expect(200);
    // A segment over another one, evaluated after it in the same claim.
    await post('/v1/segments', {
      key: 'inc-cart-vip',
      name: 'Cart and VIP',
      rules: {
        all: [
          { fact: 'segments', operator: 'contains', value: 'inc-cart' },
          { fact: 'traits', path: '$.vip', operator: 'equal', value: true },
        ],
      },
    }).expect(201);
    await post('/v1/identify', { userId: 'eve', traits: { vip: true } }).expect(200);
    await post('/v1/identify', { userId: 'fay', traits: { vip: false } }).expect(200);
    await drain();

    const enteredAt = now.toISOString();
    await track('eve', 'Product Added');
    await track('fay', 'Product Added');
    await drain();
    expect(await memberOf('eve')).toEqual([`inc-cart@${enteredAt}`, `inc-cart-vip@${enteredAt}`]);
    expect(await memberOf('fay')).toEqual([`inc-cart@${enteredAt}`]);
    expect(await transitions('eve')).toEqual([
      { key: 'inc-cart', kind: 'entered', version: 2, at: enteredAt },
      { key: 'inc-cart-vip', kind: 'entered', version: 1, at: enteredAt },
    ]);

    // Out of the window, inside the dwell time: no exit.
    now = new Date(now.getTime() + 1.5 * DAY);
    await track('eve', 'Page Viewed');
    await track('fay', 'Page Viewed');
    await drain();
    expect(await memberOf('fay')).toEqual([`inc-cart@${enteredAt}`]);
    expect((await transitions('fay')).map((r: { kind: string }) => r.kind)).toEqual(['entered']);

    // Past the dwell time: the exit is recorded (and the VIP segment, with no dwell, follows in the same claim).
    now = new Date(now.getTime() + 1 * DAY);
    await track('eve', 'Page Viewed');
    await track('fay', 'Page Viewed');
    await drain();
    expect(await memberOf('eve')).toEqual([]);
    expect(await memberOf('fay')).toEqual([]);
    expect((await transitions('eve')).slice(2)).toEqual([
      { key: 'inc-cart', kind: 'exited', version: 2, at: now.toISOString() },
      { key: 'inc-cart-vip', kind: 'exited', version: 1, at: now.toISOString() },
    ]);
    expect((await transitions('fay')).map((r: { kind: string }) => r.kind)).toEqual(['entered', 'exited']);
  });
});
