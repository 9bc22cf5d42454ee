import { Clock } from '../../src/database/clock';
import { AdvanceRunsUseCase } from '../../src/journeys/engine/advance-runs.usecase';
import { ProcessInboxUseCase } from '../../src/journeys/engine/process-inbox.usecase';
import { DateTriggerJob } from '../../src/journeys/triggers/date-trigger.job';
import { SendMessagesUseCase } from '../../src/messaging/send-messages.usecase';
import { EvaluateChangesUseCase } from '../../src/segments/evaluate-changes.usecase';
import { createTestApp, TestApp } from '../setup/test-app';
import { startSmtpSink } from '../setup/smtp-sink';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Step-based: submit events, advance the clock, let each worker drain once, assert. Workers are off in this app
 * (api role only), so every step happens when the test says.
 */
describe('journeys: definitions, triggers, engine, timeline, simulation', () => {
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
      key: 'cart-reminder',
      name: 'Cart reminder',
      subject: 'You left {{ event.products | size }} items',
      html: '<ul>{% for p in event.products %}<li>{{ p.name }}</li>{% endfor %}</ul>',
      from: 'Shop <shop@example.com>',
    }).expect(201);
    await post('/v1/templates', {
      key: 'welcome',
      name: 'Welcome',
      subject: 'Welcome {{ customer.traits.firstName }} ({{ variant | default: "none" }})',
      html: '<p>Plan {{ event.plan }}</p>',
      from: 'Shop <shop@example.com>',
    }).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const post = (p: string, body: object) => t.http().post(p).set('Authorization', admin).send(body);
  const get = (p: string) => t.http().get(p).set('Authorization', admin);
  const customer = (userId: string, traits: Record<string, unknown> = {}) =>
    post('/v1/identify', {
      userId,
      traits: { email: `${userId}@example.com`, marketingConsent: true, ...traits },
      timestamp: now.toISOString(),
    }).expect(200);
  const track = (userId: string, event: string, properties: Record<string, unknown> = {}) =>
    post('/v1/track', { userId, event, properties, timestamp: now.toISOString() }).expect(200);
  const drain = async (worker: { executeOnce(): Promise<number> }) => {
    let total = 0;
    for (let n; (n = await worker.executeOnce()) > 0;) total += n;
    return total;
  };
  /** Lets every worker run until none has anything left to do at the current clock. */
  const settle = async () => {
    for (let round = 0; round < 20; round++) {
      const done =
        (await drain(t.app.get(EvaluateChangesUseCase))) +
        (await drain(t.app.get(ProcessInboxUseCase))) +
        (await drain(t.app.get(AdvanceRunsUseCase))) +
        (await drain(t.app.get(SendMessagesUseCase)));
      if (done === 0) return;
    }
    throw new Error('workers did not settle');
  };
  const advance = async (ms: number) => {
    now = new Date(now.getTime() + ms);
    await settle();
  };
  const createAndPublish = async (key: string, definition: object) => {
    await post('/v1/journeys', { key, name: key, definition }).expect(201);
    return (await post(`/v1/journeys/${key}/publish`, {}).expect(200)).body;
  };
  const runsOf = async (key: string, query = '') =>
    (await get(`/v1/journeys/${key}/runs?limit=500${query}`).expect(200)).body.items as {
      id: string;
      customerId: string;
      status: string;
      nodeId: string;
      endReason: string | null;
      revenue: number | null;
      context: Record<string, unknown>;
      timeline: {
        nodeId: string;
        outcome: string;
        detail: Record<string, unknown>;
        message?: { status: string };
      }[];
    }[];

  describe('definitions', () => {
    const simple = {
      trigger: { type: 'api' },
      nodes: [{ id: 'hello', type: 'send_email', template: 'welcome' }],
    };

    it('creates a draft, refuses a duplicate key, and publishes version 1', async () => {
      const created = await post('/v1/journeys', {
        key: 'draft-one',
        name: 'Draft',
        definition: simple,
      }).expect(201);
      expect(created.body).toMatchObject({ key: 'draft-one', status: 'draft', currentVersion: null });
      const dup = await post('/v1/journeys', { key: 'draft-one', name: 'Again', definition: simple }).expect(
        409,
      );
      expect(dup.body.error).toBe('JOURNEY_KEY_TAKEN');
      const published = await post('/v1/journeys/draft-one/publish', {}).expect(200);
      expect(published.body).toMatchObject({ status: 'live', currentVersion: 1, version: 1 });
      const versions = (await get('/v1/journeys/draft-one/versions').expect(200)).body;
      expect(versions).toHaveLength(1);
      expect(versions[0].pinned.templates.hello).toMatchObject({ key: 'welcome', version: 1 });
    });

    it('answers 404 for an unknown journey and 400 for a bad body', async () => {
      expect((await get('/v1/journeys/nope').expect(404)).body.error).toBe('JOURNEY_NOT_FOUND');
      // A uuid-shaped reference is looked up as an id and as a key (a key may look like a uuid).
      const unknownId = '4f9c2d3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f';
      expect((await get(`/v1/journeys/${unknownId}`).expect(404)).body.error).toBe('JOURNEY_NOT_FOUND');
      await post('/v1/journeys', { key: unknownId, name: 'Uuid-shaped key', definition: simple }).expect(201);
      expect((await get(`/v1/journeys/${unknownId}`).expect(200)).body.key).toBe(unknownId);
      const bad = await post('/v1/journeys', { key: 'Bad Key!', name: '', definition: 'x' }).expect(400);
      expect(bad.body.error).toBe('VALIDATION_FAILED');
    });

    it('pauses, resumes and archives; an archived journey cannot be resumed or enrolled into', async () => {
      expect((await post('/v1/journeys/draft-one/pause', {}).expect(200)).body.status).toBe('paused');
      await customer('paused-1');
      const refused = await post('/v1/journeys/draft-one/enrol', { customer: 'paused-1' }).expect(409);
      expect(refused.body.error).toBe('JOURNEY_NOT_LIVE');
      expect((await post('/v1/journeys/draft-one/resume', {}).expect(200)).body.status).toBe('live');
      await t.http().delete('/v1/journeys/draft-one').set('Authorization', admin).expect(204);
      expect((await get('/v1/journeys/draft-one').expect(200)).body.status).toBe('archived');
      expect((await post('/v1/journeys/draft-one/resume', {}).expect(409)).body.error).toBe(
        'JOURNEY_ARCHIVED',
      );
    });

    it('refuses to publish a broken graph with 422 listing every problem, and changes nothing', async () => {
      const broken = {
        trigger: { type: 'segment_entered', segment: 'no-such-segment' },
        nodes: [
          { id: 'start', type: 'branch', branches: [{ when: { all: [] }, next: 'loop' }] },
          { id: 'loop', type: 'update_customer', set: { a: 1 }, next: 'again' },
          { id: 'again', type: 'send_email', template: 'no-such-template', next: 'loop' },
          {
            id: 'ab',
            type: 'split',
            variants: [
              { name: 'a', weight: 0.5, next: 'start' },
              { name: 'b', weight: 0.4, next: 'gone' },
            ],
          },
        ],
      };
      await post('/v1/journeys', { key: 'broken', name: 'Broken', definition: broken }).expect(201);
      const res = await post('/v1/journeys/broken/publish', {}).expect(422);
      expect(res.body.error).toBe('INVALID_JOURNEY');
      const paths = (res.body.problems as { path: string; message: string }[]).map((p) => p.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'trigger.segment',
          'nodes[0].else',
          'nodes[2].template',
          'nodes[3].variants',
          'nodes[3].variants[1].next',
          'nodes[3]',
        ]),
      );
      expect(res.body.problems.some((p: { message: string }) => /cycle|loop/i.test(p.message))).toBe(true);
      const after = (await get('/v1/journeys/broken').expect(200)).body;
      expect(after).toMatchObject({ status: 'draft', currentVersion: null });
    });

    it('refuses to pause a journey that was never published', async () => {
      await post('/v1/journeys', { key: 'never', name: 'Never', definition: simple }).expect(201);
      expect((await post('/v1/journeys/never/pause', {}).expect(409)).body.error).toBe(
        'JOURNEY_NOT_PUBLISHED',
      );
    });
  });

  describe('cart abandonment', () => {
    beforeAll(() =>
      createAndPublish('cart', {
        trigger: { type: 'cart_abandoned', window: '1h' },
        nodes: [
          { id: 'remind', type: 'send_email', template: 'cart-reminder', next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      }),
    );

    it('sends one reminder with the cart’s products after the window, and nothing to a customer who ordered', async () => {
      await customer('shopper');
      await customer('buyer');
      await track('shopper', 'Product Added', { product_id: 'p1', name: 'Red Shoes', price: 40 });
      await track('buyer', 'Product Added', { product_id: 'p9', name: 'Hat', price: 10 });
      await advance(10 * MINUTE);
      await track('shopper', 'Product Added', { product_id: 'p2', name: 'Blue Socks', price: 5 });
      await track('buyer', 'Order Completed', { order_id: 'o1', revenue: 10 });
      await advance(30 * MINUTE);
      expect(smtp.to('shopper@example.com')).toHaveLength(0); // the second add pushed the window back

      await advance(45 * MINUTE);
      const [mail] = smtp.to('shopper@example.com');
      expect(smtp.to('shopper@example.com')).toHaveLength(1);
      expect(mail.mail.subject).toBe('You left 2 items');
      expect(mail.mail.html).toContain('Red Shoes');
      expect(mail.mail.html).toContain('Blue Socks');
      expect(smtp.to('buyer@example.com')).toHaveLength(0);

      const runs = await runsOf('cart');
      const shopper = runs.find((r) => r.status === 'exited' && r.endReason === 'exit node')!;
      expect(shopper.timeline.map((s) => s.outcome)).toEqual(['cart_abandoned', 'queued', 'exit']);
      expect(shopper.timeline[1].message?.status).toBe('sent');
      expect(runs.filter((r) => r.endReason === 'ordered')).toHaveLength(1);

      await advance(DAY);
      expect(smtp.to('shopper@example.com')).toHaveLength(1);
    });
  });

  describe('identity and privacy', () => {
    it('keeps an anonymous cart when the visitor identifies, exports the run and erases it', async () => {
      await post('/v1/track', {
        anonymousId: 'anon-cart',
        event: 'Product Added',
        properties: { product_id: 'p7', name: 'Green Scarf' },
        timestamp: now.toISOString(),
      }).expect(200);
      await settle();
      await post('/v1/identify', {
        anonymousId: 'anon-cart',
        userId: 'known-cart',
        traits: { email: 'known-cart@example.com', marketingConsent: true },
        timestamp: now.toISOString(),
      }).expect(200);
      await advance(2 * HOUR);
      const [mail] = smtp.to('known-cart@example.com');
      expect(mail.mail.html).toContain('Green Scarf');

      const exported = (await get('/v1/customers/known-cart/export').expect(200)).body;
      expect(exported.journeyRuns).toHaveLength(1);
      expect(exported.journeyRuns[0]).toMatchObject({ journey: 'cart', status: 'exited' });
      expect(exported.journeyRuns[0].timeline.map((s: { outcome: string }) => s.outcome)).toEqual([
        'cart_abandoned',
        'queued',
        'exit',
      ]);
      expect(exported.messages).toHaveLength(1);
      expect(exported.messages[0]).toMatchObject({ template: 'cart-reminder', status: 'sent' });

      const id = exported.id as string;
      await t.http().delete('/v1/customers/known-cart').set('Authorization', admin).expect(204);
      const [{ runs }] = await t.db.query(
        `SELECT count(*)::int AS runs FROM journey_runs WHERE customer_id = $1`,
        [id],
      );
      expect(runs).toBe(0);
    });
  });

  describe('event trigger, waits, branch, split, goals', () => {
    beforeAll(() =>
      createAndPublish('onboarding', {
        trigger: {
          type: 'event',
          event: 'Signed Up',
          where: [{ path: '$.plan', operator: 'in', value: ['pro', 'free'] }],
        },
        nodes: [
          { id: 'pause', type: 'wait', duration: '1d', next: 'plan' },
          {
            id: 'plan',
            type: 'branch',
            branches: [
              {
                name: 'pro',
                when: { all: [{ fact: 'context', path: '$.event.plan', operator: 'equal', value: 'pro' }] },
                next: 'ab',
              },
            ],
            else: 'tag',
          },
          {
            id: 'ab',
            type: 'split',
            variants: [
              { name: 'a', weight: 0.5, next: 'mail' },
              { name: 'b', weight: 0.5, next: 'mail' },
            ],
          },
          { id: 'mail', type: 'send_email', template: 'welcome', next: 'tag' },
          { id: 'tag', type: 'update_customer', set: { onboarded: true }, increment: { journeys: 1 } },
        ],
        goals: [{ name: 'first order', event: 'Order Completed', within: '7d' }],
        reentry: { policy: 'once' },
      }),
    );

    it('starts on a matching event only, waits a day, branches on the event, splits and sends', async () => {
      await customer('pro-1', { firstName: 'Pia' });
      await customer('free-1', { firstName: 'Fred' });
      await customer('other-1');
      await track('pro-1', 'Signed Up', { plan: 'pro' });
      await track('free-1', 'Signed Up', { plan: 'free' });
      await track('other-1', 'Signed Up', { plan: 'enterprise' });
      await advance(MINUTE);
      const waiting = await runsOf('onboarding');
      expect(waiting).toHaveLength(2);
      expect(waiting.every((r) => r.status === 'active' && r.nodeId === 'pause')).toBe(true);

      await advance(DAY);
      expect(smtp.to('pro-1@example.com')).toHaveLength(1);
      expect(smtp.to('free-1@example.com')).toHaveLength(0);
      const runs = await runsOf('onboarding');
      const pro = runs.find((r) => r.timeline.some((s) => s.outcome === 'queued'))!;
      expect(pro.status).toBe('completed');
      expect(pro.timeline.map((s) => s.nodeId)).toEqual(['pause', 'plan', 'ab', 'mail', 'tag']);
      const branch = pro.timeline[1].detail as { taken: string; evaluated: { matched: boolean }[] };
      expect(branch.taken).toBe('pro');
      const variant = (pro.timeline[2].detail as { variant: string }).variant;
      expect(['a', 'b']).toContain(variant);
      expect(smtp.to('pro-1@example.com')[0].mail.subject).toBe('Welcome Pia (none)');
      const free = runs.find((r) => r !== pro)!;
      expect(free.timeline.map((s) => s.nodeId)).toEqual(['pause', 'plan', 'tag']);
      expect((free.timeline[1].detail as { taken: string }).taken).toBe('else');

      const profile = (await get('/v1/customers/free-1').expect(200)).body;
      expect(profile.traits).toMatchObject({ onboarded: true, journeys: 1 });
    });

    it('enters a customer once under the once policy', async () => {
      await track('pro-1', 'Signed Up', { plan: 'pro' });
      await advance(MINUTE);
      expect((await runsOf('onboarding')).filter((r) => r.status !== 'completed')).toHaveLength(0);
    });

    it('converts a run when the goal event happens inside the window, with the order revenue', async () => {
      await customer('pro-2');
      await track('pro-2', 'Signed Up', { plan: 'pro' });
      await advance(HOUR);
      await track('pro-2', 'Order Completed', { revenue: 99.5 });
      await advance(MINUTE);
      const run = (await runsOf('onboarding')).find((r) => r.status === 'converted')!;
      expect(run).toMatchObject({ status: 'converted', revenue: 99.5, endReason: 'goal: first order' });
      expect(run.timeline.at(-1)).toMatchObject({ outcome: 'converted' });
      await advance(DAY);
      expect(smtp.to('pro-2@example.com')).toHaveLength(0);
    });

    it('lists the customer’s runs with their timelines', async () => {
      const res = await get('/v1/customers/pro-1/journeys').expect(200);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({ journey: 'onboarding', status: 'completed' });
      expect(res.body.items[0].timeline[0]).toMatchObject({
        nodeId: 'pause',
        nodeType: 'wait',
        outcome: 'waited',
      });
    });
  });

  describe('wait for an event', () => {
    beforeAll(() =>
      createAndPublish('nudge', {
        trigger: { type: 'api' },
        nodes: [
          {
            id: 'await-click',
            type: 'wait',
            event: { name: 'Email Clicked' },
            timeout: '2d',
            next: 'clicked',
            timeoutNext: 'remind',
          },
          { id: 'clicked', type: 'update_customer', set: { engaged: true } },
          { id: 'remind', type: 'send_email', template: 'welcome' },
        ],
        reentry: { policy: 'always' },
      }),
    );

    it('continues on the event, or on the timeout branch', async () => {
      await customer('clicker', { firstName: 'C' });
      await customer('idle', { firstName: 'I' });
      for (const c of ['clicker', 'idle'])
        expect(
          (await post('/v1/journeys/nudge/enrol', { customer: c, context: { plan: 'x' } }).expect(200)).body,
        ).toMatchObject({ enrolled: true });
      await advance(MINUTE);
      const parked = await runsOf('nudge');
      expect(parked.every((r) => r.status === 'waiting')).toBe(true);
      expect(parked[0].timeline).toEqual([
        expect.objectContaining({
          nodeId: 'await-click',
          outcome: 'waiting for Email Clicked',
          leftAt: null,
        }),
      ]);
      await track('clicker', 'Email Clicked', { url: 'https://example.com' });
      await advance(MINUTE);
      await advance(2 * DAY);
      const runs = await runsOf('nudge');
      const outcomes = runs.map((r) => r.timeline.map((s) => s.outcome).join(',')).sort();
      expect(outcomes).toEqual(['event,updated', 'timeout,queued']);
      expect(smtp.to('idle@example.com')).toHaveLength(1);
      expect(smtp.to('clicker@example.com')).toHaveLength(0);
      expect((await get('/v1/customers/clicker').expect(200)).body.traits.engaged).toBe(true);
    });

    it('keeps a run on the version it entered while new entries use the newest', async () => {
      await customer('v1-runner', { firstName: 'V' });
      await post('/v1/journeys/nudge/enrol', { customer: 'v1-runner' }).expect(200);
      await advance(MINUTE);
      await t
        .http()
        .patch('/v1/journeys/nudge')
        .set('Authorization', admin)
        .send({
          definition: {
            trigger: { type: 'api' },
            nodes: [{ id: 'only', type: 'update_customer', set: { sawV2: true } }],
            reentry: { policy: 'always' },
          },
        })
        .expect(200);
      expect((await post('/v1/journeys/nudge/publish', {}).expect(200)).body.version).toBe(2);
      await customer('v2-runner');
      await post('/v1/journeys/nudge/enrol', { customer: 'v2-runner' }).expect(200);
      await advance(2 * DAY + MINUTE);
      expect((await get('/v1/customers/v2-runner').expect(200)).body.traits.sawV2).toBe(true);
      expect(smtp.to('v1-runner@example.com')).toHaveLength(1); // v1's timeout path still sends
      const runs = await runsOf('nudge', '&customer=v1-runner');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'completed' });
      expect((runs[0] as unknown as { version: number }).version).toBe(1);
    });

    it('refuses a second live run for the same customer even under the always policy', async () => {
      await post('/v1/journeys/nudge/enrol', { customer: 'idle' }).expect(200);
      const second = await post('/v1/journeys/nudge/enrol', { customer: 'idle' }).expect(200);
      expect(second.body).toEqual({ enrolled: false, reason: 'already in the journey' });
      expect((await post('/v1/journeys/nudge/enrol', { customer: 'ghost' }).expect(404)).body.error).toBe(
        'CUSTOMER_NOT_FOUND',
      );
    });
  });

  describe('wait until a local time', () => {
    it('waits until 09:00 on the next Tuesday in the customer’s timezone', async () => {
      await createAndPublish('tuesday-digest', {
        trigger: { type: 'api' },
        nodes: [
          { id: 'tuesday', type: 'wait', until: { time: '09:00', weekdays: [2] }, next: 'mark' },
          { id: 'mark', type: 'update_customer', set: { digest: true } },
        ],
      });
      await customer('tokyo', { timezone: 'Asia/Tokyo' });
      await post('/v1/journeys/tuesday-digest/enrol', { customer: 'tokyo' }).expect(200);
      await advance(MINUTE);
      const [run] = await runsOf('tuesday-digest');
      const wakeAt = new Date((run as unknown as { wakeAt: string }).wakeAt);
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Tokyo',
        weekday: 'long',
        hour: '2-digit',
        minute: '2-digit',
      }).format(wakeAt);
      expect(local).toBe('Tuesday 09:00');
      expect(wakeAt.getTime() - now.getTime()).toBeGreaterThan(0);
      expect(wakeAt.getTime() - now.getTime()).toBeLessThanOrEqual(7 * DAY);

      await advance(wakeAt.getTime() - now.getTime() - MINUTE);
      expect((await get('/v1/customers/tokyo').expect(200)).body.traits.digest).toBeUndefined();
      await advance(MINUTE);
      expect((await get('/v1/customers/tokyo').expect(200)).body.traits.digest).toBe(true);
    });
  });

  describe('delivery rules per journey', () => {
    it('applies the journey’s frequency cap, and sends transactional steps without marketing consent', async () => {
      await createAndPublish('capped', {
        trigger: { type: 'api' },
        nodes: [
          { id: 'first', type: 'send_email', template: 'welcome', next: 'second' },
          { id: 'second', type: 'send_email', template: 'welcome', next: 'receipt' },
          { id: 'receipt', type: 'send_email', template: 'welcome', transactional: true },
        ],
        frequencyCap: { max: 1, within: '1d' },
      });
      await customer('capped-1', { firstName: 'Cap' });
      await customer('no-consent', { firstName: 'Nc', marketingConsent: false });
      for (const c of ['capped-1', 'no-consent'])
        await post('/v1/journeys/capped/enrol', { customer: c }).expect(200);
      await advance(MINUTE);
      expect(smtp.to('capped-1@example.com')).toHaveLength(2); // first + the transactional receipt
      expect(smtp.to('no-consent@example.com')).toHaveLength(1); // the receipt only
      const [run] = await runsOf('capped', '&customer=capped-1');
      // Both marketing sends were queued in the same step: the cap lets exactly one of them through.
      const [a, b, receipt] = run.timeline.map((s) => s.message?.status);
      expect([a, b].sort()).toEqual(['sent', 'skipped']);
      expect(receipt).toBe('sent');
      const skipped = run.timeline.find((s) => s.message?.status === 'skipped')!.message as unknown as {
        skipReason: string;
      };
      expect(skipped.skipReason).toMatch(/^frequency_cap:journey:/);
    });
  });

  describe('content block overrides', () => {
    it('renders the block variant a send step forces, and refuses a block the template does not have', async () => {
      await post('/v1/templates', {
        key: 'hero-mail',
        name: 'Hero',
        subject: 'Hero',
        html: '<div>{% block_for "hero" %}</div>',
        from: 'Shop <shop@example.com>',
        blocks: {
          hero: [
            { when: { segment: 'no-such-members' }, html: '<b>VIP picks</b>' },
            { html: '<i>Bestsellers</i>' },
          ],
        },
      }).expect(201);
      await createAndPublish('forced-hero', {
        trigger: { type: 'api' },
        nodes: [{ id: 'send', type: 'send_email', template: 'hero-mail', blocks: { hero: 0 } }],
      });
      await customer('hero-1');
      await post('/v1/journeys/forced-hero/enrol', { customer: 'hero-1' }).expect(200);
      await advance(MINUTE);
      const [mail] = smtp.to('hero-1@example.com');
      expect(mail.mail.html).toContain('VIP picks');
      expect(mail.mail.html).not.toContain('Bestsellers');

      await post('/v1/journeys', {
        key: 'bad-hero',
        name: 'Bad hero',
        definition: {
          trigger: { type: 'api' },
          nodes: [{ id: 'send', type: 'send_email', template: 'hero-mail', blocks: { hero: 2, footer: 0 } }],
        },
      }).expect(201);
      const res = await post('/v1/journeys/bad-hero/publish', {}).expect(422);
      expect(res.body.problems.map((p: { path: string }) => p.path).sort()).toEqual([
        'nodes[0].blocks.footer',
        'nodes[0].blocks.hero',
      ]);
    });
  });

  describe('segment and date triggers', () => {
    it('starts a run when a customer enters a segment', async () => {
      await post('/v1/segments', {
        key: 'vip',
        name: 'VIP',
        rules: { all: [{ fact: 'traits', path: '$.tier', operator: 'equal', value: 'gold' }] },
      }).expect(201);
      await createAndPublish('vip-welcome', {
        trigger: { type: 'segment_entered', segment: 'vip' },
        nodes: [{ id: 'hi', type: 'send_email', template: 'welcome' }],
      });
      await customer('goldie', { firstName: 'Goldie', tier: 'gold' });
      await customer('silver', { firstName: 'Sil', tier: 'silver' });
      await advance(MINUTE);
      expect(smtp.to('goldie@example.com')).toHaveLength(1);
      expect(smtp.to('silver@example.com')).toHaveLength(0);
    });

    it('starts a run when a customer leaves a segment, and on a CLV tier change that fits from/to', async () => {
      await createAndPublish('vip-lost', {
        trigger: { type: 'segment_exited', segment: 'vip' },
        nodes: [{ id: 'miss-you', type: 'update_customer', set: { lostVip: true } }],
      });
      await createAndPublish('tier-up', {
        trigger: { type: 'clv_tier_changed', to: 'high' },
        nodes: [{ id: 'mark', type: 'update_customer', increment: { tierUps: 1 } }],
      });
      await post('/v1/identify', { userId: 'goldie', traits: { tier: 'bronze' } }).expect(200);
      await advance(MINUTE);
      expect((await get('/v1/customers/goldie').expect(200)).body.traits.lostVip).toBe(true);
      expect((await get('/v1/customers/silver').expect(200)).body.traits.lostVip).toBeUndefined();

      // The analytics module writes these rows when a CLV fit moves a customer between tiers.
      const { id } = (await get('/v1/customers/silver').expect(200)).body;
      await t.db.query(
        `INSERT INTO score_transitions (customer_id, kind, from_value, to_value, at)
         VALUES ($1, 'clv_tier_changed', 'medium', 'high', $2), ($1, 'clv_tier_changed', 'high', 'low', $2)`,
        [id, now],
      );
      await advance(MINUTE);
      expect((await get('/v1/customers/silver').expect(200)).body.traits.tierUps).toBe(1);
    });

    it('starts birthday runs at the local time, once a year', async () => {
      await createAndPublish('birthday', {
        trigger: { type: 'date', trait: 'birthday', at: '10:00' },
        nodes: [{ id: 'card', type: 'send_email', template: 'welcome' }],
        reentry: { policy: 'always' },
      });
      const today = now.toISOString().slice(5, 10);
      await customer('bday-paris', { birthday: `1990-${today}`, firstName: 'Paris' });
      await post('/v1/identify', { userId: 'bday-paris', traits: { timezone: 'Europe/Paris' } }).expect(200);
      await customer('bday-other', { birthday: '1990-01-01', firstName: 'Other' });
      const job = t.app.get(DateTriggerJob);
      now = new Date(`${now.toISOString().slice(0, 10)}T07:30:00Z`); // 09:30 in Paris: not yet
      expect(await job.execute()).toBe(0);
      now = new Date(now.getTime() + HOUR); // 10:30 in Paris
      expect(await job.execute()).toBe(1);
      expect(await job.execute()).toBe(0);
      await settle();
      expect(smtp.to('bday-paris@example.com')).toHaveLength(1);
      expect(smtp.to('bday-other@example.com')).toHaveLength(0);
    });
  });

  describe('experiment split', () => {
    it('routes by the experiment’s stored assignment and passes the arm to the template', async () => {
      await post('/v1/experiments', {
        key: 'welcome-test',
        name: 'Welcome test',
        arms: [
          { name: 'control', weight: 0.5 },
          { name: 'short', weight: 0.5 },
        ],
        primaryMetric: 'open_rate',
        status: 'running',
      }).expect(201);
      await createAndPublish('split-test', {
        trigger: { type: 'api' },
        nodes: [
          { id: 'ab', type: 'split', experiment: 'welcome-test', arms: { control: 'mail', short: 'mail' } },
          { id: 'mail', type: 'send_email', template: 'welcome' },
        ],
      });
      await customer('exp-1', { firstName: 'E' });
      await post('/v1/journeys/split-test/enrol', { customer: 'exp-1' }).expect(200);
      await advance(MINUTE);
      const assignment = (await get('/v1/experiments/welcome-test/assignments/exp-1').expect(200)).body;
      expect(smtp.to('exp-1@example.com')[0].mail.subject).toBe(`Welcome E (${assignment.arm})`);
      const results = (await get('/v1/experiments/welcome-test/results').expect(200)).body;
      const arm = results.overall.arms.find((a: { name: string }) => a.name === assignment.arm);
      expect(arm).toMatchObject({ exposures: 1, sends: 1, recipients: 1 });
    });
  });

  describe('simulation', () => {
    it('shows the path a customer would take without side effects', async () => {
      const before = (await runsOf('onboarding')).length;
      const res = await post('/v1/journeys/onboarding/simulate', {
        customer: 'free-1',
        context: { plan: 'pro' },
      }).expect(200);
      expect(res.body.path.map((s: { nodeId: string }) => s.nodeId)).toEqual([
        'pause',
        'plan',
        'ab',
        'mail',
        'tag',
      ]);
      expect(res.body.path[1].detail.taken).toBe('pro');
      expect(res.body.outcome).toBe('completed');
      const free = await post('/v1/journeys/onboarding/simulate', {
        facts: {},
        context: { plan: 'free' },
      }).expect(200);
      expect(free.body.path.map((s: { nodeId: string }) => s.nodeId)).toEqual(['pause', 'plan', 'tag']);
      expect((await runsOf('onboarding')).length).toBe(before);
      expect((await get('/v1/customers/free-1').expect(200)).body.traits.journeys).toBe(1);
    });
  });
});
