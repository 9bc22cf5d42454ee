import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AppConfig, Role } from '../config/config';

/** What the role thread tells the main thread. */
export type RoleThreadReport = { type: 'ready' } | { type: 'failed'; message: string };
/** What the main thread tells the role thread. */
export type RoleThreadCommand = { type: 'stop' };

const ENTRY = path.join(__dirname, 'role-thread.entry.js');

export interface RoleThreadData {
  config: AppConfig;
}

/** Roles that run on the role thread: with WORKER_THREAD=true, those besides api in a process that has api. */
export function threadRoles(config: AppConfig): Role[] {
  if (!config.workerThread || !config.roles.includes('api')) return [];
  return config.roles.filter((r) => r !== 'api');
}

/**
 * The worker and scheduler roles of one process on a thread of their own: a second event loop (and connection
 * pool) beside the HTTP API, so evaluations, renders and SMTP writes never hold an HTTP response back. The thread is
 * a whole Nest application with only those roles, the same as a separate `WAYMARK_ROLES=worker,scheduler` process;
 * everything they share goes through PostgreSQL, as between processes.
 */
export class RoleThread {
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<number>,
  ) {}

  /**
   * Starts the thread and resolves once its application is initialised. `onCrash` is called if the thread fails
   * or ends later without being asked to: the process should then stop, so that a supervisor restarts it whole.
   * `entry` is the thread's script (tests give their own).
   */
  static async start(
    config: AppConfig,
    logger: Logger,
    onCrash: (reason: string) => void,
    entry = ENTRY,
  ): Promise<RoleThread> {
    const data: RoleThreadData = { config };
    const worker = new Worker(entry, { workerData: data });
    const thread = new RoleThread(worker, new Promise<number>((resolve) => worker.once('exit', resolve)));
    await thread.started(logger, onCrash);
    logger.info({ roles: config.roles }, 'roles started on their own thread');
    return thread;
  }

  private started(logger: Logger, onCrash: (reason: string) => void): Promise<void> {
    let ready = false;
    const crashed = (reason: string) => {
      if (ready && !this.stopping) onCrash(reason);
    };
    return new Promise<void>((resolve, reject) => {
      this.worker.on('message', (report: RoleThreadReport) => {
        if (report.type === 'ready') {
          ready = true;
          resolve();
        }
        if (report.type === 'failed') reject(new Error(`the role thread failed to start: ${report.message}`));
      });
      this.worker.once('error', (error) => {
        logger.fatal({ err: error }, 'role thread failed');
        reject(error);
        crashed(error.message);
      });
      void this.exited.then((code) => {
        reject(new Error(`the role thread ended during start-up (exit code ${code})`));
        crashed(`the role thread ended (exit code ${code})`);
      });
    });
  }

  /** Closes the thread's application (its queues drain as in a process's shutdown) and waits for it to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    const command: RoleThreadCommand = { type: 'stop' };
    this.worker.postMessage(command);
    await this.exited;
  }
}
