import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleParser } from 'mailparser';
import { Clock } from '../../src/database/clock';
import { SendMessagesUseCase } from '../../src/messaging/send-messages.usecase';
import { createTestApp, TestApp } from '../setup/test-app';
import { header, startSmtpPeer, unsubscribeUrl } from './messaging-smtp-peer';
import { forgeSignature } from '../setup/forge';

describe('messaging: outbox, sender, guards, headers, unsubscribe', () => {
  let t: TestApp;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let send: SendMessagesUseCase;
  let now = new Date('2026-06-01T12:00:00Z');

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    // api only: the test drives the sender itself, so every step is deterministic
    t = await createTestApp({
      SMTP_URL: smtp.url,
      WAYMARK_ROLES: 'api',
      PUBLIC_URL: 'https://mail.example.test',
    });
    admin = `Bearer ${t.adminKey}`;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    send = t.app.get(SendMessagesUseCase);
    await post('/v1/templates', {
      key: 'promo',
      name: 'Promo',
      subject: 'Hello {{ customer.traits.firstName | default: "friend" }}',
      html: '<p>Hi {{ customer.traits.firstName }}</p><p><a href="{{ links.unsubscribe }}">unsubscribe</a></p>',
      from: 'Shop <shop@example.com>',
    }).expect(201);
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
    (await post('/v1/messages', { template: 'promo', customer: userId, ...extra }).expect(201)).body as {
      id: string;
      messageIdHeader: string;
    };
  const message = async (id: string) => (await get(`/v1/messages/${id}`).expect(200)).body;
  const drain = async () => {
    let n = 0;
    for (let claimed; (claimed = await send.executeOnce()) > 0;) n += claimed;
    return n;
  };
  const mailTo = (address: string) => smtp.received.filter((r) => r.to.includes(address));

  it('queues a message and sends it through SMTP with the rendered template and the headers', async () => {
    await customer('ada', { firstName: 'Ada' });
    const queued = await queue('ada');
    expect(await message(queued.id)).toMatchObject({
      status: 'queued',
      attempts: 0,
      toEmail: 'ada@example.com',
    });
    expect(queued.messageIdHeader).toBe(`<${queued.id}@mail.example.test>`);

    expect(await drain()).toBe(1);
    const sent = await message(queued.id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 1, subject: 'Hello Ada', skipReason: null });
    expect(sent.sentAt).toBe(now.toISOString());

    const [got] = mailTo('ada@example.com');
    expect(got.mail.subject).toBe('Hello Ada');
    expect(got.mail.messageId).toBe(queued.messageIdHeader);
    expect(got.mail.from?.text).toContain('shop@example.com');
    expect(header(got.mail, 'List-Unsubscribe')).toMatch(
      /^<mailto:u\+u\.[^@>]+@mail\.example\.test\?subject=unsubscribe>, <https:\/\/mail\.example\.test\/u\/u\.[^>]+>$/,
    );
    expect(header(got.mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(got.mail.html).toContain(unsubscribeUrl(got.mail));
    expect(await drain()).toBe(0); // never twice
    expect(mailTo('ada@example.com')).toHaveLength(1);
  });

  it('returns the existing message for a repeated idempotency key', async () => {
    await customer('bob', {});
    const first = await post('/v1/messages', {
      template: 'promo',
      customer: 'bob',
      idempotencyKey: 'k-1',
    }).expect(201);
    const again = await post('/v1/messages', {
      template: 'promo',
      customer: 'bob',
      idempotencyKey: 'k-1',
    }).expect(200);
    expect(again.body.id).toBe(first.body.id);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE idempotency_key = 'k-1'`);
    expect(n).toBe(1);
    await drain();
    expect(mailTo('bob@example.com')).toHaveLength(1);
  });

  it('renders the context given with the message (the triggering event)', async () => {
    await post('/v1/templates', {
      key: 'ctx',
      name: 'Context',
      subject: 'About your {{ event.product }}',
      html: '<p>{{ event.product }}</p>',
    }).expect(201);
    await customer('cy', {});
    const res = await post('/v1/messages', {
      template: 'ctx',
      customer: 'cy',
      context: { event: { product: 'Lamp' }, variant: 'B' },
    }).expect(201);
    expect(res.body.context).toEqual({ event: { product: 'Lamp' }, variant: 'B' });
    await post('/v1/messages', { template: 'ctx', customer: 'cy', context: { extra: 1 } }).expect(400);
    await drain();
    expect(mailTo('cy@example.com')[0].mail.subject).toBe('About your Lamp');
  });

  it('answers 404 for an unknown message, template or customer and 400 for a bad body', async () => {
    expect((await get('/v1/messages/00000000-0000-4000-8000-000000000000').expect(404)).body.error).toBe(
      'MESSAGE_NOT_FOUND',
    );
    await get('/v1/messages/nope').expect(404);
    await post('/v1/messages', { template: 'nope', customer: 'ada' }).expect(404);
    await post('/v1/messages', { template: 'promo', customer: 'nobody' }).expect(404);
    await post('/v1/messages', { template: 'promo' }).expect(400);
  });

  it('skips a customer without marketing consent, with the reason', async () => {
    await customer('carol', { marketingConsent: false });
    const queued = await queue('carol');
    await drain();
    expect(await message(queued.id)).toMatchObject({ status: 'skipped', skipReason: 'no_consent' });
    expect(mailTo('carol@example.com')).toHaveLength(0);
  });

  it('manages the suppression list and never sends to a suppressed address', async () => {
    await customer('dan', {});
    await post('/v1/suppressions', { email: 'DAN@example.com' }).expect(201);
    expect((await get('/v1/suppressions/dan@example.com').expect(200)).body).toMatchObject({
      email: 'dan@example.com',
      reason: 'manual',
    });
    expect(
      (await get('/v1/suppressions').expect(200)).body.items.map((s: { email: string }) => s.email),
    ).toContain('dan@example.com');
    const queued = await queue('dan');
    await drain();
    expect(await message(queued.id)).toMatchObject({ status: 'suppressed', skipReason: 'suppressed:manual' });
    expect(mailTo('dan@example.com')).toHaveLength(0);

    await t.http().delete('/v1/suppressions/dan@example.com').set('Authorization', admin).expect(204);
    await t.http().delete('/v1/suppressions/dan@example.com').set('Authorization', admin).expect(404);
    await drain();
    const again = await queue('dan');
    await drain();
    expect((await message(again.id)).status).toBe('sent');
  });

  it('caps marketing email at 3 per customer per 7 days', async () => {
    await customer('erin', {});
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await queue('erin')).id);
    await drain();
    const statuses = await Promise.all(ids.map(message));
    expect(statuses.filter((m) => m.status === 'sent')).toHaveLength(3);
    expect(statuses.filter((m) => m.status === 'skipped').map((m) => m.skipReason)).toEqual([
      'frequency_cap',
    ]);
    expect(mailTo('erin@example.com')).toHaveLength(3);

    // eight days later the window has room again
    const saved = now;
    now = new Date(now.getTime() + 8 * 86_400_000);
    try {
      const later = await queue('erin');
      await drain();
      expect((await message(later.id)).status).toBe('sent');
    } finally {
      now = saved;
    }
  });

  it('defers a send during quiet hours in the customer time zone, then sends it', async () => {
    await customer('fumi', { timezone: 'Asia/Tokyo' }); // 12:00 UTC is 21:00 in Tokyo
    const queued = await queue('fumi');
    await drain();
    expect(await message(queued.id)).toMatchObject({
      status: 'queued',
      skipReason: 'quiet_hours',
      attempts: 0,
      nextAttemptAt: '2026-06-01T23:00:00.000Z',
    });
    expect(mailTo('fumi@example.com')).toHaveLength(0);

    const saved = now;
    now = new Date('2026-06-01T23:00:00Z');
    try {
      await drain();
      expect(await message(queued.id)).toMatchObject({ status: 'sent', attempts: 1, skipReason: null });
      expect(mailTo('fumi@example.com')).toHaveLength(1);
    } finally {
      now = saved;
    }
  });

  it('retries a 4xx with backoff, then sends', async () => {
    await customer('temp-gus', {});
    const queued = await queue('temp-gus');
    await drain();
    const failed = await message(queued.id);
    expect(failed).toMatchObject({ status: 'queued', attempts: 1 });
    expect(failed.lastError).toMatch(/451/);
    expect(new Date(failed.nextAttemptAt).getTime()).toBe(now.getTime() + 30_000);
    expect(await drain()).toBe(0); // not due yet

    const saved = now;
    now = new Date(now.getTime() + 30_000);
    try {
      await drain();
      expect(await message(queued.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
      expect(mailTo('temp-gus@example.com')).toHaveLength(1);
    } finally {
      now = saved;
    }
  });

  it('marks a 5xx as bounced and suppresses the address', async () => {
    await customer('bounce-hal', {});
    const queued = await queue('bounce-hal');
    await drain();
    const bounced = await message(queued.id);
    expect(bounced.status).toBe('bounced');
    expect(bounced.lastError).toMatch(/550/);
    expect((await get('/v1/suppressions/bounce-hal@example.com').expect(200)).body.reason).toBe('bounce');
    const events = await t.db.query(
      `SELECT e.event FROM events e JOIN customers c ON c.id = e.customer_id WHERE c.external_id = 'bounce-hal'`,
    );
    expect(events.map((e: { event: string }) => e.event)).toContain('Email Bounced');
    const next = await queue('bounce-hal');
    await drain();
    expect((await message(next.id)).status).toBe('suppressed');
  });

  it('sends each message once when several senders claim at the same time', async () => {
    const ids: string[] = [];
    for (const u of ['par-1', 'par-2', 'par-3']) {
      await customer(u, {});
      for (let i = 0; i < 3; i++) ids.push((await queue(u)).id);
    }
    await Promise.all([send.executeOnce(2), send.executeOnce(2), send.executeOnce(2), send.executeOnce(3)]);
    await drain();
    const all = await Promise.all(ids.map(message));
    expect(all.every((m) => m.status === 'sent')).toBe(true);
    const headers = smtp.received.filter((r) => r.to[0].startsWith('par-')).map((r) => r.mail.messageId);
    expect(headers).toHaveLength(9);
    expect(new Set(headers).size).toBe(9);
  });

  it('leaves a claimed message to its worker until the lease expires, then sends it again with the same Message-ID', async () => {
    await customer('kim', {});
    const queued = await queue('kim');
    // a worker claimed it and died: sending, lease (next_attempt_at) five minutes out
    await t.db.query(
      `UPDATE messages SET status = 'sending', claim_token = gen_random_uuid(), attempts = 1, next_attempt_at = $2
        WHERE id = $1`,
      [queued.id, new Date(now.getTime() + 5 * 60_000)],
    );
    expect(await drain()).toBe(0);
    const saved = now;
    now = new Date(now.getTime() + 5 * 60_000);
    try {
      expect(await drain()).toBe(1);
      expect(await message(queued.id)).toMatchObject({ status: 'sent', attempts: 2 });
      const got = mailTo('kim@example.com');
      expect(got).toHaveLength(1);
      expect(got[0].mail.messageId).toBe(queued.messageIdHeader);
    } finally {
      now = saved;
    }
  });

  it('takes bounce and complaint reports from a provider webhook', async () => {
    const ingest = `Bearer ${await t.keyFor('ingest')}`;
    const read = `Bearer ${await t.keyFor('read')}`;
    const report = (auth: string, body: object) =>
      t.http().post('/v1/webhooks/email-events').set('Authorization', auth).send(body);
    await customer('lee', {});
    await customer('mia', {});
    const toLee = await queue('lee');
    const toMia = await queue('mia');
    await drain();

    await report(read, { type: 'bounce', email: 'lee@example.com' }).expect(403);
    await report(ingest, { type: 'spam', email: 'lee@example.com' }).expect(400);
    const bounced = await report(ingest, {
      type: 'bounce',
      email: 'lee@example.com',
      messageId: toLee.messageIdHeader,
    }).expect(200);
    expect(bounced.body).toEqual({ suppressed: 'lee@example.com', messageId: toLee.id });
    expect((await message(toLee.id)).status).toBe('bounced');
    expect((await get('/v1/suppressions/lee@example.com').expect(200)).body.reason).toBe('bounce');

    await report(ingest, { type: 'complaint', email: 'mia@example.com', messageId: toMia.id }).expect(200);
    expect((await get('/v1/customers/mia').expect(200)).body.consent).toMatchObject({
      marketing: false,
      source: 'complaint',
    });
    expect((await get('/v1/suppressions/mia@example.com').expect(200)).body.reason).toBe('complaint');
    const events = await t.db.query(
      `SELECT c.external_id, e.event FROM events e JOIN customers c ON c.id = e.customer_id
        WHERE c.external_id IN ('lee', 'mia') AND e.event LIKE 'Email %' ORDER BY 1, 2`,
    );
    expect(events).toEqual([
      { external_id: 'lee', event: 'Email Bounced' },
      { external_id: 'lee', event: 'Email Sent' },
      { external_id: 'mia', event: 'Email Complained' },
      { external_id: 'mia', event: 'Email Sent' },
    ]);

    const unknown = await report(ingest, { type: 'bounce', email: 'Stranger@example.com' }).expect(200);
    expect(unknown.body).toEqual({ suppressed: 'stranger@example.com', messageId: null });
  });

  describe('tracking', () => {
    let html: string;
    let id: string;
    beforeAll(async () => {
      await post('/v1/templates', {
        key: 'links',
        name: 'Links',
        subject: 'New in',
        html:
          '<html><body><a href="https://shop.example.com/p?a=1&b=2">shop</a> <a href="https://shop.example.com/x">x</a>' +
          '<a href="{{ links.unsubscribe }}">unsubscribe</a></body></html>',
      }).expect(201);
      await customer('jay', {});
      id = (await post('/v1/messages', { template: 'links', customer: 'jay' }).expect(201)).body.id;
      await drain();
      html = mailTo('jay@example.com')[0].mail.html as string;
    });
    const clicks = () =>
      [...html.matchAll(/href="https:\/\/mail\.example\.test(\/t\/c\/[^"]+)"/g)].map((m) => m[1]);
    const count = async (sql: string) => (await t.db.query(sql, [id]))[0].n as number;

    it('rewrites links into signed click redirects, keeps the unsubscribe link and adds an open pixel', () => {
      expect(clicks()).toHaveLength(2);
      expect(html).not.toContain('shop.example.com');
      expect(html).toMatch(/href="https:\/\/mail\.example\.test\/u\/u\./);
      expect(html).toMatch(/<img src="https:\/\/mail\.example\.test\/t\/o\/o\.[^"]+"/);
    });

    it('records opens: every pixel load as a message event, the first as an Email Opened customer event', async () => {
      const pixel = /<img src="https:\/\/mail\.example\.test(\/t\/o\/[^"]+)"/.exec(html)![1];
      for (let i = 0; i < 2; i++) {
        const res = await t.http().get(pixel).expect(200);
        expect(res.headers['content-type']).toBe('image/gif');
      }
      expect(
        await count(`SELECT count(*)::int AS n FROM message_events WHERE message_id = $1 AND type = 'open'`),
      ).toBe(2);
      expect(
        await count(
          `SELECT count(*)::int AS n FROM events e JOIN messages m ON m.customer_id = e.customer_id
            WHERE m.id = $1 AND e.event = 'Email Opened'`,
        ),
      ).toBe(1);
    });

    it('redirects a click to the URL that was in the message and records it', async () => {
      const res = await t.http().get(clicks()[0]).expect(302);
      expect(res.headers.location).toBe('https://shop.example.com/p?a=1&b=2');
      expect((await t.http().get(clicks()[1]).expect(302)).headers.location).toBe(
        'https://shop.example.com/x',
      );
      expect(
        await count(`SELECT count(*)::int AS n FROM message_events WHERE message_id = $1 AND type = 'click'`),
      ).toBe(2);
      expect(
        await count(
          `SELECT count(*)::int AS n FROM events e JOIN messages m ON m.customer_id = e.customer_id
            WHERE m.id = $1 AND e.event = 'Email Clicked'`,
        ),
      ).toBe(2);
    });

    it('answers 404 for tampered or foreign tokens (no open redirect)', async () => {
      const token = clicks()[0].split('/').pop()!;
      const [kind, msg, , sig] = token.split('.');
      for (const bad of [
        `${kind}.${msg}.5.${sig}`,
        `${kind}.${msg}.0.${forgeSignature(sig)}`,
        'c.x.0.y',
        'nope',
      ]) {
        await t.http().get(`/t/c/${bad}`).expect(404);
      }
      const pixelToken = /\/t\/o\/([^"]+)"/.exec(html)![1];
      await t.http().get(`/t/c/${pixelToken}`).expect(404);
      await t.http().get(`/t/o/${token}`).expect(404);
    });
  });

  describe('unsubscribe', () => {
    let url: string;
    beforeAll(async () => {
      await customer('ivy', {});
      await queue('ivy');
      await drain();
      url = unsubscribeUrl(mailTo('ivy@example.com')[0].mail);
    });
    const pathOf = (u: string) => new URL(u).pathname;

    it('shows a confirmation page without changing anything', async () => {
      const res = await t.http().get(pathOf(url)).expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('ivy@example.com');
      expect(res.text).toContain('<form method="post"');
      const [c] = await t.db.query(`SELECT marketing_consent FROM customers WHERE external_id = 'ivy'`);
      expect(c.marketing_consent).toBe(true);
    });

    it('unsubscribes with an RFC 8058 one-click POST: consent false, suppression, event', async () => {
      for (let i = 0; i < 2; i++) {
        await t
          .http()
          .post(pathOf(url))
          .set('Content-Type', 'application/x-www-form-urlencoded')
          .send('List-Unsubscribe=One-Click')
          .expect(200);
      }
      const [c] = await t.db.query(
        `SELECT id, marketing_consent, consent_source FROM customers WHERE external_id = 'ivy'`,
      );
      expect(c).toMatchObject({ marketing_consent: false, consent_source: 'unsubscribe' });
      expect((await get('/v1/suppressions/ivy@example.com').expect(200)).body.reason).toBe('unsubscribe');
      const events = await t.db.query(
        `SELECT event FROM events WHERE customer_id = $1 AND event = 'Unsubscribed'`,
        [c.id],
      );
      expect(events).toHaveLength(1);
      const [stats] = await t.db.query(`SELECT event_counts FROM customer_stats WHERE customer_id = $1`, [
        c.id,
      ]);
      expect(stats.event_counts.Unsubscribed).toBe(1);
      const next = await queue('ivy');
      await drain();
      expect((await message(next.id)).status).toBe('skipped');
    });

    it('answers 404 for bad or forged tokens', async () => {
      const token = decodeURIComponent(pathOf(url).split('/').pop()!);
      const [kind, id, sig] = token.split('.');
      const forged = [
        'garbage',
        `${kind}.${id}.${forgeSignature(sig)}`,
        `${kind}.00000000-0000-4000-8000-000000000000.${sig}`,
        `o.${id}.${sig}`,
      ];
      for (const bad of forged) {
        await t
          .http()
          .get(`/u/${encodeURIComponent(bad)}`)
          .expect(404);
        await t
          .http()
          .post(`/u/${encodeURIComponent(bad)}`)
          .expect(404);
      }
    });
  });
});

describe('messaging: file transport when SMTP is not configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ WAYMARK_ROLES: 'api,worker', QUIET_HOURS: 'off' });
  });
  afterAll(() => t.close());

  it('writes each message as an .eml under WAYMARK_HOME/outbox (the worker sends on its own)', async () => {
    const admin = `Bearer ${t.adminKey}`;
    await t
      .http()
      .post('/v1/identify')
      .set('Authorization', admin)
      .send({ userId: 'zoe', traits: { email: 'zoe@example.com', marketingConsent: true } })
      .expect(200);
    await t
      .http()
      .post('/v1/templates')
      .set('Authorization', admin)
      .send({ key: 'hello', name: 'Hello', subject: 'Hi there', html: '<p>Hello</p>' })
      .expect(201);
    const queued = await t
      .http()
      .post('/v1/messages')
      .set('Authorization', admin)
      .send({ template: 'hello', customer: 'zoe' })
      .expect(201);
    const outbox = path.join(t.config.home, 'outbox');
    let status = '';
    for (let i = 0; i < 100 && status !== 'sent'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await t.http().get(`/v1/messages/${queued.body.id}`).set('Authorization', admin)).body.status;
    }
    expect(status).toBe('sent');
    const files = fs.readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(fs.readFileSync(path.join(outbox, files[0])));
    expect(mail.subject).toBe('Hi there');
    expect(mail.messageId).toBe(queued.body.messageIdHeader);
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('zoe@example.com');
    expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(mail, 'List-Unsubscribe')).toMatch(/<http:\/\/localhost:3000\/u\/u\.[^>]+>/);
  });
});
