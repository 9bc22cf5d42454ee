import { Liquid } from 'liquidjs';

/**
 * The send benchmark's email: a promo with a personal greeting, a product loop with filters, tracked links, the links
 * a recipient needs, and two dynamic content blocks whose variants are chosen per customer by segment membership or
 * a json-rules-engine condition over the customer's facts (rendered by the `block_for` tag).
 */
export const TEMPLATE = {
  subject: '{{ customer.traits.firstName | default: "Hello" }}, {{ event.products | size }} picks for you',
  html: `<html><body style="font-family:sans-serif">
<table width="600" align="center" cellpadding="0" cellspacing="0">
  <tr><td>{% block_for "hero" %}<h1>Hi {{ customer.traits.firstName | default: "there" }},</h1>
  <p>We picked these for you this week{% if customer.traits.city %} in {{ customer.traits.city }}{% endif %}.</p></td></tr>
  {% for p in event.products %}
  <tr><td style="padding:12px 0;border-bottom:1px solid #eee">
    <a href="https://shop.example.com/p/{{ p.sku }}?ref=email"><strong>{{ p.name | escape }}</strong></a>
    <div>{{ p.price | times: 1.0 | round: 2 }} {{ p.currency | upcase }}{% if p.sale %} <em>on sale</em>{% endif %}</div>
  </td></tr>
  {% endfor %}
  <tr><td style="padding:16px 0">{% block_for "offer" %}</td></tr>
  <tr><td style="padding:24px 0"><a href="https://shop.example.com/new?ref=email">See everything new</a></td></tr>
  <tr><td style="font-size:12px;color:#888">
    <a href="{{ links.viewInBrowser }}">View in browser</a> ·
    <a href="{{ links.preferences }}">Preferences</a> ·
    <a href="{{ links.unsubscribe }}">Unsubscribe</a>
  </td></tr>
</table></body></html>`,
  blocks: {
    hero: [
      {
        when: { segment: 'vip' },
        html: '<div class="hero vip"><h2>Early access for you, {{ customer.traits.firstName }}</h2><a href="https://shop.example.com/vip?ref=email">Shop the preview</a></div>',
      },
      {
        when: { all: [{ fact: 'stats', path: '$.ordersCount', operator: 'greaterThanInclusive', value: 3 }] },
        html: '<div class="hero loyal"><h2>Thanks for {{ customer.stats.ordersCount }} orders</h2></div>',
      },
      { html: '<div class="hero"><h2>New this week</h2></div>' },
    ],
    offer: [
      {
        when: {
          any: [
            { fact: 'traits', path: '$.city', operator: 'equal', value: 'Paris' },
            { fact: 'traits', path: '$.plan', operator: 'in', value: ['pro', 'team'] },
          ],
        },
        html: '<p>Free next-day delivery{% if customer.traits.city %} in {{ customer.traits.city }}{% endif %}</p>',
      },
      {
        when: { not: { segment: 'vip' } },
        html: '<p>10% off your next order with code <b>WELCOME10</b></p>',
      },
      { html: '<p>Members earn double points this week</p>' },
    ],
  },
};

export const PRODUCTS = Array.from({ length: 4 }, (_, i) => ({
  sku: `SKU-${1000 + i}`,
  name: `Product ${i} & friends`,
  price: 19.5 + i * 10,
  currency: 'eur',
  sale: i % 2 === 0,
}));

const CITIES = ['Lyon', 'Paris', 'Berlin', 'Madrid', 'Porto'];
const PLANS = ['free', 'free', 'pro', 'team'];

/** The generated customer `n` (1-based): traits, orders count, VIP membership; every mix of block variants occurs. */
export function benchCustomer(n: number) {
  return {
    traits: { firstName: `Customer ${n}`, city: CITIES[n % CITIES.length], plan: PLANS[n % PLANS.length] },
    ordersCount: n % 3 === 0 ? 3 + (n % 7) : n % 3,
    vip: n % 5 === 0,
  };
}

/** The variants the server will choose for customer `n`: the conditions above, worked out by hand. */
function variantsOf(n: number): { hero: number; offer: number } {
  const c = benchCustomer(n);
  const hero = c.vip ? 0 : c.ordersCount >= 3 ? 1 : 2;
  const offer = c.traits.city === 'Paris' || ['pro', 'team'].includes(c.traits.plan) ? 0 : c.vip ? 2 : 1;
  return { hero, offer };
}

function contextOf(n: number) {
  const c = benchCustomer(n);
  return {
    customer: { traits: c.traits, stats: { ordersCount: c.ordersCount }, scores: {} },
    event: { products: PRODUCTS },
    links: {
      viewInBrowser: `https://mail.bench.test/v/${n}`,
      preferences: `https://mail.bench.test/p/${n}`,
      unsubscribe: `https://mail.bench.test/u/${n}`,
    },
  };
}

/**
 * The limit side of the render: plain liquidjs, each variant combination parsed once (the chosen variants inlined
 * where `block_for` stands), then subject and HTML rendered with each customer's context. No condition is
 * evaluated, no link tracked or signed: what the server does on top of Liquid is what the ratio shows.
 */
export function bareLiquidRate(renders: number) {
  const liquid = new Liquid();
  const subject = liquid.parse(TEMPLATE.subject);
  const parsed = new Map<string, ReturnType<Liquid['parse']>>();
  const htmlFor = (v: { hero: number; offer: number }) => {
    const key = `${v.hero}/${v.offer}`;
    let t = parsed.get(key);
    if (!t) {
      t = liquid.parse(
        TEMPLATE.html
          .replace('{% block_for "hero" %}', TEMPLATE.blocks.hero[v.hero].html)
          .replace('{% block_for "offer" %}', TEMPLATE.blocks.offer[v.offer].html),
      );
      parsed.set(key, t);
    }
    return t;
  };
  for (let n = 1; n <= 15; n++) htmlFor(variantsOf(n)); // parse every combination before the clock starts
  let bytes = 0;
  const started = performance.now();
  for (let n = 1; n <= renders; n++) {
    const ctx = contextOf(n);
    bytes += (liquid.renderSync(subject, ctx) as string).length;
    bytes += (liquid.renderSync(htmlFor(variantsOf(n)), ctx) as string).length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { renders, seconds, perSecond: renders / seconds, bytes };
}

/** One customer's HTML, rendered the bare way: what the bare nodemailer baseline sends. */
export function bareSample(n = 1): { subject: string; html: string } {
  const liquid = new Liquid();
  const v = variantsOf(n);
  const html = TEMPLATE.html
    .replace('{% block_for "hero" %}', TEMPLATE.blocks.hero[v.hero].html)
    .replace('{% block_for "offer" %}', TEMPLATE.blocks.offer[v.offer].html);
  return {
    subject: liquid.parseAndRenderSync(TEMPLATE.subject, contextOf(n)) as string,
    html: liquid.parseAndRenderSync(html, contextOf(n)) as string,
  };
}
