import { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys, customers with identities and consent, the event log, the per-customer feature row, the audit log. */
export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'ingest', 'read')),
        key_hash bytea NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        external_id text UNIQUE,
        email text,
        traits jsonb NOT NULL DEFAULT '{}',
        timezone text,
        marketing_consent boolean,
        consent_source text,
        consent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX customers_email_idx ON customers (lower(email))`);

    await q.query(`
      CREATE TABLE customer_identities (
        kind text NOT NULL CHECK (kind IN ('userId', 'anonymousId', 'email')),
        value text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, value)
      )`);
    await q.query(`CREATE INDEX customer_identities_customer_idx ON customer_identities (customer_id)`);

    // message_id is unique on its own (not with the timestamp) because a replay without a client timestamp gets a
    // new server timestamp; monthly partitioning would move this uniqueness into a narrow side table.
    await q.query(`
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('identify', 'track', 'page', 'screen', 'group', 'alias')),
        event text,
        properties jsonb NOT NULL DEFAULT '{}',
        "timestamp" timestamptz NOT NULL,
        original_timestamp timestamptz,
        sent_at timestamptz,
        received_at timestamptz NOT NULL,
        context jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE UNIQUE INDEX events_message_id_idx ON events (message_id)`);
    await q.query(`CREATE INDEX events_customer_time_idx ON events (customer_id, "timestamp")`);
    await q.query(`CREATE INDEX events_name_time_idx ON events (event, "timestamp")`);

    await q.query(`
      CREATE TABLE customer_stats (
        customer_id uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        first_seen_at timestamptz,
        last_seen_at timestamptz,
        first_order_at timestamptz,
        last_order_at timestamptz,
        orders_count integer NOT NULL DEFAULT 0,
        revenue_total numeric(14, 2) NOT NULL DEFAULT 0,
        avg_order_value numeric(14, 2) GENERATED ALWAYS AS (
          CASE WHEN orders_count > 0 THEN round(revenue_total / orders_count, 2) END) STORED,
        events_count integer NOT NULL DEFAULT 0,
        event_counts jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_key_id uuid,
        actor_name text,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_log',
      'customer_stats',
      'events',
      'customer_identities',
      'customers',
      'api_keys',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
