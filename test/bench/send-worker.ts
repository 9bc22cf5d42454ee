import { fork } from 'node:child_process';
import * as path from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';

/**
 * The server's worker role in a process of its own, as it is deployed: the bench's own work (queueing the messages,
 * collecting the sink's reports) does not share the sender's event loop.
 */
export interface SenderProcess {
  /** CPU time the process has used so far (user + system), in milliseconds. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSenderProcess(env: Record<string, string>): Promise<SenderProcess> {
  const child = fork(path.join(__dirname, 'send-worker.js'), ['--sender'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
    execArgv: [...process.execArgv, ...(process.env.SENDER_NODE_OPTIONS ?? '').split(' ').filter(Boolean)],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the sender process exited with code ${code}`)));
  });
  return {
    cpuMs: () =>
      new Promise((resolve) => {
        child.once('message', (m: { cpuMs: number }) => resolve(m.cpuMs));
        child.send({ cpu: true });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ stop: true });
      }),
  };
}

export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function runSender(): Promise<void> {
  const app = await createApp(loadConfig(process.env), pino({ level: 'warn' }));
  await app.init();
  process.on('message', (m: { stop?: boolean; cpu?: boolean }) => {
    if (m.cpu) process.send!({ cpuMs: cpuMs() });
    if (m.stop) void app.close().then(() => process.exit(0));
  });
  process.send!({ ready: true });
}

if (require.main === module && process.argv.includes('--sender'))
  runSender().catch((error) => {
    process.stderr.write(`sender process: ${(error as Error).stack}\n`);
    process.exit(1);
  });
