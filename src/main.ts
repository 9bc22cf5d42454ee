import 'reflect-metadata';
import { createLogger } from './common/logging/logger';
import { ConfigError, loadConfig } from './config/config';
import { startEmbeddedPostgres, EmbeddedDatabase } from './database/embedded-postgres';
import { createApp } from './app.factory';
import { RoleThread, threadRoles } from './runtime/role-thread';

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

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let thread: RoleThread | undefined;
  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    try {
      await thread?.stop();
      await app?.close();
      await embedded?.stop();
      process.exit(code);
    } catch (error) {
      logger.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT', 0));
  process.once('SIGTERM', () => void stop('SIGTERM', 0));

  const onThread = threadRoles(config);
  try {
    // The main application initialises first (it applies the migrations), then the role thread's; the port opens
    // last, so a healthy answer means every role of the process is running.
    app = await createApp(onThread.length ? { ...config, roles: ['api'] } : config, logger);
    await app.init();
    if (onThread.length)
      thread = await RoleThread.start({ ...config, roles: onThread }, logger, (reason) => {
        logger.fatal({ reason }, 'the role thread stopped unexpectedly; stopping the server');
        void stop('role thread crashed', 1);
      });
    if (config.roles.includes('api')) {
      await app.listen(config.port, '0.0.0.0');
      logger.info({ port: config.port, docs: `${config.publicUrl}/docs` }, 'Waymark is listening');
    } else {
      logger.info({ roles: config.roles }, 'Waymark started without the HTTP API');
    }
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await thread?.stop().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
