import type { DataSource } from 'typeorm';
import { loadCustomerFacts } from '../../src/segments/customer-facts.loader';
import type { CustomerFacts } from '../../src/segments/rules/customer-facts';
import { createEvaluator, eventsNeeded } from '../../src/segments/rules/evaluate';
import type { RuleDefinition } from '../../src/segments/rules/definition';

const CHUNK = 10_000;

export interface NodeRefresh {
  members: number;
  customers: number;
  eventsLoaded: number;
  wallMs: number;
  /** Time spent waiting for facts (queries not hidden behind evaluation). */
  loadWaitMs: number;
  evaluateMs: number;
  /** Members the stored (SQL) membership has and Node does not, and the other way round. */
  onlySql: number;
  onlyNode: number;
}

/**
 * The refresh done the naive way: walk all customers by id in chunks, load each chunk's facts with the loader the
 * incremental path uses (profile, stats, scores, memberships and the events the definition reads), and run
 * json-rules-engine on every customer. The next chunk loads while the current one is evaluated. Compared with the
 * membership the SQL refresh stored for the same `now`.
 */
export async function nodeRefresh(
  dataSource: DataSource,
  segmentId: string,
  rules: RuleDefinition,
  now: Date,
  onProgress: (done: number) => void,
): Promise<NodeRefresh> {
  const evaluator = createEvaluator(rules);
  const needs = eventsNeeded(rules, now);
  const manager = dataSource.manager;
  const matched = new Set<string>();
  let customers = 0;
  let eventsLoaded = 0;
  let loadWaitMs = 0;
  let evaluateMs = 0;

  const loadChunk = async (after: string): Promise<{ ids: string[]; facts: Map<string, CustomerFacts> }> => {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM customers WHERE id > $1 ORDER BY id LIMIT ${CHUNK}`,
      [after],
    );
    const ids = rows.map((r) => r.id);
    return { ids, facts: await loadCustomerFacts(manager, ids, needs) };
  };

  const started = performance.now();
  let next = loadChunk('00000000-0000-0000-0000-000000000000');
  for (;;) {
    const waitStarted = performance.now();
    const { ids, facts } = await next;
    loadWaitMs += performance.now() - waitStarted;
    if (!ids.length) break;
    next = loadChunk(ids[ids.length - 1]);
    const evalStarted = performance.now();
    for (const [id, f] of facts) {
      eventsLoaded += f.events.length;
      if ((await evaluator.evaluate(f, now)).matched) matched.add(id);
    }
    evaluateMs += performance.now() - evalStarted;
    customers += ids.length;
    onProgress(customers);
  }
  const wallMs = performance.now() - started;
  const members = matched.size;

  // Not timed: the check against what the SQL refresh stored.
  const stored: { customer_id: string }[] = await manager.query(
    `SELECT customer_id FROM segment_memberships WHERE segment_id = $1`,
    [segmentId],
  );
  let onlySql = 0;
  for (const { customer_id } of stored) if (!matched.delete(customer_id)) onlySql++;
  const onlyNode = matched.size;
  return {
    members,
    customers,
    eventsLoaded,
    wallMs,
    loadWaitMs,
    evaluateMs,
    onlySql,
    onlyNode,
  };
}
