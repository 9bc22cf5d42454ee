import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { query } from './postgres';

export interface RunningServer {
  base: URL;
  key: string;
  /** The server's process id, to read its CPU time. */
  pid: number;
  stop(): Promise<void>;
}

/** The real server, as production runs it (node dist/src/main.js), so the figures include Nest, auth and logging. */
export async function startServer(
  databaseUrl: string,
  home: string,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  return spawnServer(
    databaseUrl,
    home,
    { PORT: String(port), ...env },
    base,
    async () =>
      (await fetch(new URL('/health', base)).then(
        (r) => r.status,
        () => 0,
      )) === 200,
  );
}

/**
 * A process with the `worker` role only (no HTTP): ready once its notification listener is connected, which it
 * opens after its queues are set up. `base` is meaningless for it.
 */
export async function startWorker(databaseUrl: string, home: string): Promise<RunningServer> {
  const database = new URL(databaseUrl).pathname.slice(1);
  const listening = async () =>
    query(databaseUrl, (c) =>
      c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'waymark-listener'`, [
        database,
      ]),
    ).then((r) => (r.rowCount ?? 0) > 0);
  return spawnServer(
    databaseUrl,
    home,
    { WAYMARK_ROLES: 'worker' },
    new URL('http://127.0.0.1:0'),
    listening,
  );
}

async function spawnServer(
  databaseUrl: string,
  home: string,
  env: Record<string, string>,
  base: URL,
  ready: () => Promise<boolean>,
): Promise<RunningServer> {
  const key = `bench-admin-${randomBytes(16).toString('hex')}`;
  const main = path.resolve(__dirname, '../../src/main.js');
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: key,
      LOG_LEVEL: 'warn',
      WAYMARK_HOME: home,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Server output goes to stderr so that `--json` leaves stdout machine-readable.
  const forward = (chunk: Buffer) => process.stderr.write(`[server] ${chunk.toString('utf8')}`);
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (await ready()) break;
    if (child.exitCode !== null)
      throw new Error(`the server exited with code ${child.exitCode} before it was ready`);
    if (Date.now() > deadline) {
      await stop(child, exited);
      throw new Error('the server was not ready within 120 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, key, pid: child.pid!, stop: () => stop(child, exited) };
}

/** SIGTERM lets the server drain; SIGKILL only if it has not exited after 30 s. */
async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
