import { queryPrepared, statementName } from '../../src/database/prepared-query';
import { KNOWN_IDENTITIES_SQL } from '../../src/ingestion/ingest-messages.usecase';
import { CLAIM_CHANGES_SQL } from '../../src/segments/evaluate-changes.usecase';
import { createTestApp, TestApp } from '../setup/test-app';

/**
 * Plans of hot statements: the prepared ones as PostgreSQL makes them for reuse (generic plans, which cannot see the
 * arrays' sizes) on tables small enough that a sequential scan looks cheap, and a queue claim on a table full of
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
    try {
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE lookup(json) AS ${KNOWN_IDENTITIES_SQL}`);
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
      // The connection goes back to the pool: leave no setting or statement behind on it.
      await runner.query(`RESET plan_cache_mode`);
      await runner.query(`DEALLOCATE lookup`);
      await runner.release();
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
      const nodes: Record<string, unknown>[] = [];
      const visit = (node: Record<string, unknown>) => {
        if (node['Relation Name'] === 'customer_changes') nodes.push(node);
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
      };
      visit(plan[0].Plan);
      const scans = nodes.filter((n) => n['Node Type'] !== 'ModifyTable').map((n) => n['Node Type']);
      expect(scans.length).toBeGreaterThan(0);
      expect(scans).not.toContain('Seq Scan');
      expect(nodes.find((n) => n['Operation'] === 'Delete')?.['Actual Rows']).toBe(2);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
