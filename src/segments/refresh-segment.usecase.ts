import { Injectable } from '@nestjs/common';
import { Clock } from '../database/clock';
import { TransactionService } from '../database/transaction.service';
import { lockMembershipWriters, tryLockSegmentRefresh } from './membership-writers';
import { compileSegmentSql, FULL_REFRESH_SETTINGS } from './rules/compile-sql';
import type { SegmentRow } from './segment.types';

export interface RefreshResult {
  segment: string;
  members: number;
  entered: number;
  exited: number;
  ms: number;
  /** False when another process was already refreshing this segment, or it has been archived or deleted. */
  ran: boolean;
}

/**
 * Full refresh in two statements. First the target set is computed by a plain query into a temporary table
 * (`CREATE TEMP TABLE … AS`): PostgreSQL plans that with parallel workers, which it never does for a statement whose
 * `WITH` clause writes. Then one statement applies the difference to the membership table and records the
 * entered/exited transitions (ordinary INSERTs, so statement triggers on segment_transitions fire). An exit is only
 * recorded once the customer has been in the segment for its minimum dwell time, so members do not flap on every
 * event.
 *
 * Memberships have no foreign key to customers (see membership-writers.ts), and the target may name a customer
 * deleted since it was computed: such an entry is neither logged nor kept. A membership whose customer is gone (a
 * merge raced an earlier refresh) leaves whatever its dwell time, with no exit logged — the log and the journeys it
 * feeds must not name a customer that no longer exists — and that customer's stray log rows go with it.
 */
@Injectable()
export class RefreshSegmentUseCase {
  constructor(
    private readonly tx: TransactionService,
    private readonly clock: Clock,
  ) {}

  async execute(segment: SegmentRow): Promise<RefreshResult> {
    const started = Date.now();
    const now = this.clock.now();
    const { sql, params } = compileSegmentSql(segment.rules, { now });
    return this.tx.run(async (manager) => {
      const skipped = { segment: segment.key, members: 0, entered: 0, exited: 0, ms: 0, ran: false };
      if (!(await tryLockSegmentRefresh(manager, segment.id))) return skipped;
      // The row may be older than an archive that committed while we waited for nothing: archived segments are not
      // evaluated, and their memberships are gone.
      const [current] = await manager.query(`SELECT archived_at FROM segments WHERE id = $1`, [segment.id]);
      if (!current || current.archived_at) return skipped;
      for (const setting of FULL_REFRESH_SETTINGS) await manager.query(setting);
      // Dropped at the end of the transaction, committed or not; one refresh per transaction, so the name is free.
      await manager.query(`CREATE TEMP TABLE ${TARGET} ON COMMIT DROP AS ${sql}`, params);
      // Right after a large first refresh, segment_memberships' statistics may not know this segment's rows yet;
      // the planner then takes them for a handful and joins them to the target in a nested loop. With an index on
      // the target that loop is a lookup per member; without one it scanned the whole target per member (a second
      // refresh of 174,000 members ran for minutes instead of seconds).
      await manager.query(`CREATE INDEX ON ${TARGET} (customer_id)`);
      await manager.query(`ANALYZE ${TARGET}`);
      // Taken before the writing statement, so its snapshot lacks every customer erased before we hold the lock.
      await lockMembershipWriters(manager, 'write');
      // Current members are skipped by ON CONFLICT, one index probe each, rather than by an anti-join: the table it
      // would join is the one this statement fills. Before a first refresh its statistics say empty, and the planner
      // probed it with a sequential scan per target row, each rereading every row inserted so far — quadratic: 7.3 s
      // of a 7.6 s first refresh of 35,000 members on the bench, 245 s for 174,000. The probes cost about
      // 0.15 s more than a hash anti-join on a second refresh of 174,000 members.
      const [{ gone, ...row }] = await manager.query(
        `WITH entered AS (
           INSERT INTO segment_memberships (segment_id, customer_id, entered_at)
           SELECT $1::uuid, t.customer_id, $2::timestamptz FROM ${TARGET} t
           ON CONFLICT DO NOTHING RETURNING customer_id),
         entered_live AS (
           SELECT e.customer_id, EXISTS (SELECT 1 FROM customers c WHERE c.id = e.customer_id) AS live
             FROM entered e),
         exited AS (
           DELETE FROM segment_memberships m
            WHERE m.segment_id = $1::uuid
              AND NOT EXISTS (SELECT 1 FROM ${TARGET} t WHERE t.customer_id = m.customer_id)
              AND (m.entered_at <= $2::timestamptz - make_interval(secs => $4::int)
                   OR NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = m.customer_id))
           RETURNING customer_id, EXISTS (SELECT 1 FROM customers c WHERE c.id = m.customer_id) AS live),
         stray_log AS (
           DELETE FROM segment_transitions l USING exited x WHERE NOT x.live AND l.customer_id = x.customer_id),
         transitions AS (
           INSERT INTO segment_transitions (segment_id, customer_id, kind, segment_version, at)
           SELECT $1::uuid, customer_id, 'entered', $3::int, $2::timestamptz FROM entered_live WHERE live
           UNION ALL
           SELECT $1::uuid, customer_id, 'exited', $3::int, $2::timestamptz FROM exited WHERE live)
         SELECT (SELECT count(*) FROM ${TARGET})::int AS members,
                (SELECT count(*) FROM entered_live WHERE live)::int AS entered,
                (SELECT count(*) FROM exited WHERE live)::int AS exited,
                (SELECT array_agg(customer_id) FROM entered_live WHERE NOT live)::text[] AS gone`,
        [segment.id, now, segment.version, segment.minDwellSeconds],
      );
      // Checked after inserting rather than filtered before: the check then costs nothing for current members.
      if (gone) {
        await manager.query(
          `DELETE FROM segment_memberships WHERE segment_id = $1 AND customer_id = ANY($2::uuid[])`,
          [segment.id, gone],
        );
        row.members -= gone.length;
      }
      await manager.query(`UPDATE segments SET refreshed_at = $2 WHERE id = $1`, [segment.id, now]);
      return { segment: segment.key, ...row, ms: Date.now() - started, ran: true };
    });
  }
}

/** The temporary table holding the customers a refresh's definition matches. */
const TARGET = 'segment_refresh_target';
