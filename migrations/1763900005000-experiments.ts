import { MigrationInterface, QueryRunner } from 'typeorm';

/** Experiments (arms or factors, metrics, window, status) and the sticky assignment of customers to arms. */
export class Experiments1763900005000 implements MigrationInterface {
  name = 'Experiments1763900005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        name text NOT NULL,
        description text,
        -- {arms?, factors?, holdout?} as validated by experiment-definition.ts
        definition jsonb NOT NULL,
        primary_metric text NOT NULL,
        guardrail_metrics text[] NOT NULL DEFAULT '{}',
        min_sample_per_arm integer NOT NULL DEFAULT 0,
        starts_at timestamptz,
        ends_at timestamptz,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped')),
        allocation text NOT NULL DEFAULT 'fixed' CHECK (allocation IN ('fixed', 'thompson')),
        winner text,
        promoted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE experiment_assignments (
        experiment_id uuid NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        -- null for the holdout, which receives nothing
        arm text,
        holdout boolean NOT NULL DEFAULT false,
        -- keys of the segments the customer was in when assigned, so KPIs can be cut by them
        segments text[] NOT NULL DEFAULT '{}',
        -- the arm weights in force when the customer was assigned (arm order), for the sample-ratio check
        -- across weight changes; null when the weights did not decide (holdout, promoted winner)
        weights float8[],
        assigned_at timestamptz NOT NULL,
        PRIMARY KEY (experiment_id, customer_id)
      )`);
    await q.query(`CREATE INDEX experiment_assignments_customer_idx ON experiment_assignments (customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS experiment_assignments`);
    await q.query(`DROP TABLE IF EXISTS experiments`);
  }
}
