import type { EntityManager } from 'typeorm';

/**
 * segment_memberships has no foreign key to customers (its checks were half of a large first refresh's writes), so
 * nothing in the table stops a membership being written for a customer deleted a moment before. Each writer closes
 * that gap in its own way:
 *
 * - A full refresh computes its target from a snapshot that may be seconds old. It takes this lock in shared mode
 *   before writing and keeps only members that still exist in the snapshot of its writing statement; erasure takes
 *   the lock exclusively before deleting, so an erased customer is either gone from that snapshot or deleted after
 *   the refresh commits, when the customers trigger sees and removes what it wrote.
 * - The incremental evaluator needs no lock: it only writes for customers whose customer_changes rows it claimed
 *   and holds. Deleting a customer cascades to that row and so waits for the claim to commit, and the customers
 *   statement triggers run after the cascades.
 * - Identity merges delete the merged-away customer without this lock: they are frequent and must not wait for a
 *   refresh. A merge that commits while a refresh's writing statement runs can leave a membership (and its entered
 *   transition) for the merged-away customer; the next refresh of that segment deletes both, logging no exit.
 */
export async function lockMembershipWriters(manager: EntityManager, mode: 'write' | 'erase'): Promise<void> {
  await manager.query(
    mode === 'write'
      ? `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`
      : `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
    [LOCK_KEY],
  );
}

const LOCK_KEY = 'segments:membership-writers';

/**
 * One segment's refresh lock. A refresh only tries it and skips the segment when another holds it; archiving waits
 * for it, so a refresh that is running finishes before the archive deletes the memberships, and one that starts
 * later sees the segment archived (see RefreshSegmentUseCase).
 */
export async function tryLockSegmentRefresh(manager: EntityManager, segmentId: string): Promise<boolean> {
  const [{ locked }]: { locked: boolean }[] = await manager.query(
    `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`,
    [refreshKey(segmentId)],
  );
  return locked;
}

export async function lockSegmentRefresh(manager: EntityManager, segmentId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [refreshKey(segmentId)]);
}

const refreshKey = (segmentId: string) => `segment:${segmentId}`;
