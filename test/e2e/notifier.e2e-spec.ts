import { Client, Notification } from 'pg';
import pino from 'pino';
import { CUSTOMER_CHANGES_CHANNEL } from '../../src/ingestion/message';
import { Notifier } from '../../src/database/notifier';
import { TransactionService } from '../../src/database/transaction.service';
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
    await listener.query(`LISTEN waymark_test_tx`);
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
  describe('TransactionService.notifyOnCommit', () => {
    const setup = () => {
      const notifier = new Notifier(t.db, pino({ level: 'silent' }));
      return { notifier, tx: new TransactionService(t.db, notifier) };
    };

    it('inside run: hands the channel to the Notifier once, after the commit, however often it was asked', async () => {
      const { notifier, tx } = setup();
      const notify = jest.spyOn(notifier, 'notify');
      const before = on('waymark_test_tx');
      await tx.run(async (m) => {
        await tx.notifyOnCommit(m, 'waymark_test_tx');
        await tx.notifyOnCommit(m, 'waymark_test_tx');
        // Still in the transaction: nothing handed to the Notifier yet.
        expect(notify).not.toHaveBeenCalled();
      });
      expect(notify).toHaveBeenCalledTimes(1);
      await settled(notifier);
      expect(on('waymark_test_tx')).toBe(before + 1);
    });

    it('a rolled-back transaction notifies nothing, nor does a retried attempt that failed', async () => {
      const { notifier, tx } = setup();
      const before = on('waymark_test_tx');
      await expect(
        tx.run(async (m) => {
          await tx.notifyOnCommit(m, 'waymark_test_tx');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      let attempts = 0;
      await tx.run(async (m) => {
        attempts++;
        if (attempts === 1) {
          await tx.notifyOnCommit(m, 'waymark_test_tx');
          throw Object.assign(new Error('serialization failure'), { code: '40001' });
        }
      });
      await settled(notifier);
      expect(attempts).toBe(2);
      expect(on('waymark_test_tx')).toBe(before);
    });

    it('with a manager of its own transaction, notifies in that transaction (delivered at its commit)', async () => {
      const { notifier, tx } = setup();
      const notify = jest.spyOn(notifier, 'notify');
      const before = on('waymark_test_tx');
      await t.db.transaction((m) => tx.notifyOnCommit(m, 'waymark_test_tx'));
      expect(notify).not.toHaveBeenCalled();
      await settled(notifier);
      expect(on('waymark_test_tx')).toBe(before + 1);
    });
  });
});
