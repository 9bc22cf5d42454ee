import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automatic winner promotion (winner_policy), who promoted the winner ('auto' or the API key's id), and an index
 * for the experiment results' message query.
 */
export class ExperimentsWinnerPolicy1763900008000 implements MigrationInterface {
  name = 'ExperimentsWinnerPolicy1763900008000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE experiments
        ADD COLUMN winner_policy text NOT NULL DEFAULT 'manual' CHECK (winner_policy IN ('manual', 'auto')),
        ADD COLUMN promoted_by text`);
    // the scheduled check reads only running auto-policy experiments without a winner
    await q.query(
      `CREATE INDEX experiments_auto_promotion_idx ON experiments (key)
        WHERE status = 'running' AND winner_policy = 'auto' AND winner IS NULL`,
    );

    // Experiment results read one experiment's messages; the expression statistics of this index also tell the
    // planner how many messages an experiment (and an arm) has, which it cannot guess from the jsonb column.
    await q.query(
      `CREATE INDEX messages_experiment_idx ON messages ((context ->> 'experiment'), (context ->> 'variant'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messages_experiment_idx`);
    await q.query(`DROP INDEX IF EXISTS experiments_auto_promotion_idx`);
    await q.query(
      `ALTER TABLE experiments DROP COLUMN IF EXISTS promoted_by, DROP COLUMN IF EXISTS winner_policy`,
    );
  }
}
