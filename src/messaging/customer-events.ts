import type { EntityManager } from 'typeorm';
import { CUSTOMER_CHANGES_CHANNEL } from '../ingestion/message';
import { recomputeStats } from '../ingestion/ingest-messages.usecase';

/**
 * Records an email event the server observed itself (`Unsubscribed`, `Email Bounced`, `Email Opened`, …) as a
 * customer track event, the way ingestion would: idempotent on `messageId`, customer_stats rebuilt for the customer,
 * and the customer queued for incremental segment evaluation. Returns false when the messageId was already stored.
 */
export async function recordCustomerEvent(
  manager: EntityManager,
  customerId: string,
  event: string,
  messageId: string,
  properties: Record<string, unknown>,
  at: Date,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at, context)
     VALUES ($1, $2, 'track', $3, $4, $5, $5, '{"library":{"name":"waymark-messaging"}}')
     ON CONFLICT (message_id) DO NOTHING RETURNING id`,
    [messageId, customerId, event, properties, at],
  );
  if (!rows.length) return false;
  await recomputeStats(manager, [customerId], at);
  await manager.query(
    `INSERT INTO customer_changes (customer_id, changed_at) VALUES ($1, $2)
     ON CONFLICT (customer_id) DO UPDATE SET changed_at = EXCLUDED.changed_at`,
    [customerId, at],
  );
  await manager.query(`SELECT pg_notify('${CUSTOMER_CHANGES_CHANNEL}', '')`);
  return true;
}
