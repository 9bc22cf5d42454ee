import { Clock } from '../../src/database/clock';
import { AdvanceRunsUseCase } from '../../src/journeys/engine/advance-runs.usecase';
import { ProcessInboxUseCase } from '../../src/journeys/engine/process-inbox.usecase';
import { MessagesService } from '../../src/messaging/messages.service';
import { SendMessagesUseCase } from '../../src/messaging/send-messages.usecase';
import { createTestApp, TestApp } from '../setup/test-app';
import { startSmtpSink } from '../setup/smtp-sink';

/**
 * The engine advances a claimed batch together: facts loaded once, outbox rows and run moves written in a few
 * statements. These pin what that must not change: a branch after a trait update sees the update, every run of a
 * batch gets its own message and timeline, and one run whose send cannot be written fails alone.
 */
describe('journeys: batched advancing', () => {
  let t: TestApp;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let now = new Date('2026-06-01T12:00:00Z');

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({
      SMTP_URL: smtp.url,
      WAYMARK_ROLES: 'api',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP: '100/1d',
    });
    admin = `Bearer ${t.adminKey}`;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    await post('/v1/templates', {
      key: 'hello',
      name: 'Hello',
      subject: 'Hello {{ customer.traits.tier | default: "none" }}',
      html: '<p>Hi</p>',
      from: 'Shop <shop@example.com>',
    }).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const post = (p: string, body: object) => t.http().post(p).set('Authorization', admin).send(body);
  const get = (p: string) => t.http().get(p).set('Authorization', admin);
  const drain = async (worker: { executeOnce(): Promise<number> }) => {
    while ((await worker.executeOnce()) > 0);
  };
  const settle = async () => {
    await drain(t.app.get(ProcessInboxUseCase));
    await drain(t.app.get(AdvanceRunsUseCase));
    await drain(t.app.get(SendMessagesUseCase));
  };
  const identifyAndTrack = async (prefix: string, n: number, event: string, traits = {}) => {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const at = now.toISOString();
    await post('/v1/batch', {
      batch: [
        ...ids.map((userId) => ({
          type: 'identify',
          userId,
          traits: { email: `${userId}@example.com`, marketingConsent: true, ...traits },
          timestamp: at,
        })),
        ...ids.map((userId) => ({ type: 'track', userId, event, timestamp: at })),
      ],
    }).expect(200);
    return ids;
  };
  const publish = async (key: string, definition: object) => {
    await post('/v1/journeys', { key, name: key, definition }).expect(201);
    await post(`/v1/journeys/${key}/publish`, {}).expect(200);
  };
  type Run = {
    customerId: string;
    status: string;
    timeline: { nodeId: string; outcome: string; detail: Record<string, unknown> }[];
  };
  const runsOf = async (key: string) =>
    (await get(`/v1/journeys/${key}/runs?limit=500`).expect(200)).body.items as Run[];

  it('sends one message per run of a batch, each with its own id in the timeline', async () => {
    await publish('many', {
      trigger: { type: 'event', event: 'Many' },
      nodes: [
        { id: 'pause', type: 'wait', duration: '0s', next: 'vip' },
        {
          id: 'vip',
          type: 'branch',
          branches: [
            {
              name: 'vip',
              when: { all: [{ fact: 'traits', path: '$.vip', operator: 'equal', value: true }] },
              next: 'ab',
            },
          ],
          else: 'ab',
        },
        {
          id: 'ab',
          type: 'split',
          variants: [
            { name: 'a', weight: 0.5, next: 'mail' },
            { name: 'b', weight: 0.5, next: 'mail' },
          ],
        },
        { id: 'mail', type: 'send_email', template: 'hello' },
      ],
    });
    const ids = await identifyAndTrack('many', 40, 'Many', { vip: true });
    await settle();
    for (const id of ids) expect(smtp.to(`${id}@example.com`)).toHaveLength(1);
    const runs = await runsOf('many');
    expect(runs).toHaveLength(40);
    const messageIds = runs.map((r) => {
      expect(r.status).toBe('completed');
      expect(r.timeline.map((s) => s.nodeId)).toEqual(['pause', 'vip', 'ab', 'mail']);
      expect(r.timeline[1].detail.taken).toBe('vip');
      expect(r.timeline[3].detail).toMatchObject({ replayed: false, template: 'hello' });
      return r.timeline[3].detail.messageId;
    });
    expect(new Set(messageIds).size).toBe(40);
  });

  it('lets a branch see a trait that an earlier step of the same batch changed', async () => {
    await publish('upgrade', {
      trigger: { type: 'event', event: 'Upgrade' },
      nodes: [
        { id: 'tag', type: 'update_customer', set: { tier: 'gold' }, next: 'check' },
        {
          id: 'check',
          type: 'branch',
          branches: [
            {
              name: 'gold',
              when: { all: [{ fact: 'traits', path: '$.tier', operator: 'equal', value: 'gold' }] },
              next: 'mail',
            },
          ],
          else: 'out',
        },
        { id: 'mail', type: 'send_email', template: 'hello' },
        { id: 'out', type: 'exit' },
      ],
    });
    const ids = await identifyAndTrack('upgrade', 3, 'Upgrade', { tier: 'silver' });
    await settle();
    for (const id of ids) expect(smtp.to(`${id}@example.com`)[0]?.mail.subject).toBe('Hello gold');
    for (const r of await runsOf('upgrade')) expect(r.timeline[1].detail.taken).toBe('gold');
  });

  it('fails only the run whose send cannot be written, and retries it later', async () => {
    await publish('fragile', {
      trigger: { type: 'event', event: 'Fragile' },
      nodes: [{ id: 'mail', type: 'send_email', template: 'hello' }],
    });
    const ids = await identifyAndTrack('fragile', 5, 'Fragile');
    await drain(t.app.get(ProcessInboxUseCase));
    const messages = t.app.get(MessagesService);
    const real = messages.enqueueMany.bind(messages);
    const doomed = (await t.db.query(`SELECT id FROM customers WHERE external_id = $1`, [ids[2]]))[0]?.id;
    // As if the customer had been erased between the claim and the write.
    const spy = jest
      .spyOn(messages, 'enqueueMany')
      .mockImplementation(async (m, inputs) =>
        (await real(m, inputs)).map((r, k) => (inputs[k].customerId === doomed ? null : r)),
      );
    try {
      await drain(t.app.get(AdvanceRunsUseCase));
    } finally {
      spy.mockRestore();
    }
    await drain(t.app.get(SendMessagesUseCase));
    for (const id of ids) expect(smtp.to(`${id}@example.com`)).toHaveLength(id === ids[2] ? 0 : 1);
    const [failed] = await t.db.query(
      `SELECT status, attempts, last_error FROM journey_runs WHERE customer_id = $1`,
      [doomed],
    );
    expect(failed).toMatchObject({ status: 'active', attempts: 1 });
    expect(failed.last_error).toMatch(/no longer exists/);

    now = new Date(now.getTime() + 60_000);
    await settle();
    expect(smtp.to(`${ids[2]}@example.com`)).toHaveLength(1);
  });
});
