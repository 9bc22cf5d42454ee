import { Client, Notification } from 'pg';
import pino from 'pino';
import { CUSTOMER_CHANGES_CHANNEL } from '../../src/ingestion/message';
import { Notifier } from '../../src/scheduler/notifier';
import { createTestApp, TestApp } from '../setup/test-app';

/** NOTIFY after the commit, folded per channel, on a real PostgreSQL. */
describe('Notifier', () => {
  let t: TestApp;
  let listener: Client;
  const received: Notification[] = [];
  beforeAll(async () => {
    // No worker: nothing drains customer_changes while the tests look at it.
    t = await createTestApp({ WAYMARK_ROLES: 'api' });
    listener = new Client({ connectionString: t.config.databaseUrl });
    await listener.connect();
    listener.on('notification', (n) => received.push(n));
    await listener.query(`LISTEN waymark_test_notifier`);
    await listener.query(`LISTEN ${CUSTOMER_CHANGES_CHANNEL}`);
  });
  afterAll(async () => {
    await listener.end();
    await t.close();
  });

  const on = (channel: string) => received.filter((n) => n.channel === channel).length;
  /** Every notification sent before it has arrived once this test's own sentinel has (one sender, in order). */
  const settled = async (notifier: Notifier) => {
    await notifier.flush();
    const before = on('waymark_test_sentinel');
    await listener.query(`LISTEN waymark_test_sentinel`);
    await t.db.query(`NOTIFY waymark_test_sentinel`);
    for (let i = 0; i < 500 && on('waymark_test_sentinel') === before; i++)
      await new Promise((r) => setTimeout(r, 10));
  };

  it('sends one NOTIFY for a call, and folds the calls made while it is in flight into exactly one more', async () => {
    const notifier = new Notifier(t.db, pino({ level: 'silent' }));
    notifier.notify('waymark_test_notifier');
    await settled(notifier);
    expect(on('waymark_test_notifier')).toBe(1);

    for (let i = 0; i < 20; i++) notifier.notify('waymark_test_notifier');
    await settled(notifier);
    expect(on('waymark_test_notifier')).toBe(3);

    // Idle again: the next call sends at once.
    notifier.notify('waymark_test_notifier');
    await settled(notifier);
    expect(on('waymark_test_notifier')).toBe(4);
  });

  it('ingestion notifies the segment workers after its commit: the queued customer is visible when they wake', async () => {
    const visibleAtWake: boolean[] = [];
    const check = async () => {
      const [row] = await t.db.query(
        `SELECT EXISTS (SELECT 1 FROM customer_changes q JOIN customer_identities i ON i.customer_id = q.customer_id
                          WHERE i.kind = 'userId' AND i.value = 'u-notify') AS queued`,
      );
      visibleAtWake.push(row.queued);
    };
    const wake = () =>
      new Promise<void>((resolve) =>
        listener.once('notification', (n) => {
          if (n.channel === CUSTOMER_CHANGES_CHANNEL) void check().then(resolve);
        }),
      );
    const track = (messageId: string) =>
      t
        .http()
        .post('/v1/track')
        .set('Authorization', `Bearer ${t.adminKey}`)
        .send({ userId: 'u-notify', event: 'Notified', messageId })
        .expect(200);

    // A new customer: the transactional path.
    let woken = wake();
    await track('notify-1');
    await woken;
    // A known one: the single-statement path. The worker's drain is simulated by deleting the queue row.
    await t.db.query(`DELETE FROM customer_changes`);
    woken = wake();
    await track('notify-2');
    await woken;
    expect(visibleAtWake).toEqual([true, true]);
  });
});
