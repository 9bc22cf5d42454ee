import pino from 'pino';
import { NotificationHub } from '../../src/scheduler/notification-hub';
import { createTestApp, TestApp } from '../setup/test-app';

/** One LISTEN connection per process, shared by every queue, on a real PostgreSQL. */
describe('NotificationHub', () => {
  let t: TestApp;
  let hub: NotificationHub;
  beforeAll(async () => {
    // An api-only app: its database, and no workers of its own listening.
    t = await createTestApp({ WAYMARK_ROLES: 'api' });
    hub = new NotificationHub(t.config, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await hub.onApplicationShutdown();
    await t.close();
  });

  const listeners = async (): Promise<number[]> =>
    (
      await t.db.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'waymark-listener'`,
      )
    ).map((r: { pid: number }) => r.pid);

  /** Resolves with how often each handler was called once `check` holds (the notifications are asynchronous). */
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('listens to every channel on one connection and calls only the channel’s subscribers', async () => {
    const calls = { a: 0, b: 0, b2: 0 };
    await hub.subscribe('waymark_test_a', () => calls.a++);
    await hub.subscribe('waymark_test_b', () => calls.b++);
    await hub.subscribe('waymark_test_b', () => calls.b2++);
    // Each subscriber is called once on subscribing, to catch up with work queued before it listened.
    expect(calls).toEqual({ a: 1, b: 1, b2: 1 });
    expect(await listeners()).toHaveLength(1);

    await t.db.query(`NOTIFY waymark_test_b`);
    await until(() => calls.b === 2 && calls.b2 === 2);
    expect(calls.a).toBe(1);
    await t.db.query(`NOTIFY waymark_test_a`);
    await until(() => calls.a === 2);
  });

  it('reconnects after losing its connection, listens again, and lets every subscriber catch up', async () => {
    const calls = { c: 0 };
    await hub.subscribe('waymark_test_c', () => calls.c++);
    const [pid] = await listeners();
    await t.db.query(`SELECT pg_terminate_backend($1)`, [pid]);
    // The catch-up call after the reconnect.
    await until(() => calls.c === 2);
    const [again] = await listeners();
    expect(again).toBeDefined();
    expect(again).not.toBe(pid);
    await t.db.query(`NOTIFY waymark_test_c`);
    await until(() => calls.c === 3);
  });

  it('a process with the worker role runs its queues on that one connection', async () => {
    const worker = await createTestApp({ WAYMARK_ROLES: 'api,worker' });
    try {
      const rows = await worker.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'waymark-listener'`,
      );
      expect(rows[0].n).toBe(1);
    } finally {
      await worker.close();
    }
  });
});
