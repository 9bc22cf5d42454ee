import type { ParsedMail } from 'mailparser';
import { Clock } from '../../src/database/clock';
import { SendMessagesUseCase } from '../../src/messaging/send-messages.usecase';
import { createTestApp, TestApp } from '../setup/test-app';
import { header, startSmtpPeer, unsubscribeUrl } from './messaging-smtp-peer';
import { forgeSignature } from '../setup/forge';

const BASE = 'https://mail.example.test';

describe('messaging: preferences and view-in-browser pages, inbound mailto unsubscribe', () => {
  let t: TestApp;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpPeer>>;
  let send: SendMessagesUseCase;
  const now = new Date('2026-06-01T12:00:00Z');

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    t = await createTestApp({ SMTP_URL: smtp.url, WAYMARK_ROLES: 'api', PUBLIC_URL: BASE });
    admin = `Bearer ${t.adminKey}`;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    send = t.app.get(SendMessagesUseCase);
    await post('/v1/templates', {
      key: 'news',
      name: 'News',
      subject: 'News for {{ customer.traits.firstName }}',
      html:
        '<html><body><h1>Hi {{ customer.traits.firstName }}</h1>' +
        '<a href="https://shop.example.com/new?x=1&y=2">new in</a>' +
        '<a href="{{ links.viewInBrowser }}">view in browser</a>' +
        '<a href="{{ links.preferences }}">preferences</a>' +
        '<a href="{{ links.unsubscribe }}">unsubscribe</a></body></html>',
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
  const drain = async () => {
    while ((await send.executeOnce()) > 0);
  };
  /** Queues and sends one `news` message; the mail as received and the message id. */
  const mailTo = async (userId: string, email = `${userId}@example.com`) => {
    const id = (await post('/v1/messages', { template: 'news', customer: userId }).expect(201)).body
      .id as string;
    await drain();
    const got = smtp.received.filter((r) => r.to.includes(email));
    return { id, mail: got[got.length - 1].mail };
  };
  const linkTo = (mail: ParsedMail, kind: 'p' | 'v') =>
    new RegExp(`href="${BASE.replace(/\./g, '\\.')}(/${kind}/[^"]+)"`).exec(mail.html as string)![1];
  const consentOf = async (userId: string) =>
    (
      await t.db.query(`SELECT marketing_consent, consent_source FROM customers WHERE external_id = $1`, [
        userId,
      ])
    )[0];
  const suppression = async (email: string) =>
    (await t.db.query(`SELECT reason FROM suppressions WHERE email = $1`, [email]))[0]?.reason ?? null;
  const status = async (id: string) => (await get(`/v1/messages/${id}`).expect(200)).body.status;

  describe('links in the render context', () => {
    it('puts signed preferences and view-in-browser links in the message, not rewritten for click tracking', async () => {
      await customer('lin', { firstName: 'Lin' });
      const { id, mail } = await mailTo('lin');
      expect(linkTo(mail, 'p')).toMatch(new RegExp(`^/p/p\\.${id}\\.[A-Za-z0-9_-]+$`));
      expect(linkTo(mail, 'v')).toMatch(new RegExp(`^/v/v\\.${id}\\.[A-Za-z0-9_-]+$`));
      const clicks = [...(mail.html as string).matchAll(/href="[^"]*\/t\/c\/[^"]+"/g)];
      expect(clicks).toHaveLength(1); // only the shop link is tracked
      const [{ links }] = await t.db.query(`SELECT links FROM messages WHERE id = $1`, [id]);
      expect(links).toEqual(['https://shop.example.com/new?x=1&y=2']);
    });
  });

  describe('view in browser', () => {
    let id: string;
    let mail: ParsedMail;
    beforeAll(async () => {
      await customer('vic', { firstName: '<b>Vic & Co</b>' });
      ({ id, mail } = await mailTo('vic'));
    });
    const opens = async () =>
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM message_events WHERE message_id = $1 AND type = 'open'`,
          [id],
        )
      )[0].n;

    it('shows the message as sent, escaped, with its click links and without an open pixel', async () => {
      const res = await t.http().get(linkTo(mail, 'v')).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<h1>Hi &lt;b&gt;Vic &amp; Co&lt;/b&gt;</h1>');
      expect(res.text).not.toContain('<b>Vic');
      expect(res.text).not.toContain('/t/o/');
      expect(mail.html).toContain('/t/o/'); // the mail itself has the pixel
      const click = /href="([^"]*\/t\/c\/[^"]+)"/.exec(res.text)![1];
      expect(click).toBe(/href="([^"]*\/t\/c\/[^"]+)"/.exec(mail.html as string)![1]);
      const redirect = await t.http().get(new URL(click).pathname).expect(302);
      expect(redirect.headers.location).toBe('https://shop.example.com/new?x=1&y=2');
      expect(res.text).toContain(`href="${unsubscribeUrl(mail)}"`);
    });

    it('records no open for a browser view', async () => {
      for (let i = 0; i < 3; i++) await t.http().get(linkTo(mail, 'v')).expect(200);
      expect(await opens()).toBe(0);
      const events = await t.db.query(
        `SELECT 1 FROM events e JOIN messages m ON m.customer_id = e.customer_id
          WHERE m.id = $1 AND e.event = 'Email Opened'`,
        [id],
      );
      expect(events).toHaveLength(0);
    });

    it('answers a 404 HTML page for bad, forged, foreign or unsent tokens', async () => {
      const token = decodeURIComponent(linkTo(mail, 'v').split('/').pop()!);
      const [, msg, sig] = token.split('.');
      await customer('vic-unsent', { marketingConsent: false });
      const skipped = (await post('/v1/messages', { template: 'news', customer: 'vic-unsent' }).expect(201))
        .body.id as string;
      await drain();
      expect(await status(skipped)).toBe('skipped');
      const pToken = decodeURIComponent(linkTo(mail, 'p').split('/').pop()!);
      for (const bad of [
        'garbage',
        `v.${msg}.${forgeSignature(sig)}`,
        pToken,
        `v.${skipped}.${sig}`,
        `v.00000000-0000-4000-8000-000000000000.${sig}`,
        '<script>alert(1)</script>',
      ]) {
        const res = await t
          .http()
          .get(`/v/${encodeURIComponent(bad)}`)
          .expect(404);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toContain('Link not found');
        expect(res.text).not.toContain('<script>');
      }
      const odd = await t.http().get('/v/%E0%A4%A');
      expect(odd.status).toBeGreaterThanOrEqual(400);
      expect(odd.status).toBeLessThan(500);
    });
  });

  describe('preferences', () => {
    it("shows the address's state, escaped, with an unsubscribe form", async () => {
      await customer("o'neil", { email: "o'neil+news@example.com" });
      const { mail } = await mailTo("o'neil", "o'neil+news@example.com");
      const res = await t.http().get(linkTo(mail, 'p')).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('<strong>o&#39;neil+news@example.com</strong> is subscribed');
      expect(res.text).toMatch(/<form method="post" action="p\.[^"?]+\?action=unsubscribe">/);
      expect((await consentOf("o'neil")).marketing_consent).toBe(true); // a GET changes nothing
    });

    it('unsubscribes, then resubscribes: consent restored and the unsubscribe suppression removed', async () => {
      await customer('pat', {});
      const { mail } = await mailTo('pat');
      const page = linkTo(mail, 'p');
      const off = await t.http().post(`${page}?action=unsubscribe`).expect(200);
      expect(off.text).toContain('You are unsubscribed.');
      expect(off.text).toContain('?action=resubscribe"');
      expect(await consentOf('pat')).toMatchObject({
        marketing_consent: false,
        consent_source: 'unsubscribe',
      });
      expect(await suppression('pat@example.com')).toBe('unsubscribe');
      const unsubscribed = await t.db.query(
        `SELECT e.data FROM message_events e JOIN customers c ON c.id = e.customer_id
          WHERE c.external_id = 'pat' AND e.type = 'unsubscribe'`,
      );
      expect(unsubscribed).toEqual([{ data: { via: 'preferences' } }]);
      const skipped = (await post('/v1/messages', { template: 'news', customer: 'pat' }).expect(201)).body.id;
      await drain();
      expect(await status(skipped)).not.toBe('sent');

      const on = await t.http().post(`${page}?action=resubscribe`).expect(200);
      expect(on.text).toContain('You are subscribed again.');
      expect(on.text).toContain('is subscribed');
      expect(await consentOf('pat')).toMatchObject({
        marketing_consent: true,
        consent_source: 'preferences',
      });
      expect(await suppression('pat@example.com')).toBeNull();
      const again = await mailTo('pat');
      expect(await status(again.id)).toBe('sent');
    });

    it('never lifts a bounce, complaint or manual suppression: 409 page, nothing changed', async () => {
      for (const reason of ['bounce', 'complaint', 'manual']) {
        const user = `pref-${reason}`;
        await customer(user, {});
        const { mail } = await mailTo(user);
        await post('/v1/suppressions', { email: `${user}@example.com`, reason }).expect(201);
        await t.db.query(`UPDATE customers SET marketing_consent = false WHERE external_id = $1`, [user]);
        const page = linkTo(mail, 'p');
        const shown = await t.http().get(page).expect(200);
        expect(shown.text).toContain('cannot be resubscribed here');
        expect(shown.text).not.toContain('<form');
        const res = await t.http().post(`${page}?action=resubscribe`).expect(409);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toContain('cannot be resubscribed here');
        expect(await suppression(`${user}@example.com`)).toBe(reason);
        expect((await consentOf(user)).marketing_consent).toBe(false);
      }
    });

    it('answers 400 for an unknown action and 404 for a bad token, as HTML pages', async () => {
      await customer('quin', {});
      const { mail } = await mailTo('quin');
      const page = linkTo(mail, 'p');
      const bad = await t.http().post(`${page}?action=delete`).expect(400);
      expect(bad.headers['content-type']).toMatch(/^text\/html/);
      await t.http().post(page).expect(400);
      const vToken = linkTo(mail, 'v').split('/').pop()!;
      for (const p of [`/p/${vToken}`, '/p/garbage']) {
        const res = await t.http().get(p).expect(404);
        expect(res.text).toContain('Link not found');
        await t.http().post(`${p}?action=unsubscribe`).expect(404);
      }
      expect((await consentOf('quin')).marketing_consent).toBe(true);
    });
  });

  describe('inbound mailto unsubscribe', () => {
    const inbound = (auth: string, body: object) =>
      t.http().post('/v1/inbound/unsubscribe').set('Authorization', auth).send(body);

    it('puts the https token in the mailto address, within the 64-octet local part limit', async () => {
      await customer('rae', {});
      const { mail } = await mailTo('rae');
      const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(header(mail, 'List-Unsubscribe')!)![1];
      const [local, host] = mailto.split('@');
      expect(host).toBe('mail.example.test');
      expect(local.length).toBeLessThanOrEqual(64);
      const httpsToken = decodeURIComponent(unsubscribeUrl(mail).split('/').pop()!);
      expect(local).toBe(`u+${httpsToken}`);
    });

    it('unsubscribes when the token in "to" verifies (ingest key), recording the sender', async () => {
      await customer('sam', {});
      const { id, mail } = await mailTo('sam');
      const mailto = /<mailto:([^?>]+)\?/.exec(header(mail, 'List-Unsubscribe')!)![1];
      const ingest = `Bearer ${await t.keyFor('ingest')}`;
      const read = `Bearer ${await t.keyFor('read')}`;
      await inbound(read, { to: mailto, from: 'sam@example.com' }).expect(403);
      expect((await consentOf('sam')).marketing_consent).toBe(true);

      const res = await inbound(ingest, {
        to: `"Unsubscribe" <${mailto}>, other@example.com`,
        from: 'Sam <sam@example.com>',
      }).expect(200);
      expect(res.body).toEqual({ unsubscribed: 'sam@example.com', messageId: id });
      expect(await consentOf('sam')).toMatchObject({
        marketing_consent: false,
        consent_source: 'unsubscribe',
      });
      expect(await suppression('sam@example.com')).toBe('unsubscribe');
      const events = await t.db.query(
        `SELECT data FROM message_events WHERE message_id = $1 AND type = 'unsubscribe'`,
        [id],
      );
      expect(events).toEqual([{ data: { via: 'mailto', from: 'Sam <sam@example.com>' } }]);
      await inbound(admin, { to: mailto, from: 'sam@example.com' }).expect(200); // repeated: still fine
    });

    it('answers 404 for an unknown or forged token and 400 for a malformed body', async () => {
      await customer('tess', {});
      const { mail } = await mailTo('tess');
      const mailto = /<mailto:([^?>]+)\?/.exec(header(mail, 'List-Unsubscribe')!)![1];
      const [local, host] = mailto.split('@');
      for (const to of [
        `u+${local.slice(2, -2)}AA@${host}`,
        `u+u.00000000-0000-4000-8000-000000000000.${local.split('.').pop()}@${host}`,
        `unsubscribe@${host}`,
        'nobody',
      ]) {
        const res = await inbound(admin, { to, from: 'tess@example.com' }).expect(404);
        expect(res.body.error).toBe('INBOUND_TOKEN_NOT_FOUND');
      }
      await inbound(admin, { to: mailto }).expect(400);
      await inbound(admin, { from: 'tess@example.com' }).expect(400);
      await inbound(admin, { to: 42, from: 'tess@example.com' }).expect(400);
      await t
        .http()
        .post('/v1/inbound/unsubscribe')
        .set('Authorization', admin)
        .set('Content-Type', 'application/json')
        .send('{"to":')
        .expect(400);
      expect((await consentOf('tess')).marketing_consent).toBe(true);
    });
  });
});
