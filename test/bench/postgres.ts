import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface BenchDatabase {
  /** URL of the fresh database the benchmark owns. */
  url: string;
  /** Drops the database and stops the embedded server if we started one. */
  drop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function query<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * DATABASE_URL when set, else an embedded PostgreSQL under a temporary WAYMARK_HOME; either way a fresh database
 * of our own, so a benchmark never reads or damages someone's data and never inherits a warm table.
 */
export async function benchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded = async () => undefined as void;
  let home: string | undefined;
  if (!serverUrl) {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-pg-'));
    // As root the embedded postgres runs as OS user "postgres", which must be able to enter this directory.
    fs.chmodSync(home, 0o755);
    // POSTGRES_BIN_DIR as for the server: a local installation's binaries instead of the bundled ones.
    const embedded = await startEmbeddedPostgres(home, (m) => log(`embedded postgres: ${m}`), {
      binDir: process.env.POSTGRES_BIN_DIR || undefined,
    });
    serverUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const name = `waymark_bench_${randomBytes(6).toString('hex')}`;
  await query(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  log(`database ${name} created on ${new URL(serverUrl).host}`);
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      await query(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await stopEmbedded();
      if (home) fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
