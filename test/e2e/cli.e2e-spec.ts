import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { migrations } from '../../migrations';
import { admin, cloneTemplate, dropDatabase, withDatabase } from '../setup/database';

const ROOT = path.resolve(__dirname, '../..');
const IMPORT = path.join(ROOT, 'dist/src/cli/import.js');
const MIGRATE = path.join(ROOT, 'dist/src/cli/migrate.js');
const FIXTURES = path.join(ROOT, 'test/fixtures');
const CUSTOMERS = path.join(FIXTURES, 'customers-one-bad-row.csv');
const EVENTS = path.join(FIXTURES, 'events.csv');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled command the way a user does (no TTY: progress comes as lines on stderr). */
function run(script: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.LOG_LEVEL;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: ROOT, env: childEnv, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

jest.setTimeout(60_000);

describe('command line', () => {
  const serverUrl = process.env.WAYMARK_TEST_DATABASE_URL!;
  const name = `waymark_test_cli_${randomBytes(6).toString('hex')}`;
  let databaseUrl: string;
  let home: string;
  let db: Client;
  let env: Record<string, string>;

  beforeAll(async () => {
    for (const script of [IMPORT, MIGRATE])
      if (!fs.existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first`);
    databaseUrl = await cloneTemplate(serverUrl, name);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-cli-'));
    env = { DATABASE_URL: databaseUrl, WAYMARK_HOME: home };
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await dropDatabase(serverUrl, name);
    fs.rmSync(home, { recursive: true, force: true });
  });

  const query = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;

  describe('import', () => {
    it('imports a file with one bad row: exit 1, the report on stdout, the good rows stored', async () => {
      const r = await run(IMPORT, ['customers', CUSTOMERS], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        new RegExp(
          [
            `^Imported customers from ${escape(CUSTOMERS)} in \\d+\\.\\ds`,
            '  accepted:   2',
            '  duplicates: 0',
            '  rejected:   1',
            'Rejected rows:',
            '  line 3: email: must be an email address',
            '$',
          ].join('\\n'),
        ),
      );
      // Without a terminal there is no bar, only progress lines.
      const size = fs.statSync(CUSTOMERS).size;
      expect(r.stderr).toContain(`customers: read ${size} B of ${size} B (100%)`);
      expect(r.stderr).not.toContain('\u001b[');

      const rows = await query(
        `SELECT external_id, email, marketing_consent, traits -> 'seats' AS seats FROM customers
          WHERE external_id LIKE 'cli-%' ORDER BY 1`,
      );
      expect(rows).toEqual([
        { external_id: 'cli-ada', email: 'ada@example.com', marketing_consent: true, seats: 5 },
        { external_id: 'cli-cat', email: 'cat@example.com', marketing_consent: false, seats: 12 },
      ]);
    });

    it('imports events into the same customers: exit 0, stats current; again: all duplicates', async () => {
      const first = await run(IMPORT, ['events', EVENTS], env);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/accepted: {3}3\n {2}duplicates: 0\n {2}rejected: {3}0\n$/);
      expect(first.stdout).not.toContain('Rejected rows');

      const second = await run(IMPORT, ['events', EVENTS], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/accepted: {3}0\n {2}duplicates: 3\n {2}rejected: {3}0\n$/);

      const stats = await query(
        `SELECT c.external_id, s.orders_count, s.revenue_total::float AS revenue FROM customer_stats s
           JOIN customers c ON c.id = s.customer_id WHERE c.external_id LIKE 'cli-%' ORDER BY 1`,
      );
      expect(stats).toEqual([
        { external_id: 'cli-ada', orders_count: 1, revenue: 19.9 },
        { external_id: 'cli-cat', orders_count: 1, revenue: 5 },
      ]);
    });

    it('lists the first 20 rejected rows and counts the rest', async () => {
      const file = path.join(home, 'many-bad.csv');
      const rows = Array.from({ length: 25 }, (_, i) => `many-${i},not-an-email-${i}`);
      fs.writeFileSync(file, ['userId,email', 'many-ok,ok@example.com', ...rows].join('\n') + '\n');
      const r = await run(IMPORT, ['customers', file], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('  rejected:   25\nRejected rows (first 20 of 25):\n  line 3: email:');
      const listed = r.stdout.match(/^ {2}line \d+:/gm)!;
      expect(listed).toHaveLength(20);
      expect(listed[19]).toBe('  line 22:');
      expect(r.stdout).toMatch(/ {2}… and 5 more rejected rows not shown\n$/);
      expect(
        (await query(`SELECT count(*)::int n FROM customers WHERE external_id LIKE 'many-%'`))[0].n,
      ).toBe(1);
    });

    it('a header problem: exit 1, a message, nothing stored', async () => {
      const file = path.join(home, 'bad-header.csv');
      fs.writeFileSync(file, 'email,plan\nheader@example.com,pro\n');
      const r = await run(IMPORT, ['customers', file], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('nothing imported: CSV header: a userId or anonymousId column is required');
      expect(
        (await query(`SELECT count(*)::int n FROM customer_identities WHERE value = 'header@example.com'`))[0]
          .n,
      ).toBe(0);
    });

    it.each([
      ['no arguments', [], 'Missing arguments'],
      ['an unknown kind', ['orders', CUSTOMERS], 'Unknown import kind "orders": use customers or events'],
      ['no file', ['customers'], 'Missing the CSV file'],
      ['a missing file', ['events', path.join(FIXTURES, 'nope.csv')], `File not found: ${FIXTURES}/nope.csv`],
      ['a directory', ['events', FIXTURES], `Not a file: ${FIXTURES}`],
      ['extra arguments', ['events', EVENTS, 'more'], 'Unexpected arguments: more'],
    ])('usage error: %s → exit 2 with the usage', async (_name, args, message) => {
      const before = (await query(`SELECT count(*)::int n FROM events`))[0].n;
      // A database that does not exist: usage is checked before anything is started.
      const r = await run(IMPORT, args, { ...env, DATABASE_URL: withDatabase(databaseUrl, 'no_such_db') });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage: npm run import -- <customers|events> <file.csv>');
      expect((await query(`SELECT count(*)::int n FROM events`))[0].n).toBe(before);
    });

    it('--help prints the usage and exits 0', async () => {
      const r = await run(IMPORT, ['--help'], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: npm run import');
    });

    it('a bad configuration value exits 78 naming it', async () => {
      const r = await run(IMPORT, ['customers', CUSTOMERS], { ...env, DATABASE_URL: 'mysql://localhost/x' });
      expect(r.code).toBe(78);
      expect(r.stderr).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    });

    it('an unreachable database exits 1 with the reason', async () => {
      const r = await run(IMPORT, ['customers', CUSTOMERS], {
        ...env,
        DATABASE_URL: withDatabase(databaseUrl, 'no_such_db'),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/waymark: failed: .*no_such_db/);
    });
  });

  describe('migrate', () => {
    const fresh = `waymark_test_cli_mig_${randomBytes(6).toString('hex')}`;
    afterAll(() => dropDatabase(serverUrl, fresh));

    it('applies every migration to an empty database, then has nothing to do', async () => {
      await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${fresh}`));
      const freshEnv = { ...env, DATABASE_URL: withDatabase(serverUrl, fresh) };
      const names = migrations.map((m) => m.name);

      const first = await run(MIGRATE, [], freshEnv);
      expect(first.code).toBe(0);
      expect(first.stdout).toBe(
        `Applied ${names.length} migrations:\n${names.map((n) => `  ${n}\n`).join('')}`,
      );

      const second = await run(MIGRATE, [], freshEnv);
      expect(second.code).toBe(0);
      expect(second.stdout).toBe('No pending migrations: the database is up to date.\n');

      const client = new Client({ connectionString: freshEnv.DATABASE_URL });
      await client.connect();
      try {
        const rows = (await client.query(`SELECT name FROM migrations ORDER BY id`)).rows;
        expect(rows.map((r) => r.name)).toEqual(names);
        expect((await client.query(`SELECT to_regclass('customer_stats') AS t`)).rows[0].t).toBe(
          'customer_stats',
        );
      } finally {
        await client.end();
      }
    });

    it('rejects arguments with exit 2', async () => {
      const r = await run(MIGRATE, ['now'], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Unexpected arguments: now');
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
