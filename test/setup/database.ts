import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrate } from '../../src/database/migrate';

/** One template per test run, so parallel runs (developers, CI) on one server never drop each other's. */
export function templateName(): string {
  process.env.WAYMARK_TEST_TEMPLATE ??= `waymark_test_template_${process.pid}`;
  return process.env.WAYMARK_TEST_TEMPLATE;
}

/** The server the tests use: DATABASE_URL when set (CI), else an embedded PostgreSQL of their own. */
export async function testServerUrl(): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  const embedded = await startEmbeddedPostgres(path.join(os.tmpdir(), 'waymark-test-home'), () => undefined);
  return { url: embedded.url, embedded };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function admin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Migrates a template database once per run; each test file clones it (CREATE DATABASE … TEMPLATE), which is fast. */
export async function buildTemplate(url: string): Promise<void> {
  const template = templateName();
  await admin(url, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${template}`);
  });
  const ds = new DataSource(dataSourceOptions(withDatabase(url, template), 2));
  await ds.initialize();
  try {
    await migrate(ds);
  } finally {
    await ds.destroy();
  }
}

export async function cloneTemplate(url: string, name: string): Promise<string> {
  await admin(url, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`));
  return withDatabase(url, name);
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await admin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
