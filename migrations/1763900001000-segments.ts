import { MigrationInterface, QueryRunner } from 'typeorm';

/** Segment definitions with versions, live membership, entered/exited transitions, and per-customer scores. */
export class Segments1763900001000 implements MigrationInterface {
  name = 'Segments1763900001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        name text NOT NULL,
        description text,
        version integer NOT NULL DEFAULT 1,
        rules jsonb NOT NULL,
        min_dwell_seconds integer NOT NULL DEFAULT 0,
        refreshed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE segment_versions (
        segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
        version integer NOT NULL,
        rules jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (segment_id, version)
      )`);
    await q.query(`
      CREATE TABLE segment_memberships (
        segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        entered_at timestamptz NOT NULL,
        PRIMARY KEY (segment_id, customer_id)
      )`);
    await q.query(`CREATE INDEX segment_memberships_customer_idx ON segment_memberships (customer_id)`);
    await q.query(`
      CREATE TABLE segment_transitions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('entered', 'exited')),
        segment_version integer NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX segment_transitions_customer_idx ON segment_transitions (customer_id, at)`);
    await q.query(`CREATE INDEX segment_transitions_segment_idx ON segment_transitions (segment_id, at)`);
    await q.query(`
      CREATE TABLE customer_scores (
        customer_id uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        rfm_recency smallint,
        rfm_frequency smallint,
        rfm_monetary smallint,
        rfm_code text,
        rfm_group text,
        rfm_at timestamptz,
        clv numeric(14, 2),
        clv_tier text,
        churn_probability double precision,
        cluster integer,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Customers whose facts changed, waiting for incremental segment evaluation: a durable queue, claimed with
    // FOR UPDATE SKIP LOCKED, so a crash between ingest and evaluation loses nothing.
    await q.query(`
      CREATE TABLE customer_changes (
        customer_id uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        changed_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX customer_changes_time_idx ON customer_changes (changed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'customer_changes',
      'customer_scores',
      'segment_transitions',
      'segment_memberships',
      'segment_versions',
      'segments',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
