import { queryPrepared, statementName } from '../../src/database/prepared-query';
import { KNOWN_IDENTITIES_SQL } from '../../src/ingestion/ingest-messages.usecase';
import { CLAIM_CHANGES_SQL } from '../../src/segments/evaluate-changes.usecase';
import { createTestApp, TestApp } from '../setup/test-app';

/**
 * Plans of hot statements: the prepared ones as PostgreSQL makes them for reuse (generic plans, which cannot see the
 * parameters' values) on tables small enough that a sequential scan looks cheap, and a queue claim on a table full of
 * dead rows.
 */
describe('hot statement plans', () => {
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
    let prepared = false;
    try {
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE lookup(json) AS ${KNOWN_IDENTITIES_SQL}`);
      prepared = true;
      const keys = `'[{"kind":"userId","value":"u42"},{"kind":"anonymousId","value":"a-1"}]'`;
      const [{ 'QUERY PLAN': plan }] = await runner.query(`EXPLAIN (FORMAT JSON) EXECUTE lookup(${keys})`);
      const text = JSON.stringify(plan);
      expect(text).not.toContain('Seq Scan');
      expect(text).toContain('customer_identities_pkey');
      expect(text).toContain('customers_pkey');
      const rows = await runner.query(`EXECUTE lookup(${keys})`);
      expect(rows).toEqual([
        { kind: 'userId', value: 'u42', customer_id: expect.any(String), external_id: 'u42' },
      ]);
    } finally {
      // The connection goes back to the pool: leave no setting or statement behind on it, and release it whatever
      // happens (the pool waits for every connection when the test app closes).
      try {
        await runner.query(`RESET plan_cache_mode`);
        if (prepared) await runner.query(`DEALLOCATE lookup`);
      } finally {
        await runner.release();
      }
    }
  });

  it('the identity lookup settles on one plan instead of being planned on every call', async () => {
    const runner = t.db.createQueryRunner();
    try {
      // As ingestion runs it (prepared for a lookup of a few keys); PostgreSQL plans the first five executions
      // for their values, then keeps the generic plan if it costs no more.
      for (let n = 1; n <= 8; n++)
        await queryPrepared(runner.manager, KNOWN_IDENTITIES_SQL, [
          JSON.stringify([{ kind: 'userId', value: `u${n}` }]),
        ]);
      const [counts] = await runner.query(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1`,
        [statementName(KNOWN_IDENTITIES_SQL)],
      );
      expect(counts).toEqual({ generic_plans: '3', custom_plans: '5' });
    } finally {
      await runner.release();
    }
  });

  it("the segment worker's claim deletes through the key, not by scanning a queue full of dead rows", async () => {
    // A vacuum between the fill and the claim would remove the dead rows this test is about.
    await t.db.query(`ALTER TABLE customer_changes SET (autovacuum_enabled = off)`);
    const fill = `INSERT INTO customer_changes (customer_id, changed_at) SELECT id, now() FROM customers`;
    for (let round = 0; round < 5; round++) {
      await t.db.query(fill);
      await t.db.query(`DELETE FROM customer_changes`);
    }
    await t.db.query(`${fill} ORDER BY external_id LIMIT 2`);
    const runner = t.db.createQueryRunner();
    await runner.startTransaction();
    try {
      // EXPLAIN ANALYZE runs the claim (rolled back below).
      const [{ 'QUERY PLAN': plan }] = await runner.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_CHANGES_SQL}`,
      );
      type Node = Record<string, unknown> & { Plans?: Node[] };
      const find = (node: Node): Node | undefined =>
        node['Operation'] === 'Delete' ? node : (node.Plans ?? []).map(find).find(Boolean);
      const deletion = find(plan[0].Plan);
      expect(deletion?.['Actual Rows']).toBe(2);
      // The rows to delete come from the scan under the Delete (the claim's own sub-select is an InitPlan).
      const source = deletion?.Plans?.find((n) => n['Parent Relationship'] !== 'InitPlan');
      expect(source?.['Node Type']).not.toBe('Seq Scan');
      expect(JSON.stringify(source)).toContain('customer_changes_pkey');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
