import 'reflect-metadata';
import { createLogger } from './common/logging/logger';
import { ConfigError, loadConfig } from './config/config';
import { startEmbeddedPostgres, EmbeddedDatabase } from './database/embedded-postgres';
import { createApp } from './app.factory';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(
      config.home,
      (message) => logger.info({ component: 'embedded-postgres' }, message),
      { binDir: config.postgresBinDir },
    );
    config = { ...config, databaseUrl: embedded.url };
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await app?.close();
      await embedded?.stop();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    app = await createApp(config, logger);
    if (config.roles.includes('api')) {
      await app.listen(config.port, '0.0.0.0');
      logger.info({ port: config.port, docs: `${config.publicUrl}/docs` }, 'Waymark is listening');
    } else {
      await app.init();
      logger.info({ roles: config.roles }, 'Waymark started without the HTTP API');
    }
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
