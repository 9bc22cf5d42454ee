import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fitted predictive models (CLV, churn) with their parameters and diagnostics, the per-customer scores they
 * produced, and the score transitions (CLV tier changes) that journeys trigger on.
 */
export class Models1763900003000 implements MigrationInterface {
  name = 'Models1763900003000';

  async up(q: QueryRunner): Promise<void> {
    // Every fit attempt is kept, including failed and non-converged ones (with `error`), so an operator can see
    // why scores did not move. At most one model per kind is current: the one whose scores customer_scores holds.
    await q.query(`
      CREATE TABLE models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('clv', 'churn')),
        status text NOT NULL CHECK (status IN ('fitted', 'failed', 'not_converged')),
        is_current boolean NOT NULL DEFAULT false,
        options jsonb NOT NULL DEFAULT '{}',
        params jsonb,
        standard_errors jsonb,
        log_likelihood double precision,
        sample_size integer,
        repeat_buyers integer,
        fit_ms integer,
        score_ms integer,
        diagnostics jsonb NOT NULL DEFAULT '{}',
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (NOT is_current OR status = 'fitted')
      )`);
    await q.query(`CREATE UNIQUE INDEX models_current_idx ON models (kind) WHERE is_current`);
    await q.query(`CREATE INDEX models_kind_created_idx ON models (kind, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX models_created_idx ON models (created_at DESC, id DESC)`);

    // The model ids are deliberately not foreign keys: a rescoring rewrites 100,000s of rows in one statement, and
    // a per-row key check (and index maintenance) on them would double its cost; models are never deleted.
    await q.query(`
      ALTER TABLE customer_scores
        ADD COLUMN clv_model_id uuid,
        ADD COLUMN p_alive double precision,
        ADD COLUMN expected_purchases double precision,
        ADD COLUMN expected_aov double precision,
        ADD COLUMN clv_at timestamptz,
        ADD COLUMN churn_model_id uuid,
        ADD COLUMN churn_at timestamptz`);

    await q.query(`
      CREATE TABLE score_transitions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('clv_tier_changed')),
        from_value text,
        to_value text,
        model_id uuid,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX score_transitions_customer_idx ON score_transitions (customer_id, at)`);
    // Journey triggers scan forward from their last position: by kind, in insertion order.
    await q.query(`CREATE INDEX score_transitions_kind_idx ON score_transitions (kind, id)`);
    await q.query(`CREATE INDEX score_transitions_model_idx ON score_transitions (model_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS score_transitions`);
    await q.query(`
      ALTER TABLE customer_scores
        DROP COLUMN IF EXISTS clv_model_id,
        DROP COLUMN IF EXISTS p_alive,
        DROP COLUMN IF EXISTS expected_purchases,
        DROP COLUMN IF EXISTS expected_aov,
        DROP COLUMN IF EXISTS clv_at,
        DROP COLUMN IF EXISTS churn_model_id,
        DROP COLUMN IF EXISTS churn_at`);
    await q.query(`DROP TABLE IF EXISTS models`);
  }
}
