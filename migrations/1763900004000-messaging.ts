import { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox (messages), what happened to each message (message_events), the suppression list, signing secrets. */
export class Messaging1763900004000 implements MigrationInterface {
  name = 'Messaging1763900004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        template_id uuid NOT NULL,
        template_version integer NOT NULL,
        to_email text,
        status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'suppressed', 'skipped')),
        skip_reason text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        claim_token uuid,
        approved_at timestamptz,
        last_error text,
        subject text,
        provider_message_id text,
        message_id_header text NOT NULL,
        context jsonb NOT NULL DEFAULT '{}',
        -- the URLs click links redirect to, by index: a click goes only to a URL that was in this message
        links jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL,
        sent_at timestamptz,
        updated_at timestamptz NOT NULL
      )`);
    // The sender's claim: due queued rows, and sending rows whose lease (next_attempt_at while sending) expired.
    await q.query(
      `CREATE INDEX messages_due_idx ON messages (next_attempt_at) WHERE status IN ('queued', 'sending')`,
    );
    await q.query(`CREATE INDEX messages_customer_sent_idx ON messages (customer_id, sent_at)`);

    await q.query(`
      CREATE TABLE message_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('sent', 'open', 'click', 'bounce', 'complaint', 'unsubscribe')),
        data jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX message_events_message_idx ON message_events (message_id)`);

    await q.query(`
      CREATE TABLE suppressions (
        email text PRIMARY KEY,
        reason text NOT NULL CHECK (reason IN ('unsubscribe', 'bounce', 'complaint', 'manual')),
        at timestamptz NOT NULL
      )`);

    await q.query(`
      CREATE TABLE messaging_secrets (
        name text PRIMARY KEY,
        secret bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['messaging_secrets', 'suppressions', 'message_events', 'messages']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
