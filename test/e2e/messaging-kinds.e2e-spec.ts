import { recomputeStats } from '../../src/ingestion/ingest-messages.usecase';
import { Clock } from '../../src/database/clock';
import { TransactionService } from '../../src/database/transaction.service';
import { EnqueueInput, MessagesService } from '../../src/messaging/messages.service';
import { SendMessagesUseCase } from '../../src/messaging/send-messages.usecase';
import { createTestApp, TestApp } from '../setup/test-app';
import { startSmtpPeer } from './messaging-smtp-peer';

const JOURNEY = '5d1c7a44-0f4e-4a8e-9a55-1f0c2a3b4c5d';
const DAY = 86_400_000;
const GLOBAL_CAP = 5;

describe('messaging: message kinds, per-journey caps, Email Sent events', () => {
  let t: TestApp;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let send: SendMessagesUseCase;
  let template: { id: string; version: number };
  let now = new Date('2026-06-01T12:00:00Z'); // 21:00 in Tokyo: quiet hours there

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    t = await createTestApp({
      SMTP_URL: smtp.url,
      WAYMARK_ROLES: 'api',
      PUBLIC_URL: 'https://mail.example.test',
      FREQUENCY_CAP: `${GLOBAL_CAP}/7d`,
    });
    admin = `Bearer ${t.adminKey}`;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    send = t.app.get(SendMessagesUseCase);
    const created = await post('/v1/templates', {
      key: 'receipt',
      name: 'Receipt',
      subject: 'Your order',
      html: '<p>Thanks</p>',
    }).expect(201);
    template = { id: created.body.id, version: created.body.version };
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const post = (p: string, body: object) => t.http().post(p).set('Authorization', admin).send(body);
  const get = (p: string) => t.http().get(p).set('Authorization', admin);
  const customer = async (userId: string, traits: Record<string, unknown>) =>
    post('/v1/identify', {
      userId,
      traits: { email: `${userId}@example.com`, marketingConsent: true, ...traits },
    }).expect(200);
  const queue = async (userId: string, extra: object = {}) =>
    (await post('/v1/messages', { template: 'receipt', customer: userId, ...extra }).expect(201)).body as {
      id: string;
    };
  const message = async (id: string) => (await get(`/v1/messages/${id}`).expect(200)).body;
  const drain = async () => {
    let n = 0;
    for (let claimed; (claimed = await send.executeOnce()) > 0;) n += claimed;
    return n;
  };
  const mailTo = (address: string) => smtp.received.filter((r) => r.to.includes(address));
  const customerId = async (userId: string) =>
    (await t.db.query(`SELECT id FROM customers WHERE external_id = $1`, [userId]))[0].id as string;
  const enqueue = async (userId: string, extra: Partial<EnqueueInput>) => {
    const id = await customerId(userId);
    return t.app.get(TransactionService).run((m) =>
      t.app.get(MessagesService).enqueue(m, {
        customerId: id,
        templateId: template.id,
        templateVersion: template.version,
        ...extra,
      }),
    );
  };
  const at = async <T>(when: Date, work: () => Promise<T>): Promise<T> => {
    const saved = now;
    now = when;
    try {
      return await work();
    } finally {
      now = saved;
    }
  };

  it('sends a transactional message without marketing consent, in quiet hours and over the frequency cap', async () => {
    await customer('tx-ann', { marketingConsent: false, timezone: 'Asia/Tokyo' });
    const marketing = await queue('tx-ann');
    const receipt = await queue('tx-ann', { kind: 'transactional' });
    expect(receipt).toMatchObject({ kind: 'transactional' });
    expect(await message(marketing.id)).toMatchObject({ kind: 'marketing' });
    await drain();
    expect(await message(marketing.id)).toMatchObject({ status: 'skipped', skipReason: 'no_consent' });
    expect(await message(receipt.id)).toMatchObject({ status: 'sent', skipReason: null });
    expect(mailTo('tx-ann@example.com')).toHaveLength(1);
  });

  it('defers a marketing message in quiet hours but not a transactional one', async () => {
    await customer('tx-ken', { timezone: 'Asia/Tokyo' });
    const marketing = await queue('tx-ken');
    const receipt = await queue('tx-ken', { kind: 'transactional' });
    await drain();
    expect(await message(marketing.id)).toMatchObject({ status: 'queued', skipReason: 'quiet_hours' });
    expect((await message(receipt.id)).status).toBe('sent');
  });

  it('ignores the global cap for transactional mail, and transactional mail does not use up the cap', async () => {
    await customer('tx-bo', {});
    const receipts = [];
    for (let i = 0; i < 4; i++) receipts.push(await queue('tx-bo', { kind: 'transactional' }));
    const marketing = [];
    for (let i = 0; i <= GLOBAL_CAP; i++) marketing.push(await queue('tx-bo'));
    await drain();
    for (const r of receipts) expect((await message(r.id)).status).toBe('sent');
    const statuses = await Promise.all(marketing.map((m) => message(m.id)));
    expect(statuses.filter((m) => m.status === 'sent')).toHaveLength(GLOBAL_CAP);
    expect(statuses.filter((m) => m.status === 'skipped')).toHaveLength(1);
    expect(statuses.find((m) => m.status === 'skipped').skipReason).toBe('frequency_cap');
    const late = await queue('tx-bo', { kind: 'transactional' });
    await drain();
    expect((await message(late.id)).status).toBe('sent'); // over the cap, still sent
    expect(mailTo('tx-bo@example.com')).toHaveLength(4 + GLOBAL_CAP + 1);
  });

  it('never sends a transactional message to a suppressed address, whatever the reason', async () => {
    for (const reason of ['unsubscribe', 'bounce', 'complaint']) {
      const user = `tx-sup-${reason}`;
      await customer(user, {});
      await post('/v1/suppressions', { email: `${user}@example.com`, reason }).expect(201);
      const receipt = await queue(user, { kind: 'transactional' });
      await drain();
      expect(await message(receipt.id)).toMatchObject({
        status: 'suppressed',
        skipReason: `suppressed:${reason}`,
      });
      expect(mailTo(`${user}@example.com`)).toHaveLength(0);
    }
  });

  it('refuses an unknown kind with 400', async () => {
    await customer('tx-bad', {});
    const res = await post('/v1/messages', {
      template: 'receipt',
      customer: 'tx-bad',
      kind: 'urgent',
    }).expect(400);
    expect(res.body.error).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body)).toContain('kind');
  });

  it('stores the journey, node and cap of a message queued through enqueue()', async () => {
    await customer('jr-amy', {});
    const cap = { key: `journey:${JOURNEY}`, max: 1, withinMs: DAY };
    const { id, created } = await enqueue('jr-amy', { journeyId: JOURNEY, nodeId: 'welcome-1', cap });
    expect(created).toBe(true);
    expect(await message(id)).toMatchObject({
      kind: 'marketing',
      journeyId: JOURNEY,
      nodeId: 'welcome-1',
      cap,
    });
    const [row] = await t.db.query(
      `SELECT journey_id, node_id, cap_key, cap_max, cap_within_ms FROM messages WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({
      journey_id: JOURNEY,
      node_id: 'welcome-1',
      cap_key: cap.key,
      cap_max: 1,
      cap_within_ms: String(DAY),
    });
    const plain = await queue('jr-amy');
    expect(await message(plain.id)).toMatchObject({ journeyId: null, nodeId: null, cap: null });
    await expect(enqueue('jr-amy', { cap: { key: 'x', max: 0, withinMs: DAY } })).rejects.toThrow(/cap/);
    await expect(enqueue('jr-amy', { journeyId: 'not-a-uuid' })).rejects.toThrow(/journeyId/);
  });

  it('skips a marketing message over its per-journey cap, naming the cap, and sends again once the window passes', async () => {
    await customer('jr-cap', {});
    const cap = { key: 'journey:winback', max: 2, withinMs: DAY };
    const sendOne = async (input: Partial<EnqueueInput>) => {
      const { id } = await enqueue('jr-cap', input);
      await drain();
      return message(id);
    };
    expect((await sendOne({ cap, journeyId: JOURNEY, nodeId: 'a' })).status).toBe('sent');
    expect((await sendOne({ cap, journeyId: JOURNEY, nodeId: 'b' })).status).toBe('sent');
    expect(await sendOne({ cap, journeyId: JOURNEY, nodeId: 'c' })).toMatchObject({
      status: 'skipped',
      skipReason: 'frequency_cap:journey:winback',
    });
    // another journey's cap key is counted on its own
    expect((await sendOne({ cap: { ...cap, key: 'journey:other' } })).status).toBe('sent');
    expect(mailTo('jr-cap@example.com')).toHaveLength(3);

    // a transactional message carrying the same cap key ignores the cap
    const receipt = await enqueue('jr-cap', { cap, kind: 'transactional' });
    await drain();
    expect((await message(receipt.id)).status).toBe('sent');

    // a day and a minute later the per-journey window has room again (the global cap has room too)
    const later = await at(new Date(now.getTime() + DAY + 60_000), async () => {
      const again = await enqueue('jr-cap', { cap });
      await drain();
      return message(again.id);
    });
    expect(later.status).toBe('sent');
  });

  it('decides a whole claimed batch at once: a second message of the same customer over a cap of 1 is skipped, other verdicts mixed', async () => {
    await customer('bt-two', {});
    await customer('bt-keys', {});
    await customer('bt-no', { marketingConsent: false });
    const cap = { key: 'journey:batch', max: 1, withinMs: DAY };
    const first = await enqueue('bt-two', { cap });
    const second = await enqueue('bt-two', { cap });
    const own = await enqueue('bt-keys', { cap });
    const other = await enqueue('bt-keys', { cap: { ...cap, key: 'journey:batch-2' } });
    const refused = await enqueue('bt-no', {});
    expect(await send.executeOnce(50)).toBe(5);
    const statuses = await Promise.all([first, second, own, other, refused].map((m) => message(m.id)));
    const verdict = (m: { status: string; skipReason: string | null }) => [m.status, m.skipReason];
    // queued at the same instant: either of the two may be the one that passes, never both
    expect(statuses.slice(0, 2).map(verdict).sort()).toEqual([
      ['sent', null],
      ['skipped', 'frequency_cap:journey:batch'],
    ]);
    expect(statuses.slice(2).map(verdict)).toEqual([
      ['sent', null],
      ['sent', null],
      ['skipped', 'no_consent'],
    ]);
    expect(mailTo('bt-two@example.com')).toHaveLength(1);
    expect(mailTo('bt-keys@example.com')).toHaveLength(2);
    // two Email Sent events of one customer recorded in one statement: the stats delta still equals a rebuild
    const keys = await customerId('bt-keys');
    const columns = `first_seen_at, last_seen_at, events_count, event_counts`;
    const [stats] = await t.db.query(`SELECT ${columns} FROM customer_stats WHERE customer_id = $1`, [keys]);
    expect(stats.event_counts['Email Sent']).toBe(2);
    await t.db.transaction(async (m) => {
      await recomputeStats(m, [keys], new Date());
      const [rebuilt] = await m.query(`SELECT ${columns} FROM customer_stats WHERE customer_id = $1`, [keys]);
      expect(rebuilt).toEqual(stats);
    });
  });

  it('keeps a cap of 1 exact when concurrent senders claim the same customer’s messages in different batches', async () => {
    const users = ['cc-1', 'cc-2', 'cc-3'];
    const cap = { key: 'journey:concurrent', max: 1, withinMs: DAY };
    for (const u of users) {
      await customer(u, {});
      for (let i = 0; i < 4; i++) await enqueue(u, { cap });
    }
    await Promise.all([1, 2, 3, 1, 2, 3].map((n) => send.executeOnce(n)));
    await drain();
    for (const u of users) {
      const rows = await t.db.query(
        `SELECT status, skip_reason FROM messages WHERE customer_id = $1 ORDER BY status`,
        [await customerId(u)],
      );
      expect(rows.filter((r: { status: string }) => r.status === 'sent')).toHaveLength(1);
      expect(
        rows.filter((r: { skip_reason: string }) => r.skip_reason === 'frequency_cap:journey:concurrent'),
      ).toHaveLength(3);
      expect(mailTo(`${u}@example.com`)).toHaveLength(1);
    }
  });

  it('records an Email Sent customer event with the message, template and journey when a message is sent', async () => {
    await customer('ev-sue', {});
    const { id } = await enqueue('ev-sue', { journeyId: JOURNEY, nodeId: 'n-7' });
    await customer('ev-no', { marketingConsent: false });
    const skipped = await queue('ev-no');
    await drain();
    expect((await message(id)).status).toBe('sent');
    expect((await message(skipped.id)).status).toBe('skipped');
    const events = await t.db.query(
      `SELECT e.message_id, e.properties, e."timestamp" FROM events e
        WHERE e.customer_id = $1 AND e.event = 'Email Sent'`,
      [await customerId('ev-sue')],
    );
    expect(events).toHaveLength(1);
    expect(events[0].message_id).toBe(`sent:${id}`);
    expect(events[0].properties).toMatchObject({
      messageId: id,
      templateId: template.id,
      templateKey: 'receipt',
      templateVersion: template.version,
      journeyId: JOURNEY,
      nodeId: 'n-7',
      kind: 'marketing',
    });
    expect(new Date(events[0].timestamp).toISOString()).toBe((await message(id)).sentAt);
    const statsColumns = `first_seen_at, last_seen_at, orders_count, revenue_total, events_count, event_counts`;
    const [stats] = await t.db.query(`SELECT ${statsColumns} FROM customer_stats WHERE customer_id = $1`, [
      await customerId('ev-sue'),
    ]);
    expect(stats.event_counts['Email Sent']).toBe(1);
    // The delta written with the event equals a rebuild of the stats from the whole event log.
    await t.db.transaction(async (m) => {
      await recomputeStats(m, [await customerId('ev-sue')], new Date());
      const [rebuilt] = await m.query(`SELECT ${statsColumns} FROM customer_stats WHERE customer_id = $1`, [
        await customerId('ev-sue'),
      ]);
      expect(rebuilt).toEqual(stats);
    });
    const none = await t.db.query(`SELECT 1 FROM events WHERE customer_id = $1 AND event = 'Email Sent'`, [
      await customerId('ev-no'),
    ]);
    expect(none).toHaveLength(0);
  });

  it('lets a segment select customers by their Email Sent events', async () => {
    const res = await post('/v1/segments', {
      key: 'mailed-recently',
      name: 'Mailed recently',
      rules: {
        all: [
          {
            fact: 'events',
            params: { event: 'Email Sent', withinDays: 30 },
            operator: 'greaterThanInclusive',
            value: 1,
          },
        ],
      },
    });
    expect(res.status).toBe(201);
    await post(`/v1/segments/${res.body.id}/refresh`, {}).expect((r) => expect(r.status).toBeLessThan(300));
    const members = (await get(`/v1/segments/${res.body.id}/members?limit=500`).expect(200)).body.items as {
      externalId?: string;
      customerId?: string;
      id?: string;
    }[];
    const ids = new Set(members.map((m) => m.customerId ?? m.id));
    expect(ids.has(await customerId('ev-sue'))).toBe(true);
    expect(ids.has(await customerId('ev-no'))).toBe(false);
  });
});
