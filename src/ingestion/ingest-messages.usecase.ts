import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { queryForSize } from '../database/prepared-query';
import { Metrics } from '../ops/metrics';
import { Notifier } from '../database/notifier';
import {
  IdentityKind,
  identityKey,
  identityKeys,
  IdentityPlan,
  KnownIdentity,
  planIdentities,
} from './identity-plan';
import { writeEvents } from './write-events';
import { CUSTOMER_CHANGES_CHANNEL, IncomingMessage, ORDER_COMPLETED } from './message';
import { mergeProfileUpdates, ProfileUpdate } from './stats-delta';
import { profileAssignments } from './profile-assignments';

// Besides deadlocks: a customer merged or erased by a concurrent batch (FK violation) or created by one (unique
// violation) between our lookup and our write; the retry plans against the committed state.
const RETRY_ON = ['23503', '23505'];
const FALL_BACK_ON = [...RETRY_ON, '40P01', '40001'];

/**
 * The identity lookup ($1: a JSON array of {kind, value}): one index probe per key, whatever the statistics say. It
 * runs prepared for small lookups (queryForSize), so PostgreSQL keeps one generic plan per connection once it costs
 * no more than the custom ones. As a plain join that plan hashed a sequential scan of the whole identity table while
 * the table was small (0.47 against 0.05 ms a call at 1,000 identities) and kept it as the table grew, until an
 * ANALYZE; OFFSET 0 keeps the planner from flattening the lateral subquery back into that join. The keys come as
 * json_to_recordset, whose row estimate is the same with and without the values: from unnest of the arrays, custom
 * plans saw the real length, costed below the generic plan, and the statement was planned on every call
 * (0.28 ms, four times its run).
 */
export const KNOWN_IDENTITIES_SQL = `SELECT k.kind, k.value, x.customer_id, x.external_id
  FROM json_to_recordset($1::json) AS k(kind text, value text)
  CROSS JOIN LATERAL (
    SELECT i.customer_id, c.external_id FROM customer_identities i JOIN customers c ON c.id = i.customer_id
     WHERE i.kind = k.kind AND i.value = k.value OFFSET 0) x`;

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
    private readonly dataSource: DataSource,
    private readonly tx: TransactionService,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly notifier: Notifier,
  ) {}

  async execute(all: IncomingMessage[]): Promise<IngestResult> {
    const stored = await this.storedIds(all);
    return { stored: stored.size, duplicates: all.length - stored.size };
  }

  /** Stores the messages; returns the messageIds stored now (a replayed or repeated messageId is not). */
  async storedIds(all: IncomingMessage[]): Promise<Set<string>> {
    if (!all.length) return new Set();
    const seen = new Set<string>();
    const messages = all.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
    const keys = identityKeys(messages);
    const { stored, queued } =
      (await this.storeKnown(messages, keys)) ??
      (await this.tx.run((manager) => this.store(manager, messages, keys), RETRY_ON));
    // Committed by now: the segment workers can see the queued customers when they wake.
    if (queued) this.notifier.notify(CUSTOMER_CHANGES_CHANNEL);
    const byType: Record<string, number> = {};
    for (const m of stored) byType[m.type] = (byType[m.type] ?? 0) + 1;
    this.metrics.countIngested(byType, all.length - stored.length);
    return new Set(stored.map((m) => m.messageId));
  }

  /**
   * The common case: messages of customers who are all known (profiles may change). One statement, no
   * transaction. Returns undefined when the batch needs the full path (new or merged identities, alias calls, or
   * a customer merged or erased concurrently).
   */
  private async storeKnown(messages: IncomingMessage[], keys: { kind: IdentityKind; value: string }[]) {
    if (messages.some((m) => m.type === 'alias')) return undefined;
    const plan = planIdentities(
      messages,
      await this.knownIdentities(this.dataSource.manager, keys),
      randomUUID,
    );
    if (changesIdentities(plan)) return undefined;
    try {
      const emails = plan.newIdentities.map((i) => ({ value: i.value, customerId: i.customerId }));
      return await this.write(this.dataSource.manager, messages, plan.customerOf, [], emails);
    } catch (error) {
      // Deadlocks against concurrent batches, or a customer merged/erased meanwhile: the transactional path retries.
      if (FALL_BACK_ON.includes((error as { code?: string }).code ?? '')) return undefined;
      throw error;
    }
  }

  private async store(
    manager: EntityManager,
    messages: IncomingMessage[],
    keys: { kind: IdentityKind; value: string }[],
  ) {
    // We only get here when the batch creates or moves identities (or the fast path failed): every writer of an
    // identity holds its lock, so two batches never create the same customer twice. Locking before the one lookup
    // plans on what is committed now, without a lookup of its own beforehand.
    await manager.query(
      `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k ORDER BY 1) s`,
      [keys.map((k) => identityKey(k.kind, k.value))],
    );
    const plan = planIdentities(messages, await this.knownIdentities(manager, keys), randomUUID);
    await this.applyIdentityPlan(manager, plan, this.clock.now());
    const merged = [...new Set(plan.merges.map((m) => m.into))];
    const stored = await this.write(manager, messages, plan.customerOf, merged, []);
    if (merged.length) await recomputeStats(manager, merged, this.clock.now());
    return stored;
  }

  /**
   * Writes the batch; returns the messages actually stored (replayed messageIds are skipped and change nothing) and
   * whether customers were newly queued for segment evaluation.
   */
  private async write(
    manager: EntityManager,
    messages: IncomingMessage[],
    customerOf: string[],
    merged: string[],
    emails: { value: string; customerId: string }[],
  ): Promise<{ stored: IncomingMessage[]; queued: boolean }> {
    const customerOfId = new Map(messages.map((m, i) => [m.messageId, customerOf[i]]));
    const customerOfMessage = (m: IncomingMessage) => customerOfId.get(m.messageId)!;
    const identifies = messages.filter((m) => m.type === 'identify');
    const profiles = mergeProfileUpdates(identifies, customerOfMessage);
    const now = this.clock.now();
    const { inserted, queued } = await writeEvents(
      manager,
      messages,
      customerOf,
      merged,
      now,
      profiles,
      emails,
    );
    // A customer with some identify calls stored and some replayed: apply the stored ones alone.
    const partial = new Set(
      profiles
        .filter(
          (u) => u.messageIds.some((id) => inserted.has(id)) && !u.messageIds.every((id) => inserted.has(id)),
        )
        .map((u) => u.customerId),
    );
    if (partial.size) {
      const again = identifies.filter((m) => inserted.has(m.messageId) && partial.has(customerOfMessage(m)));
      await this.updateProfiles(manager, mergeProfileUpdates(again, customerOfMessage), now);
    }
    return { stored: messages.filter((m) => inserted.has(m.messageId)), queued };
  }

  private async knownIdentities(manager: EntityManager, keys: { kind: string; value: string }[]) {
    const rows = await queryForSize<{
      kind: 'userId';
      value: string;
      customer_id: string;
      external_id: string | null;
    }>(manager, KNOWN_IDENTITIES_SQL, [JSON.stringify(keys)], keys.length);
    const known = new Map<string, KnownIdentity>();
    for (const r of rows)
      known.set(identityKey(r.kind, r.value), { customerId: r.customer_id, customerUserId: r.external_id });
    return known;
  }

  private async applyIdentityPlan(manager: EntityManager, plan: IdentityPlan, now: Date): Promise<void> {
    if (!plan.merges.length) return writeIdentities(manager, plan, now);
    // A merge may target a customer created here, and identities are linked after the merges moved theirs.
    await writeIdentities(manager, { ...plan, externalIds: [], newIdentities: [] }, now);
    for (const { from, into } of plan.merges) await mergeCustomer(manager, from, into, now);
    await writeIdentities(manager, { ...plan, newCustomers: [] }, now);
  }

  private async updateProfiles(manager: EntityManager, updates: ProfileUpdate[], now: Date) {
    if (!updates.length) return;
    await manager.query(
      `UPDATE customers c SET ${profileAssignments('$7')}
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
}

/** True when a plan creates or moves identities (email links are conflict-tolerant and need no lock). */
function changesIdentities(plan: IdentityPlan): boolean {
  return (
    plan.newCustomers.length > 0 ||
    plan.merges.length > 0 ||
    plan.externalIds.length > 0 ||
    plan.newIdentities.some((i) => i.kind !== 'email')
  );
}

/**
 * Creates customers, sets the userId of anonymous ones and links identities, in one statement (a round trip each
 * used to be most of a new customer's cost). The identities' foreign keys are checked at the end of the statement,
 * so they may name customers inserted by it.
 */
async function writeIdentities(
  manager: EntityManager,
  plan: Pick<IdentityPlan, 'newCustomers' | 'externalIds' | 'newIdentities'>,
  now: Date,
): Promise<void> {
  const { newCustomers, externalIds, newIdentities } = plan;
  if (!newCustomers.length && !externalIds.length && !newIdentities.length) return;
  await manager.query(
    `WITH created AS (
       INSERT INTO customers (id, external_id, created_at, updated_at)
       SELECT id, external_id, $8, $8 FROM unnest($1::uuid[], $2::text[]) AS t(id, external_id)
       RETURNING 1),
     named AS (
       UPDATE customers c SET external_id = t.external_id, updated_at = $8
         FROM unnest($3::uuid[], $4::text[]) AS t(id, external_id) WHERE c.id = t.id
       RETURNING 1),
     linked AS (
       INSERT INTO customer_identities (kind, value, customer_id, created_at)
       SELECT kind, value, customer_id, $8 FROM unnest($5::text[], $6::text[], $7::uuid[]) AS t(kind, value, customer_id)
       ON CONFLICT DO NOTHING
       RETURNING 1)
     SELECT (SELECT count(*) FROM created) + (SELECT count(*) FROM named) + (SELECT count(*) FROM linked) AS n`,
    [
      newCustomers.map((c) => c.id),
      newCustomers.map((c) => c.externalId),
      externalIds.map((e) => e.customerId),
      externalIds.map((e) => e.externalId),
      newIdentities.map((i) => i.kind),
      newIdentities.map((i) => i.value),
      newIdentities.map((i) => i.customerId),
      now,
    ],
  );
}

/** Moves an anonymous customer's identities, events and traits into the identified one, then removes it. */
async function mergeCustomer(manager: EntityManager, from: string, into: string, now: Date): Promise<void> {
  // Locked first: a concurrent batch still adding events to `from` finishes before they are moved (its FK check
  // holds a key-share lock), and one that comes later fails its FK check and is retried against the merged state.
  await manager.query(`SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, [from]);
  await manager.query(`UPDATE customer_identities SET customer_id = $2 WHERE customer_id = $1`, [from, into]);
  await manager.query(`UPDATE events SET customer_id = $2 WHERE customer_id = $1`, [from, into]);
  // Journey runs follow the person (an anonymous cart becomes the known customer's), except a live run the
  // known customer already has in the same journey: that one stays and the anonymous duplicate goes.
  await manager.query(
    `UPDATE journey_runs r SET customer_id = $2 WHERE r.customer_id = $1
        AND NOT (r.status IN ('active', 'waiting') AND EXISTS (
              SELECT 1 FROM journey_runs o WHERE o.customer_id = $2 AND o.journey_id = r.journey_id
                 AND o.run_key = r.run_key AND o.status IN ('active', 'waiting')))`,
    [from, into],
  );
  await manager.query(`UPDATE journey_inbox SET customer_id = $2 WHERE customer_id = $1`, [from, into]);
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
