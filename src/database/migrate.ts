import type { DataSource } from 'typeorm';

// Any 64-bit constant works; it only has to be the same in every Waymark process sharing the database.
const MIGRATION_LOCK = 7_236_001;

/** Applies pending migrations, one process at a time, so several servers can start together. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
