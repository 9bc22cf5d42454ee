import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../database/clock';
import { queryPrepared } from '../database/prepared-query';
import { TransactionService } from '../database/transaction.service';
import { loadEvaluationFacts } from './customer-facts.loader';
import { evaluate, eventsNeeded } from './rules/evaluate';
import { dependencyOrder } from './segment-order';
import { SEGMENT_COLUMNS, SegmentRow } from './segment.types';

/** Customers per claim. */
export const CHANGES_CLAIM = 500;

/**
 * The claim: deletes up to CHANGES_CLAIM queued customers, oldest first, skipping those another worker holds, and
 * returns them with the active segments (only when it claimed any). The claimed ids are deleted through the primary
 * key (= ANY of an array): as a join on `IN (subquery)` the planner hashed the claim and scanned the whole queue
 * table, which constant inserts and deletes keep full of dead rows until a vacuum (796 pages read per claim of one
 * or two customers in the 500 calls/s bench, 2.9 ms each, a third of PostgreSQL's time for those calls).
 */
export const CLAIM_CHANGES_SQL = `WITH claimed AS (
    DELETE FROM customer_changes WHERE customer_id = ANY (ARRAY(
      SELECT customer_id FROM customer_changes ORDER BY changed_at LIMIT ${CHANGES_CLAIM} FOR UPDATE SKIP LOCKED))
    RETURNING customer_id)
  SELECT set_config('synchronous_commit', 'off', true) AS synchronous_commit,
         set_config('jit', 'off', true) AS jit,
         (SELECT array_agg(customer_id)::text[] FROM claimed) AS claimed,
         CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN (
           SELECT json_agg(json_build_object('id', id, 'key', key, 'version', version, 'rules', rules,
                                             'minDwellSeconds', min_dwell_seconds))
             FROM segments WHERE archived_at IS NULL) END AS segments`;

/**
 * Incremental evaluation: claims customers whose facts changed (FOR UPDATE SKIP LOCKED, so any number of workers
 * can drain the queue), evaluates every active segment for them with json-rules-engine, and commits the membership
 * changes and their transitions in the same transaction as the claim. Latency is mostly round trips on a busy
 * machine, so a claim takes three statements: the claim with the active segments, the facts, and the changes; and
 * its commit does not wait for the WAL flush (see executeOnce).
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
      // synchronous_commit off for this transaction only (set_config(…, true) is SET LOCAL, here without a round
      // trip of its own): the commit no longer waits for the WAL flush, measured at 8 ms p50 and more under I/O
      // load. A crash can lose only the last such commits, each as a whole — the claim's DELETE with the
      // memberships and transitions it wrote — so those customers are still queued and get evaluated again; and
      // any later synchronous commit (a journey acting on a transition) flushes the WAL up to it first.
      // jit off, also for this transaction only: the facts query's estimated cost (per-customer subqueries) can
      // cross jit_above_cost, and compiling it took 25 ms idle and 200–400 ms on the loaded machine, per claim.
      const [{ claimed, segments }] = await queryPrepared<{
        claimed: string[] | null;
        segments: SegmentRow[] | null;
      }>(manager, CLAIM_CHANGES_SQL, []);
      if (!claimed?.length) return 0;
      await this.evaluateCustomers(manager, claimed, segments ?? []);
      return claimed.length;
    });
  }

  /**
   * Evaluates the active segments (`segments`: the rows in any order, each with at least id, key, version, rules
   * and minDwellSeconds; loaded when omitted) for these customers and applies the changes.
   */
  async evaluateCustomers(
    manager: EntityManager,
    customerIds: string[],
    segmentRows?: Pick<SegmentRow, 'id' | 'key' | 'version' | 'rules' | 'minDwellSeconds'>[],
  ): Promise<void> {
    const segments = dependencyOrder(
      (segmentRows ??
        (await manager.query(
          `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE archived_at IS NULL`,
        ))) as SegmentRow[],
    );
    if (!segments.length) return;
    const now = this.clock.now();
    const { facts, enteredAt } = await loadEvaluationFacts(manager, customerIds, mergeNeeds(segments, now));
    const entered: [string, string, number][] = [];
    const exited: [string, string, number][] = [];

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

/**
 * Writes entered/exited memberships and their transitions in one statement. The transitions are the statement's
 * main INSERT, so segment_transitions' statement triggers fire as for any insert; an entered and an exited pair
 * never name the same membership, so the membership INSERT and DELETE do not overlap. A transition is logged only
 * for a membership that this statement really inserted or deleted: the log has no foreign keys of its own, and a
 * membership a concurrent refresh already wrote must not be logged twice. Memberships have no foreign key either:
 * the caller must hold the customers' customer_changes rows (its claim), which keeps them from being deleted until
 * it commits (see membership-writers.ts).
 */
export async function applyTransitions(
  manager: EntityManager,
  entered: [string, string, number][],
  exited: [string, string, number][],
  now: Date,
): Promise<void> {
  const all = [
    ...entered.map((e) => [...e, 'entered'] as const),
    ...exited.map((e) => [...e, 'exited'] as const),
  ];
  if (!all.length) return;
  await manager.query(
    `WITH t AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[]) AS t(s, c, v, k)),
     entered AS (
       INSERT INTO segment_memberships (segment_id, customer_id, entered_at)
       SELECT s, c, $5::timestamptz FROM t WHERE t.k = 'entered'
       ON CONFLICT DO NOTHING RETURNING segment_id, customer_id),
     exited AS (
       DELETE FROM segment_memberships m USING t
        WHERE t.k = 'exited' AND m.segment_id = t.s AND m.customer_id = t.c
       RETURNING m.segment_id, m.customer_id)
     INSERT INTO segment_transitions (segment_id, customer_id, segment_version, kind, at)
     SELECT t.s, t.c, t.v, t.k, $5::timestamptz FROM t
      WHERE (t.k = 'entered' AND EXISTS (SELECT 1 FROM entered e WHERE e.segment_id = t.s AND e.customer_id = t.c))
         OR (t.k = 'exited' AND EXISTS (SELECT 1 FROM exited x WHERE x.segment_id = t.s AND x.customer_id = t.c))`,
    [all.map((a) => a[0]), all.map((a) => a[1]), all.map((a) => a[2]), all.map((a) => a[3]), now],
  );
}
