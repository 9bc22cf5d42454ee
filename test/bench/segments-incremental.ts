import * as http from 'node:http';
import { Client } from 'pg';
import { postJson } from './http';
import type { RunningServer } from './server';

const CHANNEL = 'waymark_bench_transitions';

export interface IncrementalTarget {
  customerId: string;
  userId: string;
  /** `threshold`: two orders, gets a third of 250 and must enter the stats segment; `other`: a product view. */
  group: 'threshold' | 'other';
}

export interface Flip {
  /** From the request's due time to the arrival of the commit's notification. */
  ms: number;
  /** From the end of the 200 response to the notification: the worker's share (0 when it came first). */
  afterResponseMs: number;
  segment: string;
  kind: string;
}

export interface IncrementalResult {
  sent: number;
  ok: number;
  failures: string[];
  achievedRps: number;
  httpLatencies: number[];
  /** First committed transition per customer that got an event, with its latency from the request's due time. */
  flips: Map<string, Flip>;
  /** Every transition of those customers, by "segment kind". */
  transitions: Record<string, number>;
  thresholdSent: number;
  thresholdFlipped: number;
  /** Customers with a transition in segment_transitions after the phase began (the LISTEN count's cross-check). */
  flippedInDatabase: number;
  /** Customers still queued in customer_changes when the phase ended (should be 0). */
  leftInQueue: number;
}

/**
 * A trigger that exists only in the bench database NOTIFYs every segment transition; PostgreSQL delivers a
 * notification when the inserting transaction commits, so its arrival on our dedicated LISTEN connection is the
 * moment the membership change became visible.
 */
async function installTrigger(c: Client): Promise<void> {
  await c.query(`
    CREATE FUNCTION bench_notify_transition() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${CHANNEL}', NEW.customer_id::text || ' ' || NEW.kind || ' ' ||
        coalesce((SELECT key FROM segments WHERE id = NEW.segment_id), NEW.segment_id::text));
      RETURN NULL;
    END $$`);
  await c.query(`
    CREATE TRIGGER bench_notify_transition AFTER INSERT ON segment_transitions
      FOR EACH ROW EXECUTE FUNCTION bench_notify_transition()`);
}

async function removeTrigger(c: Client): Promise<void> {
  await c.query(`DROP TRIGGER IF EXISTS bench_notify_transition ON segment_transitions`);
  await c.query(`DROP FUNCTION IF EXISTS bench_notify_transition()`);
}

/**
 * Open loop at `rate` events/s, one /v1/track per target customer: latency counts from each request's due time, so
 * a stalled server shows as latency, not as fewer requests. Ends when every threshold customer flipped, or when the
 * queue is empty and nothing arrived for a while.
 */
export async function incrementalLatency(
  databaseUrl: string,
  server: RunningServer,
  targets: IncrementalTarget[],
  rate: number,
  log: (line: string) => void,
): Promise<IncrementalResult> {
  const listener = new Client({ connectionString: databaseUrl, application_name: 'waymark-bench-listen' });
  await listener.connect();
  const flips = new Map<string, Flip>();
  const due = new Map<string, number>();
  const responded = new Map<string, number>();
  const flippedAt = new Map<string, number>();
  const transitions: Record<string, number> = {};
  let lastNotification = performance.now();
  try {
    await installTrigger(listener);
    const [{ max_id }] = (
      await listener.query<{ max_id: string }>(
        'SELECT coalesce(max(id), 0)::text AS max_id FROM segment_transitions',
      )
    ).rows;
    listener.on('notification', (n) => {
      const at = performance.now();
      lastNotification = at;
      const [customerId, kind, segment] = (n.payload ?? '').split(' ');
      const sentAt = due.get(customerId);
      if (sentAt === undefined) return;
      transitions[`${segment} ${kind}`] = (transitions[`${segment} ${kind}`] ?? 0) + 1;
      if (flips.has(customerId)) return;
      flippedAt.set(customerId, at);
      flips.set(customerId, { ms: at - sentAt, afterResponseMs: 0, segment, kind });
    });
    await listener.query(`LISTEN ${CHANNEL}`);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const interval = 1000 / rate;
    const httpLatencies: number[] = [];
    const failures: string[] = [];
    const inFlight: Promise<void>[] = [];
    let ok = 0;
    let lastEnd = 0;
    const start = performance.now() + 20;
    const fire = (i: number, dueAt: number) => {
      const t = targets[i];
      due.set(t.customerId, dueAt);
      const body =
        t.group === 'threshold'
          ? {
              userId: t.userId,
              event: 'Order Completed',
              messageId: `bench-inc-${i}`,
              properties: { order_id: `inc-${i}`, revenue: 250, currency: 'USD' },
            }
          : {
              userId: t.userId,
              event: 'Product Viewed',
              messageId: `bench-inc-${i}`,
              properties: { product_id: `p${i % 500}`, sku: `SKU-${String(i % 500).padStart(5, '0')}` },
            };
      return postJson(agent, server.base, '/v1/track', server.key, Buffer.from(JSON.stringify(body))).then(
        (reply) => {
          lastEnd = performance.now();
          responded.set(t.customerId, lastEnd);
          httpLatencies.push(lastEnd - dueAt);
          if (reply.status === 200) ok++;
          else failures.push(`track ${i}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
        },
        (error: Error) => void failures.push(`track ${i}: ${error.message}`),
      );
    };
    let i = 0;
    let reported = 0;
    await new Promise<void>((done) => {
      const tick = () => {
        const now = performance.now();
        for (; i < targets.length && start + i * interval <= now; i++)
          inFlight.push(fire(i, start + i * interval));
        if (i - reported >= 2000) {
          reported = i;
          log(`  ${i.toLocaleString('en-US')} sent, ${flips.size.toLocaleString('en-US')} flipped`);
        }
        if (i < targets.length) setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
        else done();
      };
      setTimeout(tick, 20);
    });
    await Promise.all(inFlight);
    agent.destroy();

    const thresholdIds = targets.filter((t) => t.group === 'threshold').map((t) => t.customerId);
    const deadline = performance.now() + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const queued = Number(
        (await listener.query<{ n: string }>('SELECT count(*) AS n FROM customer_changes')).rows[0].n,
      );
      const quiet = performance.now() - lastNotification;
      // The worker also polls every 2 s: after 3 s of silence with an empty queue, nothing more is coming.
      if (queued === 0 && (quiet > 3000 || (thresholdIds.every((id) => flips.has(id)) && quiet > 500))) break;
      if (performance.now() > deadline) break;
    }
    const leftInQueue = Number(
      (await listener.query<{ n: string }>('SELECT count(*) AS n FROM customer_changes')).rows[0].n,
    );
    const [{ n: inDatabase }] = (
      await listener.query<{ n: number }>(
        `SELECT count(DISTINCT customer_id)::int AS n FROM segment_transitions
          WHERE id > $1::bigint AND customer_id = ANY($2::uuid[])`,
        [max_id, targets.map((t) => t.customerId)],
      )
    ).rows;
    for (const [customerId, flip] of flips) {
      const end = responded.get(customerId);
      if (end !== undefined) flip.afterResponseMs = Math.max(0, flippedAt.get(customerId)! - end);
    }
    return {
      sent: targets.length,
      ok,
      failures,
      achievedRps: ok / ((lastEnd - start) / 1000),
      httpLatencies,
      flips,
      transitions,
      thresholdSent: thresholdIds.length,
      thresholdFlipped: thresholdIds.filter((id) => flips.has(id)).length,
      flippedInDatabase: inDatabase,
      leftInQueue,
    };
  } finally {
    await removeTrigger(listener).catch((e: Error) => log(`removing the bench trigger: ${e.message}`));
    await listener.end().catch(() => undefined);
  }
}
