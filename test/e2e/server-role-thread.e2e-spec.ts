import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { ChildServer, freePort, sleep } from '../setup/child-server';
import { cloneTemplate, dropDatabase } from '../setup/database';

/**
 * WORKER_THREAD=true: one process with every role runs the HTTP API on the main thread and the worker and
 * scheduler roles on a thread of their own; by default all run on one thread. The process as a user runs it.
 */
jest.setTimeout(120_000);

const KEY = `role-thread-admin-${randomBytes(8).toString('hex')}`;

describe('the server process with its roles on two threads', () => {
  const serverUrl = process.env.WAYMARK_TEST_DATABASE_URL!;
  const name = `waymark_thread_${randomBytes(6).toString('hex')}`;
  let url: string;
  let db: Client;
  let home: string;
  let server: ChildServer | undefined;

  beforeAll(async () => {
    url = await cloneTemplate(serverUrl, name);
    db = new Client({ connectionString: url });
    await db.connect();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-thread-'));
  });

  afterEach(async () => {
    if (server?.running) await server.stop('SIGKILL');
  });

  afterAll(async () => {
    await db.end();
    await dropDatabase(serverUrl, name);
    fs.rmSync(home, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string> = {}) => {
    server = new ChildServer(await freePort(), {
      DATABASE_URL: `${url}?application_name=waymark-thread-test`,
      ADMIN_API_KEY: KEY,
      WAYMARK_HOME: home,
      LOG_LEVEL: 'info',
      ...env,
    });
    await server.healthy();
    return server;
  };
  const call = async (s: ChildServer, method: string, p: string, body?: object) => {
    const res = await fetch(s.url(p), {
      method,
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  const connections = async () =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'waymark%'`,
          [name],
        )
      ).rows[0].n,
    );
  const memberships = async (userId: string) =>
    (
      await db.query(
        `SELECT s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
           JOIN customers c ON c.id = m.customer_id WHERE c.external_id = $1`,
        [userId],
      )
    ).rows.map((r: { key: string }) => r.key);

  it('serves HTTP while the thread evaluates segments; SIGTERM stops both threads and closes every connection', async () => {
    const s = await start({ WORKER_THREAD: 'true' });
    const started = s.logs().find((l) => l.msg === 'roles started on their own thread');
    expect(started).toMatchObject({ roles: ['worker', 'scheduler'] });
    expect(
      (
        await call(s, 'POST', '/v1/segments', {
          key: 'thread-vip',
          name: 'VIP',
          rules: { all: [{ fact: 'traits', path: '$.plan', operator: 'equal', value: 'vip' }] },
        })
      ).status,
    ).toBe(201);

    expect(
      (await call(s, 'POST', '/v1/identify', { userId: 'u-thread', traits: { plan: 'vip' } })).status,
    ).toBe(200);
    // Only the worker role evaluates incrementally, and on this process it runs on the thread.
    for (let i = 0; i < 200 && !(await memberships('u-thread')).length; i++) await sleep(50);
    expect(await memberships('u-thread')).toEqual(['thread-vip']);
    expect(await connections()).toBeGreaterThan(0);

    expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await connections()).toBe(0);
  });

  it('by default every role stays on one thread, and the worker role runs there', async () => {
    const s = await start();
    expect(s.logs().some((l) => l.msg === 'roles started on their own thread')).toBe(false);
    expect(
      (await call(s, 'POST', '/v1/identify', { userId: 'u-single', traits: { plan: 'vip' } })).status,
    ).toBe(200);
    for (let i = 0; i < 200 && !(await memberships('u-single')).length; i++) await sleep(50);
    expect(await memberships('u-single')).toEqual(['thread-vip']);
    expect(await s.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
