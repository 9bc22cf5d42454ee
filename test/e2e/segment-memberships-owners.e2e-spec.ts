import { Client } from 'pg';
import { RefreshResult, RefreshSegmentUseCase } from '../../src/segments/refresh-segment.usecase';
import { SegmentsService } from '../../src/segments/segments.service';
import { createTestApp, TestApp } from '../setup/test-app';

/**
 * segment_memberships has no foreign keys: triggers on customers and segments do what the cascades did, refreshes
 * and erasure serialise on an advisory lock, and what a merge can still leave behind the next refresh removes.
 * The races are staged with a second connection holding a conflicting row, so each step happens in a known order.
 */
describe('segments: memberships follow their customers without foreign keys', () => {
  let t: TestApp;
  let admin: string;
  const clients: Client[] = [];
  beforeAll(async () => {
    // No worker: the incremental evaluator would add memberships behind the staged steps' backs.
    t = await createTestApp({ WAYMARK_ROLES: 'api' });
    admin = `Bearer ${t.adminKey}`;
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await t.close();
  });

  const connect = async () => {
    const c = new Client({ connectionString: t.config.databaseUrl });
    await c.connect();
    clients.push(c);
    return c;
  };
  const post = (path: string, body: object) => t.http().post(path).set('Authorization', admin).send(body);
  const identify = (body: object) => post('/v1/identify', body).expect(200);
  const customerId = async (kind: 'userId' | 'anonymousId', value: string) =>
    (
      await t.db.query(`SELECT customer_id AS id FROM customer_identities WHERE kind = $1 AND value = $2`, [
        kind,
        value,
      ])
    )[0].id as string;
  /** A segment of the customers whose trait `tier` is `tier`, by default its key: each test has its own members. */
  const tierSegment = async (key: string, tier = key) => {
    await post('/v1/segments', {
      key,
      name: key,
      rules: { all: [{ fact: 'traits', path: '$.tier', operator: 'equal', value: tier }] },
    }).expect(201);
    return t.app.get(SegmentsService).get(key);
  };
  const refresh = (key: string): Promise<RefreshResult> =>
    t.app
      .get(SegmentsService)
      .get(key)
      .then((s) => t.app.get(RefreshSegmentUseCase).execute(s));
  const count = async (table: 'segment_memberships' | 'segment_transitions', customer: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE customer_id = $1`, [customer]))[0]
      .n as number;
  const kinds = async (segment: string, customer: string) =>
    (
      await t.db.query(
        `SELECT kind FROM segment_transitions WHERE segment_id = $1 AND customer_id = $2 ORDER BY id`,
        [segment, customer],
      )
    ).map((r: { kind: string }) => r.kind);

  /** Returns once a backend of this test's database waits for a lock of this type: the staged step got there. */
  const untilWaiting = async (locktypes: string[]) => {
    for (;;) {
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = ANY($1::text[])`,
        [locktypes],
      );
      if (n > 0) return;
    }
  };
  /** An uncommitted membership for `customer`: a refresh adding the same one waits on it mid-statement. */
  const holdMembership = async (segment: string, customer: string) => {
    const c = await connect();
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO segment_memberships (segment_id, customer_id, entered_at) VALUES ($1, $2, now())`,
      [segment, customer],
    );
    return c;
  };

  it('erasing a customer removes their memberships and transitions, in every segment, and no one else’s', async () => {
    const a = await tierSegment('own-a', 'own-both');
    const b = await tierSegment('own-b', 'own-both');
    await identify({ userId: 'own-erased', traits: { tier: 'own-both' } });
    await identify({ userId: 'own-kept', traits: { tier: 'own-both' } });
    await refresh('own-a');
    await refresh('own-b');
    const [erased, kept] = [await customerId('userId', 'own-erased'), await customerId('userId', 'own-kept')];
    expect(await count('segment_memberships', erased)).toBe(2);

    await t.http().delete('/v1/customers/own-erased').set('Authorization', admin).expect(204);

    expect(await count('segment_memberships', erased)).toBe(0);
    expect(await count('segment_transitions', erased)).toBe(0);
    expect(await kinds(a.id, kept)).toEqual(['entered']);
    expect(await kinds(b.id, kept)).toEqual(['entered']);
  });

  it('deleting a segment removes its memberships', async () => {
    const s = await tierSegment('own-deleted');
    await identify({ userId: 'own-member', traits: { tier: 'own-deleted' } });
    await refresh('own-deleted');
    await t.db.query(`DELETE FROM segments WHERE id = $1`, [s.id]);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM segment_memberships WHERE segment_id = $1`,
      [s.id],
    );
    expect(n).toBe(0);
  });

  it('a membership a merge left behind goes with the next refresh, with no exit logged', async () => {
    const s = await tierSegment('own-merge');
    await identify({ anonymousId: 'own-device', traits: { tier: 'own-merge' } });
    await identify({ userId: 'own-other', traits: { tier: 'own-merge' } });
    await identify({ userId: 'own-known', traits: { tier: 'regular' } });
    const [anonymous, other] = [
      await customerId('anonymousId', 'own-device'),
      await customerId('userId', 'own-other'),
    ];

    // The refresh's writing statement sees the anonymous customer, then waits on `other`'s uncommitted membership
    // while the merge deletes the anonymous customer and commits: the refresh's membership was invisible to it.
    const blocker = await holdMembership(s.id, other);
    const first = refresh('own-merge');
    await untilWaiting(['transactionid']);
    await post('/v1/alias', { previousId: 'own-device', userId: 'own-known' }).expect(200);
    await blocker.query('ROLLBACK');
    await first;
    expect(await count('segment_memberships', anonymous)).toBe(1);

    const second = await refresh('own-merge');

    expect(await count('segment_memberships', anonymous)).toBe(0);
    expect(await count('segment_transitions', anonymous)).toBe(0);
    expect(second.exited).toBe(0);
    expect(await kinds(s.id, other)).toEqual(['entered']);
  });

  it('an erasure arriving while a refresh writes waits for it, then removes what it wrote', async () => {
    const s = await tierSegment('own-erase-after');
    await identify({ userId: 'own-late', traits: { tier: 'own-erase-after' } });
    await identify({ userId: 'own-bystander', traits: { tier: 'own-erase-after' } });
    const [late, bystander] = [
      await customerId('userId', 'own-late'),
      await customerId('userId', 'own-bystander'),
    ];

    const blocker = await holdMembership(s.id, bystander);
    const refreshing = refresh('own-erase-after');
    await untilWaiting(['transactionid']);
    const erasing = t
      .http()
      .delete('/v1/customers/own-late')
      .set('Authorization', admin)
      .then((r) => r.status);
    await untilWaiting(['advisory']);
    await blocker.query('ROLLBACK');

    expect((await refreshing).entered).toBe(2);
    expect(await erasing).toBe(204);
    expect(await count('segment_memberships', late)).toBe(0);
    expect(await count('segment_transitions', late)).toBe(0);
    expect(await kinds(s.id, bystander)).toEqual(['entered']);
  });

  it('a refresh reaching its writes while an erasure runs waits for it and never adds the erased customer', async () => {
    const s = await tierSegment('own-erase-first');
    await identify({ userId: 'own-early', traits: { tier: 'own-erase-first' } });
    await identify({ userId: 'own-witness', traits: { tier: 'own-erase-first' } });
    const [early, witness] = [
      await customerId('userId', 'own-early'),
      await customerId('userId', 'own-witness'),
    ];

    // The erasure holds the advisory lock and waits on this row lock; the refresh computes its target (the customer
    // still there) and then waits for the advisory lock.
    const blocker = await connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM customers WHERE id = $1 FOR KEY SHARE`, [early]);
    const erasing = t
      .http()
      .delete('/v1/customers/own-early')
      .set('Authorization', admin)
      .then((r) => r.status);
    await untilWaiting(['transactionid', 'tuple']);
    const refreshing = refresh('own-erase-first');
    await untilWaiting(['advisory']);
    await blocker.query('ROLLBACK');

    expect(await erasing).toBe(204);
    const result = await refreshing;
    expect(result.entered).toBe(1);
    expect(await count('segment_memberships', early)).toBe(0);
    expect(await count('segment_transitions', early)).toBe(0);
    expect(await kinds(s.id, witness)).toEqual(['entered']);
  });

  describe('archiving and refreshing', () => {
    const members = async (segment: string) =>
      (
        await t.db.query(`SELECT count(*)::int AS n FROM segment_memberships WHERE segment_id = $1`, [
          segment,
        ])
      )[0].n as number;

    it('an archive waits for a refresh that is writing, then leaves no membership behind', async () => {
      await identify({ userId: 'arch-1', traits: { tier: 'arch-wait' } });
      const s = await tierSegment('arch-wait');
      const customer = await customerId('userId', 'arch-1');
      // A refresh mid-write: it holds the segment's refresh lock and has inserted a membership, not yet committed.
      const c = await connect();
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`segment:${s.id}`]);
      await c.query(
        `INSERT INTO segment_memberships (segment_id, customer_id, entered_at) VALUES ($1, $2, now())`,
        [s.id, customer],
      );
      const archived = t
        .http()
        .delete('/v1/segments/arch-wait')
        .set('Authorization', admin)
        .then((r) => r.status);
      await untilWaiting(['advisory']);
      await c.query('COMMIT');
      expect(await archived).toBe(204);
      expect(await members(s.id)).toBe(0);
    });

    it('a refresh of an archived segment writes nothing, and the API refuses it with 409', async () => {
      await identify({ userId: 'arch-2', traits: { tier: 'arch-stale' } });
      const s = await tierSegment('arch-stale');
      await t.http().delete('/v1/segments/arch-stale').set('Authorization', admin).expect(204);
      // The row read before the archive, as a scheduled refresh of all active segments may hold it.
      const result = await t.app.get(RefreshSegmentUseCase).execute(s);
      expect(result.ran).toBe(false);
      expect(await members(s.id)).toBe(0);
      const res = await post('/v1/segments/arch-stale/refresh', {}).expect(409);
      expect(res.body.error).toBe('SEGMENT_ARCHIVED');
      expect(await members(s.id)).toBe(0);
    });
  });
});
