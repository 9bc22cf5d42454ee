import { Client } from 'pg';
import { batchCount, makeBatch, SegmentMessage, Workload } from './payloads';

const ROWS_PER_STATEMENT = 1000;

export interface RawResult {
  rows: number;
  /** Messages whose customer the server never created: non-zero only when the batch phase failed. */
  skipped: number;
  /** Time spent in INSERT statements only; generating the rows in JavaScript is not the database's cost. */
  seconds: number;
  rowsPerSecond: number;
}

/**
 * The "limit" side of the ratio: the same rows the server stored, loaded by one client with the fastest plain
 * statement the server could use (INSERT … SELECT FROM unnest, 1,000 rows each) into a table with the same
 * indexes and foreign key as `events`, in the same database.
 */
export async function rawBaseline(url: string, w: Workload): Promise<RawResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE events_raw_bench (LIKE events INCLUDING ALL)`);
    // LIKE copies indexes but never foreign keys; events checks customer_id against customers on every row.
    await client.query(
      `ALTER TABLE events_raw_bench ADD FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE`,
    );
    const customerOf = await identities(client);
    const batchesPerStatement = Math.max(1, Math.round(ROWS_PER_STATEMENT / w.batchSize));
    let rows = 0;
    let skipped = 0;
    let busy = 0;
    for (let b = 0; b < batchCount(w); b += batchesPerStatement) {
      const messages: SegmentMessage[] = [];
      const customers: string[] = [];
      for (let i = b; i < Math.min(batchCount(w), b + batchesPerStatement); i++) {
        for (const m of makeBatch(w, i)) {
          // As the server resolves them: userId first, else anonymousId (merged ones now point at the survivor).
          const id = customerOf.get(m.userId !== undefined ? `u:${m.userId}` : `a:${m.anonymousId}`);
          // Only after a failed batch phase (already reported by the count check) is a customer missing.
          if (id === undefined) {
            skipped++;
          } else {
            messages.push(m);
            customers.push(id);
          }
        }
      }
      if (!messages.length) continue;
      const now = new Date().toISOString();
      const params = [
        messages.map((m) => m.messageId),
        customers,
        messages.map((m) => m.type),
        messages.map((m) => m.event ?? null),
        messages.map((m) => JSON.stringify(m.type === 'identify' ? m.traits : m.properties)),
        // sentAt ≈ receivedAt, so the server's skew correction leaves the client timestamp as it was.
        messages.map((m) => m.timestamp),
        messages.map((m) => m.timestamp),
        messages.map(() => now),
        messages.map(() => now),
        messages.map((m) => JSON.stringify(m.context)),
      ];
      const started = performance.now();
      await client.query(
        `INSERT INTO events_raw_bench (message_id, customer_id, type, event, properties, "timestamp", original_timestamp,
                                      sent_at, received_at, context)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[],
                              $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[])`,
        params,
      );
      busy += performance.now() - started;
      rows += messages.length;
    }
    return { rows, skipped, seconds: busy / 1000, rowsPerSecond: rows / (busy / 1000) };
  } finally {
    // Measured, so gone: left behind, its autovacuum (a million rows after the full run) ran during the track phase
    // that follows, work the server never has.
    await client.query(`DROP TABLE IF EXISTS events_raw_bench`).catch(() => undefined);
    await client.end();
  }
}

async function identities(client: Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ kind: string; value: string; customer_id: string }>(
    `SELECT kind, value, customer_id FROM customer_identities WHERE kind IN ('userId', 'anonymousId')`,
  );
  return new Map(rows.map((r) => [`${r.kind === 'userId' ? 'u' : 'a'}:${r.value}`, r.customer_id]));
}
