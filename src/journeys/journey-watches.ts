import type { EntityManager } from 'typeorm';
import type { JourneyDefinition } from './graph/definition';
import type { PublishedVersion } from './journey.types';

export const CART_EVENTS = { added: 'Product Added', ordered: 'Order Completed' } as const;

/** What a version listens to: event names (triggers, goals, waits), segment ids, score transition kinds. */
export function watchesOf(definition: JourneyDefinition, segmentIds: Record<string, string>) {
  const events = new Set<string>();
  const segments = new Set<string>();
  const scores = new Set<string>();
  const t = definition.trigger;
  if (t.type === 'event') events.add(t.event);
  if (t.type === 'cart_abandoned') {
    events.add(CART_EVENTS.added);
    events.add(CART_EVENTS.ordered);
  }
  if ((t.type === 'segment_entered' || t.type === 'segment_exited') && segmentIds[t.segment])
    segments.add(segmentIds[t.segment]);
  if (t.type === 'clv_tier_changed') scores.add('clv_tier_changed');
  for (const goal of definition.goals ?? []) events.add(goal.event);
  for (const node of definition.nodes)
    if (node.type === 'wait' && 'event' in node) events.add(node.event.name);
  return { events, segments, scores };
}

/**
 * Rewrites journey_watches from the current versions of live and paused journeys plus every version that still
 * has live runs, so the inbox triggers copy exactly the rows some run or trigger may need. Serialised by an
 * advisory lock: two publishes at once must not each write a stale union.
 */
export async function refreshWatches(
  manager: EntityManager,
  versions: (ids: { journeyId: string; version: number }[]) => Promise<PublishedVersion[]>,
): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext('waymark:journey_watches'))`);
  const ids: { journeyId: string; version: number }[] = await manager.query(
    `SELECT id AS "journeyId", current_version AS version FROM journeys
      WHERE status IN ('live', 'paused') AND current_version IS NOT NULL
     UNION
     SELECT DISTINCT journey_id, version FROM journey_runs WHERE status IN ('active', 'waiting')`,
  );
  const rows: [string, string][] = [];
  for (const v of await versions(ids)) {
    const w = watchesOf(v.definition, v.pinned.segments);
    for (const name of w.events) rows.push(['event', name]);
    for (const name of w.segments) rows.push(['segment', name]);
    for (const name of w.scores) rows.push(['score', name]);
  }
  await manager.query(`DELETE FROM journey_watches`);
  if (rows.length)
    await manager.query(
      `INSERT INTO journey_watches (kind, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
}
