import { PREPARE_UP_TO, queryForSize, queryPrepared, statementName } from '../../src/database/prepared-query';
import { createTestApp, TestApp } from '../setup/test-app';

/** Named prepared statements through TypeORM's managers, on a real PostgreSQL. */
describe('queryPrepared', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ WAYMARK_ROLES: 'api' });
    await t.db.query(`CREATE TABLE prepared_probe (id int PRIMARY KEY, note text)`);
  });
  afterAll(() => t.close());

  const insert = `INSERT INTO prepared_probe (id, note) SELECT * FROM unnest($1::int[], $2::text[]) RETURNING id, note`;

  it('names a statement by its text: the same text the same name, another text another', () => {
    expect(statementName(insert)).toBe(statementName([insert].join('')));
    expect(statementName(insert)).not.toBe(statementName(`${insert} `));
    expect(statementName(insert)).toMatch(/^wm_[0-9a-f]{24}$/);
  });

  it("in a transaction: runs on the transaction's connection, prepared there, and returns the rows of a write", async () => {
    await t.db
      .transaction(async (m) => {
        const rows = await queryPrepared<{ id: number; note: string }>(m, insert, [
          [1, 2],
          ['a', 'b'],
        ]);
        expect(rows).toEqual([
          { id: 1, note: 'a' },
          { id: 2, note: 'b' },
        ]);
        // The same connection: it sees its own uncommitted rows, and holds the statement under its name.
        const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM prepared_probe`);
        expect(n).toBe(2);
        const prepared = await m.query(`SELECT statement FROM pg_prepared_statements WHERE name = $1`, [
          statementName(insert),
        ]);
        expect(prepared).toHaveLength(1);
        // Run again: no second PREPARE (which PostgreSQL would refuse under the same name).
        await queryPrepared(m, insert, [[3], ['c']]);
        throw new Error('roll back');
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'));
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM prepared_probe`);
    expect(n).toBe(0);
  });

  it('outside a transaction: runs on a pooled connection, and a failure keeps its SQLSTATE', async () => {
    const rows = await queryPrepared(t.db.manager, insert, [[7], ['x']]);
    expect(rows).toEqual([{ id: 7, note: 'x' }]);
    await expect(queryPrepared(t.db.manager, insert, [[7], ['again']])).rejects.toMatchObject({
      code: '23505',
    });
    // Concurrent calls take several pooled connections (the note is the backend's pid): each prepares the statement
    // once and every call succeeds, also on the connection that prepared it before the failure.
    const slowInsert = `WITH s AS (SELECT pg_sleep(0.05))
      INSERT INTO prepared_probe (id, note) SELECT $1::int, pg_backend_pid()::text FROM s RETURNING note`;
    const notes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        queryPrepared<{ note: string }>(t.db.manager, slowInsert, [100 + i]),
      ),
    );
    expect(new Set(notes.map(([r]) => r.note)).size).toBeGreaterThan(1);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM prepared_probe`);
    expect(n).toBe(13);
  });

  it('by size: prepared for a few items, planned per call for a batch', async () => {
    const select = `SELECT count(*)::int AS n FROM unnest($1::int[]) AS x WHERE x > -1`;
    const isPrepared = (m: { query: (sql: string, p: unknown[]) => Promise<unknown[]> }) =>
      m.query(`SELECT 1 FROM pg_prepared_statements WHERE name = $1`, [statementName(select)]);
    await t.db.transaction(async (m) => {
      const many = Array.from({ length: PREPARE_UP_TO + 1 }, (_, i) => i);
      expect(await queryForSize(m, select, [many], many.length)).toEqual([{ n: many.length }]);
      expect(await isPrepared(m)).toHaveLength(0);
      expect(await queryForSize(m, select, [[1, 2]], 2)).toEqual([{ n: 2 }]);
      expect(await isPrepared(m)).toHaveLength(1);
    });
  });
});
