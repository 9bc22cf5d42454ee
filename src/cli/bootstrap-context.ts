import type { INestApplicationContext } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { AppConfig, ConfigError, loadConfig } from '../config/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../database/embedded-postgres';

// Nest, TypeORM and the application modules are loaded when first needed (import()), so a usage error or --help
// answers at once instead of after a second or more of module loading.

/** Exit codes shared by the command-line tools. */
export const EXIT = {
  ok: 0,
  /** The command ran but did not fully succeed (rows rejected, migration failed, database unreachable). */
  failed: 1,
  /** Wrong arguments: nothing was done. */
  usage: 2,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
  /** A configuration value is wrong (as the server: EX_CONFIG). */
  config: 78,
} as const;

/** A mistake in the command line: reported with the usage text, exit code 2, before anything is started. */
export class UsageError extends Error {}

export interface CliDatabase {
  /** The configuration with `databaseUrl` set (to the embedded database when DATABASE_URL is unset). */
  config: AppConfig;
  logger: Logger;
  /** Stops the embedded database if this process started it (a no-op when it is shared with a live server). */
  close(): Promise<void>;
}

/**
 * Reads the configuration as the server does and connects to the same database: DATABASE_URL, or the embedded
 * PostgreSQL under WAYMARK_HOME (shared with a running Waymark process when there is one, started otherwise).
 * Logs go to stderr as JSON at `warn` unless LOG_LEVEL is set, so stdout carries only the command's report.
 */
export async function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<CliDatabase> {
  let config = loadConfig(env);
  const logger = pino(
    {
      level: env.LOG_LEVEL?.trim() ? config.logLevel : 'warn',
      base: { service: 'waymark-cli' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.email', '*.traits', '*.authorization', '*.password'], censor: '[redacted]' },
    },
    pino.destination({ dest: 2, sync: true }),
  );
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.home, (message) => note(message), {
      binDir: config.postgresBinDir,
    });
    config = { ...config, databaseUrl: embedded.url };
  }
  return { config, logger, close: async () => embedded?.stop() };
}

/** Applies pending migrations (under the same advisory lock as the server) and returns their names. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const { DataSource } = await import('typeorm');
  const { dataSourceOptions } = await import('../database/data-source-options.js');
  const { migrate } = await import('../database/migrate.js');
  // Two connections: migrate() holds one for the advisory lock while the migrations run on another.
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, 2));
  await dataSource.initialize();
  try {
    return await migrate(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The server's own module graph as an application context: no HTTP listener and no background roles (segment
 * worker, scheduler), so a command does its work and leaves. Migrations are applied first, because the context
 * runs its bootstrap hooks (the admin-key seeder) as soon as it is created.
 */
export async function createCliContext(db: CliDatabase): Promise<INestApplicationContext> {
  const applied = await runMigrations(db.config.databaseUrl!);
  if (applied.length) note(`migrations applied: ${applied.join(', ')}`);
  const config: AppConfig = { ...db.config, roles: [] };
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = await import('../app.module.js');
  const { NestPinoLogger } = await import('../common/logging/logger.js');
  return NestFactory.createApplicationContext(AppModule.forRoot(config, db.logger), {
    logger: new NestPinoLogger(db.logger.child({ component: 'nest' })),
    abortOnError: false,
  });
}

/** A plain line on stderr for the person running the command. */
export function note(message: string): void {
  process.stderr.write(`waymark: ${message}\n`);
}

/**
 * Runs a command and exits with the code it returns. Usage and configuration errors get their own exit codes and
 * a message without a stack trace; anything else is reported as a failure.
 */
export function runCommand(usage: string, command: () => Promise<number>): void {
  command().then(
    (code) => exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${usage}\n`);
        exit(EXIT.usage);
      } else if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        exit(EXIT.config);
      } else {
        const e = error as Error;
        process.stderr.write(`waymark: failed: ${e?.message ?? String(error)}\n`);
        if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace')
          process.stderr.write(`${e?.stack}\n`);
        exit(EXIT.failed);
      }
    },
  );
}

/** Lets stdout/stderr drain and the event loop empty; forces the exit if a stray handle keeps the process up. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 10_000).unref();
}
