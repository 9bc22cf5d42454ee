import 'reflect-metadata';
import { CliDatabase, EXIT, openDatabase, runCommand, runMigrations, UsageError } from './bootstrap-context';

const USAGE = `Usage: npm run migrate

Applies pending database migrations, one process at a time (the server does the same at start).
Database: DATABASE_URL, else the embedded PostgreSQL under WAYMARK_HOME (shared with a running server).`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.length) throw new UsageError(`Unexpected arguments: ${args.join(' ')}`);

  let db: CliDatabase | undefined;
  try {
    db = await openDatabase();
    const applied = await runMigrations(db.config.databaseUrl!);
    process.stdout.write(
      applied.length
        ? `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n${applied.map((m) => `  ${m}\n`).join('')}`
        : 'No pending migrations: the database is up to date.\n',
    );
    return EXIT.ok;
  } finally {
    await db?.close();
  }
}

runCommand(USAGE, main);
