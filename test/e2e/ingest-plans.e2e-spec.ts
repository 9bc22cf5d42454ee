import { KNOWN_IDENTITIES_SQL } from '../../src/ingestion/ingest-messages.usecase';
import { createTestApp, TestApp } from '../setup/test-app';

/**
 * Plans of the prepared ingest statements as PostgreSQL makes them for reuse (generic plans, which cannot see the
 * arrays' sizes), on a table small enough that a sequential scan looks cheap to the planner.
 */
describe('ingest statement plans', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ WAYMARK_ROLES: 'api' });
    await t.db.query(
      `WITH c AS (INSERT INTO customers (id, external_id, created_at, updated_at)
                  SELECT gen_random_uuid(), 'u' || n, now(), now() FROM generate_series(1, 2000) n RETURNING id, external_id)
       INSERT INTO customer_identities (kind, value, customer_id) SELECT 'userId', external_id, id FROM c`,
    );
    await t.db.query(`ANALYZE customers, customer_identities`);
  });
  afterAll(() => t.close());

  it('the identity lookup probes the indexes, never scans the tables', async () => {
    const runner = t.db.createQueryRunner();
    try {
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE lookup(text[], text[]) AS ${KNOWN_IDENTITIES_SQL}`);
      const args = `'{userId,anonymousId}', '{u42,a-1}'`;
      const [{ 'QUERY PLAN': plan }] = await runner.query(`EXPLAIN (FORMAT JSON) EXECUTE lookup(${args})`);
      const text = JSON.stringify(plan);
      expect(text).not.toContain('Seq Scan');
      expect(text).toContain('customer_identities_pkey');
      expect(text).toContain('customers_pkey');
      const rows = await runner.query(`EXECUTE lookup(${args})`);
      expect(rows).toEqual([
        { kind: 'userId', value: 'u42', customer_id: expect.any(String), external_id: 'u42' },
      ]);
    } finally {
      await runner.release();
    }
  });
});
