import { Client } from 'pg';
import { query } from './postgres';

const AUTOVACUUM = `SELECT coalesce(array_agg(query ORDER BY query), '{}') AS work
                      FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`;

export interface MaintenanceReport {
  /** Share of the samples (every 500 ms) in which an autovacuum worker was running. */
  share: number;
  /** What they were doing, e.g. "autovacuum: VACUUM ANALYZE public.events". */
  work: string[];
}

/**
 * Samples PostgreSQL's autovacuum workers during a phase: after a bulk load they vacuum and analyze the new rows on
 * the same cores, which moves a latency tail by tens of milliseconds between otherwise identical runs.
 */
export async function sampleAutovacuum(url: string): Promise<() => Promise<MaintenanceReport>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  let samples = 0;
  let busy = 0;
  const work = new Set<string>();
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = client.query<{ work: string[] }>(AUTOVACUUM).then(
      ({ rows: [{ work: running }] }) => {
        samples++;
        if (running.length) busy++;
        running.forEach((w) => work.add(w));
      },
      () => undefined,
    );
  }, 500);
  return async () => {
    clearInterval(timer);
    await pending;
    await client.end();
    return { share: samples ? busy / samples : 0, work: [...work] };
  };
}

/** Waits until no autovacuum worker has run for `quietSeconds` in a row; returns the seconds waited. */
export async function waitForAutovacuum(url: string, quietSeconds = 3, maxSeconds = 900): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    let quietSince = performance.now();
    while ((performance.now() - started) / 1000 < maxSeconds) {
      const { rows } = await client.query<{ work: string[] }>(AUTOVACUUM);
      if (rows[0].work.length) quietSince = performance.now();
      else if ((performance.now() - quietSince) / 1000 >= quietSeconds) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

export interface WalPerItem {
  /** WAL written per item, in bytes, and the full-page images among its records. */
  bytes: number;
  fullPageImages: number;
}

/**
 * WAL written during a phase: bytes from the insert position, full-page images from pg_stat_wal, which backends
 * update at most once a second (so it is read a little after the phase). Both are the whole cluster's: autovacuum
 * running in the phase counts too (the phase reports its share). After a checkpoint, the first change to each page
 * writes the whole page to the WAL; writes spread over many pages then cost far more WAL (and flush time) than the
 * same writes a while later.
 */
export async function measureWal(url: string): Promise<(items: number) => Promise<WalPerItem>> {
  const read = (sinceLsn: string) =>
    query(url, async (c) => {
      const { rows } = await c.query<{ lsn: string; bytes: string; fpi: string }>(
        `SELECT pg_current_wal_insert_lsn()::text AS lsn, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1)::text AS bytes,
                wal_fpi::text AS fpi FROM pg_stat_wal`,
        [sinceLsn],
      );
      return rows[0];
    });
  const before = await read('0/0');
  return async (items) => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await read(before.lsn);
    const per = (n: number) => n / Math.max(1, items);
    return {
      bytes: Math.round(per(Number(after.bytes))),
      fullPageImages: Math.round(per(Number(after.fpi) - Number(before.fpi)) * 100) / 100,
    };
  };
}
