import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonRulesConditionEvaluator } from './blocks/json-rules-evaluator';
import { compileTemplate, TemplateSources } from './compile-template';
import { ContentException, TemplateProblem } from './content.exception';
import { LiquidEngine } from './liquid/engine';
import { findTemplatesDir } from './liquid/templates-dir';
import { RenderableVersion, TemplateRenderer } from './template-renderer';

const engine = new LiquidEngine();
const sources = (over: Partial<TemplateSources> = {}): TemplateSources => ({
  subject: 'Hi',
  html: '<p>Hi</p>',
  text: null,
  blocks: {},
  ...over,
});
const problemsOf = (over: Partial<TemplateSources>, e = engine): TemplateProblem[] =>
  compileTemplate(e, sources(over)).problems;

let versionSeq = 0;
const version = (over: Partial<TemplateSources> = {}): RenderableVersion => ({
  templateId: `t-${++versionSeq}`,
  key: 'cart',
  name: 'Cart',
  version: 1,
  ...sources(over),
});

async function renderError(promise: Promise<unknown>): Promise<ContentException> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ContentException) return e;
    throw e;
  }
  throw new Error('expected a ContentException');
}

describe('templates directory', () => {
  it('is found from src/ (tests) and from dist/src/ (built server) alike', () => {
    const root = path.resolve(__dirname, '../..');
    expect(findTemplatesDir(path.join(root, 'src/content/liquid'))).toBe(path.join(root, 'templates'));
    expect(findTemplatesDir(path.join(root, 'dist/src/content/liquid'))).toBe(path.join(root, 'templates'));
    expect(engine.templatesDir).toBe(path.join(root, 'templates'));
  });
});

describe('compileTemplate: refused at save with line and column', () => {
  it('reports Liquid syntax errors per source with its path', () => {
    expect(problemsOf({ html: '<p>\n  {{ customer.traits.firstName | nope }}\n</p>' })).toEqual([
      { path: 'html', message: 'undefined filter: nope', line: 2, column: 3 },
    ]);
    expect(problemsOf({ subject: 'Hi {% if x %}' })).toEqual([
      { path: 'subject', message: expect.stringContaining('not closed'), line: 1, column: 4 },
    ]);
    expect(
      problemsOf({
        text: 'ok',
        blocks: { hero: [{ when: { segment: 'vip' }, html: 'ok' }, { html: 'a\nb {{ x | nope }}' }] },
      }),
    ).toEqual([{ path: 'blocks.hero[1].html', message: expect.any(String), line: 2, column: 3 }]);
  });

  it('reports every broken source at once', () => {
    const paths = problemsOf({ subject: '{{', html: '{% for %}', text: '{% endif %}' }).map((p) => p.path);
    expect(paths).toEqual(['subject', 'html', 'text']);
  });

  it('refuses unknown blocks, and blocks outside the HTML', () => {
    expect(problemsOf({ html: '<div>\n{% block_for "hero" %}</div>' })).toEqual([
      { path: 'html', message: expect.stringContaining('unknown block "hero"'), line: 2, column: 1 },
    ]);
    expect(
      problemsOf({ html: '{% if a %}{% block_for "x" %}{% endif %}', blocks: { y: [{ html: 'y' }] } }),
    ).toEqual([expect.objectContaining({ message: expect.stringContaining('unknown block "x"') })]);
    expect(problemsOf({ subject: '{% block_for "hero" %}', blocks: { hero: [{ html: 'x' }] } })).toEqual([
      { path: 'subject', message: expect.stringContaining('only available in the HTML'), line: 1, column: 1 },
    ]);
    expect(problemsOf({ html: '{% block_for hero %}' })[0].message).toContain('quoted block name');
  });

  it.each([
    ['{% include "../package.json" %}', '../package.json'],
    ['{% render "/etc/passwd" %}', '/etc/passwd'],
    ['{% layout "../../../../etc/hosts" %}x', '../../../../etc/hosts'],
    ['{% render "../src/main.ts" %}', '../src/main.ts'],
    ['{% include "partials/nope" %}', 'partials/nope'],
  ])('refuses a file outside templates/ or missing: %s', (html, file) => {
    expect(problemsOf({ html })).toEqual([
      { path: 'html', message: `"${file}" is not a template file under templates/`, line: 1, column: 1 },
    ]);
  });

  it('refuses a symlink that leads out of templates/, and files that are not .liquid', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-templates-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.liquid'), 'SECRET');
      fs.symlinkSync(path.join(outside, 'secret.liquid'), path.join(dir, 'link.liquid'));
      fs.writeFileSync(path.join(dir, 'ok.liquid'), 'fine');
      fs.writeFileSync(path.join(dir, 'data.json'), '{}');
      const local = new LiquidEngine({ templatesDir: dir });
      expect(problemsOf({ html: '{% include "ok" %}' }, local)).toEqual([]);
      expect(problemsOf({ html: '{% include "link" %}' }, local)[0].message).toContain('not a template file');
      expect(problemsOf({ html: '{% include "data.json" %}' }, local)[0].message).toContain(
        'not a template file',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('accepts the shipped layout, partials and blocks', () => {
    expect(
      problemsOf({
        html: `{% layout "layouts/email", preheader: "p" %}{% block content %}
          {% render "partials/product-grid", products: event.products %}
          {% render "blocks/vip-products", products: event.products, code: "VIP" %}
          {% render "blocks/discount-code", code: "SAVE10", percent: 10, expires: "2030-01-01" %}
          {% render "blocks/cart-reminder", products: event.products, url: "https://shop.example/cart" %}
          {% render "partials/button", url: "https://shop.example", label: "Go" %}
        {% endblock %}`,
      }),
    ).toEqual([]);
  });

  it('enforces the parse limit', () => {
    const small = new LiquidEngine({ limits: { parseLimit: 100 } });
    expect(problemsOf({ html: 'x'.repeat(101) }, small)).toEqual([
      { path: 'html', message: 'parse length limit exceeded' },
    ]);
  });
});

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer(engine, new JsonRulesConditionEvaluator(), 'https://mail.example');
  const customer = (traits: Record<string, unknown> = {}) => ({ id: 'c1', email: 'ada@example.com', traits });

  it('escapes HTML output by default, but not in the subject and text, and `raw` opts out', async () => {
    const v = version({
      subject: 'For {{ customer.traits.firstName }}',
      html: '<p>{{ customer.traits.firstName }}</p><p>{{ event.snippet | raw }}</p>',
      text: 'Hello {{ customer.traits.firstName }}',
    });
    const out = await renderer.render(v, {
      customer: customer({ firstName: '<script>alert("x")</script>' }),
      event: { snippet: '<b>bold</b>' },
    });
    expect(out.html).toBe('<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p><p><b>bold</b></p>');
    expect(out.subject).toBe('For <script>alert("x")</script>');
    expect(out.text).toBe('Hello <script>alert("x")</script>');
    expect(out.textGenerated).toBe(false);
  });

  it('generates the text body from the rendered HTML', async () => {
    const out = await renderer.render(
      version({
        html: '<p>Hi {{ customer.traits.firstName }} &amp; co</p><a href="{{ links.unsubscribe }}">Unsubscribe</a>',
      }),
      { customer: customer({ firstName: 'Ada' }), tokens: { unsubscribe: 'tok/1' } },
    );
    expect(out.text).toBe('Hi Ada & co\n\nUnsubscribe (https://mail.example/u/tok%2F1)');
    expect(out.textGenerated).toBe(true);
  });

  it('renders the chosen block variant and says why', async () => {
    const v = version({
      html: '<h1>{% block_for "hero" %}</h1>',
      blocks: {
        hero: [
          { when: { segment: 'vip' }, html: 'VIP {{ customer.traits.firstName }}' },
          {
            when: {
              all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 3 }],
            },
            html: 'Loyal',
          },
          { html: 'Welcome' },
        ],
        unused: [{ html: 'never' }],
      },
    });
    const vip = await renderer.render(v, { customer: customer({ firstName: 'Ada' }), segments: ['vip'] });
    expect(vip.html).toBe('<h1>VIP Ada</h1>');
    expect(vip.blocks).toEqual([
      {
        name: 'hero',
        chosen: 0,
        reason: 'condition',
        rendered: true,
        evaluated: [{ index: 0, matched: true, detail: { segment: 'vip', member: true, segments: ['vip'] } }],
      },
      { name: 'unused', chosen: 0, reason: 'default', rendered: false, evaluated: [] },
    ]);
    const loyal = await renderer.render(v, { customer: { traits: {}, stats: { ordersCount: 4 } } });
    expect(loyal.html).toBe('<h1>Loyal</h1>');
    expect(loyal.blocks[0].evaluated[1]).toMatchObject({
      index: 1,
      matched: true,
      detail: { all: [{ fact: 'stats', factResult: 4, result: true }] },
    });
    const other = await renderer.render(v, {});
    expect(other.html).toBe('<h1>Welcome</h1>');
    expect(other.blocks[0]).toMatchObject({ chosen: 2, reason: 'default' });
  });

  it('renders a block from inside a layout and a rendered partial', async () => {
    const v = version({
      html: '{% layout "layouts/email" %}{% block content %}{% block_for "hero" %}{% endblock %}',
      blocks: { hero: [{ html: '{% render "blocks/discount-code", code: "SAVE10" %}' }] },
    });
    const out = await renderer.render(v, {});
    expect(out.html).toContain('SAVE10');
    expect(out.html).toContain('href="https://mail.example/u/preview"');
    expect(out.text).toContain('SAVE10');
    expect(out.text).toContain('Unsubscribe (https://mail.example/u/preview)');
    expect(out.text).not.toContain('@media');
  });

  it("renders an abandoned cart's products with the product grid partial", async () => {
    const v = version({
      html: '{% render "blocks/cart-reminder", products: event.products, url: event.checkout_url, currency: event.currency %}',
    });
    const out = await renderer.render(v, {
      customer: customer({ locale: 'de-DE' }),
      journey: { key: 'abandoned-cart' },
      event: {
        currency: 'EUR',
        checkout_url: 'https://shop.example/cart?id=7',
        products: [
          { name: 'Trail <Runner>', price: 89.9, quantity: 2, url: 'https://shop.example/p/1' },
          { name: 'Socks', price: 9.5, url: 'https://shop.example/p/2?color=red' },
        ],
      },
    });
    expect(out.html).toContain('You left 2 items in your cart.');
    expect(out.html).toContain('Trail &lt;Runner&gt;');
    expect(out.html).toContain('2 &times; 89,90\u00a0€');
    expect(out.html).toContain('9,50\u00a0€');
    expect(out.html).toContain(
      'href="https://shop.example/p/2?color=red&amp;utm_source=waymark&amp;utm_medium=email&amp;utm_campaign=abandoned-cart&amp;utm_content=product-grid"',
    );
    expect(out.html).toContain('utm_content=cart-reminder');
    expect(out.text).toContain('Socks (https://shop.example/p/2?color=red&utm_source=waymark');
  });

  it('reports undefined variables in strict mode, all of them, with names and positions', async () => {
    const v = version({
      subject: 'Hi {{ customer.traits.nickname }}',
      html: '<p>{{ customer.traits.firstName | default: "there" }}</p>\n{% if journey.key %}x{% endif %}<p>{{ event.coupon }}</p>{{ later }}',
    });
    await expect(renderer.render(v, {})).resolves.toMatchObject({ subject: 'Hi', html: expect.any(String) });
    const error = await renderError(renderer.render(v, {}, { strict: true }));
    expect(error.code).toBe('TEMPLATE_RENDER_FAILED');
    expect(error.problems).toEqual([
      {
        path: 'subject',
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
        column: 39,
      },
      { path: 'html', message: 'undefined variable: later', variable: 'later', line: 2, column: 61 },
    ]);
  });

  it('shipped layout and partials render in strict mode without their optional arguments', async () => {
    const v = version({
      html: `{% layout "layouts/email" %}{% block content %}
        {% render "blocks/vip-products", products: event.products %}
        {% render "blocks/cart-reminder", products: event.products %}
        {% render "blocks/discount-code", code: "SAVE10" %}
        {% render "partials/button", url: "https://shop.example" %}{% endblock %}`,
    });
    const out = await renderer.render(
      v,
      { event: { products: [{ name: 'Shoe', price: 1 }] } },
      { strict: true },
    );
    expect(out.html).toContain('Shoe');
  });

  it('refuses dynamic file paths outside templates/ at render time', async () => {
    const v = version({ html: '{% include event.file %}' });
    for (const file of ['../package.json', '/etc/passwd', 'partials/../../package.json']) {
      const error = await renderError(renderer.render(v, { event: { file } }));
      expect(error.problems![0]).toMatchObject({ path: 'html', message: expect.stringContaining('ENOENT') });
      expect(JSON.stringify(error.problems)).not.toContain(path.resolve(__dirname, '../..'));
    }
    await expect(renderer.render(v, { event: { file: 'partials/header' } })).resolves.toMatchObject({
      html: expect.stringContaining('Waymark'),
    });
  });

  it('enforces the memory and render-time limits', async () => {
    const memory = await renderError(
      renderer.render(version({ html: '{% for i in (1..100000000) %}{% endfor %}' }), {}),
    );
    expect(memory.problems![0].message).toContain('memory alloc limit exceeded');
    const slow = new TemplateRenderer(
      new LiquidEngine({ limits: { renderLimit: 5 } }),
      new JsonRulesConditionEvaluator(),
      'https://mail.example',
    );
    const time = await renderError(
      slow.render(
        version({ html: '{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}' }),
        {},
      ),
    );
    expect(time.problems![0].message).toContain('template render limit exceeded');
  });

  it('refuses a block that renders itself', async () => {
    const v = version({ html: '{% block_for "a" %}', blocks: { a: [{ html: 'x{% block_for "a" %}' }] } });
    const error = await renderError(renderer.render(v, {}));
    expect(error.problems![0].message).toContain('block "a" renders itself');
  });

  it('parses a version once: later renders come from the cache', async () => {
    const local = new TemplateRenderer(
      new LiquidEngine(),
      new JsonRulesConditionEvaluator(),
      'https://x.example',
    );
    const v = version({
      subject: 'S {{ customer.traits.firstName }}',
      html: '{% block_for "hero" %} {% render "partials/product-grid", products: event.products %}',
      blocks: { hero: [{ when: { segment: 'vip' }, html: 'vip' }, { html: 'all' }] },
    });
    await local.render(v, {});
    const parses = local.engine.parseCount;
    expect(parses).toBe(4); // subject, html, two variants
    const spy = jest.spyOn(local.engine, 'parse');
    for (let i = 0; i < 20; i++)
      await local.render(v, { segments: i % 2 ? ['vip'] : [], event: { products: [] } });
    expect(spy).not.toHaveBeenCalled();
    expect(local.engine.parseCount).toBe(parses);
    // A new version is a new cache entry.
    await local.render({ ...v, version: 2 }, {});
    expect(local.engine.parseCount).toBe(parses + 4);
  });
});
