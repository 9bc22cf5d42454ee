import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionService } from '../database/transaction.service';
import { CUSTOMER_CHANGES_CHANNEL } from '../ingestion/message';

/**
 * Records an email event the server observed itself (`Unsubscribed`, `Email Bounced`, `Email Opened`, …) as a
 * customer track event, the way ingestion would: idempotent on `messageId`, customer_stats brought up to date and
 * the customer queued for incremental segment evaluation, in one statement; the segment workers are woken once the
 * caller's transaction commits. These events are never orders, so the stats change is a delta (seen times,
 * counters) rather than a rebuild from the event log. One event of the batch form below.
 */
@Injectable()
export class CustomerEventRecorder {
  constructor(private readonly tx: TransactionService) {}

  /** Returns false when the messageId was already stored. */
  async record(
    manager: EntityManager,
    customerId: string,
    event: string,
    messageId: string,
    properties: Record<string, unknown>,
    at: Date,
  ): Promise<boolean> {
    const [{ inserted }] = await manager.query(
      `WITH source AS (SELECT $1::text AS message_id, $2::uuid AS customer_id, $4::jsonb AS properties),
       ${customerEventsCtes('source', '$3::text', '$5::timestamptz')}
       SELECT (SELECT count(*) FROM ev)::int AS inserted`,
      [messageId, customerId, event, properties, at],
    );
    if (inserted > 0) await this.tx.notifyOnCommit(manager, CUSTOMER_CHANGES_CHANNEL);
    return inserted > 0;
  }
}

/**
 * `CustomerEventRecorder.record` for many events of one name in the same statement: CTEs to append to a `WITH` whose CTE
 * `source` yields (message_id, customer_id, properties). `event` and `at` are SQL expressions (parameters). The CTE
 * `ev` holds the customers of the events actually inserted (one row each); when it has any, the caller wakes the
 * segment workers after its commit (TransactionService.notifyOnCommit with CUSTOMER_CHANGES_CHANNEL). Stats and
 * queue rows are written once per customer (a statement may not upsert the same row twice).
 * PostgreSQL runs every data-modifying CTE to completion whether or not the final SELECT reads it.
 */
export function customerEventsCtes(source: string, event: string, at: string): string {
  return `ev AS (
       INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", received_at, context)
       SELECT message_id, customer_id, 'track', ${event}, properties, ${at}, ${at}, '{"library":{"name":"waymark-messaging"}}'
         FROM ${source}
       ON CONFLICT (message_id) DO NOTHING RETURNING customer_id),
     -- in customer order, as every writer of these rows takes their locks
     per_customer AS (SELECT customer_id, count(*)::int AS n FROM ev GROUP BY customer_id ORDER BY customer_id),
     stats AS (
       INSERT INTO customer_stats AS s (customer_id, first_seen_at, last_seen_at, events_count, event_counts, updated_at)
       SELECT customer_id, ${at}, ${at}, n, jsonb_build_object(${event}::text, n), ${at} FROM per_customer
       ON CONFLICT (customer_id) DO UPDATE SET
         first_seen_at = LEAST(s.first_seen_at, EXCLUDED.first_seen_at),
         last_seen_at = GREATEST(s.last_seen_at, EXCLUDED.last_seen_at),
         events_count = s.events_count + EXCLUDED.events_count,
         event_counts = s.event_counts || jsonb_build_object(${event}::text,
           coalesce((s.event_counts ->> ${event}::text)::int, 0) + EXCLUDED.events_count),
         updated_at = EXCLUDED.updated_at
       RETURNING 1),
     queued AS (
       INSERT INTO customer_changes (customer_id, changed_at) SELECT customer_id, ${at} FROM per_customer
       ON CONFLICT (customer_id) DO UPDATE SET changed_at = EXCLUDED.changed_at
       RETURNING 1)`;
}
