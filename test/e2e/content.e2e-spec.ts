import * as path from 'node:path';
import { CustomerFactsRepository } from '../../src/content/customer-facts.repository';
import { LiquidEngine } from '../../src/content/liquid/engine';
import { createTestApp, TestApp } from '../setup/test-app';

const REPO_ROOT = path.resolve(__dirname, '../..');

const HERO_BLOCKS = {
  hero: [
    { when: { segment: 'vip' }, html: '<h1>VIP picks for {{ customer.traits.firstName }}</h1>' },
    {
      when: { all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 3 }] },
      html: '<h1>Thanks for {{ customer.stats.ordersCount }} orders</h1>',
    },
    { html: '<h1>New this week</h1>' },
  ],
};

describe('content: templates, versions and previews', () => {
  let t: TestApp;
  let admin: string;
  let read: string;
  let ingest: string;

  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_URL: 'https://mail.example.com' });
    admin = `Bearer ${t.adminKey}`;
    read = `Bearer ${await t.keyFor('read')}`;
    ingest = `Bearer ${await t.keyFor('ingest')}`;
    const order = (userId: string, n: number) => ({
      type: 'track',
      userId,
      event: 'Order Completed',
      properties: { revenue: 10 * n },
      messageId: `${userId}-order-${n}`,
    });
    await t
      .http()
      .post('/v1/batch')
      .set('Authorization', admin)
      .send({
        batch: [
          {
            type: 'identify',
            userId: 'ada',
            traits: { email: 'ada@example.com', firstName: 'Ada', timezone: 'Europe/Berlin' },
            messageId: 'ada-1',
          },
          {
            type: 'identify',
            userId: 'bob',
            traits: { email: 'bob@example.com', firstName: 'Bob' },
            messageId: 'bob-1',
          },
          order('bob', 1),
          order('bob', 2),
          order('bob', 3),
          {
            type: 'identify',
            userId: 'eve',
            traits: { email: 'eve@example.com', firstName: '<script>alert("pwned")</script>' },
            messageId: 'eve-1',
          },
        ],
      })
      .expect(200);
    // Segment membership and scores as the segments and analytics modules would leave them.
    const [{ id: segmentId }] = await t.db.query(
      `INSERT INTO segments (key, name, rules) VALUES ('vip', 'VIP', '{"all": []}') RETURNING id`,
    );
    await t.db.query(
      `INSERT INTO segment_memberships (segment_id, customer_id, entered_at)
       SELECT $1, customer_id, now() FROM customer_identities WHERE kind = 'userId' AND value = 'ada'`,
      [segmentId],
    );
    await t.db.query(
      `INSERT INTO customer_scores (customer_id, clv, clv_tier)
       SELECT customer_id, 1234.5, 'high' FROM customer_identities WHERE kind = 'userId' AND value = 'ada'`,
    );
  });
  afterAll(() => t.close());

  const post = (path: string, body: object, auth = admin) =>
    t.http().post(path).set('Authorization', auth).send(body);
  const put = (path: string, body: object, auth = admin) =>
    t.http().put(path).set('Authorization', auth).send(body);
  const get = (path: string, auth = admin) => t.http().get(path).set('Authorization', auth);
  const preview = (id: string, body: object, auth = admin) => post(`/v1/templates/${id}/preview`, body, auth);

  describe('CRUD with immutable versions', () => {
    let id: string;

    it('creates version 1 and finds it by id or key', async () => {
      const res = await post('/v1/templates', {
        key: 'welcome',
        name: 'Welcome',
        subject: 'Welcome, {{ customer.traits.firstName | default: "friend" }}',
        html: '<p>Hello {{ customer.traits.firstName }}</p>',
        from: 'Waymark Shop <shop@example.com>',
        replyTo: 'help@example.com',
      }).expect(201);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        key: 'welcome',
        name: 'Welcome',
        version: 1,
        latestVersion: 1,
        text: null,
        from: 'Waymark Shop <shop@example.com>',
        replyTo: 'help@example.com',
        blocks: {},
        archivedAt: null,
      });
      id = res.body.id;
      expect((await get(`/v1/templates/${id}`).expect(200)).body.key).toBe('welcome');
      expect((await get('/v1/templates/welcome', read).expect(200)).body.id).toBe(id);
    });

    it('adds a version on PUT and keeps the old one readable', async () => {
      const res = await put('/v1/templates/welcome', {
        subject: 'Welcome back',
        html: '<p>v2</p>',
        text: 'v2 text',
        blocks: HERO_BLOCKS,
      }).expect(200);
      expect(res.body).toMatchObject({ id, name: 'Welcome', version: 2, latestVersion: 2, text: 'v2 text' });
      expect(res.body.blocks).toEqual(HERO_BLOCKS);
      const v1 = await get('/v1/templates/welcome?version=1').expect(200);
      expect(v1.body).toMatchObject({
        version: 1,
        latestVersion: 2,
        html: '<p>Hello {{ customer.traits.firstName }}</p>',
      });
      const renamed = await put(`/v1/templates/${id}`, {
        name: 'Welcome (new)',
        subject: 's',
        html: 'h',
      }).expect(200);
      expect(renamed.body).toMatchObject({ version: 3, name: 'Welcome (new)' });
      expect((await get('/v1/templates/welcome?version=2').expect(200)).body.name).toBe('Welcome');
      const missing = await get('/v1/templates/welcome?version=9').expect(404);
      expect(missing.body).toMatchObject({
        error: 'TEMPLATE_NOT_FOUND',
        message: expect.stringContaining('version 9'),
      });
      await get('/v1/templates/welcome?version=0').expect(400);
    });

    it('never edits a stored version, even from SQL', async () => {
      await expect(
        t.db.query(`UPDATE template_versions SET html = 'x' WHERE template_id = $1 AND version = 1`, [id]),
      ).rejects.toThrow(/immutable/);
    });

    it('answers 409 for a key in use and 404 for unknown templates', async () => {
      const taken = await post('/v1/templates', {
        key: 'welcome',
        name: 'Again',
        subject: 's',
        html: 'h',
      }).expect(409);
      expect(taken.body.error).toBe('TEMPLATE_KEY_TAKEN');
      for (const ref of ['nope', '00000000-0000-4000-8000-000000000000']) {
        const res = await get(`/v1/templates/${ref}`).expect(404);
        expect(res.body).toMatchObject({
          error: 'TEMPLATE_NOT_FOUND',
          message: expect.stringContaining(ref),
        });
        await put(`/v1/templates/${ref}`, { subject: 's', html: 'h' }).expect(404);
        await t.http().delete(`/v1/templates/${ref}`).set('Authorization', admin).expect(404);
        await preview(ref, {}).expect(404);
      }
    });

    it('validates the request body (400) before the template (422)', async () => {
      const bad = await post('/v1/templates', {
        key: 'Bad Key',
        name: 'x',
        subject: '',
        html: 'h',
        extra: 1,
      }).expect(400);
      expect(bad.body.problems.map((p: { path: string }) => p.path).sort()).toEqual([
        'extra',
        'key',
        'subject',
      ]);
      await post('/v1/templates', {
        key: 'k',
        name: 'x',
        subject: 's',
        html: 'h',
        from: 'not an address',
      }).expect(400);
      await put('/v1/templates/welcome', { key: 'other', subject: 's', html: 'h' }).expect(400);
    });

    it('lists templates a page at a time, archived ones only on request', async () => {
      for (const key of ['list-a', 'list-b', 'list-c'])
        await post('/v1/templates', { key, name: key, subject: 's', html: 'h' }).expect(201);
      const keys: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { key: string }[]; nextCursor: string | null } } = await get(
          `/v1/templates?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          read,
        ).expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        keys.push(...page.body.items.map((i) => i.key));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(keys).toEqual(expect.arrayContaining(['welcome', 'list-a', 'list-b', 'list-c']));
      expect(new Set(keys).size).toBe(keys.length);

      await t.http().delete('/v1/templates/list-b').set('Authorization', admin).expect(204);
      await t.http().delete('/v1/templates/list-b').set('Authorization', admin).expect(204);
      const visible = (await get('/v1/templates?limit=500').expect(200)).body.items.map(
        (i: { key: string }) => i.key,
      );
      expect(visible).not.toContain('list-b');
      const all = await get('/v1/templates?limit=500&includeArchived=true').expect(200);
      expect(all.body.items.find((i: { key: string }) => i.key === 'list-b')).toMatchObject({
        archivedAt: expect.any(String),
        latestVersion: 1,
      });
      await get('/v1/templates?cursor=garbage').expect(400);
    });

    it('archives: still readable and previewable, no new versions, key kept', async () => {
      const archived = await get('/v1/templates/list-b').expect(200);
      expect(archived.body.archivedAt).toEqual(expect.any(String));
      await preview('list-b', {}).expect(200);
      const res = await put('/v1/templates/list-b', { subject: 's', html: 'h' }).expect(409);
      expect(res.body.error).toBe('TEMPLATE_ARCHIVED');
      await post('/v1/templates', { key: 'list-b', name: 'x', subject: 's', html: 'h' }).expect(409);
      const audit = await t.db.query(
        `SELECT action FROM audit_log WHERE subject_type = 'template' AND subject_id = $1 ORDER BY id`,
        [archived.body.id],
      );
      expect(audit.map((a: { action: string }) => a.action)).toEqual([
        'template.created',
        'template.archived',
      ]);
    });
  });

  describe('422 INVALID_TEMPLATE with line and column', () => {
    const create = (over: object) =>
      post('/v1/templates', { key: 'broken', name: 'Broken', subject: 'Hi', html: '<p>ok</p>', ...over });

    it('reports Liquid syntax errors where they are', async () => {
      const res = await create({
        subject: 'Hi {{ customer.traits.firstName',
        html: '<p>\n  {% if customer.traits.vip %}\n  VIP\n</p>',
        blocks: {
          hero: [{ when: { segment: 'vip' }, html: 'ok' }, { html: 'line one\n {{ price | monee: "EUR" }}' }],
        },
      }).expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, error: 'INVALID_TEMPLATE' });
      expect(res.body.problems).toEqual([
        { path: 'subject', message: expect.stringContaining('not closed'), line: 1, column: 4 },
        { path: 'html', message: expect.stringContaining('not closed'), line: 2, column: 3 },
        { path: 'blocks.hero[1].html', message: 'undefined filter: monee', line: 2, column: 2 },
      ]);
      await get('/v1/templates/broken').expect(404);
    });

    it('refuses unknown blocks and files outside templates/', async () => {
      const res = await create({
        html: '{% block_for "nope" %}\n{% include "../package.json" %}{% render "/etc/passwd" %}',
      }).expect(422);
      expect(res.body.problems).toEqual([
        { path: 'html', message: expect.stringContaining('unknown block "nope"'), line: 1, column: 1 },
        {
          path: 'html',
          message: '"../package.json" is not a template file under templates/',
          line: 2,
          column: 1,
        },
        {
          path: 'html',
          message: '"/etc/passwd" is not a template file under templates/',
          line: 2,
          column: 32,
        },
      ]);
      expect(JSON.stringify(res.body)).not.toContain(REPO_ROOT);
    });

    it('checks the block definitions and their conditions', async () => {
      const res = await create({
        blocks: {
          hero: [
            { when: { fact: 'stats', path: '$.ordersCount', operator: 'between', value: [1, 2] }, html: 'a' },
            { html: 'b' },
            { html: 'c', extra: true },
          ],
          'bad name': [{ html: 'x' }],
          empty: [],
        },
      }).expect(422);
      expect(res.body.problems).toEqual([
        { path: 'blocks.hero[0].when.operator', message: expect.stringContaining('"between"') },
        { path: 'blocks.hero[2].extra', message: expect.any(String) },
        { path: 'blocks.hero', message: expect.stringContaining('more than one default') },
        { path: 'blocks.bad name', message: expect.any(String) },
        { path: 'blocks.empty', message: expect.any(String) },
      ]);
    });
  });

  describe('roles', () => {
    it('needs admin to write and read to read or preview', async () => {
      const body = { key: 'roles', name: 'r', subject: 's', html: 'h' };
      for (const auth of [read, ingest]) {
        await post('/v1/templates', body, auth).expect(403);
        await put('/v1/templates/welcome', { subject: 's', html: 'h' }, auth).expect(403);
        await t.http().delete('/v1/templates/welcome').set('Authorization', auth).expect(403);
      }
      await get('/v1/templates/welcome', ingest).expect(403);
      await get('/v1/templates', ingest).expect(403);
      await preview('welcome', {}, ingest).expect(403);
      await get('/v1/templates/welcome', read).expect(200);
      await preview('welcome', {}, read).expect(200);
      await t.http().get('/v1/templates').expect(401);
    });
  });

  describe('preview', () => {
    beforeAll(async () => {
      await post('/v1/templates', {
        key: 'hero',
        name: 'Hero',
        subject: '{{ customer.traits.firstName }}, this is for you',
        html: '{% layout "layouts/email", preheader: "Picked for you" %}{% block content %}{% block_for "hero" %}<p>CLV tier: {{ customer.scores.clvTier | default: "none" }}</p>{% endblock %}',
        blocks: HERO_BLOCKS,
      }).expect(201);
    });

    it('chooses the VIP variant by segment for a stored customer, and says why', async () => {
      const res = await preview('hero', { customerId: 'ada' }).expect(200);
      expect(res.body).toMatchObject({
        template: { key: 'hero', version: 1 },
        customerId: expect.any(String),
        segments: ['vip'],
        subject: 'Ada, this is for you',
        textGenerated: true,
      });
      expect(res.body.html).toContain('<h1>VIP picks for Ada</h1>');
      expect(res.body.html).toContain('CLV tier: high');
      expect(res.body.html).toContain('href="https://mail.example.com/u/preview"');
      expect(res.body.text).toContain('VIP picks for Ada');
      expect(res.body.text).toContain('Unsubscribe (https://mail.example.com/u/preview)');
      expect(res.body.blocks).toEqual([
        {
          name: 'hero',
          chosen: 0,
          reason: 'condition',
          rendered: true,
          evaluated: [
            { index: 0, matched: true, detail: { segment: 'vip', member: true, segments: ['vip'] } },
          ],
        },
      ]);
      // By Waymark's id too.
      const byId = await preview('hero', { customerId: res.body.customerId }).expect(200);
      expect(byId.body.html).toContain('VIP picks for Ada');
    });

    it('chooses a variant by a stats condition from customer_stats', async () => {
      const res = await preview('hero', { customerId: 'bob' }).expect(200);
      expect(res.body.html).toContain('<h1>Thanks for 3 orders</h1>');
      expect(res.body.blocks[0]).toMatchObject({
        chosen: 1,
        reason: 'condition',
        evaluated: [
          { index: 0, matched: false, detail: { segment: 'vip', member: false } },
          {
            index: 1,
            matched: true,
            detail: { all: [{ fact: 'stats', path: '$.ordersCount', factResult: 3, result: true }] },
          },
        ],
      });
    });

    it('falls back to the default variant', async () => {
      const res = await preview('hero', { customerId: 'eve' }).expect(200);
      expect(res.body.html).toContain('<h1>New this week</h1>');
      expect(res.body.blocks[0]).toMatchObject({ chosen: 2, reason: 'default' });
    });

    it('escapes a trait holding <script> in the HTML', async () => {
      const res = await preview('hero', { customerId: 'eve' }).expect(200);
      expect(res.body.html).not.toContain('<script>');
      const escaped = await post('/v1/templates', {
        key: 'escape',
        name: 'Escape',
        subject: 'Hi {{ customer.traits.firstName }}',
        html: '<p>Hi {{ customer.traits.firstName }}</p>',
      }).expect(201);
      const out = await preview(escaped.body.id, { customerId: 'eve' }).expect(200);
      expect(out.body.html).toBe('<p>Hi &lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;</p>');
      expect(out.body.text).toBe('Hi <script>alert("pwned")</script>'); // text/plain: nothing to escape
    });

    it('renders a partial from templates/ with the products of a supplied event', async () => {
      await post('/v1/templates', {
        key: 'cart',
        name: 'Abandoned cart',
        subject:
          'You left {{ event.products | size }} {{ event.products | size | pluralize: "item", "items" }} behind',
        html: '{% layout "layouts/email" %}{% block content %}{% render "partials/product-grid", products: event.products, currency: event.currency %}{% endblock %}',
      }).expect(201);
      const res = await preview('cart', {
        context: {
          customer: { traits: { firstName: 'Zoe', locale: 'en-GB' } },
          journey: { key: 'abandoned-cart' },
          event: {
            currency: 'EUR',
            products: [
              {
                name: 'Trail shoe',
                price: 89.9,
                quantity: 2,
                url: 'https://shop.example/p/1',
                image_url: 'https://cdn.example/1.jpg',
              },
              { name: 'Socks & more', price: 9.5, url: 'https://shop.example/p/2' },
            ],
          },
        },
      }).expect(200);
      expect(res.body.subject).toBe('You left 2 items behind');
      expect(res.body.html).toContain('Trail shoe');
      expect(res.body.html).toContain('Socks &amp; more');
      expect(res.body.html).toContain('2 &times; €89.90');
      expect(res.body.html).toContain('<img src="https://cdn.example/1.jpg"');
      expect(res.body.html).toContain(
        'https://shop.example/p/1?utm_source=waymark&amp;utm_medium=email&amp;utm_campaign=abandoned-cart&amp;utm_content=product-grid',
      );
      expect(res.body.text).toContain('Socks & more (https://shop.example/p/2?utm_source=waymark');
      expect(res.body.customerId).toBeNull();
    });

    it('refuses to include a file outside templates/ through a dynamic path', async () => {
      await post('/v1/templates', {
        key: 'dynamic',
        name: 'Dynamic',
        subject: 's',
        html: '{% include event.file %}',
      }).expect(201);
      for (const file of ['../package.json', '/etc/passwd', '../src/main.ts']) {
        const res = await preview('dynamic', { context: { event: { file } } }).expect(422);
        expect(res.body).toMatchObject({
          error: 'TEMPLATE_RENDER_FAILED',
          problems: [{ path: 'html', message: expect.stringContaining('ENOENT'), line: 1, column: 1 }],
        });
        expect(JSON.stringify(res.body)).not.toContain(REPO_ROOT);
      }
      const ok = await preview('dynamic', { context: { event: { file: 'partials/header' } } }).expect(200);
      expect(ok.body.html).toContain('Waymark');
    });

    it('strict mode reports undefined variables by name as 422', async () => {
      await post('/v1/templates', {
        key: 'strict',
        name: 'Strict',
        subject: 'Hi {{ customer.traits.firstName | default: "there" }}',
        html: '<p>{{ customer.traits.nickname }}</p>\n<p>{{ event.coupon }}</p>',
      }).expect(201);
      const lenient = await preview('strict', { customerId: 'ada' }).expect(200);
      expect(lenient.body.html).toBe('<p></p>\n<p></p>');
      const res = await preview('strict', { customerId: 'ada', strict: true }).expect(422);
      expect(res.body).toMatchObject({
        error: 'TEMPLATE_RENDER_FAILED',
        message: expect.stringContaining('customer.traits.nickname'),
      });
      expect(res.body.problems).toEqual([
        {
          path: 'html',
          message: 'undefined variable: customer.traits.nickname',
          variable: 'customer.traits.nickname',
          line: 1,
          column: 7,
        },
        {
          path: 'html',
          message: 'undefined variable: event.coupon',
          variable: 'event.coupon',
          line: 2,
          column: 7,
        },
      ]);
      await preview('strict', {
        customerId: 'ada',
        strict: true,
        context: { event: { coupon: 'X' } },
      }).expect(422);
      const fine = await preview('strict', {
        strict: true,
        context: { customer: { traits: { nickname: 'Lovelace' } }, event: { coupon: 'SAVE10' } },
      }).expect(200);
      expect(fine.body.html).toBe('<p>Lovelace</p>\n<p>SAVE10</p>');
    });

    it('previews an older version, and validates the request', async () => {
      const v1 = await preview('welcome', { version: 1, customerId: 'ada' }).expect(200);
      expect(v1.body).toMatchObject({
        template: { version: 1 },
        html: '<p>Hello Ada</p>',
        subject: 'Welcome, Ada',
      });
      await preview('welcome', { version: 42 }).expect(404);
      const unknown = await preview('hero', { customerId: 'nobody' }).expect(404);
      expect(unknown.body.error).toBe('CUSTOMER_NOT_FOUND');
      const both = await preview('hero', { customerId: 'ada', context: { segments: ['vip'] } }).expect(400);
      expect(both.body.problems[0].path).toBe('context.segments');
      await preview('hero', { context: { customer: { traits: 'x' } } }).expect(400);
      await preview('hero', { context: { unknown: 1 } }).expect(400);
      await preview('hero', { strict: 'yes' }).expect(400);
    });

    it('does not parse a stored version again when rendering it', async () => {
      const engine = t.app.get(LiquidEngine);
      const spy = jest.spyOn(engine, 'parse');
      try {
        for (let i = 0; i < 5; i++) {
          await preview('hero', { customerId: i % 2 ? 'ada' : 'bob' }).expect(200);
          await preview('cart', { context: { event: { products: [{ name: 'x', price: 1 }] } } }).expect(200);
        }
        expect(spy).not.toHaveBeenCalled();
        const before = engine.parseCount;
        await put('/v1/templates/hero', {
          subject: 'v2',
          html: '{% block_for "hero" %}',
          blocks: HERO_BLOCKS,
        }).expect(200);
        expect(engine.parseCount).toBe(before + 5); // subject, html, three variants: once, at save
        await preview('hero', { customerId: 'ada' }).expect(200);
        expect(engine.parseCount).toBe(before + 5);
      } finally {
        spy.mockRestore();
      }
    });
  });
  it("the sender's batch read of facts: every shape of customer, dates as ISO strings, unknown ids left out", async () => {
    const facts = t.app.get(CustomerFactsRepository);
    const ids: string[] = (
      await t.db.query(
        `SELECT customer_id FROM customer_identities WHERE kind = 'userId' AND value = ANY($1) ORDER BY value`,
        [['ada', 'bob', 'eve']],
      )
    ).map((r: { customer_id: string }) => r.customer_id);
    expect(ids).toHaveLength(3);
    const gone = '00000000-0000-4000-8000-000000000000';
    const many = await facts.loadMany([...ids, gone]);
    expect([...many.keys()].sort()).toEqual([...ids].sort());
    const [ada, bob, eve] = ids.map((id) => many.get(id)!);
    // scores and a segment
    expect(ada.segments).toEqual(['vip']);
    expect(ada.customer).toMatchObject({
      externalId: 'ada',
      email: 'ada@example.com',
      timezone: 'Europe/Berlin',
      traits: { firstName: 'Ada' },
    });
    expect(ada.customer.scores).toMatchObject({ clv: 1234.5, clvTier: 'high', rfmCode: null });
    // orders, no scores
    expect(bob.segments).toEqual([]);
    expect(bob.customer.scores).toEqual({});
    expect(bob.customer.stats).toMatchObject({ ordersCount: 3, revenueTotal: 60, avgOrderValue: 20 });
    expect(bob.customer.stats.firstOrderAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(bob.customer.stats.eventCounts).toEqual({ 'Order Completed': 3 });
    expect(eve.customer.stats).toMatchObject({ ordersCount: 0, eventsCount: 1 });
    // The single read is the batch read of one, by userId too; an unknown one is a 404.
    expect(await facts.load('bob')).toEqual(bob);
    await expect(facts.load('nobody-here')).rejects.toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
  });
});
