import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { Metrics } from '../ops/metrics';
import { identityKey, identityKeys, IdentityPlan, KnownIdentity, planIdentities } from './identity-plan';
import { IncomingMessage, ORDER_COMPLETED } from './message';
import { accumulateStats, mergeProfileUpdates } from './stats-delta';
import { orderAmount } from './validate-message';

export interface IngestResult {
  /** Messages stored now. */
  stored: number;
  /** Messages whose messageId was already stored: skipped, with no effect. */
  duplicates: number;
}

/**
 * Stores a batch of validated messages in one transaction with one statement per table: identities resolved and
 * merged, events inserted (idempotent on messageId), profiles and customer_stats brought up to date.
 */
@Injectable()
export class IngestMessagesUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  async execute(messages: IncomingMessage[]): Promise<IngestResult> {
    if (!messages.length) return { stored: 0, duplicates: 0 };
    const result = await this.tx.run((manager) => this.store(manager, messages));
    const byType: Record<string, number> = {};
    for (const t of result.storedTypes) byType[t] = (byType[t] ?? 0) + 1;
    this.metrics.countIngested(byType, result.duplicates);
    return { stored: result.storedTypes.length, duplicates: result.duplicates };
  }

  private async store(manager: EntityManager, all: IncomingMessage[]) {
    const keys = identityKeys(all);
    // Every writer of these identities holds these locks, so two batches never create the same customer twice.
    await manager.query(
      `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k ORDER BY 1) s`,
      [keys.map((k) => identityKey(k.kind, k.value))],
    );

    const messages = await this.withoutDuplicates(manager, all);
    const duplicates = all.length - messages.length;
    if (!messages.length) return { storedTypes: [] as string[], duplicates };

    const known = await this.knownIdentities(manager, keys);
    const plan = planIdentities(messages, known, randomUUID);
    const now = this.clock.now();
    await this.applyIdentityPlan(manager, plan, now);

    const inserted = await this.insertEvents(manager, messages, plan.customerOf);
    const stored = messages.filter((m) => inserted.has(m.messageId));
    const customerOf = new Map(messages.map((m, i) => [m.messageId, plan.customerOf[i]]));
    const merged = new Set(plan.merges.map((m) => m.into));

    await this.updateProfiles(manager, stored, customerOf, now);
    await this.upsertStats(
      manager,
      stored.filter((m) => !merged.has(customerOf.get(m.messageId)!)),
      customerOf,
      now,
    );
    if (merged.size) await recomputeStats(manager, [...merged], now);
    return {
      storedTypes: stored.map((m) => m.type),
      duplicates: duplicates + (messages.length - stored.length),
    };
  }

  private async withoutDuplicates(
    manager: EntityManager,
    messages: IncomingMessage[],
  ): Promise<IncomingMessage[]> {
    const seen = new Set<string>();
    const unique = messages.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
    const ids = unique.filter((m) => !m.generatedMessageId).map((m) => m.messageId);
    if (!ids.length) return unique;
    const rows: { message_id: string }[] = await manager.query(
      `SELECT message_id FROM events WHERE message_id = ANY($1::text[])`,
      [ids],
    );
    if (!rows.length) return unique;
    const stored = new Set(rows.map((r) => r.message_id));
    return unique.filter((m) => !stored.has(m.messageId));
  }

  private async knownIdentities(manager: EntityManager, keys: { kind: string; value: string }[]) {
    const rows: { kind: 'userId'; value: string; customer_id: string; external_id: string | null }[] =
      await manager.query(
        `SELECT i.kind, i.value, i.customer_id, c.external_id
         FROM customer_identities i JOIN customers c ON c.id = i.customer_id
        WHERE (i.kind, i.value) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [keys.map((k) => k.kind), keys.map((k) => k.value)],
      );
    const known = new Map<string, KnownIdentity>();
    for (const r of rows)
      known.set(identityKey(r.kind, r.value), { customerId: r.customer_id, customerUserId: r.external_id });
    return known;
  }

  private async applyIdentityPlan(manager: EntityManager, plan: IdentityPlan, now: Date): Promise<void> {
    if (plan.newCustomers.length) {
      await manager.query(
        `INSERT INTO customers (id, external_id, created_at, updated_at)
         SELECT id, external_id, $3, $3 FROM unnest($1::uuid[], $2::text[]) AS t(id, external_id)`,
        [plan.newCustomers.map((c) => c.id), plan.newCustomers.map((c) => c.externalId), now],
      );
    }
    for (const { from, into } of plan.merges) await mergeCustomer(manager, from, into, now);
    for (const { customerId, externalId } of plan.externalIds) {
      await manager.query(`UPDATE customers SET external_id = $2, updated_at = $3 WHERE id = $1`, [
        customerId,
        externalId,
        now,
      ]);
    }
    if (plan.newIdentities.length) {
      await manager.query(
        `INSERT INTO customer_identities (kind, value, customer_id, created_at)
         SELECT kind, value, customer_id, $4 FROM unnest($1::text[], $2::text[], $3::uuid[]) AS t(kind, value, customer_id)
         ON CONFLICT DO NOTHING`,
        [
          plan.newIdentities.map((i) => i.kind),
          plan.newIdentities.map((i) => i.value),
          plan.newIdentities.map((i) => i.customerId),
          now,
        ],
      );
    }
  }

  private async insertEvents(
    manager: EntityManager,
    messages: IncomingMessage[],
    customerOf: string[],
  ): Promise<Set<string>> {
    const rows: { message_id: string }[] = await manager.query(
      `INSERT INTO events (message_id, customer_id, type, event, properties, "timestamp", original_timestamp, sent_at, received_at, context)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::timestamptz[],
                            $8::timestamptz[], $9::timestamptz[], $10::jsonb[])
       ON CONFLICT (message_id) DO NOTHING
       RETURNING message_id`,
      [
        messages.map((m) => m.messageId),
        customerOf,
        messages.map((m) => m.type),
        messages.map((m) => m.event ?? null),
        messages.map((m) =>
          JSON.stringify(m.type === 'identify' || m.type === 'group' ? m.traits : m.properties),
        ),
        messages.map((m) => m.timestamp),
        messages.map((m) => m.originalTimestamp ?? null),
        messages.map((m) => m.sentAt ?? null),
        messages.map((m) => m.receivedAt),
        messages.map((m) => JSON.stringify(m.context)),
      ],
    );
    return new Set(rows.map((r) => r.message_id));
  }

  private async updateProfiles(
    manager: EntityManager,
    stored: IncomingMessage[],
    customerOf: Map<string, string>,
    now: Date,
  ) {
    const updates = mergeProfileUpdates(
      stored.filter((m) => m.type === 'identify'),
      (m) => customerOf.get(m.messageId)!,
    );
    if (!updates.length) return;
    await manager.query(
      `UPDATE customers c SET
         traits = c.traits || u.traits,
         email = coalesce(u.email, c.email),
         timezone = coalesce(u.timezone, c.timezone),
         marketing_consent = CASE WHEN u.consent IS NOT NULL AND (c.consent_at IS NULL OR u.consent_at >= c.consent_at)
                                  THEN u.consent ELSE c.marketing_consent END,
         consent_source = CASE WHEN u.consent IS NOT NULL AND (c.consent_at IS NULL OR u.consent_at >= c.consent_at)
                               THEN 'identify' ELSE c.consent_source END,
         consent_at = CASE WHEN u.consent IS NOT NULL AND (c.consent_at IS NULL OR u.consent_at >= c.consent_at)
                           THEN u.consent_at ELSE c.consent_at END,
         updated_at = $7
       FROM unnest($1::uuid[], $2::jsonb[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[])
            AS u(id, traits, email, timezone, consent, consent_at)
       WHERE c.id = u.id`,
      [
        updates.map((u) => u.customerId),
        updates.map((u) => JSON.stringify(u.traits)),
        updates.map((u) => u.email),
        updates.map((u) => u.timezone),
        updates.map((u) => u.consent),
        updates.map((u) => u.consentAt),
        now,
      ],
    );
  }

  private async upsertStats(
    manager: EntityManager,
    stored: IncomingMessage[],
    customerOf: Map<string, string>,
    now: Date,
  ) {
    const deltas = accumulateStats(
      stored,
      (m) => customerOf.get(m.messageId)!,
      (m) =>
        m.type === 'track' && m.event === ORDER_COMPLETED ? (orderAmount(m.properties) ?? 0) : undefined,
    );
    if (!deltas.length) return;
    await manager.query(
      `INSERT INTO customer_stats AS s (customer_id, first_seen_at, last_seen_at, first_order_at, last_order_at, orders_count,
                                        revenue_total, events_count, event_counts, updated_at)
       SELECT *, $10::timestamptz FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[],
                             $5::timestamptz[], $6::int[], $7::numeric[], $8::int[], $9::jsonb[])
       ON CONFLICT (customer_id) DO UPDATE SET
         first_seen_at = LEAST(s.first_seen_at, EXCLUDED.first_seen_at),
         last_seen_at = GREATEST(s.last_seen_at, EXCLUDED.last_seen_at),
         first_order_at = LEAST(s.first_order_at, EXCLUDED.first_order_at),
         last_order_at = GREATEST(s.last_order_at, EXCLUDED.last_order_at),
         orders_count = s.orders_count + EXCLUDED.orders_count,
         revenue_total = s.revenue_total + EXCLUDED.revenue_total,
         events_count = s.events_count + EXCLUDED.events_count,
         event_counts = (SELECT coalesce(jsonb_object_agg(k, coalesce((s.event_counts ->> k)::int, 0)
                                                           + coalesce((EXCLUDED.event_counts ->> k)::int, 0)), '{}')
                           FROM (SELECT jsonb_object_keys(s.event_counts) UNION SELECT jsonb_object_keys(EXCLUDED.event_counts)) AS keys(k)),
         updated_at = EXCLUDED.updated_at`,
      [
        deltas.map((d) => d.customerId),
        deltas.map((d) => d.firstSeenAt),
        deltas.map((d) => d.lastSeenAt),
        deltas.map((d) => d.firstOrderAt),
        deltas.map((d) => d.lastOrderAt),
        deltas.map((d) => d.ordersCount),
        deltas.map((d) => d.revenueTotal.toFixed(2)),
        deltas.map((d) => d.eventsCount),
        deltas.map((d) => JSON.stringify(d.eventCounts)),
        now,
      ],
    );
  }
}

/** Moves an anonymous customer's identities, events and traits into the identified one, then removes it. */
async function mergeCustomer(manager: EntityManager, from: string, into: string, now: Date): Promise<void> {
  await manager.query(`UPDATE customer_identities SET customer_id = $2 WHERE customer_id = $1`, [from, into]);
  await manager.query(`UPDATE events SET customer_id = $2 WHERE customer_id = $1`, [from, into]);
  await manager.query(
    `UPDATE customers c SET traits = f.traits || c.traits, email = coalesce(c.email, f.email),
            timezone = coalesce(c.timezone, f.timezone),
            marketing_consent = CASE WHEN f.consent_at > coalesce(c.consent_at, '-infinity') THEN f.marketing_consent ELSE c.marketing_consent END,
            consent_source = CASE WHEN f.consent_at > coalesce(c.consent_at, '-infinity') THEN f.consent_source ELSE c.consent_source END,
            consent_at = GREATEST(c.consent_at, f.consent_at),
            updated_at = $3
       FROM customers f WHERE c.id = $2 AND f.id = $1`,
    [from, into, now],
  );
  await manager.query(`DELETE FROM customers WHERE id = $1`, [from]);
}

/** Rebuilds customer_stats from the event log, for customers whose history just changed shape (merges). */
export async function recomputeStats(
  manager: EntityManager,
  customerIds: string[],
  now: Date,
): Promise<void> {
  await manager.query(
    `INSERT INTO customer_stats AS s (customer_id, first_seen_at, last_seen_at, first_order_at, last_order_at, orders_count,
                                      revenue_total, events_count, event_counts, updated_at)
     SELECT e.customer_id, min(e."timestamp"), max(e."timestamp"),
            min(e."timestamp") FILTER (WHERE e.type = 'track' AND e.event = '${ORDER_COMPLETED}'),
            max(e."timestamp") FILTER (WHERE e.type = 'track' AND e.event = '${ORDER_COMPLETED}'),
            count(*) FILTER (WHERE e.type = 'track' AND e.event = '${ORDER_COMPLETED}'),
            coalesce(sum(coalesce((e.properties ->> 'revenue')::numeric, (e.properties ->> 'total')::numeric, 0))
                       FILTER (WHERE e.type = 'track' AND e.event = '${ORDER_COMPLETED}'), 0),
            count(*),
            coalesce((SELECT jsonb_object_agg(x.event, x.n) FROM (
                        SELECT event, count(*) AS n FROM events WHERE customer_id = e.customer_id AND event IS NOT NULL GROUP BY event) x), '{}'),
            $2
       FROM events e WHERE e.customer_id = ANY($1::uuid[]) GROUP BY e.customer_id
     ON CONFLICT (customer_id) DO UPDATE SET
       first_seen_at = EXCLUDED.first_seen_at, last_seen_at = EXCLUDED.last_seen_at,
       first_order_at = EXCLUDED.first_order_at, last_order_at = EXCLUDED.last_order_at,
       orders_count = EXCLUDED.orders_count, revenue_total = EXCLUDED.revenue_total,
       events_count = EXCLUDED.events_count, event_counts = EXCLUDED.event_counts, updated_at = EXCLUDED.updated_at`,
    [customerIds, now],
  );
}
