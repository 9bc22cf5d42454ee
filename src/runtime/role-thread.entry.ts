import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createApp } from '../app.factory';
import { createLogger } from '../common/logging/logger';
import type { RoleThreadCommand, RoleThreadData, RoleThreadReport } from './role-thread';

/** Entry point of the role thread (see role-thread.ts): the non-HTTP roles as an application of their own. */
async function run(): Promise<void> {
  const port = parentPort!;
  const report = (r: RoleThreadReport) => port.postMessage(r);
  const { config } = workerData as RoleThreadData;
  const logger = createLogger(config.logLevel).child({ thread: 'roles' });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    app = await createApp(config, logger);
    await app.init();
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start the role thread');
    await app?.close().catch(() => undefined);
    report({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    port.close();
    return;
  }
  port.on('message', (command: RoleThreadCommand) => {
    if (command.type !== 'stop') return;
    void app.close().then(
      // Exits the thread only; whatever a library left scheduled must not keep the process's shutdown waiting.
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown of the role thread');
        process.exit(1);
      },
    );
  });
  report({ type: 'ready' });
}

void run();
