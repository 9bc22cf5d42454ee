import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { loadCustomerFacts } from './customer-facts.loader';
import { evaluate, eventsNeeded } from './rules/evaluate';
import { dependencyOrder } from './segment-order';
import { SEGMENT_COLUMNS, SegmentRow } from './segment.types';

const CLAIM = 500;

/**
 * Incremental evaluation: claims customers whose facts changed (FOR UPDATE SKIP LOCKED, so any number of workers
 * can drain the queue), evaluates every active segment for them with json-rules-engine, and commits the membership
 * changes and their transitions in the same transaction as the claim.
 */
@Injectable()
export class EvaluateChangesUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  /** Processes one claim; returns how many customers it evaluated (0 when the queue is empty). */
  async executeOnce(): Promise<number> {
    return this.tx.run(async (manager) => {
      // DELETE … RETURNING comes back from TypeORM as [rows, count].
      const [claimed]: [{ customer_id: string }[], number] = await manager.query(
        `DELETE FROM customer_changes WHERE customer_id IN (
           SELECT customer_id FROM customer_changes ORDER BY changed_at LIMIT ${CLAIM} FOR UPDATE SKIP LOCKED)
         RETURNING customer_id`,
      );
      if (!claimed.length) return 0;
      await this.evaluateCustomers(
        manager,
        claimed.map((c) => c.customer_id),
      );
      return claimed.length;
    });
  }

  async evaluateCustomers(manager: EntityManager, customerIds: string[]): Promise<void> {
    const segments = dependencyOrder(
      await manager.query(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE archived_at IS NULL`),
    );
    if (!segments.length) return;
    const now = this.clock.now();
    const facts = await loadCustomerFacts(manager, customerIds, mergeNeeds(segments, now));
    const entered: [string, string, number][] = [];
    const exited: [string, string, number][] = [];
    const enteredAt = await this.membershipTimes(manager, customerIds);

    for (const segment of segments) {
      for (const [customerId, f] of facts) {
        const isMember = f.segments.includes(segment.key);
        const matched = (await evaluate(segment.rules, f, now)).matched;
        if (matched && !isMember) {
          entered.push([segment.id, customerId, segment.version]);
          f.segments = [...f.segments, segment.key];
        } else if (!matched && isMember) {
          const since = enteredAt.get(`${segment.id}:${customerId}`);
          if (since && now.getTime() - since.getTime() < segment.minDwellSeconds * 1000) continue;
          exited.push([segment.id, customerId, segment.version]);
          f.segments = f.segments.filter((k: string) => k !== segment.key);
        }
      }
    }
    await applyTransitions(manager, entered, exited, now);
  }

  private async membershipTimes(manager: EntityManager, customerIds: string[]) {
    const rows: { segment_id: string; customer_id: string; entered_at: Date }[] = await manager.query(
      `SELECT segment_id, customer_id, entered_at FROM segment_memberships WHERE customer_id = ANY($1::uuid[])`,
      [customerIds],
    );
    return new Map(rows.map((r) => [`${r.segment_id}:${r.customer_id}`, r.entered_at]));
  }
}

/** The union of the events every definition reads, from the oldest window start (unbounded if any is). */
function mergeNeeds(segments: SegmentRow[], now: Date): { names: string[]; since: Date | null } {
  const names = new Set<string>();
  let since: Date | null | undefined;
  for (const s of segments) {
    const need = eventsNeeded(s.rules, now);
    if (!need.names.length) continue;
    need.names.forEach((n) => names.add(n));
    if (since === null || need.since === null) since = null;
    else if (since === undefined || need.since < since) since = need.since;
  }
  return { names: [...names], since: since ?? null };
}

/** Writes entered/exited memberships and transitions with one statement each. */
export async function applyTransitions(
  manager: EntityManager,
  entered: [string, string, number][],
  exited: [string, string, number][],
  now: Date,
): Promise<void> {
  if (entered.length) {
    await manager.query(
      `INSERT INTO segment_memberships (segment_id, customer_id, entered_at)
       SELECT s, c, $3 FROM unnest($1::uuid[], $2::uuid[]) AS t(s, c) ON CONFLICT DO NOTHING`,
      [entered.map((e) => e[0]), entered.map((e) => e[1]), now],
    );
  }
  if (exited.length) {
    await manager.query(
      `DELETE FROM segment_memberships m USING unnest($1::uuid[], $2::uuid[]) AS t(s, c)
        WHERE m.segment_id = t.s AND m.customer_id = t.c`,
      [exited.map((e) => e[0]), exited.map((e) => e[1])],
    );
  }
  const all = [
    ...entered.map((e) => [...e, 'entered'] as const),
    ...exited.map((e) => [...e, 'exited'] as const),
  ];
  if (all.length) {
    await manager.query(
      `INSERT INTO segment_transitions (segment_id, customer_id, segment_version, kind, at)
       SELECT * , $5::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[])`,
      [all.map((a) => a[0]), all.map((a) => a[1]), all.map((a) => a[2]), all.map((a) => a[3]), now],
    );
  }
}
