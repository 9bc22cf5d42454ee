import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message kinds (transactional mail ignores consent, caps and quiet hours, never a suppression), the journey and node
 * a message was sent from (no foreign key: journeys live in their own module), and a per-journey frequency cap
 * carried by each message (key, at most `cap_max` sent within `cap_within_ms`).
 */
export class MessagingKinds1763900007000 implements MigrationInterface {
  name = 'MessagingKinds1763900007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages
        ADD COLUMN kind text NOT NULL DEFAULT 'marketing' CHECK (kind IN ('marketing', 'transactional')),
        ADD COLUMN journey_id uuid,
        ADD COLUMN node_id text,
        ADD COLUMN cap_key text,
        ADD COLUMN cap_max integer,
        ADD COLUMN cap_within_ms bigint,
        ADD CONSTRAINT messages_cap_check CHECK (
          (cap_key IS NULL AND cap_max IS NULL AND cap_within_ms IS NULL)
          OR (cap_key IS NOT NULL AND cap_max >= 1 AND cap_within_ms >= 1))`);
    await q.query(
      `CREATE INDEX messages_customer_cap_idx ON messages (customer_id, cap_key, sent_at) WHERE cap_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX messages_journey_idx ON messages (journey_id, node_id) WHERE journey_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS messages_journey_idx`);
    await q.query(`DROP INDEX IF EXISTS messages_customer_cap_idx`);
    await q.query(`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_cap_check`);
    for (const column of ['cap_within_ms', 'cap_max', 'cap_key', 'node_id', 'journey_id', 'kind'])
      await q.query(`ALTER TABLE messages DROP COLUMN IF EXISTS ${column}`);
  }
}
